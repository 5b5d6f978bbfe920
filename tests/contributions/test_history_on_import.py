"""Every write to the directory leaves its history, bulk imports included: the version of
an updated entry goes up, so that an edit started before the import is refused."""

import pytest

from carto.actors.importers import FranceServicesImporter, TerritoiresEngagementImporter
from carto.actors.models import Actor, Initiative

from ..conftest import DEMO_DEPARTEMENTS

pytestmark = pytest.mark.django_db


def test_every_imported_entry_has_its_creation_in_its_history():
    for model in (Actor, Initiative):
        without = model.objects.exclude(id__in=model.history.filter(history_type="+").values("id"))
        assert not without.exists(), model
    reasons = set(Actor.history.values_list("history_change_reason", flat=True))
    assert {"import france_services", "import lmn_cnfs_2022", "import mairies"} <= reasons


def test_an_import_that_changes_an_entry_records_it_and_bumps_its_version():
    actor = Actor.objects.filter(source="france_services").order_by("id").first()
    Actor.objects.filter(id=actor.id).update(phone="00 00 00 00 00")  # drifted from the file
    summary = FranceServicesImporter(departements=DEMO_DEPARTEMENTS).run()
    assert summary.updated == 1
    after = Actor.objects.get(id=actor.id)
    assert after.phone == actor.phone and after.version == actor.version + 1
    latest = after.history.order_by("-history_id").first()
    assert latest.history_type == "~" and latest.history_change_reason == "import france_services"
    assert latest.phone == actor.phone
    # An unchanged run writes no history.
    count = Actor.history.count()
    FranceServicesImporter(departements=DEMO_DEPARTEMENTS).run()
    assert Actor.history.count() == count


def test_initiatives_too():
    initiative = Initiative.objects.filter(source="territoires_engagement").order_by("id").first()
    Initiative.objects.filter(id=initiative.id).update(period="1999")
    TerritoiresEngagementImporter(departements=DEMO_DEPARTEMENTS).run()
    latest = initiative.history.order_by("-history_id").first()
    assert latest.period == initiative.period and latest.history_type == "~"
    assert Initiative.objects.get(id=initiative.id).version == initiative.version + 1


def test_a_save_records_its_author():
    from django.contrib.auth.models import User

    user = User.objects.create_user("moderatrice")
    actor = Actor.objects.filter(source="france_services").order_by("id").first()
    actor.description = "Corrigé à la main"
    actor._history_user = user
    actor._change_reason = "correction"
    actor.save()
    latest = actor.history.order_by("-history_id").first()
    assert (latest.history_user, latest.history_change_reason) == (user, "correction")
    assert latest.description == "Corrigé à la main"
