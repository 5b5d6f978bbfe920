"""Moderation by territory: who sees which proposal, what each decision writes (status,
history, mail), that nothing is published before a moderator says so, and « à vérifier ».

Pending entries and proposals are made here directly (the proposal forms are another
module's); every name carries MARK, which no demo record holds, so that the public API
is asked about them alone."""

import json
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.contrib.gis.geos import Point
from django.core import mail
from django.forms.models import model_to_dict
from django.utils import timezone

from carto.actors.models import Actor, Initiative, Precision, Status
from carto.actors.services import attach_actors, attach_initiatives
from carto.contributions.models import OwnerLink, Proposal, Referent, new_token
from carto.contributions.services import save_checked
from carto.srid import WGS84
from carto.territories.codes import search_key

pytestmark = pytest.mark.django_db

MARK = "Zorglub"
LENS = (2.8319, 50.4329)  # commune 62498, Pas-de-Calais
LENS_BBOX = "2.75,50.38,2.92,50.48"
LILLE = (3.0573, 50.6292)  # commune 59350, Nord
QUEUE, VERIFY, LOGIN = "/moderation/", "/moderation/a-verifier/", "/moderation/connexion/"


# -- factory ------------------------------------------------------------------------------


def actor(name, *, at=LENS, kind="centre-social", status=Status.PENDING, **fields) -> Actor:
    """An actor written as the proposal form does: territory codes attached."""
    made = Actor.objects.create(
        name=name, name_key=search_key(name), kind_id=kind, location=Point(*at, srid=WGS84),
        status=status, source="test-moderation", city=fields.pop("city", "Lens"), **fields,
    )  # fmt: skip
    attach_actors([made.pk])
    made.refresh_from_db()
    return made


def initiative(title, commune="62498") -> Initiative:
    made = Initiative.objects.create(
        title=title, footprint_codes=[f"commune:{commune}"], status=Status.PENDING,
        source="test-moderation", summary="Un atelier ouvert à tous.",
    )  # fmt: skip
    attach_initiatives([made.pk])
    made.refresh_from_db()
    return made


def propose(entry, kind=Proposal.Kind.NEW, **fields) -> Proposal:
    is_actor = isinstance(entry, Actor)
    fields.setdefault("proposer_name", "Camille Proposante")
    fields.setdefault("proposer_email", "camille@example.org")
    return Proposal.objects.create(
        kind=kind, actor=entry if is_actor else None, initiative=None if is_actor else entry,
        territory_codes=entry.territory_codes, actor_kind=entry.kind_id if is_actor else "",
        token_hash=new_token()[1], **fields,
    )  # fmt: skip


def referent(username, territories, kinds=()) -> User:
    user = User.objects.create_user(username, password="mot-de-passe-solide", first_name="Réf")
    Referent.objects.create(user=user, territories=territories, kinds=list(kinds))
    return user


@pytest.fixture
def pas_de_calais():
    return referent("ref62", ["departement:62"])


@pytest.fixture
def nord():
    return referent("ref59", ["departement:59"])


def as_user(client, user):
    client.force_login(user)
    return client


def decide(client, proposal, action, **data):
    data.setdefault("version", proposal.entry.version)
    return client.post(f"/moderation/proposition/{proposal.pk}/{action}/", data)


def api_ids(client, path) -> set[int]:
    response = client.get(path)
    assert response.status_code == 200, response.content
    return {feature["id"] for feature in json.loads(response.content)["features"]}


def page_text(response) -> str:
    return response.content.decode()


def row(page: str, name: str) -> str:
    """The table row of a page that names `name`."""
    [found] = [part for part in page.split("<tr") if name in part]
    return found


# -- who may come in -----------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    proposal = propose(actor(f"{MARK} anonyme"))
    for path in [QUEUE, VERIFY, f"/moderation/proposition/{proposal.pk}/"]:
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith(f"{LOGIN}?next=")
    response = decide(client, proposal, "publier")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert Actor.objects.get(pk=proposal.actor_id).status == Status.PENDING


def test_a_user_without_territory_gets_a_french_403_everywhere(client):
    proposal = propose(actor(f"{MARK} interdit"))
    as_user(client, User.objects.create_user("curieux", password="x"))
    for path in [QUEUE, VERIFY, f"/moderation/proposition/{proposal.pk}/"]:
        response = client.get(path)
        assert response.status_code == 403 and "Accès réservé aux référents" in page_text(response)
    assert decide(client, proposal, "publier").status_code == 403
    assert Actor.objects.get(pk=proposal.actor_id).status == Status.PENDING


