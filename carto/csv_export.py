"""Every CSV carto hands out (directory, coverage, gaps, tours) is written here.

Design choices:
- A cell is data, never a formula: a text that begins with ``=``, ``+``, ``-``, ``@``, a
  tab or a carriage return would run as a formula when a spreadsheet opens the file
  (CSV injection), so it is prefixed with a single quote, as OWASP advises. Numbers
  (``int``, ``float``, ``Decimal``) are written as numbers, negative ones included;
  ``None`` is an empty cell; a list is joined with ``|``.
- Rows are streamed: a 50 000-row export is never held in memory.
"""

import csv
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal

from django.http import StreamingHttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
LIST_SEPARATOR = "|"


def cell(value):
    """One value as a safe CSV cell."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal):  # bool included: True / False
        return value
    if isinstance(value, list | tuple):
        value = LIST_SEPARATOR.join(str(item) for item in value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Line:
    """A file-like object whose write() returns what it was given (csv.writer's output)."""

    def write(self, text: str) -> str:
        return text


def lines(header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    """The CSV text, a line at a time: the header, then each row with its cells made safe."""
    writer = csv.writer(_Line())
    yield writer.writerow([cell(title) for title in header])
    for row in rows:
        yield writer.writerow([cell(value) for value in row])


def to_text(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    return "".join(lines(header, rows))


def response(
    header: Sequence[str],
    rows: Iterable[Sequence],
    filename: str,
    headers: dict[str, str] | None = None,
) -> StreamingHttpResponse:
    """A streamed `text/csv` attachment, with extra response `headers`."""
    streamed = StreamingHttpResponse(lines(header, rows), content_type="text/csv; charset=utf-8")
    streamed["Content-Disposition"] = f'attachment; filename="{filename}"'
    for name, value in (headers or {}).items():
        streamed[name] = value
    return streamed
