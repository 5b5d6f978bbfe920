"""Travel distances and times between places, for the tour planner.

Design choice: the planner only needs a full matrix of metres and seconds between
its places (the start and the stops), so routing hides behind one small interface,
``DistanceMatrix.matrix(points) -> (metres, seconds)`` with ``points`` as (lon, lat)
in EPSG:4326 and ``metres[i][j]`` / ``seconds[i][j]`` from place i to place j (the
matrix may be asymmetric). Two implementations:

- ``GreatCircle``: offline and always available. The haversine distance on the
  sphere of mean radius R1 = 6 371 008.8 m (IUGG), multiplied by a detour factor
  (default 1.3, a usual ratio of road to straight-line distance between French
  towns) to estimate the road distance; the time is that estimated road distance
  at ``speed_kmh`` (default 40 km/h, a door-to-door average that includes towns,
  parking and small roads). Both figures are therefore estimates, and symmetric.
- ``OsrmClient``: road distances and durations from an OSRM server's ``table``
  service (``GET <base>/table/v1/<profile>/<lon,lat;lon,lat;…>?annotations=distance,duration``,
  Project-OSRM/osrm-backend docs/http.md): the answer holds ``durations`` (seconds)
  and ``distances`` (metres) row-major, ``null`` where no route joins two places,
  and ``code`` "Ok" or an error code (``InvalidQuery``, ``NoSegment``, ``NoTable``,
  ``TooBig``…, with HTTP 400). Every failure (HTTP error, timeout, unreachable
  server, non-JSON or malformed answer, ``code`` other than "Ok", a null cell)
  raises ``RouterError`` with a French message naming the URL and the problem: a
  plan built on partial distances would be silently wrong, so nothing falls back.

``router_from_settings()`` picks OSRM when ``settings.CARTO_ROUTER_URL`` is set
(timeout ``CARTO_ROUTER_TIMEOUT``), great-circle otherwise.
"""

from __future__ import annotations

import json
import math
import urllib.parse
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

from carto.geo import EARTH_RADIUS_M, haversine_m  # re-exported: distances' sphere
from carto.http import (
    ConnectionBrokenError,
    FetchTimeoutError,
    HttpStatusError,
    NotJsonError,
    TooLargeError,
    UnreachableError,
    get_json,
)

__all__ = [
    "DEFAULT_DETOUR",
    "DEFAULT_SPEED_KMH",
    "EARTH_RADIUS_M",
    "DistanceMatrix",
    "GreatCircle",
    "OsrmClient",
    "RouterError",
    "haversine_m",
    "router_from_settings",
]

DEFAULT_SPEED_KMH = 40.0
DEFAULT_DETOUR = 1.3
USER_AGENT = "carto-planning/1.0"
# A 100 × 100 table with both annotations is about 200 kB.
MAX_RESPONSE_BYTES = 8 * 1024 * 1024

LonLat = tuple[float, float]
Matrices = tuple[list[list[float]], list[list[float]]]


class RouterError(Exception):
    """The routing service could not be asked, or its answer cannot be used.

    The message names the service's address, for the logs; ``public`` says the same
    without it, for API clients (the router is an internal host)."""

    def __init__(self, message: str, public: str | None = None):
        super().__init__(message)
        self.public = public or message


class DistanceMatrix(ABC):
    """Metres and seconds between every pair of places."""

    name: str = ""

    @abstractmethod
    def matrix(self, points: Sequence[LonLat]) -> Matrices:
        """``(metres, seconds)``: ``metres[i][j]`` and ``seconds[i][j]`` from ``points[i]``
        to ``points[j]``, points given as (lon, lat) in degrees (EPSG:4326)."""


class GreatCircle(DistanceMatrix):
    """Estimated road figures: great-circle distance × ``detour``, driven at ``speed_kmh``."""

    name = "great-circle"

    def __init__(self, speed_kmh: float = DEFAULT_SPEED_KMH, detour: float = DEFAULT_DETOUR):
        if not (isinstance(speed_kmh, int | float) and math.isfinite(speed_kmh) and speed_kmh > 0):
            raise ValueError(f"vitesse invalide : {speed_kmh!r} (km/h, nombre positif attendu)")
        if not (isinstance(detour, int | float) and math.isfinite(detour) and detour >= 1):
            raise ValueError(f"facteur de détour invalide : {detour!r} (nombre ≥ 1 attendu)")
        self.speed_kmh = float(speed_kmh)
        self.detour = float(detour)

    def matrix(self, points: Sequence[LonLat]) -> Matrices:
        metres_per_second = self.speed_kmh / 3.6
        size = len(points)
        metres = [[0.0] * size for _ in range(size)]
        seconds = [[0.0] * size for _ in range(size)]
        for i in range(size):
            for j in range(i + 1, size):
                road = haversine_m(points[i], points[j]) * self.detour
                metres[i][j] = metres[j][i] = road
                seconds[i][j] = seconds[j][i] = road / metres_per_second
        return metres, seconds


