"""Pages of the directory's collections (actors, initiatives): one SQL statement a page,
resumed by keyset, counted within a bound.

Design choices:
- A page is ONE statement (pages.sql) that filters, orders, builds every Feature as text
  (the functions of sql/features.sql, or a light selection of properties), joins them,
  and says whether more rows follow and what the last row's sort key is: Python splices
  that text into the envelope without parsing it. No queryset is built per request: the
  ORM's compilation cost more than the query it compiled (about 1–5 ms a request).
- The filters in pages.sql mirror `querysets.matching()`, which stays the definition of
  what the public sees for every other path (pages, exports, coverage, tiles);
  tests/actors/test_paging.py checks both give the same rows for every filter. A
  statement holds only the filters asked for (a few shapes, cached): PostgreSQL plans it
  in a fraction of a millisecond, and psycopg caches its parsing (under 4 096 bytes).
  Reads go where the database router sends the model's (a replica when there are some).
- Keyset paging: the `next` link carries an opaque signed cursor holding the last row's
  sort key — (id) for plain lists, (−rank, name, id) for a text search, (distance, id)
  around a point — so that page 200 costs what page 1 costs. `page` stays for the first
  CARTO_API_MAX_OFFSET rows (an OFFSET), deeper pages are refused with a pointer to
  `cursor`.
- Around a point, `ORDER BY geog <-> point` must stay an index scan (a tie-breaker in it
  makes PostgreSQL sort the whole table): the KNN scan stops at the page plus one and
  (distance, id) orders that small set; when its last rows share a distance (actors at
  one address), a second statement completes them by a bounded ST_DWithin query.
- Counting: never an unbounded count(). The last page knows the count (the rows before it
  plus its own); otherwise the first page counts up to CARTO_API_COUNT_LIMIT + 1 rows
  (`count_exact` false past it), and the cursor carries that count to the next pages.
  Around a point without radius the whole directory matches: nothing is counted there,
  `count` is a lower bound.
- A response holds at most CARTO_API_MAX_FEATURES features, whatever page_size asks.
"""

from dataclasses import dataclass, replace
from functools import cache, lru_cache
from pathlib import Path
from string import Template

from django.conf import settings
from django.db import connections, router

from carto.territories.sql import split_queries

from ..models import Actor, Initiative
from ..querysets import _degrees_bound, prefix_tsquery

MAX_FEATURES = 5000  # a response's cap (settings.CARTO_API_MAX_FEATURES overrides it)
COUNT_LIMIT = 10_000  # counted up to this (settings.CARTO_API_COUNT_LIMIT)
MAX_OFFSET = 10_000  # `page`/`offset` reach this many rows, `cursor` any (CARTO_API_MAX_OFFSET)
LIGHT_DIGITS = 5  # decimals of a light feature's coordinates (about 1 m)
FULL_DIGITS = 6  # a full feature's, as sql/features.sql writes them


def thousands(n: int) -> str:
    """10 000, as French writes it."""
    return f"{n:,}".replace(",", " ")


def too_deep() -> str:
    """Why a page (an offset) past CARTO_API_MAX_OFFSET is refused, and what to do."""
    return (
        f"au-delà des {thousands(max_offset())} premiers résultats, suivez les liens « next » "
        "des réponses (paramètre cursor), page après page"
    )


def max_features() -> int:
    return getattr(settings, "CARTO_API_MAX_FEATURES", MAX_FEATURES)


def count_limit() -> int:
    return getattr(settings, "CARTO_API_COUNT_LIMIT", COUNT_LIMIT)


def max_offset() -> int:
    return getattr(settings, "CARTO_API_MAX_OFFSET", MAX_OFFSET)


@cache
def _sections() -> dict[str, str]:
    return split_queries(Path(__file__).with_name("pages.sql").read_text(encoding="utf-8"))


def compact(query: str) -> str:
    """The statement without its comments and runs of blanks (pages.sql's literals hold
    neither): under psycopg's 4 096 bytes, its parsing of the statement is cached."""
    lines = (line.split("--", 1)[0] for line in query.splitlines())
    return " ".join(" ".join(lines).split())


def filters_sql(section: str, given: frozenset[str]) -> str:
    """The conditions of a filters section that apply: a line whose `-- when: name` is
    given (or `not name`, not given), and the lines that name none (`${max_id}`: the
    end of a (code, id) range)."""
    conditions = []
    for line in _sections()[section].splitlines():
        condition, _, when = line.partition("-- when:")
        condition, when = condition.strip(), when.strip()
        if not condition or condition.startswith("--"):
            continue
        if when.startswith("not "):
            keep = when.removeprefix("not ") not in given
        else:
            keep = not when or when in given
        if keep:
            conditions.append(condition)
    return Template(" ".join(conditions)).substitute(max_id=MAX_ID)


