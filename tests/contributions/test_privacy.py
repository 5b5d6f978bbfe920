"""Personal data: the contact person leaves the server only with their consent, and
`erase_person` removes a person from the directory, proposals, links and every
historical version, leaving a record that names no one."""

import hashlib
import json
import logging

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import models
from django.db.models.functions import Cast
from django.test import Client

from carto.actors.models import Actor, Initiative, Status
from carto.contributions.models import OwnerLink, Proposal, new_token
from carto.contributions.owners import issue_owner_link
from carto.contributions.services import save_checked

from ..helpers import body

pytestmark = pytest.mark.django_db

NAME, EMAIL, PHONE = "Maëlle Quintarel", "maelle.quintarel@example.org", "06 98 76 54 31"
TABLES = (Actor.history.model, Initiative.history.model, Actor, Initiative, Proposal, OwnerLink)
SECRETS = ("Quintarel", "maelle.quintarel", "98 76 54 31", "98.76.54.31", "0698765431")


def with_contact(actor, consent: bool):
    return save_checked(
        actor, actor.version,
        {"contact_name": NAME, "contact_email": EMAIL, "contact_phone": PHONE, "contact_consent": consent},
        None, "personne contact",
    )  # fmt: skip


def public_responses(client, actor) -> dict:
    """Every public output where an actor appears, by URL."""
    lon, lat = actor.location.x, actor.location.y
    bbox = f"{lon - 0.01},{lat - 0.01},{lon + 0.01},{lat + 0.01}"
    urls = [
        f"/api/v1/actors/?near={lon},{lat}&page_size=5",
        f"/api/v1/actors/?near={lon},{lat}&page_size=5&format=csv",
        f"/api/v1/actors/?territory=commune:{actor.commune_code}",
        f"/api/v1/initiatives/?territory=commune:{actor.commune_code}",
        f"/ogc/collections/actors/items?bbox={bbox}&f=json",
        f"/api/v1/export/data-inclusion/structures.json?departement={actor.departement_code}",
        "/api/v1/export/lmn/lieux.json",
        "/api/v1/export/lmn/lieux.csv",
        f"/territoire/commune/{actor.commune_code}/",
    ]
    responses = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        responses[url] = body(response).decode()
    for url in urls[:3] + urls[4:5]:  # the actor itself is in these
        assert actor.name in responses[url], url
    return responses


def detail(client, actor) -> dict:
    return json.loads(client.get(f"/api/v1/actors/{actor.pk}/").content)["properties"]


def test_without_consent_the_contact_person_stays_on_the_server(client, actor):
    with_contact(actor, consent=False)
    assert detail(client, actor)["contact"] is None
    outputs = {"detail": client.get(f"/api/v1/actors/{actor.pk}/").content.decode()}
    outputs.update(public_responses(client, actor))
    for url, text in outputs.items():
        for secret in SECRETS:
            assert secret not in text, (url, secret)


def test_with_consent_the_detail_alone_carries_the_contact(client, actor):
    with_contact(actor, consent=True)
    assert detail(client, actor)["contact"] == {"name": NAME, "email": EMAIL, "phone": PHONE}
    for url, text in public_responses(client, actor).items():
        for secret in SECRETS:
            assert secret not in text, (url, secret)


