"""HTTP measurements: a probe of each operation (status, size, features, bytes a feature
gzipped) and its load by wrk (bench/wrk/paths.lua).

Design choices:
- the probe asks a few samples one at a time, as a browser would (Accept-Encoding:
  gzip): a status other than 2xx makes the operation « non disponible » on that server
  with the server's own message, and no load is run (no number is made up); the sizes
  measured are the bytes as sent, gzip included, divided by the features received;
- wrk runs `connections` connections on `threads` threads for long enough to make at
  least `min_requests` requests (the duration is derived from the probe's latency,
  between `duration` and `max_duration`; run once more, longer, when the load made it
  slower than the probe); its percentiles come from its own histogram
  (`done()` in paths.lua); errors are non-2xx/3xx statuses, socket errors and timeouts;
- wrk's timeout (35 s) is above gunicorn's worker timeout (30 s): a slow request is
  counted as the server answers it, not cut by the client.
"""

from __future__ import annotations

import gzip
import json
import math
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .servers import get

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "wrk" / "paths.lua"
PROBES = 10


@dataclass
class LoadSettings:
    connections: int = 4
    threads: int = 2
    duration: int = 10  # seconds, at least
    max_duration: int = 60
    min_requests: int = 200
    seed: int = 1


@dataclass
class Probe:
    ok: bool
    reason: str = ""
    statuses: list[int] = field(default_factory=list)
    latency_ms: float = 0.0
    bytes_sent: list[int] = field(default_factory=list)  # as sent (gzip when it gzips)
    bytes_raw: list[int] = field(default_factory=list)
    features: list[int] = field(default_factory=list)
    gzip: bool = False
    content_type: str = ""

    def summary(self) -> dict:
        total_features = sum(self.features)
        return {
            "probed": len(self.statuses),
            "probe_latency_ms": round(self.latency_ms, 2),
            "gzip": self.gzip,
            "content_type": self.content_type,
            "features_median": statistics.median(self.features) if self.features else None,
            "bytes_median": statistics.median(self.bytes_sent) if self.bytes_sent else None,
            "bytes_max": max(self.bytes_sent) if self.bytes_sent else None,
            "bytes_raw_max": max(self.bytes_raw) if self.bytes_raw else None,
            "empty": sum(1 for size in self.bytes_raw if size == 0),
            "bytes_per_feature_gz": (
                round(sum(self.bytes_sent) / total_features, 1) if total_features else None
            ),
            "bytes_per_feature_raw": (
                round(sum(self.bytes_raw) / total_features, 1) if total_features else None
            ),
        }


def count_features(body: bytes, content_type: str) -> int | None:
    if "json" not in content_type:
        return None
    try:
        document = json.loads(body)
    except ValueError:
        return None
    if isinstance(document, dict) and isinstance(document.get("features"), list):
        return len(document["features"])
    return None


def _message(body: bytes) -> str:
    text = body.decode("utf-8", errors="replace").strip()
    try:
        document = json.loads(text)
        if isinstance(document, dict):
            text = str(document.get("detail") or document.get("description") or document)
    except ValueError:
        pass
    return " ".join(text.split())[:300]


