"""Where a request's time goes without HTTP: carto's WSGI application called in this
process, one request at a time, with its whole middleware stack and with none.

Design choices:
- the same sample paths as the HTTP load, through Django's own WSGI handler (what
  gunicorn calls), on the benchmark database, with gzip accepted as browsers do;
- two handlers built from the same settings: the whole MIDDLEWARE list, and none (the
  URL resolver and the view only); the requests alternate between them, so the machine's
  drift weighs on both alike;
- beside the floor (the SQL alone, floor.py) and the load through gunicorn (load.py),
  the run splits an operation's latency into the SQL, the view's own Python, the
  middleware, and what HTTP, gunicorn and queueing add. It measured 0.15-0.25 ms of
  middleware on 1.2-1.8 ms in-process requests (2026-11-28): a WSGI path skipping the
  middleware would not lift the throughput targets.

`python -m bench.web_layer --database carto_bench` prints it for the default samples.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from bench.floor import summarise


@dataclass
class Handlers:
    full: object
    bare: object


def handlers() -> Handlers:
    """carto's WSGI handler with its middleware, and one without (same settings)."""
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler

    class WithoutMiddleware(WSGIHandler):
        def load_middleware(self, is_async=False):
            kept = settings.MIDDLEWARE
            settings.MIDDLEWARE = []
            try:
                super().load_middleware(is_async)
            finally:
                settings.MIDDLEWARE = kept

    return Handlers(full=WSGIHandler(), bare=WithoutMiddleware())


def environ(path: str) -> dict:
    """A GET of `path` as gunicorn passes it behind the deployment's proxy (HTTPS)."""
    from django.test.client import RequestFactory

    parts = urlsplit(path)
    base = RequestFactory()._base_environ(
        PATH_INFO=parts.path,
        QUERY_STRING=parts.query,
        REQUEST_METHOD="GET",
        HTTP_HOST="127.0.0.1",
        HTTP_ACCEPT_ENCODING="gzip",
        HTTP_X_FORWARDED_PROTO="https",
    )
    base["wsgi.url_scheme"] = "https"
    return base


def call(application, path: str) -> tuple[float, str]:
    """(milliseconds, status line) of one request, its body read to the end."""
    status = {}

    def start_response(line, headers, exc_info=None):
        status["line"] = line

    started = time.perf_counter()
    response = application(environ(path), start_response)
    try:
        for _chunk in response:
            pass
    finally:
        if hasattr(response, "close"):
            response.close()  # request_finished: Django's end of request, as under gunicorn
    return (time.perf_counter() - started) * 1000, status["line"]


def measure(paths: list[str], min_runs: int = 200, max_seconds: float = 30) -> dict:
    """p50/p95 in ms of the paths (cycled) through both handlers, after one untimed pass;
    {"available": False, "reason"} when a path does not answer 200."""
    paths = list(dict.fromkeys(paths))
    both = handlers()
    for path in paths:  # warm: connections, caches, the first resolution of each URL
        for application in (both.full, both.bare):
            _ms, line = call(application, path)
            if not line.startswith("200"):
                return {"available": False, "reason": f"{path} répond {line}"}
    timings = {"full": [], "bare": []}
    started = time.perf_counter()
    while len(timings["full"]) < max(min_runs, len(paths)):
        path = paths[len(timings["full"]) % len(paths)]
        for name in ("full", "bare"):
            ms, _line = call(getattr(both, name), path)
            timings[name].append(ms)
        if time.perf_counter() - started > max_seconds and len(timings["full"]) >= 2:
            break
    full, bare = summarise(timings["full"]), summarise(timings["bare"])
    return {
        "available": True,
        "full": full,
        "bare": bare,
        "middleware_ms": round(full["p50_ms"] - bare["p50_ms"], 3),
    }


def main(argv=None) -> int:
    import argparse
    import json

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="carto_bench")
    parser.add_argument("--runs", type=int, default=400)
    args = parser.parse_args(argv)
    from bench import generate

    generate.setup_django(args.database)
    from bench import operations, samples

    chosen = {"near", "bbox_city", "tiles_z14", "territory_bv"}
    for op in operations.build(samples.draw(cap=operations.CAP, log=lambda _m: None)):
        if op.key in chosen and op.carto:
            print(op.key, json.dumps(measure(op.carto[:50], args.runs)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
