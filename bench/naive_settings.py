"""carto's settings, production as the environment says, with the naive views mounted
(bench/naive_urls.py): the one difference of the benchmark's naive server."""

from carto.settings import *  # noqa: F403

ROOT_URLCONF = "bench.naive_urls"