class OsrmClient(DistanceMatrix):
    """A client for the ``table`` service of an OSRM server (road distances and durations)."""

    name = "osrm"

    def __init__(self, base_url: str, timeout: float = 10.0, profile: str = "driving"):
        parsed = urllib.parse.urlsplit(base_url or "")
        # urllib would also open file: and ftp: URLs: only HTTP(S) is a router.
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise RouterError(
                f"Adresse du service d'itinéraires invalide : {base_url!r} "
                "(attendu : une URL http ou https, ex. http://127.0.0.1:5000)"
            )
        if not profile or not profile.replace("-", "").replace("_", "").isalnum():
            raise RouterError(f"Profil OSRM invalide : {profile!r} (ex. driving, car, bike, foot)")
        self.table_url = f"{base_url.rstrip('/')}/table/v1/{profile}/"
        self.timeout = timeout

    def matrix(self, points: Sequence[LonLat]) -> Matrices:
        size = len(points)
        if size < 2:  # nothing to route: OSRM would refuse a single coordinate anyway
            return [[0.0] * size for _ in range(size)], [[0.0] * size for _ in range(size)]
        coordinates = ";".join(f"{lon:.6f},{lat:.6f}" for lon, lat in points)
        payload = self._get_json(f"{self.table_url}{coordinates}?annotations=distance,duration")
        if not isinstance(payload, dict):
            raise self._error("réponse JSON qui n'est pas un objet")
        code = payload.get("code")
        if code != "Ok":
            raise self._code_error(payload)
        seconds = self._read_matrix(payload, "durations", size)
        metres = self._read_matrix(payload, "distances", size)
        return metres, seconds

    def _read_matrix(self, payload: dict, key: str, size: int) -> list[list[float]]:
        rows = payload.get(key)
        if not isinstance(rows, list) or len(rows) != size:
            raise self._error(f"« {key} » absent ou pas une matrice {size} × {size}")
        matrix = []
        for i, row in enumerate(rows):
            if not isinstance(row, list) or len(row) != size:
                raise self._error(f"« {key} », ligne {i} : {size} valeurs attendues")
            values = []
            for j, value in enumerate(row):
                if value is None:
                    raise self._error(
                        f"aucun itinéraire du lieu {i} au lieu {j} (valeur nulle dans « {key} »)"
                    )
                if not _is_number(value) or value < 0:
                    raise self._error(f"« {key} »[{i}][{j}] invalide : {value!r}")
                values.append(float(value))
            matrix.append(values)
        return matrix

    def _get_json(self, url: str) -> Any:
        try:
            return get_json(
                url,
                timeout=self.timeout,
                max_bytes=MAX_RESPONSE_BYTES,
                user_agent=USER_AGENT,
                error_body_bytes=64 * 1024,
            )
        except HttpStatusError as exc:
            # OSRM answers its own errors with HTTP 400 and a JSON {code, message}.
            detail = ""
            try:
                error_body = json.loads(exc.body or b"null")
            except ValueError:
                error_body = None
            if isinstance(error_body, dict) and error_body.get("code"):
                detail = f" : {self._describe_code(error_body)}"
            raise self._error(f"réponse HTTP {exc.code} {exc.reason}{detail}") from None
        except UnreachableError as exc:
            raise self._error(f"service injoignable ({exc.reason})") from None
        except FetchTimeoutError:
            raise self._timeout_error() from None
        except ConnectionBrokenError as exc:
            raise self._error(f"connexion interrompue ({exc})") from None
        except TooLargeError:
            raise self._error(f"réponse de plus de {MAX_RESPONSE_BYTES} octets") from None
        except NotJsonError as exc:
            raise self._error(f"réponse qui n'est pas du JSON ({exc.head!r})") from None

    @staticmethod
    def _describe_code(payload: dict) -> str:
        message = payload.get("message")
        code = payload.get("code")
        return f"code « {code} » ({message})" if message else f"code « {code} »"

    def _code_error(self, payload: dict) -> RouterError:
        return self._error(f"{self._describe_code(payload)} au lieu de « Ok »")

    def _timeout_error(self) -> RouterError:
        return self._error(f"pas de réponse en {self.timeout:g} s")

    def _error(self, problem: str) -> RouterError:
        return RouterError(
            f"Calcul des temps de trajet : {self.table_url} : {problem}",
            public=f"Calcul des temps de trajet : {problem}",
        )


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def router_from_settings(speed_kmh: float = DEFAULT_SPEED_KMH) -> DistanceMatrix:
    """OSRM at ``settings.CARTO_ROUTER_URL`` when it is set, else great-circle at ``speed_kmh``.

    With OSRM the durations are the router's, ``speed_kmh`` is not used."""
    from django.conf import settings

    base_url = getattr(settings, "CARTO_ROUTER_URL", "")
    if base_url:
        return OsrmClient(base_url, timeout=getattr(settings, "CARTO_ROUTER_TIMEOUT", 10.0))
    return GreatCircle(speed_kmh=speed_kmh)
