"""The proposer's amendments, one hook per kind of entry (entries.EntryKind.amend): the
follow page validates the kind's own form, then hands it here with the version the form
was opened on. Apps built on contributions (the agenda's events) write their hook with
`amend_entry`."""

from __future__ import annotations

from django.db import transaction

from carto.contributions.models import Proposal
from carto.contributions.services import save_checked

from . import services
from .initiative_form import NEW


def new_organizer(data) -> services.NewOrganizer | None:
    """The organiser typed in an initiative's form, when it is not in the directory."""
    if data.get("organizer_choice") != NEW:
        return None
    return services.NewOrganizer(
        data["organizer_name"], data["organizer_kind"], data["organizer_territory"]
    )


def amend_actor(proposal: Proposal, version: int, form):
    return services.amend_actor(proposal, version, form.entry_values(), form.proposer())


def amend_initiative(proposal: Proposal, version: int, form):
    data = form.cleaned_data
    return services.amend_initiative(
        proposal, version, form.entry_values(), data["links"], data.get("organizer_actor"),
        new_organizer(data), form.proposer(),
    )  # fmt: skip


@transaction.atomic
def amend_entry(proposal: Proposal, version: int, values: dict, proposer: dict):
    """The proposer's new values on their pending entry (EditConflict when it changed
    since `version`); the proposal follows the entry's territories and the proposer."""
    entry = save_checked(proposal.entry, version, values, None, services.AMENDED)
    services.follow_entry(proposal, entry, proposer)
    return entry