def probe(netloc: str, paths: list[str], count: int = PROBES, budget_s: float = 60) -> Probe:
    """A few samples, one at a time (`count`, fewer when they take more than `budget_s`);
    the first failure makes the operation unavailable."""
    result = Probe(ok=True)
    timings = []
    distinct = list(dict.fromkeys(paths))
    step = max(1, len(distinct) // count)
    started = time.perf_counter()
    for path in distinct[::step][:count]:
        if timings and time.perf_counter() - started > budget_s:
            break
        started = time.perf_counter()
        try:
            status, headers, body = get(netloc, path, {"Accept-Encoding": "gzip"})
        except OSError as exc:
            return Probe(ok=False, reason=f"pas de réponse ({exc})")
        timings.append((time.perf_counter() - started) * 1000)
        headers = {key.lower(): value for key, value in headers.items()}
        result.statuses.append(status)
        if not 200 <= status < 300:
            result.ok = False
            result.reason = f"HTTP {status} : {_message(_decoded(body, headers))}"
            return result
        raw = _decoded(body, headers)
        result.gzip = result.gzip or headers.get("content-encoding") == "gzip"
        result.content_type = headers.get("content-type", "")
        result.bytes_sent.append(len(body))
        result.bytes_raw.append(len(raw))
        features = count_features(raw, result.content_type)
        if features is not None:
            result.features.append(features)
    result.latency_ms = statistics.median(timings) if timings else 0.0
    return result


def _decoded(body: bytes, headers: dict) -> bytes:
    if headers.get("content-encoding") == "gzip":
        try:
            return gzip.decompress(body)
        except OSError:
            return body
    return body


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def duration_for(settings: LoadSettings, probe_latency_ms: float, workers: int) -> int:
    """Seconds of load to make min_requests requests, with a margin, within the bounds."""
    parallel = max(1, min(settings.connections, workers))
    needed = settings.min_requests * probe_latency_ms / 1000 / parallel * 1.5
    return int(min(settings.max_duration, max(settings.duration, math.ceil(needed))))


def run_wrk(netloc: str, paths: list[str], settings: LoadSettings, seconds: int) -> dict:
    """wrk's summary of a load on these paths (drawn at random by paths.lua)."""
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as folder:
        paths_file = Path(folder) / "paths.txt"
        paths_file.write_text("\n".join(paths) + "\n")
        result_file = Path(folder) / "result.json"
        env = {
            **os.environ,
            "BENCH_WRK_PATHS": str(paths_file),
            "BENCH_WRK_RESULT": str(result_file),
            "BENCH_WRK_SEED": str(settings.seed),
        }
        command = [
            "wrk",
            f"-t{settings.threads}",
            f"-c{settings.connections}",
            f"-d{seconds}s",
            "--timeout",
            "35s",
            "-s",
            str(SCRIPT),
            f"http://{netloc}",
        ]
        completed = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=seconds + 120
        )
        if completed.returncode != 0 or not result_file.exists():
            raise RuntimeError(f"wrk a échoué : {completed.stderr or completed.stdout}")
        summary = json.loads(result_file.read_text())
    errors = sum(
        summary[key]
        for key in (
            "errors_status",
            "errors_connect",
            "errors_read",
            "errors_write",
            "errors_timeout",
        )
    )
    latency = summary["latency_ms"]
    return {
        "requests": summary["requests"],
        "duration_s": summary["duration_s"],
        "rps": round(summary["rps"], 1),
        "errors": errors,
        "errors_detail": {
            key.removeprefix("errors_"): summary[key]
            for key in summary
            if key.startswith("errors_") and summary[key]
        },
        "p50_ms": latency["p50"],
        "p90_ms": latency["p90"],
        "p95_ms": latency["p95"],
        "p99_ms": latency["p99"],
        "max_ms": latency["max"],
        "mean_ms": latency["mean"],
        "connections": settings.connections,
        "threads": settings.threads,
        "enough_requests": summary["requests"] >= settings.min_requests,
    }


def measure(netloc: str, paths: list[str], settings: LoadSettings, workers: int) -> dict:
    """Probe, then load: the operation's result on one server (or why it has none)."""
    if not paths:
        return {"available": False, "reason": "aucun échantillon pour cette opération"}
    checked = probe(netloc, paths, budget_s=settings.max_duration)
    if not checked.ok:
        return {"available": False, "reason": checked.reason, "probe": checked.summary()}
    if not wrk_available():
        return {
            "available": False,
            "reason": "wrk absent (scripts/setup-bench.sh)",
            "probe": checked.summary(),
        }
    seconds = duration_for(settings, checked.latency_ms, workers)
    load = run_wrk(netloc, paths, settings, seconds)
    if load["requests"] < settings.min_requests and seconds < settings.max_duration:
        # Slower under load than alone: once more, as long as the measured rate needs.
        rate = max(load["rps"], 0.1)
        longer = min(settings.max_duration, math.ceil(settings.min_requests / rate * 1.2))
        if longer > seconds:
            seconds = longer
            load = run_wrk(netloc, paths, settings, seconds)
    if not load["requests"]:
        return {
            "available": False,
            "reason": f"aucune requête achevée en {seconds} s (une réponse prend plus longtemps)",
            "probe": checked.summary(),
        }
    return {"available": True, "probe": checked.summary(), **load}
