"""The centres sociaux action sheets and the fabrique d'initiatives citoyennes form,
as initiatives with their organising actor.

The organiser is matched by normalised name and département to an actor of the
directory. Otherwise it is created at the best precision the text allows: the
town hall of a commune of that département named in the sheet (in the
organiser's name first, then the summary, context and description), flagged
« à localiser »; with no such commune, it is kept pending (not published)
until a moderator places it.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from pathlib import Path

from django.contrib.gis.geos import Point
from django.db import transaction

from carto.srid import WGS84
from carto.territories.codes import Kind, search_key
from carto.territories.models import Territory

from ..fabrique import parse_fabrique
from ..fiches import ParseError, parse_fiches
from ..models import Actor, Initiative, Precision, Status
from ..services import analyze_directory, attach_actors, attach_initiatives
from ..signals import directory_changed
from ..taxonomy import kind_for, publics_for, themes_for
from .base import ActorImportSummary, ImportAborted

# Kinds recognised in an organiser's name, most specific first.
NAME_KINDS = [
    ("maison de quartier", "maison-de-quartier"),
    ("maison des jeunes", "mjc"),
    ("mjc", "mjc"),
    ("espace de vie sociale", "espace-de-vie-sociale"),
    ("centre social", "centre-social"),
    ("centre socio", "centre-social"),
    ("conseil citoyen", "conseil-citoyen"),
    ("tiers lieu", "tiers-lieu"),
    ("mediatheque", "mediatheque"),
]


@dataclass
class PlacedOrganizer:
    actor: Actor
    created: bool


def organizer_kind(name: str, default: str) -> str:
    key = search_key(name)
    for words, kind in NAME_KINDS:
        if words in key:
            return kind
    return kind_for(name) or default


def _source_id(*parts: str) -> str:
    return hashlib.sha1("|".join(search_key(part) for part in parts).encode()).hexdigest()[:16]


class SheetImporter:
    """Imports parsed records (the fiches' 22 keys) as initiatives."""

    source = "fiches_centres_sociaux"
    default_kind = "centre-social"

    def __init__(self, path: Path):
        self.path = Path(path)
        self.departements = {
            search_key(t.name): t.code
            for t in Territory.objects.filter(kind=Kind.DEPARTEMENT).only("name", "code")
        }

    def parse(self, text: str) -> list[dict]:
        return parse_fiches(text)

    def read(self) -> list[dict]:
        try:
            text = self.path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise ImportAborted(f"{self.path} : lecture impossible ({exc})") from None
        try:
            return self.parse(text)
        except ParseError as exc:
            raise ImportAborted(f"{self.path} : {exc}") from None

    def find_commune(self, departement: str, texts: list[str]) -> Territory | None:
        """The first commune of the département named (as whole words) in these texts."""
        communes = list(
            Territory.objects.filter(kind=Kind.COMMUNE, departement_code=departement).only(
                "code", "name", "name_search", "anchor"
            )
        )
        for text in texts:
            haystack = f" {search_key(text)} "
            found = [
                (haystack.find(f" {c.name_search} "), -len(c.name_search), c)
                for c in communes
                if len(c.name_search) > 3 and f" {c.name_search} " in haystack
            ]
            if found:
                return min(found, key=lambda item: (item[0], item[1]))[2]
        return None

    def organizer(self, record: dict, summary: ActorImportSummary) -> PlacedOrganizer | None:
        name = record["organizer"].strip()
        if not name:
            return None
        departement = self.departements.get(search_key(record.get("organizer_department", "")), "")
        existing = Actor.objects.filter(name_key=search_key(name))
        if departement:
            existing = existing.filter(departement_code=departement)
        actor = existing.order_by("id").first()
        if actor:
            return PlacedOrganizer(actor, created=False)
        source_id = _source_id(name, departement)
        actor = Actor.objects.filter(source=self.source, source_id=source_id).first()
        if actor:
            return PlacedOrganizer(actor, created=False)
        commune = (
            self.find_commune(
                departement,
                [
                    name,
                    record.get("summary", ""),
                    record.get("context", ""),
                    record.get("description", ""),
                ],
            )
            if departement
            else None
        )
        actor = Actor(
            name=name,
            name_key=search_key(name),
            kind_id=organizer_kind(name, self.default_kind),
            source=self.source,
            source_id=source_id,
            to_locate=True,
            departement_code=departement,
            themes=[],
            publics=[],
        )
        if commune and commune.anchor:
            actor.location = Point(commune.anchor.x, commune.anchor.y, srid=WGS84)
            actor.precision = Precision.COMMUNE
            actor.commune_code = commune.code
            actor.city = commune.name
            actor.status = Status.PUBLISHED
        else:
            actor.status = Status.PENDING
            actor.precision = Precision.DEPARTEMENT
            summary.notes.append(
                f"« {name} » : aucune commune reconnue dans le texte, acteur en attente de localisation"
            )
        actor.save()
        return PlacedOrganizer(actor, created=True)

    def run(self, dry_run: bool = False) -> ActorImportSummary:
        started = time.monotonic()
        summary = ActorImportSummary(source=self.source, dry_run=dry_run)
        records = self.read()
        with transaction.atomic():
            initiative_ids, actor_ids = [], []
            for record in records:
                placed = self.organizer(record, summary)
                if placed and placed.created:
                    actor_ids.append(placed.actor.id)
                    summary.notes.append(
                        f"acteur créé : « {placed.actor.name} » ({placed.actor.get_precision_display().lower()}, à localiser)"
                    )
                organizer = placed.actor if placed else None
                source_id = _source_id(record["organizer"], record["title"])
                footprint = (
                    [f"commune:{organizer.commune_code}"]
                    if organizer
                    and organizer.commune_code
                    and search_key(record.get("territory_scope", "")) in ("une commune", "commune")
                    else []
                )
                defaults = {
                    "title": record["title"] or "(sans titre)",
                    "action_status": record["status"],
                    "end_reason": record["end_reason"],
                    "dimension": record["dimension"],
                    "keywords": record["keywords"],
                    "themes": themes_for([*record["keywords"], record["dimension"]]),
                    "publics": publics_for(record["publics"]),
                    "summary": record["summary"],
                    "organizer": organizer,
                    "partners": record["partners"],
                    "initiators": record["initiators"],
                    "initiative_precision": record["initiative_precision"],
                    "context": record["context"],
                    "territory_scope": record["territory_scope"],
                    "description": record["description"],
                    "resources": record["resources"],
                    "people": record["people"],
                    "results_territory": record["results_territory"],
                    "results_centre": record["results_centre"],
                    "results_inhabitants": record["results_inhabitants"],
                    "limits": record["limits"],
                    "perspectives": record["perspectives"],
                    "footprint_codes": footprint,
                    "location": organizer.location if organizer else None,
                    # Published once it can be placed on a map; a moderator places the others.
                    "status": Status.PUBLISHED
                    if organizer and organizer.location
                    else Status.PENDING,
                }
                initiative, created = Initiative.objects.update_or_create(
                    source=self.source, source_id=source_id, defaults=defaults
                )
                if created:
                    summary.created += 1
                else:
                    summary.updated += 1
                initiative_ids.append(initiative.id)
            attach_actors(actor_ids)
            attach_initiatives(initiative_ids)
            if dry_run:
                transaction.set_rollback(True)
        if not dry_run:
            analyze_directory()
            directory_changed.send(sender=type(self), summary=summary)
        summary.seconds = time.monotonic() - started
        return summary


class FabriqueImporter(SheetImporter):
    """One fabrique d'initiatives citoyennes form (same keys as the sheets, plus contacts)."""

    source = "fabrique_initiatives_citoyennes"
    default_kind = "fabrique-initiatives-citoyennes"

    def parse(self, text: str) -> list[dict]:
        record = parse_fabrique(text)
        if not record.get("title"):
            record["title"] = record.get("program") or "Fabrique d’initiatives citoyennes"
        if not record.get("organizer"):
            record["organizer"] = ""
        return [record]


def looks_like_fabrique(text: str) -> bool:
    return not re.search(r'^Actions\s+["“]', text, flags=re.MULTILINE)
