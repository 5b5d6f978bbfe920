"""Recount the precomputed cells of the actor tiles (all, or some communes' actors)."""

from django.core.management.base import BaseCommand

from carto.layers.tiles import refresh_actor_aggregates


class Command(BaseCommand):
    help = "Recompte les agrégats des tuiles d'acteurs (tous, ou ceux de quelques communes)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--communes",
            default=None,
            help="Codes INSEE séparés par des virgules (par défaut : tout recompter).",
        )

    def handle(self, *args, communes=None, **options):
        codes = None if communes is None else [c.strip() for c in communes.split(",") if c.strip()]
        touched = refresh_actor_aggregates(codes)
        self.stdout.write(f"{touched} cellules recomptées au zoom le plus fin.")
