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
    editable: bool = True  # whether the moderation's edit form knows it


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

    register(EntryKind(Actor, "actor", "acteur", attach_actors, ACTOR_FIELDS, owner_links=True))
    register(EntryKind(
        Initiative, "initiative", "initiative", attach_initiatives, INITIATIVE_FIELDS,
        owner_links=True,
    ))  # fmt: skip
