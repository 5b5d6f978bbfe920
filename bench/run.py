"""`make bench`: issue 12's benchmark, every operation side by side with its floor, the
naive GeoDjango way and MapServer, in one run on the same data.

    .venv/bin/python -m bench.run [--actors 1000000] [--only near,bbox] [--skip naive] …

Every option also reads an environment variable (BENCH_ACTORS, BENCH_ONLY, …: see
--help), so that `make bench BENCH_ACTORS=200000` works. Steps, in this order so that
no two measured things share the 2 cores:

1. the benchmark database (bench/database.py): created, migrated, territories and
   actors loaded once and kept, the precomputed coverage brought up to date; then the
   PostgreSQL settings every side will use;
2. the samples (bench/samples.py) and the operations' paths (bench/operations.py);
3. which of carto's endpoints exist: a path carto's URLs do not resolve is
   « non disponible » (the feature has not landed), never measured;
4. the floor of each operation (bench/floor.py): carto's SQL captured, then replayed;
5. carto under gunicorn, each operation loaded by wrk, then the mixed load, then its
   workers' memory; 6. the naive server, the same way; 7. MapServer (WFS, OGC API);
8. the writes (bench/writes.py): importing 100 000 rows, recomputing coverage;
9. bench/results/latest.json and the generated part of docs/benchmarks.md.

An operation that fails on one side is reported « non disponible » with the reason, and
the run goes on: the lead reruns the same command when the missing parts have landed.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shlex
import subprocess
import sys
import time
import traceback
from pathlib import Path

from bench import generate

ROOT = Path(__file__).resolve().parents[1]
SIDES = ("floor", "inprocess", "carto", "naive", "mapserver", "writes")
DEFAULT_JSON = ROOT / "bench" / "results" / "latest.json"
DEFAULT_MARKDOWN = ROOT / "docs" / "benchmarks.md"


STARTED = time.monotonic()


def log(message: str) -> None:
    print(f"[bench {time.monotonic() - STARTED:6.1f} s] {message}", flush=True)


def _env(name: str, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return type(default)(value) if not isinstance(default, str) else value


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run", description=__doc__.split("\n\n")[0]
    )
    add = parser.add_argument
    add("--database", default=_env("BENCH_DATABASE", "carto_bench"), help="BENCH_DATABASE")
    add(
        "--fresh",
        action="store_true",
        default=bool(_env("BENCH_FRESH", "")),
        help="BENCH_FRESH=1 : recréer la base de zéro (territoires et acteurs compris)",
    )
    add("--actors", type=int, default=_env("BENCH_ACTORS", 1_000_000), help="BENCH_ACTORS")
    add(
        "--departements",
        default=_env("BENCH_DEPARTEMENTS", "all"),
        help="BENCH_DEPARTEMENTS : territoires chargés (all, demo ou des codes)",
    )
    add("--duration", type=int, default=_env("BENCH_DURATION", 10), help="BENCH_DURATION (s)")
    add(
        "--max-duration",
        type=int,
        default=_env("BENCH_MAX_DURATION", 60),
        help="BENCH_MAX_DURATION : durée maximale d'une charge (s)",
    )
    add(
        "--min-requests",
        type=int,
        default=_env("BENCH_MIN_REQUESTS", 200),
        help="BENCH_MIN_REQUESTS",
    )
    add("--connections", type=int, default=_env("BENCH_CONNECTIONS", 4), help="BENCH_CONNECTIONS")
    add("--threads", type=int, default=_env("BENCH_THREADS", 2), help="BENCH_THREADS")
    add(
        "--import-rows",
        type=int,
        default=_env("BENCH_IMPORT_ROWS", 100_000),
        help="BENCH_IMPORT_ROWS",
    )
    add(
        "--pg-settings",
        default=_env("BENCH_PG_SETTINGS", "jit=off,max_parallel_workers_per_gather=0"),
        help="BENCH_PG_SETTINGS : réglages de session de tous les serveurs (vide : ceux du serveur)",
    )
    add(
        "--only",
        default=_env("BENCH_ONLY", ""),
        help="BENCH_ONLY : opérations (préfixes, ex. near,bbox,tiles) ; « writes » pour les écritures",
    )
    add("--skip", default=_env("BENCH_SKIP", ""), help=f"BENCH_SKIP : parmi {', '.join(SIDES)}")
    add(
        "--json",
        type=Path,
        default=Path(_env("BENCH_JSON", str(DEFAULT_JSON))),
        help="BENCH_JSON (une exécution partielle, --only ou --skip : var/bench/partial.json)",
    )
    add(
        "--markdown",
        type=Path,
        default=Path(_env("BENCH_MARKDOWN", str(DEFAULT_MARKDOWN))),
        help="BENCH_MARKDOWN (une exécution partielle : var/bench/partial.md)",
    )
    args = parser.parse_args(argv)
    partial = bool(_env("BENCH_ONLY", "") or _env("BENCH_SKIP", "")) or any(
        option.startswith(("--only", "--skip")) for option in (argv or sys.argv[1:])
    )
    # A partial run never overwrites the full run's results, unless told where to write.
    if partial and args.json == DEFAULT_JSON:
        args.json = ROOT / "var" / "bench" / "partial.json"
    if partial and args.markdown == DEFAULT_MARKDOWN:
        args.markdown = ROOT / "var" / "bench" / "partial.md"
    args.skip = {side.strip() for side in args.skip.split(",") if side.strip()}
    unknown = args.skip - set(SIDES)
    if unknown:
        parser.error(f"--skip : {', '.join(sorted(unknown))} inconnu(s) (parmi {', '.join(SIDES)})")
    args.only = [key.strip() for key in args.only.split(",") if key.strip()]
    return args


def pg_settings(text: str) -> dict[str, str]:
    values = {}
    for item in text.split(","):
        if item.strip():
            name, sep, value = item.partition("=")
            if not sep:
                raise SystemExit(f"--pg-settings : « {item} » n'est pas de la forme nom=valeur")
            values[name.strip()] = value.strip()
    return values


# -- the machine ---------------------------------------------------------------------------


def _first_line(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return ((done.stdout or done.stderr).strip().splitlines() or [""])[0]


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages: how busy the shared machine was."""
    try:
        return [float(value) for value in Path("/proc/loadavg").read_text().split()[:3]]
    except OSError:
        return []


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal:")
        )
    except (OSError, StopIteration):
        mem_kb = 0
    import django
    import gunicorn

    return {
        "cpu": cpu or platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "ram_gb": round(mem_kb / 1024 / 1024, 1),
        "system": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "gunicorn": gunicorn.__version__,
        "wrk": _first_line(["wrk", "-v"]),
    }


