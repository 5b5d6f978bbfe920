"""Versioned SQL of the territories app, kept beside it rather than in strings in views."""

import re
from functools import cache
from pathlib import Path

HERE = Path(__file__).parent


def read_sql(name: str) -> str:
    return (HERE / name).read_text(encoding="utf-8")


def split_queries(text: str) -> dict[str, str]:
    """The statements of a .sql text, each introduced by a `-- name: xxx` line."""
    parts = re.split(r"^-- name: (\w+)\s*$", text, flags=re.MULTILINE)
    return {parts[i]: parts[i + 1].strip() for i in range(1, len(parts), 2)}


@cache
def load_queries(name: str) -> dict[str, str]:
    return split_queries(read_sql(name))
