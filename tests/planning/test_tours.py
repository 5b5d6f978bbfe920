"""The tour planner without a database: order against brute force, the heuristic against
bounds, the schedule against its constraints, the school holiday data, and bad input."""

import itertools
import math
import random
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest

from carto import calendar
from carto.planning.distances import DistanceMatrix, GreatCircle
from carto.planning.tours import (
    EXACT_MAX_STOPS,
    METHOD_EXACT,
    METHOD_HEURISTIC,
    PARIS,
    Place,
    StopInput,
    TourError,
    TourRequest,
    held_karp,
    heuristic_order,
    nearest_neighbour,
    plan_tour,
    route_cost,
    solve_order,
)

LENS = Place(2.832435, 50.429256, "Lens, mairie")
# Hauts-de-France, roughly: random stops are drawn in this box.
BOX = ((1.6, 4.2), (49.5, 51.0))


def random_points(rnd: random.Random, count: int) -> list[tuple[float, float]]:
    return [(rnd.uniform(*BOX[0]), rnd.uniform(*BOX[1])) for _ in range(count)]


def random_asymmetric(rnd: random.Random, size: int) -> list[list[float]]:
    return [[0.0 if i == j else rnd.uniform(60, 7200) for j in range(size)] for i in range(size)]


def brute_force(cost, closed: bool) -> float:
    nodes = range(1, len(cost))
    return min(route_cost(order, cost, closed) for order in itertools.permutations(nodes))


def mst_weight(cost) -> float:
    """Prim on the symmetric matrix: a lower bound of any tour or path through every node."""
    size = len(cost)
    best = [math.inf] * size
    best[0] = 0.0
    done = [False] * size
    total = 0.0
    for _ in range(size):
        node = min((i for i in range(size) if not done[i]), key=best.__getitem__)
        done[node] = True
        total += best[node]
        for other in range(size):
            if not done[other] and cost[node][other] < best[other]:
                best[other] = cost[node][other]
    return total


class FixedMatrix(DistanceMatrix):
    """Every leg takes ``minutes`` (``slow`` maps a node to another duration to reach it)."""

    name = "fixed"

    def __init__(self, minutes: float = 30, km_per_minute: float = 1.0, slow=None):
        self.minutes = minutes
        self.km_per_minute = km_per_minute
        self.slow = slow or {}

    def matrix(self, points):
        size = len(points)
        seconds = [
            [0.0 if i == j else 60.0 * self.slow.get(j, self.minutes) for j in range(size)]
            for i in range(size)
        ]
        metres = [[value / 60 * self.km_per_minute * 1000 for value in row] for row in seconds]
        return metres, seconds


class ExplodingRouter(DistanceMatrix):
    """Fails the test when asked: bad requests must be refused before any routing."""

    def matrix(self, points):
        raise AssertionError("routing asked for a request that should have been refused")


class GivenMatrix(DistanceMatrix):
    name = "given"

    def __init__(self, seconds):
        self.seconds = seconds

    def matrix(self, points):
        assert len(points) == len(self.seconds)
        return [[value * 10 for value in row] for row in self.seconds], self.seconds


def stops(count: int, **overrides) -> list[StopInput]:
    rnd = random.Random(count)
    return [
        StopInput(f"s{i}", f"Étape {i}", *random_points(rnd, 1)[0], **overrides)
        for i in range(1, count + 1)
    ]


def request(**fields) -> TourRequest:
    values = {
        "start": LENS,
        "stops": stops(3),
        "date_from": date(2026, 11, 30),  # a Monday
        "date_to": date(2026, 12, 12),
    }
    values.update(fields)
    return TourRequest(**values)


# --- order: exact ----------------------------------------------------------------------------


@pytest.mark.parametrize("closed", [True, False])
@pytest.mark.parametrize("seed", range(6))
def test_exact_equals_brute_force_on_great_circle_instances(seed, closed):
    rnd = random.Random(seed)
    count = 4 + seed % 5  # 4 to 8 stops
    _metres, seconds = GreatCircle().matrix(random_points(rnd, count + 1))
    order, total = held_karp(seconds, closed)
    assert sorted(order) == list(range(1, count + 1))
    assert total == pytest.approx(route_cost(order, seconds, closed), rel=1e-12)
    assert total == pytest.approx(brute_force(seconds, closed), rel=1e-12)


