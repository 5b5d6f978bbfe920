"""Siting of coalition hosts: choose `k` places that bring the most population within reach.

The problem is maximum coverage: targets (QPV, communes, bassins de vie) weigh
their population; a candidate host (a tiers-lieu, a centre social, a
médiathèque, a mairie…) covers every target within `max_km` of it; choose `k`
candidates covering the most weight. It is NP-hard, so `site()` runs the
greedy algorithm: at each step, take the candidate adding the most weight not
yet covered. Ties go to the candidate newly covering more targets, then to the
smaller total distance to them (compared to the millimetre), then to the
smaller id, so that the answer never depends on the input order. The greedy
stops at `k` hosts, or earlier when no candidate adds any weight (the result
says which).

The guarantee. Coverage is monotone and submodular, so the greedy covers at
least 1 − (1 − 1/k)^k ≥ 1 − 1/e ≈ 63.2 % of the optimum (Nemhauser, Wolsey
and Fisher, 1978). Each run also proves a bound of its own: for every step i,
OPT ≤ f(S_i) + the sum of the k largest marginal gains after step i (the sum
is at most k × the largest gain, the textbook form; Minoux 1978, Leskovec et
al. 2007); `upper_bound_optimum` is the smallest of these and of the weight
that any candidate reaches at all. `SitingResult.guarantee` = covered weight /
that bound, a proven « at least x % of the best possible », never below
1 − 1/e, and 100 % when the greedy stopped because nothing was left to add.
`exact_site()` finds the true optimum by brute force when C(n, k) is at most
`EXACT_MAX_COMBINATIONS` (`exact_is_tractable()` says so beforehand).

Distances are great-circle distances (haversine on the mean-radius sphere,
R = 6 371 008.8 m; within 0.5 % of the ellipsoid, far below the precision of a
territory's representative point). Who reaches whom is computed once, before
the greedy: the targets' points sorted by latitude, a binary search gives the
latitude band of each candidate's circle, a longitude window (the exact
bounding box of a spherical cap) narrows it, and only the points left get a
haversine, vectorised by numpy (reach.py). The greedy then updates the marginal
gains incrementally: each target, once covered, is subtracted from the
candidates that reach it, so the whole run costs O(pairs within reach + k × n).

A target may have several points (`Target.points`, besides its representative
`lon`/`lat`, e.g. the mairies or centroids of a bassin de vie's communes): it
is covered when ANY of its points is within `max_km` of a chosen host, and its
distance is that of its nearest point. Targets listed in `already_covered`
(e.g. QPV that an existing host already serves) are left out: they add
nothing and are not counted again. Unknown ids there are ignored.

Pure Python, no database: the caller loads targets and candidates (e.g. the
API behind `POST /api/v1/planning/siting/`) and maps `SitingError.field` to
its 400 answer.
"""

from __future__ import annotations

import heapq
import itertools
import math
import numbers
from array import array
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from .reach import Near, reach_within

GREEDY_RATIO = 1 - 1 / math.e  # the worst-case share of the optimum the greedy guarantees
# exact_site() refuses above this many C(n, k) combinations: about 1 s at worst measured
# (3 777 communes as targets, 40 km), 0.1 s at 10 km.
EXACT_MAX_COMBINATIONS = 10_000
TIE_TOLERANCE = 1e-9  # gains closer than this share of the total weight are a tie
# Radians (about 6 mm) added to the prefilter box, so that rounding never loses a point.


class SitingError(ValueError):
    """Bad input; `field` names the request field at fault (`k`, `targets`, `candidates`, `max_km`…)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class Target:
    """A territory to cover, at its representative point (lon/lat, WGS84), weighing its population.

    `points` optionally adds further (lon, lat) points: the target is covered
    when any of its points is within reach of a host."""

    id: str
    label: str
    lon: float
    lat: float
    weight: float
    points: tuple[tuple[float, float], ...] = ()

    def all_points(self) -> tuple[tuple[float, float], ...]:
        """The representative point first, then the extra ones."""
        return ((self.lon, self.lat), *self.points)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A place that could host the coalition (an actor of a chosen kind), in lon/lat WGS84."""

    id: str
    label: str
    lon: float
    lat: float


