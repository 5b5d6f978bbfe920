"""Run the agenda's periodic jobs once, by hand or from cron where no worker runs."""

from django.core.management.base import BaseCommand

from carto.agenda import services


class Command(BaseCommand):
    help = "Envoie les rappels dus et développe les récurrences jusqu'à l'horizon de l'agenda."

    def handle(self, *args, **options):
        created = services.extend_horizon()
        sent = services.send_reminders()
        self.stdout.write(f"Séances ajoutées : {created} ; rappels envoyés : {sent}.")