@pytest.mark.parametrize("closed", [True, False])
@pytest.mark.parametrize("seed", range(6))
def test_exact_equals_brute_force_on_asymmetric_instances(seed, closed):
    rnd = random.Random(100 + seed)
    count = 4 + seed % 5
    cost = random_asymmetric(rnd, count + 1)
    order, method = solve_order(cost, closed)
    assert method == METHOD_EXACT
    assert route_cost(order, cost, closed) == pytest.approx(brute_force(cost, closed), rel=1e-12)


@pytest.mark.parametrize("closed", [True, False])
def test_planned_tour_equals_brute_force_optimum(closed):
    rnd = random.Random(7)
    cost = random_asymmetric(rnd, 7)  # the start and 6 stops
    tour = request(stops=stops(6), return_to_start=closed, max_sessions_per_day=6)
    result = plan_tour(tour, router=GivenMatrix(cost))
    assert result.method == METHOD_EXACT
    assert result.order_seconds == pytest.approx(brute_force(cost, closed), rel=1e-12)
    assert not result.unscheduled
    # The schedule follows the optimised order, and its legs are the matrix's.
    assert [item.stop for item in result.stops] == result.order
    nodes = [0] + [tour.stops.index(stop) + 1 for stop in result.order]
    for item, (a, b) in zip(result.stops, itertools.pairwise(nodes), strict=True):
        assert item.leg.seconds == cost[a][b]
        assert item.leg.metres == cost[a][b] * 10
    expected_total = result.order_seconds
    assert result.total_seconds == pytest.approx(expected_total, rel=1e-12)
    assert (result.return_leg is not None) == closed


def test_trivial_instances():
    assert held_karp([[0.0]], True) == ([], 0.0)
    assert held_karp([[0, 5], [7, 0]], True) == ([1], 12)
    assert held_karp([[0, 5], [7, 0]], False) == ([1], 5)
    assert solve_order([[0, 5, 1], [5, 0, 1], [9, 1, 0]], False) == ([2, 1], METHOD_EXACT)


# --- order: heuristic ------------------------------------------------------------------------


def two_opt_and_or_opt_neighbours(order):
    """Every order one 2-opt reversal or one Or-opt move (run of 1–3, either way) away."""
    size = len(order)
    for i in range(size):
        for j in range(i + 1, size):
            yield order[:i] + order[i : j + 1][::-1] + order[j + 1 :]
    for length in (1, 2, 3):
        for i in range(size - length + 1):
            run = order[i : i + length]
            rest = order[:i] + order[i + length :]
            for position in range(len(rest) + 1):
                for candidate in (run, run[::-1]):
                    yield rest[:position] + candidate + rest[position:]


@pytest.mark.parametrize("closed", [True, False])
@pytest.mark.parametrize("count", [12, 18, 25, 30])
def test_heuristic_is_valid_better_than_nearest_neighbour_and_near_the_bound(count, closed):
    rnd = random.Random(count)
    _metres, seconds = GreatCircle().matrix(random_points(rnd, count + 1))
    order, method = solve_order(seconds, closed)
    assert method == METHOD_HEURISTIC == "heuristic (2-opt)"
    assert sorted(order) == list(range(1, count + 1))
    cost = route_cost(order, seconds, closed)
    assert cost <= route_cost(nearest_neighbour(seconds), seconds, closed) + 1e-6
    lower_bound = mst_weight(seconds)
    assert lower_bound <= cost <= 1.5 * lower_bound


