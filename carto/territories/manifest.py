"""The manifest of official boundary sources (data/boundaries/manifest.toml), and the
départements an import covers.

Design choice: an import's scope is named, not only listed. `all` (the default, from
CARTO_DEPARTEMENTS) means every département the communes table holds, overseas
included where the files have them, read from that table rather than from a hard-coded
list; `demo` means the manifest's demonstration territory (Hauts-de-France and Ariège),
which the tests use; anything else is a comma-separated list of codes."""

import csv
import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from .codes import CODE_DESCRIPTIONS, Kind, is_valid_code

ALL = "all"
DEMO = "demo"


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


@dataclass(frozen=True)
class DepartementScope:
    """The départements an import covers; `everything` when it is all of them."""

    codes: tuple[str, ...]
    everything: bool

    @property
    def filter(self) -> list[str] | None:
        """What the directory importers take: None when nothing is left out."""
        return None if self.everything else list(self.codes)


def _split(value) -> list[str]:
    items = value.split(",") if isinstance(value, str) else list(value)
    return [item.strip() for item in items if item and item.strip()]


def departements_of_table(manifest: Manifest, data_dir: Path | None = None) -> tuple[str, ...]:
    """Every département code of the communes table (the whole of France it covers)."""
    dataset = manifest.datasets["communes_table"]
    path = Path(data_dir or settings.CARTO_DATA_DIR) / dataset.file.file
    column = dataset.fields["departement"]
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            codes = {row[column].strip().upper() for row in csv.DictReader(handle)}
    except OSError as exc:
        raise ManifestError(
            f"{path} : fichier introuvable ou illisible (CARTO_DATA_DIR) ; il donne la liste "
            f"des départements de « --departements all » ({exc.strerror or exc})"
        ) from None
    except KeyError:
        raise ManifestError(f"{path} : colonne « {column} » absente") from None
    return tuple(sorted(code for code in codes if code))


def resolve_departements(
    requested=None, manifest: Manifest | None = None, data_dir: Path | None = None
) -> DepartementScope:
    """The scope `--departements` names: `all`, `demo`, or codes separated by commas
    (default: the CARTO_DEPARTEMENTS setting, itself `all` by default)."""
    manifest = manifest or load_manifest()
    items = _split(requested) if requested else _split(settings.CARTO_DEPARTEMENTS)
    words = [item.lower() for item in items]
    if ALL in words:
        if len(items) > 1:
            raise ManifestError("--departements : « all » se donne seul (tous les départements)")
        return DepartementScope(departements_of_table(manifest, data_dir), everything=True)
    if words == [DEMO]:
        items = list(manifest.default_departements)
    codes = sorted({item.upper() for item in items})
    bad = [code for code in codes if not is_valid_code(Kind.DEPARTEMENT, code)]
    if bad or not codes:
        raise ManifestError(
            f"--departements : code(s) de département invalide(s) {', '.join(bad) or '(aucun)'} "
            f"(attendu : {CODE_DESCRIPTIONS[Kind.DEPARTEMENT]}, séparés par des virgules, "
            f"ou « all », ou « demo »)"
        )
    return DepartementScope(tuple(codes), everything=False)