@pytest.fixture
def person(actor, tmp_path, settings):
    """The person everywhere: a contact (two versions), a public address written otherwise,
    an initiative's text, a proposal and an owner's link; and someone else, alike."""
    settings.CARTO_PRIVACY_LOG = tmp_path / "var" / "privacy.log"
    editor = User.objects.create_user("editrice", is_staff=True)
    contact = with_contact(actor, consent=True)
    contact = save_checked(
        contact, contact.version,
        {"description": f"Écrire à {EMAIL.upper()} ou appeler le +33 6 98 76 54 31."}, editor, "infos",
    )  # fmt: skip
    public = Actor.objects.filter(status=Status.PUBLISHED).exclude(pk=actor.pk).order_by("id")[0]
    public = save_checked(
        public, public.version, {"email": "Maelle.Quintarel@Example.org", "phone": "06.98.76.54.31"},
        editor, "contacts",
    )  # fmt: skip
    homonym = Actor.objects.filter(status=Status.PUBLISHED).exclude(pk=actor.pk).order_by("id")[1]
    homonym = save_checked(
        homonym, homonym.version,
        {"contact_email": "anne.maelle.quintarel@example.org", "contact_name": "Anne Quintarel"},
        editor, "autre personne",
    )  # fmt: skip
    initiative = Initiative.objects.filter(status=Status.PUBLISHED).order_by("id").first()
    initiative = save_checked(
        initiative, initiative.version,
        {"people": f"{NAME} (coordinatrice), {EMAIL}, {PHONE} ; 3 bénévoles"}, editor, "équipe",
    )  # fmt: skip
    proposal = Proposal.objects.create(
        kind=Proposal.Kind.CORRECTION, actor=actor, changes={"contact_email": EMAIL},
        message=f"Voir avec {EMAIL}", proposer_name=NAME, proposer_email=EMAIL,
        token_hash=new_token()[1],
    )  # fmt: skip
    token = issue_owner_link(actor, EMAIL)
    return {
        "contact": contact, "public": public, "homonym": homonym, "initiative": initiative,
        "proposal": proposal, "token": token,
    }  # fmt: skip


def rows_mentioning(model, text: str):
    """Rows of `model` with `text` in any of its text, list or JSON columns."""
    condition, annotations = models.Q(), {}
    for field in model._meta.concrete_fields:
        if isinstance(field, models.CharField | models.TextField):
            condition |= models.Q(**{f"{field.name}__icontains": text})
        elif field.get_internal_type() in ("ArrayField", "JSONField"):
            annotations[f"{field.name}_text"] = Cast(field.name, models.TextField())
            condition |= models.Q(**{f"{field.name}_text__icontains": text})
    return model.objects.annotate(**annotations).filter(condition)


