"""Shared fixtures: the real demo territories loaded once per session into the test
database (migrations run, real PostGIS), and an HTTP server for clients such as GDAL."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections

DEMO_DEPARTEMENTS = ["02", "09", "59", "60", "62", "80"]


def pytest_configure(config):
    """The tests load the demo territory (Hauts-de-France and Ariège), not all of France:
    the commands' default scope (CARTO_DEPARTEMENTS, `all` outside the tests) is narrowed
    here, and the session fixture names it explicitly too."""
    settings.CARTO_DEPARTEMENTS = ",".join(DEMO_DEPARTEMENTS)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    path = Path(settings.CARTO_DATA_DIR)
    if not (path / "communes" / "communes_2025_points.csv").is_file():
        pytest.fail(
            f"CARTO_DATA_DIR={path} does not hold the real data (../shared/data): "
            "run the tests through `make test`, or export CARTO_DATA_DIR"
        )
    return path


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """The real field documents (../shared/fixtures)."""
    path = Path(settings.BASE_DIR).parent / "shared" / "fixtures"
    if not (path / "fiches_actions_centres_sociaux.txt").is_file():
        pytest.fail(
            f"{path} does not hold the field fixtures (../shared/fixtures beside the project)"
        )
    return path


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, data_dir, fixtures_dir):
    """The demo territories and directory (Hauts-de-France and Ariège), imported once and committed."""
    with django_db_blocker.unblock():
        call_command("import_territories", departements=DEMO_DEPARTEMENTS, verbosity=0)
        call_command("import_directory", departements=",".join(DEMO_DEPARTEMENTS), verbosity=0)
        for sheet in sorted(fixtures_dir.glob("*.txt")):
            call_command("import_fiches", str(sheet), verbosity=0)
        # What the task queue's worker does after an import: the precomputed coverage.
        call_command("refresh_coverage", full=True, verbosity=0)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


class _ThreadingWSGIServer(WSGIServer):
    daemon_threads = True

    def process_request(self, request, client_address):
        thread = threading.Thread(target=self._handle, args=(request, client_address), daemon=True)
        thread.start()

    def _handle(self, request, client_address):
        try:
            self.finish_request(request, client_address)
        finally:
            self.shutdown_request(request)
            connections.close_all()


@pytest.fixture(scope="session")
def api_server(django_db_setup, django_db_blocker):
    """carto served over HTTP on 127.0.0.1 (a free port), reading the committed session data.

    Unlike pytest-django's live_server this needs no transactional test, so the
    session data is not flushed."""
    from django.core.wsgi import get_wsgi_application
    from django.test.utils import override_settings

    with override_settings(ALLOWED_HOSTS=["127.0.0.1", "localhost", "testserver"]):
        server = make_server(
            "127.0.0.1",
            0,
            get_wsgi_application(),
            server_class=_ThreadingWSGIServer,
            handler_class=_QuietHandler,
        )
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        with django_db_blocker.unblock():
            thread.start()
            try:
                yield f"http://127.0.0.1:{server.server_port}"
            finally:
                server.shutdown()
                server.server_close()
                # A request still in flight when a browser closed may hold a session open.
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )


class BanStub(BaseHTTPRequestHandler):
    """Answers every search with one housenumber in Lens, as the Base Adresse Nationale would."""

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        self.server.queries.append(parse_qs(urlparse(self.path).query))
        body = {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [2.8301, 50.4321]},
                    "properties": {"label": "12 Rue de Paris 62300 Lens", "score": 0.93, "type": "housenumber",
                                   "citycode": "62498", "postcode": "62300", "city": "Lens"},
                }
            ],
        }  # fmt: skip
        payload = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@pytest.fixture
def ban(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), BanStub)
    server.queries = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.CARTO_GEOCODER_URL = f"http://127.0.0.1:{server.server_port}"
    yield server
    server.shutdown()
    server.server_close()