def test_login_and_logout_in_french(client, pas_de_calais):
    page = client.get(LOGIN)
    assert page.status_code == 200 and "Connexion à la modération" in page_text(page)
    wrong = client.post(LOGIN, {"username": "ref62", "password": "faux"})
    assert wrong.status_code == 200 and "mot de passe valides" in page_text(wrong)
    right = client.post(LOGIN, {"username": "ref62", "password": "mot-de-passe-solide"})
    assert right.status_code == 302 and right["Location"] == QUEUE
    assert client.get(QUEUE).status_code == 200
    assert client.post("/moderation/deconnexion/").status_code == 302
    assert client.get(QUEUE).status_code == 302


def test_sign_in_attempts_are_limited_per_address(client, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # 25 attempts in under a minute: whatever the window's edges, one holds more than 10.
    answers = [
        client.post(LOGIN, {"username": "personne", "password": f"essai {n}"}) for n in range(25)
    ]
    limited = [answer for answer in answers if answer.status_code == 429]
    assert limited and "Trop de tentatives de connexion" in page_text(limited[-1])


def test_staff_see_every_territory(client):
    proposal = propose(actor(f"{MARK} à Lille", at=LILLE, city="Lille"))
    as_user(client, User.objects.create_user("admin", password="x", is_staff=True))
    assert f"{MARK} à Lille" in page_text(client.get(QUEUE))
    assert client.get(f"/moderation/proposition/{proposal.pk}/").status_code == 200


# -- publishing, and who may ---------------------------------------------------------------


def test_a_referent_publishes_a_pending_actor_and_initiative_then_the_public_sees_them(
    client, pas_de_calais
):
    place = propose(actor(f"{MARK} centre de Lens"))
    action = propose(initiative(f"{MARK} atelier de Lens"))
    search = f"/api/v1/actors/?q={MARK}"
    on_map = f"/api/v1/actors/?bbox={LENS_BBOX}&page_size=500"
    actions = f"/api/v1/initiatives/?q={MARK}"
    in_lens = "/api/v1/initiatives/?territory=commune:62498&page_size=500"
    for path in (search, on_map):
        assert place.actor_id not in api_ids(client, path)
    for path in (actions, in_lens):
        assert action.initiative_id not in api_ids(client, path)

    as_user(client, pas_de_calais)
    queue = page_text(client.get(QUEUE))
    assert f"{MARK} centre de Lens" in queue and f"{MARK} atelier de Lens" in queue
    assert "Lens, Pas-de-Calais" in row(queue, f"{MARK} centre de Lens")
    assert "Lens, Pas-de-Calais" in row(queue, f"{MARK} atelier de Lens")
    assert "Camille Proposante" in queue
    assert "camille@example.org" not in queue
    detail = client.get(f"/moderation/proposition/{place.pk}/")
    assert detail.status_code == 200 and "Publier" in page_text(detail)
    assert "camille@example.org" not in page_text(detail)

    for proposal in (place, action):
        response = decide(client, proposal, "publier")
        assert response.status_code == 302 and response["Location"] == QUEUE
        proposal.refresh_from_db()
        assert proposal.state == Proposal.State.PUBLISHED and proposal.decided_by == pas_de_calais
        entry = proposal.entry
        entry.refresh_from_db()
        assert entry.status == Status.PUBLISHED
        last = entry.history.latest("history_id")
        assert last.history_user == pas_de_calais
        assert last.history_change_reason == "publication par Réf"
    assert Actor.objects.get(pk=place.actor_id).last_verified == timezone.localdate()

    client.logout()
    for path in (search, on_map):
        assert place.actor_id in api_ids(client, path)
    for path in (actions, in_lens):
        assert action.initiative_id in api_ids(client, path)
    assert f"{MARK} centre de Lens" not in page_text(as_user(client, pas_de_calais).get(QUEUE))
    # Per entry, the decision, then the proposer's owner link: they can keep it up to date.
    assert [m.to for m in mail.outbox] == [["camille@example.org"]] * 4
    assert "est publiée" in mail.outbox[0].body
    link = re.search(r"/proprietaire/[\w-]+/", mail.outbox[1].body)[0]
    client.logout()
    owner_page = client.get(link)
    assert owner_page.status_code == 200 and f"{MARK} centre de Lens" in page_text(owner_page)
    assert OwnerLink.objects.get(actor=place.actor_id).created_by == pas_de_calais


def test_a_referent_of_another_departement_cannot_see_nor_decide(client, pas_de_calais, nord):
    proposal = propose(actor(f"{MARK} hors du Nord"))
    as_user(client, nord)
    assert f"{MARK} hors du Nord" not in page_text(client.get(QUEUE))
    assert client.get(f"/moderation/proposition/{proposal.pk}/").status_code == 404
    assert client.get(f"/moderation/proposition/{proposal.pk}/modifier/").status_code == 404
    for action, data in [
        ("publier", {}), ("appliquer", {}), ("refuser", {"reason": "non"}),
        ("doublon", {"original": proposal.actor_id, "original_version": 1}),
    ]:  # fmt: skip
        assert decide(client, proposal, action, **data).status_code == 404
    edit = client.post(
        f"/moderation/proposition/{proposal.pk}/modifier/", {"version": 1, "name": "piraté"}
    )
    assert edit.status_code == 404
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.PENDING
    assert Actor.objects.get(pk=proposal.actor_id).status == Status.PENDING
    assert mail.outbox == []


def test_a_referent_of_some_kinds_sees_those_kinds_only(client):
    social = propose(actor(f"{MARK} centre social", kind="centre-social"))
    third_place = propose(actor(f"{MARK} tiers-lieu", kind="tiers-lieu"))
    as_user(client, referent("ref62cs", ["departement:62"], kinds=["centre-social"]))
    queue = page_text(client.get(QUEUE))
    assert f"{MARK} centre social" in queue and f"{MARK} tiers-lieu" not in queue
    assert client.get(f"/moderation/proposition/{social.pk}/").status_code == 200
    assert client.get(f"/moderation/proposition/{third_place.pk}/").status_code == 404
    assert decide(client, third_place, "publier").status_code == 404
    assert Actor.objects.get(pk=third_place.actor_id).status == Status.PENDING


def test_an_actor_without_a_position_is_not_published(client, pas_de_calais):
    proposal = propose(actor(f"{MARK} sans position"))
    Actor.objects.filter(pk=proposal.actor_id).update(location=None)
    response = decide(as_user(client, pas_de_calais), proposal, "publier")
    assert response.status_code == 409 and "n’a pas encore de position" in page_text(response)
    assert Actor.objects.get(pk=proposal.actor_id).status == Status.PENDING


def test_a_proposal_decided_twice_is_refused_the_second_time(client, pas_de_calais):
    proposal = propose(actor(f"{MARK} deux fois"))
    as_user(client, pas_de_calais)
    assert decide(client, proposal, "publier").status_code == 302
    again = decide(client, proposal, "refuser", reason="trop tard", version=2)
    assert again.status_code == 409 and "déjà été traitée" in page_text(again)
    assert Actor.objects.get(pk=proposal.actor_id).status == Status.PUBLISHED


# -- refusing, merging ---------------------------------------------------------------------


def test_refusing_tells_the_proposer_why_and_the_entry_stays_invisible(client, pas_de_calais):
    proposal = propose(actor(f"{MARK} à refuser"))
    as_user(client, pas_de_calais)
    empty = decide(client, proposal, "refuser", reason="  ")
    assert empty.status_code == 400 and "motif du refus" in page_text(empty)
    assert mail.outbox == []

    reason = "Ce lieu a fermé en 2023, d’après la mairie."
    assert decide(client, proposal, "refuser", reason=reason).status_code == 302
    proposal.refresh_from_db()
    assert (proposal.state, proposal.reason) == (Proposal.State.REFUSED, reason)
    entry = Actor.objects.get(pk=proposal.actor_id)
    assert entry.status == Status.REFUSED and not entry.listed
    [sent] = mail.outbox
    assert sent.to == ["camille@example.org"] and "n’a pas été retenue" in sent.subject
    assert reason in sent.body and "Bonjour Camille Proposante" in sent.body
    client.logout()
    assert entry.pk not in api_ids(client, f"/api/v1/actors/?q={MARK}")


def test_no_mail_when_the_proposer_left_no_address(client, pas_de_calais):
    proposal = propose(actor(f"{MARK} sans adresse"), proposer_email="")
    assert (
        decide(as_user(client, pas_de_calais), proposal, "refuser", reason="spam").status_code
        == 302
    )
    assert mail.outbox == []


def test_merging_marks_the_duplicate_and_completes_the_original(client, pas_de_calais, nord):
    original = actor(f"{MARK} maison des habitants", status=Status.PUBLISHED)
    other = actor(f"{MARK} maison lilloise", at=LILLE, city="Lille", status=Status.PUBLISHED)
    duplicate = actor(
        f"{MARK} maison des habitants", phone="03 21 00 00 00",
        contact_name="Dominique Contact", contact_email="dominique@example.org",
    )  # fmt: skip
    proposal = propose(duplicate)
    as_user(client, pas_de_calais)
    # Suggested (same name, same place), found by name, and chosen: its gains are listed.
    suggested = page_text(client.get(f"/moderation/proposition/{proposal.pk}/"))
    assert f"doublon={original.pk}" in suggested and f"doublon={other.pk}" not in suggested
    found = client.get(f"/moderation/proposition/{proposal.pk}/?recherche={MARK}+maison")
    assert f"doublon={original.pk}" in page_text(found)
    chosen = page_text(client.get(f"/moderation/proposition/{proposal.pk}/?doublon={original.pk}"))
    assert "03 21 00 00 00" in chosen and 'value="contact_email"' in chosen

    # Another territory's actor is not a target.
    refused = decide(client, proposal, "doublon", original=other.pk, original_version=other.version)
    assert refused.status_code == 409 and "pas de votre territoire" in page_text(refused)

    response = decide(
        client, proposal, "doublon", original=original.pk, original_version=original.version,
        completer=["phone", "contact_email"],
    )  # fmt: skip
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.duplicate_of) == (Status.REFUSED, original)
    proposal.refresh_from_db()
    assert (proposal.state, proposal.duplicate_of) == (Proposal.State.MERGED, original)
    original.refresh_from_db()
    assert original.phone == "03 21 00 00 00" and original.contact_email == "dominique@example.org"
    assert original.contact_name == ""  # not chosen
    completed = original.history.latest("history_id")
    assert completed.history_user == pas_de_calais
    assert f"proposition n° {proposal.pk}" in completed.history_change_reason
    # The duplicate's contact stays in its own history.
    kept = duplicate.history.latest("history_id")
    assert kept.contact_name == "Dominique Contact" and kept.duplicate_of_id == original.pk
    assert "dominique@example.org" not in page_text(client.get(QUEUE))
    assert "figurait déjà" in mail.outbox[0].body


