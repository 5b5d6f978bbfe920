"""python manage.py import_territories [--departements all|demo|59,62,09] [--datasets bv,qpv_list]
[--dry-run] [--if-changed]"""

import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from carto.territories.importer import IMPORT_ORDER, TerritoryImportError, import_territories


def _csv_option(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


class Command(BaseCommand):
    help = (
        "Importe les territoires de référence (régions, départements, EPCI, communes, bassins de vie, "
        "QPV) depuis les fichiers du manifeste data/boundaries/manifest.toml, lus dans CARTO_DATA_DIR. "
        "Tout ou rien : un fichier défectueux interrompt l'import sans rien modifier."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--departements",
            type=_csv_option,
            help="« all » (tous les départements des fichiers, outre-mer compris), « demo » "
            "(Hauts-de-France et Ariège) ou des codes séparés par des virgules (défaut : "
            "CARTO_DEPARTEMENTS, « all »).",
        )
        parser.add_argument(
            "--datasets",
            type=_csv_option,
            help=f"Jeux de données à importer (défaut : tous) parmi {', '.join(IMPORT_ORDER)}.",
        )
        parser.add_argument("--data-dir", help="Dossier des fichiers (défaut : CARTO_DATA_DIR).")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Tout lire, valider et réparer, sans rien écrire.",
        )
        parser.add_argument(
            "--if-changed",
            action="store_true",
            help="Ne rien faire si les mêmes fichiers ont déjà été importés pour ces départements.",
        )

    def handle(self, *args, **options):
        show_progress = options["verbosity"] >= 1 and sys.stderr.isatty()

        def progress(iterable, **kwargs):
            return tqdm(iterable, disable=not show_progress, leave=False, file=sys.stderr, **kwargs)

        def log(message):
            if options["verbosity"] >= 1:
                self.stdout.write(message)

        try:
            summary = import_territories(
                departements=options["departements"],
                datasets=options["datasets"],
                data_dir=options["data_dir"],
                dry_run=options["dry_run"],
                if_changed=options["if_changed"],
                progress=progress,
                log=log,
            )
        except TerritoryImportError as exc:
            raise CommandError(f"Import annulé, la base n'a pas été modifiée. {exc}") from None
        for line in summary.lines():
            self.stdout.write(line)
