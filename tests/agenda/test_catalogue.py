"""The peer-training catalogue: offers and requests at commune precision, matched by theme
and distance; people only under a pseudonym and while they consent; relays on sheets."""

import pytest
from django.contrib.auth.models import User

from carto.actors.models import Actor
from carto.agenda import catalogue
from carto.agenda.models import Participant, Relay, Skill

pytestmark = pytest.mark.django_db


def participant(name, commune, consent=True):
    user = User.objects.create_user(name, email=f"{name}@example.org")
    return Participant.objects.create(
        user=user, pseudonym=name.title(), commune_code=commune, consent=consent
    )


def skill(direction, who, title, themes=("numerique",), level=""):
    owner = {"participant": who} if isinstance(who, Participant) else {"actor": who}
    return catalogue.save_skill(
        Skill(direction=direction, title=title, themes=list(themes), level=level, **owner)
    )


def test_a_person_is_placed_at_their_communes_town_hall_never_finer():
    person = participant("nadia", "62498")
    offer = skill("offer", person, "Créer une adresse e-mail")
    assert offer.commune_code == "62498" and "departement:62" in offer.territory_codes
    from carto.territories.models import Territory

    assert offer.location == Territory.objects.get(kind="commune", code="62498").anchor


def test_a_request_matches_nearby_offers_on_its_themes_nearest_first(make_event):
    lens, arras, lille = (
        participant("nadia", "62498"),
        participant("marc", "62041"),
        participant("lea", "59350"),
    )
    near = skill("offer", lens, "Messagerie : les bases", level="decouverte")
    far = skill("offer", lille, "Messagerie, pas à pas")
    skill("offer", arras, "Jardinage au naturel", themes=["environnement"])
    skill("offer", arras, "Tableur avancé", level="perfectionnement")
    hidden = skill("offer", participant("discret", "62498", consent=False), "Invisible")
    request = skill(
        "request", participant("sam", "62498"), "Apprendre la messagerie", level="decouverte"
    )
    found = [o.title for o in catalogue.matching_offers(request)]
    assert found == [near.title, far.title]  # theme and level, nearest first
    assert hidden.title not in found
    session = make_event(title="Atelier messagerie", themes=["numerique"], level="decouverte")
    make_event(title="Atelier jardin", themes=["environnement"])
    assert [o.event.title for o in catalogue.matching_sessions(request)] == [session.title]


def test_the_pages_list_offers_and_show_a_requests_matches(client, make_event):
    lens = participant("nadia", "62498")
    skill("offer", lens, "Messagerie : les bases")
    request = skill("request", participant("sam", "62498"), "Apprendre <b>la</b> messagerie")
    page = client.get("/agenda/savoirs/", {"sens": "offer", "lieu": "Lens"}).content.decode()
    assert "Messagerie : les bases" in page and "Nadia" in page
    assert "Apprendre" not in page  # offers only
    assert "nadia@example.org" not in page
    detail = client.get(f"/agenda/savoirs/{request.pk}/").content.decode()
    assert "Apprendre &lt;b&gt;la&lt;/b&gt; messagerie" in detail
    assert "Messagerie : les bases" in detail
    person = participant("retrait", "62498", consent=False)
    gone = skill("offer", person, "Retiré")
    assert client.get(f"/agenda/savoirs/{gone.pk}/").status_code == 404


def test_relays_are_listed_on_their_territorys_sheet(client):
    actor = Actor.objects.listed().filter(commune_code="62498").order_by("id").first()
    Relay.objects.create(
        role="relais-numerique", actor=actor, territories=["commune:62498"], note="le mardi"
    )
    Relay.objects.create(role="facilitateur", participant=participant("cache", "62498", consent=False),
                         territories=["commune:62498"])  # fmt: skip
    page = client.get("/territoire/commune/62498/").content.decode()
    assert "Relais et facilitateurs" in page
    assert f"Habitant·e-relais numérique : {actor.name}" in page
    assert "Cache" not in page


def test_the_catalogue_filters_by_format_and_where(client):
    person = participant("nadia", "62498")
    for title, skill_format, modes in [
        ("Tableur en atelier", "atelier", ["sur-place"]),
        ("Tableur en visio", "formation", ["en-ligne"]),
        ("Tableur sur les marchés", "rencontre", ["itinerant", "sur-place"]),
    ]:
        catalogue.save_skill(
            Skill(direction="offer", title=title, themes=["numerique"], participant=person,
                  format=skill_format, modes=modes)
        )  # fmt: skip

    def titles(**query) -> set[str]:
        page = client.get("/agenda/savoirs/", query).content.decode()
        return {t for t in ("en atelier", "en visio", "sur les marchés") if f"Tableur {t}" in page}

    assert titles() == {"en atelier", "en visio", "sur les marchés"}
    assert titles(format="atelier") == {"en atelier"}
    assert titles(ou="sur-place") == {"en atelier", "sur les marchés"}
    assert titles(ou="itinerant", format="rencontre") == {"sur les marchés"}
    assert titles(ou="en-ligne", format="atelier") == set()
    page = client.get("/agenda/savoirs/", {"format": "atelier"}).content.decode()
    assert '<option value="atelier" selected>Atelier</option>' in page


def test_the_catalogue_leads_to_mon_espace_and_the_exchanges(client):
    from carto.agenda.credits.models import Exchange

    assert "data-exchanges" not in client.get("/agenda/savoirs/").content.decode()
    Exchange.objects.create(name="KAT <Hub> Interasso", slug="kat-hub")
    html = client.get("/agenda/savoirs/").content.decode()
    assert 'href="/agenda/moi/"' in html
    assert 'href="/credits/echanges/kat-hub/">KAT &lt;Hub&gt; Interasso (KAT)</a>' in html
