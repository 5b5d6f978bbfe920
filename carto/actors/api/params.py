"""Query parameters of the directory API, validated with messages that name them.

A departure from STYLE.md (« reuse drf-gis's InBBoxFilter, DistanceToPointOrderingFilter »),
on purpose: those filters ignore a malformed bbox or point and answer the whole
collection, where carto answers 400 naming the parameter; they order by Distance(),
which sorts the whole table, where `near` walks the KNN index; and they know nothing of
territories, taxonomies or unknown parameters. The filters themselves are one queryset
pipeline (`Actor.objects.listed().matching(params)`), mirrored for the collections' hot
path by pages.sql; these classes only validate (through `carto.api.parse_fields` on that
path: the same fields, no serializer built per request).

Paging: `page_size` is capped (CARTO_API_MAX_FEATURES, 5 000: a larger one is served
capped, `truncated` says more follow); `page` reaches the first CARTO_API_MAX_OFFSET rows,
`cursor` (the opaque token of a `next` link) any depth."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from carto.api import CURSOR_MAX_LENGTH, BBoxField, QueryParams
from carto.territories.codes import CODE_DESCRIPTIONS, Kind, is_valid_code, normalize_code
from carto.territories.models import Territory

from .. import taxonomy
from ..models import ActorKind, Public, Theme
from .pages import LIGHT_PROPERTIES

MAX_PAGE_SIZE = 500  # the moderation queue's (contributions.moderation.api)
DEFAULT_PAGE_SIZE = 100
MAX_RADIUS_KM = 500


@extend_schema_field(
    {"type": "string", "pattern": r"^-?\d+(\.\d+)?,-?\d+(\.\d+)?$", "example": "2.832435,50.429256"}
)
class PointField(serializers.Field):
    """`lon,lat` in WGS84."""

    default_error_messages = {
        "format": "deux nombres attendus : lon,lat (reçu « {value} »)",
        "range": "longitude entre -180 et 180, latitude entre -90 et 90 (reçu « {value} »)",
    }

    def to_internal_value(self, data):
        try:
            lon, lat = (float(part) for part in str(data).split(","))
        except ValueError:
            self.fail("format", value=data)
        if lon != lon or lat != lat:
            self.fail("format", value=data)
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            self.fail("range", value=data)
        return lon, lat

    def to_representation(self, value):
        return f"{value[0]},{value[1]}"


@extend_schema_field({"type": "string", "pattern": r"^[a-z]+:[0-9A-Za-z]+$", "example": "bv:62498"})
class TerritoryRefField(serializers.Field):
    """`kind:code`, e.g. bv:62498, qpv:QN06224M, departement:62 — a loaded territory."""

    default_error_messages = {
        "format": "forme « type:code » attendue, par exemple bv:62498 (reçu « {value} »)",
        "kind": "type de territoire « {kind} » inconnu (connus : {kinds})",
        "code": "« {code} » n'est pas un code de {label} ({description})",
        "unknown": "aucun territoire {kind}:{code} n'est chargé",
    }

    def to_internal_value(self, data):
        kind, sep, code = str(data).partition(":")
        if not sep or not code:
            self.fail("format", value=data)
        kind = kind.strip().lower()
        if kind not in Kind.values:
            self.fail("kind", kind=kind, kinds=", ".join(Kind.values))
        code = normalize_code(kind, code)
        if not is_valid_code(kind, code):
            self.fail(
                "code",
                code=code,
                label=Kind(kind).label.lower(),
                description=CODE_DESCRIPTIONS[kind],
            )
        if not Territory.objects.filter(kind=kind, code=code).exists():
            self.fail("unknown", kind=kind, code=code)
        return kind, code

    def to_representation(self, value):
        return ":".join(value)


class SlugListField(serializers.ListField):
    """Repeatable parameter whose values must be slugs of a taxonomy table."""

    def __init__(self, model, **kwargs):
        self.model = model
        super().__init__(child=serializers.CharField(), required=False, **kwargs)

    def to_internal_value(self, data):
        values = [
            v.strip()
            for item in super().to_internal_value(data)
            for v in item.split(",")
            if v.strip()
        ]
        known = set(self.model.objects.filter(slug__in=values).values_list("slug", flat=True))
        unknown = [value for value in values if value not in known]
        if unknown:
            choices = ", ".join(self.model.objects.values_list("slug", flat=True))
            raise serializers.ValidationError(
                f"valeur(s) inconnue(s) {', '.join(unknown)} (connues : {choices})"
            )
        return values


class TermListField(serializers.ListField):
    """Repeatable parameter whose values must be slugs of a fixed vocabulary of
    taxonomy.py (documented with its values as an enum)."""

    def __init__(self, terms: list[taxonomy.Term], **kwargs):
        self.slugs = taxonomy.slugs(terms)
        choices = [(term.slug, term.label) for term in terms]
        super().__init__(child=serializers.ChoiceField(choices=choices), required=False, **kwargs)

    def to_internal_value(self, data):
        items = [data] if isinstance(data, str) else data
        values = [v.strip() for item in items for v in str(item).split(",") if v.strip()]
        unknown = [value for value in values if value not in self.slugs]
        if unknown:
            raise serializers.ValidationError(
                f"valeur(s) inconnue(s) {', '.join(unknown)} (connues : {', '.join(self.slugs)})"
            )
        return values


def programme_field(
    help_text: str = "Site(s) de ce(s) programme(s) de l'État (répétable : l'un ou l'autre).",
) -> TermListField:
    """`programme`: slugs of taxonomy.PROGRAMMES (Cités éducatives, Petites villes de demain…)."""
    return TermListField(taxonomy.PROGRAMMES, help_text=help_text)


class DirectoryParams(QueryParams):
    q = serializers.CharField(
        required=False, max_length=200, help_text="Recherche plein texte (accents ignorés)."
    )
    kind = SlugListField(ActorKind, help_text="Type(s) d'acteur (répétable).")
    theme = SlugListField(Theme, help_text="Thème(s) (répétable : l'un ou l'autre).")
    public = SlugListField(Public, help_text="Public(s) (répétable : l'un ou l'autre).")
    territory = TerritoryRefField(
        required=False, help_text="Territoire « type:code », ex. bv:62498."
    )
    bbox = BBoxField(required=False, help_text="Emprise minlon,minlat,maxlon,maxlat.")
    near = PointField(
        required=False, help_text="lon,lat : résultats du plus proche au plus lointain."
    )
    radius_km = serializers.FloatField(
        required=False,
        min_value=0.001,
        max_value=MAX_RADIUS_KM,
        help_text="Rayon autour de `near`, en km.",
    )
    page = serializers.IntegerField(
        required=False,
        min_value=1,
        default=1,
        help_text=(
            "Numéro de page, dans les 10 000 premiers résultats ; au-delà, suivre le lien "
            "`next` (paramètre `cursor`)."
        ),
    )
    page_size = serializers.IntegerField(
        required=False,
        min_value=1,
        default=DEFAULT_PAGE_SIZE,
        help_text="Objets par réponse : au plus 5 000 (une demande plus grande est plafonnée).",
    )
    cursor = serializers.CharField(
        required=False,
        max_length=CURSOR_MAX_LENGTH,
        help_text=(
            "Curseur opaque du lien `next` d'une réponse : la page qui suit, à toute "
            "profondeur (exclut `page`)."
        ),
    )

    @classmethod
    def cross_check(cls, attrs):
        if "radius_km" in attrs and "near" not in attrs:
            raise serializers.ValidationError({"radius_km": ["n'a de sens qu'avec near=lon,lat"]})
        return attrs


class PropertiesField(serializers.ListField):
    """`properties`: the members of a light Feature (répétable, or separated by commas; empty:
    none), among pages.LIGHT_PROPERTIES (OGC API Features Part 6's property selection)."""

    def __init__(self, **kwargs):
        names = list(LIGHT_PROPERTIES)
        self.names = set(names)
        choices = serializers.ChoiceField(choices=names)
        super().__init__(child=choices, required=False, **kwargs)

    def to_internal_value(self, data):
        items = [data] if isinstance(data, str) else data
        if not isinstance(items, list):
            self.fail("not_a_list", input_type=type(data).__name__)
        values = [v.strip() for item in items for v in str(item).split(",") if v.strip()]
        unknown = [value for value in values if value not in self.names]
        if unknown:
            raise serializers.ValidationError(
                f"propriété(s) inconnue(s) {', '.join(unknown)} "
                f"(connues : {', '.join(LIGHT_PROPERTIES)})"
            )
        return list(dict.fromkeys(values))


class ActorParams(DirectoryParams):
    properties = PropertiesField(
        help_text=(
            "Objets allégés : seulement ces propriétés (séparées par des virgules ; vide : "
            "aucune), coordonnées à 5 décimales (≈ 1 m). Pour la carte : `properties=kind`."
        )
    )


class InitiativeParams(DirectoryParams):
    programme = programme_field()
    zoom = serializers.IntegerField(
        required=False, min_value=0, max_value=22, help_text="Simplifie les empreintes."
    )
