"""Form fields that name a place: the point of an actor (« latitude, longitude », in
France), the territories of an initiative (« kind:code »), the commune of a new organiser
(chosen in the autocomplete, or typed « Lens (62) » without script)."""

import re

from django import forms
from django.db.models import Q
from django.utils.translation import ngettext

from carto.territories.codes import search_key
from carto.territories.models import Territory

from .places import point_problem

MAX_TERRITORIES = 20

# « 50.4329, 2.8319 », « 50,4329 2,8319 » or « 50.4329;2.8319 »: latitude, then longitude.
POSITION_RE = re.compile(r"\s*(-?\d+(?:[.,]\d+)?)\s*[,; ]\s*(-?\d+(?:[.,]\d+)?)\s*")


class PositionField(forms.CharField):
    """« latitude, longitude » (as map applications give it, decimal point or comma),
    cleaned to (lon, lat) in France."""

    default_error_messages = {
        "required": "placez le lieu : cliquez sur la carte, choisissez sa commune, "
        "ou saisissez ses coordonnées.",
        "format": "deux nombres attendus, la latitude puis la longitude "
        "(par exemple 50.4329, 2.8319).",
        "range": "latitude entre -90 et 90, longitude entre -180 et 180 : "
        "avez-vous inversé les deux ?",
    }

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("inputmode", "decimal")
        self.widget.attrs.setdefault("autocomplete", "off")

    def prepare_value(self, value):
        if isinstance(value, tuple):
            lon, lat = value
            return f"{lat:.6f}, {lon:.6f}"
        return value

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        found = POSITION_RE.fullmatch(text) if len(text) <= 60 else None
        if not found:
            raise forms.ValidationError(self.error_messages["format"], code="format")
        lat, lon = (float(number.replace(",", ".")) for number in found.groups())
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise forms.ValidationError(self.error_messages["range"], code="range")
        return lon, lat

    def validate(self, value):
        if value is None:
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return
        problem = point_problem(*value)
        if problem:
            raise forms.ValidationError(problem, code="outside")


TERRITORY_KINDS = {"commune": "commune", "epci": "EPCI", "bv": "bassin de vie"}


class TerritoryCodesField(forms.CharField):
    """« kind:code » of loaded communes, EPCI or bassins de vie, separated by spaces (the
    script's chooser writes them), at most MAX_TERRITORIES."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return " ".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value):
        codes = re.split(r"[\s,]+", super().to_python(value))
        return list(dict.fromkeys(code for code in codes if code))

    def validate(self, value):
        super().validate(value)
        if len(value) > MAX_TERRITORIES:
            raise forms.ValidationError(
                f"{len(value)} territoires : {MAX_TERRITORIES} au plus.", code="max_items"
            )
        pairs = [code.split(":", 1) for code in value]
        if any(len(pair) != 2 or pair[0] not in TERRITORY_KINDS for pair in pairs):
            raise forms.ValidationError(
                "choisissez des communes, EPCI ou bassins de vie dans la liste proposée.",
                code="kind",
            )
        condition = Q(pk__in=[])
        for kind, code in pairs:
            condition |= Q(kind=kind, code=code)
        found = {
            f"{k}:{c}" for k, c in Territory.objects.filter(condition).values_list("kind", "code")
        }
        unknown = [code for code in value if code not in found]
        if unknown:
            raise forms.ValidationError(
                ngettext(
                    "territoire inconnu : %(codes)s.",
                    "territoires inconnus : %(codes)s.",
                    len(unknown),
                )
                % {"codes": ", ".join(unknown)},
                code="unknown",
            )


def territory_labels(codes: list[str]) -> list[tuple[str, str]]:
    """(code, « Lens (commune) ») for each loaded territory of `codes`, in their order."""
    condition = Q(pk__in=[])
    for code in codes:
        kind, _, number = code.partition(":")
        condition |= Q(kind=kind, code=number)
    names = {
        f"{t.kind}:{t.code}": f"{t.name} ({TERRITORY_KINDS.get(t.kind, t.kind)})"
        for t in Territory.objects.filter(condition).only("kind", "code", "name")
    }
    return [(code, names[code]) for code in codes if code in names]


COMMUNE_LABEL_RE = re.compile(r"(.+?)\s*\((\w{2,3})\)\s*")


def find_commune(text: str, code: str = "") -> Territory | None:
    """The commune chosen in the autocomplete (its code), or typed as « Lens » or
    « Lens (62) »; None when the text names none or several."""
    communes = Territory.objects.filter(kind="commune").defer("geom")
    if code:
        return communes.filter(code=code).first()
    found = COMMUNE_LABEL_RE.fullmatch(text)
    name, departement = (found[1], found[2]) if found else (text, "")
    matches = communes.filter(name_search=search_key(name))
    if departement:
        matches = matches.filter(departement_code=departement.upper())
    matches = list(matches[:2])
    return matches[0] if len(matches) == 1 else None
