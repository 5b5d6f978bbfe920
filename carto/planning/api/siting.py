"""POST /api/v1/planning/siting/: where to open k relays so that the most people are in reach."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from carto.actors.api.params import SlugListField, TerritoryRefField
from carto.actors.models import Actor, ActorKind, Public, Theme
from carto.openapi import JSON

from ..services import siting_candidates, siting_targets
from ..siting import SitingError, exact_is_tractable, exact_site, site
from .schemas import SITING

MAX_CANDIDATES = 5000


class SitingRequest(serializers.Serializer):
    level = serializers.ChoiceField(
        choices=["commune", "bv", "epci", "qpv"],
        help_text="Les cibles : communes, bassins de vie, EPCI ou QPV hors de portée.",
    )
    territory = TerritoryRefField(
        required=False, help_text="Périmètre « type:code » des cibles et des candidats."
    )
    kind = SlugListField(
        ActorKind, help_text="L'offre existante qui compte comme couverture : types d'acteurs."
    )
    theme = SlugListField(Theme, help_text="… thèmes.")
    public = SlugListField(Public, help_text="… publics.")
    candidate_kinds = SlugListField(
        ActorKind, help_text="Les lieux d'accueil possibles : types d'acteurs (tous si vide)."
    )
    k = serializers.IntegerField(min_value=1, max_value=100, help_text="Nombre de lieux à choisir.")
    max_km = serializers.FloatField(
        min_value=0.1, max_value=50, default=5.0, help_text="Portée en km."
    )
    exact = serializers.BooleanField(
        default=False, help_text="Optimum exact (petits cas seulement)."
    )


def _host(host) -> dict:
    actor = Actor.objects.select_related("kind").get(pk=int(host.candidate.id))
    return {
        "actor": {"id": actor.id, "name": actor.name, "kind": actor.kind_id, "kind_label": actor.kind.label,
                  "city": actor.city, "url": reverse("actor-detail", kwargs={"pk": actor.id})},
        "lon": host.candidate.lon,
        "lat": host.candidate.lat,
        "gain": host.gain,
        "covered": [{"id": t.id, "label": t.label, "weight": t.weight, "distance_m": round(t.distance_m, 1)} for t in host.covered],
    }  # fmt: skip


class SitingView(APIView):
    @extend_schema(
        operation_id="planning_siting",
        summary="Choisir k lieux d'accueil qui mettent le plus d'habitants à portée",
        request=SitingRequest,
        responses={(200, JSON): SITING},
        tags=["planification"],
    )
    def post(self, request):
        params = SitingRequest(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        scope = data.get("territory")
        filters = {key: data[key] for key in ("kind", "theme", "public") if data.get(key)}
        targets = siting_targets(data["level"], filters, scope, data["max_km"])
        candidates = siting_candidates(data.get("candidate_kinds", []), scope)
        if len(candidates) > MAX_CANDIDATES:
            raise ValidationError(
                {
                    "candidate_kinds": [
                        f"{len(candidates)} candidats : au plus {MAX_CANDIDATES}, restreignez les types ou le territoire"
                    ]
                }
            )
        if data["exact"] and not exact_is_tractable(len(candidates), data["k"]):
            raise ValidationError(
                {
                    "exact": [
                        "trop de combinaisons pour l'optimum exact : retirez exact ou réduisez k ou les candidats"
                    ]
                }
            )
        try:
            solve = exact_site if data["exact"] else site
            result = solve(targets, candidates, data["k"], data["max_km"])
        except SitingError as exc:
            # Name the request's field: candidates come from candidate_kinds, targets from level.
            field = {"candidates": "candidate_kinds", "targets": "level"}.get(exc.field, exc.field)
            raise ValidationError({field: [str(exc)]}) from None
        unit = "QPV" if data["level"] == "qpv" else "habitants"
        return Response(
            {
                "method": "exact" if result.exact else "greedy",
                "level": data["level"],
                "k": data["k"],
                "max_km": data["max_km"],
                "unit": unit,
                "hosts": [_host(host) for host in result.hosts],
                "covered_weight": result.covered_weight,
                "open_weight": result.open_weight,
                "total_weight": result.total_weight,
                "share": round(result.share, 4),
                "upper_bound_optimum": result.upper_bound_optimum,
                "guarantee": round(result.guarantee, 4),
                "worst_case_guarantee": round(result.worst_case_guarantee, 4),
                "stop_reason": str(result.stop_reason),
                "summary": result.summary
                if unit == "habitants"
                else result.summary.replace("habitants", "QPV"),
                "uncovered": [
                    {"id": t.id, "label": t.label, "weight": t.weight}
                    for t in result.uncovered[:100]
                ],
            }
        )
