"""The benchmark harness runs end to end on a tiny size: it builds its own database, checks
that both orderings agree and that the plans are the expected ones, prints its report,
and drops its database. No timing is asserted: a benchmark reports ratios, tests don't."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.generate import admin_connection

ROOT = Path(__file__).resolve().parents[2]
DATABASE = "carto_bench_test"  # not the default carto_bench: a manual run may be going on


def database_exists() -> bool:
    with admin_connection() as admin:
        return bool(
            admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone()
        )


@pytest.fixture
def bench_database():
    """Whatever happens to the harness, its database does not outlive the test."""
    yield DATABASE
    with admin_connection() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


def test_knn_benchmark_runs_end_to_end(bench_database):
    tiny = ["--rows", "2000", "--queries", "3", "--repeat", "1", "--database", bench_database,
            "--departements", "09"]  # fmt: skip
    result = subprocess.run(
        [sys.executable, "bench/knn.py", *tiny],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout
    assert result.returncode == 0, output + result.stderr
    assert "Lignes : 2 000 acteurs" in output, output
    assert "Mêmes voisins dans le même ordre : 3/3" in output, output
    assert "Rapport Distance()/KNN : " in output, output
    assert "Plan KNN : Index Scan using actor_geog_gist … Order By : oui" in output, output
    assert "Plan Distance() : Sort de toute la table : oui" in output, output
    assert not database_exists(), f"{DATABASE} was not dropped"


def test_refuses_a_database_it_must_not_drop():
    """Only a name holding « bench », other than the project's, may be dropped and recreated."""
    result = subprocess.run(
        [sys.executable, "bench/knn.py", "--rows", "10", "--database", "carto"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "--database carto" in result.stderr, result.stderr