@dataclass(frozen=True, slots=True)
class CoveredTarget:
    """A target newly covered by a host, at `distance_m` from it (from its nearest point)."""

    id: str
    label: str
    weight: float
    distance_m: float


@dataclass(frozen=True, slots=True)
class Host:
    """A chosen candidate, the targets it newly covers (nearest first) and their weight (`gain`,
    the marginal weight it adds)."""

    candidate: Candidate
    gain: float
    covered: tuple[CoveredTarget, ...]


class StopReason(StrEnum):
    K_REACHED = "k_reached"  # k hosts were chosen
    NOTHING_TO_ADD = "nothing_to_add"  # fewer: no other candidate reaches an uncovered weight


@dataclass(frozen=True)
class SitingResult:
    """The chosen hosts in choice order, what each newly covers, the totals and the guarantee.

    Weights: `total_weight` of all the targets given, `already_covered_weight`
    of those left out, `coverable_weight` of the others that some candidate
    reaches, `covered_weight` of those the chosen hosts cover."""

    hosts: tuple[Host, ...]
    k: int
    max_km: float
    covered_weight: float
    total_weight: float
    already_covered_weight: float
    coverable_weight: float
    upper_bound_optimum: float
    stop_reason: StopReason
    exact: bool
    uncovered: tuple[Target, ...]  # not covered, not already covered; heaviest first

    @property
    def open_weight(self) -> float:
        """The weight still to cover before siting (all targets but the already covered ones)."""
        return max(self.total_weight - self.already_covered_weight, 0.0)

    @property
    def share(self) -> float:
        """Share of the open weight the chosen hosts cover (0 when nothing was open)."""
        return self.covered_weight / self.open_weight if self.open_weight > 0 else 0.0

    @property
    def guarantee(self) -> float:
        """Proven lower bound on covered weight / best possible with k hosts (≥ 1 − 1/e)."""
        if self.exact or self.upper_bound_optimum <= 0:
            return 1.0
        return min(self.covered_weight / self.upper_bound_optimum, 1.0)

    @property
    def worst_case_guarantee(self) -> float:
        """The a-priori bound 1 − (1 − 1/k)^k of the greedy (1 for an exact result)."""
        return 1.0 if self.exact else 1 - (1 - 1 / self.k) ** self.k

    @property
    def summary(self) -> str:
        """One or two French sentences for the user."""
        n = len(self.hosts)
        places = "lieu d’accueil" if n == 1 else "lieux d’accueil"
        text = (
            f"{n} {places} couvre{'nt' if n > 1 else ''} {_fr_int(self.covered_weight)} habitants "
            f"sur {_fr_int(self.open_weight)} à couvrir ({_fr_percent(_floor(self.share))}) "
            f"à moins de {_fr_km(self.max_km)}"
        )
        if self.already_covered_weight > 0:
            text += (
                f", sans recompter {_fr_int(self.already_covered_weight)} habitants déjà couverts"
            )
        if self.guarantee >= 1:
            text += f" : c’est le meilleur résultat possible avec {self.k} lieux."
        else:
            text += (
                f" : au moins {_fr_percent(_floor(self.guarantee))} du meilleur résultat "
                f"possible avec {self.k} lieux."
            )
        if self.stop_reason is StopReason.NOTHING_TO_ADD:
            text += (
                f" Arrêt après {n} {'lieu' if n == 1 else 'lieux'} sur {self.k} demandés : "
                f"aucun autre candidat n’ajoute de population à moins de {_fr_km(self.max_km)}."
            )
        return text


