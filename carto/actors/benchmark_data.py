"""Synthetic actors at national scale, for benchmarks and for trying carto with a million
entries (`manage.py generate_benchmark_data`, `bench/generate.py`).

Design choices:
- placement follows people: each loaded commune gets a number of actors in proportion
  to its population, by largest remainder (the total is exact, a commune's share is off
  by less than one), and each point is drawn uniformly inside the commune's outline by
  rejection sampling (numpy draws in the bounding box, shapely's prepared
  `contains_xy` keeps the points inside, a few vectorised rounds for all communes at
  once). Measured at 1 000 000 points over the 34 867 communes of France: 1.3 s
  (reading the outlines included), against 1.7 s for PostGIS `ST_GeneratePoints`, and
  the points then travel with the rest of the row in one COPY. The same seed gives the
  same actors;
- territory codes come from the commune each point was drawn in (its EPCI, bassin de
  vie, département, région), as `attach_actors` takes them from a known commune code:
  no point-in-polygon over France. Only the QPV need geometry, and only for the points
  of the few communes near a QPV outline (sql/benchmark.sql);
- kinds, themes and publics follow the table below (`KINDS`), not the loaded directory:
  its national files hold only institutional networks (15 000 médiathèques, 2 800
  France services… and every town hall as a host place), no association, whereas a
  directory of a million is mostly associations, as the RNA is. Themes and publics are
  drawn per kind, without replacement, by weight (Gumbel top-k, vectorised);
- loading is one transaction: the previous synthetic actors go (a rerun replaces them,
  `source = "benchmark"` tells them apart; no other row is touched), the new rows are
  COPYed into a temporary table then written by one INSERT … SELECT, the directory's
  change is announced (the derived tables follow by the task queue), and nothing is
  half-written on error. Bulk SQL bypasses django-simple-history on purpose: synthetic
  actors have no history rows;
- a large write (BULK_ROWS rows or more, outnumbering the actors that stay) follows
  PostgreSQL's « Populating a Database »: inside the transaction, which holds an
  exclusive lock on actors_actor, its indexes (but those behind a constraint) and the
  foreign keys from and to it are dropped, then re-created under the same names and
  definitions once the rows are in: an index built at once costs less than a million
  insertions into it, and a re-created key is checked in one join instead of row by row.
  Measured at 1 000 000 actors on all of France: 87 s of CPU against 121 s when every
  index is maintained (bench/README.md). A small write maintains them;
- what points at a synthetic actor follows the model's `on_delete` when it goes (a
  duplicate flag or an organiser set to NULL, its sources and stops deleted), one query
  per relation rather than Django's collector, which would load every actor;
- the search trigger runs on every row (about 19 µs each, the largest cost after the
  index builds): the description is kept to two words.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import shapely
from django.db import connection, transaction

from carto.territories.codes import search_key

from .services import analyze_directory
from .sql import load_queries

SOURCE = "benchmark"
DEFAULT_SEED = 20_240_601
# Short: the search trigger stems every word of every row (each word costs at a million).
DESCRIPTION = "Acteur fictif."
COPY_CHUNK = 50_000  # rows per write into the COPY stream
BULK_ROWS = 50_000  # rows written from which indexes and foreign keys are rebuilt, not maintained
MAINTENANCE_WORK_MEM = 256 * 1024 * 1024  # bytes, for the index builds of a bulk write
COORDINATE_DECIMALS = 7  # about 1 cm: a point is tested inside its commune as written
MAX_ROUNDS = 60  # rejection rounds before the last few points fall on ST_PointOnSurface


class GenerationError(Exception):
    """Nothing was generated nor removed: the message says why, in French."""


class NoCommunes(GenerationError):
    """No commune with an outline is loaded (in the départements asked for)."""


@dataclass(frozen=True)
class KindProfile:
    """How the actors of one kind look: their share, themes, publics and names."""

    slug: str
    per_million: int  # actors of this kind in a directory of one million (0: the rest)
    themes: dict[str, float]  # weights; each actor gets `theme_count` distinct ones
    theme_count: tuple[int, int]
    publics: dict[str, float]
    public_count: tuple[int, int]
    names: dict[str, tuple[str, ...]]  # by first theme ("*": any), before « de <commune> »
    opening_hours: str = ""  # OpenStreetMap syntax


_FAMILY_PUBLICS = {"tous-publics": 3, "familles": 3, "enfants": 2, "jeunes": 2, "seniors": 1}

# Per million actors, orders of magnitude of the national counts: the shared data's
# national files where they are complete (France services 2 843, bibliothèques 15 410),
# the networks' own figures otherwise (Caf SENACS: about 2 300 centres sociaux and
# 1 400 espaces de vie sociale; France Tiers-Lieux: about 3 500 tiers-lieux; MJC de
# France: about 1 100; one conseil citoyen for most QPV), rough guesses for the rest.
# Associations take what is left (about 95 %): the RNA counts some 1.5 million active
# associations. No collectivité: town halls come from the real directory, as host places.
KINDS: tuple[KindProfile, ...] = (
    KindProfile(
        "association",
        0,
        {"vacances-loisirs": 30, "culture": 22, "solidarite-precarite": 8, "citoyennete": 7,
         "sante": 5, "education": 5, "jeunesse": 5, "environnement": 4, "parentalite": 3,
         "intergenerationnel": 3, "insertion-emploi": 2, "acces-aux-droits": 1,
         "discriminations": 1, "logement": 1, "mobilite": 0.5, "numerique": 0.5},
        (1, 2),
        {"tous-publics": 50, "jeunes": 12, "enfants": 8, "seniors": 8, "familles": 8,
         "adultes": 6, "personnes-precaires": 3, "femmes": 2, "personnes-handicapees": 2,
         "demandeurs-emploi": 0.5, "personnes-migrantes": 0.5},
        (1, 2),
        {
            "vacances-loisirs": ("Association sportive", "Union sportive", "Football club",
                                 "Tennis club", "Club de randonnée", "Comité des fêtes",
                                 "Club de l’amitié", "Judo club", "Cyclo-club", "Amicale bouliste"),
            "culture": ("Association culturelle", "Harmonie municipale", "Chorale",
                        "Troupe de théâtre", "Les Amis du patrimoine", "Société d’histoire locale",
                        "École de musique associative", "Atelier d’arts plastiques"),
            "solidarite-precarite": ("Association d’entraide", "Épicerie solidaire",
                                     "Vestiaire solidaire", "Collectif de solidarité"),
            "citoyennete": ("Association des habitants", "Collectif citoyen", "Comité de quartier"),
            "sante": ("Association des donneurs de sang", "Association de prévention santé",
                      "Sport santé"),
            "education": ("Association des parents d’élèves", "Amicale laïque",
                          "Association de soutien scolaire"),
            "jeunesse": ("Foyer des jeunes", "Junior association", "Association jeunesse"),
            "environnement": ("Jardins partagés", "Association de protection de la nature",
                              "Collectif zéro déchet"),
            "parentalite": ("Association des familles", "Lieu d’accueil enfants-parents"),
            "intergenerationnel": ("Club des aînés", "Association intergénérationnelle"),
            "insertion-emploi": ("Association intermédiaire", "Chantier d’insertion"),
            "acces-aux-droits": ("Association d’aide aux démarches", "Point d’accès au droit"),
            "discriminations": ("Association pour l’égalité", "Collectif contre les discriminations"),
            "logement": ("Association de locataires", "Collectif logement"),
            "mobilite": ("Atelier vélo", "Association de covoiturage"),
            "numerique": ("Club informatique", "Association numérique pour tous"),
        },
    ),
    KindProfile(
        "centre-social",
        2_300,
        {"parentalite": 3, "jeunesse": 3, "citoyennete": 2, "solidarite-precarite": 2,
         "intergenerationnel": 2, "vacances-loisirs": 2, "education": 2, "numerique": 1,
         "acces-aux-droits": 1, "culture": 1},
        (3, 5),
        _FAMILY_PUBLICS,
        (2, 4),
        {"*": ("Centre social", "Centre socioculturel", "Centre social et culturel")},
        "Mo-Fr 09:00-12:00,13:30-18:00",
    ),
    KindProfile(
        "espace-de-vie-sociale",
        1_400,
        {"parentalite": 3, "citoyennete": 2, "intergenerationnel": 2, "vacances-loisirs": 2,
         "solidarite-precarite": 1, "culture": 1},
        (2, 4),
        _FAMILY_PUBLICS,
        (2, 3),
        {"*": ("Espace de vie sociale", "Maison des familles")},
        "Mo-Fr 09:00-12:00,14:00-17:00",
    ),
    KindProfile(
        "tiers-lieu",
        3_500,
        {"numerique": 3, "culture": 2, "insertion-emploi": 2, "environnement": 2, "citoyennete": 1},
        (1, 3),
        {"tous-publics": 3, "adultes": 2, "demandeurs-emploi": 1, "jeunes": 1},
        (1, 2),
        {"*": ("Tiers-lieu", "Fablab", "La Fabrique", "Espace de coworking")},
        "Mo-Fr 09:00-18:00",
    ),
    KindProfile(
        "conseil-citoyen",
        1_100,
        {"citoyennete": 5, "logement": 1, "discriminations": 1},
        (1, 2),
        {"tous-publics": 1},
        (1, 1),
        {"*": ("Conseil citoyen",)},
    ),
    KindProfile(
        "fabrique-initiatives-citoyennes",
        100,
        {"citoyennete": 4, "solidarite-precarite": 1, "culture": 1},
        (1, 3),
        {"tous-publics": 3, "jeunes": 1},
        (1, 2),
        {"*": ("Fabrique d’initiatives citoyennes",)},
    ),
    KindProfile(
        "france-services",
        2_800,
        {"acces-aux-droits": 5, "numerique": 3, "insertion-emploi": 1},
        (2, 3),
        {"tous-publics": 3, "seniors": 1, "personnes-precaires": 1, "demandeurs-emploi": 1},
        (1, 3),
        {"*": ("France services", "Maison France services")},
        "Mo-Fr 09:00-12:00,13:30-17:00",
    ),
    KindProfile(
        "mediation-numerique",
        5_000,
        {"numerique": 5, "acces-aux-droits": 2, "insertion-emploi": 1, "education": 1},
        (1, 3),
        {"tous-publics": 3, "seniors": 2, "demandeurs-emploi": 1, "jeunes": 1},
        (1, 3),
        {"*": ("Espace public numérique", "Point numérique", "Atelier numérique")},
        "Mo-Fr 09:00-12:00,14:00-17:00",
    ),
    KindProfile(
        "maison-de-quartier",
        2_000,
        {"citoyennete": 2, "jeunesse": 2, "vacances-loisirs": 2, "culture": 1, "parentalite": 1,
         "solidarite-precarite": 1},
        (2, 4),
        {"tous-publics": 3, "familles": 2, "jeunes": 2, "enfants": 1},
        (1, 3),
        {"*": ("Maison de quartier", "Maison pour tous")},
        "Mo-Fr 09:00-12:00,14:00-18:00",
    ),
    KindProfile(
        "mjc",
        1_100,
        {"jeunesse": 4, "culture": 3, "vacances-loisirs": 3, "education": 1, "citoyennete": 1},
        (2, 3),
        {"jeunes": 4, "enfants": 2, "tous-publics": 2, "adultes": 1},
        (1, 3),
        {"*": ("MJC", "Maison des jeunes et de la culture")},
        "Mo-Fr 14:00-19:00; Sa 10:00-17:00",
    ),
    KindProfile(
        "mediatheque",
        15_400,
        {"culture": 5, "education": 2, "numerique": 2, "jeunesse": 1},
        (1, 3),
        {"tous-publics": 5, "enfants": 2, "jeunes": 1, "seniors": 1},
        (1, 2),
        {"*": ("Médiathèque", "Bibliothèque municipale", "Point lecture")},
        "Tu,Th,Fr 14:00-18:00; We,Sa 10:00-12:00,14:00-18:00",
    ),
    KindProfile(
        "pimms",
        100,
        {"acces-aux-droits": 5, "numerique": 2, "solidarite-precarite": 2, "mobilite": 1},
        (2, 3),
        {"personnes-precaires": 3, "tous-publics": 2, "seniors": 1, "personnes-migrantes": 1},
        (1, 3),
        {"*": ("Point information médiation multi-services",)},
        "Mo-Fr 08:30-12:30,13:30-17:00",
    ),
    KindProfile(
        "autre",
        10_000,
        {"insertion-emploi": 3, "environnement": 2, "solidarite-precarite": 2, "logement": 1,
         "sante": 1, "mobilite": 1},
        (1, 2),
        {"tous-publics": 3, "demandeurs-emploi": 1, "personnes-precaires": 1},
        (1, 2),
        {"*": ("Régie de quartier", "Ressourcerie", "Coopérative d’habitants", "Fondation")},
    ),
)  # fmt: skip

STREETS = (
    "rue de la République", "rue Victor Hugo", "rue Jean Jaurès", "place de la Mairie",
    "Grande Rue", "rue de l’Église", "avenue de la Gare", "rue Pasteur", "rue du Moulin",
    "rue des Écoles", "place du Marché", "rue Gambetta", "chemin des Vignes",
    "avenue du Général de Gaulle", "rue de la Paix", "rue du Stade", "allée des Tilleuls",
    "rue Jules Ferry", "boulevard de la Liberté", "rue des Jardins",
)  # fmt: skip


def kind_shares() -> dict[str, float]:
    """The share of each kind (they sum to 1): KINDS' counts per million, associations the rest."""
    fixed = {kind.slug: kind.per_million / 1_000_000 for kind in KINDS if kind.per_million}
    rest = 1 - sum(fixed.values())
    return {kind.slug: fixed.get(kind.slug, rest) for kind in KINDS}


