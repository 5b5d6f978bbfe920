"""Versioned SQL of the layers app: the vector tiles and their aggregates."""

from functools import cache
from pathlib import Path

from carto.territories.sql import split_queries

HERE = Path(__file__).parent


def read_sql(name: str) -> str:
    return (HERE / name).read_text(encoding="utf-8")


@cache
def load_queries(name: str) -> dict[str, str]:
    return split_queries(read_sql(name))
