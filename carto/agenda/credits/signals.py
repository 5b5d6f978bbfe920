"""A user deleted (erasure on request) takes their name off their credit accounts first:
the accounts and their entries stay, pseudonymised, and every total stays true."""

from django.contrib.auth import get_user_model
from django.db.models.signals import pre_delete
from django.dispatch import receiver


@receiver(pre_delete, sender=get_user_model(), dispatch_uid="credits_erase_user")
def erase_deleted_user(sender, instance, **kwargs):
    from .services import erase_user

    erase_user(instance)
