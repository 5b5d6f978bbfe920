"""Posts funded by the politique de la ville (adultes-relais, FONJEP), set on the actors
that employ them. Not an import of places: the files have no coordinates and an
employer is not a place a visitor goes to; they only enrich actors already known.

What the files hold (ANCT « Dauphin », 2023), checked on the files:
- one row per funded post (`id_poste`), not per employer: an employer appears once per
  post it holds (up to 83 rows for one SIRET). `montant` is the State's funding of that
  post for the year, not a count: every adulte-relais row carries the same flat-rate
  aid (22 555,73 €); a FONJEP row carries the FONJEP unit (7 164 €) or a share of it
  for a post funded part of the year (3 582 €, 2 985 €…), or two units. So the posts of
  an employer are its distinct `id_poste` (a post moved between two establishments of
  one employer is listed under both, and counts for both);
- adultes-relais: `code_tiers` is the employer's SIRET. FONJEP: `code_tiers` is not a
  SIRET but the employer's name (the same text as `raison_sociale`).

How they are matched:
- by SIRET: every actor with that SIRET gets the count (duplicates included, so that the
  one the public sees carries it);
- without a SIRET (FONJEP): by name, only when exactly one actor of the directory (not a
  duplicate, not a host place) has the same normalised name in the employer's
  département; homonyms are counted as ambiguous and left alone;
- an employer that matches nothing is counted in the summary, never created as a place.

Re-running sets the counts, never adds to them: `funded_posts[programme]` is the count
of the file's posts, and an actor that no longer matches (in the scope read) loses it.
Every matched employer is recorded on its actor (`ActorSource`, source id the file's
`code_tiers`). Nothing here changes where an actor stands or whether it is listed, so
the planning's derived view is not refreshed (`directory_changed` is not sent).
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from carto.sources import SourceError, read_json
from carto.territories.codes import search_key

from ..models import Actor, ActorSource
from ..services import record_changes, record_sources
from .base import ImportAborted, Rejected


@dataclass(frozen=True)
class Programme:
    slug: str  # taxonomy.FUNDED_POSTS
    source: str  # ActorSource.source
    file: str  # under CARTO_DATA_DIR
    title: str


PROGRAMMES = {
    p.slug: p
    for p in (
        Programme("adultes-relais", "adultes_relais", "acteurs/politique_ville_adultes_relais_2023.json", "Postes d’adultes-relais (politique de la ville, 2023)"),
        Programme("fonjep", "fonjep", "acteurs/politique_ville_postes_fonjep_2023.json", "Postes FONJEP (politique de la ville, 2023)"),
    )
}  # fmt: skip


@dataclass
class Employer:
    key: str  # the file's code_tiers
    name: str
    siret: str
    departements: set[str] = field(default_factory=set)
    posts: set[str] = field(default_factory=set)


@dataclass
class FundedPostsSummary:
    source: str
    rows: int = 0
    out_of_scope: int = 0
    employers: int = 0
    posts: int = 0
    matched_by_siret: int = 0
    matched_by_name: int = 0
    ambiguous: int = 0
    unmatched: int = 0
    unmatched_posts: int = 0
    actors_set: int = 0
    actors_cleared: int = 0
    unchanged: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    dry_run: bool = False
    seconds: float = 0.0

    @property
    def matched(self) -> int:
        return self.matched_by_siret + self.matched_by_name

    def lines(self) -> list[str]:
        head = "Simulation (--dry-run) : rien n'a été écrit. " if self.dry_run else ""
        scope = (
            f" ({self.out_of_scope} hors des départements demandés)" if self.out_of_scope else ""
        )
        lines = [
            f"{head}{self.source} : {self.posts} postes de {self.employers} employeurs lus{scope} ; "
            f"{self.matched} employeurs rapprochés d'un acteur ({self.matched_by_siret} par SIRET, "
            f"{self.matched_by_name} par nom et département), {self.unmatched} sans acteur "
            f"({self.unmatched_posts} postes), {self.ambiguous} homonymes laissés de côté ; "
            f"{self.actors_set} acteurs mis à jour, {self.actors_cleared} retirés, "
            f"{self.unchanged} inchangés, {len(self.rejected)} lignes rejetées ({self.seconds:.1f} s).",
        ]
        lines.extend(
            f"  Rejet {r.line} ({r.source_id or 'sans identifiant'}) : {r.reason}"
            for r in self.rejected[:30]
        )
        return lines


class FundedPostsEnrichment:
    """Sets `Actor.funded_posts[slug]` from one programme's file (see the module docstring)."""

    def __init__(self, slug: str, path: Path | None = None, departements: list[str] | None = None):
        self.programme = PROGRAMMES[slug]
        self.path = Path(path) if path else Path(settings.CARTO_DATA_DIR) / self.programme.file
        self.departements = set(departements or [])

    def read(self, summary: FundedPostsSummary) -> dict[str, Employer]:
        try:
            data = read_json(self.path)
        except SourceError as exc:
            raise ImportAborted(str(exc)) from None
        if not isinstance(data, list):
            raise ImportAborted(f"{self.path} : une liste d'objets est attendue")
        employers: dict[str, Employer] = {}
        for index, row in enumerate(data):
            line = f"objet n° {index + 1}"
            if not isinstance(row, dict):
                raise ImportAborted(f"{self.path}, {line} : objet JSON attendu")
            summary.rows += 1
            key = " ".join(str(row.get("code_tiers") or "").split())
            post = str(row.get("id_poste") or "").strip()
            departement = str(row.get("insee_dep") or "").strip().upper()
            if not key or not post:
                missing = "code_tiers" if not key else "id_poste"
                summary.rejected.append(Rejected(line, post or key, f"« {missing} » vide"))
                continue
            if self.departements and departement not in self.departements:
                summary.out_of_scope += 1
                continue
            siret = re.sub(r"\s", "", key)
            employer = employers.setdefault(
                key,
                Employer(
                    key=key,
                    name=str(row.get("raison_sociale") or key).strip(),
                    siret=siret if re.fullmatch(r"\d{14}", siret) else "",
                ),
            )
            employer.posts.add(post)
            if departement:
                employer.departements.add(departement)
        summary.employers = len(employers)
        summary.posts = sum(len(e.posts) for e in employers.values())
        return employers

    def match(
        self, employers: dict[str, Employer], summary: FundedPostsSummary
    ) -> dict[str, list[int]]:
        """Actor ids of each employer key that matches (see the module docstring)."""
        by_siret: dict[str, list[int]] = defaultdict(list)
        sirets = sorted({e.siret for e in employers.values() if e.siret})
        for actor_id, siret in (
            Actor.objects.filter(siret__in=sirets).order_by("id").values_list("id", "siret")
        ):
            by_siret[siret].append(actor_id)
        by_name: dict[tuple[str, str], list[int]] = defaultdict(list)
        names = sorted({search_key(e.name) for e in employers.values() if not e.siret})
        candidates = Actor.objects.filter(
            name_key__in=names, duplicate_of__isnull=True, host_only=False
        ).order_by("id")
        for actor_id, key, departement in candidates.values_list(
            "id", "name_key", "departement_code"
        ):
            by_name[(key, departement)].append(actor_id)
        matches: dict[str, list[int]] = {}
        for employer in employers.values():
            if employer.siret:
                found = by_siret.get(employer.siret, [])
                summary.matched_by_siret += bool(found)
            else:
                found = sorted(
                    {
                        i
                        for d in employer.departements
                        for i in by_name.get((search_key(employer.name), d), [])
                    }
                )
                if len(found) > 1:
                    summary.ambiguous += 1
                    found = []
                summary.matched_by_name += len(found) == 1
            if found:
                matches[employer.key] = found
            else:
                summary.unmatched += 1
                summary.unmatched_posts += len(employer.posts)
        return matches

    def run(self, dry_run: bool = False) -> FundedPostsSummary:
        started = time.monotonic()
        slug, source = self.programme.slug, self.programme.source
        summary = FundedPostsSummary(source=source, dry_run=dry_run)
        employers = self.read(summary)
        with transaction.atomic():
            matches = self.match(employers, summary)
            posts_by_actor: dict[int, set[str]] = defaultdict(set)
            for key, actor_ids in matches.items():
                for actor_id in actor_ids:
                    posts_by_actor[actor_id].update(employers[key].posts)
            # Actors that held this programme's posts within the scope read: they are set again
            # or lose them (re-running sets, never adds).
            previous = Actor.objects.filter(funded_posts__has_key=slug)
            if self.departements:
                linked = ActorSource.objects.filter(source=source, source_id__in=list(employers))
                previous = previous.filter(
                    departement_code__in=sorted(self.departements)
                ) | previous.filter(id__in=linked.values("actor_id"))
            wanted = {actor_id: len(posts) for actor_id, posts in posts_by_actor.items()}
            actors = Actor.objects.filter(
                id__in=set(wanted) | set(previous.values_list("id", flat=True))
            )
            changed, now = [], timezone.now()
            for actor in actors.only("id", "funded_posts"):
                posts = dict(actor.funded_posts or {})
                if actor.id in wanted:
                    posts[slug] = wanted[actor.id]
                else:
                    posts.pop(slug, None)
                if posts == (actor.funded_posts or {}):
                    summary.unchanged += 1
                    continue
                if actor.id in wanted:
                    summary.actors_set += 1
                else:
                    summary.actors_cleared += 1
                actor.funded_posts = posts
                actor.updated_at = now
                changed.append(actor)
            Actor.objects.bulk_update(changed, ["funded_posts", "updated_at"], batch_size=1000)
            record_changes(Actor, [a.id for a in changed], f"import {source}", now)
            # The source on the actor: one employer, one actor (the first, i.e. the original
            # among duplicates); employers of the scope that no longer match lose theirs.
            record_sources(source, {key: (ids[0], "") for key, ids in matches.items()})
            stale = ActorSource.objects.filter(source=source).exclude(source_id__in=list(matches))
            if self.departements:
                stale = stale.filter(source_id__in=list(employers)) | stale.filter(
                    actor__departement_code__in=sorted(self.departements)
                )
            stale.delete()
            if dry_run:
                transaction.set_rollback(True)
        summary.seconds = time.monotonic() - started
        return summary