# -- what a collection is made of (fixed mappings: the only SQL text pages.py inserts) ----

NO_DISTANCE = "NULL::float8"
KNN_DISTANCE = "(a.geog <-> %(point)s::geography)"
INITIATIVE_DISTANCE = "ST_Distance(a.location::geography, %(point)s::geography, false)"
RANK = "(-ts_rank(a.search, to_tsquery('carto_fr', %(tsquery)s::text)))::float8"


@dataclass(frozen=True)
class Key:
    """A sort key: its SQL expression and the cast of the cursor's value."""

    sql: str
    cast: str
    kind: type


@dataclass(frozen=True, eq=False)  # hashed by identity: a key of the statement cache
class Entity:
    model: type  # whose reads the database router places (a replica, when there are some)
    table: str
    filters: str  # a section of pages.sql
    orders: dict[str, tuple[Key, ...]]  # mode -> keys ("near" for actors: the KNN statement)
    full_feature: str  # ${distance} inside


def _json(expression: str) -> str:
    return f"to_json({expression})::text"


# The properties of an actor's Feature, each as the JSON text of its value or NULL (then
# left out), in carto_actor_feature's order and with its values (sql/features.sql, which
# tests/actors/test_paging.py compares them with): all of them, or those `properties=` names.
LIGHT_PROPERTIES: dict[str, str] = {
    "id": "a.id::text",
    "name": _json("a.name"),
    "kind": _json("a.kind_id"),
    "kind_label": "(SELECT to_json(k.label)::text FROM actors_actorkind k WHERE k.slug = a.kind_id)",
    "themes": _json("a.themes"),
    "publics": _json("a.publics"),
    "labels": _json("NULLIF(a.labels, '{}')"),
    "address": _json("NULLIF(a.address, '')"),
    "postcode": _json("NULLIF(a.postcode, '')"),
    "city": _json("NULLIF(a.city, '')"),
    "precision": _json("a.precision"),
    "to_locate": _json("a.to_locate"),
    "itinerant": _json("a.itinerant"),
    "opening_hours": _json("NULLIF(a.opening_hours, '')"),
    "appointment": _json("a.appointment"),
    "email": _json("NULLIF(a.email, '')"),
    "phone": _json("NULLIF(a.phone, '')"),
    "website": _json("NULLIF(a.website, '')"),
    "network": _json("NULLIF(a.network, '')"),
    "parent_id": "(SELECT p.id::text FROM actors_actor p WHERE p.id = a.parent_id AND p.listed)",
    "commune": _json("NULLIF(a.commune_code, '')"),
    "epci": _json("NULLIF(a.epci_code, '')"),
    "bv": _json("NULLIF(a.bv_code, '')"),
    "departement": _json("NULLIF(a.departement_code, '')"),
    "region": _json("NULLIF(a.region_code, '')"),
    "qpv": _json("NULLIF(a.qpv_codes, '{}')"),
    "qpv_near": _json("NULLIF(a.qpv_near_codes, '{}')"),
    "source": _json("a.source"),
    "last_verified": _json("a.last_verified"),
    "distance_m": "round((${distance})::numeric, 1)::text",
    "url": _json("'/api/v1/actors/' || a.id || '/'"),
}


def light_feature(names: tuple[str, ...], digits: int = LIGHT_DIGITS) -> str:
    """A Feature with only these properties (names from LIGHT_PROPERTIES), in their order,
    compact JSON, coordinates to `digits` decimals."""
    members = ", ".join(f"""'"{name}":' || {LIGHT_PROPERTIES[name]}""" for name in names)
    properties = f"concat_ws(',', {members})" if names else "''"
    return (
        """'{"type":"Feature","id":' || a.id || ',"geometry":' || """
        f"ST_AsGeoJSON(a.location, {int(digits)}) || "
        f"""',"properties":{{' || {properties} || '}}}}'"""
    )