def test_erase_person_everywhere(client, actor, person, settings, caplog):
    assert rows_mentioning(Actor.history.model, EMAIL).count() >= 3
    with caplog.at_level(logging.INFO, logger="carto.privacy"):
        call_command("erase_person", email=EMAIL.upper(), name=NAME, phone=PHONE, verbosity=0)

    contact = Actor.objects.get(pk=actor.pk)
    assert (contact.contact_name, contact.contact_email, contact.contact_phone) == ("", "", "")
    assert not contact.contact_consent
    assert contact.description == "Écrire à [effacé] ou appeler le [effacé]."
    public = Actor.objects.get(pk=person["public"].pk)
    assert (public.email, public.phone) == ("", "")
    homonym = Actor.objects.get(pk=person["homonym"].pk)
    assert (homonym.contact_email, homonym.contact_name) == (
        "anne.maelle.quintarel@example.org",
        "Anne Quintarel",
    )
    initiative = Initiative.objects.get(pk=person["initiative"].pk)
    assert initiative.people == "[effacé] (coordinatrice), [effacé], [effacé] ; 3 bénévoles"
    proposal = Proposal.objects.get(pk=person["proposal"].pk)
    assert (proposal.proposer_name, proposal.proposer_email) == ("", "")
    assert proposal.changes == {"contact_email": ""} and proposal.message == "Voir avec [effacé]"
    link = OwnerLink.objects.get(actor=actor)
    assert link.email == "" and link.revoked_at is not None

    # No row of any version, of any table, still holds the address or the phone.
    for model in TABLES:
        for secret in (EMAIL, "98 76 54 31", "98.76.54.31"):
            rows = rows_mentioning(model, secret)
            if model in (Actor, Actor.history.model):  # « anne.maelle.quintarel@… » is someone else
                rows = rows.exclude(id=homonym.pk)
            assert not rows.exists(), (model, secret)
    assert not Actor.history.model.objects.filter(contact_name__iexact=NAME).exists()
    # The erasure is a version of its own.
    latest = contact.history.order_by("-history_id").first()
    assert latest.history_change_reason == "effacement de données personnelles"

    # Nowhere in public, nor on the moderators' pages.
    outputs = public_responses(client, actor)
    for entry in (contact, public):
        outputs[entry.pk] = client.get(f"/api/v1/actors/{entry.pk}/").content.decode()
    outputs["initiative"] = client.get(f"/api/v1/initiatives/{initiative.pk}/").content.decode()
    staff = Client()
    staff.force_login(User.objects.get(username="editrice"))
    for url in (
        f"/historique/acteur/{contact.pk}/",
        f"/historique/acteur/{public.pk}/",
        f"/historique/initiative/{initiative.pk}/",
    ):
        response = staff.get(url)
        assert response.status_code == 200
        outputs[url] = response.content.decode()
    outputs["owner"] = client.get(f"/proprietaire/{person['token']}/").content.decode()
    for where, text in outputs.items():
        text = text.lower().replace("anne.maelle", "")  # someone else
        assert EMAIL not in text and "98 76 54 31" not in text, where

    # The record: hashes and counts, never the identifiers.
    [line] = settings.CARTO_PRIVACY_LOG.read_text().splitlines()
    record = json.loads(line)
    assert record["identifiers_sha256"]["email"] == hashlib.sha256(EMAIL.encode()).hexdigest()
    assert set(record["identifiers_sha256"]) == {"email", "name", "phone"}
    assert record["counts"]["actors_actor"] == 2 and record["counts"]["actors_initiative"] == 1
    assert record["counts"]["actors_historicalactor"] >= 3
    assert record["counts"]["contributions_proposal"] == 1
    assert record["counts"]["contributions_ownerlink"] == 1
    assert "date" in record
    assert "maelle" not in line.lower() and "quintarel" not in line.lower()
    assert "0698765431" not in line and "98 76 54 31" not in line
    [logged] = [r for r in caplog.records if r.name == "carto.privacy"]
    assert record["identifiers_sha256"]["email"] in logged.getMessage()
    assert EMAIL not in logged.getMessage()


def test_a_dry_run_counts_and_changes_nothing(actor, person, settings, capsys):
    before = rows_mentioning(Actor.history.model, EMAIL).count()
    call_command("erase_person", email=EMAIL, phone=PHONE, dry_run=True)
    out = capsys.readouterr().out
    assert "Simulation" in out and "actors_historicalactor" in out
    assert rows_mentioning(Actor.history.model, EMAIL).count() == before
    assert Actor.objects.get(pk=actor.pk).contact_email == EMAIL
    assert not settings.CARTO_PRIVACY_LOG.exists()


def test_an_email_alone_takes_its_persons_name_along(actor, person):
    call_command("erase_person", email=EMAIL, verbosity=0)
    contact = Actor.objects.get(pk=actor.pk)
    assert (contact.contact_name, contact.contact_email, contact.contact_phone) == ("", "", "")
    proposal = Proposal.objects.get(pk=person["proposal"].pk)
    assert (proposal.proposer_name, proposal.proposer_email) == ("", "")
    assert not Actor.history.model.objects.filter(contact_name=NAME).exists()
    # Without the name, « personnes mobilisées » keeps it; the address is gone.
    people = Initiative.objects.get(pk=person["initiative"].pk).people
    assert people == f"{NAME} (coordinatrice), [effacé], {PHONE} ; 3 bénévoles"


def test_bad_identifiers_are_refused():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--email"):
        call_command("erase_person", email="personne")
    with pytest.raises(CommandError, match="--phone"):
        call_command("erase_person", email=EMAIL, phone="12")
