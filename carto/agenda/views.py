"""The agenda's pages: « cette semaine près de chez moi » and the month's calendar, an
event and its sessions, registering and cancelling, the organiser's list of a session.

The list and the calendar read the same pipeline as the API (EventParams, then
`Occurrence.objects.listed().matching`): a filter means the same thing everywhere. « Près
de chez moi » is a commune typed (the first match of the territories' search, its town
hall) or the visitor's position given by their browser (`near`), 30 km around by default.
"""

from __future__ import annotations

import calendar as month_calendar
from collections import OrderedDict
from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit
from rest_framework import serializers

from carto.actors.models import Initiative, Public, Theme
from carto.agenda.credits.models import Exchange
from carto.api import parse_fields
from carto.calendar import DAY_NAMES_FR, PARIS, ZONES
from carto.contributions.models import Referent
from carto.contributions.propose.honeypot import is_filled
from carto.territories.models import Territory

from . import catalogue, ics, services, videos
from .api.params import EventParams
from .forms import AttendanceForm, RegistrationForm
from .models import (
    Attendance,
    Event,
    Format,
    Level,
    Mode,
    Occurrence,
    Registration,
    Skill,
    Testimony,
)
from .querysets import Distance, Geography, as_geography

MONTHS_FR = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
             "septembre", "octobre", "novembre", "décembre")  # fmt: skip
PAGE_FILTERS = ("q", "theme", "public", "format", "level", "attendance", "accessible",
                "holidays", "territory", "near", "radius_km")  # fmt: skip
LIST_CAP = 300


def agenda(request):
    """The list (this week by default) or the month's calendar (`vue=mois`)."""
    query = request.GET.copy()
    view = query.pop("vue", ["liste"])[-1]
    place = query.pop("lieu", [""])[-1].strip()
    period = query.pop("periode", ["semaine"])[-1]
    month = query.pop("mois", [""])[-1]
    first_day, last_day = query.pop("du", [""])[-1], query.pop("au", [""])[-1]
    for name in list(query):
        if name not in PAGE_FILTERS or query.get(name) == "":
            del query[name]
    today = timezone.localdate()
    problems = {}
    commune = None
    if place and "near" not in query:
        commune = Territory.objects.filter(kind="commune").search(place).first()
        if commune is not None and commune.anchor is not None:
            query["near"] = f"{commune.anchor.x:.6f},{commune.anchor.y:.6f}"
    if view == "mois":
        first = _month(month, today)
        start = datetime.combine(first, time(), PARIS)
        last = date(first.year, first.month, month_calendar.monthrange(first.year, first.month)[1])
        end = datetime.combine(last + timedelta(days=1), time(), PARIS)
    elif period == "mois":
        start, end = (
            datetime.combine(today, time(), PARIS),
            datetime.combine(today + timedelta(days=31), time(), PARIS),
        )
    elif period == "aujourdhui":  # what is left of today
        start, end = timezone.now(), datetime.combine(today + timedelta(days=1), time(), PARIS)
    elif period == "dates":
        start, end = _days_window(first_day, last_day, problems)
    else:  # « cette semaine »: the coming seven days (on a Saturday, more than a weekend)
        start = timezone.now()
        end = datetime.combine(today + timedelta(days=7), time(), PARIS)
    query["from"], query["to"] = start.isoformat(), end.isoformat()
    try:
        if problems:
            raise serializers.ValidationError(problems)
        params = parse_fields(EventParams, query)
        rows = list(
            Occurrence.objects.listed().matching(params).with_places_taken()
            .select_related("event__organizer")[: LIST_CAP + 1]
        )  # fmt: skip
    except serializers.ValidationError as exc:
        problems, rows = exc.detail, []
    truncated = len(rows) > LIST_CAP
    rows = rows[:LIST_CAP]
    for row in rows:
        row.distance_label = distance_label(getattr(row, "distance_m", None))
    context = {
        "rows": rows,
        "days": _by_day(rows),
        "truncated": truncated,
        "problems": problems,
        "view": view,
        "period": period,
        "first_day": first_day,
        "last_day": last_day,
        "place": place,
        "commune": commune,
        "not_found": bool(place) and commune is None,
        "request_query": request.GET,
        "themes": Theme.objects.all(),
        "publics": Public.objects.all(),
        "formats": Format.choices,
        "levels": Level.choices,
        "attendances": Attendance.choices,
        "zones": ZONES,
        "start": start,
        "end": end,
        "feed_url": reverse("api-events-feed") + _feed_query(query),
    }
    if view == "mois":
        context.update(_month_grid(first, rows))
    return render(request, "agenda/agenda.html", context)


