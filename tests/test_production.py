"""The production path, run rather than assumed: the Dockerfile's own collectstatic line
(manifest storage), gunicorn with gunicorn.conf.py and CARTO_DEBUG=0 on the session's
test database, the responses a TLS proxy would relay, and `check --deploy`.

Real subprocesses with a clean environment: nothing leaks in from the test process
but PATH (the virtualenv first, standing for the image's python) and HOME."""

import contextlib
import http.client
import json
import os
import re
import runpy
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connections

BASE_DIR = Path(settings.BASE_DIR)
VENV_BIN = Path(sys.executable).parent
HTTPS = {"X-Forwarded-Proto": "https"}  # what the TLS proxy in front of gunicorn sets
NO_DATABASE = "postgis://nobody@127.0.0.1:1/none"  # the image is built without one

# The servers read the test database (the mark has pytest-django create it), where the
# session's demo data is committed; the tests themselves make no query.
pytestmark = pytest.mark.django_db


def dockerfile_run(word: str) -> str:
    """The one `RUN` instruction of the Dockerfile that contains `word`, as a shell command."""
    text = (BASE_DIR / "Dockerfile").read_text().replace("\\\n", " ")
    commands = [line[4:] for line in text.splitlines() if line.startswith("RUN ") and word in line]
    assert len(commands) == 1, f"one RUN … {word} … expected in the Dockerfile: {commands}"
    return commands[0]


def clean_env(**variables: str) -> dict[str, str]:
    return {
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}",
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        **variables,
    }


def database_url(db: dict) -> str:
    """A DATABASE_URL for the connection settings `db` (the environment beats a local .env)."""
    auth = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = quote(db["HOST"] or "", safe="")
    return f"postgis://{auth}@{host}:{db['PORT'] or 5432}/{quote(db['NAME'], safe='')}"


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        args, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def fetch(netloc: str, path: str, headers=HTTPS) -> tuple[http.client.HTTPResponse, bytes]:
    """One GET, redirects not followed."""
    connection = http.client.HTTPConnection(netloc, timeout=20)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response, response.read()
    finally:
        connection.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def collectstatic(tmp_path_factory):
    """The Dockerfile's collectstatic line, run by bash into a fresh STATIC_ROOT."""
    root = tmp_path_factory.mktemp("staticfiles")
    env = clean_env(CARTO_STATIC_ROOT=str(root), DATABASE_URL=NO_DATABASE)
    return root, run(["bash", "-c", dockerfile_run("collectstatic")], env)


@pytest.fixture(scope="module")
def production_env(django_db_setup, collectstatic) -> dict[str, str]:
    """Production settings on the test database, where the session's demo data is committed."""
    root, result = collectstatic
    if result.returncode != 0:
        pytest.fail(f"the Dockerfile's collectstatic failed:\n{result.stderr}")
    return clean_env(
        CARTO_DEBUG="0",
        CARTO_SECRET_KEY=secrets.token_urlsafe(50),
        CARTO_ALLOWED_HOSTS="127.0.0.1",
        CARTO_STATIC_ROOT=str(root),
        DATABASE_URL=database_url(connections["default"].settings_dict),
    )


