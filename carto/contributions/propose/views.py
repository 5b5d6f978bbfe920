"""Proposing a new actor or initiative, and the proposer's follow page (where they amend a
pending proposal). POST, then redirect to the follow page (its secret link), then GET.
"""

import re

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from carto.actors.models import Status
from carto.contributions.entries import kind_of
from carto.contributions.models import Proposal, token_hash
from carto.contributions.notifications import notify_referents, send_follow_link
from carto.contributions.services import EditConflict

from . import services
from .amendments import new_organizer
from .forms import ActorProposalForm
from .guards import protected_write
from .initiative_form import InitiativeProposalForm
from .place_fields import territory_labels
from .reports import LABELS

TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{20,100}")
SENT = (
    "Merci ! Votre proposition est enregistrée. Un·e référent·e de votre territoire la "
    "vérifiera avant sa publication. Gardez l’adresse de cette page (ou le courriel que nous "
    "vous avons envoyé) : elle vous permet de la suivre et de la compléter."
)


def page_config(request) -> dict:
    """What the forms' scripts need: endpoints, basemap, default view."""
    return {
        "territories": reverse("territory-list"),
        "search": reverse("territory-search"),
        "geocode": reverse("geocode") if settings.CARTO_GEOCODER_URL else "",
        "actors": reverse("actor-list"),
        "hours": reverse("propose-hours"),
        "duplicates": reverse("propose-duplicates"),
        "tiles": {"url": settings.CARTO_TILE_URL, "attribution": settings.CARTO_TILE_ATTRIBUTION},
        "center": [46.6, 2.4],
        "zoom": 5,
    }


def _context(request, form) -> dict:
    """A form's page: the form, the scripts' configuration, and for an initiative the
    territories and organiser already chosen (as typed: an error loses none)."""
    context = {"form": form, "config": page_config(request)}
    if isinstance(form, InitiativeProposalForm):
        raw = form["footprint_codes"].value() or []
        codes = [c for c in (re.split(r"[\s,]+", raw) if isinstance(raw, str) else raw) if c][:50]
        context["footprint_value"] = " ".join(codes)
        context["chosen_territories"] = territory_labels(codes)
        context["organizer_label"] = form.organizer_label()
    return context


def deliver(request, submitted: services.Submitted):
    """After a proposal is written: its mails, then the follow page (PRG)."""
    send_follow_link(submitted.proposal, submitted.token)
    notify_referents(submitted.proposal)
    messages.success(request, SENT)
    return redirect("propose-follow", token=submitted.token)


@protected_write
@require_http_methods(["GET", "POST"])
def propose_actor(request):
    form = ActorProposalForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        submitted = services.propose_actor(form.entry_values(), form.proposer())
        return deliver(request, submitted)
    return render(request, "contributions/propose/acteur.html", _context(request, form))


@protected_write
@require_http_methods(["GET", "POST"])
def propose_initiative(request):
    form = InitiativeProposalForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        submitted = services.propose_initiative(
            form.entry_values(),
            data["links"],
            data.get("organizer_actor"),
            new_organizer(data),
            form.proposer(),
        )
        return deliver(request, submitted)
    return render(request, "contributions/propose/initiative.html", _context(request, form))


@require_GET
def thanks(request):
    """Where a filled honeypot lands, as a real proposal would: nothing was written."""
    return render(request, "contributions/propose/merci.html")


def proposal_for(token: str) -> Proposal:
    """The proposal of a follow token; 404 for an unknown or garbled one."""
    if not TOKEN_RE.fullmatch(token):
        raise Http404("Lien de suivi inconnu.")
    proposal = (
        Proposal.objects.select_related("actor__kind", "initiative__organizer", "event")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if proposal is None:
        raise Http404("Lien de suivi inconnu.")
    return proposal


def amendable(proposal: Proposal) -> bool:
    """A new entry its proposer may still change (with the form of its kind): pending,
    not decided."""
    return (
        kind_of(proposal.entry).amendable
        and proposal.kind == Proposal.Kind.NEW
        and proposal.state == Proposal.State.PENDING
        and proposal.entry.status == Status.PENDING
    )


def _amend(request, proposal: Proposal, form) -> bool:
    """Save the proposer's amendment; False (and the form says why) on a conflict or on
    values the entry's own checks refuse."""
    version = form.cleaned_data.get("edit_version") or proposal.entry.version
    try:
        kind_of(proposal.entry).amend(proposal, version, form)
    except EditConflict as conflict:
        form.add_error(None, str(conflict))
        return False
    except ValidationError as refused:
        for name, errors in refused.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
        return False
    messages.success(request, "Vos modifications sont enregistrées.")
    return True


def _no_referrer(response):
    # The page's address holds its secret: no request from it carries it to another site
    # (same-origin, not no-referrer: a no-referrer page posts with `Origin: null`, which
    # Django's CSRF check refuses, and the follow page's own form must post).
    response["Referrer-Policy"] = "same-origin"
    return response


@never_cache
@protected_write
@require_http_methods(["GET", "POST"])
def follow(request, token: str):
    """The proposal's state; while it is pending, its form, prefilled, to amend it."""
    proposal = proposal_for(token)
    form = None
    if amendable(proposal):
        data = request.POST if request.method == "POST" else None
        form = kind_of(proposal.entry).amend_form(proposal, data)
        if form.is_bound and form.is_valid() and _amend(request, proposal, form):
            return _no_referrer(redirect("propose-follow", token=token))
    elif request.method == "POST":
        messages.info(request, "Cette proposition a déjà été examinée : elle ne se modifie plus.")
        return _no_referrer(redirect("propose-follow", token=token))
    changes = [(LABELS.get(name, name), value) for name, value in proposal.changes.items()]
    context = {"proposal": proposal, "entry": proposal.entry, "changes": changes,
               "entry_kind": kind_of(proposal.entry)}  # fmt: skip
    if form is not None:
        context.update(_context(request, form))
    return _no_referrer(render(request, "contributions/propose/suivi.html", context))
