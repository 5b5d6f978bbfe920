"""How carto answers when it refuses a request or cannot serve it.

Design choice: the API (``/api/``, ``/ogc/``, ``/tiles/``) always answers errors in
JSON with one French sentence in ``detail``; pages answer plain French text. The
same few helpers serve the request-limit middleware, DRF's exception handler and
Django's error views, so that a client never meets an HTML error page on the API,
and a database that gives up (a statement cancelled by ``statement_timeout``, a
lost connection) is a 503 naming the operation, never a 500 or a killed worker.
"""

from django.db import OperationalError
from django.http import HttpResponse, JsonResponse

API_PREFIXES = ("/api/", "/ogc/", "/tiles/")
QUERY_CANCELED = "57014"  # PostgreSQL: statement_timeout or a cancel request
RETRY_AFTER_SECONDS = 30


def wants_json(request) -> bool:
    """True for the machine-facing paths, whose errors are JSON."""
    return request.path.startswith(API_PREFIXES)


def error_response(request, status: int, message: str, **headers) -> HttpResponse:
    """`message` as JSON `{"detail": …}` on the API, as plain text on pages."""
    if wants_json(request):
        response = JsonResponse(
            {"detail": message}, status=status, json_dumps_params={"ensure_ascii": False}
        )
    else:
        response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def operation_name(request) -> str:
    """The URL name of the request's route (e.g. « coverage »), else its path."""
    match = getattr(request, "resolver_match", None)
    return (match.url_name if match and match.url_name else None) or request.path


def is_query_canceled(exc: BaseException) -> bool:
    cause = exc.__cause__
    return getattr(cause, "sqlstate", None) == QUERY_CANCELED


def database_unavailable(request, exc: OperationalError) -> HttpResponse:
    """503 for a statement the database cancelled (too long) or a database out of reach."""
    operation = operation_name(request)
    if is_query_canceled(exc):
        message = (
            f"L'opération « {operation} » a dépassé le temps de calcul autorisé : "
            "restreignez la demande (territoire, filtres, taille de page) ou réessayez plus tard."
        )
    else:
        message = (
            f"L'opération « {operation} » n'a pas pu joindre la base de données : "
            "réessayez dans un instant."
        )
    return error_response(request, 503, message, Retry_After=str(RETRY_AFTER_SECONDS))
