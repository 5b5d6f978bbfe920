"""Siting of coalition hosts (carto.planning.siting): pure Python, no database.

The checks recompute what they verify on their own: distances with the
spherical law of cosines (not the module's haversine), coverage sets, the
optimum by brute force and a naive greedy that recomputes every gain from
scratch (the module updates them incrementally)."""

import itertools
import math
import random

import pytest

from carto.planning.reach import reach_within
from carto.planning.siting import (
    EXACT_MAX_COMBINATIONS,
    GREEDY_RATIO,
    Candidate,
    SitingError,
    StopReason,
    Target,
    exact_is_tractable,
    exact_site,
    site,
)

R = 6_371_008.8
KM_PER_DEGREE_AT_EQUATOR = 2 * math.pi * R / 360 / 1000


def cosine_law_m(lon1, lat1, lon2, lat2) -> float:
    """Great-circle distance by the spherical law of cosines (independent of the module's haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    cos_angle = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(
        math.radians(lon2 - lon1)
    )
    return R * math.acos(max(-1.0, min(1.0, cos_angle)))


def target_distance_m(target: Target, candidate: Candidate) -> float:
    """Distance from a candidate to a target's nearest point."""
    points = [(target.lon, target.lat), *target.points]
    return min(cosine_law_m(lon, lat, candidate.lon, candidate.lat) for lon, lat in points)


def coverage_sets(targets, candidates, max_km, already_covered=frozenset()):
    """{candidate id: ids of the open targets it reaches}, by the law of cosines."""
    return {
        c.id: {
            t.id
            for t in targets
            if t.id not in already_covered and target_distance_m(t, c) <= max_km * 1000
        }
        for c in candidates
    }


def brute_force_optimum(targets, candidates, k, max_km, already_covered=frozenset()) -> float:
    sets = coverage_sets(targets, candidates, max_km, already_covered)
    weight = {t.id: t.weight for t in targets}
    return max(
        sum(weight[t] for t in set().union(*(sets[c.id] for c in combination)))
        for combination in itertools.combinations(candidates, k)
    )


def naive_greedy(targets, candidates, k, max_km):
    """Ids chosen by a greedy recomputing every gain at every step, with the documented ties."""
    sets = coverage_sets(targets, candidates, max_km)
    by_id = {t.id: t for t in targets}

    def key(c, covered):
        new = sets[c.id] - covered
        distance = sum(target_distance_m(by_id[t], c) for t in new)
        return (-sum(by_id[t].weight for t in new), -len(new), round(distance, 3), c.id)

    covered, chosen = set(), []
    for _ in range(k):
        best = min(candidates, key=lambda c: key(c, covered))
        if sum(by_id[t].weight for t in sets[best.id] - covered) == 0:
            break
        chosen.append(best.id)
        covered |= sets[best.id]
    return chosen


def random_instance(seed: int):
    """6–12 candidates, 10–30 targets (some with extra points, some weighing 0) near Arras.

    Redrawn while a target–candidate distance lies within 1 m of max_km, so
    that the two distance formulas cannot disagree on coverage."""
    rng = random.Random(seed)
    while True:

        def point():
            return round(rng.uniform(2.0, 2.6), 6), round(rng.uniform(50.2, 50.6), 6)

        targets = []
        for i in range(rng.randint(10, 30)):
            lon, lat = point()
            extra = tuple(point() for _ in range(rng.choice([0, 0, 0, 1, 2])))
            weight = 0 if rng.random() < 0.1 else rng.randint(1, 5000)
            targets.append(Target(f"t{i:02d}", f"Cible {i}", lon, lat, weight, extra))
        candidates = [
            Candidate(f"c{i:02d}", f"Lieu {i}", *point()) for i in range(rng.randint(6, 12))
        ]
        max_km = round(rng.uniform(4, 12), 3)
        gaps = [
            abs(cosine_law_m(lon, lat, c.lon, c.lat) - max_km * 1000)
            for t in targets
            for lon, lat in [(t.lon, t.lat), *t.points]
            for c in candidates
        ]
        if min(gaps) > 1:
            return targets, candidates, max_km


