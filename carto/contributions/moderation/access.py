"""Who may moderate what: one answer, read by every moderation view.

Design choices:
- A moderator is an active user who is staff or superuser (every territory, every kind)
  or who has a `Referent` row (the proposals and actors whose territory codes overlap
  theirs, and of their kinds when they named some). Everyone else gets a 403 page.
- Every view, GET or POST, starts from `proposals_for(user)` or `actors_for(user)` and
  looks the object up inside it: an object outside the user's scope is a 404, whatever
  the request says (a crafted POST included).
- A filter on a territory only narrows these querysets, so it may name any code: the
  scope itself is never taken from the request.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.db.models import Q
from django.shortcuts import render

from carto.actors.models import Actor
from carto.contributions.models import Proposal, Referent
from carto.territories.models import Territory


def referent_of(user) -> Referent | None:
    """The user's Referent row, or None (cached on the user for the request)."""
    if not hasattr(user, "_moderation_referent"):
        found = None
        if user.is_authenticated:
            found = Referent.objects.filter(user=user).first()
        user._moderation_referent = found
    return user._moderation_referent


def sees_everything(user) -> bool:
    return user.is_active and (user.is_staff or user.is_superuser)


def is_moderator(user) -> bool:
    return user.is_authenticated and (sees_everything(user) or referent_of(user) is not None)


def proposals_for(user):
    """The proposals `user` may see and decide on (any state)."""
    if sees_everything(user):
        return Proposal.objects.all()
    referent = referent_of(user) if user.is_authenticated else None
    if referent is None:
        return Proposal.objects.none()
    return Proposal.objects.for_referent(referent)


def can_moderate(user, entry) -> bool:
    """Whether `user` moderates `entry` (an Actor or an Initiative): read its history,
    revert it. The rule of proposals_for and actors_for, for one entry."""
    if not user.is_authenticated or not user.is_active:
        return False
    if sees_everything(user):
        return True
    referent = referent_of(user)
    kind = entry.kind_id if isinstance(entry, Actor) else ""
    return referent is not None and referent.covers(entry.territory_codes, kind)


def actors_for(user):
    """The actors `user` may confirm, place, or merge a duplicate into (any status)."""
    if sees_everything(user):
        return Actor.objects.all()
    referent = referent_of(user) if user.is_authenticated else None
    if referent is None:
        return Actor.objects.none()
    queryset = Actor.objects.filter(territory_codes__overlap=referent.territories)
    return queryset.filter(kind__in=referent.kinds) if referent.kinds else queryset


def territories_of(user) -> list[str]:
    """The territory codes offered as filters: the référent's; none for staff (any code)."""
    referent = referent_of(user)
    return list(referent.territories) if referent and not sees_everything(user) else []


def kinds_of(user) -> list[str]:
    """The kinds of actors the user moderates; empty means all."""
    referent = referent_of(user)
    return list(referent.kinds) if referent and not sees_everything(user) else []


def may_place_at(user, point) -> bool:
    """Whether `user` may put an actor at `point`: inside one of a référent's territories
    (elsewhere, the actor would leave their reach), anywhere for staff."""
    if sees_everything(user):
        return True
    referent = referent_of(user)
    condition = Q(pk__in=[])
    for territory in referent.territories if referent else []:
        kind, _, code = territory.partition(":")
        condition |= Q(kind=kind, code=code)
    return Territory.objects.filter(condition, geom__intersects=point).exists()


def moderator_required(view):
    """Anonymous: to the login page; logged in without the right: a French 403 page."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_moderator(request.user):
            return render(request, "contributions/moderation/interdit.html", status=403)
        return view(request, *args, **kwargs)

    return checked
