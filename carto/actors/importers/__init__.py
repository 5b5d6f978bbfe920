"""Importers of the directory: one framework (base.py), one module per source.

See base.py for the shared rules: per-row validation, atomic by default or
partial with a report, upsert on (source, source id), attachment, duplicates.
"""

from .base import ActorImporter, ActorImportSummary, ActorRecord, ImportAborted, Rejected, RowError
from .conseillers_numeriques import ConseillersNumeriquesImporter
from .data_inclusion import DataInclusionImporter
from .france_services import FranceServicesImporter
from .territoires_engagement import TerritoiresEngagementImporter

# The sources `import_directory` loads for the demo (each has a default file).
DEMO_ACTOR_IMPORTERS = {
    cls.source: cls for cls in (FranceServicesImporter, ConseillersNumeriquesImporter)
}
ACTOR_IMPORTERS = {**DEMO_ACTOR_IMPORTERS, DataInclusionImporter.source: DataInclusionImporter}
INITIATIVE_IMPORTERS = {TerritoiresEngagementImporter.source: TerritoiresEngagementImporter}

__all__ = [
    "ACTOR_IMPORTERS",
    "DEMO_ACTOR_IMPORTERS",
    "INITIATIVE_IMPORTERS",
    "ActorImportSummary",
    "ActorImporter",
    "ActorRecord",
    "ConseillersNumeriquesImporter",
    "DataInclusionImporter",
    "FranceServicesImporter",
    "ImportAborted",
    "Rejected",
    "RowError",
    "TerritoiresEngagementImporter",
]