def site(
    targets: Iterable[Target],
    candidates: Iterable[Candidate],
    k: int,
    max_km: float,
    *,
    already_covered: Collection[str] = frozenset(),
) -> SitingResult:
    """Choose up to `k` hosts among `candidates` covering the most target weight within `max_km`.

    Greedy maximum coverage (see the module docstring for the ties and the guarantee).

    Args:
        targets: the territories to cover; ids unique, weights ≥ 0.
        candidates: the possible hosts; ids unique, at least `k` of them.
        k: how many hosts to choose, 1 ≤ k ≤ len(candidates).
        max_km: the reach of a host, great-circle kilometres, > 0.
        already_covered: ids of targets not to count (already served); unknown ids are ignored.
    Returns:
        A `SitingResult`, hosts in choice order.
    Raises:
        SitingError: bad input, with the field at fault and a French message.
    """
    problem = _Problem.build(targets, candidates, k, max_km, already_covered)
    steps, bound, reason = _greedy(problem.weights, problem.reach, problem.candidate_ids, k)
    return problem.result(steps, bound, reason, exact=False)


def exact_is_tractable(n_candidates: int, k: int) -> bool:
    """Whether `exact_site()` accepts this size: C(n, k) ≤ EXACT_MAX_COMBINATIONS."""
    return 1 <= k <= n_candidates and math.comb(n_candidates, k) <= EXACT_MAX_COMBINATIONS


def exact_site(
    targets: Iterable[Target],
    candidates: Iterable[Candidate],
    k: int,
    max_km: float,
    *,
    already_covered: Collection[str] = frozenset(),
    max_combinations: int = EXACT_MAX_COMBINATIONS,
) -> SitingResult:
    """The optimum, by brute force over every combination of `k` candidates (small instances).

    Same arguments and result as `site()`; `exact` is true and `upper_bound_optimum`
    is the optimum itself. Among optimal combinations: the one covering more
    targets, then the first by candidate ids. Its hosts are listed in greedy
    order within the combination, so that each shows what it adds; a host that
    adds nothing (the optimum needs fewer than `k`) is left out.

    Raises:
        SitingError: bad input, or C(n, k) above `max_combinations` (field `k`).
    """
    problem = _Problem.build(targets, candidates, k, max_km, already_covered)
    n = len(problem.candidates)
    combinations = math.comb(n, k)
    if combinations > max_combinations:
        raise SitingError(
            "k",
            f"Calcul exact impossible : k = {k} parmi {n} candidats donne "
            f"{combinations} combinaisons, au-delà de la limite de {max_combinations}.",
        )
    weights = problem.weights
    reach_sets = [frozenset(near.targets) for near in problem.reach]
    by_id = sorted(range(n), key=problem.candidate_ids.__getitem__)
    tolerance = TIE_TOLERANCE * math.fsum(weights)
    best, best_value, best_count = by_id[:k], -1.0, -1
    for combination in itertools.combinations(by_id, k):
        union = frozenset().union(*(reach_sets[c] for c in combination))
        value = math.fsum(map(weights.__getitem__, union))
        if value > best_value + tolerance or (
            value >= best_value - tolerance and len(union) > best_count
        ):
            best, best_value, best_count = list(combination), value, len(union)
    steps, _, _ = _greedy(
        weights, [problem.reach[c] for c in best], [problem.candidate_ids[c] for c in best], k
    )
    steps = [(best[c], newly, gain) for c, newly, gain in steps]
    reason = StopReason.K_REACHED if len(steps) == k else StopReason.NOTHING_TO_ADD
    covered = math.fsum(gain for _, _, gain in steps)
    return problem.result(steps, covered, reason, exact=True)


# The problem, validated and reduced to indices


