"""fetch_boundaries against a local HTTP server on 127.0.0.1 serving ../shared/data
(there is no internet on the test machines)."""

import re
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from carto.territories.fetch import FetchError, fetch_boundaries
from carto.territories.importer import import_territories
from carto.territories.manifest import load_manifest, sha256_of

QPV_CSV = "qpv/qpv2024_liste_par_commune.csv"


class MirrorHandler(SimpleHTTPRequestHandler):
    """Serves a folder with `Range: bytes=N-` support; can cut a transfer halfway or ignore ranges."""

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        server = self.server
        server.requests.append((self.path, self.headers.get("Range")))
        path = server.root / self.path.lstrip("/")
        if not path.is_file():
            self.send_error(404)
            return
        content = path.read_bytes()
        start = 0
        match = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range") or "")
        if match and not server.ignore_range:
            start = int(match.group(1))
            if start >= len(content):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(content)}")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(content) - 1}/{len(content)}")
        else:
            self.send_response(200)
        body = content[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if server.cut_after is not None:
            self.wfile.write(body[: server.cut_after])
            self.wfile.flush()
            server.cut_after = None
            self.close_connection = True
            return
        self.wfile.write(body)


@pytest.fixture
def mirror(data_dir):
    server = ThreadingHTTPServer(("127.0.0.1", 0), MirrorHandler)
    server.root = data_dir
    server.requests = []
    server.ignore_range = False
    server.cut_after = None
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_port}"
    yield server
    server.shutdown()
    server.server_close()


def test_downloads_and_verifies_every_file_then_imports_from_the_cache(mirror, tmp_path, db):
    out = StringIO()
    call_command("fetch_boundaries", mirror=mirror.url, cache_dir=str(tmp_path), stdout=out)
    manifest = load_manifest()
    refs = [ref for dataset in manifest.datasets.values() for ref in dataset.all_files()]
    for ref in refs:
        assert sha256_of(tmp_path / ref.file) == ref.sha256, ref.file
    assert f"Téléchargés : {len(refs)} fichier(s)" in out.getvalue()
    assert not list(tmp_path.rglob("*.part"))
    # The importer reads the cache as it reads ../shared/data.
    summary = import_territories(data_dir=tmp_path, departements=["09"], dry_run=True)
    assert summary.created["commune"] + summary.unchanged["commune"] == 325
    assert not summary.checksum_mismatches


def test_second_run_downloads_nothing(mirror, tmp_path):
    fetch_boundaries(datasets=["qpv_list"], mirror=mirror.url, cache_dir=tmp_path)
    mirror.requests.clear()
    summary = fetch_boundaries(datasets=["qpv_list"], mirror=mirror.url, cache_dir=tmp_path)
    assert summary.up_to_date == [QPV_CSV] and summary.downloaded == []
    assert mirror.requests == []


def test_interrupted_download_is_resumed_with_a_range_request(mirror, tmp_path):
    mirror.cut_after = 30_000
    with pytest.raises(
        FetchError, match=r"téléchargement interrompu.*relancez la commande pour reprendre"
    ):
        fetch_boundaries(datasets=["qpv_list"], mirror=mirror.url, cache_dir=tmp_path)
    partial = tmp_path / f"{QPV_CSV}.part"
    assert partial.stat().st_size == 30_000
    assert not (tmp_path / QPV_CSV).exists()
    summary = fetch_boundaries(datasets=["qpv_list"], mirror=mirror.url, cache_dir=tmp_path)
    assert summary.resumed == [QPV_CSV]
    assert mirror.requests[-1] == (f"/{QPV_CSV}", "bytes=30000-")
    assert summary.bytes == load_manifest().datasets["qpv_list"].file.bytes - 30_000
    assert sha256_of(tmp_path / QPV_CSV) == load_manifest().datasets["qpv_list"].file.sha256
    assert not partial.exists()


def test_server_ignoring_ranges_restarts_from_zero(mirror, tmp_path):
    partial = tmp_path / f"{QPV_CSV}.part"
    partial.parent.mkdir(parents=True)
    partial.write_bytes(b"x" * 1000)  # not even the right bytes: must not survive
    mirror.ignore_range = True
    summary = fetch_boundaries(datasets=["qpv_list"], mirror=mirror.url, cache_dir=tmp_path)
    assert summary.downloaded == [QPV_CSV] and summary.resumed == []
    assert sha256_of(tmp_path / QPV_CSV) == load_manifest().datasets["qpv_list"].file.sha256


def test_checksum_mismatch_leaves_nothing_in_place(mirror, tmp_path, data_dir):
    served = tmp_path / "served"
    (served / "qpv").mkdir(parents=True)
    original = (data_dir / QPV_CSV).read_bytes()
    (served / QPV_CSV).write_bytes(original.replace(b"Lens", b"Lans", 1))  # same size, other bytes
    mirror.root = served
    cache = tmp_path / "cache"
    with pytest.raises(
        CommandError, match=r"qpv2024_liste_par_commune\.csv : somme de contrôle invalide"
    ):
        call_command(
            "fetch_boundaries", datasets=["qpv_list"], mirror=mirror.url, cache_dir=str(cache)
        )
    assert not (cache / QPV_CSV).exists()
    assert not (cache / f"{QPV_CSV}.part").exists()


def test_a_corrupted_cached_file_is_downloaded_again(mirror, tmp_path, data_dir):
    (tmp_path / "qpv").mkdir()
    shutil.copyfile(data_dir / QPV_CSV, tmp_path / QPV_CSV)
    with (tmp_path / QPV_CSV).open("r+b") as handle:
        handle.write(b"Z")
    summary = fetch_boundaries(datasets=["qpv_list"], mirror=mirror.url, cache_dir=tmp_path)
    assert summary.downloaded == [QPV_CSV]
    assert sha256_of(tmp_path / QPV_CSV) == load_manifest().datasets["qpv_list"].file.sha256


def test_missing_file_and_missing_mirror_are_named(mirror, tmp_path):
    mirror.root = tmp_path / "empty"
    with pytest.raises(FetchError, match=r"qpv2024_liste_par_commune\.csv : .* a répondu 404"):
        fetch_boundaries(datasets=["qpv_list"], mirror=mirror.url, cache_dir=tmp_path)
    with pytest.raises(FetchError, match="indiquez un miroir"):
        fetch_boundaries(datasets=["qpv_list"], mirror="", cache_dir=tmp_path)
    with pytest.raises(FetchError, match="--datasets : jeu\\(x\\) inconnu\\(s\\) cantons"):
        fetch_boundaries(datasets=["cantons"], mirror=mirror.url, cache_dir=tmp_path)


def test_a_file_of_another_size_is_refused_before_download(mirror, tmp_path, data_dir):
    served = tmp_path / "served"
    (served / "qpv").mkdir(parents=True)
    (served / QPV_CSV).write_bytes(
        (data_dir / QPV_CSV).read_bytes() + b"QN99999M,Nouveau,62498,Lens,62\n"
    )
    mirror.root = served
    with pytest.raises(
        FetchError, match=r"sert un fichier de 85528 octets, le manifeste en attend 85497"
    ):
        fetch_boundaries(datasets=["qpv_list"], mirror=mirror.url, cache_dir=tmp_path / "cache")
    assert not list((tmp_path / "cache").rglob("*.csv*"))
