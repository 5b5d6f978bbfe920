"""Query parameters of the agenda's API and feeds, validated with messages that name them:
the directory's filters (q, theme, public, territory, bbox, near with radius_km) plus the
time window (`from`, `to`), `format`, `level`, `attendance`, `accessible`, `holidays` (the
school holidays of a zone), `organizer` and `event`."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from carto.actors.api.params import PointField, SlugListField, TerritoryRefField
from carto.actors.models import Public, Theme
from carto.api import BBoxField, QueryParams
from carto.calendar import PARIS, ZONES

from ..models import Attendance, Format, Level

DEFAULT_DAYS = 31
MAX_DAYS = 400
MAX_PAGE_SIZE = 500


@extend_schema_field(
    {
        "type": "string",
        "example": "2026-12-01",
        "description": "Date (AAAA-MM-JJ, heure de Paris) ou date et heure ISO 8601.",
    }
)
class MomentField(serializers.Field):
    """A date (midnight in Paris; with `end_of_day`, the next midnight) or an ISO datetime
    (Paris time when it names no offset)."""

    default_error_messages = {
        "format": "date AAAA-MM-JJ ou date et heure ISO 8601 attendue (reçu « {value} »)",
    }

    def __init__(self, end_of_day: bool = False, **kwargs):
        self.end_of_day = end_of_day
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        text = str(data).strip()
        try:
            moment = parse_datetime(text) if "T" in text or " " in text else None
            day = None if moment else parse_date(text)
        except ValueError:
            self.fail("format", value=data)
        if moment is None and day is None:
            self.fail("format", value=data)
        if not (date(1900, 1, 1) <= (day or moment.date()) <= date(2200, 1, 1)):
            self.fail("format", value=data)
        if day is not None:
            moment = datetime.combine(day + timedelta(days=1 if self.end_of_day else 0), time())
        if timezone.is_naive(moment):
            moment = moment.replace(tzinfo=PARIS)
        return moment

    def to_representation(self, value):
        return value.isoformat()


class ChoiceListField(serializers.ListField):
    """A repeatable parameter (or values separated by commas) among fixed choices."""

    def __init__(self, choices, **kwargs):
        self.values = [value for value, _label in choices]
        super().__init__(child=serializers.ChoiceField(choices=choices), required=False, **kwargs)

    def to_internal_value(self, data):
        items = [data] if isinstance(data, str) else data
        values = [v.strip() for item in items for v in str(item).split(",") if v.strip()]
        unknown = [value for value in values if value not in self.values]
        if unknown:
            raise serializers.ValidationError(
                f"valeur(s) inconnue(s) {', '.join(unknown)} (connues : {', '.join(self.values)})"
            )
        return values


class EventParams(QueryParams):
    q = serializers.CharField(
        required=False, max_length=200, help_text="Recherche plein texte (accents ignorés)."
    )
    theme = SlugListField(Theme, help_text="Thème(s) (répétable : l'un ou l'autre).")
    public = SlugListField(Public, help_text="Public(s) (répétable : l'un ou l'autre).")
    territory = TerritoryRefField(
        required=False, help_text="Territoire « type:code », ex. departement:62."
    )
    bbox = BBoxField(required=False, help_text="Emprise minlon,minlat,maxlon,maxlat.")
    near = PointField(
        required=False,
        help_text="lon,lat : séances à moins de `radius_km` (30 km par défaut), avec distance_m.",
    )
    radius_km = serializers.FloatField(
        required=False, min_value=0.1, max_value=500, help_text="Rayon autour de `near`, en km."
    )
    locals()["from"] = MomentField(
        required=False, help_text="Début de la période (par défaut : maintenant)."
    )
    locals()["to"] = MomentField(
        end_of_day=True,
        required=False,
        help_text=f"Fin de la période, incluse pour une date (par défaut : {DEFAULT_DAYS} jours après le début ; au plus {MAX_DAYS}).",
    )
    format = ChoiceListField(Format.choices, help_text="Format(s) (répétable).")
    level = ChoiceListField(Level.choices, help_text="Niveau(x) d'une formation (répétable).")
    attendance = serializers.ChoiceField(
        choices=Attendance.choices,
        required=False,
        help_text="sur-place ou en-ligne (les événements hybrides répondent aux deux).",
    )
    accessible = serializers.BooleanField(
        required=False, default=None, allow_null=True, help_text="true : accessibles (PMR)."
    )
    holidays = serializers.ChoiceField(
        choices=[(zone, f"zone {zone}") for zone in ZONES],
        required=False,
        help_text="Séances pendant les vacances scolaires de cette zone (A, B ou C).",
    )
    organizer = serializers.IntegerField(
        required=False, min_value=1, help_text="Identifiant de l'acteur organisateur."
    )
    event = serializers.IntegerField(
        required=False, min_value=1, help_text="Les séances d'un événement."
    )
    page = serializers.IntegerField(required=False, min_value=1, default=1)
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_PAGE_SIZE, default=100
    )

    @classmethod
    def cross_check(cls, attrs):
        if "radius_km" in attrs and "near" not in attrs:
            raise serializers.ValidationError({"radius_km": ["n'a de sens qu'avec near=lon,lat"]})
        start = attrs.pop("from", None) or timezone.now()
        end = attrs.pop("to", None) or start + timedelta(days=DEFAULT_DAYS)
        if end <= start:
            raise serializers.ValidationError(
                {"to": ["la fin de la période doit suivre son début"]}
            )
        if end - start > timedelta(days=MAX_DAYS):
            raise serializers.ValidationError({"to": [f"une période de {MAX_DAYS} jours au plus"]})
        attrs["start"], attrs["end"] = start, end
        return attrs
