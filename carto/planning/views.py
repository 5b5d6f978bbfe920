"""The territory sheet: who does what in a territory, its gaps, and how it compares."""

from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count, Func, Sum
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from carto.actors import taxonomy
from carto.actors.models import Actor, ActorKind, Initiative, Theme
from carto.territories.codes import Kind, is_valid_code, normalize_code
from carto.territories.models import Territory

from .coverage import coverage, gaps

SHEET_ACTORS = 500  # listed by name on the sheet; the map shows them all

SUB_LEVEL = {
    "region": "departement",
    "departement": "bv",
    "bv": "commune",
    "epci": "commune",
    "commune": "qpv",
}
# « Zones blanches : … », agreed in number and gender.
GAPS_HEADING = {
    "departement": "les départements les moins couverts",
    "bv": "les bassins de vie les moins couverts",
    "commune": "les communes les moins couvertes",
    "qpv": "les quartiers prioritaires les moins couverts",
}


def main_departement(territory: Territory) -> str:
    """The département of a territory, or of most of its population when it straddles several."""
    if territory.departement_code or len(territory.departement_codes) < 2:
        return territory.departement_code or (territory.departement_codes or [""])[0]
    populations = (
        Territory.objects.filter(kind=Kind.COMMUNE, code__in=territory.commune_codes)
        .values("departement_code")
        .annotate(total=Sum("population"))
        .order_by("-total")
    )
    first = populations.first()
    return first["departement_code"] if first else territory.departement_codes[0]


def _per_10k(row) -> float | None:
    return row.actors_per_10k if row else None


def programme_sites(territory: Territory) -> list[tuple[str, list[Initiative]]]:
    """« Programmes présents ici »: the listed sites of the State's programmes whose footprint
    covers a commune of the territory (the communes stored on each site at write time; for a
    QPV, those of its communes), grouped by programme in the taxonomy's order."""
    sites = Initiative.objects.listed().exclude(programme="")
    if territory.kind == Kind.QPV:
        codes = [f"commune:{code}" for code in territory.commune_codes]
        sites = sites.filter(territory_codes__overlap=codes)
    else:
        sites = sites.in_territory(territory.kind, territory.code)
    by_programme: dict[str, list[Initiative]] = {}
    for site in sites.only("id", "title", "programme", "territory_scope").order_by("title", "id"):
        by_programme.setdefault(site.programme, []).append(site)
    return [
        (term.label, by_programme[term.slug])
        for term in taxonomy.PROGRAMMES
        if term.slug in by_programme
    ]


def territoire(request, kind: str, code: str):
    if kind not in Kind.values:
        raise Http404(f"Type de territoire inconnu « {kind} ».")
    code = normalize_code(kind, code)
    territory = (
        Territory.objects.defer("geom").filter(kind=kind, code=code).first()
        if is_valid_code(kind, code)
        else None
    )
    if territory is None:
        raise Http404(f"Aucun territoire {kind}:{code}.")
    key = f"{kind}:{code}"
    actors = Actor.objects.listed().in_directory().in_territory(kind, code)
    actor_count = actors.count()
    # The programmes' sites have their own section (programme_sites).
    initiatives = Initiative.objects.listed().in_territory(kind, code).filter(programme="")
    theme_labels = dict(Theme.objects.values_list("slug", "label"))
    kind_labels = dict(ActorKind.objects.values_list("slug", "label"))
    by_kind = [
        (kind_labels.get(k, k), n)
        for k, n in actors.values_list("kind").annotate(n=Count("id")).order_by("-n")
    ]
    by_theme = sorted(
        (
            (theme_labels.get(t, t), n)
            for t, n in actors.annotate(t=Func("themes", function="unnest"))
            .values_list("t")
            .annotate(n=Count("id"))
        ),
        key=lambda item: -item[1],
    )
    # Comparison: actors per 10 000 inhabitants here, in its département and its région.
    comparison = []
    if kind != Kind.QPV:
        own = coverage(kind, {}, (kind, code))
        comparison.append(
            (territory.name, _per_10k(next((r for r in own if r.code == code), None)))
        )
        for parent_kind, parent_code in (
            ("departement", main_departement(territory)),
            ("region", territory.region_code),
        ):
            if (
                parent_code
                and parent_kind != kind
                and Territory.objects.filter(kind=parent_kind, code=parent_code).exists()
            ):
                rows = coverage(parent_kind, {}, (parent_kind, parent_code))
                row = next((r for r in rows if r.code == parent_code), None)
                if row:
                    comparison.append((row.name, _per_10k(row)))
    sub_level = SUB_LEVEL.get(kind)
    sub_gaps = gaps(coverage(sub_level, {}, (kind, code)))[:15] if sub_level else []
    return render(
        request,
        "planning/territoire.html",
        {
            "territory": territory,
            "actors": actors.select_related("kind").order_by("city", "name")[:SHEET_ACTORS],
            "actor_count": actor_count,
            "more_actors": max(0, actor_count - SHEET_ACTORS),
            "initiatives": initiatives.select_related("organizer").order_by("title")[:200],
            "programmes": programme_sites(territory),
            "by_kind": by_kind,
            "by_theme": by_theme,
            "comparison": comparison,
            "sub_level": Kind(sub_level).label if sub_level else "",
            "gaps_heading": GAPS_HEADING.get(sub_level, ""),
            "sub_gaps": sub_gaps,
            "map_url": reverse("map") + f"?territory={key}",
            "planner_url": reverse("planner")
            + "?"
            + urlencode(
                {
                    "territory": key,
                    "level": "commune" if kind != Kind.QPV else "qpv",
                    "label": territory.name,
                }
            ),
            "outline_url": reverse("territory-detail", kwargs={"kind": kind, "code": code})
            + "?zoom=11",
            "actors_url": reverse("actor-list") + f"?territory={key}&page_size=500",
        },
    )


def planifier(request):
    """The planner: gaps of a territory, suggested host places, a dated itinerant tour."""
    config = {
        "api": {
            "gaps": reverse("coverage-gaps"),
            "siting": reverse("planning-siting"),
            "tours": reverse("planning-tours"),
            "search": reverse("territory-search"),
            "territory": reverse("territory-detail", kwargs={"kind": "KIND", "code": "CODE"}),
            "sheet": reverse("territory-sheet", kwargs={"kind": "KIND", "code": "CODE"}),
        },
        "tiles": {"url": settings.CARTO_TILE_URL, "attribution": settings.CARTO_TILE_ATTRIBUTION},
        "preset": {
            key: request.GET.get(key, "") for key in ("territory", "level", "theme", "label")
        },
    }
    return render(
        request,
        "planning/planifier.html",
        {"config": config, "kinds": ActorKind.objects.all(), "themes": Theme.objects.all()},
    )