def check_result(result, targets, candidates, k, max_km, already_covered=frozenset()):
    """The invariants of any result, recomputed independently."""
    by_id = {t.id: t for t in targets}
    hosts = {c.id: c for c in candidates}
    covered_ids = [item.id for host in result.hosts for item in host.covered]
    assert len(covered_ids) == len(set(covered_ids)), "coverage lists overlap"
    assert not set(covered_ids) & set(already_covered)
    assert len({host.candidate.id for host in result.hosts}) == len(result.hosts) <= k
    for host in result.hosts:
        assert host.candidate == hosts[host.candidate.id]
        assert host.gain == pytest.approx(sum(item.weight for item in host.covered))
        assert host.gain > 0
        for item in host.covered:
            independent = target_distance_m(by_id[item.id], host.candidate)
            assert independent <= max_km * 1000 * 1.001
            assert item.distance_m == pytest.approx(independent, rel=1e-3, abs=1.0)
            assert item.weight == by_id[item.id].weight
    assert result.covered_weight == pytest.approx(
        sum(item.weight for h in result.hosts for item in h.covered)
    )
    assert result.total_weight == pytest.approx(sum(t.weight for t in targets))
    assert result.already_covered_weight == pytest.approx(
        sum(t.weight for t in targets if t.id in already_covered)
    )
    uncovered = {t.id for t in result.uncovered}
    open_ids = {t.id for t in targets} - set(already_covered)
    assert uncovered | set(covered_ids) == open_ids
    assert not uncovered & set(covered_ids)
    assert result.covered_weight <= result.coverable_weight + 1e-9
    assert (
        result.covered_weight - 1e-9 <= result.upper_bound_optimum <= result.coverable_weight + 1e-9
    )


@pytest.mark.parametrize("seed", range(40))
def test_greedy_keeps_its_guarantee_on_random_instances(seed):
    targets, candidates, max_km = random_instance(seed)
    for k in range(1, 5):
        result = site(targets, candidates, k, max_km)
        check_result(result, targets, candidates, k, max_km)
        optimum = brute_force_optimum(targets, candidates, k, max_km)

        assert result.covered_weight >= GREEDY_RATIO * optimum - 1e-9
        assert result.covered_weight >= (1 - (1 - 1 / k) ** k) * optimum - 1e-9
        assert result.covered_weight <= optimum + 1e-9
        assert optimum <= result.upper_bound_optimum + 1e-9
        # The data-dependent bound is never weaker than the textbook one, and keeps its promise.
        assert (
            result.covered_weight >= result.worst_case_guarantee * result.upper_bound_optimum - 1e-9
        )
        assert GREEDY_RATIO - 1e-12 <= result.guarantee <= 1
        if optimum > 0:
            assert result.covered_weight >= result.guarantee * optimum - 1e-9

        assert [h.candidate.id for h in result.hosts] == naive_greedy(
            targets, candidates, k, max_km
        )

        exact = exact_site(targets, candidates, k, max_km)
        check_result(exact, targets, candidates, k, max_km)
        assert exact.exact and exact.guarantee == 1
        assert exact.covered_weight == pytest.approx(optimum)
        assert exact.upper_bound_optimum == pytest.approx(optimum)


def equator_point(x_km: float) -> tuple[float, float]:
    """A point on the equator, x km east of lon 0: along a great circle, distances are differences."""
    return x_km / KM_PER_DEGREE_AT_EQUATOR, 0.0


def test_greedy_is_not_optimal_on_the_classic_trap_but_keeps_its_guarantee():
    # P at 0 km, M at 10, Q at 20, reach 10 km. M reaches the two inner targets (5 + 5 = 10)
    # and so comes first; then P or Q adds 4: 14. P and Q together reach all four: 18.
    targets = [
        Target("inner_p", "Près de P", *equator_point(2), 5),
        Target("inner_q", "Près de Q", *equator_point(18), 5),
        Target("outer_p", "Derrière P", *equator_point(-5), 4),
        Target("outer_q", "Derrière Q", *equator_point(25), 4),
    ]
    candidates = [
        Candidate("M", "Milieu", *equator_point(10)),
        Candidate("Q", "Est", *equator_point(20)),
        Candidate("P", "Ouest", *equator_point(0)),
    ]
    result = site(targets, candidates, 2, 10)
    # P and Q tie on weight, count and distance (5 km each): the smaller id wins.
    assert [h.candidate.id for h in result.hosts] == ["M", "P"]
    assert [h.gain for h in result.hosts] == [10, 4]
    assert [item.id for item in result.hosts[0].covered] == ["inner_p", "inner_q"]
    assert result.hosts[0].covered[0].distance_m == pytest.approx(8000, abs=0.01)
    assert [t.id for t in result.uncovered] == ["outer_q"]

    exact = exact_site(targets, candidates, 2, 10)
    assert {h.candidate.id for h in exact.hosts} == {"P", "Q"}
    assert exact.covered_weight == 18
    assert result.covered_weight == 14 < exact.covered_weight
    # Bound: min(0 + 10 + 9, 10 + 4 + 4, 14 + 4 + 0) = 18, the optimum itself here.
    assert result.upper_bound_optimum == 18
    assert result.guarantee == pytest.approx(14 / 18)
    assert result.guarantee >= result.worst_case_guarantee == 0.75 > GREEDY_RATIO
    assert "au moins 77,7\u00a0% du meilleur résultat possible avec 2 lieux" in result.summary