ID = Key("a.id", "bigint", int)
ACTORS = Entity(
    model=Actor,
    table="actors_actor",
    filters="actor_filters",
    orders={
        "id": (ID,),
        "rank": (Key(RANK, "float8", float), Key("a.name", "varchar", str), ID),
        "near": (Key(KNN_DISTANCE, "float8", float), ID),
    },
    # carto_actor_feature's members and values (sql/features.sql), built inline: the
    # function, not inlined by PostgreSQL (its sub-selects), cost 4 times as much a row.
    full_feature=light_feature(tuple(LIGHT_PROPERTIES), FULL_DIGITS),
)
INITIATIVES = Entity(
    model=Initiative,
    table="actors_initiative",
    filters="initiative_filters",
    orders={
        "id": (ID,),
        "rank": (Key(RANK, "float8", float), Key("a.title", "varchar", str), ID),
        "near": (Key(INITIATIVE_DISTANCE, "float8", float), ID),
    },
    full_feature="carto_initiative_feature(a, %(tolerance)s::float8, ${distance})",
)


@dataclass(frozen=True)
class Shape:
    """What a page statement depends on besides its collection: a few shapes in practice."""

    mode: str  # id, rank, near
    given: frozenset[str]  # the filters asked for (the statement's parameter names)
    properties: tuple[str, ...] | None = None  # a light Feature's, or None: the full one
    resume: bool = False  # after a cursor's key
    counting: bool = False  # count the matches (a full first page)
    ties: bool = False  # near: complete the rows tied at the last distance


@lru_cache(maxsize=512)
def statement(entity: Entity, shape: Shape) -> str:
    """The page statement for this collection and shape, its text from pages.sql."""
    sections = {name: compact(text) for name, text in _sections().items()}
    keys = entity.orders[shape.mode]
    knn = entity is ACTORS and shape.mode == "near"
    if knn:
        page = sections["actor_near_page_with_ties" if shape.ties else "actor_near_page"]
    else:
        page = sections["keyed_page"]
    column = territory_column(entity, shape.given)
    order = ", ".join(key.sql for key in keys)
    fragments = {
        "summary": sections["summary"],
        "order": f"{column}, {order}" if column and shape.mode == "id" else order,
        "count_order": count_order(column),
        "counted": sections["counted"] if shape.counting else "NULL::int",
        "tied": sections["tied"] if knn else "false",
        "resume": sections["resume"] if shape.resume else "",
        "filters": filters_sql(entity.filters, shape.given),
        "feature": (
            entity.full_feature if shape.properties is None else light_feature(shape.properties)
        ),
        "table": entity.table,
        "distance": keys[0].sql if shape.mode == "near" else NO_DISTANCE,
        "keys": ", ".join(key.sql for key in keys),
        "key_columns": ", ".join(f"{key.sql} AS k{i}" for i, key in enumerate(keys)),
        "key_names": ", ".join(f"k{i}" for i in range(len(keys))),
        "after": ", ".join(f"%(a{i})s::{key.cast}" for i, key in enumerate(keys)),
    }
    text = page
    for _ in range(5):  # fragments hold markers of their own
        text = Template(text).safe_substitute(fragments)
    return Template(text).substitute()  # raises on a marker left unresolved


def territory_column(entity: Entity, given: frozenset[str]) -> str | None:
    """The actor column of the commune or grouping a statement filters on (pages.sql's
    `${order}`), if any."""
    if entity is not ACTORS:
        return None
    return next((f"a.{kind}_code" for kind in ACTOR_TERRITORY_COLUMNS if kind in given), None)


def count_order(column: str | None) -> str:
    """pages.sql's `${count_order}`: a bounded count through that column's index."""
    return f"ORDER BY {column}" if column else ""


@lru_cache(maxsize=64)
def count_statement(entity: Entity, given: frozenset[str]) -> str:
    text = compact(_sections()["count"])
    return Template(text).substitute(
        table=entity.table,
        filters=filters_sql(entity.filters, given),
        count_order=count_order(territory_column(entity, given)),
    )


# -- a request's page -------------------------------------------------------------------


def mode_of(params: dict) -> str:
    """How the collection is ordered: around a point, by text rank, or by id."""
    if params.get("near"):
        return "near"
    if params.get("q") and prefix_tsquery(params["q"]):
        return "rank"
    return "id"


MAX_ID = "9223372036854775807::bigint"  # the end of a (code, id) range (pages.sql)
# The territory kinds an actor has a column of (commune_code, epci_code…): `kind:code`
# is in its territory_codes exactly when that column holds the code (attach.sql).
ACTOR_TERRITORY_COLUMNS = ("commune", "epci", "bv", "departement", "region")