@dataclass
class _Problem:
    """Validated input: the open targets (not already covered) and who reaches whom."""

    targets: list[Target]  # open targets only
    candidates: list[Candidate]
    k: int
    max_km: float
    total_weight: float
    already_covered_weight: float
    weights: list[float]  # per open target
    candidate_ids: list[str]
    reach: list[Near]  # per candidate

    @classmethod
    def build(cls, targets, candidates, k, max_km, already_covered) -> _Problem:
        targets, candidates, max_km = _validate(targets, candidates, k, max_km, already_covered)
        skipped = frozenset(already_covered)
        open_targets = [t for t in targets if t.id not in skipped]
        return cls(
            targets=open_targets,
            candidates=candidates,
            k=k,
            max_km=max_km,
            total_weight=math.fsum(float(t.weight) for t in targets),
            already_covered_weight=math.fsum(float(t.weight) for t in targets if t.id in skipped),
            weights=[float(t.weight) for t in open_targets],
            candidate_ids=[c.id for c in candidates],
            reach=reach_within(open_targets, candidates, max_km * 1000),
        )

    def result(self, steps, bound: float, reason: StopReason, *, exact: bool) -> SitingResult:
        """Turn greedy steps (candidate index, newly covered target indices, gain) into a result."""
        hosts, covered = [], set()
        for c, newly, gain in steps:
            distance = dict(self.reach[c].items())
            items = [
                CoveredTarget(
                    self.targets[t].id, self.targets[t].label, self.weights[t], distance[t]
                )
                for t in newly
            ]
            items.sort(key=lambda item: (item.distance_m, item.id))
            hosts.append(Host(self.candidates[c], gain, tuple(items)))
            covered.update(newly)
        covered_weight = math.fsum(gain for _, _, gain in steps)
        reached = set().union(*(near.targets for near in self.reach))
        coverable = math.fsum(self.weights[t] for t in reached)
        uncovered = [t for i, t in enumerate(self.targets) if i not in covered]
        uncovered.sort(key=lambda t: (-t.weight, t.id))
        return SitingResult(
            hosts=tuple(hosts),
            k=self.k,
            max_km=self.max_km,
            covered_weight=covered_weight,
            total_weight=self.total_weight,
            already_covered_weight=self.already_covered_weight,
            coverable_weight=coverable,
            upper_bound_optimum=min(max(bound, covered_weight), max(coverable, covered_weight)),
            stop_reason=reason,
            exact=exact,
            uncovered=tuple(uncovered),
        )


def _validate(targets, candidates, k, max_km, already_covered):
    """Check the input; return the targets and candidates as lists and max_km as a float."""
    targets, candidates = list(targets), list(candidates)
    if not targets:
        raise SitingError(
            "targets", "Aucune cible (targets) : il faut au moins un territoire à couvrir."
        )
    if not candidates:
        raise SitingError(
            "candidates", "Aucun lieu candidat (candidates) : il en faut au moins un."
        )
    if isinstance(k, bool) or not isinstance(k, int):
        raise SitingError("k", "k doit être un nombre entier de lieux d’accueil.")
    if k < 1:
        raise SitingError("k", f"k doit valoir au moins 1 (reçu : {k}).")
    if k > len(candidates):
        raise SitingError("k", f"k = {k} dépasse le nombre de lieux candidats ({len(candidates)}).")
    distance = _real(max_km)
    if distance is None or distance <= 0:
        raise SitingError(
            "max_km", f"max_km doit être une distance positive en kilomètres (reçu : {max_km!r})."
        )
    if isinstance(already_covered, str):
        raise SitingError(
            "already_covered", "already_covered doit être une liste d’identifiants de cibles."
        )
    for field, items in (("targets", targets), ("candidates", candidates)):
        seen = set()
        for index, item in enumerate(items):
            if item.id in seen:
                raise SitingError(field, f"{field}[{index}] : identifiant « {item.id} » en double.")
            seen.add(item.id)
            points = item.all_points() if isinstance(item, Target) else ((item.lon, item.lat),)
            for lon, lat in points:
                lon, lat = _real(lon), _real(lat)
                if lon is None or lat is None or not (-180 <= lon <= 180 and -90 <= lat <= 90):
                    raise SitingError(
                        field,
                        f"{field}[{index}] (« {item.id} ») : coordonnées invalides, "
                        "il faut une longitude entre -180 et 180 et une latitude entre -90 et 90.",
                    )
    for index, target in enumerate(targets):
        weight = _real(target.weight)
        if weight is None or weight < 0:
            raise SitingError(
                "targets",
                f"targets[{index}] (« {target.id} ») : le poids (weight) doit être un nombre "
                f"positif ou nul (reçu : {target.weight!r}).",
            )
    return targets, candidates, distance


