"""Check every exchange's ledger (balanced transactions, cached balances, floor, sums)."""

from django.core.management.base import BaseCommand, CommandError

from carto.agenda.credits.models import Exchange
from carto.agenda.credits.services import check_invariants


class Command(BaseCommand):
    help = "Vérifie les invariants du grand livre de chaque échange de savoirs (code 1 si un problème)."

    def add_arguments(self, parser):
        parser.add_argument("--exchange", help="Le slug d’un seul échange.")

    def handle(self, *args, exchange=None, **options):
        exchanges = Exchange.objects.order_by("slug")
        if exchange:
            exchanges = exchanges.filter(slug=exchange)
            if not exchanges.exists():
                raise CommandError(f"Aucun échange « {exchange} ».")
        problems = 0
        for checked in exchanges:
            found = check_invariants(checked)
            problems += len(found)
            for problem in found:
                self.stderr.write(f"{checked.slug}: {problem}")
            if not found and options["verbosity"] > 1:
                self.stdout.write(f"{checked.slug}: ok")
        if problems:
            raise CommandError(f"{problems} problème(s) dans le grand livre.")
        if options["verbosity"]:
            self.stdout.write(f"{exchanges.count()} échange(s) vérifié(s) : aucun problème.")
