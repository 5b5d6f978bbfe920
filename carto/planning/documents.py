"""National coverage answers kept whole, until what they were made of changes.

Design choices:
- An answer for all of France (no territory, no map view, no programme, a filter the
  precomputed data answers) depends only on the request and on three versions: the
  precomputed coverage's (its last pass), and the initiatives' and territories'
  (`inputs_version`, bumped by a trigger on every statement that writes them). Its key
  is a digest of all of them: an answer is never served after one of them changed. The
  coverage passes and the trigger also empty the table (sql/coverage_documents.sql).
- Kept gzipped, compressed once (level 6), sent as it is to the clients that accept
  gzip (all browsers): the commune level of all of France is megabytes of outlines.
- The first request after a change computes the answer (from the precomputed data) and
  keeps it; the others read one row. The write on a read goes to the primary (raw SQL on
  `connection`), as the outlines' cache does (carto.territories.shapes).
"""

from __future__ import annotations

import gzip
import hashlib

from django.db import connection
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers

from carto.api import ACCEPTS_GZIP

GZIP_LEVEL = 6


def key(path: str, params: dict, state: dict) -> str:
    """The key of an answer: the request's path and validated parameters, and the
    versions of the data it is made of."""
    parts = [
        path,
        repr(sorted(params.items())),
        str(state["full_at"]),
        str(state["updated_at"]),
        str(state["inputs_version"]),
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def read(digest: str) -> bytes | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM planning_coverage_document WHERE key = %s", [digest])
        row = cursor.fetchone()
    return bytes(row[0]) if row else None


def keep(digest: str, body: bytes) -> bytes:
    """Keep an answer (gzipped), unless another request kept it first; the gzipped body."""
    packed = gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO planning_coverage_document (key, body) VALUES (%s, %s) "
            "ON CONFLICT (key) DO NOTHING",
            [digest, packed],
        )
    return packed


def response(request, packed: bytes, content_type: str) -> HttpResponse:
    """A kept answer, as it is to a client that accepts gzip, else inflated."""
    if ACCEPTS_GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
        answer = HttpResponse(packed, content_type=content_type)
        answer["Content-Encoding"] = "gzip"
    else:
        answer = HttpResponse(gzip.decompress(packed), content_type=content_type)
    patch_vary_headers(answer, ("Accept-Encoding",))
    return answer