@contextlib.contextmanager
def gunicorn(env: dict[str, str], log: Path) -> Iterator[str]:
    """gunicorn as the image's CMD starts it; yields its host:port once /healthz answers."""
    netloc = f"127.0.0.1:{free_port()}"
    env = {**env, "CARTO_BIND": netloc}
    # As in a container, the TLS proxy is another host, not one gunicorn trusts for its
    # own scheme: Django reads X-Forwarded-Proto itself (SECURE_PROXY_SSL_HEADER).
    env["FORWARDED_ALLOW_IPS"] = "192.0.2.1"
    with log.open("w") as output:
        process = subprocess.Popen(
            [VENV_BIN / "gunicorn", "carto.wsgi:application", "-c", "gunicorn.conf.py"],
            cwd=BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not answer /healthz:\n{log.read_text()[-3000:]}")
            try:
                if fetch(netloc, "/healthz", headers={})[0].status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        yield netloc
    finally:
        process.send_signal(signal.SIGTERM)  # gunicorn's graceful stop
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def server(production_env, tmp_path_factory):
    log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    with gunicorn({**production_env, "GUNICORN_WORKERS": "2"}, log) as netloc:
        yield netloc


def test_dockerfile_collectstatic_writes_the_manifest(collectstatic):
    root, result = collectstatic
    assert result.returncode == 0, result.stderr
    paths = json.loads((root / "staticfiles.json").read_text())["paths"]
    script = root / paths["vendor/markercluster/leaflet.markercluster.js"]
    assert script.is_file() and script.with_name(script.name + ".gz").is_file()
    # The minified script names its source map by the map's hashed name, which exists.
    source_map = Path(paths["vendor/markercluster/leaflet.markercluster.js.map"])
    assert f"sourceMappingURL={source_map.name}" in script.read_text()
    assert (root / source_map).is_file()


def test_the_image_vendors_what_make_vendor_vendors(tmp_path):
    """The vendor stage runs scripts/vendor.sh, so static/vendor stands for the image's."""
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    assert "COPY scripts/vendor.sh" in dockerfile and "vendor.sh node_modules /vendor" in dockerfile
    modules = BASE_DIR / "frontend" / "node_modules"
    if not modules.is_dir():
        pytest.fail("frontend/node_modules is missing: run `make vendor`")
    result = run(["bash", "scripts/vendor.sh", str(modules), str(tmp_path)], clean_env())
    assert result.returncode == 0, result.stderr

    def files(root: Path) -> dict[str, bytes]:
        return {
            str(path.relative_to(root)): path.read_bytes()
            for path in root.rglob("*")
            if path.is_file() and path.name != ".stamp"
        }

    assert files(tmp_path) == files(BASE_DIR / "static" / "vendor"), "run `make vendor`"
    assert "markercluster/leaflet.markercluster.js.map" in files(tmp_path)


@pytest.mark.parametrize("path", ["/", "/carte/", "/embed/", "/api/v1/actors/", "/ogc/"])
def test_answers_with_the_production_headers(server, path):
    response, _ = fetch(server, path)
    assert response.status == 200
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    policy = response.headers["Content-Security-Policy"]
    for directive in ("script-src 'self'", "object-src 'none'", "base-uri 'none'"):
        assert directive in policy
    framing = "frame-ancestors *" if path == "/embed/" else "frame-ancestors 'none'"
    assert framing in policy


def test_pages_name_hashed_assets_served_for_a_year(server):
    _, html = fetch(server, "/carte/")
    scripts = re.findall(r'<script src="(/static/[^"]+)"', html.decode())
    assert "/static/carto/carte.js" not in scripts
    [carte] = [
        src for src in scripts if re.fullmatch(r"/static/carto/carte\.[0-9a-f]{12}\.js", src)
    ]
    response, body = fetch(server, carte)
    assert response.status == 200 and body
    assert "max-age=315360000" in response.headers["Cache-Control"]


def test_cookies_are_secure(server):
    # carto's pages set none; the admin's login form sets the CSRF cookie.
    cookies = [
        cookie
        for path in ("/", "/carte/", "/admin/login/")
        for cookie in fetch(server, path)[0].headers.get_all("Set-Cookie", [])
    ]
    assert cookies
    for cookie in cookies:
        assert "; Secure" in cookie, cookie


def test_plain_http_redirects_to_https_but_the_health_check(server):
    response, _ = fetch(server, "/carte/", headers={})
    assert response.status == 301
    assert response.headers["Location"] == f"https://{server}/carte/"
    response, body = fetch(server, "/healthz", headers={})
    assert response.status == 200 and json.loads(body)["status"] == "ok"


def test_unknown_page_is_our_404_not_the_debug_page(server):
    response, body = fetch(server, "/nulle-part/")
    html = body.decode()
    assert response.status == 404 and "Page introuvable" in html
    for debug in ("Traceback", "DEBUG = True", "URLconf"):
        assert debug not in html


def test_unknown_api_path_is_a_json_404(server):
    response, body = fetch(server, "/api/v1/nulle-part/")
    assert response.status == 404
    assert response.headers["Content-Type"].startswith("application/json")
    assert json.loads(body)["detail"]


SHOW_SESSION = """
from django.db import connection
with connection.cursor() as cursor:
    for name in ("statement_timeout", "jit", "max_parallel_workers_per_gather"):
        cursor.execute(f"SHOW {name}")
        print(cursor.fetchone()[0])
"""


def output_of(args: list[str], env: dict[str, str]) -> str:
    result = run(args, env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_web_role_bounds_statements_and_turns_jit_and_parallel_query_off(production_env):
    """carto/wsgi.py's role: a statement timeout below the worker's, no JIT, no parallel
    workers (measured to double the cost of short queries); commands keep the server's."""
    web = output_of(["python", "-c", "import carto.wsgi" + SHOW_SESSION], production_env)
    worker_timeout = runpy.run_path(str(BASE_DIR / "gunicorn.conf.py"))["timeout"]
    assert web.split() == ["20s", "off", "0"]  # CARTO_WEB_STATEMENT_TIMEOUT_MS's default
    assert worker_timeout > 20
    command = ["python", "manage.py", "shell", "-v", "0", "-c", SHOW_SESSION]
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT reset_val FROM pg_settings WHERE name = ANY(%s) ORDER BY name",
            [["jit", "max_parallel_workers_per_gather"]],
        )
        server = [row[0] for row in cursor.fetchall()]
    assert output_of(command, production_env).split() == ["0", *server]  # unbounded imports


def test_the_web_role_reads_from_a_replica(production_env, tmp_path):
    """DATABASE_REPLICA_URLS in production: gunicorn's public reads go to `replica_1`, here
    the test database again under its own application_name, read-only like a standby."""
    name = f"carto-replica-{secrets.token_hex(4)}"
    replica = f"{production_env['DATABASE_URL']}?application_name={name}"
    env = {**production_env, "DATABASE_REPLICA_URLS": replica, "GUNICORN_WORKERS": "1"}
    with gunicorn(env, tmp_path / "gunicorn.log") as netloc:
        response, body = fetch(netloc, "/api/v1/actors/?territory=commune:62498")
        assert response.status == 200 and json.loads(body)["features"]
        assert "carto_primary" not in (response.headers.get("Set-Cookie") or "")
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # the view is cached per transaction
            cursor.execute("SELECT query FROM pg_stat_activity WHERE application_name = %s", [name])
            queries = [row[0] for row in cursor.fetchall()]
    # The worker's persistent connection (CONN_MAX_AGE) to the replica, its last query
    # the page of actors.
    assert len(queries) == 1 and "actors_actor" in queries[0], queries


def test_check_deploy_reports_only_the_gdal_warning(production_env):
    result = run(["python", "manage.py", "check", "--deploy"], production_env)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    # GDAL 3.6 cannot forbid file and network access from a CRS definition (README).
    assert set(re.findall(r"\(([a-z_]+\.[A-Z]\d{3})\)", output)) == {"gis.W001"}, output
