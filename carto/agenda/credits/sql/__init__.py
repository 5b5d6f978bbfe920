"""Versioned SQL of the credits app: the ledger's invariants, enforced by the database."""

from pathlib import Path

HERE = Path(__file__).parent


def read_sql(name: str) -> str:
    return (HERE / name).read_text(encoding="utf-8")
