"""Small JSON answers for the forms' scripts: opening hours in words, likely duplicates.

Both are GET and write nothing, so they carry no CSRF token and no rate limit: the rate
limit counts in the database cache, and counting each keystroke of the hours preview there
would cost more than answering it. Their cost is bounded instead: the hours value is at
most 500 characters (the model's length) and its reading is cached (opening_hours.parse);
the duplicates query goes through the SIRET and geography indexes and answers at most
five listed actors, public fields only.
"""

from django.http import JsonResponse
from django.views.decorators.http import require_GET

from carto.actors import opening_hours

from .duplicates import likely_duplicates
from .place_fields import POSITION_RE

HOURS_MAX = 500


def _json(data: dict, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


@require_GET
def hours_preview(request):
    """?h=<OSM opening_hours> -> {"valid", "text", "lines", "error"}, in French."""
    value = request.GET.get("h", "").strip()
    if not value:
        return _json({"valid": True, "text": "", "lines": [], "error": ""})
    if len(value) > HOURS_MAX:
        error = f"{HOURS_MAX} caractères au plus (actuellement {len(value)})."
        return _json({"valid": False, "text": "", "lines": [], "error": error})
    try:
        lines = opening_hours.describe_fr(value)
    except opening_hours.OpeningHoursError as exc:
        return _json({"valid": False, "text": "", "lines": [], "error": str(exc)})
    return _json({"valid": True, "text": " ; ".join(lines), "lines": lines, "error": ""})


@require_GET
def duplicates(request):
    """?name=&lon=&lat=&siret= -> {"results": [listed actors that may be the same]}."""
    name = request.GET.get("name", "").strip()[:300]
    siret = "".join(request.GET.get("siret", "").split())
    if siret and not (len(siret) == 14 and siret.isdigit()):
        siret = ""
    point = None
    lon, lat = request.GET.get("lon", ""), request.GET.get("lat", "")
    if lon or lat:
        found = POSITION_RE.fullmatch(f"{lon} {lat}") if len(lon) + len(lat) < 40 else None
        if not found:
            return _json({"detail": "« lon » et « lat » : deux nombres attendus."}, 400)
        point = tuple(float(number.replace(",", ".")) for number in found.groups())
        if not (-180 <= point[0] <= 180 and -90 <= point[1] <= 90):
            return _json({"detail": "« lon » entre -180 et 180, « lat » entre -90 et 90."}, 400)
    return _json({"results": likely_duplicates(name, point, siret)})
