"""python manage.py import_fiches FILE [--dry-run [--json]]"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from carto.actors.fiches import ParseError, to_json
from carto.actors.importers.base import ImportAborted
from carto.actors.importers.fiches import FabriqueImporter, SheetImporter, looks_like_fabrique


class Command(BaseCommand):
    help = (
        "Importe des fiches actions de centres sociaux (ou un formulaire de fabrique d'initiatives "
        "citoyennes) comme initiatives, avec leur structure organisatrice."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Le fichier texte des fiches.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Lire et valider sans rien écrire."
        )
        parser.add_argument(
            "--json", action="store_true", help="Avec --dry-run : afficher les fiches lues en JSON."
        )
        parser.add_argument(
            "--form",
            choices=["auto", "fiches", "fabrique"],
            default="auto",
            help="Format du fichier.",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path} : fichier introuvable")
        form = options["form"]
        if form == "auto":
            form = (
                "fabrique"
                if looks_like_fabrique(path.read_text(encoding="utf-8-sig", errors="replace"))
                else "fiches"
            )
        importer = (FabriqueImporter if form == "fabrique" else SheetImporter)(path)
        if options["json"]:
            if not options["dry_run"]:
                raise CommandError("--json ne s'emploie qu'avec --dry-run")
            try:
                self.stdout.write(to_json(importer.read()))
            except (ImportAborted, ParseError) as exc:
                raise CommandError(str(exc)) from None
            return
        try:
            summary = importer.run(dry_run=options["dry_run"])
        except ImportAborted as exc:
            raise CommandError(f"Import annulé : {exc}") from None
        for line in summary.lines():
            self.stdout.write(line)
