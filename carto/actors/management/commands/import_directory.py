"""python manage.py import_directory [--departements all|demo|02,59,…] [--if-changed]
— every directory source at once (all of France by default)."""

import hashlib
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from carto.actors.importers import DEMO_ACTOR_IMPORTERS, INITIATIVE_IMPORTERS
from carto.actors.models import DirectoryLoad
from carto.territories.manifest import ManifestError, resolve_departements
from carto.territories.models import DatasetLoad

# What the sources are read from, under CARTO_DATA_DIR (the town halls come from the
# communes table).
SOURCE_FOLDERS = ("acteurs", "programmes")
SOURCE_FILES = ("communes/communes_2025_points.csv",)
IMPORTERS_CODE = Path(__file__).resolve().parents[2] / "importers"


def fingerprint(scope: str) -> str:
    """What a directory load depends on: the scope, every source file, the importers'
    code and the territories loaded (their files' checksums)."""
    digest = hashlib.sha256(scope.encode())
    data_dir = Path(settings.CARTO_DATA_DIR)
    paths = [p for folder in SOURCE_FOLDERS for p in sorted((data_dir / folder).rglob("*"))]
    paths += [data_dir / name for name in SOURCE_FILES]
    paths += sorted(IMPORTERS_CODE.glob("*.py"))
    for path in paths:
        if path.is_file():
            digest.update(str(path.name).encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    for row in DatasetLoad.objects.order_by("dataset", "scope").values_list("dataset", "sha256"):
        digest.update("|".join(row).encode())
    return digest.hexdigest()


class Command(BaseCommand):
    help = (
        "Importe toutes les sources de l'annuaire (acteurs puis initiatives) pour des départements "
        "(défaut : CARTO_DEPARTEMENTS, « all » : toute la France). Les lignes invalides sont "
        "rejetées et listées (--partial)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--departements",
            help="« all » (tous), « demo » (Hauts-de-France et Ariège) ou des codes séparés "
            "par des virgules (défaut : CARTO_DEPARTEMENTS).",
        )
        parser.add_argument(
            "--if-changed",
            action="store_true",
            help="Ne rien faire si les mêmes fichiers ont déjà été importés pour ce périmètre.",
        )

    def handle(self, *args, **options):
        try:
            scope = resolve_departements(options["departements"])
        except ManifestError as exc:
            raise CommandError(str(exc)) from None
        label = "all" if scope.everything else ",".join(scope.codes)
        current = fingerprint(label)
        if (
            options["if_changed"]
            and DirectoryLoad.objects.filter(scope=label, fingerprint=current).exists()
        ):
            if options["verbosity"] >= 1:
                self.stdout.write(
                    f"Annuaire déjà à jour pour « {label} » (mêmes fichiers) : rien à importer."
                )
            return
        for source in [*DEMO_ACTOR_IMPORTERS, *INITIATIVE_IMPORTERS]:
            call_command(
                "import_actors",
                source,
                partial=True,
                departements=scope.filter,
                stdout=self.stdout,
                verbosity=options["verbosity"],
            )
        # Then the posts funded by the politique de la ville, on the actors just imported.
        call_command(
            "import_funded_posts",
            departements=scope.filter,
            stdout=self.stdout,
            verbosity=options["verbosity"],
        )
        DirectoryLoad.objects.update_or_create(scope=label, defaults={"fingerprint": current})
