"""Who may read an entry's history and revert it: its moderators.

A moderator of an entry is a staff member or superuser, or a référent whose territories
overlap the entry's (and whose kinds, if any, include the actor's kind). The moderation
queue has the same rule; the two are to be unified in one place."""

from carto.actors.models import Actor


def can_moderate(user, entry) -> bool:
    """Whether `user` moderates `entry` (an Actor or an Initiative)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_staff or user.is_superuser:
        return True
    referent = getattr(user, "referent", None)
    if referent is None:
        return False
    kind = entry.kind_id if isinstance(entry, Actor) else ""
    return referent.covers(entry.territory_codes, kind)