# -- editing, applying ---------------------------------------------------------------------


def test_an_edit_on_a_stale_version_is_refused_and_loses_nothing(client, pas_de_calais):
    proposal = propose(actor(f"{MARK} à corriger", phone="01"))
    entry = proposal.actor
    opened = entry.version
    as_user(client, pas_de_calais)
    form = client.get(f"/moderation/proposition/{proposal.pk}/modifier/")
    assert form.status_code == 200 and f'name="version" value="{opened}"' in page_text(form)
    # Another moderator saves in between.
    save_checked(entry, opened, {"phone": "03 21 99 99 99"}, None, "autre modératrice")
    typed = {
        "version": opened, "name": f"{MARK} nom retouché", "kind": "centre-social",
        "precision": "address", "lat": LENS[1], "lon": LENS[0], "phone": "01",
        "description": "Une description saisie avec soin.",
    }  # fmt: skip
    response = client.post(f"/moderation/proposition/{proposal.pk}/modifier/", typed)
    text = page_text(response)
    assert response.status_code == 409 and "a été modifié entre-temps" in text
    assert f"{MARK} nom retouché" in text and "Une description saisie avec soin." in text
    assert f"Modifier « {MARK} à corriger »" in text  # the heading names the entry as it is
    assert "03 21 99 99 99" in text  # the current value, beside
    assert f'name="version" value="{opened + 1}"' in text
    entry.refresh_from_db()
    assert (entry.name, entry.phone) == (f"{MARK} à corriger", "03 21 99 99 99")
    # Sent again from that page (on the current version), it goes through.
    typed.update(version=opened + 1, phone="03 21 99 99 99")
    assert client.post(f"/moderation/proposition/{proposal.pk}/modifier/", typed).status_code == 302
    entry.refresh_from_db()
    assert entry.name == f"{MARK} nom retouché" and entry.status == Status.PENDING
    assert entry.history.latest("history_id").history_change_reason == (
        "modifié avant publication par Réf"
    )


