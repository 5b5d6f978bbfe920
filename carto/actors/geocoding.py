"""Placing an actor's address on the map: the Base Adresse Nationale, else the town hall.

Design choice: geocoding never blocks a write and never needs the internet. When
`CARTO_GEOCODER_URL` names a BAN-compatible service (api-adresse.data.gouv.fr or a
self-hosted addok loaded with the BAN), the address is asked there; an answer is kept
only when it is confident enough (score) and in the expected commune (citycode).
Otherwise, and whenever the service fails (error, timeout, malformed answer: a warning
is logged, nothing is raised), the actor is placed on its commune's town hall, which the
territories importer already holds (`Territory.anchor`). The result always says how it
was placed (`precision`, `source`), so a point at the town hall is never mistaken for
the actor's door.

The BAN protocol relied upon (addok's `/search/` endpoint with the filters the BAN
configures, see addok/addok docs/api.md and BaseAdresseNationale/addok-docker):
`GET <base>/search/?q=…&limit=…[&citycode=…][&postcode=…]` answers a GeoJSON
FeatureCollection (GeoCodeJSON) whose features carry a Point in lon/lat and
`properties` `label`, `score` (0 to 1), `type` (housenumber, street, locality,
municipality) and `citycode` (INSEE code).
"""

from __future__ import annotations

import logging
import math
import urllib.parse
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.gis.geos import Point

from carto.http import (
    ConnectionBrokenError,
    FetchTimeoutError,
    HttpStatusError,
    NotJsonError,
    TooLargeError,
    UnreachableError,
    get_json,
)
from carto.srid import WGS84
from carto.territories.codes import Kind, normalize_code
from carto.territories.models import Territory

from .models import Precision  # one vocabulary of precisions, the model's

logger = logging.getLogger(__name__)

USER_AGENT = "carto-geocoding/1.0"
# An answer of `limit` (at most 100) features is a few tens of kilobytes.
MAX_RESPONSE_BYTES = 2 * 1024 * 1024


class Source:
    """Where a geocoded point comes from."""

    BAN = "ban"
    MAIRIE = "mairie"


# BAN result types; a feature of another type (a self-hosted addok may index other
# data) is dropped, its precision being unknown.
BAN_TYPE_PRECISION = {
    "housenumber": Precision.ADDRESS,
    "street": Precision.STREET,
    "locality": Precision.STREET,
    "municipality": Precision.COMMUNE,
}


class GeocodingError(Exception):
    """The geocoding service could not be asked, or its answer cannot be used."""


@dataclass(frozen=True)
class GeocodeResult:
    lon: float
    lat: float
    precision: str
    label: str
    score: float | None
    citycode: str | None
    source: str

    @property
    def point(self) -> Point:
        return Point(self.lon, self.lat, srid=WGS84)


