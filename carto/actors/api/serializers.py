"""Serializers of the directory API: details and writes. Collections are GeoJSON built
by PostGIS (sql/features.sql). No serializer here names a private contact field: the
contact person reaches an actor's detail (`contact`) only when they agreed to it."""

from django.utils import timezone
from rest_framework import serializers
from rest_framework_gis.fields import GeometryField
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from carto import calendar
from carto.calendar import PARIS

from .. import opening_hours, taxonomy
from ..models import Actor, ActorKind, Initiative, Public, Theme

PRIVATE_FIELDS = {"contact_name", "contact_email", "contact_phone"}


class LinkSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Actor
        fields = ["id", "name", "url"]

    def get_url(self, actor) -> str:
        return f"/api/v1/actors/{actor.id}/"


def listed_link(actor) -> dict | None:
    """A link to an actor the public may see; nothing for one it may not (pending,
    refused, a duplicate): its name must not leak through another entry."""
    return LinkSerializer(actor).data if actor is not None and actor.listed else None


class InitiativeLinkSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Initiative
        fields = ["id", "title", "url"]

    def get_url(self, initiative) -> str:
        return f"/api/v1/initiatives/{initiative.id}/"


def _labels(model, slugs: list[str]) -> list[dict]:
    labels = dict(model.objects.filter(slug__in=slugs).values_list("slug", "label"))
    return [{"slug": slug, "label": labels.get(slug, slug)} for slug in slugs]


class ActorDetailSerializer(GeoFeatureModelSerializer):
    kind_label = serializers.CharField(source="kind.label")
    themes = serializers.SerializerMethodField()
    publics = serializers.SerializerMethodField()
    precision_label = serializers.CharField(source="get_precision_display")
    parent = serializers.SerializerMethodField()
    antennas = serializers.SerializerMethodField()
    initiatives = serializers.SerializerMethodField()
    duplicate_of = serializers.SerializerMethodField()
    territories = serializers.SerializerMethodField()
    opening_hours_text = serializers.SerializerMethodField()
    open_now = serializers.SerializerMethodField()
    amenities = serializers.SerializerMethodField()
    funded_posts = serializers.SerializerMethodField()
    sources = serializers.SerializerMethodField()
    contact = serializers.SerializerMethodField()

    class Meta:
        model = Actor
        geo_field = "location"
        fields = [
            "id", "name", "kind", "kind_label", "themes", "publics", "labels", "description", "siret", "rna",
            "network", "address", "address_extra", "postcode", "city", "precision", "precision_label",
            "to_locate", "service_area_codes", "opening_hours", "opening_hours_text", "open_now", "appointment", "itinerant", "email", "phone",
            "website", "contact", "services", "access_conditions", "amenities", "funded_posts", "parent",
            "antennas", "initiatives", "duplicate_of", "territories", "source", "source_id",
            "source_url", "sources", "last_verified", "updated_at",
        ]  # fmt: skip

    def get_themes(self, actor) -> list[dict]:
        return _labels(Theme, actor.themes)

    def get_amenities(self, actor) -> list[dict]:
        return [
            {"slug": s, "label": taxonomy.label_of(taxonomy.AMENITIES, s)} for s in actor.amenities
        ]

    def get_funded_posts(self, actor) -> list[dict]:
        """« accueille 2 postes d'adultes-relais »: the posts funded here, by programme."""
        return [
            {"slug": slug, "label": taxonomy.label_of(taxonomy.FUNDED_POSTS, slug), "count": count}
            for slug, count in sorted(actor.funded_posts.items())
        ]

    def get_sources(self, actor) -> list[dict]:
        """Every source that lists this place, with its identifier there."""
        return [
            {"source": s.source, "source_id": s.source_id, "url": s.source_url}
            for s in actor.sources.order_by("first_seen", "source")
        ]

    def get_publics(self, actor) -> list[dict]:
        return _labels(Public, actor.publics)

    def get_contact(self, actor) -> dict | None:
        """The contact person, only if they accepted publication (`contact_consent`)."""
        if not actor.contact_consent:
            return None
        contact = {
            "name": actor.contact_name or None,
            "email": actor.contact_email or None,
            "phone": actor.contact_phone or None,
        }
        return contact if any(contact.values()) else None

    def get_opening_hours_text(self, actor) -> list[str] | None:
        """The hours in French words, one line per group of days; None if not understood."""
        if not actor.opening_hours:
            return None
        try:
            return opening_hours.describe_fr(actor.opening_hours)
        except opening_hours.OpeningHoursError:
            return None

    def get_open_now(self, actor) -> bool | None:
        """Open at this minute, in French local time, public holidays of the actor's
        département included (None: hours unknown or not understood, or depending on
        school holidays, whose zone carto does not know by département)."""
        if not actor.opening_hours:
            return None
        now = timezone.localtime(timezone.now(), PARIS).replace(tzinfo=None)
        try:
            hours = opening_hours.parse(actor.opening_hours)
        except opening_hours.OpeningHoursError:
            return None
        if hours.school_holidays:
            return None
        return opening_hours.is_open(
            hours, now, lambda day: calendar.is_public_holiday(day, actor.departement_code)
        )

    def get_parent(self, actor) -> dict | None:
        return listed_link(actor.parent)

    def get_duplicate_of(self, actor) -> dict | None:
        return listed_link(actor.duplicate_of)

    def get_antennas(self, actor) -> list[dict]:
        return LinkSerializer(actor.antennas.listed(), many=True).data

    def get_initiatives(self, actor) -> list[dict]:
        return InitiativeLinkSerializer(actor.initiatives.listed(), many=True).data

    def get_territories(self, actor) -> dict:
        return {
            "commune": actor.commune_code or None,
            "epci": actor.epci_code or None,
            "bv": actor.bv_code or None,
            "departement": actor.departement_code or None,
            "region": actor.region_code or None,
            "qpv": actor.qpv_codes,
            "qpv_near": actor.qpv_near_codes,
        }