def filter_values(entity: Entity, params: dict) -> dict:
    """The statement's filter parameters from validated query parameters (None: unfiltered)."""
    bbox = params.get("bbox")
    near = params.get("near")
    radius_km = params.get("radius_km") if near else None
    territory = params.get("territory")
    values = {
        "kinds": list(params.get("kind") or []) or None,
        "themes": list(params.get("theme") or []) or None,
        "publics": list(params.get("public") or []) or None,
        "territory": ":".join(territory) if territory else None,
        "minx": bbox[0] if bbox else None,
        "miny": bbox[1] if bbox else None,
        "maxx": bbox[2] if bbox else None,
        "maxy": bbox[3] if bbox else None,
        "tsquery": prefix_tsquery(params["q"]) if params.get("q") else None,
        "point": f"SRID=4326;POINT({near[0]!r} {near[1]!r})" if near else None,
        "radius_m": radius_km * 1000 if radius_km is not None else None,
    }
    if entity is ACTORS and territory and territory[0] in ACTOR_TERRITORY_COLUMNS:
        # The column of that kind (pages.sql), not the codes: same rows, one index range.
        values[territory[0]] = territory[1]
        values["territory"] = None
    if entity is INITIATIVES:
        values["programmes"] = list(params.get("programme") or []) or None
        values["radius_degrees"] = (
            _degrees_bound(radius_km, near[1]) if radius_km is not None else None
        )
    return values


@dataclass(frozen=True)
class Window:
    """Which rows a request asks for: after a cursor's key, or at an offset (page mode)."""

    size: int
    offset: int = 0
    after: tuple | None = None  # the cursor's key
    position: int = 0  # rows before this page (from the cursor, or the offset)
    count: int | None = None  # the count the first page found (from the cursor)
    exact: bool = False


@dataclass(frozen=True)
class Page:
    features: str  # the Features' texts joined by commas
    returned: int
    more: bool
    last_key: str | None  # JSON array: the last row's sort key
    count: int
    exact: bool


def page_statement(
    entity: Entity, params: dict, window: Window, properties=None, tolerance=0.0
) -> tuple[Shape, dict]:
    """The shape of a page's statement and its parameters (what `fetch` runs)."""
    mode = mode_of(params)
    values = {k: v for k, v in filter_values(entity, params).items() if v is not None}
    given = frozenset(values)
    resume = window.after is not None
    counting = not resume and (mode != "near" or "radius_m" in given)
    values.update(
        offset=window.offset,
        fetch=window.offset + window.size + 1,
        last=window.offset + window.size,
        size=window.size,
        count_bound=count_limit(),
    )
    if entity is INITIATIVES:
        values["tolerance"] = float(tolerance)
    if resume:
        values.update((f"a{i}", value) for i, value in enumerate(window.after))
    names = tuple(properties) if properties is not None else None
    return Shape(mode, given, names, resume, counting), values


def fetch(entity: Entity, params: dict, window: Window, properties=None, tolerance=0.0) -> Page:
    """One page of the collection, in one statement (two when a page around a point ends
    among actors at the same distance)."""
    shape, values = page_statement(entity, params, window, properties, tolerance)
    with connections[router.db_for_read(entity.model)].cursor() as cursor:
        cursor.execute(statement(entity, shape), values)
        fetched, features, last_key, counted, tied = cursor.fetchone()
        if tied:
            cursor.execute(statement(entity, replace(shape, ties=True)), values)
            fetched, features, last_key, counted, tied = cursor.fetchone()
    return settle(window, fetched, features or "", last_key, counted)


def settle(window: Window, fetched: int, features: str, last_key, counted: int | None) -> Page:
    """The page from what its statement found: `fetched` rows past the offset (one more than
    the page when more follow), and the matches `counted` up to the bound (or None)."""
    returned = min(fetched, window.size)
    more = fetched > window.size
    seen = window.position + returned
    if not more:  # the last page: the rows before it and its own
        count, exact = seen, True
    elif counted is not None:
        bound = count_limit()
        count, exact = (counted, True) if counted <= bound else (bound, False)
    elif window.count is not None:  # the first page's count, carried by the cursor
        count, exact = max(window.count, seen + 1), window.exact
    else:  # not counted (around a point without radius): at least one more
        count, exact = seen + 1, False
    return Page(features, returned, more, last_key if more else None, count, exact)


def count_matches(entity: Entity, params: dict) -> int:
    """The matches, up to the count bound (+1): for a page past the end's message."""
    values = {
        name: value for name, value in filter_values(entity, params).items() if value is not None
    }
    given = frozenset(values)
    values["count_bound"] = count_limit()
    with connections[router.db_for_read(entity.model)].cursor() as cursor:
        cursor.execute(count_statement(entity, given), values)
        return cursor.fetchone()[0]


def key_kinds(entity: Entity, mode: str) -> tuple[type, ...]:
    return tuple(key.kind for key in entity.orders[mode])
