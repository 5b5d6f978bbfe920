"""The peer-training catalogue: offers (« je peux transmettre … ») and requests (« je
cherche à apprendre … ») placed at the commune, matched by theme and distance, and the
relays of a territory.

A person appears only by their pseudonym and commune, and only while they consent
(`Skill.objects.listed()`); their point is the commune's town hall, never finer. A request
is matched to the listed offers that share one of its themes (and its level, when both
say one), nearest first, and to the upcoming sessions of the agenda on those themes
within MATCH_RADIUS_KM."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.gis.geos import Point
from django.db.models import Q
from django.utils import timezone

from carto.srid import WGS84
from carto.territories.models import Territory

from .models import Format, Occurrence, Relay, Skill
from .querysets import Distance, Geography, as_geography
from .services import attach_like, set_attachment

MATCH_RADIUS_KM = 30
MATCH_DAYS = 90
MATCHES = 10
# The agenda's formats that fit an offer or a request (not a tour's stop, not an annual event).
SKILL_FORMATS = [Format.RENCONTRE, Format.ATELIER, Format.FORMATION, Format.PERMANENCE]


def place_at_commune(skill: Skill) -> Skill:
    """The skill's point and territory codes: its actor's, else its participant's commune
    (the town hall: a person is never placed finer)."""
    if skill.actor_id:
        skill.location = skill.actor.location
        attach_like(skill, skill.actor)
        return skill
    commune = Territory.objects.filter(kind="commune", code=skill.participant.commune_code).first()
    if commune is None:
        raise ValueError(f"commune inconnue : {skill.participant.commune_code}")
    skill.location = (
        Point(commune.anchor.x, commune.anchor.y, srid=WGS84) if commune.anchor else None
    )
    codes = {"commune": commune.code, "epci": commune.epci_code, "bv": commune.bv_code,
             "departement": commune.departement_code, "region": commune.region_code}  # fmt: skip
    set_attachment(skill, codes, sorted(f"{k}:{c}" for k, c in codes.items() if c))
    return skill


def save_skill(skill: Skill) -> Skill:
    place_at_commune(skill)
    skill.save()
    return skill


def matching_offers(request: Skill, limit: int = MATCHES):
    """Listed offers sharing a theme (and the level, when both say one), nearest first."""
    offers = (
        Skill.objects.listed()
        .filter(direction=Skill.Direction.OFFER, themes__overlap=request.themes)
        .exclude(participant_id=request.participant_id or -1)
    )
    if request.level:
        offers = offers.filter(level__in=["", request.level])
    if request.location is None:
        return list(offers.select_related("actor", "participant")[:limit])
    here = Geography(request.location)
    return list(
        offers.filter(location__isnull=False)
        .annotate(distance_m=Distance(as_geography("location"), here))
        .select_related("actor", "participant")
        .order_by("distance_m", "id")[:limit]
    )


def matching_sessions(request: Skill, limit: int = MATCHES):
    """Upcoming listed sessions on the request's themes near it (or online)."""
    now = timezone.now()
    sessions = (
        Occurrence.objects.listed()
        .between(now, now + timedelta(days=MATCH_DAYS))
        .filter(cancelled=False, event__themes__overlap=request.themes)
        .select_related("event")
    )
    if request.level:
        sessions = sessions.filter(event__level__in=["", request.level])
    if request.location is None:
        return list(sessions.order_by("starts_at")[:limit])
    near = sessions.near(request.location.x, request.location.y, MATCH_RADIUS_KM)
    found = {o.pk: o for o in near.order_by("starts_at")[:limit]}
    for occurrence in sessions.filter(event__attendance="en-ligne").order_by("starts_at")[:limit]:
        found.setdefault(occurrence.pk, occurrence)
    return sorted(found.values(), key=lambda o: o.starts_at)[:limit]


def relays_of(kind: str, code: str):
    """The relays and facilitators listed for a territory (a person's only with consent)."""
    return (
        Relay.objects.filter(territories__contains=[f"{kind}:{code}"])
        .filter(Q(participant__isnull=True) | Q(participant__consent=True))
        .select_related("actor", "participant")
        .order_by("role", "id")
    )