# Pas-de-Calais: mairies (lon, lat) and populations of communes_2025_points.csv.
COMMUNES = {
    "62041": ("Arras", 2.778515, 50.293056, 41019),
    "62108": ("Berck", 1.591984, 50.407902, 14189),
    "62119": ("Béthune", 2.638248, 50.530489, 24895),
    "62160": ("Boulogne-sur-Mer", 1.613385, 50.724654, 40874),
    "62178": ("Bruay-la-Buissière", 2.54603, 50.4823, 21831),
    "62193": ("Calais", 1.854471, 50.952844, 73911),
    "62215": ("Carvin", 2.958199, 50.491451, 17124),
    "62318": ("Étaples", 1.6384, 50.513802, 10865),
    "62427": ("Hénin-Beaumont", 2.947277, 50.419876, 26022),
    "62498": ("Lens", 2.832435, 50.429256, 31415),
    "62510": ("Liévin", 2.78482, 50.42159, 30785),
    "62588": ("Montreuil-sur-Mer", 1.76293, 50.4641, 2014),
    "62765": ("Saint-Omer", 2.254034, 50.752158, 14782),
}
PAS_DE_CALAIS = [
    Target(code, name, lon, lat, pop) for code, (name, lon, lat, pop) in COMMUNES.items()
]
HOSTS = [
    Candidate(f"mairie-{COMMUNES[code][0]}", f"Mairie de {COMMUNES[code][0]}", *COMMUNES[code][1:3])
    for code in ("62041", "62193", "62498", "62588", "62765")
]


def test_pas_de_calais_gives_the_obvious_answer():
    result = site(PAS_DE_CALAIS, HOSTS, 5, 15)
    check_result(result, PAS_DE_CALAIS, HOSTS, 5, 15)
    # Lens first: the mining basin (Lens, Liévin, Hénin-Beaumont, Carvin) outweighs Calais;
    # Arras then only adds itself (Liévin, 14 km away, is already covered); Montreuil gathers
    # Berck and Étaples; Saint-Omer only itself.
    assert [h.candidate.id for h in result.hosts] == [
        "mairie-Lens",
        "mairie-Calais",
        "mairie-Arras",
        "mairie-Montreuil-sur-Mer",
        "mairie-Saint-Omer",
    ]
    names = [[item.label for item in h.covered] for h in result.hosts]
    assert names == [
        ["Lens", "Liévin", "Hénin-Beaumont", "Carvin"],
        ["Calais"],
        ["Arras"],
        ["Montreuil-sur-Mer", "Étaples", "Berck"],
        ["Saint-Omer"],
    ]
    assert result.hosts[0].gain == 31415 + 30785 + 26022 + 17124
    assert [t.label for t in result.uncovered] == [
        "Boulogne-sur-Mer",
        "Béthune",
        "Bruay-la-Buissière",
    ]
    assert result.stop_reason is StopReason.K_REACHED
    # All five candidates chosen: nothing else to choose, the greedy result is the optimum.
    assert result.upper_bound_optimum == result.covered_weight
    assert "à moins de 15\u00a0km" in result.summary
    assert "meilleur résultat possible avec 5 lieux" in result.summary

    assert [h.candidate.id for h in site(PAS_DE_CALAIS, HOSTS, 1, 15).hosts] == ["mairie-Lens"]