assert not PRIVATE_FIELDS & set(ActorDetailSerializer.Meta.fields)


class InitiativeDetailSerializer(GeoFeatureModelSerializer):
    geometry = GeometryField(source="display_geometry", read_only=True, precision=6)
    organizer = serializers.SerializerMethodField()
    partner_actors = serializers.SerializerMethodField()
    themes = serializers.SerializerMethodField()
    publics = serializers.SerializerMethodField()

    class Meta:
        model = Initiative
        geo_field = "geometry"
        fields = [
            "id", "title", "action_status", "end_reason", "dimension", "programme", "keywords", "themes",
            "publics", "summary", "organizer", "partner_actors", "partners", "initiators", "initiative_precision",
            "context", "territory_scope", "description", "resources", "people", "results_territory",
            "results_centre", "results_inhabitants", "limits", "perspectives", "footprint_codes",
            "territory_codes", "period", "url", "source", "source_id", "source_url", "updated_at",
        ]  # fmt: skip

    def get_organizer(self, initiative) -> dict | None:
        return listed_link(initiative.public_organizer)

    def get_partner_actors(self, initiative) -> list[dict]:
        return LinkSerializer(initiative.partner_actors.listed(), many=True).data

    def get_themes(self, initiative) -> list[dict]:
        return _labels(Theme, initiative.themes)

    def get_publics(self, initiative) -> list[dict]:
        return _labels(Public, initiative.publics)


class TaxonomyTermSerializer(serializers.Serializer):
    slug = serializers.CharField()
    label = serializers.CharField()
    actors = serializers.IntegerField()
    initiatives = serializers.IntegerField(required=False)


__all__ = [
    "ActorDetailSerializer",
    "ActorKind",
    "InitiativeDetailSerializer",
    "TaxonomyTermSerializer",
]
