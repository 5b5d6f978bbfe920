"""python manage.py refresh_coverage [--full | --if-stale] [--defer] — the precomputed coverage."""

from django.conf import settings
from django.core.management.base import BaseCommand

from carto.planning import precompute
from carto.planning.services import enqueue_refresh, refresh_derived


class Command(BaseCommand):
    help = (
        "Calcule la couverture précalculée (plus proche acteur de chaque type, thème et public "
        "pour chaque commune et QPV ; acteurs par territoire) et les cellules des tuiles "
        "d'acteurs : les changements en attente, ou tout avec --full. Ce que fait d'ordinaire la file de tâches "
        "(`manage.py procrastinate worker`)."
    )

    def add_arguments(self, parser):
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--full", action="store_true", help="Tout recalculer depuis la géométrie."
        )
        mode.add_argument(
            "--if-stale",
            action="store_true",
            help="Tout recalculer seulement si rien n'a été calculé ou si les territoires ont changé.",
        )
        mode.add_argument(
            "--defer", action="store_true", help="Confier le calcul à la file de tâches."
        )
        parser.add_argument(
            "--workers", type=int, help="Connexions en parallèle (défaut : CARTO_COVERAGE_WORKERS)."
        )

    def handle(self, *args, **options):
        if options["defer"]:
            enqueue_refresh()
            self.stdout.write("Calcul de la couverture confié à la file de tâches.")
            return
        if options["workers"]:
            settings.CARTO_COVERAGE_WORKERS = options["workers"]
        full = options["full"] or (options["if_stale"] and precompute.is_stale())
        summary = refresh_derived(full=full)
        if options["verbosity"] >= 1:
            self.stdout.write(summary.line())