def test_already_covered_targets_are_not_counted_again():
    # Calais is already served: its mairie adds nothing, Arras comes second.
    result = site(PAS_DE_CALAIS, HOSTS, 2, 15, already_covered={"62193", "not-a-target"})
    check_result(result, PAS_DE_CALAIS, HOSTS, 2, 15, already_covered={"62193"})
    assert [h.candidate.id for h in result.hosts] == ["mairie-Lens", "mairie-Arras"]
    assert result.already_covered_weight == 73911
    assert result.open_weight == result.total_weight - 73911
    assert "62193" not in {t.id for t in result.uncovered}
    assert "sans recompter 73\u202f911 habitants déjà couverts" in result.summary


@pytest.mark.parametrize("seed", range(10))
def test_already_covered_is_the_same_as_leaving_the_targets_out(seed):
    targets, candidates, max_km = random_instance(seed)
    skipped = {t.id for t in targets[::3]}
    kept = [t for t in targets if t.id not in skipped]
    for k in (1, 3):
        with_skip = site(targets, candidates, k, max_km, already_covered=skipped)
        check_result(with_skip, targets, candidates, k, max_km, already_covered=skipped)
        without = site(kept, candidates, k, max_km)
        assert with_skip.hosts == without.hosts
        assert with_skip.covered_weight == without.covered_weight
        assert with_skip.upper_bound_optimum == without.upper_bound_optimum


def test_stops_when_no_candidate_adds_anything():
    targets = [
        Target("a", "A", *equator_point(0), 100),
        Target("b", "B", *equator_point(1), 0),  # weighs nothing: reaching it is no gain
    ]
    candidates = [
        Candidate("near", "Près", *equator_point(0.5)),
        Candidate("zero", "Près de B seulement", *equator_point(2)),
        Candidate("far", "Loin", *equator_point(500)),
    ]
    result = site(targets, candidates, 3, 1.5)
    assert [h.candidate.id for h in result.hosts] == ["near"]
    assert [item.id for item in result.hosts[0].covered] == ["a", "b"]
    assert result.stop_reason is StopReason.NOTHING_TO_ADD
    assert result.upper_bound_optimum == result.covered_weight == 100
    assert result.guarantee == 1 and result.share == 1
    assert "Arrêt après 1 lieu sur 3 demandés" in result.summary

    nothing = site(targets, candidates[2:], 1, 1.5)
    assert nothing.hosts == () and nothing.covered_weight == 0 == nothing.upper_bound_optimum
    assert [t.id for t in nothing.uncovered] == ["a", "b"]
    assert nothing.stop_reason is StopReason.NOTHING_TO_ADD

    for function in (site, exact_site):
        all_served = function(targets, candidates, 2, 1.5, already_covered={"a", "b"})
        assert all_served.hosts == () and all_served.uncovered == ()
        assert all_served.share == 0 and all_served.already_covered_weight == 100


def test_a_target_is_covered_by_any_of_its_points_at_the_nearest_distance():
    bassin = Target(
        "bv", "Bassin de vie", *equator_point(50), 1000, points=(equator_point(3), equator_point(4))
    )
    candidates = [Candidate("h", "Hôte", *equator_point(0))]
    result = site([bassin], candidates, 1, 5)
    assert result.hosts[0].covered[0].distance_m == pytest.approx(3000, abs=0.01)
    assert site([bassin], candidates, 1, 2.9).hosts == ()


def test_the_answer_does_not_depend_on_the_input_order():
    targets, candidates, max_km = random_instance(7)
    reference = site(targets, candidates, 3, max_km)
    rng = random.Random(0)
    for _ in range(5):
        rng.shuffle(targets)
        rng.shuffle(candidates)
        shuffled = site(targets, candidates, 3, max_km)
        assert [h.candidate.id for h in shuffled.hosts] == [h.candidate.id for h in reference.hosts]
        assert [h.covered for h in shuffled.hosts] == [h.covered for h in reference.hosts]