MAX_WINDOW_DAYS = 366  # the horizon sessions are expanded to


def _days_window(first: str, last: str, problems: dict) -> tuple[datetime, datetime]:
    """Whole Paris days from `first` to `last` included (AAAA-MM-JJ); what is wrong goes
    into `problems`, named by its field (and the next seven days stand in)."""
    days = {}
    for name, text in (("du", first), ("au", last)):
        try:
            days[name] = date.fromisoformat(text)
        except ValueError:
            problems[name] = [
                f"« {text} » n'est pas une date (AAAA-MM-JJ)" if text else "date attendue"
            ]
    if len(days) == 2 and days["au"] < days["du"]:
        problems["au"] = [f"le {days['au']:%d/%m/%Y} précède le début, le {days['du']:%d/%m/%Y}"]
    elif len(days) == 2 and (days["au"] - days["du"]).days >= MAX_WINDOW_DAYS:
        problems["au"] = [f"{MAX_WINDOW_DAYS} jours au plus entre les deux dates"]
    if problems:
        today = timezone.localdate()
        days = {"du": today, "au": today + timedelta(days=6)}
    return (
        datetime.combine(days["du"], time(), PARIS),
        datetime.combine(days["au"] + timedelta(days=1), time(), PARIS),
    )


def distance_label(metres: float | None) -> str:
    """« 340 m », « 3,7 km », « 12 km »."""
    if metres is None:
        return ""
    if metres < 1000:
        return f"{round(metres / 10) * 10:.0f} m"
    kilometres = metres / 1000
    return f"{kilometres:.1f} km".replace(".", ",") if kilometres < 10 else f"{kilometres:.0f} km"


def _month(text: str, today: date) -> date:
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except ValueError:
        return today.replace(day=1)


def _by_day(rows) -> OrderedDict:
    days: OrderedDict = OrderedDict()
    for row in rows:
        day = row.starts_at.astimezone(PARIS).date()
        days.setdefault(day, []).append(row)
    return OrderedDict(
        (f"{DAY_NAMES_FR[day.weekday()]} {day.day} {MONTHS_FR[day.month - 1]}", items)
        for day, items in days.items()
    )


def _month_grid(first: date, rows) -> dict:
    by_date: dict[date, list] = {}
    for row in rows:
        by_date.setdefault(row.starts_at.astimezone(PARIS).date(), []).append(row)
    weeks = [
        [(day, by_date.get(day, []), day.month == first.month) for day in week]
        for week in month_calendar.Calendar().monthdatescalendar(first.year, first.month)
    ]
    previous = (first - timedelta(days=1)).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return {
        "weeks": weeks,
        "month_label": f"{MONTHS_FR[first.month - 1]} {first.year}",
        "previous_month": f"{previous:%Y-%m}",
        "next_month": f"{following:%Y-%m}",
        "weekday_names": DAY_NAMES_FR,
    }


def _feed_query(query) -> str:
    kept = query.copy()
    for name in ("from", "to", "near", "radius_km"):
        kept.pop(name, None)
    encoded = kept.urlencode()
    return f"?{encoded}" if encoded else ""


def event_page(request, pk: int):
    event = get_object_or_404(Event.objects.listed().select_related("organizer", "venue"), pk=pk)
    upcoming = list(
        event.occurrences.filter(ends_at__gt=timezone.now()).with_places_taken()
        .order_by("starts_at")[:60]
    )  # fmt: skip
    for occurrence in upcoming:
        occurrence.places_left = (
            None if event.capacity is None else max(0, event.capacity - occurrence.places_taken)
        )
    # The initiatives presented there (a festival gathers many), with their testimonies.
    initiatives = list(
        event.initiatives.filter(listed=True).select_related("organizer").order_by("title", "id")
        .prefetch_related(Prefetch(
            "testimonies", Testimony.objects.filter(status="published"), to_attr="shown_testimonies"
        ))
    )  # fmt: skip
    response = render(
        request,
        "agenda/evenement.html",
        {
            "event": event,
            "sessions": upcoming,
            "form": RegistrationForm(),
            "initiatives": initiatives,
            "feed_url": reverse("api-events-feed") + f"?event={event.pk}",
        },
    )
    return allow_players(response, (t.video_url for i in initiatives for t in i.shown_testimonies))


