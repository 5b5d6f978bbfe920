"""python manage.py import_funded_posts [PROGRAMME …] [--departements 02,59,…] [--dry-run]"""

from django.core.management.base import BaseCommand, CommandError

from carto.actors.importers import ImportAborted
from carto.actors.importers.funded_posts import PROGRAMMES, FundedPostsEnrichment


class Command(BaseCommand):
    help = (
        "Reporte sur les acteurs de l'annuaire les postes financés par la politique de la ville "
        "(adultes-relais, FONJEP), rapprochés par SIRET (à défaut, par nom dans le département). "
        "Aucun lieu n'est créé ; les employeurs sans acteur sont comptés. Relancer remplace, n'ajoute pas."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "programmes",
            nargs="*",
            help=f"Les programmes parmi {', '.join(sorted(PROGRAMMES))} (défaut : tous).",
        )
        parser.add_argument("--file", help="Le fichier (avec un seul programme).")
        parser.add_argument(
            "--departements",
            type=lambda v: [x.strip().upper() for x in v.split(",") if x.strip()],
            help="Ne lire que les employeurs de ces départements (défaut : tous).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Tout lire et rapprocher sans rien écrire."
        )

    def handle(self, *args, **options):
        programmes = options["programmes"] or sorted(PROGRAMMES)
        unknown = [slug for slug in programmes if slug not in PROGRAMMES]
        if unknown:
            raise CommandError(
                f"Programme inconnu : {', '.join(unknown)} (connus : {', '.join(sorted(PROGRAMMES))})."
            )
        if options["file"] and len(programmes) != 1:
            raise CommandError("--file ne s'emploie qu'avec un seul programme.")
        for slug in programmes:
            enrichment = FundedPostsEnrichment(
                slug, path=options["file"], departements=options["departements"]
            )
            try:
                summary = enrichment.run(dry_run=options["dry_run"])
            except ImportAborted as exc:
                raise CommandError(f"Import annulé : {exc}") from None
            for line in summary.lines():
                self.stdout.write(line)
