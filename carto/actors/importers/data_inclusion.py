"""Structures in the data·inclusion schema (v1): a file published by data·inclusion,
by one of its producers, or by our own export.

Design choice: each item is validated by the official package's model before
anything else (a refused field rejects the row, named, in French), then mapped by
`carto.actors.data_inclusion` (kinds from the réseaux porteurs or a pre-v1
typology, themes from pre-v1 thematiques). The structure's `id` (already
« producer--id ») is the source id; its `date_maj` becomes the actor's date of
last verification.
"""

from datetime import date

from carto.sources import SourceError, read_json

# The module, not its names: it imports .base, so either may be imported first.
from .. import data_inclusion as mapping
from ..models import Actor
from .base import ActorImporter, ActorImportSummary, ActorRecord, RowError


class DataInclusionImporter(ActorImporter):
    """A JSON list of data·inclusion structures (or an API page: {"items": [...]})."""

    source = "data_inclusion"
    title = "Structures au schéma data·inclusion (v1)"
    default_file = ""  # no default: the file is always given

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.dates: dict[str, date] = {}

    def rows(self):
        data = read_json(self.path)
        if isinstance(data, dict) and isinstance(data.get("items"), list):
            data = data["items"]
        if not isinstance(data, list):
            raise SourceError(f"{self.path} : une liste de structures est attendue")
        for index, raw in enumerate(data):
            line = f"objet n° {index + 1}"
            if not isinstance(raw, dict):
                yield line, {"_id": "", "_not_an_object": type(raw).__name__}
                continue
            raw["_id"] = str(raw.get("id") or "")
            yield line, raw

    def convert(self, raw: dict) -> ActorRecord:
        if "_not_an_object" in raw:
            raise RowError(f"objet JSON attendu (reçu : {raw['_not_an_object']})")
        structure = mapping.validate_structure(raw)
        record = mapping.to_record(structure, raw)
        self.dates[record.source_id] = structure.date_maj
        return record

    def write(self, records: list[ActorRecord], summary: ActorImportSummary) -> None:
        """The shared upsert, then each actor's `date_maj` as its last verification
        (one UPDATE per distinct date)."""
        super().write(records, summary)
        by_date: dict[date, list[str]] = {}
        for record in records:
            by_date.setdefault(self.dates[record.source_id], []).append(record.source_id)
        for day, source_ids in by_date.items():
            Actor.objects.filter(source=self.source, source_id__in=source_ids).exclude(
                last_verified=day
            ).update(last_verified=day)
