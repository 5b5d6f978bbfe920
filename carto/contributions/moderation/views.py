"""Moderation pages: signing in, the queue of pending proposals, one proposal with its
decisions, and the edit of its entry before publishing.

Every view starts from `access.proposals_for(user)`: a proposal outside the user's
territories (or kinds) is a 404, on its page as on every POST. A decision's outcome is
told on the next page (messages); a refused decision re-renders the page with the entry
as it now stands and what the moderator typed.
"""

from django.contrib import messages
from django.contrib.auth.views import LoginView
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from carto.actors.models import Actor, ActorKind
from carto.contributions.entries import kind_of
from carto.contributions.models import Proposal
from carto.contributions.services import EditConflict

from . import decisions
from .access import (
    actors_for,
    kinds_of,
    may_place_at,
    moderator_required,
    proposals_for,
    territories_of,
)
from .display import (
    change_rows,
    entry_rows,
    shown,
    territory_label,
    territory_names,
    where,
    where_codes,
)
from .forms import MergeForm, QueueFilters, RefuseForm, VersionForm, edit_form

PAGE_SIZE = 25
LOGIN_RATE = "10/m"  # sign-in attempts per address


@method_decorator(ratelimit(key="ip", rate=LOGIN_RATE, method="POST", block=False), name="dispatch")
class Login(LoginView):
    """Django's sign-in, in French, with attempts limited per address."""

    template_name = "contributions/moderation/connexion.html"

    def post(self, request, *args, **kwargs):
        if getattr(request, "limited", False):
            context = self.get_context_data(form=self.form_class(request), limited=True)
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)


def _proposals(user):
    return proposals_for(user).select_related("actor", "actor__kind", "initiative", "event")


