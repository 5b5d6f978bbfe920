"""python manage.py generate_benchmark_data [--actors 1000] [--seed N] [--departements 59,62]
[--clear] — synthetic actors in the loaded communes, by population (benchmark_data.py)."""

from django.core.management.base import BaseCommand, CommandError

from carto.actors.benchmark_data import (
    DEFAULT_SEED,
    SOURCE,
    GenerationError,
    Report,
    clear,
    generate,
)
from carto.territories.codes import Kind, is_valid_code, normalize_code

STEPS = {
    "communes": "lecture des communes",
    "draw": "tirage (points, types, thèmes, publics, noms)",
    "clear": "suppression des précédents",
    "copy": "COPY",
    "qpv": "QPV",
    "insert": "INSERT … SELECT (codes, vecteurs de recherche)",
    "rebuild": "index et clés étrangères reconstruits",
    "analyze": "ANALYZE",
}


def _departements(value) -> list[str]:
    """`--departements`: codes separated by commas (or a list, from call_command), or « all »."""
    items = value.split(",") if isinstance(value, str) else list(value)
    codes = [normalize_code(Kind.DEPARTEMENT, code) for code in items if code.strip()]
    if [code.lower() for code in codes] == ["all"]:
        return []
    bad = [code for code in codes if not is_valid_code(Kind.DEPARTEMENT, code)]
    if bad or not codes:
        raise CommandError(
            f"--departements : code(s) de département invalide(s) {', '.join(bad) or '(aucun)'} "
            "(ex. 59,62,2A,974, ou « all »)"
        )
    return codes


def _number(value: float) -> str:
    return f"{value:,.0f}".replace(",", "\u202f")


class Command(BaseCommand):
    help = (
        "Génère des acteurs fictifs (source « benchmark ») dans les communes chargées, au "
        "prorata de leur population, avec leurs codes de territoires : pour les bancs d'essai "
        "et pour essayer carto à l'échelle nationale. Une nouvelle exécution les remplace ; "
        "les autres acteurs ne sont jamais touchés."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--actors", type=int, default=1000, help="Nombre d'acteurs à générer (défaut : 1000)."
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=f"Graine du tirage : la même graine donne les mêmes acteurs (défaut : {DEFAULT_SEED}).",
        )
        parser.add_argument(
            "--departements",
            default="all",
            help="Ne placer les acteurs que dans ces départements, codes séparés par des virgules "
            "(défaut : « all », toutes les communes chargées).",
        )
        parser.add_argument(
            "--clear",
            action="store_true",
            help="Supprimer les acteurs fictifs, sans en générer d'autres.",
        )

    def handle(self, *args, **options):
        self.verbosity = options["verbosity"]
        verbose = self.verbosity >= 1
        log = (lambda message: self.stdout.write(f"  {message}…")) if verbose else (lambda _: None)
        if options["clear"]:
            try:
                report = clear(log=log)
            except GenerationError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(
                f"{_number(report.removed)} acteurs fictifs (source « {SOURCE} ») supprimés "
                f"en {report.total_seconds:.1f} s."
            )
            return
        count = options["actors"]
        if count < 1:
            raise CommandError("--actors : un nombre d'acteurs d'au moins 1 est attendu")
        departements = _departements(options["departements"])
        try:
            report = generate(count, seed=options["seed"], departements=departements, log=log)
        except GenerationError as exc:
            raise CommandError(str(exc)) from None
        if verbose:
            self.summary(report, options["seed"])

    def summary(self, report: Report, seed: int) -> None:
        write = self.stdout.write
        scope = ", ".join(report.departements) if report.departements else "toutes"
        write(
            f"{_number(report.actors)} acteurs fictifs (source « {SOURCE} », graine {seed}) dans "
            f"{_number(report.communes)} communes ({_number(report.population)} habitants ; "
            f"départements : {scope}) ; {_number(report.removed)} précédents remplacés."
        )
        shares = ", ".join(
            f"{slug} {count / report.actors * 100:.1f}".replace(".", ",") + "\u202f%"
            for slug, count in sorted(report.kinds.items(), key=lambda item: -item[1])
            if count
        )
        write(f"Types : {shares}.")
        write(
            f"QPV : {_number(report.qpv_in)} dans un QPV, {_number(report.qpv_near)} à moins de "
            "300 m d'un QPV (seuls les QPV dont le contour est chargé)."
        )
        for step, label in STEPS.items():
            if step in report.timings:
                write(f"  {label:<48} {report.timings[step]:7.1f} s")
            if step == "rebuild" and self.verbosity >= 2:
                for name, seconds in report.indexes.items():
                    write(f"    {name:<46} {seconds:7.1f} s")
        write(
            f"COPY : {_number(report.copy_rate)} lignes/s ; pipeline complet : "
            f"{report.total_seconds:.1f} s."
        )
        write(
            "La couverture précalculée et les cellules des tuiles suivront par la file de "
            "tâches (manage.py procrastinate worker), ou tout de suite : "
            "manage.py refresh_coverage."
        )
