"""The moderation API: the pending proposals a moderator may see, and the decisions on
them (publish, refuse, apply), as JSON for a session or a token.

Design choices:
- No rule of its own: the scope is `access.proposals_for(user)` (a proposal outside it is
  a 404, whatever the request says), the decisions are `decisions.publish`, `refuse` and
  `apply_correction`, each with the version of the entry the client saw; a decision that
  cannot be taken, or an entry changed since, is a 409 that says why.
- Authentication on these views only (the public API keeps none): DRF's token (header
  `Authorization: Token <key>`, tried first, so that an anonymous request is a 401 with
  `WWW-Authenticate`) or the moderation pages' session, with its CSRF token on writes.
  Signed in without being a moderator: a 403.
- The proposer's name and e-mail never leave the server: an item is built here, field by
  field, never from the whole row; answers are private and never cached.
"""

from django.utils.cache import add_never_cache_headers
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from carto.actors.api.params import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    SlugListField,
    TerritoryRefField,
)
from carto.actors.models import Actor, ActorKind, Status
from carto.api import JsonBodyParser, QueryParams, page_url, parse_query
from carto.contributions.entries import kind_of
from carto.contributions.models import Proposal
from carto.contributions.services import EditConflict
from carto.openapi import ERROR, JSON, PAGING, all_required, array, errors, integer, obj, string

from . import decisions
from .access import is_moderator, proposals_for

NOT_AUTHENTICATED = (
    "Authentification requise : un jeton (en-tête « Authorization: Token <clé> ») "
    "ou une session de modération."
)
NOT_A_MODERATOR = "Accès réservé aux référents et à l’équipe : vous ne modérez aucun territoire."
CSRF_FAILED = "Jeton CSRF absent ou invalide : envoyez l’en-tête X-CSRFToken de votre session."


# -- who may call -------------------------------------------------------------------------


class CsrfSessionAuthentication(SessionAuthentication):
    """DRF's session authentication (CSRF checked on writes), refusing in French."""

    def enforce_csrf(self, request):
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied:
            raise exceptions.PermissionDenied(CSRF_FAILED) from None


class CsrfSessionScheme(SessionScheme):
    """Documented as DRF's session (the `cookieAuth` scheme)."""

    target_class = CsrfSessionAuthentication


class IsModerator(BasePermission):
    message = NOT_A_MODERATOR

    def has_permission(self, request, view):
        return request.user is not None and is_moderator(request.user)


class ModerationView(APIView):
    """Token or session, moderators only; private answers; JSON bodies."""

    authentication_classes = [TokenAuthentication, CsrfSessionAuthentication]
    permission_classes = [IsModerator]
    parser_classes = [JsonBodyParser]

    def permission_denied(self, request, message=None, code=None):
        if request.authenticators and not request.successful_authenticator:
            raise exceptions.NotAuthenticated(NOT_AUTHENTICATED)
        super().permission_denied(request, message, code)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)  # private, no-store: a moderator's own view
        return response

    def proposal(self, pk: int) -> Proposal:
        """The proposal `pk` if the user may decide on it, else a 404 (as if none)."""
        found = (
            proposals_for(self.request.user)
            .select_related("actor", "initiative", "event")
            .filter(pk=pk)
            .first()
        )
        if found is None:
            raise exceptions.NotFound(f"Aucune proposition n° {pk} parmi celles que vous modérez.")
        return found


# -- what is shown ------------------------------------------------------------------------


def entry_data(entry) -> dict:
    """The entry a proposal names: its type, id, name (or title), version and status."""
    if isinstance(entry, Actor):
        return {"type": "actor", "id": entry.pk, "name": entry.name,
                "version": entry.version, "status": entry.status}  # fmt: skip
    return {"type": kind_of(entry).name, "id": entry.pk, "title": entry.title,
            "version": entry.version, "status": entry.status}  # fmt: skip


def proposal_data(proposal: Proposal) -> dict:
    """A proposal without its proposer (name and e-mail stay on the server)."""
    return {
        "id": proposal.pk,
        "kind": proposal.kind,
        "state": proposal.state,
        "created_at": proposal.created_at.isoformat(),
        "territory_codes": list(proposal.territory_codes),
        "actor_kind": proposal.actor_kind,
        "entry": entry_data(proposal.entry),
        "changes": proposal.changes,
        "message": proposal.message,
    }


ENTRY_STATUSES = Status.values
ENTRY = {
    "oneOf": [
        all_required(
            {
                "type": string(enum=["actor"]),
                "id": integer(),
                "name": string(),
                "version": integer(minimum=1),
                "status": string(enum=ENTRY_STATUSES),
            }
        ),
        all_required(
            {
                "type": string(enum=["initiative", "event"]),
                "id": integer(),
                "title": string(),
                "version": integer(minimum=1),
                "status": string(enum=ENTRY_STATUSES),
            }
        ),
    ]
}
PROPOSAL = all_required(
    {
        "id": integer(),
        "kind": string(enum=Proposal.Kind.values),
        "state": string(enum=Proposal.State.values),
        "created_at": string(format="date-time"),
        "territory_codes": array(string()),
        "actor_kind": string(description="Type d’acteur (vide pour une initiative)."),
        "entry": ENTRY,
        "changes": obj({}, description="Valeurs proposées, par champ (corrections)."),
        "message": string(),
    }
)
PROPOSAL_PAGE = obj({**PAGING, "results": array(PROPOSAL)}, required=[*PAGING, "results"])
CONFLICT = obj(
    {
        "detail": string(description="Pourquoi la décision n’a pas été prise."),
        "version": integer(description="Version actuelle de la fiche (modification concurrente)."),
    },
    required=["detail"],
)