def test_applying_a_correction_changes_the_proposed_fields_only(client, pas_de_calais):
    entry = actor(f"{MARK} à jour", status=Status.PUBLISHED, phone="01", website="https://a.fr")
    proposal = propose(
        entry, Proposal.Kind.CORRECTION, changes={"phone": "03 21 12 34 56"},
        message="Le numéro a changé.",
    )  # fmt: skip
    as_user(client, pas_de_calais)
    detail = page_text(client.get(f"/moderation/proposition/{proposal.pk}/"))
    assert "Le numéro a changé." in detail and "03 21 12 34 56" in detail and ">01<" in detail
    stale = decide(client, proposal, "appliquer", version=entry.version + 5)
    assert stale.status_code == 409 and "modifié entre-temps" in page_text(stale)

    before = model_to_dict(Actor.objects.get(pk=entry.pk))
    assert decide(client, proposal, "appliquer").status_code == 302
    after = model_to_dict(Actor.objects.get(pk=entry.pk))
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {"phone", "version"}
    assert after["phone"] == "03 21 12 34 56" and after["website"] == "https://a.fr"
    last = entry.history.latest("history_id")
    assert last.history_user == pas_de_calais
    assert last.history_change_reason == f"correction n° {proposal.pk} appliquée par Réf"
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.APPLIED


