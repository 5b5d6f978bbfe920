"""All the metropolitan départements in one import: the scope of a load is recorded in
full (it once overflowed a 200-character column and the national import crashed)."""

from io import StringIO

import pytest
from django.core.management import call_command

from carto.territories.models import DatasetLoad, Territory

pytestmark = pytest.mark.django_db

METROPOLITAN = [f"{n:02d}" for n in range(1, 96) if n != 20] + ["2A", "2B"]


def test_the_96_metropolitan_departements_import_as_one_scope():
    assert len(METROPOLITAN) == 96
    before = Territory.objects.count(), DatasetLoad.objects.count()
    out = StringIO()
    call_command(
        "import_territories",
        departements=METROPOLITAN,
        datasets=["departements"],
        dry_run=True,
        stdout=out,
    )
    output = out.getvalue()
    # The demo loaded 6 of them; the 90 others would be created.
    assert "Simulation (--dry-run)" in output and ", ".join(sorted(METROPOLITAN)) in output
    assert "90 créés,      0 mis à jour,      6 inchangés" in output
    assert (Territory.objects.count(), DatasetLoad.objects.count()) == before


def test_a_national_scope_is_stored_whole():
    scope = ",".join(sorted([*METROPOLITAN, "971", "972", "973", "974", "976"]))
    load = DatasetLoad.objects.create(
        dataset="departements", scope=scope, file="x", sha256="0" * 64
    )
    load.refresh_from_db()
    assert load.scope == scope and len(scope) > 200