def _real(value) -> float | None:
    """`value` as a finite float, or None (booleans, strings and other non-numbers included)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


# The greedy


def _greedy(
    weights: Sequence[float], reach: Sequence[Near], ids: Sequence[str], k: int
) -> tuple[list[tuple[int, list[int], float]], float, StopReason]:
    """Greedy max coverage with incremental gains.

    Returns the steps (candidate index, newly covered target indices, gain),
    the smallest data-dependent bound on the optimum met on the way, and why
    it stopped."""
    reached_by = [array("q") for _ in weights]
    for c, near in enumerate(reach):
        for t in near.targets:
            reached_by[t].append(c)
    gain = [math.fsum(weights[t] for t in near.targets) for near in reach]
    count = [len(near) for near in reach]  # uncovered targets reached
    positive = [sum(1 for t in near.targets if weights[t] > 0) for near in reach]  # ... and > 0
    covered = [False] * len(weights)
    tolerance = TIE_TOLERANCE * math.fsum(weights)
    steps, covered_weight = [], 0.0
    bound = _sum_of_largest(gain, k)  # f(S_0) = 0

    while len(steps) < k:
        best = _best_candidate(gain, count, positive, reach, covered, ids, tolerance)
        if best is None:
            return steps, covered_weight, StopReason.NOTHING_TO_ADD
        newly = [t for t in reach[best].targets if not covered[t]]
        for t in newly:
            covered[t] = True
            for c in reached_by[t]:
                gain[c] -= weights[t]
                count[c] -= 1
                if weights[t] > 0:
                    positive[c] -= 1
                    if positive[c] == 0:
                        gain[c] = 0.0  # exactly, whatever the rounding of the subtractions
        step_gain = math.fsum(weights[t] for t in newly)
        steps.append((best, newly, step_gain))
        covered_weight += step_gain
        bound = min(bound, covered_weight + _sum_of_largest(gain, k))
    return steps, bound, StopReason.K_REACHED


def _best_candidate(gain, count, positive, reach, covered, ids, tolerance) -> int | None:
    """The candidate adding the most weight (ties: more targets, nearer in total, smaller id)."""
    useful = [c for c in range(len(gain)) if positive[c] > 0]
    if not useful:
        return None
    top = max(gain[c] for c in useful)
    tied = [c for c in useful if gain[c] >= top - tolerance]
    if len(tied) > 1:
        most = max(count[c] for c in tied)
        tied = [c for c in tied if count[c] == most]
    if len(tied) > 1:

        def key(c):
            total = math.fsum(d for t, d in reach[c].items() if not covered[t])
            return round(total, 3), ids[c]

        return min(tied, key=key)
    return tied[0]


def _sum_of_largest(values: Sequence[float], k: int) -> float:
    """The sum of the k largest values."""
    return math.fsum(heapq.nlargest(k, values))


# French formatting for the summary


def _floor(share: float) -> float:
    """Rounded down to 0.1 %, so that « at least » stays true."""
    return math.floor(share * 1000) / 1000


def _fr_int(value: float) -> str:
    return f"{round(value):,}".replace(",", "\u202f")


def _fr_percent(share: float) -> str:
    return f"{100 * share:.1f}".replace(".", ",") + "\u00a0%"


def _fr_km(km: float) -> str:
    return f"{km:g}".replace(".", ",") + "\u00a0km"
