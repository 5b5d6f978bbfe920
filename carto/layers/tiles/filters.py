"""The actor tiles' filters: the directory API's parameters (q, kind, theme, public,
territory, validated by the same serializer, with the same French messages), turned into
the SQL relations a tile reads, once per distinct query string.

A map asks a dozen tiles per view with the same filters, and a tile must cost about a
millisecond of Python: the validation (which looks the slugs and the territory up in the
database) and the ORM's compilation of `Actor.objects.listed().matching(filters)` are
kept for FILTERS_TTL seconds in a small per-process LRU, keyed by the canonical query
string. A taxonomy or territory removed meanwhile only matches nothing until then.
"""

import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from urllib.parse import urlencode

# DRF's views first: importing carto.api before them is a circular import (its
# exception_handler import loads DRF's settings, which import carto.api's renderer).
import rest_framework.views  # noqa: F401  isort: skip
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from carto.actors.api.params import DirectoryParams
from carto.actors.models import Actor
from carto.layers.models import ActorCell

FILTERS_TTL = 60.0  # seconds a validated, compiled filter set is reused
FILTERS_KEPT = 256  # distinct filter sets kept per process

_PLACEHOLDER = re.compile(r"%%|%s")


class TileParams(DirectoryParams):
    """The directory's filters, without what makes no sense for a tile (its place is
    z/x/y, it has no pages, nothing is ordered by distance)."""

    bbox = None
    near = None
    radius_km = None
    page = None
    page_size = None


@dataclass(frozen=True)
class Relation:
    """A queryset compiled to SQL with named parameters (`%(<prefix>N)s`), to be spliced
    as a relation into the statements of sql/tiles.sql."""

    sql: str
    params: dict


@dataclass(frozen=True)
class ActorFilters:
    key: str  # canonical query string ("" without filters): cache keys, tile URLs
    values: dict  # validated by TileParams
    actors: Relation  # listed actors matching: id, kind_id, name, location
    cells: Relation  # precomputed cells of the kinds and the one theme or public asked
    live: bool  # the cells cannot answer (q, territory, several themes or publics)


def compile_relation(queryset, prefix: str) -> Relation:
    """The ORM's own SQL for `queryset`, its positional placeholders renamed: psycopg's
    named parameters cannot be mixed with positional ones (`%%` stays a literal %)."""
    text, params = queryset.query.sql_with_params()
    named = {}

    def rename(match):
        if match.group() == "%%":
            return "%%"
        name = f"{prefix}{len(named)}"
        named[name] = params[len(named)]
        return f"%({name})s"

    return Relation(_PLACEHOLDER.sub(rename, text), named)


def canonical(query) -> str:
    """The query string without cache-busters (`_…`), its names and values sorted."""
    pairs = sorted(
        (name, value) for name in query if not name.startswith("_") for value in query.getlist(name)
    )
    return urlencode(pairs)


def validate(query) -> dict:
    """TileParams' validated data, or a ValidationError naming each bad parameter."""
    data = {}
    fields = TileParams().fields
    for name in query:
        values = query.getlist(name)
        data[name] = values if isinstance(fields.get(name), serializers.ListField) else values[-1]
    params = TileParams(data=data)
    params.is_valid(raise_exception=True)
    return params.validated_data


def build(values: dict, key: str) -> ActorFilters:
    actors = Actor.objects.listed().matching(values).order_by()
    facets = sorted(
        {f"theme:{slug}" for slug in values.get("theme", [])}
        | {f"public:{slug}" for slug in values.get("public", [])}
    )
    kinds = {"kind": values["kind"]} if values.get("kind") else {}
    cells = ActorCell.objects.matching(kinds).with_facet(facets[0] if facets else "").order_by()
    cell_columns = ("zoom", "x", "y", "tile_x", "tile_y", "kind", "count", "sum_x", "sum_y",
                    "first_id")  # fmt: skip
    return ActorFilters(
        key=key,
        values=values,
        actors=compile_relation(actors.values("id", "kind_id", "name", "location"), "_a"),
        cells=compile_relation(cells.values(*cell_columns), "_c"),
        live=bool(values.get("q") or values.get("territory") or len(facets) > 1),
    )


class _Kept:
    """A small LRU of ActorFilters by canonical query string, each kept FILTERS_TTL s."""

    def __init__(self):
        self.entries: OrderedDict[str, tuple[float, ActorFilters]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> ActorFilters | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is None or entry[0] < time.monotonic():
                return None
            self.entries.move_to_end(key)
            return entry[1]

    def put(self, key: str, filters: ActorFilters) -> None:
        with self.lock:
            self.entries[key] = (time.monotonic() + FILTERS_TTL, filters)
            self.entries.move_to_end(key)
            while len(self.entries) > FILTERS_KEPT:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


kept = _Kept()


def actor_filters(query) -> ActorFilters:
    """The filters of a tile request (its QueryDict), validated and compiled; raises
    ValidationError (DRF's, with a message per parameter) when one is wrong."""
    key = canonical(query)
    filters = kept.get(key)
    if filters is None:
        filters = build(validate(query), key)
        kept.put(key, filters)
    return filters


def invalid_detail(exc: ValidationError) -> dict:
    """The API's error body for bad parameters (one French sentence naming each, and the
    messages by parameter), from the API's own exception handler."""
    from carto.api import exception_handler

    return exception_handler(exc, {}).data
