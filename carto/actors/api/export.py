"""The directory exported in the national standards: data·inclusion « structures » (v1)
and « lieux de médiation numérique » (LMN, JSON and CSV).

Design choice: the whole directory (or one département) is one JSON list (or CSV file),
each item built by the standard's mapping (carto.actors.data_inclusion, carto.actors.lmn),
and streamed as it is read from the database in chunks: memory stays flat whatever the
size of the directory, and the first bytes leave before the last actor is read.
"""

import json
from collections.abc import Iterable, Iterator

from data_inclusion.schema.v1 import Structure
from django.http import StreamingHttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.views import APIView

from carto import csv_export
from carto.api import CachedGetMixin, QueryParams, parse_query
from carto.openapi import CSV, JSON, array, csv_document, number, obj, string
from carto.territories.codes import CODE_DESCRIPTIONS, Kind, is_valid_code, normalize_code

from .. import lmn
from ..data_inclusion import export_queryset, iter_structures


class ExportParams(QueryParams):
    departement = serializers.CharField(
        required=False,
        help_text="Code INSEE du département (ex. 62, 2A, 974) : ses seules structures.",
    )

    def validate_departement(self, value: str) -> str:
        code = normalize_code(Kind.DEPARTEMENT, value)
        if not is_valid_code(Kind.DEPARTEMENT, code):
            raise serializers.ValidationError(
                f"« {value} » n'est pas un code de département ({CODE_DESCRIPTIONS[Kind.DEPARTEMENT]})"
            )
        return code


def _openapi(schema, definitions: dict):
    """A pydantic JSON Schema node in OpenAPI 3.0 terms: `$ref`s to `#/$defs/…` inlined,
    `anyOf [X, null]` as X `nullable`, `examples` (not a 3.0 keyword) left out."""
    if isinstance(schema, list):
        return [_openapi(value, definitions) for value in schema]
    if not isinstance(schema, dict):
        return schema
    ref = schema.get("$ref", "")
    if ref.startswith("#/$defs/"):
        return _openapi(definitions[ref.removeprefix("#/$defs/")], definitions)
    node = {
        key: _openapi(value, definitions)
        for key, value in schema.items()
        if key not in ("examples", "$defs")
    }
    options = node.get("anyOf", [])
    others = [option for option in options if option != {"type": "null"}]
    if len(options) == 2 and len(others) == 1:
        del node["anyOf"]
        node = {**others[0], **node, "nullable": True}
    return node


def structure_schema() -> dict:
    """The package's JSON Schema of a structure, as an OpenAPI 3.0 schema."""
    schema = Structure.model_json_schema()
    return _openapi(schema, schema.get("$defs", {}))


def json_list(items: Iterable[dict]) -> Iterator[bytes]:
    """A JSON array written item by item (one structure a line)."""
    yield b"["
    for index, item in enumerate(items):
        separator = "\n" if index == 0 else ",\n"
        yield (separator + json.dumps(item, ensure_ascii=False)).encode()
    yield b"\n]\n"


class DataInclusionStructuresExport(CachedGetMixin, APIView):
    """Every published actor that is not a flagged duplicate, as data·inclusion v1 structures."""

    @extend_schema(
        operation_id="export_data_inclusion_structures",
        summary="L'annuaire au schéma data·inclusion (structures, v1)",
        description=(
            "Les acteurs publiés (hors doublons signalés), triés par identifiant, au schéma "
            "« structures » v1 de data·inclusion, chacun validé par le paquet officiel "
            "`data-inclusion-schema`. `id` vaut « carto--<identifiant de l'acteur> ». "
            "Jamais de coordonnées d'une personne contact."
        ),
        parameters=[ExportParams],
        responses={
            (200, "application/json"): {"type": "array", "items": structure_schema()},
        },
        tags=["export"],
    )
    def get(self, request):
        params = parse_query(ExportParams, request)
        queryset = export_queryset(params.get("departement"))
        return StreamingHttpResponse(
            json_list(iter_structures(queryset)), content_type="application/json; charset=utf-8"
        )


# -- lieux de médiation numérique ----------------------------------------------------------

_LMN_FORMATS = {
    "code_postal": string(pattern=r"^\d{5}$"),
    "code_insee": string(pattern=r"^(?:[013-9]\d|2[AB1-9])\d{3}$"),
    "pivot": string(pattern=r"^(?:\d{14}|W[A-Za-z0-9]{9})$"),
    "date_maj": string(format="date"),
    "latitude": number(minimum=-90, maximum=90),
    "longitude": number(minimum=-180, maximum=180),
    "itinerance": string(enum=[lmn.ITINERANT, lmn.FIXED]),
    "presentation_resume": string(maxLength=lmn.RESUME_MAX),
}
LMN_PLACE = obj(
    {name: _LMN_FORMATS.get(name, string(minLength=1)) for name in lmn.FIELDS},
    required=[*lmn.REQUIRED, "services"],
    additionalProperties=False,
    description=(
        "Un lieu au standard national des lieux de médiation numérique (v1, tel que le "
        "paquet officiel @gouvfr-anct/lieux-de-mediation-numerique le lit) : champs plats, "
        "listes jointes par « | », champs vides omis."
    ),
)
_LMN_DESCRIPTION = (
    "Les acteurs publiés de l'annuaire (hors doublons signalés et lieux d'accueil seuls) qui "
    "proposent des services de médiation numérique, quel que soit leur type, au standard "
    "national des lieux de médiation numérique, triés par identifiant. `id` vaut "
    "« carto--<identifiant de l'acteur> » ; `pivot` est le SIRET du lieu, sinon celui de sa "
    "structure principale, sinon son RNA, sinon « 00000000000000 ». Un acteur sans code postal "
    "ou sans adresse n'y figure pas. Jamais de coordonnées d'une personne contact."
)


class LmnPlacesExport(CachedGetMixin, APIView):
    """The listed actors offering LMN services, as places of the national standard (JSON)."""

    @extend_schema(
        operation_id="export_lmn_places_json",
        summary="Les lieux de médiation numérique de l'annuaire (standard national, JSON)",
        description=_LMN_DESCRIPTION + " Validé par le paquet officiel dans les tests.",
        parameters=[ExportParams],
        responses={(200, JSON): array(LMN_PLACE)},
        tags=["export"],
    )
    def get(self, request):
        params = parse_query(ExportParams, request)
        places = lmn.iter_places(lmn.export_queryset(params.get("departement")))
        return StreamingHttpResponse(
            json_list(places), content_type="application/json; charset=utf-8"
        )


class LmnPlacesCsvExport(CachedGetMixin, APIView):
    """The same places in the standard's CSV form (its fields as columns, in its order)."""

    @extend_schema(
        operation_id="export_lmn_places_csv",
        summary="Les lieux de médiation numérique de l'annuaire (standard national, CSV)",
        description=(
            _LMN_DESCRIPTION + " Colonnes : les champs du standard dans son ordre ; listes "
            "jointes par « | » ; téléphones en notation nationale (une cellule commençant par "
            "« + » serait protégée comme une formule)."
        ),
        parameters=[ExportParams],
        responses={(200, CSV): csv_document("Un lieu par ligne, après l'en-tête des champs.")},
        tags=["export"],
    )
    def get(self, request):
        params = parse_query(ExportParams, request)
        places = lmn.iter_places(lmn.export_queryset(params.get("departement")))
        return csv_export.response(
            lmn.FIELDS, lmn.csv_rows(places), "lieux-de-mediation-numerique.csv"
        )
