"""python manage.py import_directory [--departements 02,59,…] — every directory source at once."""

from django.core.management import call_command
from django.core.management.base import BaseCommand

from carto.actors.importers import DEMO_ACTOR_IMPORTERS, INITIATIVE_IMPORTERS
from carto.territories.manifest import load_manifest


class Command(BaseCommand):
    help = (
        "Importe toutes les sources de l'annuaire (acteurs puis initiatives) pour des départements "
        "(défaut : ceux de la démonstration). Les lignes invalides sont rejetées et listées (--partial)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--departements", help="Départements, séparés par des virgules.")

    def handle(self, *args, **options):
        departements = options["departements"] or ",".join(load_manifest().default_departements)
        for source in [*DEMO_ACTOR_IMPORTERS, *INITIATIVE_IMPORTERS]:
            call_command(
                "import_actors",
                source,
                partial=True,
                departements=[code.strip() for code in departements.split(",")],
                stdout=self.stdout,
                verbosity=options["verbosity"],
            )
        # Then the posts funded by the politique de la ville, on the actors just imported.
        call_command(
            "import_funded_posts",
            departements=[code.strip() for code in departements.split(",")],
            stdout=self.stdout,
            verbosity=options["verbosity"],
        )