@dataclass
class Communes:
    """The loaded communes actors are placed in, ordered by code (parallel arrays)."""

    ids: np.ndarray
    codes: list[str]
    names: list[str]
    populations: np.ndarray
    geoms: np.ndarray  # shapely geometries, prepared

    def __len__(self) -> int:
        return len(self.ids)


def load_communes(departements: Iterable[str] | None = None) -> Communes:
    """Communes with an outline (of these départements), their population (0 when
    unknown) and outline, from territories_territory."""
    departements = sorted(set(departements or []))
    with connection.cursor() as cursor:
        cursor.execute(
            load_queries("benchmark.sql")["communes"], {"departements": departements or None}
        )
        rows = cursor.fetchall()
    if not rows:
        where = f" dans les départements {', '.join(departements)}" if departements else ""
        raise NoCommunes(
            f"Aucune commune chargée{where} : chargez d’abord les territoires avec "
            "« python manage.py import_territories » (par exemple --departements all)."
        )
    geoms = shapely.from_wkb([bytes(row[4]) for row in rows])
    shapely.prepare(geoms)
    return Communes(
        ids=np.array([row[0] for row in rows], dtype=np.int64),
        codes=[row[1] for row in rows],
        names=[row[2] for row in rows],
        populations=np.array([row[3] for row in rows], dtype=np.int64),
        geoms=geoms,
    )


