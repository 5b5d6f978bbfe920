"""Writing initiatives from an importer: one upsert on (source, source id) in one
transaction, counted as created, updated or unchanged, then attached to their
territories (territoires d'engagement, the State's programmes)."""

from django.db import transaction
from django.utils import timezone

from ..models import Initiative
from ..services import attach_initiatives, record_changes
from .base import ActorImportSummary


def same_value(stored, new) -> bool:
    """Equality of stored and new values; geometries to the micro-degree."""
    if hasattr(stored, "equals_exact") and hasattr(new, "equals_exact"):
        return stored.geom_type == new.geom_type and stored.equals_exact(new, 1e-7)
    return stored == new


def upsert_initiatives(
    source: str,
    initiatives: list[Initiative],
    fields: list[str],
    summary: ActorImportSummary,
    dry_run: bool = False,
) -> None:
    """Create or update `initiatives` of `source` (their `fields`), leave the unchanged
    ones alone, attach the written ones; all rolled back when `dry_run`."""
    since = timezone.now()
    with transaction.atomic():
        before = {
            row["source_id"]: row
            for row in Initiative.objects.filter(
                source=source, source_id__in=[i.source_id for i in initiatives]
            ).values("source_id", *fields)
        }
        changed = []
        for initiative in initiatives:
            old = before.get(initiative.source_id)
            if old is None:
                summary.created += 1
            elif all(same_value(old[name], getattr(initiative, name)) for name in fields):
                summary.unchanged += 1
                continue
            else:
                summary.updated += 1
            changed.append(initiative)
        Initiative.objects.bulk_create(
            changed,
            batch_size=500,
            update_conflicts=True,
            unique_fields=["source", "source_id"],
            update_fields=[*fields, "updated_at"],
        )
        ids = Initiative.objects.filter(
            source=source, source_id__in=[i.source_id for i in changed]
        ).values_list("id", flat=True)
        attach_initiatives(list(ids))
        record_changes(Initiative, ids, f"import {source}", since)
        if dry_run:
            transaction.set_rollback(True)
