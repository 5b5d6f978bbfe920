"""An entry's history page for its moderators, and « revenir à cette version »."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from carto.actors.models import Actor, Initiative
from carto.contributions.services import EditConflict

from ..moderation.access import can_moderate
from .records import kind_slug, revert, versions

MODELS = {"acteur": Actor, "initiative": Initiative}
PAGE_SIZE = 50


def moderated_entry(request, kind: str, pk: int):
    """(entry, None) if the signed-in user moderates it; else (None, the answer): the
    login page for an anonymous visitor, a French 403 page for anyone else; 404 for an
    unknown entry."""
    model = MODELS.get(kind)
    if model is None:
        raise Http404("Aucune fiche de ce type.")
    if not request.user.is_authenticated:
        return None, redirect_to_login(request.get_full_path())
    entry = get_object_or_404(model, pk=pk)
    if not can_moderate(request.user, entry):
        return None, render(request, "contributions/history/interdit.html", status=403)
    return entry, None


def render_history(request, entry, conflict: str = "", status: int = 200):
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    shown, more = versions(entry, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    context = {
        "entry": entry,
        "kind": kind_slug(entry),
        "versions": shown,
        "page": page,
        "more": more,
        "conflict": conflict,
    }
    return render(request, "contributions/history/historique.html", context, status=status)


@never_cache
def history(request, kind: str, pk: int):
    entry, refused = moderated_entry(request, kind, pk)
    if refused:
        return refused
    return render_history(request, entry)


@never_cache
@require_POST
def revert_to(request, kind: str, pk: int, history_id: int):
    entry, refused = moderated_entry(request, kind, pk)
    if refused:
        return refused
    record = get_object_or_404(entry.history, history_id=history_id)
    try:
        opened = int(request.POST.get("version", ""))
    except ValueError:
        opened = -1
    try:
        revert(entry, record, opened, request.user)
    except EditConflict as conflict:
        message = (
            "La fiche a été modifiée depuis l’ouverture de cette page (elle est maintenant "
            f"en version {conflict.current.version}) : rien n’a été changé. Relisez "
            "l’historique à jour ci-dessous, puis revenez à la version voulue si besoin."
        )
        return render_history(request, conflict.current, conflict=message, status=409)
    except IntegrityError:
        message = (
            "Cette version ne peut pas être rétablie telle quelle sur la fiche actuelle (une "
            "fiche publiée doit avoir une position, par exemple) : rien n’a été changé."
        )
        return render_history(request, entry, conflict=message, status=409)
    messages.success(
        request, "La fiche est revenue à cette version ; ce retour figure dans l’historique."
    )
    return redirect("history", kind=kind, pk=entry.pk)
