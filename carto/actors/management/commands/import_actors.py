"""python manage.py import_actors SOURCE [--file F] [--source-name N] [--partial] [--report F] [--dry-run]"""

import inspect
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from carto.actors.importers import ACTOR_IMPORTERS, INITIATIVE_IMPORTERS, ImportAborted

IMPORTERS = {**ACTOR_IMPORTERS, **INITIATIVE_IMPORTERS}


class Command(BaseCommand):
    help = (
        "Importe les acteurs d'une source (idempotent sur source + identifiant). Tout ou rien par défaut ; "
        "--partial écrit les lignes valides et liste chaque rejet avec son motif."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", choices=sorted(IMPORTERS), help="La source à importer.")
        parser.add_argument(
            "--file", help="Le fichier (défaut : celui de la source dans CARTO_DATA_DIR)."
        )
        parser.add_argument(
            "--source-name",
            help="Nom sous lequel enregistrer la source, pour les formats d'une publication à "
            "l'autre (lmn_cnfs_2022 : tout fichier au standard des lieux de médiation numérique).",
        )
        parser.add_argument(
            "--partial",
            action="store_true",
            help="Importer les lignes valides, rejeter les autres.",
        )
        parser.add_argument("--report", help="Fichier CSV des lignes rejetées (avec --partial).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Tout lire et valider sans rien écrire."
        )

        parser.add_argument(
            "--departements",
            type=lambda v: [x.strip().upper() for x in v.split(",") if x.strip()],
            help="Ne garder que les acteurs de ces départements (défaut : tous).",
        )

    def handle(self, *args, **options):
        show = options["verbosity"] >= 1 and sys.stderr.isatty()

        def progress(iterable, **kwargs):
            return tqdm(iterable, disable=not show, leave=False, file=sys.stderr, **kwargs)

        cls, named = IMPORTERS[options["source"]], {}
        if options["source_name"]:
            if "source" not in inspect.signature(cls).parameters:
                raise CommandError(f"--source-name : la source {cls.source} a un nom fixe")
            named["source"] = options["source_name"]
        try:
            importer = cls(
                path=options["file"],
                departements=options["departements"],
                progress=progress,
                **named,
            )
        except ValueError as exc:  # a source name refused by the importer
            raise CommandError(f"--source-name : {exc}") from None
        try:
            summary = importer.run(partial=options["partial"], dry_run=options["dry_run"])
        except ImportAborted as exc:
            raise CommandError(f"Import annulé : {exc}") from None
        for line in summary.lines():
            self.stdout.write(line)
        if summary.rejected and options["report"]:
            summary.write_report(Path(options["report"]))
            self.stdout.write(f"Rapport des rejets : {options['report']}")
