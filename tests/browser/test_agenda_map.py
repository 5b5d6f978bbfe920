"""The « Agenda » mode of /carte/ and the widget's agenda preset in a real browser.

Four sessions of the theme THEME (no other event has it) are committed for this module, as
the pages are served by another thread: a workshop in Lens whose title is a script payload
(in two days), a training in Liévin (in three days), a later workshop in Lens (in twenty
days) and an online-only workshop (no place; attached to its organiser's commune, Lens).
Basemap tiles are unreachable here: the map must work without them.
"""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from carto.actors.models import Actor
from carto.agenda import services
from carto.agenda.models import Event
from carto.srid import WGS84
from tests.agenda.conftest import LENS, at

from .test_map import partner_server  # noqa: F401  (the partner's origin, a fixture)

pytestmark = pytest.mark.django_db

SOURCE = "test_agenda_map"
THEME = "jeunesse"
PAYLOAD = '<img src=x onerror="window.__pwned=1"> Atelier & co'
TRAINING = "Formation : les démarches en ligne"
LATER = "Atelier photo du mois prochain"
ONLINE = "Atelier en visio"
LIEVIN = (2.78482, 50.42159)  # Liévin town hall, lon, lat
DAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre"]  # fmt: skip


def french_when(start, end) -> str:
    day = f"{DAYS[start.weekday()]} {start.day} {MONTHS[start.month - 1]} {start.year}"
    return f"{day}, {start.hour} h – {end.hour} h"


@pytest.fixture(scope="module")
def sessions(django_db_setup, django_db_blocker):
    """The four events, saved as the agenda saves them (attached, expanded), then removed."""
    with django_db_blocker.unblock():
        Event.objects.filter(source=SOURCE).delete()  # left by an interrupted session
        organizer = Actor.objects.listed().filter(commune_code="62498").order_by("id").first()

        def make(title, days, hour, **values):
            defaults = dict(
                title=title, description="", themes=[THEME], format="atelier",
                starts_at=at(days, hour), ends_at=at(days, hour) + timedelta(hours=2),
                location=Point(*LENS, srid=WGS84), place_name="Centre social",
                address="Place Jean Jaurès, Lens", organizer=organizer, status="published",
                source=SOURCE, source_id=title,
            )  # fmt: skip
            defaults.update(values)
            return services.save_event(Event(**defaults))

        events = SimpleNamespace(
            payload=make(PAYLOAD, 2, 14),
            training=make(
                TRAINING,
                3,
                10,
                format="formation",
                level="decouverte",
                location=Point(*LIEVIN, srid=WGS84),
                place_name="Médiathèque",
                address="Liévin",
            ),
            later=make(LATER, 20, 15),
            online=make(
                ONLINE,
                2,
                18,
                attendance="en-ligne",
                location=None,
                place_name="",
                address="",
                online_url="https://visio.exemple.fr/salle",
            ),
        )
    try:
        yield events
    finally:
        with django_db_blocker.unblock():
            Event.objects.filter(source=SOURCE).delete()


def wait_agenda(page, after: int = 0) -> str:
    """Wait until the agenda mode ended a load later than `after`: how many sessions it drew."""
    page.wait_for_function(
        "after => Number(document.querySelector('[data-carte]').dataset.agendaSeq || 0) > after",
        arg=after,
    )
    return page.get_attribute("[data-carte]", "data-agenda")


def agenda_seq(page) -> int:
    return int(page.get_attribute("[data-carte]", "data-agenda-seq") or 0)


def listed_titles(page) -> list[str]:
    return page.locator("[data-results] .nom").all_text_contents()


def marker_titled(page, text: str):
    for marker in page.locator(".seance-marqueur").all():
        if text in (marker.get_attribute("title") or ""):
            return marker
    raise AssertionError(f"no marker titled with {text!r}")


def online_count(page) -> str:
    """How many online-only sessions the page counted (asked once the map's were drawn)."""
    page.wait_for_selector("[data-carte][data-online-count]", state="attached")
    return page.get_attribute("[data-carte]", "data-online-count")


def popup_shown(page):
    """The open popup, once its fade-in ended (for a legible screenshot)."""
    popup = page.locator(".leaflet-popup-content .popup-seances")
    popup.wait_for()
    page.wait_for_function(
        "() => getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'"
    )
    return popup


def assert_nothing_ran(page, console):
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__pwned") is None
    assert console.errors == []