@moderator_required
def queue(request):
    """The pending proposals the user may decide on, filtered, oldest first."""
    user = request.user
    filters = QueueFilters(request.GET or None, territories_of(user), kinds_of(user))
    page = Paginator(filters.filter(_proposals(user).pending()), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    names = territory_names(where_codes(proposal.entry for proposal in page))
    rows = [(proposal, where(proposal.entry, names)) for proposal in page]
    return render(
        request,
        "contributions/moderation/file.html",
        {"filters": filters, "page": page, "rows": rows},
    )


@moderator_required
def detail(request, pk):
    proposal = get_object_or_404(_proposals(request.user), pk=pk)
    return _detail(request, proposal)


def _detail(request, proposal, *, error="", status=200, refuse_form=None):
    """The proposal, its entry as it now stands, and the forms of its decisions."""
    entry = type(proposal.entry).objects.get(pk=proposal.entry.pk)
    codes = [*where_codes([entry]), *proposal.territory_codes]
    names = territory_names(codes)
    context = {
        "proposal": proposal,
        "entry": entry,
        "is_actor": isinstance(entry, Actor),
        "entry_kind": kind_of(entry),
        "pending": proposal.state == Proposal.State.PENDING,
        "where": where(entry, names),
        "territories": [territory_label(c, names) for c in proposal.territory_codes if c in names],
        "rows": entry_rows(entry),
        "changes": change_rows(entry, proposal.changes),
        "error": error,
        "refuse_form": refuse_form or RefuseForm(initial={"version": entry.version}),
        "history": entry.history.select_related("history_user").order_by("-history_id")[:5],
    }
    if isinstance(entry, Actor) and proposal.kind == Proposal.Kind.NEW:
        context.update(_merge_context(request, proposal, entry))
    return render(request, "contributions/moderation/proposition.html", context, status=status)


def _merge_context(request, proposal, entry) -> dict:
    """Candidates for « doublon de … »: found by name (`recherche`), or suggested (same
    normalised name, or within 200 m); `doublon` picks one and shows what it would gain."""
    listed = actors_for(request.user).listed().exclude(pk=entry.pk).select_related("kind")
    search = request.GET.get("recherche", "").strip()[:200]
    if search:
        candidates = listed.text_search(search)[:10]
    else:
        near = Q(name_key=entry.name_key)
        if entry.location is not None:
            near |= Q(geog__dwithin=(entry.location, 200))
        candidates = listed.filter(near)[:10]
    original, form = None, None
    if request.GET.get("doublon", "").isdigit():
        original = listed.filter(pk=int(request.GET["doublon"])).first()
    if original is not None:
        fields = decisions.completable(entry, original)
        form = MergeForm(
            initial={"version": entry.version, "original": original.pk,
                     "original_version": original.version, "completer": fields}
        )  # fmt: skip
        form.fields["completer"].choices = [
            (name, f"{label} : {shown(getattr(entry, name))}")
            for name, label in form.fields["completer"].choices
            if name in fields
        ]
    return {"search": search, "candidates": candidates, "original": original, "merge_form": form}


@moderator_required
@require_POST
def decide(request, pk, action):
    """Publish, apply, refuse or merge, on the entry at the version the page showed."""
    proposal = get_object_or_404(_proposals(request.user), pk=pk)
    form_class = {"refuser": RefuseForm, "doublon": MergeForm}.get(action, VersionForm)
    form = form_class(request.POST)
    if not form.is_valid():
        error = " ".join(message for errors in form.errors.values() for message in errors)
        refuse_form = form if action == "refuser" else None
        return _detail(request, proposal, error=error, status=400, refuse_form=refuse_form)
    data, user = form.cleaned_data, request.user
    try:
        if action == "publier":
            entry = decisions.publish(proposal, data["version"], user)
            done = f"« {entry} » est publiée."
        elif action == "appliquer":
            entry = decisions.apply_correction(proposal, data["version"], user)
            done = f"La correction de « {entry} » est appliquée."
        elif action == "refuser":
            decisions.refuse(proposal, data["version"], user, data["reason"])
            done = f"La proposition « {proposal.entry} » est refusée."
        else:
            original = actors_for(user).listed().filter(pk=data["original"]).first()
            if original is None:
                raise decisions.DecisionError(
                    "Cette fiche existante n’est pas publiée ou n’est pas de votre territoire."
                )
            decisions.merge(
                proposal,
                data["version"],
                original,
                data["original_version"],
                data["completer"],
                user,
            )
            done = f"« {proposal.entry} » est marquée comme doublon de « {original} »."
    except (EditConflict, decisions.DecisionError) as refused:
        refuse_form = form if action == "refuser" else None
        return _detail(request, proposal, error=str(refused), status=409, refuse_form=refuse_form)
    messages.success(request, done)
    return redirect("moderation-queue")


@moderator_required
def edit(request, pk):
    """Edit the entry of a pending proposal (before publishing it): saved at the version
    the form was opened on; a conflict shows the current values and keeps what was typed."""
    proposal = get_object_or_404(_proposals(request.user).pending(), pk=pk)
    entry = type(proposal.entry).objects.get(pk=proposal.entry.pk)
    if not kind_of(entry).editable:
        raise Http404(
            "Cette fiche se corrige par son auteur (lien de suivi) ou dans l’administration."
        )
    form = _limit_kinds(edit_form(entry, request.POST or None), request.user)
    context = {
        "proposal": proposal,
        "entry": entry,
        "form": form,
        "conflict": "",
        "current_rows": [],
    }
    context["cancel"] = reverse("moderation-proposal", kwargs={"pk": pk})
    if request.method != "POST":
        return render(request, "contributions/moderation/modifier.html", context)
    values = form.values() if form.is_valid() else {}
    if "location" in values and not may_place_at(request.user, values["location"]):
        form.add_error("lat", "Ce point est hors de vos territoires : vérifiez la position.")
    if not form.is_valid():
        return render(request, "contributions/moderation/modifier.html", context, status=400)
    if not values:
        messages.info(request, "Aucun changement à enregistrer.")
        return redirect("moderation-proposal", pk=pk)
    try:
        decisions.edit(proposal, form.cleaned_data["version"], values, request.user)
    except decisions.DecisionError as refused:
        messages.error(request, str(refused))
        return redirect("moderation-proposal", pk=pk)
    except EditConflict as refused:
        current = refused.current
        data = request.POST.copy()
        data["version"] = current.version  # sent again, it applies to the current version
        form = _limit_kinds(edit_form(current, data), request.user)
        context.update(form=form, conflict=str(refused))
        context["current_rows"] = [
            (field.label, shown(_current_value(current, name)), name in form.changed_data)
            for name, field in form.fields.items()
            if name != "version"
        ]
        return render(request, "contributions/moderation/modifier.html", context, status=409)
    messages.success(request, "Modifications enregistrées.")
    return redirect("moderation-proposal", pk=pk)


def _limit_kinds(form, user):
    """A référent of some kinds gives an actor one of those kinds only."""
    if "kind" in form.fields and kinds_of(user):
        form.fields["kind"].queryset = ActorKind.objects.filter(slug__in=kinds_of(user))
    return form


def _current_value(entry, name: str):
    if name in ("lat", "lon"):
        point = getattr(entry, "location", None)
        return None if point is None else round(point.y if name == "lat" else point.x, 6)
    if name == "precision":
        return entry.get_precision_display()
    return getattr(entry, name)