def test_the_prefilter_loses_no_point_anywhere_on_the_globe():
    """Large circles, high latitudes, the antimeridian: the box never drops a point in reach."""
    rng = random.Random(42)
    targets = [
        Target(f"t{i}", "", rng.uniform(-180, 180), math.degrees(math.asin(rng.uniform(-1, 1))), 1)
        for i in range(400)
    ]
    targets += [Target("east", "", 179.99, 10, 1), Target("pole", "", 0, 89.99, 1)]
    candidates = [
        Candidate(f"c{i}", "", rng.uniform(-180, 180), rng.choice([-88, -60, 0, 45, 75, 89.5]))
        for i in range(30)
    ]
    candidates += [Candidate("west", "", -179.99, 10), Candidate("pole", "", 180, 89.99)]
    for max_m in (3_000.0, 500_000.0, 2_500_000.0):
        reach = reach_within(targets, candidates, max_m)
        for candidate, near in zip(candidates, reach, strict=True):
            expected = {
                i
                for i, t in enumerate(targets)
                if abs(cosine_law_m(t.lon, t.lat, candidate.lon, candidate.lat) - max_m) > 1
                and cosine_law_m(t.lon, t.lat, candidate.lon, candidate.lat) < max_m
            }
            assert expected <= set(near.targets), (candidate, max_m)
            for i, distance in near.items():
                assert distance <= max_m
                assert distance == pytest.approx(
                    cosine_law_m(targets[i].lon, targets[i].lat, candidate.lon, candidate.lat),
                    rel=1e-3,
                    abs=1.0,
                )
    west, pole = reach_within(targets, candidates[-2:], 3_000.0)
    assert [targets[i].id for i in west.targets] == ["east"]  # 2.2 km across the antimeridian
    assert [targets[i].id for i in pole.targets] == ["pole"]  # 2.2 km across the pole


def test_exact_site_refuses_too_many_combinations():
    candidates = [Candidate(f"c{i}", "", *equator_point(i)) for i in range(30)]
    targets = [Target("t", "", *equator_point(0), 1)]
    assert math.comb(30, 4) > EXACT_MAX_COMBINATIONS >= math.comb(30, 2)
    assert exact_is_tractable(30, 2) and not exact_is_tractable(30, 4)
    assert not exact_is_tractable(3, 4) and not exact_is_tractable(3, 0)
    with pytest.raises(SitingError) as error:
        exact_site(targets, candidates, 4, 1)
    assert error.value.field == "k" and "27405 combinaisons" in str(error.value)
    assert exact_site(targets, candidates, 2, 1).covered_weight == 1


TARGETS = [Target("t", "T", 2.0, 50.0, 10)]
CANDIDATES = [Candidate("a", "A", 2.0, 50.0), Candidate("b", "B", 2.1, 50.0)]


@pytest.mark.parametrize(
    ("arguments", "field", "words"),
    [
        ({"k": 3}, "k", "dépasse le nombre de lieux candidats (2)"),
        ({"k": 0}, "k", "au moins 1"),
        ({"k": -1}, "k", "au moins 1"),
        ({"k": 1.5}, "k", "nombre entier"),
        ({"k": True}, "k", "nombre entier"),
        ({"targets": []}, "targets", "Aucune cible"),
        ({"candidates": []}, "candidates", "Aucun lieu candidat"),
        ({"max_km": 0}, "max_km", "distance positive"),
        ({"max_km": -5}, "max_km", "distance positive"),
        ({"max_km": math.nan}, "max_km", "distance positive"),
        ({"max_km": "10"}, "max_km", "distance positive"),
        ({"targets": [Target("t", "T", 2.0, 50.0, -1)]}, "targets", "le poids (weight)"),
        ({"targets": [Target("t", "T", 2.0, 50.0, math.inf)]}, "targets", "le poids (weight)"),
        ({"targets": TARGETS * 2}, "targets", "« t » en double"),
        ({"candidates": CANDIDATES[:1] * 2}, "candidates", "« a » en double"),
        ({"targets": [Target("t", "T", 2.0, 95.0, 1)]}, "targets", "coordonnées invalides"),
        (
            {"targets": [Target("t", "T", 2, 50, 1, ((200, 0),))]},
            "targets",
            "coordonnées invalides",
        ),
        (
            {"candidates": [Candidate("a", "A", math.nan, 50.0)]},
            "candidates",
            "coordonnées invalides",
        ),
        ({"already_covered": "t"}, "already_covered", "liste d’identifiants"),
    ],
)
@pytest.mark.parametrize("function", [site, exact_site])
def test_bad_input_raises_a_siting_error_naming_the_field(function, arguments, field, words):
    call = {"targets": TARGETS, "candidates": CANDIDATES, "k": 1, "max_km": 10} | arguments
    already_covered = call.pop("already_covered", frozenset())
    with pytest.raises(SitingError) as error:
        function(**call, already_covered=already_covered)
    assert isinstance(error.value, ValueError)
    assert error.value.field == field
    assert words in str(error.value)
    assert field in str(error.value)