def test_carte_agenda_mode_with_a_date_window(open_page, sessions, artifacts):
    today = timezone.localdate()
    du, au = today.isoformat(), (today + timedelta(days=6)).isoformat()
    page, console = open_page(
        f"/carte/?mode=agenda&theme={THEME}&periode=dates&du={du}&au={au}&map=50.425,2.81,12"
    )
    assert wait_agenda(page) == "2"
    # The week's two placed sessions, by date; the later one and the online one are not drawn.
    assert listed_titles(page) == [PAYLOAD, TRAINING]
    payload = sessions.payload.occurrences.get()
    start, end = (timezone.localtime(m) for m in (payload.starts_at, payload.ends_at))
    assert page.locator("[data-results] .quand").first.text_content() == french_when(start, end)
    assert page.locator(".seance-marqueur").count() == 2
    assert page.locator(".pastille").count() == 0  # no actor marker in the agenda mode
    assert page.input_value("#f-du") == du and page.input_value("#f-au") == au
    assert page.is_visible("#f-du")

    # A marker opens its sessions, the data's text as text.
    marker_titled(page, "Atelier & co").click()
    popup = popup_shown(page)
    assert popup.locator(".titre").all_text_contents() == [PAYLOAD]
    assert popup.locator(".quand").text_content() == french_when(start, end)
    assert popup.locator(".ou").text_content() == "Centre social, Place Jean Jaurès, Lens"
    assert (
        popup.locator("a")
        .get_attribute("href")
        .endswith(f"/agenda/evenements/{sessions.payload.pk}/")
    )
    assert online_count(page) == "1"
    online = page.locator("[data-online]")
    assert (
        online.text_content() == "1 séance en ligne seulement (hors carte) : les voir dans l’agenda"
    )
    link = online.locator("a").get_attribute("href")
    assert link.startswith("/agenda/?attendance=en-ligne") and f"theme={THEME}" in link
    assert f"periode=dates&du={du}&au={au}" in link  # the same window on the agenda page
    page.screenshot(path=artifacts / "agenda-carte.png")
    assert_nothing_ran(page, console)
    listing, listing_console = open_page(link)
    assert listing.input_value("#periode") == "dates" and listing.input_value("#du") == du
    assert ONLINE in listing.locator("main").text_content()  # the online session, listed there
    assert listing_console.errors == []

    # « Ce mois-ci »: the later workshop joins, at the same place as the first one.
    seq = agenda_seq(page)
    page.select_option("#f-periode", "mois")
    assert wait_agenda(page, seq) == "3"
    assert listed_titles(page) == [PAYLOAD, TRAINING, LATER]
    assert page.locator(".seance-marqueur").count() == 2
    assert "periode=mois" in page.url and "du=" not in page.url and "mode=agenda" in page.url
    # A shared link reopens the same view.
    page.reload()
    assert wait_agenda(page) == "3"
    assert page.input_value("#f-periode") == "mois"

    # « Aujourd'hui »: none of them (the first is in two days).
    seq = agenda_seq(page)
    page.select_option("#f-periode", "aujourdhui")
    assert wait_agenda(page, seq) == "0"
    assert page.text_content("[data-count]") == "0 séance dans la vue, par date."
    seq = agenda_seq(page)
    page.select_option("#f-periode", "mois")
    assert wait_agenda(page, seq) == "3"

    # The format filter, kept in the URL too.
    seq = agenda_seq(page)
    page.check('input[name="format"][value="formation"]')
    assert wait_agenda(page, seq) == "1"
    assert listed_titles(page) == [TRAINING]
    assert "format=formation" in page.url

    # Two dates in the wrong order: said, in French, naming them; nothing is drawn.
    seq = agenda_seq(page)
    page.select_option("#f-periode", "dates")
    page.fill("#f-du", au)
    page.fill("#f-au", du)
    page.wait_for_function(
        "() => document.querySelector('[data-carte]').dataset.agenda === 'error'"
    )
    french = {day: "/".join(reversed(day.split("-"))) for day in (du, au)}
    assert page.text_content("[data-agenda-error]") == (
        f"La date de fin (au {french[du]}) doit suivre la date de début (du {french[au]})."
    )
    assert page.text_content("[data-count]") == "Corrigez les dates pour voir les séances."
    assert page.locator(".seance-marqueur").count() == 0
    page.screenshot(path=artifacts / "agenda-carte-erreur.png")
    assert_nothing_ran(page, console)


