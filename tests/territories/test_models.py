"""Schema invariants, the spatial index on hot queries, and the small pure helpers."""

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.db import IntegrityError, connection, transaction

from carto.territories.codes import Kind, is_valid_code, search_key
from carto.territories.models import Territory, TerritoryPart
from carto.territories.querysets import zoom_tolerance

SQUARE = MultiPolygon(
    Polygon(((2.0, 50.0), (2.1, 50.0), (2.1, 50.1), (2.0, 50.1), (2.0, 50.0))), srid=4326
)
BOW_TIE = MultiPolygon(
    Polygon(((2.0, 50.0), (2.1, 50.1), (2.1, 50.0), (2.0, 50.1), (2.0, 50.0))), srid=4326
)


def create(**fields):
    defaults = {
        "kind": Kind.COMMUNE,
        "code": "62999",
        "name": "Essai",
        "vintage": "2025",
        "source": "test",
    }
    with transaction.atomic():
        return Territory.objects.create(**{**defaults, "geom": SQUARE, **fields})


@pytest.mark.django_db
class TestConstraints:
    def test_kind_and_code_are_unique(self):
        with pytest.raises(IntegrityError, match="territory_kind_code_uniq"):
            create(code="62498")

    @pytest.mark.parametrize(
        ("kind", "code"), [("commune", "6249"), ("epci", "12345"), ("qpv", "QX062")]
    )
    def test_code_format_is_checked_by_the_database(self, kind, code):
        with pytest.raises(IntegrityError, match="territory_code_format"):
            create(kind=kind, code=code)

    def test_invalid_outline_is_refused_by_the_database(self):
        with pytest.raises(IntegrityError, match="territory_geom_valid"):
            create(geom=BOW_TIE)

    def test_only_a_qpv_may_lack_an_outline(self):
        with pytest.raises(IntegrityError, match="territory_geom_required"):
            create(geom=None)
        assert create(kind=Kind.QPV, code="QN06299M", geom=None).pk


def explain(queryset, index_only: bool = False) -> str:
    """The query plan. `index_only` disables sequential scans: on the small demo table the
    planner may rightly prefer a scan, and what we check is that the index can serve."""
    sql, params = queryset.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        if index_only:
            cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.django_db
class TestSpatialIndexes:
    """The hot queries go through their GiST index (a sequential scan would not scale)."""

    def test_point_in_polygon_uses_the_subdivided_parts_index(self):
        plan = explain(TerritoryPart.objects.containing(Point(2.832435, 50.429256, srid=4326)))
        assert "territorypart_geom_gist" in plan, plan

    def test_bbox_filter_uses_the_outline_index(self):
        plan = explain(Territory.objects.in_bbox((2.7, 50.3, 2.9, 50.5)))
        assert "territory_geom_gist" in plan, plan

    def test_name_search_uses_the_trigram_index(self):
        plan = explain(Territory.objects.filter(name_search__contains=" lens"), index_only=True)
        assert "territory_name_trgm" in plan, plan


class TestHelpers:
    @pytest.mark.parametrize(
        ("text", "key"),
        [
            ("Liévin", "lievin"),
            ("Saint-Étienne-au-Mont", "saint etienne au mont"),
            ("Œuf-en-Ternois", "oeuf en ternois"),
            ("L'Abergement-Clémenciat", "l abergement clemenciat"),
            ("  CA de Lens - Liévin ", "ca de lens lievin"),
        ],
    )
    def test_search_key(self, text, key):
        assert search_key(text) == key

    @pytest.mark.parametrize(
        ("kind", "code", "valid"),
        [
            ("commune", "62498", True),
            ("commune", "2A004", True),
            ("commune", "62 498", False),
            ("departement", "2B", True),
            ("departement", "974", True),
            ("departement", "96", False),
            ("epci", "246200364", True),
            ("qpv", "QN06224M", True),
            ("qpv", "QN02A01M", True),
            ("qpv", "QP009002", True),
            ("qpv", "QN0622M", False),
            ("bv", "62498", True),
            ("region", "32", True),
            ("region", "3", False),
        ],
    )
    def test_code_formats(self, kind, code, valid):
        assert is_valid_code(kind, code) is valid

    def test_zoom_tolerance_is_one_pixel(self):
        tolerance, digits = zoom_tolerance(8)
        assert tolerance == pytest.approx(360 / 256 / 256)
        assert digits == 4
        assert zoom_tolerance(None) == (0.0, 6)
        tolerances = [zoom_tolerance(z)[0] for z in range(0, 23)]
        assert tolerances == sorted(tolerances, reverse=True)
        assert all(1 <= zoom_tolerance(z)[1] <= 6 for z in range(0, 23))
