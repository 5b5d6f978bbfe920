"""Writing what the field proposes: a pending actor or initiative with its proposal, the
proposer's amendments, an error report.

A new entry is saved through `Model.save()` with the reason « proposition », so that
django-simple-history records its creation; its territory codes are attached at once
(the proposal keeps them, for the référents of those territories). An amendment goes
through `save_checked` (optimistic locking, history with its reason). Nothing here
changes a listed entry: a report or a correction is only a proposal.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.contrib.gis.geos import Point
from django.db import transaction

from carto.actors.models import Actor, Initiative, Precision, Status
from carto.actors.services import attach_actors, attach_initiatives
from carto.contributions.entries import kind_of
from carto.contributions.models import Proposal, new_token
from carto.contributions.services import save_checked
from carto.srid import WGS84
from carto.territories.codes import search_key

SOURCE = "contribution"
PROPOSED = "proposition"
AMENDED = "modification par le proposant"


@dataclass
class Submitted:
    """A proposal and its follow token (sent once, never stored)."""

    proposal: Proposal
    token: str


@dataclass
class NewOrganizer:
    """An initiative's organiser that is not in the directory yet: placed at its commune."""

    name: str
    kind: object  # ActorKind
    commune: object  # Territory (a commune)

    def values(self) -> dict:
        anchor = self.commune.anchor
        return {
            "name": self.name,
            "kind": self.kind,
            "city": self.commune.name,
            "commune_code": self.commune.code,
            "location": Point(anchor.x, anchor.y, srid=WGS84) if anchor else None,
            "precision": Precision.COMMUNE,
            "to_locate": True,
        }


def _save_new(entry: Actor | Initiative) -> None:
    entry.status = Status.PENDING
    entry.source = SOURCE
    entry.source_id = uuid.uuid4().hex
    if isinstance(entry, Actor):
        entry.name_key = search_key(entry.name)
    entry._change_reason = PROPOSED
    entry.save()


def _actor_kind(entry) -> str:
    """The kind of actor a référent of some kinds decides on: the actor's, else the
    organiser's (an initiative, an event)."""
    if isinstance(entry, Actor):
        return entry.kind_id
    return entry.organizer.kind_id if entry.organizer_id else ""


def _proposal(entry, kind: str, **fields) -> Submitted:
    token, hashed = new_token()
    proposal = Proposal.objects.create(
        kind=kind,
        **{kind_of(entry).name: entry},
        territory_codes=list(entry.territory_codes),
        actor_kind=_actor_kind(entry),
        token_hash=hashed,
        **fields,
    )
    return Submitted(proposal, token)


def _new_actor(values: dict) -> Actor:
    actor = Actor(**values)
    _save_new(actor)
    attach_actors([actor.pk])
    actor.refresh_from_db()
    return actor


def submit_new(entry, proposer: dict, message: str = "") -> Submitted:
    """The proposal of an entry another app wrote as pending (an event of the agenda):
    the same flow as actors and initiatives (référents of its territories, follow link)."""
    return _proposal(entry, Proposal.Kind.NEW, message=message, **proposer)


@transaction.atomic
def propose_actor(values: dict, proposer: dict) -> Submitted:
    """A pending actor from the form's `values`, and its proposal (kind « new »)."""
    return _proposal(_new_actor(values), Proposal.Kind.NEW, **proposer)


def _organizer_proposal(organizer: NewOrganizer, title: str, proposer: dict) -> Actor:
    """The pending actor of a new organiser, with a proposal of its own for the référents
    (its token is not sent: the proposer follows the initiative)."""
    actor = _new_actor(organizer.values())
    _proposal(
        actor,
        Proposal.Kind.NEW,
        message=f"Structure organisatrice de l’initiative « {title} », proposée avec elle.",
        **proposer,
    )
    return actor


def _links_changes(links: list[str]) -> dict:
    # The model keeps one `url`: the other links wait in the proposal for the référent.
    return {"links": links} if len(links) > 1 else {}


@transaction.atomic
def propose_initiative(
    values: dict,
    links: list[str],
    organizer: Actor | None,
    new_organizer: NewOrganizer | None,
    proposer: dict,
) -> Submitted:
    """A pending initiative (and its pending organiser when new), and its proposal."""
    if new_organizer is not None:
        organizer = _organizer_proposal(new_organizer, values["title"], proposer)
    initiative = Initiative(**values, organizer=organizer)
    _save_new(initiative)
    attach_initiatives([initiative.pk])
    initiative.refresh_from_db()
    return _proposal(initiative, Proposal.Kind.NEW, changes=_links_changes(links), **proposer)


def follow_entry(proposal: Proposal, entry, proposer: dict, changes: dict | None = None):
    """The proposal follows its amended entry (territories, kind) and proposer."""
    proposal.territory_codes = list(entry.territory_codes)
    proposal.actor_kind = _actor_kind(entry)
    for name, value in proposer.items():
        setattr(proposal, name, value)
    if changes is not None:
        proposal.changes = changes
    proposal.save()


# Declared with the entry, derived by the attachment: save_checked leaves them to the writer.
DECLARED = ("commune_code", "departement_code")


def _amend_actor_entry(actor: Actor, version: int, values: dict) -> Actor:
    """save_checked, with what it leaves to the writer: the declared commune and
    département. The attachment keeps a declared commune before the one under the point; a
    proposed actor has none but the one chosen for it (or found under its point before),
    so both are declared anew here, and a point moved is attached where it now stands."""
    values = dict(values)
    declared = {name: values.pop(name, "") for name in DECLARED}
    Actor.objects.filter(pk=actor.pk).update(**declared)
    return save_checked(actor, version, values, None, AMENDED)


@transaction.atomic
def amend_actor(proposal: Proposal, version: int, values: dict, proposer: dict) -> Actor:
    """The proposer's new values on their pending actor (EditConflict when it changed)."""
    actor = _amend_actor_entry(proposal.actor, version, values)
    follow_entry(proposal, actor, proposer)
    return actor


@transaction.atomic
def amend_initiative(
    proposal: Proposal,
    version: int,
    values: dict,
    links: list[str],
    organizer: Actor | None,
    new_organizer: NewOrganizer | None,
    proposer: dict,
) -> Initiative:
    """The proposer's new values on their pending initiative. A new organiser updates the
    pending one this proposal created, else is created (with its proposal)."""
    current = proposal.initiative.organizer
    if new_organizer is not None:
        if current is not None and current.source == SOURCE and current.status == Status.PENDING:
            organizer = _amend_actor_entry(current, current.version, new_organizer.values())
        else:
            organizer = _organizer_proposal(new_organizer, values["title"], proposer)
    initiative = save_checked(
        proposal.initiative, version, {**values, "organizer": organizer}, None, AMENDED
    )
    follow_entry(proposal, initiative, proposer, _links_changes(links))
    return initiative


def report(entry: Actor | Initiative, message: str, changes: dict, email: str) -> Submitted:
    """An error report on a listed entry (a correction when it proposes values): the
    entry itself does not change."""
    kind = Proposal.Kind.CORRECTION if changes else Proposal.Kind.REPORT
    return _proposal(entry, kind, changes=changes, message=message, proposer_email=email)
