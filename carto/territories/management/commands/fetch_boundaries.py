"""python manage.py fetch_boundaries [--mirror URL] [--datasets bv,qpv_list] [--cache-dir DIR]"""

import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from carto.territories.fetch import FetchError, fetch_boundaries


class Command(BaseCommand):
    help = (
        "Télécharge les fichiers du manifeste data/boundaries/manifest.toml dans le cache local, "
        "vérifie leur somme de contrôle et reprend les téléchargements interrompus."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--mirror",
            help="URL d'un miroir servant les fichiers sous leur chemin (défaut : CARTO_DATA_MIRROR).",
        )
        parser.add_argument(
            "--datasets",
            type=lambda v: [x.strip() for x in v.split(",") if x.strip()],
            help="Jeux de données à télécharger (défaut : tous).",
        )
        parser.add_argument(
            "--cache-dir",
            help="Dossier de destination (défaut : CARTO_CACHE_DIR, data/boundaries/cache).",
        )

    def handle(self, *args, **options):
        show = options["verbosity"] >= 1 and sys.stderr.isatty()

        def progress(total, initial, description):
            return tqdm(
                total=total,
                initial=initial,
                desc=description,
                unit="o",
                unit_scale=True,
                disable=not show,
                leave=False,
                file=sys.stderr,
            )

        try:
            summary = fetch_boundaries(
                datasets=options["datasets"],
                mirror=options["mirror"],
                cache_dir=options["cache_dir"],
                progress=progress,
                log=self.stdout.write if options["verbosity"] >= 2 else (lambda message: None),
            )
        except FetchError as exc:
            raise CommandError(str(exc)) from None
        for line in summary.lines():
            self.stdout.write(line)
