"""Importers of the directory: one framework (base.py), one module per source.

See base.py for the shared rules: per-row validation, atomic by default or
partial with a report, upsert on (source, source id), attachment, duplicates.
"""

from .base import ActorImporter, ActorImportSummary, ActorRecord, ImportAborted, Rejected, RowError
from .bibliotheques import BibliothequesImporter
from .conseillers_numeriques import ConseillersNumeriquesImporter
from .data_inclusion import DataInclusionImporter
from .france_services import FranceServicesImporter
from .lmn import LmnImporter
from .mairies import MairiesImporter
from .programmes import ProgrammesImporter
from .territoires_engagement import TerritoiresEngagementImporter
from .tiers_lieux_anct import FabriquesDeTerritoireImporter, ManufacturesDeProximiteImporter

# The sources `import_directory` loads for the demo (each has a default file).
DEMO_ACTOR_IMPORTERS = {
    cls.source: cls for cls in (FranceServicesImporter, ConseillersNumeriquesImporter)
}
# The field's places: the State's tiers-lieux, the public libraries, then the town halls
# (host places) last.
DEMO_ACTOR_IMPORTERS.update(
    (cls.source, cls)
    for cls in (
        FabriquesDeTerritoireImporter,
        ManufacturesDeProximiteImporter,
        BibliothequesImporter,
        MairiesImporter,
    )
)
# The lieux de médiation numérique after every place they may be merged into.
DEMO_ACTOR_IMPORTERS[LmnImporter.source] = LmnImporter
ACTOR_IMPORTERS = {**DEMO_ACTOR_IMPORTERS, DataInclusionImporter.source: DataInclusionImporter}
INITIATIVE_IMPORTERS = {
    TerritoiresEngagementImporter.source: TerritoiresEngagementImporter,
    ProgrammesImporter.source: ProgrammesImporter,
}

__all__ = [
    "ACTOR_IMPORTERS",
    "DEMO_ACTOR_IMPORTERS",
    "INITIATIVE_IMPORTERS",
    "ActorImportSummary",
    "ActorImporter",
    "ActorRecord",
    "BibliothequesImporter",
    "ConseillersNumeriquesImporter",
    "DataInclusionImporter",
    "FabriquesDeTerritoireImporter",
    "FranceServicesImporter",
    "ImportAborted",
    "LmnImporter",
    "MairiesImporter",
    "ManufacturesDeProximiteImporter",
    "ProgrammesImporter",
    "Rejected",
    "RowError",
    "TerritoiresEngagementImporter",
]
