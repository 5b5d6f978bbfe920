"""Downloading the manifest's files into the local cache (`fetch_boundaries`).

Each file is downloaded to `<cache>/<file>.part`, resumed with an HTTP Range
request when a partial download is there, and moved into place only once its
size and SHA-256 match the manifest: the cache never holds a file that is not
exactly the one the manifest describes.
"""

from __future__ import annotations

import http.client
import shutil
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from .manifest import FileRef, Manifest, load_manifest, sha256_of

CHUNK = 1 << 16
USER_AGENT = "carto-fetch-boundaries/1.0"


class FetchError(Exception):
    pass


@dataclass
class FetchSummary:
    downloaded: list[str] = field(default_factory=list)
    resumed: list[str] = field(default_factory=list)
    up_to_date: list[str] = field(default_factory=list)
    bytes: int = 0

    def lines(self) -> list[str]:
        return [
            f"Téléchargés : {len(self.downloaded)} fichier(s), {self.bytes / 1e6:.1f} Mo"
            + (f" (dont {len(self.resumed)} repris après interruption)" if self.resumed else ""),
            f"Déjà à jour : {len(self.up_to_date)} fichier(s)",
        ]


def source_url(ref: FileRef, mirror: str) -> str:
    if ref.url:
        return ref.url
    if not mirror:
        raise FetchError(
            f"{ref.file} : pas d'adresse de téléchargement dans le manifeste ; "
            "indiquez un miroir (--mirror URL ou CARTO_DATA_MIRROR)"
        )
    return f"{mirror.rstrip('/')}/{ref.file}"


def _no_progress(total: int, initial: int, description: str):
    class Silent:
        def update(self, n):
            pass

        def close(self):
            pass

    return Silent()


def fetch_file(
    ref: FileRef, url: str, cache_dir: Path, progress: Callable = _no_progress, timeout: float = 60
) -> tuple[str, int]:
    """Download one file into the cache. Returns (state, bytes transferred), state being
    'up_to_date', 'downloaded' or 'resumed'."""
    target = cache_dir / ref.file
    if target.is_file() and target.stat().st_size == ref.bytes and sha256_of(target) == ref.sha256:
        return "up_to_date", 0
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    offset = partial.stat().st_size if partial.is_file() else 0
    if offset > ref.bytes:
        partial.unlink()
        offset = 0
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    if offset:
        request.add_header("Range", f"bytes={offset}-")
    transferred = 0
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            if offset and response.status != 206:
                offset = 0  # the server ignored the range: start again
            total = _announced_total(response, offset)
            if total is not None and total != ref.bytes:
                partial.unlink(missing_ok=True)
                raise FetchError(
                    f"{ref.file} : {url} sert un fichier de {total} octets, le manifeste en attend {ref.bytes} "
                    "(autre version du fichier ?)"
                )
            bar = progress(ref.bytes, offset, ref.file)
            with partial.open("ab" if offset else "wb") as handle:
                while block := response.read(CHUNK):
                    handle.write(block)
                    transferred += len(block)
                    bar.update(len(block))
            bar.close()
    except urllib.error.HTTPError as exc:
        if exc.code != 416 or not offset:  # 416: the partial file is already complete
            raise FetchError(f"{ref.file} : {url} a répondu {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
        raise _interrupted(ref, url, partial, str(exc)) from None
    size = partial.stat().st_size
    if size < ref.bytes:
        raise _interrupted(ref, url, partial, "connexion fermée avant la fin")
    digest = sha256_of(partial)
    if size != ref.bytes or digest != ref.sha256:
        partial.unlink()
        raise FetchError(
            f"{ref.file} : somme de contrôle invalide après téléchargement depuis {url} "
            f"({size} octets, sha256 {digest[:16]}… ; attendu {ref.bytes} octets, sha256 {ref.sha256[:16]}…). "
            "Fichier supprimé."
        )
    shutil.move(partial, target)
    return ("resumed" if offset else "downloaded"), transferred


def _announced_total(response, offset: int) -> int | None:
    """The whole file's size as the server announces it (Content-Range, else Content-Length)."""
    content_range = response.headers.get("Content-Range", "")
    if offset and "/" in content_range and not content_range.endswith("/*"):
        return int(content_range.rsplit("/", 1)[1])
    length = response.headers.get("Content-Length")
    return int(length) + offset if length and length.isdigit() else None


def _interrupted(ref: FileRef, url: str, partial: Path, reason: str) -> FetchError:
    kept = partial.stat().st_size if partial.exists() else 0
    return FetchError(
        f"{ref.file} : téléchargement interrompu depuis {url} ({reason}) ; "
        f"relancez la commande pour reprendre ({kept} octets sur {ref.bytes} gardés)"
    )


def fetch_boundaries(
    datasets: Iterable[str] | None = None,
    mirror: str | None = None,
    cache_dir: Path | None = None,
    manifest: Manifest | None = None,
    progress: Callable = _no_progress,
    log: Callable[[str], None] = lambda message: None,
) -> FetchSummary:
    manifest = manifest or load_manifest()
    mirror = settings.CARTO_DATA_MIRROR if mirror is None else mirror
    cache_dir = Path(cache_dir or settings.CARTO_CACHE_DIR)
    names = list(datasets or manifest.datasets)
    unknown = [name for name in names if name not in manifest.datasets]
    if unknown:
        raise FetchError(
            f"--datasets : jeu(x) inconnu(s) {', '.join(unknown)} (connus : {', '.join(manifest.datasets)})"
        )
    summary = FetchSummary()
    for name in names:
        for ref in manifest.datasets[name].all_files():
            url = source_url(ref, mirror)
            state, transferred = fetch_file(ref, url, cache_dir, progress)
            log(f"{ref.file} : {'à jour' if state == 'up_to_date' else 'téléchargé'}")
            if state == "up_to_date":
                summary.up_to_date.append(ref.file)
            else:
                summary.downloaded.append(ref.file)
                summary.bytes += transferred
                if state == "resumed":
                    summary.resumed.append(ref.file)
    return summary
