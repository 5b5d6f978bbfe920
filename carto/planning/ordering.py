"""The order of a tour's stops: the one that minimises the total travel time.

Design choice: exact when it is cheap, a bounded local search beyond. Costs come from a
matrix (node 0 is the start, nodes 1..n the stops; it may be asymmetric, as OSRM
durations are). Up to ``EXACT_MAX_STOPS`` (10) stops the optimum is exact: Held–Karp
dynamic programming over subsets, O(n²·2ⁿ) (10 stops: about 10⁵ steps). Beyond, a
heuristic: nearest neighbour from the start, then local search alternating 2-opt
(reverse a segment) and Or-opt (move a run of 1 to 3 stops, in either direction) with
best-improvement moves until none improves or ``MAX_SEARCH_ROUNDS`` moves were made.
Each move's gain is computed in O(1) with prefix sums of the route's costs in both
directions, so asymmetric matrices are handled exactly. ``solve_order`` says which was
used: ``"exact"`` or ``"heuristic (2-opt)"``; the heuristic is never worse than nearest
neighbour. A closed tour comes back to the start; an open one ends at its last stop.
"""

import itertools
import math
from collections.abc import Sequence

__all__ = [
    "EPSILON",
    "EXACT_MAX_STOPS",
    "MAX_SEARCH_ROUNDS",
    "METHOD_EXACT",
    "METHOD_HEURISTIC",
    "held_karp",
    "heuristic_order",
    "nearest_neighbour",
    "route_cost",
    "solve_order",
]

EXACT_MAX_STOPS = 10
MAX_SEARCH_ROUNDS = 10_000
METHOD_EXACT = "exact"
METHOD_HEURISTIC = "heuristic (2-opt)"
EPSILON = 1e-9  # costs closer than this are equal


def route_cost(order: Sequence[int], cost: Sequence[Sequence[float]], closed: bool) -> float:
    """Cost of visiting ``order`` (node indexes, the start being node 0) from the start."""
    total = 0.0
    previous = 0
    for node in order:
        total += cost[previous][node]
        previous = node
    if closed and order:
        total += cost[previous][0]
    return total


def held_karp(cost: Sequence[Sequence[float]], closed: bool) -> tuple[list[int], float]:
    """The optimal order of nodes 1..n from node 0 (exact, O(n²·2ⁿ)), and its cost."""
    n = len(cost) - 1
    if n <= 0:
        return [], 0.0
    full = (1 << n) - 1
    inf = math.inf
    best = [[inf] * n for _ in range(1 << n)]
    parent = [[-1] * n for _ in range(1 << n)]
    for j in range(n):
        best[1 << j][j] = cost[0][j + 1]
    for mask in range(1, full + 1):
        row = best[mask]
        for j in range(n):
            value = row[j]
            if value == inf or not mask >> j & 1:
                continue
            from_costs = cost[j + 1]
            for k in range(n):
                if mask >> k & 1:
                    continue
                candidate = value + from_costs[k + 1]
                target = mask | 1 << k
                if candidate < best[target][k]:
                    best[target][k] = candidate
                    parent[target][k] = j
    last, total = -1, inf
    for j in range(n):
        value = best[full][j] + (cost[j + 1][0] if closed else 0.0)
        if value < total:
            last, total = j, value
    order = []
    mask = full
    while last != -1:
        order.append(last + 1)
        previous = parent[mask][last]
        mask &= ~(1 << last)
        last = previous
    order.reverse()
    return order, total


def nearest_neighbour(cost: Sequence[Sequence[float]]) -> list[int]:
    """Nodes 1..n, each time the nearest unvisited one from the current node (from node 0)."""
    remaining = set(range(1, len(cost)))
    order = []
    current = 0
    while remaining:
        current = min(remaining, key=lambda node: (cost[current][node], node))
        remaining.remove(current)
        order.append(current)
    return order


def _prefix_sums(
    route: list[int], cost: Sequence[Sequence[float]]
) -> tuple[list[float], list[float]]:
    forward = [0.0]
    backward = [0.0]
    for a, b in itertools.pairwise(route):
        forward.append(forward[-1] + cost[a][b])
        backward.append(backward[-1] + cost[b][a])
    return forward, backward


