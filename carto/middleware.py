"""Request bounds checked before any view runs, and errors kept in the API's format.

Design choice: what a request may cost is bounded at the door, from its size alone
(query-string length and parameter count, body length), so that no view ever parses
an unbounded input: Django would raise ``TooManyFieldsSent`` or ``RequestDataTooBig``
deep inside a view, where DRF cannot turn them into a response. The bounds are
settings (``CARTO_MAX_QUERY_PARAMS``, ``CARTO_MAX_QUERY_BYTES``, ``CARTO_MAX_BODY_BYTES``).
The database bound (``statement_timeout`` for the web role) is in the settings; a
statement it cancels, or a database out of reach, becomes a 503 here for pages and in
``carto.api.exception_handler`` for the API.
"""

from django.conf import settings
from django.db import OperationalError
from django.http import JsonResponse

from .errors import database_unavailable, error_response, wants_json


def count_query_params(query_string: str) -> int:
    """How many `name=value` pairs Django would parse (it splits on « & »)."""
    return sum(1 for part in query_string.split("&") if part)


class RequestBoundsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        refusal = self.refusal(request)
        if refusal is not None:
            return refusal
        response = self.get_response(request)
        if response.status_code == 404 and wants_json(request) and _is_html(response):
            # An unknown API path (Django's 404 page, or its debug page): JSON like the rest.
            return JsonResponse(
                {"detail": f"Aucune ressource à l'adresse {request.path}."},
                status=404,
                json_dumps_params={"ensure_ascii": False},
            )
        return response

    def refusal(self, request):
        query = request.META.get("QUERY_STRING", "")
        if len(query) > settings.CARTO_MAX_QUERY_BYTES:
            return error_response(
                request,
                414,
                f"Adresse trop longue : {len(query)} octets de paramètres, "
                f"au plus {settings.CARTO_MAX_QUERY_BYTES}.",
            )
        count = count_query_params(query)
        if count > settings.CARTO_MAX_QUERY_PARAMS:
            return error_response(
                request,
                400,
                f"Requête invalide — {count} paramètres : au plus {settings.CARTO_MAX_QUERY_PARAMS}.",
            )
        length = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(length)
        except ValueError:
            return error_response(
                request, 400, f"Requête invalide — en-tête Content-Length « {length} » illisible."
            )
        if length > settings.CARTO_MAX_BODY_BYTES:
            return error_response(
                request,
                413,
                f"Corps de requête trop grand : {length} octets, au plus {settings.CARTO_MAX_BODY_BYTES}.",
            )
        return None

    def process_exception(self, request, exception):
        """Pages (Django views): a database that gives up is a 503, not a 500."""
        if isinstance(exception, OperationalError):
            return database_unavailable(request, exception)
        return None


def _is_html(response) -> bool:
    return response.get("Content-Type", "").startswith("text/html")
