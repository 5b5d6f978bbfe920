"""Versioned SQL of the planning app."""

from functools import cache
from pathlib import Path

from carto.territories.sql import split_queries

HERE = Path(__file__).parent


@cache
def load_queries(name: str) -> dict[str, str]:
    return split_queries((HERE / name).read_text(encoding="utf-8"))
