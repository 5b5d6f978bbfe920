"""`make bench` runs end to end on a tiny dataset: its own database (2 000 actors in
Ariège), carto under gunicorn, the floor, the naive server, MapServer and the writes,
then a valid latest.json and the Markdown table with a row per operation.

No timing is asserted: a benchmark reports, tests don't. What must be true on any
machine is asserted: every operation has a row, every side either measured or says why
not, the same PostgreSQL settings reached every server, the cap and sizes are read.

The load tools come from scripts/setup-bench.sh (wrk, MapServer, spawn-fcgi, lighttpd),
which `make test` runs; without them this test fails and says so rather than skipping.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench import report
from bench.generate import admin_connection

ROOT = Path(__file__).resolve().parents[2]
DATABASE = "carto_bench_smoke"  # not carto_bench: a full run may be kept there
OPERATIONS = {
    "near",
    "bbox_city",
    "bbox_departement",
    "territory_bv",
    "tiles_z6",
    "tiles_z10",
    "tiles_z14",
    "coverage_commune",
    "coverage_epci",
    "coverage_bv",
    "coverage_departement",
    "coverage_region",
    "coverage_qpv",
    "mixed",
}


@pytest.fixture
def bench_database():
    """Whatever happens to the harness, its database does not outlive the test."""
    yield DATABASE
    with admin_connection() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


def require_tools():
    missing = [tool for tool in ("wrk", "spawn-fcgi") if not shutil.which(tool)]
    missing += [path for path in ("/usr/lib/cgi-bin/mapserv",) if not os.access(path, os.X_OK)]
    if not (shutil.which("lighttpd") or os.access("/usr/sbin/lighttpd", os.X_OK)):
        missing.append("lighttpd")
    if missing:
        pytest.fail(
            f"{', '.join(missing)} missing: run scripts/setup-bench.sh (make test does)",
            pytrace=False,
        )


def test_make_bench_runs_end_to_end(bench_database, tmp_path):
    require_tools()
    output_json, output_md = tmp_path / "latest.json", tmp_path / "benchmarks.md"
    tiny = [
        "--database", bench_database, "--actors", "2000", "--departements", "09",
        "--duration", "1", "--max-duration", "1", "--min-requests", "5",
        "--import-rows", "500", "--json", str(output_json), "--markdown", str(output_md),
    ]  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-m", "bench.run", *tiny],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]

    results = json.loads(output_json.read_text())
    assert set(results["operations"]) == OPERATIONS
    assert results["dataset"]["actors"] == 2000
    assert results["machine"]["cores"] >= 1
    # The settings issue 12 asks for, the same for every side (set on the database).
    assert results["postgresql"]["session"]["jit"] == "off"
    assert results["postgresql"]["session"]["max_parallel_workers_per_gather"] == "0"
    for key, operation in results["operations"].items():
        carto = operation["carto"]
        assert carto["available"] or carto["reason"], key
        if carto["available"]:
            assert carto["requests"] > 0 and carto["p50_ms"] > 0, key
            assert carto["probe"]["probed"] > 0, key
    near = results["operations"]["near"]
    assert near["carto"]["available"], near["carto"]
    assert near["floor"]["runs"] >= 5 and near["floor"]["statements_per_request"] >= 1
    assert near["naive"]["available"], near["naive"]
    # The same requests in the process, with and without the middleware (web_layer.py).
    in_process = near["in_process"]
    assert in_process["available"], in_process
    assert in_process["full"]["runs"] >= 5 and in_process["bare"]["runs"] >= 5
    assert in_process["middleware_ms"] == round(
        in_process["full"]["p50_ms"] - in_process["bare"]["p50_ms"], 3
    )
    for side in ("wfs", "ogc"):
        peer = results["operations"]["bbox_city"][side]
        assert peer["available"], peer
        assert peer["probe"]["bytes_per_feature_gz"] > 0 and peer["probe"]["gzip"]
    assert results["writes"]["import"]["rows"] == 500
    assert results["writes"]["coverage_recompute"]["available"]
    assert results["servers"]["carto"]["worker_rss_mb"]
    assert {check["ok"] for check in results["checks"]} <= {True, False, None}

    markdown = output_md.read_text()
    assert report.BEGIN in markdown and report.END in markdown
    for operation in results["operations"].values():
        assert f"| {operation['label']}" in markdown, operation["label"]
    assert "### Objectifs" in markdown and "octets/acteur gz" in markdown
    assert "### Où passe le temps" in markdown
    assert f"| {near['label']} | " in markdown.split("### Où passe le temps")[1]


def test_the_report_says_what_was_not_measured(tmp_path):
    """An operation whose endpoint is missing gets « non disponible » and its reason,
    never a number, and the hand-written part of the document is kept."""
    missing = {"available": False, "reason": "pas de route /tiles/actors/14/1/1.pbf"}
    measured = {
        "available": True, "p50_ms": 2.0, "p95_ms": 12.5, "p99_ms": 20.0, "mean_ms": 3.0,
        "rps": 900.0, "errors": 0, "requests": 300, "enough_requests": True,
        "probe": {"bytes_per_feature_gz": 20.5, "bytes_per_feature_raw": 90.0, "gzip": True,
                  "features_median": 20},
    }  # fmt: skip
    results = {
        "generated_at": "2025-06-12T10:00:00+02:00",
        "duration_s": 1.0,
        "command": "python -m bench.run",
        "machine": {"cpu": "cpu", "cores": 2, "ram_gb": 8, "system": "Linux"},
        "postgresql": {
            "version": "15",
            "postgis": "3.3",
            "database": DATABASE,
            "size": "1 MB",
            "applied": {"jit": "off"},
            "session": {"jit": "off"},
            "carto_web": {"jit": "off"},
        },
        "options": {
            "threads": 2,
            "connections": 4,
            "min_requests": 200,
            "duration": 10,
            "max_duration": 60,
        },
        "dataset": {
            "actors": 1_000_000,
            "generator": "generate_benchmark_data",
            "territories": {},
            "samples": {
                "near_points": 1,
                "city_bboxes": 1,
                "city_features_median": 1000,
                "departement_bboxes": 1,
                "bv": 1,
            },
        },
        "servers": {"carto": {"workers": 2}, "mapserver": {}},
        "operations": {
            "near": {
                "label": "near",
                "kind": "geojson",
                "carto": measured,
                "floor": {"p50_ms": 1.0, "p95_ms": 2.0},
            },
            "tiles_z14": {"label": "tuiles 14", "kind": "tile", "carto": missing},
        },
        "writes": {},
    }
    results["checks"] = [check.to_json() for check in report.checks(results)]
    by_target = {(c["operation"], c["target"]): c for c in results["checks"]}
    latency = by_target[("near", "p95 ≤ 10 ms")]
    assert latency["ok"] is False and latency["gap"].startswith("manque de 2.5 ms")
    assert "couche web" in latency["gap"]  # the SQL alone is far below the target
    throughput = by_target[("near", "≥ 1 000 req/s sans erreur")]
    assert throughput["ok"] is False and throughput["gap"].startswith("manque 100 req/s")
    tiles = by_target[("tiles_z14", "p95 ≤ 15 ms")]
    assert tiles["ok"] is None and tiles["measured"] == "non disponible"
    assert "pas de route" in tiles["gap"]

    document = tmp_path / "benchmarks.md"
    document.write_text(f"# Titre\n\nÀ garder.\n\n{report.BEGIN}\nancien\n{report.END}\n\nFin.\n")
    report.write_markdown(results, document)
    text = document.read_text()
    assert "À garder." in text and "Fin." in text and "ancien" not in text
    assert "non disponible : pas de route /tiles/actors/14/1/1.pbf" in text


def test_without_the_data_folder_it_says_what_is_missing(bench_database, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bench.run", "--database", bench_database, "--only", "near"],
        cwd=ROOT,
        env={**os.environ, "CARTO_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "import des territoires impossible" in result.stderr
    assert f"{tmp_path}/communes" in result.stderr and "CARTO_DATA_DIR" in result.stderr
