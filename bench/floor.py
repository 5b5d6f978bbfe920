"""The floor of each operation: the very SQL carto's view runs, replayed through psycopg
with no web layer, on one connection, prepared, in a loop over the same samples.

Design choices:
- the SQL is captured from carto itself, not copied by hand: each sample request goes
  through Django's test client (the whole middleware stack and view, in this process,
  on the benchmark database) inside `CaptureQueriesContext`, which records every
  statement as sent (Django's psycopg 3 backend binds parameters client-side, so the
  text recorded is the text PostgreSQL received). When the view changes its SQL, the
  floor follows;
- a request's statements are replayed in order; when the view ran them in a
  transaction (savepoints recorded), the replay runs in one too, and pays its BEGIN and
  COMMIT as Django does;
- SELECT-like statements are prepared (psycopg `prepare=True`, a cache as large as the
  samples, one untimed pass to prepare them all): the floor is what the database alone
  costs, parse and plan excluded; rows are fetched (text format) as Django does;
- one connection, one request at a time: latency without queueing, where the HTTP load
  runs 4 connections on 2 workers.
"""

from __future__ import annotations

import logging
import statistics
import time
from dataclasses import dataclass

import psycopg

PREPARABLE = ("select", "with", "insert", "update", "delete", "values")
TRANSACTIONAL = ("savepoint", "release savepoint", "rollback to savepoint")


@dataclass
class Captured:
    path: str
    status: int
    statements: list[str]

    @property
    def transactional(self) -> bool:
        return any(sql.lower().startswith(TRANSACTIONAL) for sql in self.statements)


def capture(paths: list[str], budget_s: float = 60) -> list[Captured]:
    """Each path requested once through carto's stack, with the SQL it ran (after one
    warm-up request, so that connection set-up queries are not counted); fewer paths
    when they take more than `budget_s`."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    # A view that fails is a 500 here, as it would be over HTTP, not an error of the bench.
    client = Client(
        raise_request_exception=False, HTTP_HOST="127.0.0.1", HTTP_ACCEPT_ENCODING="gzip"
    )
    request_log = logging.getLogger("django.request")
    level = request_log.level
    request_log.setLevel(logging.CRITICAL)  # a 400 is a result here, not a log line
    try:
        if paths:
            client.get(paths[0])
        captured = []
        started = time.perf_counter()
        for path in paths:
            if captured and time.perf_counter() - started > budget_s:
                break
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path)
            statements = [query["sql"] for query in queries.captured_queries]
            captured.append(Captured(path, response.status_code, statements))
    finally:
        request_log.setLevel(level)
    return captured


def _run(conn: psycopg.Connection, request: Captured) -> None:
    def execute_all():
        for sql in request.statements:
            cursor = conn.execute(sql, prepare=sql.lower().lstrip("( ").startswith(PREPARABLE))
            if cursor.description is not None:
                cursor.fetchall()

    if request.transactional:
        with conn.transaction():
            execute_all()
    else:
        execute_all()


def replay(
    conninfo: str, requests: list[Captured], min_runs: int, max_seconds: float
) -> dict | None:
    """p50/p95/p99 in ms of replaying the requests (cycling through them) at least
    `min_runs` times, or as many as fit in `max_seconds`."""
    requests = [request for request in requests if request.statements]
    if not requests:
        return None
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.prepare_threshold = 0
        conn.prepared_max = max(100, sum(len(r.statements) for r in requests) + 10)
        warm_started = time.perf_counter()
        for request in requests:  # prepares every statement, warms the caches
            _run(conn, request)
            if time.perf_counter() - warm_started > max_seconds:
                break
        timings = []
        started = time.perf_counter()
        while len(timings) < max(min_runs, len(requests)):
            request = requests[len(timings) % len(requests)]
            begin = time.perf_counter()
            _run(conn, request)
            timings.append((time.perf_counter() - begin) * 1000)
            if time.perf_counter() - started > max_seconds and len(timings) >= 2:
                break
    return summarise(timings) | {
        "statements_per_request": round(statistics.mean(len(r.statements) for r in requests), 1),
        "distinct_requests": len(requests),
    }


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = q / 100 * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summarise(timings: list[float]) -> dict:
    return {
        "runs": len(timings),
        "p50_ms": round(percentile(timings, 50), 3),
        "p95_ms": round(percentile(timings, 95), 3),
        "p99_ms": round(percentile(timings, 99), 3),
        "mean_ms": round(statistics.mean(timings), 3),
    }