def test_a_correction_may_change_a_kind_and_themes_and_a_bad_field_is_named(client, pas_de_calais):
    entry = actor(f"{MARK} recatégorisé", status=Status.PUBLISHED)
    proposal = propose(
        entry, Proposal.Kind.CORRECTION, changes={"kind": "tiers-lieu", "themes": ["culture"]}
    )
    as_user(client, pas_de_calais)
    assert decide(client, proposal, "appliquer").status_code == 302
    entry.refresh_from_db()
    assert (entry.kind_id, entry.themes) == ("tiers-lieu", ["culture"])
    bad = propose(entry, Proposal.Kind.CORRECTION, changes={"source_id": "x", "nope": 1})
    response = decide(client, bad, "appliquer")
    assert response.status_code == 409 and "« nope »" in page_text(response)
    bad.refresh_from_db()
    assert bad.state == Proposal.State.PENDING


def test_an_edit_may_not_move_an_actor_out_of_the_referents_territories(client, pas_de_calais):
    proposal = propose(actor(f"{MARK} déplacé"))
    entry = proposal.actor
    typed = {
        "version": entry.version, "name": entry.name, "kind": "centre-social",
        "precision": "address", "lat": LILLE[1], "lon": LILLE[0],
    }  # fmt: skip
    as_user(client, pas_de_calais)
    path = f"/moderation/proposition/{proposal.pk}/modifier/"
    response = client.post(path, typed)
    assert response.status_code == 400 and "hors de vos territoires" in page_text(response)
    # Inside: saved and placed; the proposal follows its entry's kind and territories.
    spot = (2.83312, 50.43187)
    typed.update(lat=spot[1], lon=spot[0], kind="tiers-lieu")
    assert client.post(path, typed).status_code == 302
    entry.refresh_from_db()
    proposal.refresh_from_db()
    assert entry.location.coords == pytest.approx(spot) and entry.to_locate is False
    assert (proposal.actor_kind, proposal.territory_codes) == ("tiers-lieu", entry.territory_codes)


# -- the queue's filters ---------------------------------------------------------------------


def test_the_queue_filters_and_pages(client, pas_de_calais):
    new = propose(actor(f"{MARK} nouveau"))
    old = propose(actor(f"{MARK} ancien", kind="tiers-lieu"))
    Proposal.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    report = initiative(f"{MARK} signalée")
    for _ in range(26):
        propose(report, Proposal.Kind.REPORT, message="Erreur de date.")
    as_user(client, pas_de_calais)

    def names(query):
        return {n for n in (f"{MARK} nouveau", f"{MARK} ancien", f"{MARK} signalée")
                if n in page_text(client.get(QUEUE + query))}  # fmt: skip

    assert names("?anciennete=30") == {f"{MARK} ancien"}
    assert names("?type=tiers-lieu") == {f"{MARK} ancien"}
    assert names("?nature=new&type=centre-social") == {f"{MARK} nouveau"}
    assert names("?nature=report") == {f"{MARK} signalée"}
    assert names("?territoire=departement:62&nature=new") == {f"{MARK} nouveau", f"{MARK} ancien"}
    # A code outside the référent's territories is not offered (and narrows nothing in).
    refused = client.get(QUEUE + "?territoire=departement:59")
    assert "Sélectionnez un choix valide" in page_text(refused)
    first = page_text(client.get(QUEUE))
    assert "Page 1 sur 2" in first and "28 propositions à traiter" in first
    assert "Page 2 sur 2" in page_text(client.get(QUEUE + "?page=2"))
    assert new.pk and old.pk


