"""Erase a participant of the agenda on request (registrations and credit accounts)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from carto.agenda import services


class Command(BaseCommand):
    help = (
        "Efface une personne de l'agenda à sa demande : ses inscriptions perdent courriel, "
        "nom et compte ; ses comptes de crédits sont anonymisés (écritures et totaux gardés)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", default="", help="Courriel des inscriptions.")
        parser.add_argument("--username", default="", help="Compte utilisateur.")

    def handle(self, *args, email: str, username: str, **options):
        if not email and not username:
            raise CommandError("indiquez --email ou --username (ou les deux)")
        user = None
        if username:
            user = get_user_model().objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"aucun compte utilisateur « {username} »")
        erased = services.erase_person(email=email, user=user)
        self.stdout.write(
            f"Inscriptions effacées : {erased.registrations} ; comptes de crédits anonymisés : "
            f"{erased.accounts}."
        )