@pytest.mark.parametrize("closed", [True, False])
@pytest.mark.parametrize("seed", range(3))
def test_heuristic_is_a_local_optimum_of_its_moves(seed, closed):
    """No single 2-opt or Or-opt move improves the result, recomputing every cost in full:
    this checks the O(1) gains the search relies on, asymmetric matrices included."""
    rnd = random.Random(200 + seed)
    cost = random_asymmetric(rnd, 13)
    order = heuristic_order(cost, closed)
    best = route_cost(order, cost, closed)
    for candidate in two_opt_and_or_opt_neighbours(order):
        assert route_cost(candidate, cost, closed) >= best - 1e-6
    assert best <= route_cost(nearest_neighbour(cost), cost, closed) + 1e-6


@pytest.mark.parametrize("closed", [True, False])
@pytest.mark.parametrize("seed", range(4))
def test_heuristic_is_close_to_the_optimum_where_both_run(seed, closed):
    rnd = random.Random(300 + seed)
    _metres, seconds = GreatCircle().matrix(random_points(rnd, EXACT_MAX_STOPS + 1))
    exact = held_karp(seconds, closed)[1]
    assert route_cost(heuristic_order(seconds, closed), seconds, closed) <= 1.1 * exact


def test_method_switches_above_ten_stops():
    for count, method in ((EXACT_MAX_STOPS, METHOD_EXACT), (EXACT_MAX_STOPS + 1, METHOD_HEURISTIC)):
        tour = request(stops=stops(count), max_sessions_per_day=4, date_to=date(2026, 12, 31))
        result = plan_tour(tour, router=GreatCircle())
        assert result.method == method
        assert result.as_dict()["method"] == method
        assert sorted(stop.id for stop in result.order) == sorted(s.id for s in tour.stops)


# --- schedule --------------------------------------------------------------------------------


def check_schedule(result, tour: TourRequest, travel_minutes: float | None = None):
    """Invariants every schedule keeps; returns the sessions per date."""
    day_start = tour.day_start.hour * 60 + tour.day_start.minute
    day_end = tour.day_end.hour * 60 + tour.day_end.minute
    per_day = Counter(item.date for item in result.stops)
    previous = None
    for item in result.stops:
        assert item.start.tzinfo is PARIS and item.end.tzinfo is PARIS
        assert tour.date_from <= item.date <= tour.date_to
        start = item.start.hour * 60 + item.start.minute
        end = item.end.hour * 60 + item.end.minute
        assert item.end.date() == item.date
        assert end - start == (item.stop.duration_minutes or tour.session_minutes)
        assert start % 5 == 0
        travel = item.leg.seconds / 60 if travel_minutes is None else travel_minutes
        if previous is not None and previous.date == item.date:
            assert item.start >= previous.end + timedelta(minutes=travel)
        else:
            assert start >= day_start + travel
        if previous is not None:
            assert item.start >= previous.end
        assert end <= day_end
        previous = item
    assert max(per_day.values(), default=0) <= tour.max_sessions_per_day
    return per_day


def test_stop_open_only_on_wednesday_afternoon_gets_a_wednesday_afternoon_session():
    wednesday_only = StopInput("mjc", "MJC", 2.70, 50.45, opening_hours="We 14:00-17:00")
    tour = request(stops=[*stops(3), wednesday_only], max_sessions_per_day=2)
    result = plan_tour(tour, router=FixedMatrix(30))
    check_schedule(result, tour, travel_minutes=30)
    [session] = [item for item in result.stops if item.stop.id == "mjc"]
    assert session.date.weekday() == 2
    assert session.start.time() >= time(14, 0)
    assert session.end.time() <= time(17, 0)
    assert not result.unscheduled


def test_closed_tour_is_driven_in_the_direction_that_fits_better():
    arras = StopInput("arras", "Arras", 2.777189, 50.291002)
    bethune = StopInput("bethune", "Béthune", 2.6396, 50.5303, opening_hours="We 14:00-18:00")
    tour = request(stops=[bethune, arras])
    result = plan_tour(tour, router=GreatCircle())
    _metres, seconds = GreatCircle().matrix(
        [(LENS.lon, LENS.lat), (2.6396, 50.5303), (2.777189, 50.291002)]
    )
    assert result.order_seconds == pytest.approx(brute_force(seconds, True))
    # Arras on Monday, then Béthune on Wednesday afternoon: both ways cost the same, but
    # Béthune first would push Arras to Thursday.
    assert [(item.stop.id, item.date) for item in result.stops] == [
        ("arras", date(2026, 11, 30)),
        ("bethune", date(2026, 12, 2)),
    ]