class BanClient:
    """A client for the search endpoint of a BAN-compatible service (addok)."""

    def __init__(self, base_url: str, timeout: float = 5.0):
        parsed = urllib.parse.urlsplit(base_url)
        # urllib would also open file: and ftp: URLs: only HTTP(S) is a geocoder.
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise GeocodingError(
                f"Adresse du service de géocodage invalide : {base_url!r} "
                "(attendu : une URL http ou https, ex. https://api-adresse.data.gouv.fr)"
            )
        self.search_url = base_url.rstrip("/") + "/search/"
        self.timeout = timeout

    def search(
        self,
        q: str,
        *,
        citycode: str | None = None,
        postcode: str | None = None,
        limit: int = 1,
    ) -> list[GeocodeResult]:
        """Ask the service for `q`, restricted to a commune (INSEE code) and a postcode
        when given. Returns the results in the service's order (best first), without
        those of an unknown type. Raises GeocodingError when the service fails or
        answers something that is not a BAN answer."""
        params = {"q": q, "limit": str(limit)}
        if citycode:
            params["citycode"] = citycode
        if postcode:
            params["postcode"] = postcode
        url = f"{self.search_url}?{urllib.parse.urlencode(params)}"
        payload = self._get_json(url)
        if (
            not isinstance(payload, dict)
            or payload.get("type") != "FeatureCollection"
            or not isinstance(payload.get("features"), list)
        ):
            raise GeocodingError(
                f"Géocodage : {self.search_url} a répondu du JSON qui n'est pas "
                "une FeatureCollection GeoJSON"
            )
        results = []
        for index, feature in enumerate(payload["features"], start=1):
            result = self._parse_feature(feature, index)
            if result is not None:
                results.append(result)
        return results

    def _get_json(self, url: str) -> Any:
        try:
            return get_json(
                url, timeout=self.timeout, max_bytes=MAX_RESPONSE_BYTES, user_agent=USER_AGENT
            )
        except HttpStatusError as exc:
            raise GeocodingError(
                f"Géocodage : {self.search_url} a répondu {exc.code} {exc.reason}"
            ) from None
        except UnreachableError as exc:
            raise GeocodingError(
                f"Géocodage : {self.search_url} est injoignable ({exc.reason})"
            ) from None
        except FetchTimeoutError:
            raise self._timeout_error() from None
        except ConnectionBrokenError as exc:
            raise GeocodingError(
                f"Géocodage : connexion à {self.search_url} interrompue ({exc})"
            ) from None
        except TooLargeError:
            raise GeocodingError(
                f"Géocodage : {self.search_url} a répondu plus de {MAX_RESPONSE_BYTES} octets"
            ) from None
        except NotJsonError as exc:
            raise GeocodingError(
                f"Géocodage : {self.search_url} a répondu autre chose que du JSON ({exc.head!r})"
            ) from None

    def _timeout_error(self) -> GeocodingError:
        return GeocodingError(
            f"Géocodage : pas de réponse de {self.search_url} en {self.timeout:g} s"
        )

    def _parse_feature(self, feature: Any, index: int) -> GeocodeResult | None:
        """One BAN feature as a result; None when its type is not a BAN type."""
        properties = feature.get("properties") if isinstance(feature, dict) else None
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if not isinstance(properties, dict) or not isinstance(geometry, dict):
            raise self._feature_error(index, "pas un objet Feature GeoJSON")
        precision = BAN_TYPE_PRECISION.get(properties.get("type"))
        if precision is None:
            return None
        coordinates = geometry.get("coordinates")
        if (
            geometry.get("type") != "Point"
            or not isinstance(coordinates, list)
            or len(coordinates) < 2
            or not all(_is_number(value) for value in coordinates[:2])
        ):
            raise self._feature_error(index, "la géométrie n'est pas un Point")
        lon, lat = float(coordinates[0]), float(coordinates[1])
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise self._feature_error(index, f"point hors limites ({lon}, {lat})")
        score = properties.get("score")
        if score is not None and not _is_number(score):
            raise self._feature_error(index, f"score non numérique ({score!r})")
        citycode = properties.get("citycode")
        return GeocodeResult(
            lon=lon,
            lat=lat,
            precision=precision,
            label=str(properties.get("label") or ""),
            score=None if score is None else float(score),
            citycode=str(citycode) if citycode else None,
            source=Source.BAN,
        )

    def _feature_error(self, index: int, problem: str) -> GeocodingError:
        return GeocodingError(f"Géocodage : {self.search_url}, résultat n° {index} : {problem}")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def town_hall(citycode: str | None) -> GeocodeResult | None:
    """The town hall of a commune (INSEE code), or None when the commune is unknown."""
    if not citycode:
        return None
    commune = (
        Territory.objects.filter(
            kind=Kind.COMMUNE, code=normalize_code(Kind.COMMUNE, citycode), anchor__isnull=False
        )
        .only("code", "name", "anchor")
        .first()
    )
    if commune is None:
        return None
    anchor = commune.anchor
    if anchor.srid != WGS84:
        anchor = anchor.transform(WGS84, clone=True)
    return GeocodeResult(
        lon=anchor.x,
        lat=anchor.y,
        precision=Precision.COMMUNE,
        label=f"{commune.name} (mairie)",
        score=None,
        citycode=commune.code,
        source=Source.MAIRIE,
    )


def geocode(
    address: str,
    *,
    citycode: str | None = None,
    postcode: str | None = None,
    min_score: float = 0.5,
) -> GeocodeResult | None:
    """Place an address.

    Args:
        address: the address as written (« 17 bis place Jean-Jaurès, 62300 Lens »).
        citycode: INSEE code of the commune, when known: the search is restricted to
            it, an answer elsewhere is refused, and its town hall is the fallback.
        postcode: postcode, passed to the service as a filter.
        min_score: the lowest BAN score accepted (a result without score is refused).

    Returns the BAN's best result when `CARTO_GEOCODER_URL` is set and that result is
    accepted; else the town hall of `citycode`; None when neither places the address.
    Never raises for a failing service: it logs a warning and falls back.
    """
    citycode = normalize_code(Kind.COMMUNE, citycode) if citycode else None
    base_url = settings.CARTO_GEOCODER_URL
    query = (address or "").strip()
    if base_url and query:
        try:
            client = BanClient(base_url, timeout=settings.CARTO_GEOCODER_TIMEOUT)
            results = client.search(query, citycode=citycode, postcode=postcode, limit=1)
        except GeocodingError as exc:
            logger.warning("Adresse %r non géocodée, repli sur la mairie : %s", query, exc)
        else:
            best = results[0] if results else None
            if best is None:
                logger.info("Adresse %r inconnue du service de géocodage", query)
            elif best.score is None or best.score < min_score:
                logger.info(
                    "Adresse %r : meilleur résultat %r trop incertain (score %s < %s)",
                    query,
                    best.label,
                    best.score,
                    min_score,
                )
            elif citycode and best.citycode != citycode:
                logger.info(
                    "Adresse %r : résultat %r dans la commune %s, attendue %s",
                    query,
                    best.label,
                    best.citycode,
                    citycode,
                )
            else:
                return best
    return town_hall(citycode)