def web_role_options() -> str:
    """The connection options carto's settings give the web role (gunicorn)."""
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DATABASES['default']['OPTIONS'].get('options', ''))"
    )
    env = {**os.environ, "CARTO_ROLE": "web", "DJANGO_SETTINGS_MODULE": "carto.settings"}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    return done.stdout.strip() if done.returncode == 0 else ""


def static_root(run_dir: Path) -> Path:
    """The production static files (the Dockerfile's collectstatic), collected again only
    when a static source changed since the last run."""
    from bench.servers import collectstatic

    sources = [ROOT / "static", *sorted((ROOT / "carto").glob("*/static"))]
    fingerprint = str(
        sorted(
            (str(path), path.stat().st_mtime_ns, path.stat().st_size)
            for folder in sources
            if folder.is_dir()
            for path in folder.rglob("*")
            if path.is_file()
        )
    )
    import hashlib

    digest = hashlib.sha256(fingerprint.encode()).hexdigest()
    stamp = run_dir / "staticfiles" / ".bench-fingerprint"  # run_dir: var/bench, shared
    if stamp.exists() and stamp.read_text() == digest:
        return stamp.parent
    log("collectstatic (fichiers statiques de production)")
    root = collectstatic(run_dir)
    stamp.write_text(digest)
    return root


# -- the measures ---------------------------------------------------------------------------


def selected(operations, only: list[str]):
    if not only:
        return operations
    return [op for op in operations if any(op.key.startswith(prefix) for prefix in only)]


def route_missing(path: str) -> str:
    """Why carto cannot answer this path at all (no URL resolves it), else ''."""
    from django.urls import Resolver404, resolve

    try:
        resolve(path.split("?", 1)[0])
    except Resolver404:
        return f"pas de route {path.split('?', 1)[0]} dans carto (404) : pas encore livré"
    return ""


def guarded(what: str, function, *args, **kwargs) -> dict:
    """A measure, or its failure as « non disponible » with the error (the run goes on)."""
    try:
        return function(*args, **kwargs)
    except Exception as exc:
        log(f"{what} : échec ({exc})")
        traceback.print_exc()
        return {"available": False, "reason": f"erreur du banc : {exc}"}


def measure_floor(operation, args, conninfo: str) -> dict | None:
    from bench import floor

    paths = list(dict.fromkeys(operation.carto))[:50]
    # Capturing runs the whole view in this process: a quarter of the budget for it.
    captured = floor.capture(paths, budget_s=args.max_duration / 4)
    failed = [c for c in captured if not 200 <= c.status < 300]
    if failed:
        return {
            "available": False,
            "reason": f"la vue répond {failed[0].status} : pas de SQL à rejouer",
        }
    result = floor.replay(conninfo, captured, args.min_requests, args.max_duration)
    if result is None:
        return {"available": False, "reason": "la vue n'exécute aucune requête SQL"}
    return {"available": True, **result}