def test_opening_hours_with_a_lunch_break_and_waiting_for_the_opening():
    hall = StopInput("hall", "Salle", 2.70, 50.45, opening_hours="Mo-Fr 09:00-12:00,13:30-17:00")
    tour = request(stops=[hall], session_minutes=150, date_from=date(2026, 11, 30))
    result = plan_tour(tour, router=FixedMatrix(45))
    [session] = result.stops
    # 09:00 + 45 min of travel leaves 2 h 15 before noon: the session waits for 13:30.
    assert session.start == datetime(2026, 11, 30, 13, 30, tzinfo=PARIS)
    assert session.end == datetime(2026, 11, 30, 16, 0, tzinfo=PARIS)


def test_day_bounds_and_max_sessions_per_day():
    tour = request(
        stops=stops(7),
        day_start=time(10, 0),
        day_end=time(16, 0),
        session_minutes=90,
        max_sessions_per_day=3,
    )
    result = plan_tour(tour, router=FixedMatrix(30))
    per_day = check_schedule(result, tour, travel_minutes=30)
    # 10:30–12:00, 12:30–14:00, 14:30–16:00: three a day fit exactly.
    assert sorted(per_day.values(), reverse=True) == [3, 3, 1]
    first_day = [item for item in result.stops if item.date == date(2026, 11, 30)]
    assert [f"{item.start:%H:%M}-{item.end:%H:%M}" for item in first_day] == [
        "10:30-12:00",
        "12:30-14:00",
        "14:30-16:00",
    ]
    one_a_day = plan_tour(replace(tour, max_sessions_per_day=1), router=FixedMatrix(30))
    assert set(check_schedule(one_a_day, one_a_day.request, 30).values()) == {1}
    assert len(one_a_day.days) == 7


def test_allowed_weekdays():
    tour = request(stops=stops(5), weekdays=["Tu", "Th"], max_sessions_per_day=1)
    result = plan_tour(tour, router=FixedMatrix(20))
    check_schedule(result, tour, travel_minutes=20)
    assert {item.date.weekday() for item in result.stops} == {1, 3}
    assert len(result.stops) == 4  # two Tuesdays and two Thursdays before 12/12
    assert [item.reason for item in result.unscheduled] == [
        "plus de créneau disponible avant le 12/12/2026"
    ]
    numeric = plan_tour(replace(tour, weekdays=(1, 3)), router=FixedMatrix(20))
    assert [item.start for item in numeric.stops] == [item.start for item in result.stops]


def test_public_holidays_are_skipped():
    tour = request(
        stops=stops(4),
        date_from=date(2026, 11, 9),
        date_to=date(2026, 11, 14),
        max_sessions_per_day=1,
    )
    result = plan_tour(tour, router=FixedMatrix(20))
    assert [item.date.day for item in result.stops] == [9, 10, 12, 13]  # 11/11 is Armistice day
    worked = plan_tour(replace(tour, skip_public_holidays=False), router=FixedMatrix(20))
    assert [item.date.day for item in worked.stops] == [9, 10, 11, 12]


def test_school_holidays_filter_uses_the_calendar_data():
    # Zone B winter holidays 2027: Saturday 20 February to Sunday 7 March (school resumes 8 March).
    tour = request(
        stops=stops(4),
        date_from=date(2027, 2, 1),
        date_to=date(2027, 3, 20),
        periods="school_holidays",
        zone="B",
        max_sessions_per_day=1,
    )
    result = plan_tour(tour, router=FixedMatrix(20))
    check_schedule(result, tour, travel_minutes=20)
    assert [item.date for item in result.stops] == [
        date(2027, 2, 20),
        date(2027, 2, 22),
        date(2027, 2, 23),
        date(2027, 2, 24),
    ]
    # Zone C is on holiday two weeks earlier (6 to 21 February 2027).
    zone_c = plan_tour(replace(tour, zone="C"), router=FixedMatrix(20))
    assert zone_c.stops[0].date == date(2027, 2, 6)
    assert all(date(2027, 2, 6) <= item.date <= date(2027, 2, 21) for item in zone_c.stops)

    outside = plan_tour(
        replace(
            tour, stops=stops(10), periods="outside_school_holidays", date_from=date(2027, 2, 15)
        ),
        router=FixedMatrix(20),
    )
    dates = [item.date for item in outside.stops]
    assert dates[:6] == [date(2027, 2, d) for d in (15, 16, 17, 18, 19)] + [date(2027, 3, 8)]
    assert not any(date(2027, 2, 20) <= day <= date(2027, 3, 7) for day in dates)


