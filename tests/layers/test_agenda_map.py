"""The « Agenda » mode of /carte/ and the widget's agenda preset as the server renders them:
the configuration naming the events API and its vocabularies, the window and facets in the
form, the preset page, the snippet's parameters and the configurator's choice."""

import re

import pytest

from carto.agenda.models import Format, Level
from tests.helpers import csp_directives

from .test_pages import config_of

pytestmark = pytest.mark.django_db

WINDOWS = [
    ("aujourdhui", "Aujourd’hui"),
    ("semaine", "Cette semaine (7 jours)"),
    ("mois", "Ce mois-ci (31 jours)"),
    ("dates", "Entre deux dates"),
]


def options(html: str, select_id: str) -> list[tuple[str, str]]:
    select = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option value="([^"]*)"(?: selected)?>([^<]*)</option>', select)


def test_map_page_offers_the_agenda_mode(client):
    html = client.get("/carte/").content.decode()
    config = config_of(html)
    assert config["api"]["events"] == "/api/v1/events/"
    assert config["agendaPage"] == "/agenda/"
    assert config["formats"] == [{"slug": v, "label": label} for v, label in Format.choices]
    assert config["levels"] == [{"slug": v, "label": label} for v, label in Level.choices]
    assert '<input type="radio" name="mode" value="agenda"> Agenda</label>' in html
    assert options(html, "f-periode") == WINDOWS
    assert '<input id="f-du" name="du" type="date">' in html
    assert '<input id="f-au" name="au" type="date">' in html
    for value, label in Format.choices:
        assert f'<input type="checkbox" name="format" value="{value}"> {label}</label>' in html
    for value, label in Level.choices:
        assert f'<input type="checkbox" name="niveau" value="{value}"> {label}</label>' in html
    # The actors' kind and print list do not apply to sessions: hidden in the agenda mode.
    assert '<fieldset class="annuaire-seulement"><legend>Type</legend>' in html
    assert '<p class="en-ligne" data-online hidden></p>' in html


def test_embed_agenda_preset_page(client):
    response = client.get(
        "/embed/",
        {"mode": "agenda", "territory": "commune:62498", "periode": "mois", "format": "atelier"},
    )
    assert response.status_code == 200 and not response.cookies
    assert csp_directives(response["Content-Security-Policy"])["frame-ancestors"] == ["*"]
    html = response.content.decode()
    config = config_of(html)
    assert config["embed"] is True and config["api"]["events"] == "/api/v1/events/"
    # The widget has no mode switch (the preset chooses it) but the agenda's own filters.
    assert 'name="mode"' not in html
    assert options(html, "f-periode") == WINDOWS
    assert "data-agenda-options hidden" in html


def test_embed_script_passes_the_agenda_preset(client):
    script = client.get("/embed.js").content.decode()
    params = re.search(r"var PARAMS = \{(.*?)\};", script, re.S).group(1)
    mapping = dict(re.findall(r'"?(\w+)"?: "(\w+)"', params))
    assert {key: mapping[key] for key in ("mode", "periode", "du", "au", "format", "niveau")} == {
        "mode": "mode",
        "periode": "periode",
        "du": "du",
        "au": "au",
        "format": "format",
        "niveau": "niveau",
    }
    assert 'data-mode="agenda"' in script  # documented for the partners


def test_configurator_offers_the_agenda_preset(client):
    html = client.get("/embed/configurateur/").content.decode()
    assert options(html, "c-mode") == [
        ("", "Les acteurs (annuaire)"),
        ("agenda", "L’agenda : les séances à venir"),
    ]
    assert options(html, "c-periode") == WINDOWS
    assert options(html, "c-format") == [("", "Tous les formats"), *Format.choices]
    assert '<input id="c-du" name="du" type="date">' in html
