"""python manage.py import_mapped FILE --mapping MAPPING.toml [--partial] [--report F] [--dry-run]"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from carto.actors.importers.base import ImportAborted
from carto.actors.importers.mapped import MappedImporter, MappingError


class Command(BaseCommand):
    help = "Importe un annuaire CSV ou GeoJSON quelconque à l'aide d'un fichier de correspondance des colonnes (TOML)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Le fichier CSV ou GeoJSON.")
        parser.add_argument(
            "--mapping", required=True, help="Le fichier de correspondance (voir data/mappings/)."
        )
        parser.add_argument(
            "--partial",
            action="store_true",
            help="Importer les lignes valides, rejeter les autres.",
        )
        parser.add_argument("--report", help="Fichier CSV des lignes rejetées.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Tout lire et valider sans rien écrire."
        )

    def handle(self, *args, **options):
        try:
            importer = MappedImporter(Path(options["file"]), Path(options["mapping"]))
            summary = importer.run(partial=options["partial"], dry_run=options["dry_run"])
        except (MappingError, ImportAborted) as exc:
            raise CommandError(f"Import annulé : {exc}") from None
        for line in summary.lines():
            self.stdout.write(line)
        if summary.rejected and options["report"]:
            summary.write_report(Path(options["report"]))
            self.stdout.write(f"Rapport des rejets : {options['report']}")