def test_date_range_exhausted_returns_the_rest_as_unscheduled():
    tour = request(stops=stops(5), date_to=date(2026, 11, 30), max_sessions_per_day=2)
    result = plan_tour(tour, router=FixedMatrix(30))
    assert len(result.stops) == 2
    assert len(result.unscheduled) == 3
    assert {item.reason for item in result.unscheduled} == {
        "plus de créneau disponible avant le 30/11/2026"
    }
    assert [item.position for item in result.unscheduled] == [3, 4, 5]
    assert [item.stop for item in result.unscheduled] == result.order[2:]
    # Legs and totals are those of the route actually driven (back from the second stop).
    assert result.total_seconds == pytest.approx(3 * 30 * 60)
    payload = result.as_dict()
    assert len(payload["unscheduled"]) == 3
    assert payload["unscheduled"][0]["reason"].startswith("plus de créneau")


def test_stop_whose_hours_never_fit_is_skipped_and_the_tour_goes_on():
    sunday = StopInput("dim", "Marché du dimanche", 2.70, 50.45, opening_hours="Su 08:00-13:00")
    short = StopInput("court", "Permanence courte", 2.71, 50.46, opening_hours="Mo-Fr 10:00-11:00")
    tour = request(stops=[*stops(2), sunday, short], max_sessions_per_day=4)
    result = plan_tour(tour, router=FixedMatrix(15))
    reasons = {item.stop.id: item.reason for item in result.unscheduled}
    assert set(reasons) == {"dim", "court"}
    assert reasons["dim"].startswith("aucun créneau de 120 min")
    assert "« Su 08:00-13:00 »" in reasons["dim"]
    assert len(result.stops) == 2
    check_schedule(result, tour, travel_minutes=15)
    assert [item.order for item in result.stops] == [1, 2]


def test_travel_longer_than_a_day_is_reported():
    far = StopInput("loin", "Très loin", 2.0, 50.0)
    tour = request(stops=[*stops(1), far])
    result = plan_tour(tour, router=FixedMatrix(20, slow={2: 8 * 60}))
    [item] = result.unscheduled
    assert item.stop.id == "loin"
    assert item.reason.startswith("le trajet depuis l'étape précédente (480 min)")


def test_stop_duration_and_unknown_hours():
    custom = StopInput("long", "Forum", 2.7, 50.4, duration_minutes=240)
    unknown = StopInput(
        "rdv", "Sur rendez-vous", 2.8, 50.4, opening_hours='Mo-Sa unknown "sur rendez-vous"'
    )
    tour = request(stops=[custom, unknown], max_sessions_per_day=1)
    result = plan_tour(tour, router=FixedMatrix(10))
    check_schedule(result, tour, travel_minutes=10)
    by_id = {item.stop.id: item for item in result.stops}
    assert by_id["long"].end - by_id["long"].start == timedelta(hours=4)
    assert by_id["rdv"].notes
    assert "sur rendez-vous" in by_id["rdv"].notes[0]


