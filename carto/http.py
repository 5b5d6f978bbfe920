"""One small JSON-over-HTTP GET for the project's clients (geocoder, router).

urllib's failure modes are subtle (a timeout may come wrapped in URLError, an
HTTPError holds a connection to close, a body must be read with a cap), so they
are handled once here and reported as a few plain exceptions that each client
turns into its own French message.
"""

import http.client
import json
import urllib.error
import urllib.request
from typing import Any


class FetchError(Exception):
    """Base of the failures of get_json()."""


class HttpStatusError(FetchError):
    def __init__(self, code: int, reason: str, body: bytes):
        super().__init__(f"{code} {reason}")
        self.code, self.reason, self.body = code, reason, body


class UnreachableError(FetchError):
    def __init__(self, reason):
        super().__init__(str(reason))
        self.reason = reason


class FetchTimeoutError(FetchError):
    pass


class ConnectionBrokenError(FetchError):
    """The connection broke during the exchange."""


class TooLargeError(FetchError):
    def __init__(self, limit: int):
        super().__init__(f"plus de {limit} octets")
        self.limit = limit


class NotJsonError(FetchError):
    def __init__(self, head: bytes):
        super().__init__(repr(head))
        self.head = head


def get_json(
    url: str, *, timeout: float, max_bytes: int, user_agent: str, error_body_bytes: int = 0
) -> Any:
    """GET `url` and decode its JSON body (at most `max_bytes`). On an HTTP error status,
    the first `error_body_bytes` of its body travel with the HttpStatusError."""
    request = urllib.request.Request(
        url, headers={"User-Agent": user_agent, "Accept": "application/json"}
    )
    try:
        # The timeout bounds each socket operation (connection, every read).
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read(max_bytes + 1)
    except urllib.error.HTTPError as exc:
        try:
            error_body = exc.read(error_body_bytes) if error_body_bytes else b""
        except (OSError, http.client.HTTPException):
            error_body = b""
        finally:
            exc.close()
        raise HttpStatusError(exc.code, exc.reason, error_body) from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise FetchTimeoutError() from None
        raise UnreachableError(exc.reason) from None
    except TimeoutError:
        raise FetchTimeoutError() from None
    except (http.client.HTTPException, OSError) as exc:
        raise ConnectionBrokenError(str(exc)) from None
    if len(body) > max_bytes:
        raise TooLargeError(max_bytes)
    try:
        return json.loads(body)
    except ValueError:
        raise NotJsonError(body[:60]) from None
