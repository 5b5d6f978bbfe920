"""The precomputed cells of the actor tiles (layers_actorcell), recounted from the
directory: all of them, or the cells the actors of some communes stand in.

Design choices:
- the actors counted are `Actor.objects.listed()`, compiled by the ORM (host places
  included, flagged: a tile shows them when their kind is asked for, as the API does);
- every actor is counted in its cell, kind and facet "", and again in the facet of each
  of its themes and publics (models.ActorCell);
- the finest zoom (CLUSTER_MAX_ZOOM) is counted per commune, so that a commune can be
  recounted alone: its rows are deleted and rebuilt,
  and every cell it touched (before and after) is summed again from its children up to
  zoom 0. Pass the old and the new commune of an actor that moved; `None` recounts all;
- one transaction: a tile reads the old cells or the new ones, never half of them; rows
  are deleted, not truncated, so that tiles keep being served during a refresh;
- after the commit the tiles' cache version changes (store.new_version): cached tiles,
  points included, are rebuilt on their next request.
"""

from django.db import connection, transaction
from psycopg import sql

from carto.actors.models import Actor
from carto.layers.sql import load_queries

from . import store
from .filters import compile_relation
from .grid import CLUSTER_MAX_ZOOM, GRID_BITS, cell_size


def _query(name: str) -> str:
    return load_queries("aggregates.sql")[name]


def _insert_base(cursor, actors) -> None:
    relation = compile_relation(
        actors.order_by().values(
            "id", "commune_code", "kind_id", "host_only", "themes", "publics", "location"
        ),
        "_a",
    )
    statement = sql.SQL(_query("insert_base")).format(actors=sql.SQL(relation.sql)).as_string()
    cursor.execute(
        statement,
        {
            "zoom": CLUSTER_MAX_ZOOM,
            "cell": cell_size(CLUSTER_MAX_ZOOM, GRID_BITS),
            "cells": 1 << (CLUSTER_MAX_ZOOM + GRID_BITS),
            **relation.params,
        },
    )


def refresh_actor_aggregates(commune_codes: list[str] | None = None) -> int:
    """Recount the listed actors per cell of every cluster zoom: all of them (None), or
    those of `commune_codes` (INSEE codes; "" for actors attached to no commune).

    Returns how many cells of the finest zoom were rewritten (touched)."""
    actors = Actor.objects.listed()
    if commune_codes is not None:
        codes = sorted(set(commune_codes))
        if not codes:
            return 0
        actors = actors.filter(commune_code__in=codes)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_query("create_tables"))
        if commune_codes is None:
            cursor.execute(_query("delete_all"))
        else:
            cursor.execute(_query("delete_base"), {"zoom": CLUSTER_MAX_ZOOM, "communes": codes})
        _insert_base(cursor, actors)
        cursor.execute("SELECT count(*) FROM tiles_touched")
        touched = cursor.fetchone()[0]
        # Statistics for the planner: the temporary table, and after a full rebuild the cells.
        cursor.execute("ANALYZE tiles_touched")
        if commune_codes is None:
            cursor.execute("ANALYZE layers_actorcell")
        for zoom in range(CLUSTER_MAX_ZOOM - 1, -1, -1):
            cursor.execute(_query("parents"))
            cursor.execute(_query("delete_touched"), {"zoom": zoom})
            cursor.execute(_query("roll_up"), {"zoom": zoom})
        if commune_codes is None:
            cursor.execute("ANALYZE layers_actorcell")
        # Dropped now, not only at commit: a caller's transaction may refresh again.
        cursor.execute(_query("drop_tables"))
        transaction.on_commit(store.new_version)
    return touched