def test_opening_hours_follow_public_holidays():
    # Wednesday 11 November 2026 is Armistice day; this tour works on public holidays.
    hall = StopInput("hall", "Salle", 2.70, 50.45, opening_hours="We 14:00-17:00; PH off")
    tour = request(
        stops=[hall],
        date_from=date(2026, 11, 9),
        date_to=date(2026, 11, 20),
        skip_public_holidays=False,
    )
    [session] = plan_tour(tour, router=FixedMatrix(20)).stops
    assert session.date == date(2026, 11, 18)
    plain = replace(tour, stops=[replace(hall, opening_hours="We 14:00-17:00")])
    assert plan_tour(plain, router=FixedMatrix(20)).stops[0].date == date(2026, 11, 11)


def test_opening_hours_follow_the_school_holidays_of_the_zone():
    # Zone B winter holidays 2027: 20 February to 7 March; zone C: 6 to 21 February.
    school = StopInput("college", "Collège", 2.70, 50.45, opening_hours="Mo-Fr 14:00-17:00; SH off")
    tour = request(stops=[school], date_from=date(2027, 2, 22), date_to=date(2027, 3, 12), zone="B")
    assert plan_tour(tour, router=FixedMatrix(20)).stops[0].date == date(2027, 3, 8)
    zone_c = replace(tour, zone="C")
    assert plan_tour(zone_c, router=FixedMatrix(20)).stops[0].date == date(2027, 2, 22)


def test_hours_that_change_along_the_year_are_planned():
    # Months were refused by the hand-written subset; the library reads them.
    december = StopInput("hiver", "Salle d'hiver", 2.70, 50.45, opening_hours="Dec We 14:00-17:00")
    [session] = plan_tour(request(stops=[december]), router=FixedMatrix(20)).stops
    assert session.date == date(2026, 12, 2)


def test_daylight_saving_time_keeps_wall_clock_times():
    # Paris moves from UTC+1 to UTC+2 on Sunday 28 March 2027 at 02:00 (03:00 local).
    # One session a day, every day, from the Saturday before to the Monday after.
    tour = request(
        stops=stops(3),
        date_from=date(2027, 3, 27),
        date_to=date(2027, 3, 30),
        weekdays=tuple(range(7)),
        max_sessions_per_day=1,
        skip_public_holidays=False,  # Monday 29 March 2027 is Easter Monday
    )
    result = plan_tour(tour, router=FixedMatrix(10))
    assert not result.unscheduled
    assert result.days == [date(2027, 3, 27), date(2027, 3, 28), date(2027, 3, 29)]
    # The same wall-clock times on both sides of the change (09:00 + 10 min of travel)…
    assert [(item.start.time(), item.end.time()) for item in result.stops] == [
        (time(9, 10), time(11, 10))
    ] * 3
    # …with the offset of each day: the Saturday in winter time, the Sunday and Monday in summer time.
    assert [item.start.utcoffset() for item in result.stops] == [
        timedelta(hours=1),
        timedelta(hours=2),
        timedelta(hours=2),
    ]
    assert [item.end.utcoffset() for item in result.stops] == [
        timedelta(hours=1),
        timedelta(hours=2),
        timedelta(hours=2),
    ]
    utc = [(item.start.astimezone(UTC), item.end.astimezone(UTC)) for item in result.stops]
    assert [start for start, _end in utc] == [
        datetime(2027, 3, 27, 8, 10, tzinfo=UTC),
        datetime(2027, 3, 28, 7, 10, tzinfo=UTC),
        datetime(2027, 3, 29, 7, 10, tzinfo=UTC),
    ]
    # Each session lasts its 2 hours of real time; the night of the change is an hour short.
    assert [end - start for start, end in utc] == [timedelta(hours=2)] * 3
    assert utc[1][0] - utc[0][0] == timedelta(hours=23)
    assert [item["start"] for item in result.as_dict()["stops"]] == [
        "2027-03-27T09:10:00+01:00",
        "2027-03-28T09:10:00+02:00",
        "2027-03-29T09:10:00+02:00",
    ]


def test_open_tour_totals():
    tour = request(stops=stops(4), return_to_start=False, max_sessions_per_day=4)
    result = plan_tour(tour, router=GreatCircle())
    assert result.return_leg is None
    assert result.total_seconds == pytest.approx(sum(item.leg.seconds for item in result.stops))
    assert result.total_metres == pytest.approx(sum(item.leg.metres for item in result.stops))
    closed = plan_tour(replace(tour, return_to_start=True), router=GreatCircle())
    assert closed.return_leg is not None
    assert closed.total_metres == pytest.approx(
        sum(item.leg.metres for item in closed.stops) + closed.return_leg.metres
    )


