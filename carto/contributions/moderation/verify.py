"""« À vérifier »: the listed actors of the user's territories that nobody confirmed for a
year, and those placed only approximately, with « confirmer » and « placer ».

Design choices:
- Both lists start from `access.actors_for(user).listed()`: a référent sees and acts on
  the actors of their territories (and kinds) only; a filter only narrows them.
- Confirming and placing go through `save_checked` with the version the page showed, so
  the history says who confirmed or placed, and an edit in between is not overwritten.
- A référent places an actor inside their territories only: a point elsewhere would move
  it out of their reach (its territory codes are recomputed on save).
"""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import F, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from carto.actors.models import Precision
from carto.contributions.services import EditConflict, save_checked

from .access import (
    actors_for,
    kinds_of,
    may_place_at,
    moderator_required,
    territories_of,
)
from .decisions import who
from .display import territory_label, territory_names, where, where_codes
from .forms import PlaceForm, VerifyFilters, VersionForm

STALE_AFTER = timedelta(days=365)
APPROXIMATE = [Precision.COMMUNE, Precision.DEPARTEMENT]
PAGE_SIZE = 25


def unconfirmed(actors):
    """Not confirmed for a year: verified over a year ago, or never and unchanged for a year."""
    today, now = timezone.localdate(), timezone.now()
    return actors.filter(
        Q(last_verified__lt=today - STALE_AFTER)
        | Q(last_verified__isnull=True, updated_at__lt=now - STALE_AFTER)
    ).order_by(F("last_verified").asc(nulls_first=True), "updated_at", "id")


def approximate(actors):
    """Placed at the commune's or the département's position, or flagged « à localiser »."""
    return actors.filter(Q(precision__in=APPROXIMATE) | Q(to_locate=True)).order_by("name", "id")


def _rows(page):
    names = territory_names(where_codes(page))
    return [(actor, where(actor, names)) for actor in page]


@moderator_required
def to_verify(request):
    user = request.user
    filters = VerifyFilters(request.GET or None, territories_of(user), kinds_of(user))
    actors = filters.filter(actors_for(user).listed().select_related("kind"))
    stale = Paginator(unconfirmed(actors), PAGE_SIZE).get_page(request.GET.get("page_anciens"))
    rough = Paginator(approximate(actors), PAGE_SIZE).get_page(request.GET.get("page_positions"))
    summary = []
    if territories_of(user):
        mine = actors_for(user).listed()
        names = territory_names(territories_of(user))
        for code in territories_of(user):
            here = mine.filter(territory_codes__contains=[code])
            counts = (unconfirmed(here).count(), approximate(here).count())
            summary.append((code, territory_label(code, names), *counts))
    context = {
        "filters": filters,
        "summary": summary,
        "stale": stale,
        "stale_rows": _rows(stale),
        "rough": rough,
        "rough_rows": _rows(rough),
        "back": request.get_full_path(),
    }
    return render(request, "contributions/moderation/a_verifier.html", context)


def _return_to(request) -> str:
    """The « à vérifier » page the user came from (a path of this site), or ""."""
    target = request.POST.get("retour") or request.GET.get("retour", "")
    return target if url_has_allowed_host_and_scheme(target, {request.get_host()}) else ""


def _back(request):
    return redirect(_return_to(request) or "moderation-verify")


@moderator_required
@require_POST
def confirm(request, pk):
    """The actor's information is right as it stands: last_verified = today."""
    actor = get_object_or_404(actors_for(request.user).listed(), pk=pk)
    form = VersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Formulaire incomplet : rechargez la page.")
        return _back(request)
    values = {"last_verified": timezone.localdate()}
    try:
        save_checked(actor, form.cleaned_data["version"], values, request.user, "confirmation")
    except EditConflict as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, f"« {actor} » est confirmé à ce jour.")
    return _back(request)


@moderator_required
def place(request, pk):
    """Set an actor's position (typed, or picked on the map): precision « address »."""
    actor = get_object_or_404(actors_for(request.user).listed().select_related("kind"), pk=pk)
    initial = {"version": actor.version}
    if actor.location is not None:
        initial.update(lat=round(actor.location.y, 6), lon=round(actor.location.x, 6))
    form, status, conflict = PlaceForm(request.POST or None, initial=initial), 200, ""
    if request.method == "POST" and form.is_valid():
        point = form.point()
        if not may_place_at(request.user, point):
            form.add_error(None, "Ce point est hors de vos territoires : vérifiez la position.")
            status = 400
        else:
            values = {"location": point, "precision": Precision.ADDRESS, "to_locate": False}
            try:
                save_checked(
                    actor, form.cleaned_data["version"], values, request.user,
                    f"placé par {who(request.user)}"[:100],
                )  # fmt: skip
            except EditConflict as refused:
                actor, conflict, status = refused.current, str(refused), 409
                data = request.POST.copy()
                data["version"] = actor.version
                form = PlaceForm(data)
            else:
                messages.success(request, f"« {actor} » est placé.")
                return _back(request)
    context = {
        "actor": actor,
        "form": form,
        "conflict": conflict,
        "back": _return_to(request),
        "tiles": {"url": settings.CARTO_TILE_URL, "attribution": settings.CARTO_TILE_ATTRIBUTION},
    }
    return render(request, "contributions/moderation/placer.html", context, status=status)
