"""The scope of an import: all of France by default, the demo territory or a list of
codes; the directory skips a load when nothing it reads has changed."""

import os
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from carto.actors.models import Actor, DirectoryLoad
from carto.territories.importer import TerritoryImporter, TerritoryImportError
from carto.territories.manifest import ManifestError, resolve_departements

pytestmark = pytest.mark.django_db


def test_all_is_every_departement_of_the_communes_table_overseas_included():
    scope = resolve_departements("all")
    assert scope.everything and scope.filter is None
    assert len(scope.codes) == 101
    assert {"01", "2A", "2B", "59", "95", "971", "972", "973", "974", "976"} <= set(scope.codes)
    assert "20" not in scope.codes
    assert resolve_departements(["ALL"]).codes == scope.codes


def test_the_default_scope_is_the_setting_and_all_of_france_outside_the_tests(settings):
    from carto import settings as project_settings

    if "CARTO_DEPARTEMENTS" not in os.environ:
        assert project_settings.CARTO_DEPARTEMENTS == "all"
    settings.CARTO_DEPARTEMENTS = "all"
    assert resolve_departements(None).everything
    assert len(TerritoryImporter().departements) == 101
    settings.CARTO_DEPARTEMENTS = "09,62"
    assert resolve_departements(None).codes == ("09", "62")


def test_demo_and_lists():
    assert resolve_departements("demo").codes == ("02", "09", "59", "60", "62", "80")
    scope = resolve_departements(" 62, 2a ,59,62")
    assert scope.codes == ("2A", "59", "62") and scope.filter == ["2A", "59", "62"]


@pytest.mark.parametrize(
    "value, message",
    [
        ("all,59", "« all » se donne seul"),
        ("59,999x", "invalide(s) 999X"),
        ("ab", "invalide(s) AB"),
    ],
)
def test_a_bad_scope_names_what_is_wrong(value, message):
    with pytest.raises(ManifestError, match=re.escape(message)):
        resolve_departements(value)
    with pytest.raises(TerritoryImportError, match=re.escape(message)):
        TerritoryImporter(departements=value.split(","))


def test_all_needs_the_communes_table(settings, tmp_path):
    settings.CARTO_DATA_DIR = tmp_path
    with pytest.raises(
        ManifestError, match=re.escape("communes_2025_points.csv : fichier introuvable")
    ):
        resolve_departements("all")


def test_import_directory_refuses_a_bad_scope():
    with pytest.raises(CommandError, match="invalide"):
        call_command("import_directory", departements="5x", stdout=StringIO())


def test_import_directory_if_changed_skips_an_unchanged_load(settings, tmp_path):
    out = StringIO()
    call_command("import_directory", departements="09", stdout=out, verbosity=0)
    load = DirectoryLoad.objects.get(scope="09")
    actors = Actor.objects.count()
    Actor.objects.filter(departement_code="09").update(name="modifié à la main")

    out = StringIO()
    call_command("import_directory", departements="09", if_changed=True, stdout=out)
    assert "déjà à jour" in out.getvalue()
    # Nothing was read again: the hand-made change stays.
    assert Actor.objects.filter(name="modifié à la main").exists()

    # Another scope is another load; a changed file (here: another data folder) too.
    out = StringIO()
    call_command("import_directory", departements="09", stdout=out, verbosity=0)
    assert not Actor.objects.filter(name="modifié à la main").exists()
    assert Actor.objects.count() == actors
    assert DirectoryLoad.objects.get(scope="09").fingerprint == load.fingerprint

    settings.CARTO_DATA_DIR = tmp_path  # no source files: a different fingerprint
    from carto.actors.management.commands.import_directory import fingerprint

    assert fingerprint("09") != load.fingerprint