def test_default_router_comes_from_settings(settings):
    settings.CARTO_ROUTER_URL = ""
    result = plan_tour(request(speed_kmh=80))
    assert result.router == "great-circle"
    first = result.stops[0]
    assert first.leg.seconds == pytest.approx(first.leg.metres / (80 / 3.6))


# --- school holiday data ---------------------------------------------------------------------


def test_the_calendar_covers_the_published_school_years_in_each_zone():
    periods = calendar.load()
    for zone in ("A", "B", "C"):
        for school_year in (2026, 2027):  # 2026-2027 and 2027-2028
            names = {
                p.description
                for p in periods
                if p.zone == zone
                and date(school_year, 9, 1) <= p.start < date(school_year + 1, 9, 1)
            }
            assert {
                "Vacances de la Toussaint",
                "Vacances de Noël",
                "Vacances d'hiver",
                "Vacances de printemps",
                "Vacances d'été",
            } <= names, (zone, school_year)
        first, last = calendar.coverage(zone)
        assert first <= date(2025, 10, 18)
        assert last == date(2028, 8, 31)  # the 2028-2029 calendar is not published
    assert calendar.zones() == ("A", "B", "C")


@pytest.mark.parametrize(
    ("day", "zone", "expected"),
    [
        (date(2026, 10, 16), "B", False),  # last school day before Toussaint
        (date(2026, 10, 17), "B", True),
        (date(2026, 11, 1), "B", True),
        (date(2026, 11, 2), "B", False),  # school resumes
        (date(2026, 12, 25), "A", True),
        (date(2027, 2, 13), "A", True),
        (date(2027, 2, 13), "B", False),
        (date(2027, 2, 13), "C", True),
        (date(2027, 3, 7), "B", True),
        (date(2027, 3, 8), "B", False),
        (date(2026, 4, 27), "B", False),
        (date(2026, 5, 1), "C", True),
        (date(2026, 8, 31), "A", True),
        (date(2026, 9, 1), "A", False),
        (date(2027, 5, 7), "B", True),  # the Ascension bridge: no school from Thursday to Sunday
        (date(2027, 5, 10), "B", False),
        (date(2027, 8, 31), "B", True),  # the end of summer 2027, once unknown
        (date(2027, 9, 1), "B", False),
        (date(2027, 10, 25), "A", True),  # Toussaint 2027
    ],
)
def test_is_school_holiday(day, zone, expected):
    assert calendar.is_school_holiday(day, zone) is expected


def test_holiday_questions_outside_what_the_calendar_knows():
    with pytest.raises(calendar.HolidayDataError, match="zone « D » inconnue"):
        calendar.is_school_holiday(date(2026, 12, 1), "D")
    # The package answers « school day » for the unpublished autumn of 2028: refused here.
    with pytest.raises(calendar.HolidayDataError, match="25/10/2028"):
        calendar.is_school_holiday(date(2028, 10, 25), "B")
    with pytest.raises(calendar.HolidayDataError):
        calendar.is_school_holiday(date(1980, 9, 1), "B")


def test_periods_between_two_dates():
    found = calendar.periods("B", date(2026, 12, 1), date(2027, 3, 1))
    assert [(p.description, p.start, p.end) for p in found] == [
        ("Vacances de Noël", date(2026, 12, 19), date(2027, 1, 4)),
        ("Vacances d'hiver", date(2027, 2, 20), date(2027, 3, 8)),
    ]
    assert found[1].last_day == date(2027, 3, 7)
    assert calendar.periods("B", date(2026, 11, 2), date(2026, 12, 18)) == []


