"""The kinds of entry a proposal can name, and what moderation needs to know of each.

Actors and initiatives are registered here; the agenda registers its events from its own
app (AppConfig.ready), so that this app imports nothing of the apps built on it: how an
entry is attached to its territories after a checked save, which fields the moderation
page shows, whether an owner's link can follow it, how the API names it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class EntryKind:
    model: type
    name: str  # the proposal's foreign key, and the API's `type`: actor, initiative, event
    label: str  # French, for messages: « acteur », « initiative », « événement »
    attach: Callable[[list[int]], object]  # territory codes (and derived rows) after a save
    fields: list[str] = field(default_factory=list)  # shown on the moderation page
    owner_links: bool = False  # whether an owner's link (owners.py) can keep it up to date
    # The moderation's edit form: a moderation.forms.EntryEditForm built on the entry.
    edit_form: type | None = None
    # The proposer's amendment on the follow page, while the proposal is pending:
    # amend_form(proposal, data) -> the proposal form prefilled from the entry;
    # amend(proposal, version, form) -> the saved entry (EditConflict when it changed).
    amend_form: Callable | None = None
    amend: Callable | None = None
    form_template: str = ""  # the amendment form's fields, on the follow page
    form_name: str = ""  # its data-form (which of proposer.js's behaviours apply)

    @property
    def editable(self) -> bool:
        """Whether moderators edit it on the moderation page (else in the admin)."""
        return self.edit_form is not None

    @property
    def amendable(self) -> bool:
        """Whether its proposer can complete it on the follow page."""
        return self.amend_form is not None and self.amend is not None


KINDS: dict[type, EntryKind] = {}


def register(kind: EntryKind) -> None:
    KINDS[kind.model] = kind


def kind_of(entry) -> EntryKind:
    try:
        return KINDS[type(entry)]
    except KeyError:
        raise TypeError(f"{type(entry).__name__} is not a kind of entry proposals name") from None


def register_directory() -> None:
    """Actors and initiatives (called by ContributionsConfig.ready)."""
    from carto.actors.models import Actor, Initiative
    from carto.actors.services import attach_actors, attach_initiatives

    from .moderation.display import ACTOR_FIELDS, INITIATIVE_FIELDS
    from .moderation.forms import ActorEditForm, InitiativeEditForm
    from .propose import amendments
    from .propose.forms import ActorProposalForm
    from .propose.initiative_form import InitiativeProposalForm

    register(EntryKind(
        Actor, "actor", "acteur", attach_actors, ACTOR_FIELDS, owner_links=True,
        edit_form=ActorEditForm, amend_form=ActorProposalForm.for_amendment,
        amend=amendments.amend_actor, form_template="contributions/propose/_acteur_champs.html",
        form_name="acteur",
    ))  # fmt: skip
    register(EntryKind(
        Initiative, "initiative", "initiative", attach_initiatives, INITIATIVE_FIELDS,
        owner_links=True, edit_form=InitiativeEditForm,
        amend_form=InitiativeProposalForm.for_amendment, amend=amendments.amend_initiative,
        form_template="contributions/propose/_initiative_champs.html", form_name="initiative",
    ))  # fmt: skip
