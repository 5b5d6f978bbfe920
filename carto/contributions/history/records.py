"""An entry's history as moderators read it, and what « revenir à cette version » writes.

Design choices:
- django-simple-history keeps every version of an entry, imports included; a change is
  the difference between a record and the one before it (`diff_against`), field by field.
  Derived columns (territory codes, the resolved service area) and the bookkeeping ones
  (version, timestamps) are recomputed on every write: they are left out of the
  differences, and a revert never sets them.
- A revert restores the public and private fields of a record (contact person included)
  through `save_checked`, from the version the page was opened on: a change made since
  refuses it. The moderation state (status, duplicate) is a decision of its own and is
  not reverted.
- Values are turned into plain text here; the template escapes them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.gis.geos import GEOSGeometry, Point
from django.utils import timezone
from django.utils.formats import date_format

from carto.actors.models import Actor
from carto.contributions.services import PROTECTED, save_checked

# Recomputed on every write: never shown as a change, never set by a revert.
DERIVED = {"service_area", "attached_at"}
# Decisions of the moderation, not content: a revert leaves them as they are.
MODERATION_STATE = {"status", "duplicate_of"}
NOT_COMPARED = PROTECTED | DERIVED
# Who wrote a version when no user did, by the reason it carries.
REASON_AUTHORS = {"modification par le propriétaire": "le propriétaire"}
EMPTY = "—"


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class Version:
    record: object
    author: str
    date: object
    reason: str
    action: str
    changes: list[Change]


ACTIONS = {"+": "création", "~": "modification", "-": "suppression"}


def author(record) -> str:
    """The username; for a version written by no user, « import <source> », « le
    propriétaire » or « système »."""
    if record.history_user_id is not None:
        user = record.history_user
        return (
            user.get_username() if user is not None else f"utilisateur n° {record.history_user_id}"
        )
    reason = record.history_change_reason or ""
    if reason.startswith("import "):
        return reason
    return REASON_AUTHORS.get(reason, "système")


def as_text(value) -> str:
    """A stored value as plain text (lists joined, booleans in words, points as lon, lat)."""
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, Point):
        return f"{value.x:.6f}, {value.y:.6f}"
    if isinstance(value, GEOSGeometry):
        return f"{value.geom_type} ({value.num_points} points)"
    if isinstance(value, list | tuple):
        return ", ".join(as_text(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{key} : {as_text(item)}" for key, item in sorted(value.items()))
    return str(value)


def compared_fields(model) -> list[str]:
    """The fields whose differences a moderator reads (content the history keeps)."""
    kept = {field.name for field in model.history.model._meta.concrete_fields}
    return [
        field.name
        for field in model._meta.concrete_fields
        if field.editable and field.name not in NOT_COMPARED and field.name in kept
    ]


def changes_between(record, previous, model) -> list[Change]:
    if previous is None:
        return []
    delta = record.diff_against(previous, included_fields=compared_fields(model))
    return [
        Change(
            label=str(model._meta.get_field(change.field).verbose_name),
            old=as_text(change.old),
            new=as_text(change.new),
        )
        for change in delta.changes
    ]


def versions(entry, offset: int = 0, limit: int = 50) -> tuple[list[Version], bool]:
    """Versions of `entry`, newest first, each with its changes from the one before;
    and whether older versions remain beyond `limit`."""
    model = type(entry)
    records = list(
        entry.history.select_related("history_user").order_by("-history_date", "-history_id")[
            offset : offset + limit + 1
        ]
    )
    more = len(records) > limit
    shown = []
    for index, record in enumerate(records[:limit]):
        previous = records[index + 1] if index + 1 < len(records) else None
        shown.append(
            Version(
                record=record,
                author=author(record),
                date=record.history_date,
                reason=record.history_change_reason or "",
                action=ACTIONS.get(record.history_type, record.history_type),
                changes=changes_between(record, previous, model),
            )
        )
    return shown, more


def restored_values(record, model) -> dict:
    """What a revert to `record` writes: its public and private fields, by column."""
    history_columns = {field.attname for field in model.history.model._meta.concrete_fields}
    values = {}
    for field in model._meta.concrete_fields:
        if field.name in NOT_COMPARED | MODERATION_STATE or not field.editable:
            continue
        if field.attname not in history_columns:
            continue
        value = getattr(record, field.attname)
        if field.is_relation and value is not None and not _exists(field, value):
            if not field.null:
                continue  # its target is gone: left as it is now
            value = None  # a parent or organiser deleted since
        values[field.attname] = value
    return values


def _exists(field, pk) -> bool:
    return field.related_model._base_manager.filter(pk=pk).exists()


def revert_reason(record) -> str:
    when = date_format(timezone.localtime(record.history_date), "d/m/Y à H:i")
    return f"retour à la version du {when} par {author(record)}"


def revert(entry, record, version: int, user):
    """Restore `record` onto `entry` if it is still at `version` (EditConflict otherwise)."""
    model = type(entry)
    if record.id != entry.pk:
        raise ValueError("cette version n’est pas celle de cette fiche")
    return save_checked(entry, version, restored_values(record, model), user, revert_reason(record))


def kind_slug(entry) -> str:
    return "acteur" if isinstance(entry, Actor) else "initiative"
