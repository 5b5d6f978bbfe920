"""Writing to the directory by hand (a moderator, an owner, a revert): one checked save.

Design choices:
- Optimistic locking: an edit form carries the `version` of the entry it was opened on;
  `save_checked` locks the row, compares, and refuses with `EditConflict` when someone
  (another moderator, an import) saved in between, so that the second writer is told and
  re-applies on the current values: nothing is silently overwritten.
- Every such save goes through `Model.save()`, so django-simple-history records who
  (`user`), when and why (`reason`); the territory codes are recomputed and the derived
  views refreshed after commit, as for an import.
"""

from __future__ import annotations

from django.db import transaction

from carto.actors.models import Actor, Initiative
from carto.actors.signals import directory_changed
from carto.territories.codes import search_key

from .entries import kind_of

# What a hand edit may never set: identity, provenance and derived columns.
PROTECTED = {
    "id", "pk", "version", "source", "source_id", "created_at", "updated_at", "name_key",
    "geog", "listed", "search", "territory_codes", "commune_code", "epci_code", "bv_code",
    "departement_code", "region_code", "qpv_codes", "qpv_near_codes", "attached_at",
}  # fmt: skip


REASON_MAX = 100  # simple-history's history_change_reason


class EditConflict(Exception):
    """The entry changed since the edit began: `current` is the entry as it now stands."""

    def __init__(self, current):
        super().__init__(
            f"« {current} » a été modifié entre-temps (version {current.version}) : "
            "vos changements n’ont pas été enregistrés, reprenez-les sur la version actuelle."
        )
        self.current = current


def save_checked(entry: Actor | Initiative, version: int, values: dict, user, reason: str):
    """Set `values` on `entry` if it is still at `version`; record who and why.

    Returns the saved entry (its new version). Raises EditConflict when the stored version
    differs, ValueError when `values` names a protected or unknown field."""
    model = type(entry)
    names = {f.name for f in model._meta.concrete_fields} | {
        f.attname for f in model._meta.concrete_fields
    }
    refused = sorted(set(values) - names | set(values) & PROTECTED)
    if refused:
        raise ValueError(f"champ(s) non modifiable(s) : {', '.join(refused)}")
    with transaction.atomic():
        current = model.objects.select_for_update().get(pk=entry.pk)
        if current.version != version:
            raise EditConflict(current)
        moved = model is Actor and "location" in values and values["location"] != current.location
        for name, value in values.items():
            setattr(current, name, value)
        if model is Actor and "name" in values:
            current.name_key = search_key(current.name)  # what duplicates are found by
        if moved:
            # The commune a source declared no longer holds: found again from the point.
            current.commune_code = ""
        current.version = version + 1
        current._history_user = user
        current._change_reason = reason[:REASON_MAX]
        current.save()
        kind_of(current).attach([current.pk])
        directory_changed.send(sender=save_checked)
    current.refresh_from_db()
    return current
