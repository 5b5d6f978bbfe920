"""The manifest of official boundary sources (data/boundaries/manifest.toml)."""

import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from .codes import Kind


class ManifestError(Exception):
    pass


@dataclass(frozen=True)
class FileRef:
    """A file of the manifest: its path relative to the data folder, size and checksum."""

    file: str
    bytes: int
    sha256: str
    url: str = ""
    departements: tuple[str, ...] = ()


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    kind: str
    file: FileRef
    format: str
    vintage: str
    publisher: str
    licence: str
    official_url: str
    snapshot: str
    fields: dict[str, str]
    role: str = "outlines"
    extracts: tuple[FileRef, ...] = ()
    code_aliases: dict[str, str] = field(default_factory=dict)
    skip_codes: dict[str, str] = field(default_factory=dict)  # code -> why it is left out

    def file_for(self, departements: set[str]) -> FileRef:
        """The smallest file that holds every requested département (an extract, or the whole)."""
        for extract in sorted(self.extracts, key=lambda ref: ref.bytes):
            if departements and departements <= set(extract.departements):
                return extract
        return self.file

    def all_files(self) -> list[FileRef]:
        return [self.file, *self.extracts]


@dataclass(frozen=True)
class Manifest:
    path: Path
    datasets: dict[str, Dataset]
    licences: dict[str, dict[str, str]]
    default_departements: tuple[str, ...]


def _file_ref(entry: dict, where: str) -> FileRef:
    try:
        return FileRef(
            file=entry["file"],
            bytes=int(entry["bytes"]),
            sha256=entry["sha256"].lower(),
            url=entry.get("url", ""),
            departements=tuple(entry.get("departements", ())),
        )
    except KeyError as exc:
        raise ManifestError(f"{where}: champ obligatoire manquant « {exc.args[0]} »") from None


def load_manifest(path: Path | None = None) -> Manifest:
    path = Path(path or settings.CARTO_BOUNDARIES_MANIFEST)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ManifestError(f"{path}: manifeste illisible ({exc})") from exc
    licences = raw.get("licences", {})
    datasets = {}
    for name, entry in raw.get("datasets", {}).items():
        where = f"{path.name} [datasets.{name}]"
        missing = {"title", "kind", "format", "vintage", "licence", "fields"} - entry.keys()
        if missing:
            raise ManifestError(
                f"{where}: champs obligatoires manquants : {', '.join(sorted(missing))}"
            )
        if entry["kind"] not in Kind.values:
            raise ManifestError(f"{where}: type de territoire inconnu « {entry['kind']} »")
        if entry["licence"] not in licences:
            raise ManifestError(
                f"{where}: licence « {entry['licence']} » non décrite dans [licences]"
            )
        datasets[name] = Dataset(
            name=name,
            title=entry["title"],
            kind=entry["kind"],
            file=_file_ref(entry, where),
            format=entry["format"],
            vintage=str(entry["vintage"]),
            publisher=entry.get("publisher", ""),
            licence=entry["licence"],
            official_url=entry.get("official_url", ""),
            snapshot=entry.get("snapshot", ""),
            fields=dict(entry["fields"]),
            role=entry.get("role", "outlines"),
            extracts=tuple(
                _file_ref(extract, f"{where} extracts") for extract in entry.get("extracts", ())
            ),
            code_aliases=dict(entry.get("code_aliases", {})),
            skip_codes=dict(entry.get("skip_codes", {})),
        )
    return Manifest(
        path=path,
        datasets=datasets,
        licences=licences,
        default_departements=tuple(raw.get("defaults", {}).get("departements", ())),
    )


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()