def test_public_holidays():
    days_2026 = calendar.public_holidays(2026)
    assert len(days_2026) == 11
    assert days_2026[date(2026, 4, 6)] == "Lundi de Pâques"
    assert days_2026[date(2026, 5, 14)] == "Ascension"  # the dataset's Ascension bridge starts then
    assert days_2026[date(2026, 5, 25)] == "Lundi de Pentecôte"
    assert calendar.public_holidays(2027)[date(2027, 5, 6)] == "Ascension"
    assert date(2025, 4, 21) in calendar.public_holidays(2025)  # Easter Monday 2025
    assert date(2024, 4, 1) in calendar.public_holidays(2024)  # Easter Monday 2024


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"stops": []}, "stops", "au moins une étape"),
        ({"date_to": date(2026, 11, 29)}, "date_to", "précède la date de début"),
        ({"date_to": date(2028, 1, 1)}, "date_to", "au plus 366"),
        ({"session_minutes": 600}, "session_minutes", "dépasse la journée"),
        ({"session_minutes": 0}, "session_minutes", "durée invalide"),
        ({"day_start": time(18, 0), "day_end": time(9, 0)}, "day_end", "doit suivre"),
        ({"periods": "school_holidays", "zone": "Z"}, "zone", "zone « Z » inconnue"),
        ({"zone": "Z"}, "zone", "zone « Z » inconnue"),
        ({"periods": "school_holidays"}, "zone", "zone de vacances scolaires requise"),
        ({"periods": "holidays"}, "periods", "inconnue"),
        ({"weekdays": []}, "weekdays", "au moins un jour"),
        ({"weekdays": ["Lu"]}, "weekdays", "jour invalide"),
        ({"max_sessions_per_day": 0}, "max_sessions_per_day", "valeur invalide"),
        ({"speed_kmh": 0}, "speed_kmh", "vitesse invalide"),
        ({"start": Place(200, 50)}, "start.lon", "longitude invalide"),
        ({"stops": [StopInput("a", "A", 2.0, 95.0)]}, "stops[0].lat", "latitude invalide"),
        ({"stops": [StopInput("a", "A", 2, 50), StopInput("a", "B", 3, 50)]}, "stops[1].id", "en double"),
        ({"stops": [StopInput("a", "A", 2, 50, opening_hours="Mo 25:00-26:00")]}, "stops[0].opening_hours", "illisibles"),
        ({"stops": [StopInput("a", "A", 2, 50, opening_hours="Mo 25:00-26:00")]}, "stops[0].opening_hours", "position 4 : « 25:00 » : heure invalide"),
        ({"stops": [StopInput("a", "A", 2, 50, opening_hours="Mo-Fr 09:00-17:00; SH off")]}, "stops[0].opening_hours", "zone de vacances scolaires requise (A, B, C)"),
        (
            {"stops": [StopInput("a", "A", 2, 50, opening_hours="SH off")], "zone": "B", "date_from": date(2028, 6, 1), "date_to": date(2028, 9, 15)},
            "date_to",
            "connues jusqu'au 31/08/2028",
        ),
        ({"stops": [StopInput("a", "A", 2, 50, duration_minutes=700)]}, "stops[0].duration_minutes", "dépasse"),
        (
            {"periods": "school_holidays", "zone": "B", "date_from": date(2028, 6, 1), "date_to": date(2028, 9, 15)},
            "date_to",
            "connues jusqu'au 31/08/2028",
        ),
        (
            {"periods": "school_holidays", "zone": "B", "date_from": date(2026, 11, 2), "date_to": date(2026, 12, 18)},
            "periods",
            "aucun jour retenu de vacances scolaires (zone B)",
        ),
        ({"weekdays": ["Su"], "date_to": date(2026, 12, 5)}, "weekdays", "aucun jour retenu (dimanche)"),
        ({"date_from": date(2026, 12, 25), "date_to": date(2026, 12, 25)}, "date_to", "jours fériés"),
    ],
)  # fmt: skip
def test_bad_input_raises_a_french_error_naming_the_field(fields, field, words):
    with pytest.raises(TourError) as caught:
        plan_tour(request(**fields), router=ExplodingRouter())
    assert isinstance(caught.value, ValueError)
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field} : ")
    assert words in str(caught.value)
