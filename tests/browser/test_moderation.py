"""A référent signs in (every moderation page free of WCAG 2.1 AA violations by axe-core), finds a pending proposal whose name is a script payload, reads it
as text (nothing runs), and publishes it, in a real browser.

The référent, the pending actor and its proposal are committed (the pages are served from
the session database by another thread) and removed afterwards, history included."""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import User
from django.contrib.gis.geos import Point

from carto.actors.models import Actor, Status
from carto.actors.services import attach_actors
from carto.actors.signals import directory_changed
from carto.contributions.models import Proposal, Referent, new_token
from carto.srid import WGS84
from carto.territories.codes import search_key

from .axe import assert_accessible

pytestmark = pytest.mark.django_db

SOURCE = "test-moderation-browser"
USERNAME, PASSWORD = "referente-navigateur", "un mot de passe de test"
NAME = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>Café & co'


@pytest.fixture(scope="module")
def pending(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        remove()  # left by an interrupted session in a reused database
        user = User.objects.create_user(USERNAME, password=PASSWORD, first_name="Référente")
        Referent.objects.create(user=user, territories=["departement:62"])
        actor = Actor.objects.create(
            name=NAME, name_key=search_key(NAME), kind_id="tiers-lieu", city="Lens",
            address="2 rue de la Gare", postcode="62300", status=Status.PENDING,
            location=Point(2.8319, 50.4329, srid=WGS84), source=SOURCE,
        )  # fmt: skip
        attach_actors([actor.pk])
        actor.refresh_from_db()
        proposal = Proposal.objects.create(
            kind=Proposal.Kind.NEW, actor=actor, territory_codes=actor.territory_codes,
            actor_kind=actor.kind_id, proposer_name="Alex", token_hash=new_token()[1],
        )  # fmt: skip
    try:
        yield SimpleNamespace(actor=actor.pk, proposal=proposal.pk)
    finally:
        with django_db_blocker.unblock():
            remove()


def remove():
    ids = list(Actor.objects.filter(source=SOURCE).values_list("id", flat=True))
    Actor.objects.filter(id__in=ids).delete()  # its proposals with it
    Actor.history.model.objects.filter(id__in=ids).delete()
    User.objects.filter(username=USERNAME).delete()  # its Referent with it
    directory_changed.send(sender=Actor)


def test_a_referent_signs_in_reads_a_payload_as_text_and_publishes_it(
    open_page, api_server, pending, artifacts
):
    page, console = open_page("/moderation/")
    assert "/moderation/connexion/" in page.url
    assert_accessible(page)
    page.fill("#id_username", USERNAME)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/moderation/")

    link = page.locator(f'a[href="/moderation/proposition/{pending.proposal}/"]')
    assert link.text_content() == NAME
    assert "Lens, Pas-de-Calais" in page.locator("table.file tbody tr").first.text_content()
    page.screenshot(path=artifacts / "moderation-file.png", full_page=True)
    assert_accessible(page)
    link.click()
    page.wait_for_selector("h1")
    assert page.text_content("h1").startswith(NAME)
    page.screenshot(path=artifacts / "moderation-proposition.png", full_page=True)
    assert_accessible(page)
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__pwned") is None

    # Edited before publishing: the address corrected, the page shows the new version.
    page.click("text=Modifier la fiche")
    assert page.input_value("#id_name") == NAME
    page.fill("#id_address", "3 rue de la Gare")
    page.screenshot(path=artifacts / "moderation-modifier.png", full_page=True)
    assert_accessible(page)
    page.click("form.edition button[type=submit]")
    page.wait_for_selector(".messages")
    assert page.text_content(".messages") == "Modifications enregistrées."
    assert page.locator("input[name=version]").first.input_value() == "2"

    page.click("button[data-action=publier]")
    page.wait_for_url("**/moderation/")
    assert page.text_content(".messages") == f"« {NAME} » est publiée."
    page.screenshot(path=artifacts / "moderation-publiee.png", full_page=True)
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__pwned") is None
    assert console.errors == []
    assert Actor.objects.get(pk=pending.actor).status == Status.PUBLISHED
    assert Proposal.objects.get(pk=pending.proposal).state == Proposal.State.PUBLISHED

    # « À vérifier » lists the département's approximate positions (the demo data has some).
    page.click("text=À vérifier")
    page.wait_for_selector("[data-liste=positions]")
    assert page.locator("[data-liste=positions] tbody tr").count() > 0
    page.screenshot(path=artifacts / "moderation-a-verifier.png", full_page=True)
    assert_accessible(page)

    # Then places it with a click on the map: the fields follow, and the position is saved.
    page.goto(f"{api_server}/moderation/a-verifier/{pending.actor}/placer/")
    page.wait_for_selector("[data-placer][data-placer-ready]")
    before = (page.input_value("#id_lat"), page.input_value("#id_lon"))
    box = page.locator("[data-placer-map]").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2 + 40, box["y"] + box["height"] / 2 + 30)
    after = (page.input_value("#id_lat"), page.input_value("#id_lon"))
    assert after != before and all(after)
    page.screenshot(path=artifacts / "moderation-placer.png", full_page=True)
    assert_accessible(page)
    page.click("form[data-placer] button[type=submit]")
    page.wait_for_url("**/moderation/a-verifier/")
    placed = Actor.objects.get(pk=pending.actor)
    assert (round(placed.location.y, 6), round(placed.location.x, 6)) == tuple(map(float, after))
    assert console.errors == []