def session_ics(request, pk: int):
    occurrence = get_object_or_404(Occurrence.objects.listed().select_related("event"), pk=pk)
    response = HttpResponse(
        ics.session_calendar(occurrence), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="seance-{occurrence.pk}.ics"'
    return response


@require_POST
@ratelimit(key="ip", rate="20/h", method="POST", block=False)
def register(request, pk: int):
    occurrence = get_object_or_404(Occurrence.objects.listed().select_related("event"), pk=pk)
    event = occurrence.event
    if getattr(request, "limited", False):
        return render(request, "contributions/trop_de_demandes.html", status=429)
    form = RegistrationForm(request.POST)
    if is_filled(request.POST):  # the honeypot: a robot filled it; it learns nothing
        return redirect("agenda-event", pk=event.pk)
    if not form.is_valid():
        messages.error(request, "Inscription impossible : " + "; ".join(
            f"{form.fields[name].label if name in form.fields else name} : {' '.join(errors)}"
            for name, errors in form.errors.items()
        ))  # fmt: skip
        return redirect("agenda-event", pk=event.pk)
    try:
        registered = services.register(
            occurrence, form.cleaned_data["email"], form.cleaned_data["name"], request.user
        )
    except services.RegistrationError as exc:
        messages.error(request, str(exc))
        return redirect("agenda-event", pk=event.pk)
    return redirect("agenda-registration", token=registered.token)


@require_http_methods(["GET", "POST"])
def registration_page(request, token: str):
    """The participant's page (its link came by mail): the state, the calendar file, cancel."""
    registration = services.registration_by_token(token)
    if registration is None:
        raise Http404("Inscription inconnue : le lien est incomplet ou a été remplacé.")
    if request.method == "POST":
        services.cancel(registration)
        messages.success(request, "Votre inscription est annulée.")
        return redirect("agenda-registration", token=token)
    registration.refresh_from_db()
    return render(
        request,
        "agenda/inscription.html",
        {"registration": registration, "occurrence": registration.occurrence,
         "event": registration.occurrence.event, "token": token},
    )  # fmt: skip


def can_manage(user, event: Event) -> bool:
    """The organiser's account, a référent of the event's territories, or staff."""
    if not user.is_authenticated:
        return False
    if user.is_staff or (event.owner_id and event.owner_id == user.pk):
        return True
    referent = Referent.objects.filter(user=user).first()
    return referent is not None and referent.covers(event.territory_codes)


@require_http_methods(["GET", "POST"])
def participants(request, pk: int):
    """The organiser's list of a session; after it, who came (and the credits settled)."""
    occurrence = get_object_or_404(Occurrence.objects.select_related("event"), pk=pk)
    event = occurrence.event
    if not request.user.is_authenticated:
        return redirect(f"{reverse('admin:login')}?next={request.path}")
    if not can_manage(request.user, event):
        raise PermissionDenied(
            "Seuls l'organisateur et les référents du territoire voient cette liste."
        )
    registrations = occurrence.registrations.exclude(state=Registration.State.CANCELLED)
    form = AttendanceForm(
        request.POST if request.method == "POST" else None, registrations=registrations
    )
    if request.method == "POST" and form.is_valid():
        if occurrence.starts_at > timezone.now():
            messages.error(request, "La présence se note une fois la séance commencée.")
        else:
            present = services.mark_attendance(occurrence, form.present_ids(), by=request.user)
            messages.success(request, f"Présence enregistrée : {present} participant(s).")
            settled = services.settle_credits(occurrence, by=request.user)
            if settled:
                messages.success(request, settled)
        return redirect("agenda-participants", pk=occurrence.pk)
    return render(
        request,
        "agenda/participants.html",
        {"occurrence": occurrence, "event": event, "registrations": registrations, "form": form},
    )


# -- the peer-training catalogue ----------------------------------------------------------

SKILLS_SHOWN = 100


def skills(request):
    """Offers and requests of the catalogue: by direction, theme, level, near a commune."""
    query = request.GET
    rows = Skill.objects.listed().select_related("actor", "participant")
    direction = query.get("sens", "")
    if direction in Skill.Direction.values:
        rows = rows.filter(direction=direction)
    theme = query.get("theme", "")
    if theme:
        rows = rows.filter(themes__contains=[theme])
    level = query.get("level", "")
    if level in Level.values:
        rows = rows.filter(level=level)
    skill_format = query.get("format", "")
    if skill_format in Format.values:
        rows = rows.filter(format=skill_format)
    mode = query.get("ou", "")
    if mode in Mode.values:
        rows = rows.filter(modes__contains=[mode])
    place = query.get("lieu", "").strip()
    commune = None
    if place:
        commune = Territory.objects.filter(kind="commune").search(place).first()
    if commune is not None and commune.anchor is not None:
        rows = rows.filter(location__isnull=False).annotate(
            distance_m=Distance(as_geography("location"), Geography(commune.anchor))
        ).order_by("distance_m", "id")  # fmt: skip
    rows = list(rows[:SKILLS_SHOWN])
    for row in rows:
        row.distance_label = distance_label(getattr(row, "distance_m", None))
    return render(
        request,
        "agenda/savoirs.html",
        {"rows": rows, "themes": Theme.objects.all(), "levels": Level.choices,
         "directions": Skill.Direction.choices, "formats": catalogue.SKILL_FORMATS,
         "modes": Mode.choices, "query": query, "commune": commune,
         "not_found": bool(place) and commune is None,
         "exchanges": Exchange.objects.order_by("name").only("name", "slug", "currency")},
    )  # fmt: skip


def skill_page(request, pk: int):
    """An offer or a request; a request with the offers and sessions that match it."""
    skill = get_object_or_404(Skill.objects.listed().select_related("actor", "participant"), pk=pk)
    context = {"skill": skill, "offers": [], "sessions": []}
    if skill.direction == Skill.Direction.REQUEST:
        context["offers"] = catalogue.matching_offers(skill)
        for offer in context["offers"]:
            offer.distance_label = distance_label(getattr(offer, "distance_m", None))
        context["sessions"] = catalogue.matching_sessions(skill)
    return render(request, "agenda/savoir.html", context)


# -- the « banque des expériences » -----------------------------------------------------

EXPERIENCES_SHOWN = 60
RETEX_FIELDS = [
    "results_territory",
    "results_centre",
    "results_inhabitants",
    "limits",
    "perspectives",
]


def experiences(request):
    """Listed initiatives with their retex (results, limits, perspectives), published
    testimonies and the listed events where they were presented, by territory and theme."""
    query = request.GET
    retex = Q()
    for name in RETEX_FIELDS:
        retex |= ~Q(**{name: ""})
    rows = Initiative.objects.listed().filter(retex | Q(testimonies__status="published")).distinct()
    territory = query.get("territoire", "").strip()
    if territory and ":" in territory:
        rows = rows.filter(territory_codes__contains=[territory])
    theme = query.get("theme", "")
    if theme:
        rows = rows.filter(themes__contains=[theme])
    rows = list(
        rows.select_related("organizer")
        .prefetch_related(
            Prefetch("testimonies", Testimony.objects.filter(status="published"), to_attr="shown_testimonies"),
            Prefetch("events", Event.objects.listed().order_by("starts_at"), to_attr="shown_events"),
        )
        .order_by("title", "id")[:EXPERIENCES_SHOWN]
    )  # fmt: skip
    departements = (
        Territory.objects.filter(kind="departement").order_by("code").only("code", "name")
    )
    response = render(
        request,
        "agenda/experiences.html",
        {"rows": rows, "themes": Theme.objects.all(), "query": query, "departements": departements},
    )
    return allow_players(response, (t.video_url for row in rows for t in row.shown_testimonies))


def allow_players(response, urls):
    """Let the page frame exactly the video players it offers (after a click)."""
    sources = videos.frame_sources(urls)
    if sources:
        response._csp_update = {"frame-src": sources}
    return response