def test_names_are_shown_as_text(client, pas_de_calais):
    payload = f"<script>window.__pwned=1</script>{MARK}"
    proposal = propose(initiative(payload))
    as_user(client, pas_de_calais)
    for path in (QUEUE, f"/moderation/proposition/{proposal.pk}/"):
        text = page_text(client.get(path))
        assert "<script>window.__pwned" not in text
        assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in text


# -- « à vérifier » -------------------------------------------------------------------------


@pytest.fixture
def to_check():
    today = timezone.localdate()
    two_years_ago = today - timedelta(days=730)
    published = {"status": Status.PUBLISHED}
    rough = {"precision": Precision.COMMUNE, "to_locate": True}
    in_lille = {"at": LILLE, "city": "Lille", "precision": Precision.COMMUNE}
    return {
        "stale": actor(f"{MARK} vieux", last_verified=two_years_ago, **published),
        "rough": actor(f"{MARK} approximatif", last_verified=today, **rough, **published),
        "fresh": actor(f"{MARK} frais", last_verified=today, **published),
        "nord": actor(f"{MARK} nordiste", last_verified=two_years_ago, **in_lille, **published),
    }


def sections(response) -> tuple[str, str]:
    text = page_text(response)
    stale, rough = text.split('data-liste="anciens"')[1].split('data-liste="positions"')
    return stale, rough


def test_to_verify_lists_the_stale_and_the_approximate_of_the_territory(
    client, pas_de_calais, to_check
):
    as_user(client, pas_de_calais)
    response = client.get(VERIFY + f"?q={MARK}")
    assert response.status_code == 200
    stale, rough = sections(response)
    assert f"{MARK} vieux" in stale and f"{MARK} approximatif" not in stale
    assert f"{MARK} approximatif" in rough and f"{MARK} vieux" not in rough
    assert f"{MARK} frais" not in stale + rough and f"{MARK} nordiste" not in stale + rough
    assert "Pas-de-Calais (département 62)" in page_text(response)
    never = actor(f"{MARK} jamais vérifié", status=Status.PUBLISHED)
    Actor.objects.filter(pk=never.pk).update(updated_at=timezone.now() - timedelta(days=400))
    assert f"{MARK} jamais vérifié" in sections(client.get(VERIFY + f"?q={MARK}"))[0]


def test_confirm_and_place(client, pas_de_calais, nord, to_check):
    stale, rough = to_check["stale"], to_check["rough"]
    as_user(client, nord)
    assert f"{MARK} vieux" not in page_text(client.get(VERIFY + f"?q={MARK}"))
    confirm = f"/moderation/a-verifier/{stale.pk}/confirmer/"
    assert client.post(confirm, {"version": stale.version}).status_code == 404
    assert client.get(f"/moderation/a-verifier/{rough.pk}/placer/").status_code == 404

    as_user(client, pas_de_calais)
    assert client.post(confirm, {"version": stale.version}).status_code == 302
    stale.refresh_from_db()
    assert stale.last_verified == timezone.localdate()
    last = stale.history.latest("history_id")
    assert (last.history_change_reason, last.history_user) == ("confirmation", pas_de_calais)

    place = f"/moderation/a-verifier/{rough.pk}/placer/"
    assert client.get(place).status_code == 200
    crafted = page_text(client.get(place + "?retour=javascript:alert(1)"))
    assert "javascript:" not in crafted
    outside = client.post(place, {"version": rough.version, "lat": LILLE[1], "lon": LILLE[0]})
    assert outside.status_code == 400 and "hors de vos territoires" in page_text(outside)
    spot = (2.83312, 50.43187)
    placed = client.post(place, {"version": rough.version, "lat": spot[1], "lon": spot[0]})
    assert placed.status_code == 302
    rough.refresh_from_db()
    assert (rough.precision, rough.to_locate) == (Precision.ADDRESS, False)
    assert rough.location.coords == pytest.approx(spot)
    assert "commune:62498" in rough.territory_codes
    assert rough.history.latest("history_id").history_user == pas_de_calais
    stale_list, rough_list = sections(client.get(VERIFY + f"?q={MARK}"))
    assert f"{MARK} vieux" not in stale_list and f"{MARK} approximatif" not in rough_list
    # A position saved from a page opened on an older version is refused, and kept.
    again = client.post(place, {"version": rough.version - 1, "lat": 50.43, "lon": 2.83})
    assert again.status_code == 409 and 'value="50.43"' in page_text(again)
