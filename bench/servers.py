"""The servers the benchmark loads, started and stopped by the harness itself.

- carto: gunicorn as production starts it (`gunicorn carto.wsgi:application -c
  gunicorn.conf.py`, the Dockerfile's CMD), 2 workers, production settings
  (CARTO_DEBUG=0, a secret key, CARTO_ALLOWED_HOSTS=127.0.0.1, no HTTPS redirect since
  no proxy stands in front, the web role's statement timeout), static files collected
  as the image does, on a free port of 127.0.0.1, reading the benchmark database.
- the naive way: the same gunicorn and settings, but `DJANGO_SETTINGS_MODULE=
  bench.naive_settings`, which only adds the bench's naive views to carto's URLs. A
  server of its own, started after carto's is stopped: its workers' memory (thousands
  of features serialised in Python) never counts in carto's worker's RSS.
- MapServer 8: `spawn-fcgi -F 2 mapserv` (2 FastCGI processes, as 2 workers) behind
  lighttpd, its mapfile and config written from bench/mapserver/*.in into the run's
  folder.

Every process is started in a session of its own and stopped by its own pid (SIGTERM,
then SIGKILL after a delay): nothing else on the machine is touched.
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent
MAPSERV = "/usr/lib/cgi-bin/mapserv"
WORKERS = 2
WFS_CAPABILITIES = "/mapserv?map=ACTORS&SERVICE=WFS&REQUEST=GetCapabilities"


class ServerError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(netloc: str, path: str, headers: dict | None = None, timeout: float = 60):
    """One GET: (status, headers, body as received)."""
    connection = http.client.HTTPConnection(netloc, timeout=timeout)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def wait_until_up(netloc: str, path: str, process: subprocess.Popen, log: Path, seconds=60):
    deadline = time.monotonic() + seconds
    while True:
        if process.poll() is not None or time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            raise ServerError(f"{process.args[0]} ne répond pas sur {netloc}{path} :\n{tail}")
        try:
            status, _headers, _body = get(netloc, path, timeout=5)
            if status < 500:
                return
        except OSError:
            pass
        time.sleep(0.2)


def stop(process: subprocess.Popen, grace: float = 20) -> None:
    """SIGTERM to this process (gunicorn's graceful stop), SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        return [int(child) for child in path.read_text().split()]
    except OSError:
        return []


def _alive(pid: int) -> bool:
    """Whether this pid still runs a mapserv (a pid reused by another program is not ours)."""
    try:
        return "mapserv" in Path(f"/proc/{pid}/cmdline").read_text(errors="replace")
    except OSError:
        return False


def rss_kb(pid: int) -> int | None:
    """Resident memory of a process (VmRSS of /proc, the RSS `ps` shows)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def collectstatic(run_dir: Path) -> Path:
    """The Dockerfile's collectstatic step into the run's folder (manifest storage)."""
    root = run_dir / "staticfiles"
    env = {
        **os.environ,
        "CARTO_DEBUG": "0",
        "CARTO_SECRET_KEY": "build-only",
        "CARTO_STATIC_ROOT": str(root),
        "DATABASE_URL": "postgis://nobody@127.0.0.1:1/none",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return root


class Gunicorn:
    """gunicorn with carto's gunicorn.conf.py and production settings."""

    def __init__(self, name: str, database_url: str, run_dir: Path, static_root: Path, **env):
        self.name = name
        self.netloc = f"127.0.0.1:{free_port()}"
        self.log = run_dir / f"gunicorn-{name}.log"
        self.env = {
            "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "HOME": os.environ.get("HOME", "/tmp"),
            "LANG": "C.UTF-8",
            "CARTO_DEBUG": "0",
            "CARTO_SECRET_KEY": secrets.token_urlsafe(50),
            "CARTO_ALLOWED_HOSTS": "127.0.0.1",
            "CARTO_SSL_REDIRECT": "0",  # no TLS proxy in front of it here
            "CARTO_ROLE": "web",
            "CARTO_STATIC_ROOT": str(static_root),
            "DATABASE_URL": database_url,
            "CARTO_BIND": self.netloc,
            "GUNICORN_WORKERS": str(WORKERS),
            **{key: value for key, value in os.environ.items() if key.startswith("CARTO_DATA")},
            **env,
        }
        self.process: subprocess.Popen | None = None

    def __enter__(self):
        with self.log.open("w") as output:
            self.process = subprocess.Popen(
                [VENV_BIN / "gunicorn", "carto.wsgi:application", "-c", "gunicorn.conf.py"],
                cwd=ROOT,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until_up(self.netloc, "/healthz", self.process, self.log)
        return self

    def __exit__(self, *exc):
        if self.process is not None:
            stop(self.process)

    def worker_rss_kb(self) -> list[int]:
        """RSS of each worker (the master's children), in kB."""
        if self.process is None:
            return []
        return [rss for pid in children(self.process.pid) if (rss := rss_kb(pid))]


def tools_missing() -> list[str]:
    """The MapServer side's programs that are not installed (scripts/setup-bench.sh)."""
    missing = [tool for tool in ("spawn-fcgi",) if not shutil.which(tool)]
    if not os.access(MAPSERV, os.X_OK):
        missing.append(MAPSERV)
    if not lighttpd_binary():
        missing.append("lighttpd")
    return missing


def lighttpd_binary() -> str | None:
    return shutil.which("lighttpd") or (
        "/usr/sbin/lighttpd" if os.access("/usr/sbin/lighttpd", os.X_OK) else None
    )


def render(template: str, target: Path, **words: str) -> Path:
    text = (HERE / "mapserver" / template).read_text()
    for key, value in words.items():
        text = text.replace(f"@{key}@", value)
    leftover = sorted(set(re.findall(r"@[A-Z_]+@", text)))
    if leftover:
        raise ServerError(f"{template} : {', '.join(leftover)} non remplacé(s)")
    target.write_text(text)
    return target


class MapServer:
    """MapServer 8 as 2 FastCGI processes (spawn-fcgi) behind lighttpd."""

    def __init__(self, conninfo: str, run_dir: Path, max_features: int):
        self.dir = run_dir / "mapserver"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.netloc = f"127.0.0.1:{self.port}"
        self.socket = self.dir / "mapserv.sock"
        mapfile = render(
            "actors.map.in",
            self.dir / "actors.map",
            BASE_URL=f"http://{self.netloc}",
            CONNECTION=conninfo,
            MAX_FEATURES=str(max_features),
        )
        self.config = render(
            "mapserver.conf.in",
            self.dir / "mapserver.conf",
            MAPFILE=str(mapfile),
            ERRORFILE=str(self.dir / "mapserver-error.log"),
        )
        self.lighttpd_conf = render(
            "lighttpd.conf.in",
            self.dir / "lighttpd.conf",
            PORT=str(self.port),
            RUN_DIR=str(self.dir),
            SOCKET=str(self.socket),
        )
        self.log = self.dir / "servers.log"
        self.pid_file = self.dir / "mapserv.pids"
        self.fcgi: list[int] = []
        self.lighttpd: subprocess.Popen | None = None

    def __enter__(self):
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "MAPSERVER_CONFIG_FILE": str(self.config),
        }
        for stale in (self.socket, self.pid_file):
            stale.unlink(missing_ok=True)
        try:
            with self.log.open("w") as output:
                # -F 2 forks two FastCGI processes and returns (-n, no fork, allows one
                # only); their pids go to the pid file, by which they are stopped.
                subprocess.run(
                    ["spawn-fcgi", "-F", str(WORKERS), "-s", str(self.socket),
                     "-P", str(self.pid_file), "--", MAPSERV],
                    env=env, stdout=output, stderr=subprocess.STDOUT, check=True, timeout=30,
                )  # fmt: skip
                self.fcgi = [int(pid) for pid in self.pid_file.read_text().split()]
                self.lighttpd = subprocess.Popen(
                    [lighttpd_binary(), "-D", "-f", str(self.lighttpd_conf)],
                    env=env,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            wait_until_up(self.netloc, WFS_CAPABILITIES, self.lighttpd, self.log)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        if self.lighttpd is not None:
            stop(self.lighttpd, grace=5)
            self.lighttpd = None
        for pid in self.fcgi:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 5
        while any(_alive(pid) for pid in self.fcgi) and time.monotonic() < deadline:
            time.sleep(0.1)
        for pid in self.fcgi:  # not our children (spawn-fcgi forked them): by pid only
            if _alive(pid):
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        self.fcgi = []

    def rss_kb(self) -> list[int]:
        return [rss for pid in self.fcgi if (rss := rss_kb(pid))]
