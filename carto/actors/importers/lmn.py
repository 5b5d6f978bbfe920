"""Places in the national « lieux de médiation numérique » (LMN) standard, from any file of
it (JSON list or CSV, v1 or its earlier forms: see carto.actors.lmn), merged with the
directory: one actor for one place, every source recorded on it.

    python manage.py import_actors lmn_cnfs_2022 --file F --source-name lmn_2024 [--partial]

(one source name a publication: its places are found again by their ids at the next run).

The merge rule. A place is the actor, in this order:
1. that already carries it (ActorSource: this source, its id): a re-run finds it again;
2. that holds its SIRET (`pivot`) and stands within 200 m of it or at the same address
   (street and postcode, normalised: the early files' points are sometimes kilometres
   off the address both files give);
3. of the same normalised name (`name_key`) within 200 m (the duplicates rule);
4. of the kind the place says it is, within 50 m: a France services site for a place
   labelled or named France services, a médiathèque for one named médiathèque or
   bibliothèque (or of typology BIB): two names for one building;
5. else another place of the same file that is the same place by rule 2 or 3;
6. else a new actor (kind from `typologie`, else « lieu de médiation numérique »).
Among several candidates, the first rule wins, then a listed actor, then the nearest.
Flagged duplicates and host places (town halls) are never candidates.

When a place is merged into an actor another source owns, that actor keeps its name,
kind, address, position, contacts and hours, and the place fills what it lacks
(records.combine): services, access conditions and labels are unions, a rough position
(town hall, commune centre) gives way to the place's point, `last_verified` is the later
of the two dates. An actor this source created is rewritten by it (the first place that
made it), other places of the file only filling it. A SIRET is held by one actor only:
a place whose SIRET an actor elsewhere holds (another site of the same organisation) is
a new actor without it, attached to that actor as its `parent`, and the LMN export gives
it the parent's SIRET as pivot.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.gis.geos import Point
from django.db import connection
from django.utils import timezone

from carto.geo import haversine_m
from carto.sources import SourceError, read_csv, read_json
from carto.srid import WGS84
from carto.territories.codes import search_key

from .. import lmn
from ..models import Actor, ActorSource
from ..records import combine
from ..services import attach_actors, enriched_by_others, record_changes, record_sources
from ..sql import load_queries
from .base import RECORD_FIELDS, ActorImporter, ActorImportSummary, OutOfScope, departement_of

SAME_PLACE_M = 200  # rules 2, 3 and 5
SAME_KIND_M = 50  # rule 4
SOURCE_RE = re.compile(r"[a-z0-9][a-z0-9_-]{1,63}")
STORED = ["id", "source", "source_id", "kind_id", "location", "last_verified", "parent_id",
          *RECORD_FIELDS]  # fmt: skip
COMPARED = ["kind_id", "last_verified", *RECORD_FIELDS]
UPDATED = [*RECORD_FIELDS, "name_key", "kind", "location", "last_verified", "parent", "updated_at"]

# Merge reasons, as the summary names them (per place).
KNOWN, BY_SIRET, BY_NAME, BY_KIND, IN_FILE, SITE = (
    "déjà rapprochés (même identifiant)",
    "par SIRET, même lieu",
    "par nom normalisé à moins de 200 m",
    "France services ou médiathèque à moins de 50 m",
    "avec un autre lieu du fichier",
    "site d'une structure dont un autre acteur porte le SIRET (rattaché comme antenne)",
)
RULES = {"siret": (0, BY_SIRET), "name": (1, BY_NAME), "kind": (2, BY_KIND)}
# Words of a place's name that say its kind (rule 4).
NAME_KINDS = {"france services": "france-services", "mediatheque": "mediatheque",
              "bibliotheque": "mediatheque"}  # fmt: skip


@dataclass
class Group:
    """The places of the file that are one actor: an existing one (`actor_id`) or a new one."""

    members: list[int]
    actor_id: int | None = None
    parent: int | Group | None = None  # the holder of a SIRET this actor gives up
    values: dict = field(default_factory=dict)
    source_id: str = ""  # a new actor's provenance: its first place


def _address_key(address: str, postcode: str) -> str:
    key = search_key(address)
    return f"{key} {postcode}" if key else ""


class LmnImporter(ActorImporter):
    """Places of the national LMN standard; `source` names the file (one per publication)."""

    source = "lmn_cnfs_2022"
    title = "Lieux de médiation numérique (Cartographie nationale, 2022)"
    default_file = "acteurs/lmn_lieux_mediation_numerique_cnfs_2022-07.json"

    def __init__(self, path: Path | None = None, source: str | None = None, **kwargs):
        if source is not None:
            if not SOURCE_RE.fullmatch(source):
                raise ValueError(
                    f"nom de source « {source} » invalide (minuscules, chiffres, _ ou -, 64 au plus)"
                )
            self.source = source
        super().__init__(path=path, **kwargs)

    def rows(self):
        if self.path.suffix.lower() == ".csv":
            for line, raw in read_csv(self.path, ["id", "nom"]):
                raw["_id"] = raw["id"]
                yield f"ligne {line}", raw
            return
        data = read_json(self.path)
        if not isinstance(data, list):
            raise SourceError(f"{self.path} : une liste de lieux (objets JSON) est attendue")
        for index, raw in enumerate(data):
            if not isinstance(raw, dict):
                raise SourceError(f"{self.path}, lieu n° {index + 1} : objet JSON attendu")
            raw["_id"] = str(raw.get("id", ""))
            yield f"lieu n° {index + 1}", raw

    def convert(self, raw: dict) -> lmn.PlaceRecord:
        # The scope first: a place outside the requested départements is not read further
        # (its malformed fields are none of this import's business).
        if self.departements and not self._in_departements(raw):
            raise OutOfScope
        record = lmn.to_record(raw)
        if not record.commune_code:
            # No INSEE code (the 2022 form): the commune the place names, in its postcode's
            # département, when exactly one loaded commune has that name. A declared commune
            # wins over the outlines, generalised near coasts and borders (attach.sql): a
            # place on the quay of Grand-Fort-Philippe lies 297 m off its outline and 299 m
            # off Oye-Plage's.
            named = self.commune_named(lmn.departement_of_postcode(record.postcode), record.city)
            record.commune_code = named[0] if named else ""
        return record

    def _in_departements(self, raw: dict) -> bool:
        """By the INSEE code when the place gives one, else by its postcode."""
        code = str(raw.get("code_insee") or "").strip().upper()
        postcode = str(raw.get("code_postal") or "").strip()
        where = departement_of(code) if code else lmn.departement_of_postcode(postcode)
        return where in self.departements

    def in_scope(self, record) -> bool:
        return True  # decided before conversion

    # -- merging -------------------------------------------------------------------------

    def write(self, records: list[lmn.PlaceRecord], summary: ActorImportSummary) -> None:
        since = timezone.now()
        merged: Counter[str] = Counter()
        groups = self._group(records, merged)
        stored = {
            row["id"]: row
            for row in Actor.objects.filter(
                id__in=[g.actor_id for g in groups if g.actor_id]
            ).values(*STORED)
        }
        enriched = enriched_by_others(self.source, stored)
        holders = self._siret_holders(records)
        claimed: dict[str, int | Group] = {}
        for group in groups:
            self._merge(group, records, stored, enriched, holders, claimed)
            if group.parent is not None:
                merged[SITE] += len(group.members)
        written = self._save(groups, stored, summary)
        record_sources(
            self.source,
            {
                records[index].source_id: (group.actor_id, records[index].source_url)
                for group in groups
                for index in group.members
            },
        )
        attach_actors(written)
        with connection.cursor() as cursor:
            cursor.execute(load_queries("attach.sql")["flag_duplicates"], {"ids": written})
            summary.duplicates = cursor.fetchall()
        record_changes(Actor, written, f"import {self.source}", since)
        summary.merged = {how: merged[how] for how in (KNOWN, BY_SIRET, BY_NAME, BY_KIND, IN_FILE, SITE) if merged[how]}  # fmt: skip

    def _group(self, records: list[lmn.PlaceRecord], merged: Counter) -> list[Group]:
        """Each place's actor (rules 1 to 6 of the module docstring), as groups of places."""
        known = dict(
            ActorSource.objects.filter(
                source=self.source, source_id__in=[r.source_id for r in records]
            ).values_list("source_id", "actor_id")
        )
        by_actor: dict[int, Group] = {}
        pending = []
        for index, record in enumerate(records):
            if record.source_id in known:
                merged[KNOWN] += 1
                actor = known[record.source_id]
                by_actor.setdefault(actor, Group([], actor)).members.append(index)
            else:
                pending.append(index)
        for index, (actor, how) in self._matches(records, pending).items():
            merged[how] += 1
            by_actor.setdefault(actor, Group([], actor)).members.append(index)
        groups = list(by_actor.values())
        for index in pending:
            if any(index in group.members for group in groups):
                continue
            same = next((g for g in groups if self._same_in_file(records, index, g)), None)
            if same is None:
                groups.append(Group([index]))
            else:
                merged[IN_FILE] += 1
                same.members.append(index)
        for group in groups:
            group.members.sort()
        return sorted(groups, key=lambda g: g.members[0])

    def _matches(self, records, pending: list[int]) -> dict[int, tuple[int, str]]:
        """Rules 2 to 4: the actor already in the directory that each pending place is."""
        if not pending:
            return {}
        chosen: dict[int, tuple] = {}
        params = {
            "idx": pending,
            "lon": [records[i].lon for i in pending],
            "lat": [records[i].lat for i in pending],
            "siret": [records[i].siret for i in pending],
            "name_key": [search_key(records[i].name) for i in pending],
            "same_kind": [_said_kind(records[i]) for i in pending],
            "name_metres": SAME_PLACE_M,
            "same_kind_metres": SAME_KIND_M,
        }
        with connection.cursor() as cursor:
            cursor.execute(load_queries("lmn.sql")["candidates"], params)
            for index, rule, actor, metres, address, postcode, listed in cursor.fetchall():
                record = records[index]
                if rule == "siret" and not (
                    metres <= SAME_PLACE_M
                    or _address_key(address, postcode)
                    == _address_key(record.address, record.postcode)
                ):
                    continue  # another site of the organisation (see _merge)
                rank = (RULES[rule][0], not listed, metres, actor)
                if index not in chosen or rank < chosen[index][0]:
                    chosen[index] = (rank, actor, RULES[rule][1])
        return {index: (actor, how) for index, (_rank, actor, how) in chosen.items()}

    @staticmethod
    def _same_in_file(records, index: int, group: Group) -> bool:
        """Rule 5: a place of the file that is the same place as one of the group's."""
        record = records[index]
        for other in (records[i] for i in group.members):
            metres = haversine_m((record.lon, record.lat), (other.lon, other.lat))
            if record.siret and record.siret == other.siret:
                same_address = _address_key(record.address, record.postcode) == _address_key(
                    other.address, other.postcode
                )
                if metres <= SAME_PLACE_M or same_address:
                    return True
            if search_key(record.name) == search_key(other.name) and metres <= SAME_PLACE_M:
                return True
        return False

    @staticmethod
    def _siret_holders(records) -> dict[str, list[int]]:
        """The actors (not duplicates, not host places) holding each SIRET of the file."""
        holders: dict[str, list[int]] = {}
        rows = Actor.objects.filter(
            siret__in={r.siret for r in records if r.siret},
            duplicate_of__isnull=True,
            host_only=False,
        ).order_by("id")
        for siret, actor in rows.values_list("siret", "id"):
            holders.setdefault(siret, []).append(actor)
        return holders

    def _merge(self, group: Group, records, stored, enriched, holders, claimed) -> None:
        """The group's actor values (module docstring: what wins), and the SIRET's holder."""
        places = [records[index] for index in group.members]
        old = stored.get(group.actor_id)
        ids = {place.source_id for place in places}
        if old is not None and not (old["source"] == self.source and old["source_id"] in ids):
            values, others = {name: old[name] for name in ("location", *COMPARED)}, places
        else:  # a new actor, or one this source made: its first place rewrites it
            first = next((p for p in places if old and p.source_id == old["source_id"]), places[0])
            values, group.source_id = _values(first), first.source_id
            others = [place for place in places if place is not first]
            if old is not None and old["id"] in enriched:
                values = combine(values, {name: old[name] for name in values})
            elif old is not None and not values["commune_code"]:
                values["commune_code"] = old["commune_code"]  # found by attach_actors
        for place in others:
            values = combine(values, _values(place))
        siret = values["siret"] or next((p.siret for p in places if p.siret), "")
        holder = self._holder(siret, group, holders, claimed)
        if holder is not None:
            if old is None or old["source"] == self.source:
                group.parent = holder  # another site of the organisation
            if values["siret"] == siret:
                values["siret"] = ""
        elif siret:
            values["siret"] = siret
            claimed[siret] = group
        group.values = values

    @staticmethod
    def _holder(siret: str, group: Group, holders, claimed) -> int | Group | None:
        """Another actor holding this SIRET (in the directory, or given it by this import)."""
        if not siret:
            return None
        others = [actor for actor in holders.get(siret, []) if actor != group.actor_id]
        if others:
            return others[0]
        holder = claimed.get(siret)
        return holder if holder is not None and holder is not group else None

    def _save(self, groups: list[Group], stored: dict, summary: ActorImportSummary) -> list[int]:
        """Create the new actors, update the changed ones; returns the ids written."""
        created, changed = [], []
        for group in groups:
            old = stored.get(group.actor_id)
            if old is None:
                created.append(group)
            elif _differs(old, group.values) or (
                isinstance(group.parent, int) and old["parent_id"] != group.parent
            ):
                changed.append(group)
            else:
                summary.unchanged += 1
        summary.created, summary.updated = len(created), len(changed)
        actors = Actor.objects.bulk_create(
            [
                self._actor(group.values, source=self.source, source_id=group.source_id)
                for group in created
            ],
            batch_size=1000,
        )
        for group, actor in zip(created, actors, strict=True):
            group.actor_id = actor.id
        now = timezone.now()
        updates = []
        for group in created + changed:
            parent = group.parent.actor_id if isinstance(group.parent, Group) else group.parent
            old = stored.get(group.actor_id)
            actor = self._actor(group.values, id=group.actor_id, updated_at=now)
            actor.parent_id = parent if parent is not None else (old or {}).get("parent_id")
            updates.append(actor)
        Actor.objects.bulk_update(updates, UPDATED, batch_size=500)
        return [group.actor_id for group in created + changed]

    @staticmethod
    def _actor(values: dict, **fields) -> Actor:
        return Actor(
            **{name: values[name] for name in RECORD_FIELDS},
            name_key=search_key(values["name"]),
            kind_id=values["kind_id"],
            location=values["location"],
            last_verified=values["last_verified"],
            **fields,
        )


def _said_kind(place: lmn.PlaceRecord) -> str:
    """The kind a place's labels, typology or name say it is (rule 4), or ""."""
    if "France services" in place.labels:
        return "france-services"
    if place.kind == "mediatheque":
        return place.kind
    words = f" {search_key(place.name)} "
    return next((kind for word, kind in NAME_KINDS.items() if f" {word} " in words), "")


def _values(place: lmn.PlaceRecord) -> dict:
    """A place's actor values, as records.combine reads them."""
    return {
        "location": Point(place.lon, place.lat, srid=WGS84),
        "kind_id": place.kind,
        "last_verified": place.last_verified,
        **{name: getattr(place, name) for name in RECORD_FIELDS},
    }


def _differs(old: dict, values: dict) -> bool:
    if any(old[name] != values[name] for name in COMPARED):
        return True
    stored, location = old["location"], values["location"]
    return stored is None or abs(stored.x - location.x) > 1e-7 or abs(stored.y - location.y) > 1e-7