def test_embed_agenda_preset_of_a_territory(open_page, sessions, artifacts):
    page, console = open_page(
        f"/embed/?mode=agenda&theme={THEME}&territory=commune:62498&periode=mois"
    )
    # Framed on Lens once its outline came (the view in the URL says so): the two Lens
    # sessions, one place.
    page.wait_for_function(
        "() => Number((new URLSearchParams(location.search).get('map') || '').split(',')[2]) >= 11"
    )
    page.wait_for_function("() => document.querySelector('[data-carte]').dataset.agenda === '2'")
    assert "Lens (commune)" in page.text_content("[data-territory-chip]")
    assert listed_titles(page) == [PAYLOAD, LATER]
    assert page.is_visible("#f-periode") and page.is_hidden("#f-du")
    marker = page.locator(".seance-marqueur")
    assert marker.count() == 1
    assert marker.get_attribute("title") == f"2 séances : {PAYLOAD} ; {LATER}"
    marker.click()
    popup = popup_shown(page)
    assert popup.locator(".titre").all_text_contents() == [PAYLOAD, LATER]
    assert popup.locator("a").first.get_attribute("target") == "_blank"
    assert online_count(page) == "1"
    assert "1 séance en ligne seulement" in page.text_content("[data-online]")
    assert page.evaluate("document.cookie") == ""
    # « Ouvrir la carte complète » opens the same agenda view on /carte/.
    full = page.get_attribute("[data-open-full]", "href")
    assert "/carte/?" in full and "mode=agenda" in full and "periode=mois" in full
    assert "territory=commune%3A62498" in full
    page.screenshot(path=artifacts / "agenda-embed.png")
    assert_nothing_ran(page, console)


def test_configurator_and_snippet_give_the_agenda_preset(
    open_page,
    api_server,
    partner_server,  # noqa: F811  (the fixture imported above)
    sessions,
    artifacts,
):
    page, console = open_page("/embed/configurateur/")
    page.select_option("#c-mode", "agenda")
    page.select_option("#c-theme", THEME)
    assert page.is_hidden("#c-kind") and page.is_visible("#c-periode")
    snippet = page.input_value("#c-snippet")
    assert snippet == (
        f'<div data-carto-embed data-theme="{THEME}" data-mode="agenda" data-periode="semaine" '
        f'data-height="480"></div>\n<script src="{api_server}/embed.js" async></script>'
    )
    preview = page.locator("[data-preview] iframe")
    assert preview.get_attribute("src") == (
        f"{api_server}/embed/?theme={THEME}&mode=agenda&periode=semaine"
    )
    assert 'title="Agenda : les séances à venir"' in page.input_value("#c-iframe")
    frame = preview.element_handle().content_frame()
    # The whole region framed: this week's two placed sessions.
    frame.wait_for_function(
        "() => (document.querySelector('[data-carte]') || {dataset: {}}).dataset.agenda === '2'"
    )
    frame.wait_for_load_state("networkidle")
    page.screenshot(path=artifacts / "agenda-configurateur.png", full_page=True)
    page.select_option("#c-periode", "dates")
    assert page.text_content("[data-dates-error]") == "Choisissez les deux dates (du et au)."
    assert page.is_visible("#c-du") and page.is_hidden("#c-kind")
    page.select_option("#c-periode", "semaine")
    assert console.errors == []

    # embed.js turns the pasted snippet into the same widget.
    partner_server.html = (
        f'<!doctype html><html lang="fr"><title>Partenaire</title><body>{snippet}</body></html>'
    )
    partner, partner_console = open_page("")
    partner.goto(partner_server.url)
    partner.wait_for_selector("[data-carto-embed] iframe")
    widget = partner.locator("[data-carto-embed] iframe")
    assert widget.get_attribute("src") == (
        f"{api_server}/embed/?theme={THEME}&mode=agenda&periode=semaine"
    )
    assert widget.get_attribute("title") == "Agenda : les séances à venir"
    frame = widget.element_handle().content_frame()
    frame.wait_for_function(
        "() => (document.querySelector('[data-carte]') || {dataset: {}}).dataset.agenda === '2'"
    )
    assert frame.locator("[data-results] .nom").all_text_contents() == [PAYLOAD, TRAINING]
    assert partner_console.errors == []