def mixed_paths(op, by_key: dict, results: dict, netloc: str) -> list[str]:
    """The mixed load's paths, from its parts that answered here (measured in this run, or
    probed now when they were not selected)."""
    from bench import load, operations

    answering = set()
    for key in op.parts:
        measured = results.get(key, {}).get("carto")
        if measured is not None:
            if measured.get("available"):
                answering.add(key)
        elif (
            not route_missing(by_key[key].carto[0])
            and load.probe(netloc, by_key[key].carto, count=3).ok
        ):
            answering.add(key)
    results[op.key]["parts_measured"] = sorted(answering)
    return operations.mix(by_key, answering)


def main(argv=None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    load_before = load_average()
    generate.setup_django(args.database)
    from bench import database, load, operations, report, samples, servers, writes

    run_dir = ROOT / "var" / "bench" / args.database
    run_dir.mkdir(parents=True, exist_ok=True)
    settings = load.LoadSettings(
        connections=args.connections,
        threads=args.threads,
        duration=args.duration,
        max_duration=args.max_duration,
        min_requests=args.min_requests,
    )

    # 1. The data.
    database.ensure_database(args.database, fresh=args.fresh)
    database.reset_pg_settings(args.database)
    territories = database.ensure_territories(args.departements)
    actors = database.ensure_actors(args.actors)
    derived = database.ensure_derived(actors)
    applied = pg_settings(args.pg_settings)
    database.apply_pg_settings(args.database, applied)
    pg = database.pg_report(args.database, web_role_options())
    pg["applied"] = applied
    log(f"réglages PostgreSQL de chaque session : {pg['session']}")

    # 2. Samples and paths.
    drawn = samples.draw(cap=operations.CAP, log=log)
    (run_dir / "samples.json").write_text(json.dumps(drawn.to_json()))
    every = operations.build(drawn)
    by_key = {op.key: op for op in every}
    chosen = selected(every, args.only)
    results = {op.key: {"label": op.label, "kind": op.kind} for op in chosen}

    # 3. What carto has.
    for op in chosen:
        if op.kind == "mixed":
            continue  # made of the parts that answer, once they are measured (step 5)
        missing = route_missing(op.carto[0]) if op.carto else "aucun échantillon"
        if missing:
            results[op.key]["carto"] = {"available": False, "reason": missing}
            log(f"{op.key} : non disponible ({missing})")

    def carto_ok(op) -> bool:
        return "carto" not in results[op.key]

    # 4. The floor.
    conninfo = database.conninfo(args.database)
    if "floor" not in args.skip:
        for op in chosen:
            if op.floor and carto_ok(op):
                log(f"plancher : {op.key}")
                results[op.key]["floor"] = guarded(
                    f"plancher {op.key}", measure_floor, op, args, conninfo
                )
    for op in chosen:  # the report reads a floor only where there is one
        floor_result = results[op.key].get("floor")
        if floor_result is not None and not floor_result.get("available"):
            results[op.key]["floor_reason"] = floor_result.get("reason")
            results[op.key]["floor"] = None

    # 4b. The same requests in this process, with carto's middleware and without: where the
    # time goes between the SQL and HTTP (web_layer.py).
    if "inprocess" not in args.skip:
        from bench import web_layer

        for op in chosen:
            if op.kind in ("geojson", "tile") and op.carto and carto_ok(op):
                log(f"en processus : {op.key}")
                results[op.key]["in_process"] = guarded(
                    f"en processus {op.key}", web_layer.measure, op.carto[:50],
                    args.min_requests, args.max_duration,
                )  # fmt: skip

    from django.db import connections

    connections.close_all()
    url = database.database_url(args.database)
    static = static_root(run_dir.parent)
    server_info = {"carto": {"workers": servers.WORKERS}, "mapserver": {}}

    # 5. carto.
    if "carto" not in args.skip:
        with servers.Gunicorn("carto", url, run_dir, static) as server:
            log(f"carto : gunicorn sur {server.netloc}")
            for op in chosen:
                if op.kind == "mixed":
                    op.carto = mixed_paths(op, by_key, results, server.netloc)
                    if not op.carto:
                        results[op.key]["carto"] = {
                            "available": False,
                            "reason": "aucune de ses opérations ne répond",
                        }
                if carto_ok(op):
                    log(f"carto : {op.key}")
                    results[op.key]["carto"] = guarded(
                        f"carto {op.key}",
                        load.measure,
                        server.netloc,
                        op.carto,
                        settings,
                        servers.WORKERS,
                    )
                    _say(op.key, "carto", results[op.key]["carto"])
            server_info["carto"]["worker_rss_mb"] = [
                round(kb / 1024, 1) for kb in server.worker_rss_kb()
            ]

    # 6. The naive way.
    naive_ops = [op for op in chosen if op.naive]
    if "naive" not in args.skip and naive_ops:
        with servers.Gunicorn(
            "naive", url, run_dir, static, DJANGO_SETTINGS_MODULE="bench.naive_settings"
        ) as server:
            log(f"voie naïve : gunicorn sur {server.netloc}")
            for op in naive_ops:
                log(f"naïf : {op.key}")
                results[op.key]["naive"] = guarded(
                    f"naïf {op.key}",
                    load.measure,
                    server.netloc,
                    op.naive,
                    settings,
                    servers.WORKERS,
                )
                _say(op.key, "naive", results[op.key]["naive"])
            server_info["naive"] = {
                "worker_rss_mb": [round(kb / 1024, 1) for kb in server.worker_rss_kb()]
            }

    # 7. MapServer.
    peer_ops = [op for op in chosen if op.wfs or op.ogc]
    if "mapserver" not in args.skip and peer_ops:
        missing = servers.tools_missing()
        server_info["mapserver"]["version"] = _first_line([servers.MAPSERV, "-v"]).split(" OUTPUT")[
            0
        ]
        if missing:
            reason = f"{', '.join(missing)} absent(s) : scripts/setup-bench.sh"
            for op in peer_ops:
                results[op.key]["wfs"] = results[op.key]["ogc"] = {
                    "available": False,
                    "reason": reason,
                }
        else:
            with servers.MapServer(conninfo, run_dir, operations.CAP) as peer:
                log(f"MapServer : lighttpd sur {peer.netloc}")
                for op in peer_ops:
                    for side in ("wfs", "ogc"):
                        log(f"MapServer {side} : {op.key}")
                        results[op.key][side] = guarded(
                            f"{side} {op.key}",
                            load.measure,
                            peer.netloc,
                            op.paths(side),
                            settings,
                            servers.WORKERS,
                        )
                        _say(op.key, side, results[op.key][side])
                server_info["mapserver"]["rss_mb"] = [round(kb / 1024, 1) for kb in peer.rss_kb()]

    # 8. The writes.
    written = {}
    if "writes" not in args.skip and (not args.only or "writes" in args.only):
        database.apply_pg_settings(args.database, applied)
        log(f"import de {args.import_rows} acteurs")
        written["import"] = guarded("import", writes.import_rows, args.import_rows)
        log("recalcul complet de la couverture")
        written["coverage_recompute"] = guarded("recalcul", writes.coverage_recompute)

    # 9. The report.
    outcome = {
        "generated_at": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "command": "python -m bench.run " + shlex.join(argv if argv is not None else sys.argv[1:]),
        "duration_s": round(time.perf_counter() - started, 1),
        "options": {
            "database": args.database,
            "actors": args.actors,
            "departements": args.departements,
            "connections": args.connections,
            "threads": args.threads,
            "duration": args.duration,
            "max_duration": args.max_duration,
            "min_requests": args.min_requests,
            "import_rows": args.import_rows,
            "only": args.only,
            "skip": sorted(args.skip),
        },
        "machine": machine()
        | {"load_average_start": load_before, "load_average_end": load_average()},
        "postgresql": pg,
        "servers": server_info,
        "dataset": {
            "actors": database.actor_count(),
            "generator": actors.get("generator"),
            "generated_in_s": actors.get("seconds"),
            "derived_refresh": derived,
            "territories": territories.get("counts", {}),
            "samples": drawn.summary(),
        },
        "operations": results,
        "writes": written,
    }
    outcome["checks"] = [check.to_json() for check in report.checks(outcome)]
    report.write_json(outcome, args.json)
    report.write_markdown(outcome, args.markdown)
    log(f"résultats : {args.json} et {args.markdown} ({outcome['duration_s']:.0f} s)")
    return 0


def _say(key: str, side: str, result: dict) -> None:
    if result.get("available"):
        log(
            f"  {side} {key} : p50 {result['p50_ms']:.1f} ms, p95 {result['p95_ms']:.1f} ms, "
            f"{result['rps']:.0f} req/s, {result['requests']} requêtes, {result['errors']} erreurs"
        )
    else:
        log(f"  {side} {key} : non disponible ({result.get('reason')})")


if __name__ == "__main__":
    sys.exit(main())