def refused(status: int, description: str) -> dict:
    return {(status, JSON): OpenApiResponse(response=ERROR, description=description)}


AUTH_ERRORS = {
    **refused(401, "Non authentifié : jeton ou session de modération requis."),
    **refused(403, "Authentifié sans être modérateur, ou jeton CSRF absent sur une session."),
}
DECISION_RESPONSES = {
    (200, JSON): OpenApiResponse(response=ENTRY, description="La fiche après la décision."),
    **errors(400),
    **AUTH_ERRORS,
    **refused(404, "Aucune proposition de ce numéro parmi celles que vous modérez."),
    (409, JSON): OpenApiResponse(
        response=CONFLICT,
        description=(
            "Décision impossible (proposition déjà traitée, mauvaise nature…) ou fiche "
            "modifiée depuis la version envoyée (`version` donne l’actuelle)."
        ),
    ),
}


# -- the queue ----------------------------------------------------------------------------


class QueueParams(QueryParams):
    territory = TerritoryRefField(
        required=False, help_text="Restreint à un territoire « type:code », ex. departement:62."
    )
    kind = serializers.ChoiceField(
        choices=Proposal.Kind.choices,
        required=False,
        help_text="Nature : new (nouvelle fiche), correction ou report (signalement).",
    )
    actor_kind = SlugListField(ActorKind, help_text="Type(s) d’acteur (répétable).")
    page = serializers.IntegerField(required=False, min_value=1, default=1)
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_PAGE_SIZE, default=DEFAULT_PAGE_SIZE
    )


class ProposalListView(ModerationView):
    @extend_schema(
        operation_id="moderation_proposals",
        summary="Propositions en attente que je modère",
        description=(
            "Les propositions en attente des territoires (et types d’acteurs) du référent "
            "authentifié, toutes pour l’équipe, les plus anciennes d’abord ; sans le nom ni le "
            "courriel du proposant. Authentification : jeton (`Authorization: Token <clé>`) ou "
            "session de modération."
        ),
        parameters=[QueueParams],
        responses={
            (200, JSON): PROPOSAL_PAGE,
            **AUTH_ERRORS,
            **refused(404, "Page au-delà de la dernière."),
        },
        tags=["moderation"],
    )
    def get(self, request):
        params = parse_query(QueueParams, request)
        queryset = (
            proposals_for(request.user).pending().select_related("actor", "initiative", "event")
        )
        if params.get("territory"):
            queryset = queryset.filter(territory_codes__contains=[":".join(params["territory"])])
        if params.get("kind"):
            queryset = queryset.filter(kind=params["kind"])
        if params.get("actor_kind"):
            queryset = queryset.filter(actor_kind__in=params["actor_kind"])
        page, size = params["page"], params["page_size"]
        count = queryset.count()
        pages = max(1, -(-count // size))
        if page > pages:
            raise exceptions.NotFound(
                f"Page {page} au-delà de la dernière ({pages}) pour {count} résultats."
            )
        results = [proposal_data(p) for p in queryset[(page - 1) * size : page * size]]
        return Response(
            {
                "count": count,
                "numberReturned": len(results),
                "page": page,
                "page_size": size,
                "truncated": page < pages,
                "next": page_url(request, page + 1) if page < pages else None,
                "previous": page_url(request, page - 1) if page > 1 else None,
                "results": results,
            }
        )


# -- the decisions ------------------------------------------------------------------------


class VersionBody(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1, help_text="Version de la fiche sur laquelle porte la décision."
    )


class RefuseBody(VersionBody):
    reason = serializers.CharField(
        max_length=2000, help_text="Motif du refus, envoyé au proposant."
    )


class DecisionView(ModerationView):
    """One decision of `decisions` on a proposal in the user's scope."""

    body_class = VersionBody

    def decide(self, proposal, data: dict, user):
        raise NotImplementedError

    def post(self, request, pk: int):
        proposal = self.proposal(pk)
        body = self.body_class(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            entry = self.decide(proposal, body.validated_data, request.user)
        except EditConflict as conflict:
            return Response({"detail": str(conflict), "version": conflict.current.version}, 409)
        except decisions.DecisionError as error:
            return Response({"detail": str(error)}, status=409)
        return Response(entry_data(entry))


def decision_schema(operation_id: str, summary: str, description: str, body):
    return extend_schema(
        operation_id=operation_id,
        summary=summary,
        description=description,
        request=body,
        responses=DECISION_RESPONSES,
        tags=["moderation"],
    )


class PublishView(DecisionView):
    @decision_schema(
        "moderation_publish",
        "Publier une nouvelle fiche",
        "Publie la fiche en attente d’une proposition « new », à la version envoyée.",
        VersionBody,
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def decide(self, proposal, data, user):
        return decisions.publish(proposal, data["version"], user)


class RefuseView(DecisionView):
    body_class = RefuseBody

    @decision_schema(
        "moderation_refuse",
        "Refuser une proposition",
        "Refuse la proposition avec un motif (envoyé au proposant) ; une nouvelle fiche est "
        "écartée, une fiche existante reste telle quelle.",
        RefuseBody,
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def decide(self, proposal, data, user):
        return decisions.refuse(proposal, data["version"], user, data["reason"])


class ApplyView(DecisionView):
    @decision_schema(
        "moderation_apply",
        "Appliquer une correction",
        "Applique les valeurs proposées par une correction (ou marque un signalement comme "
        "traité), à la version envoyée de la fiche.",
        VersionBody,
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def decide(self, proposal, data, user):
        return decisions.apply_correction(proposal, data["version"], user)