def allocate(populations: np.ndarray, total: int) -> np.ndarray:
    """`total` split in proportion to `populations` by largest remainder: integers that sum
    to `total` exactly, each within one of its exact quota. Ties go to the first."""
    populations = np.asarray(populations, dtype=np.int64)
    population = int(populations.sum())
    if population <= 0:
        raise NoCommunes("Les communes chargées n’ont pas de population : rien à répartir.")
    quotas = populations * total  # exact integers: 70 million × 10 million fits in int64
    counts = quotas // population
    left = total - int(counts.sum())
    if left:
        largest = np.argsort(-(quotas % population), kind="stable")[:left]
        counts[largest] += 1
    return counts


def sample_points(
    geoms: np.ndarray, counts: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`counts[i]` points uniformly inside `geoms[i]` (prepared), for all at once.

    Returns (index of the geometry, lon, lat), sorted by geometry index. Coordinates are
    rounded to COORDINATE_DECIMALS before the test, so a point is inside as written."""
    bounds = shapely.bounds(geoms)
    box_area = (bounds[:, 2] - bounds[:, 0]) * (bounds[:, 3] - bounds[:, 1])
    fill = np.clip(shapely.area(geoms) / np.where(box_area > 0, box_area, 1), 1e-4, 1)
    need = np.asarray(counts, dtype=np.int64).copy()
    found_index, found_lon, found_lat = [], [], []
    for _ in range(MAX_ROUNDS):
        if not need.any():
            break
        # Enough draws in the box for the expected hit rate, plus a margin.
        draws = np.where(need > 0, np.ceil(need / fill * 1.1).astype(np.int64) + 2, 0)
        index = np.repeat(np.arange(len(geoms)), draws)
        lon = np.round(rng.uniform(bounds[index, 0], bounds[index, 2]), COORDINATE_DECIMALS)
        lat = np.round(rng.uniform(bounds[index, 1], bounds[index, 3]), COORDINATE_DECIMALS)
        inside = shapely.contains_xy(geoms[index], lon, lat)
        index, lon, lat = index[inside], lon[inside], lat[inside]
        # Keep at most `need` hits per geometry: their rank among its hits (index is sorted).
        first = np.searchsorted(index, np.arange(len(geoms)))
        keep = (np.arange(len(index)) - first[index]) < need[index]
        found_index.append(index[keep])
        found_lon.append(lon[keep])
        found_lat.append(lat[keep])
        need -= np.bincount(index[keep], minlength=len(geoms))
    if need.any():  # a sliver after MAX_ROUNDS: its representative point, inside by definition
        rest = np.repeat(np.arange(len(geoms)), need)
        surface = shapely.point_on_surface(geoms[rest])
        found_index.append(rest)
        found_lon.append(shapely.get_x(surface))
        found_lat.append(shapely.get_y(surface))
    index = np.concatenate(found_index)
    order = np.argsort(index, kind="stable")
    return index[order], np.concatenate(found_lon)[order], np.concatenate(found_lat)[order]


def weighted_picks(weights: np.ndarray, counts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """For each row of `weights` (one row per item), `counts[i]` distinct columns drawn
    without replacement in proportion to the weights (Gumbel top-k). Returns a matrix
    of column indices, first pick first, -1 past each row's count."""
    with np.errstate(divide="ignore"):
        keys = np.log(weights) + rng.gumbel(size=weights.shape)
    width = int(counts.max())
    top = np.argpartition(-keys, width - 1, axis=1)[:, :width]
    order = np.argsort(-np.take_along_axis(keys, top, axis=1), axis=1, kind="stable")
    picks = np.take_along_axis(top, order, axis=1)
    picks[np.arange(width)[None, :] >= counts[:, None]] = -1
    return picks


def _distinct_rows(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of a small-valued integer matrix (values from -1), and the index
    of each row among them: np.unique on one integer key per row (axis=0 sorts far slower)."""
    base = int(matrix.max()) + 2
    key = ((matrix + 1) * base ** np.arange(matrix.shape[1])).sum(axis=1)
    _keys, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    return matrix[first], inverse.reshape(-1)


def _of_commune(name: str) -> str:
    """« de Lens », « d’Arras »: the complement that ends an actor's name."""
    return f"d’{name}" if name[:1].upper() in "AEIOUYÂÉÈÊÎÏÔÛ" else f"de {name}"


def _copy_text(value: str) -> str:
    """A value for COPY's text format (backslash, tab and line breaks escaped)."""
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


def _pg_array(slugs_: list[str], row) -> str:
    return "{" + ",".join(slugs_[i] for i in row if i >= 0) + "}"


@dataclass
class Actors:
    """The drawn actors, as the text of a COPY into the staging table, in chunks."""

    count: int
    kinds: np.ndarray  # index into KINDS, per actor
    chunks: list[bytes]


def draw_actors(communes: Communes, total: int, rng: np.random.Generator) -> Actors:
    """`total` actors placed in `communes` by population, with kinds, themes, publics,
    names and addresses drawn as KINDS says, formatted for COPY."""
    from .taxonomy import PUBLICS, THEMES, slugs

    counts = allocate(communes.populations, total)
    commune, lon, lat = sample_points(communes.geoms, counts, rng)

    shares = kind_shares()
    kinds = rng.choice(len(KINDS), size=total, p=[shares[kind.slug] for kind in KINDS])
    theme_slugs, public_slugs = slugs(THEMES), slugs(PUBLICS)
    themes = _draw_terms(kinds, theme_slugs, "themes", "theme_count", rng)
    publics = _draw_terms(kinds, public_slugs, "publics", "public_count", rng)
    # One text per distinct (kind, themes, publics): « kind\t{…}\t{…}\t », hours at the end.
    profiles, profile_of = _distinct_rows(np.column_stack([kinds, themes, publics]))
    width = themes.shape[1]
    profile_text = [
        f"{KINDS[row[0]].slug}\t{_pg_array(theme_slugs, row[1 : 1 + width])}\t"
        f"{_pg_array(public_slugs, row[1 + width :])}\t"
        for row in profiles.tolist()
    ]
    hours = [_copy_text(KINDS[row[0]].opening_hours) for row in profiles.tolist()]

    # Names: a pattern of the kind (by first theme for associations) + « de <commune> ».
    # group[kind, first theme] = (first pattern, number of patterns).
    patterns, group = [], np.zeros((len(KINDS), len(theme_slugs), 2), dtype=np.int64)
    for k, kind in enumerate(KINDS):
        # « * » first (every theme), then the patterns of a given first theme over it.
        for theme, names in sorted(kind.names.items(), key=lambda item: item[0] != "*"):
            columns = slice(None) if theme == "*" else theme_slugs.index(theme)
            group[k, columns] = (len(patterns), len(names))
            patterns.extend(names)
    first, size = group[kinds, themes[:, 0]].T
    pattern = first + (rng.random(total) * size).astype(np.int64)
    address = rng.integers(len(STREETS) * 120, size=total)  # number 1-120 and street

    pattern_text = [_copy_text(p) for p in patterns]
    pattern_key = [search_key(p) for p in patterns]
    # search_key works word by word: the key of « A de B » is key(A) + " " + key(de B).
    commune_text = [
        (f"{id_}\t", _copy_text(_of_commune(name)), search_key(_of_commune(name)))
        for id_, name in zip(communes.ids.tolist(), communes.names, strict=True)
    ]
    addresses = [f"{number} {_copy_text(street)}" for street in STREETS for number in range(1, 121)]

    rows = zip(
        commune.tolist(), map(repr, lon.tolist()), map(repr, lat.tolist()),
        profile_of.tolist(), pattern.tolist(), address.tolist(), strict=True,
    )  # fmt: skip
    chunks, lines = [], []
    for n, (c, x, y, p, a, ad) in enumerate(rows, start=1):
        commune_id, of_commune, of_commune_key = commune_text[c]
        lines.append(
            f"{n}\t{commune_id}{x}\t{y}\t{profile_text[p]}{pattern_text[a]} {of_commune}\t"
            f"{pattern_key[a]} {of_commune_key}\t{addresses[ad]}\t{hours[p]}\n"
        )
        if len(lines) == COPY_CHUNK or n == total:
            chunks.append("".join(lines).encode())
            lines.clear()
    return Actors(count=total, kinds=kinds, chunks=chunks)


def _draw_terms(kinds, slugs_, weights_attr, count_attr, rng) -> np.ndarray:
    """Themes (or publics) of each actor, by its kind's weights and count range."""
    weights = np.array(
        [[getattr(kind, weights_attr).get(slug, 0) for slug in slugs_] for kind in KINDS],
        dtype=np.float64,
    )
    low = np.array([getattr(kind, count_attr)[0] for kind in KINDS])
    high = np.array([getattr(kind, count_attr)[1] for kind in KINDS])
    counts = rng.integers(low[kinds], high[kinds] + 1)
    width = int(high.max())
    picks = np.full((len(kinds), width), -1, dtype=np.int64)
    for start in range(0, len(kinds), 200_000):  # bounded memory: 200 000 × terms floats
        part = slice(start, start + 200_000)
        drawn = weighted_picks(weights[kinds[part]], counts[part], rng)
        picks[part, : drawn.shape[1]] = drawn
    return picks


@dataclass
class Report:
    """What a generation did, for the command's output (timings in seconds)."""

    actors: int = 0
    removed: int = 0
    communes: int = 0
    population: int = 0
    departements: list[str] = field(default_factory=list)
    qpv_in: int = 0
    qpv_near: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    bulk: bool = False  # indexes and foreign keys rebuilt rather than maintained row by row
    indexes: dict[str, float] = field(default_factory=dict)  # seconds to build each, in bulk
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def copy_rate(self) -> float:
        """Rows per second of the COPY step."""
        seconds = self.timings.get("copy", 0)
        return self.actors / seconds if seconds else 0.0

    @property
    def total_seconds(self) -> float:
        return sum(self.timings.values())


class ReferencedActors(GenerationError):
    """Rows that protect synthetic actors from deletion point at them."""


@contextmanager
def _timed(report: Report, step: str, log: Callable[[str], None], message: str):
    log(message)
    started = time.perf_counter()
    yield
    report.timings[step] = report.timings.get(step, 0) + time.perf_counter() - started


def generate(
    count: int,
    seed: int = DEFAULT_SEED,
    departements: Iterable[str] | None = None,
    log: Callable[[str], None] = lambda message: None,
    bulk: bool | None = None,
) -> Report:
    """Replace the synthetic actors by `count` new ones, placed in the loaded communes (of
    these départements) by population, with their territory codes, in one transaction;
    then announce the change and refresh the planner's statistics.

    `bulk` (None: decided by size, see `_is_bulk`) drops the indexes and foreign keys of
    actors_actor for the write and builds them again after it. Raises NoCommunes when no
    commune is loaded. Returns what was done, timed by step."""
    report = Report(departements=sorted(set(departements or [])))
    rng = np.random.default_rng(seed)
    with _timed(report, "communes", log, "Lecture des communes chargées"):
        communes = load_communes(report.departements)
        report.communes = len(communes)
        report.population = int(communes.populations.sum())
        _check_kinds()
    with _timed(report, "draw", log, f"Tirage de {count} acteurs dans leurs communes"):
        actors = draw_actors(communes, count, rng)
        report.kinds = {
            KINDS[k].slug: int(n)
            for k, n in enumerate(np.bincount(actors.kinds, minlength=len(KINDS)))
        }
    queries = load_queries("benchmark.sql")
    with transaction.atomic(), connection.cursor() as cursor:
        _session_settings(cursor)
        report.bulk = _is_bulk(cursor, queries, count) if bulk is None else bulk
        with _timed(report, "clear", log, "Suppression des acteurs fictifs précédents"):
            _release_references()
            if report.bulk:
                rebuild = _drop_for_bulk_write(cursor, queries, report.indexes)
            report.removed = _delete(cursor, queries)
        with _timed(report, "copy", log, "COPY dans la table de transit"):
            cursor.execute(queries["create_staging"])
            with cursor.cursor.copy(queries["copy_staging"]) as copy:
                for chunk in actors.chunks:
                    copy.write(chunk)
        with _timed(report, "qpv", log, "QPV des points proches d’un contour de QPV"):
            cursor.execute("ANALYZE benchmark_staging")
            cursor.execute(queries["attach_qpv"])
            cursor.execute(queries["qpv_counts"])
            report.qpv_in, report.qpv_near = cursor.fetchone()
        with _timed(report, "insert", log, "INSERT … SELECT dans actors_actor"):
            cursor.execute(queries["search_parts"], {"description": DESCRIPTION})
            if report.bulk:  # the vectors come with the rows (the table is locked)
                cursor.execute("ALTER TABLE actors_actor DISABLE TRIGGER actor_search_update")
            cursor.execute(queries["insert_actors"], {"source": SOURCE, "description": DESCRIPTION})
            report.actors = cursor.rowcount
            if report.bulk:
                cursor.execute("ALTER TABLE actors_actor ENABLE TRIGGER actor_search_update")
            cursor.execute(queries["drop_staging"])
        if report.bulk:
            with _timed(report, "rebuild", log, "Index et clés étrangères reconstruits"):
                rebuild()
        announce_change()
    with _timed(report, "analyze", log, "ANALYZE"):
        analyze_directory()
    return report


def clear(log: Callable[[str], None] = lambda message: None, bulk: bool | None = None) -> Report:
    """Remove every synthetic actor (and nothing else), then announce the change."""
    report = Report()
    queries = load_queries("benchmark.sql")
    with transaction.atomic(), connection.cursor() as cursor:
        _session_settings(cursor)
        report.bulk = _is_bulk(cursor, queries, 0) if bulk is None else bulk
        with _timed(report, "clear", log, "Suppression des acteurs fictifs"):
            _release_references()
            rebuild = (
                _drop_for_bulk_write(cursor, queries, report.indexes, indexes=False)
                if report.bulk
                else None
            )
            report.removed = _delete(cursor, queries)
        if rebuild:
            with _timed(report, "rebuild", log, "Clés étrangères recréées"):
                rebuild()
        announce_change()
    with _timed(report, "analyze", log, "ANALYZE"):
        analyze_directory()
    return report


def _check_kinds() -> None:
    """Every kind of KINDS is in the taxonomy table (loaded by the migrations)."""
    from .models import ActorKind

    missing = {kind.slug for kind in KINDS} - set(ActorKind.objects.values_list("slug", flat=True))
    if missing:
        raise GenerationError(
            f"Types d’acteurs absents de la table des types : {', '.join(sorted(missing))} "
            "(jouez les migrations : python manage.py migrate)."
        )


def _session_settings(cursor) -> None:
    """For this transaction only: no JIT (it compiles for seconds what runs once) and
    memory for the index builds."""
    cursor.execute("SET LOCAL jit = off")
    cursor.execute("SELECT pg_size_bytes(current_setting('maintenance_work_mem'))")
    if cursor.fetchone()[0] < MAINTENANCE_WORK_MEM:
        cursor.execute(f"SET LOCAL maintenance_work_mem = {MAINTENANCE_WORK_MEM // 1024}")


def _is_bulk(cursor, queries, count: int) -> bool:
    """Rebuild rather than maintain: when the rows written (removed and inserted) are many,
    and outnumber the rows that stay (those the rebuild indexes again for nothing)."""
    cursor.execute("SELECT count(*) FROM actors_actor WHERE source = %s", [SOURCE])
    written = cursor.fetchone()[0] + count
    cursor.execute(queries["other_actors"], {"source": SOURCE})
    return written >= BULK_ROWS and written >= cursor.fetchone()[0]


def _drop_for_bulk_write(
    cursor, queries, built: dict[str, float], indexes: bool = True
) -> Callable[[], None]:
    """Drop the foreign keys from and to actors_actor (and its indexes but those behind a
    constraint): what PostgreSQL's « Populating a Database » advises for a bulk load. The
    whole transaction holds an exclusive lock on the table, so nobody writes meanwhile.
    Returns the function that re-creates them, with the same names and definitions
    (recording in `built` how long each index took)."""
    from psycopg import sql

    cursor.execute("LOCK TABLE actors_actor IN ACCESS EXCLUSIVE MODE")
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # nothing pending on the table
    cursor.execute(queries["foreign_keys"])
    foreign_keys = cursor.fetchall()
    rebuilt = []
    if indexes:
        cursor.execute(queries["rebuilt_indexes"])
        rebuilt = cursor.fetchall()

    def run(statement) -> None:
        cursor.execute(statement.as_string(connection.connection))

    for schema, table, name, _definition in foreign_keys:
        run(
            sql.SQL("ALTER TABLE {}.{} DROP CONSTRAINT {}").format(
                sql.Identifier(schema), sql.Identifier(table), sql.Identifier(name)
            )
        )
    for schema, name, _definition in rebuilt:
        run(sql.SQL("DROP INDEX {}.{}").format(sql.Identifier(schema), sql.Identifier(name)))

    def rebuild() -> None:
        for _schema, name, definition in rebuilt:
            started = time.perf_counter()
            cursor.execute(definition)  # pg_get_indexdef: the catalogue's own text
            built[name] = time.perf_counter() - started
        for schema, table, name, definition in foreign_keys:
            run(
                sql.SQL("ALTER TABLE {}.{} ADD CONSTRAINT {} ").format(
                    sql.Identifier(schema), sql.Identifier(table), sql.Identifier(name)
                )
                + sql.SQL(definition)  # pg_get_constraintdef: the catalogue's own text
            )

    return rebuild


def _release_references() -> None:
    """What points at synthetic actors follows the model's on_delete, one query per
    relation (Django's collector would load every actor): a duplicate flag, a parent or
    an organiser is set to NULL, sources, stops and proposals go with them. Raises
    ReferencedActors when a protecting relation points at one."""
    from django.db.models import deletion

    from .models import Actor

    synthetic = Actor.objects.filter(source=SOURCE).values("id")
    for relation in deletion.get_candidate_relations_to_delete(Actor._meta):
        model, name = relation.related_model, relation.field.name
        pointing = model._base_manager.filter(**{f"{name}__in": synthetic})
        if relation.on_delete is deletion.SET_NULL:
            pointing.update(**{name: None})
        elif relation.on_delete is deletion.CASCADE:
            pointing.delete()
        elif relation.on_delete is not deletion.DO_NOTHING and pointing.exists():
            raise ReferencedActors(
                f"{pointing.count()} ligne(s) de {model._meta.db_table} désignent des acteurs "
                f"fictifs ({name}) et en empêchent la suppression : supprimez-les d’abord."
            )


def _delete(cursor, queries) -> int:
    cursor.execute(queries["delete_actors"], {"source": SOURCE})
    return cursor.rowcount


def announce_change() -> None:
    """After a bulk write and in its transaction, the directory's signal, as after any
    import: the planning app queues its pass on the precomputed coverage for when the
    transaction commits (its task queue; `refresh_coverage` runs it at once)."""
    from .signals import directory_changed

    directory_changed.send(sender=announce_change)