def _best_two_opt(route, cost, last, forward, backward) -> tuple[float, tuple | None]:
    """The best segment reversal route[i..j] (1 ≤ i < j ≤ last) and its gain (negative)."""
    best_delta, best_move = -EPSILON, None
    size = len(route)
    for i in range(1, last):
        a, b = route[i - 1], route[i]
        for j in range(i + 1, last + 1):
            c = route[j]
            delta = cost[a][c] - cost[a][b]
            delta += (backward[j] - backward[i]) - (forward[j] - forward[i])
            if j + 1 < size:
                d = route[j + 1]
                delta += cost[b][d] - cost[c][d]
            if delta < best_delta:
                best_delta, best_move = delta, (i, j)
    return best_delta, best_move


def _best_or_opt(route, cost, last, forward, backward, closed) -> tuple[float, tuple | None]:
    """The best move of a run route[i..i+length-1] (1 to 3 stops, maybe reversed) elsewhere."""
    best_delta, best_move = -EPSILON, None
    size = len(route)
    # After position p: never after the closing start of a closed tour.
    insertion_points = range(size - 1) if closed else range(size)
    for length in (1, 2, 3):
        for i in range(1, last - length + 2):
            k = i + length - 1
            a, first, tail = route[i - 1], route[i], route[k]
            b = route[k + 1] if k + 1 < size else None
            removal = cost[a][first] - (cost[a][b] - cost[tail][b] if b is not None else 0.0)
            inner_forward = forward[k] - forward[i]
            inner_backward = backward[k] - backward[i]
            for p in insertion_points:
                if i - 1 <= p <= k:
                    continue
                if p == size - 1 and b is None:
                    continue  # that is where the run already ends
                x = route[p]
                y = route[p + 1] if p + 1 < size else None
                for reverse in (False, True) if length > 1 else (False,):
                    head, end = (tail, first) if reverse else (first, tail)
                    added = cost[x][head] + (cost[end][y] - cost[x][y] if y is not None else 0.0)
                    if reverse:
                        added += inner_backward - inner_forward
                    delta = added - removal
                    if delta < best_delta:
                        best_delta, best_move = delta, (i, k, p, reverse)
    return best_delta, best_move


def _apply_or_opt(route: list[int], move: tuple) -> list[int]:
    i, k, p, reverse = move
    run = route[i : k + 1]
    if reverse:
        run.reverse()
    rest = route[:i] + route[k + 1 :]
    position = p + 1 if p < i else p + 1 - len(run)
    return rest[:position] + run + rest[position:]


def heuristic_order(
    cost: Sequence[Sequence[float]], closed: bool, max_rounds: int = MAX_SEARCH_ROUNDS
) -> list[int]:
    """Nearest neighbour improved by 2-opt and Or-opt moves until none helps (bounded)."""
    order = nearest_neighbour(cost)
    if len(order) < 3:
        return held_karp(cost, closed)[0]
    route = [0, *order, *([0] if closed else [])]
    last = len(order)  # positions 1..last hold the stops; position 0 (and last + 1) the start
    for _round in range(max_rounds):
        forward, backward = _prefix_sums(route, cost)
        _gain, move = _best_two_opt(route, cost, last, forward, backward)
        if move is not None:
            i, j = move
            route[i : j + 1] = route[i : j + 1][::-1]
            continue
        _gain, move = _best_or_opt(route, cost, last, forward, backward, closed)
        if move is None:
            break
        route = _apply_or_opt(route, move)
    return route[1 : last + 1]


def solve_order(cost: Sequence[Sequence[float]], closed: bool) -> tuple[list[int], str]:
    """The order of nodes 1..n from node 0 that minimises ``cost``, and the method used."""
    if len(cost) - 1 <= EXACT_MAX_STOPS:
        return held_karp(cost, closed)[0], METHOD_EXACT
    return heuristic_order(cost, closed), METHOD_HEURISTIC
