"""The stops of itinerant actors as the agenda's permanences (run after an import)."""

from django.core.management.base import BaseCommand

from carto.agenda import permanences


class Command(BaseCommand):
    help = "Fait des étapes des acteurs itinérants (bus France services, bibliobus) leurs permanences dans l'agenda."

    def handle(self, *args, **options):
        done = permanences.sync()
        self.stdout.write(
            f"Permanences : {done.created} créées, {done.updated} mises à jour, "
            f"{done.unchanged} inchangées, {done.archived} retirées, {done.skipped} étapes sans jour ni horaires."
        )
