"""Opening hours: the France services conversion on every real row, and the OSM subset
parser, its questions (is_open, next_change) and its French descriptions. No database."""

import csv
from datetime import datetime
from pathlib import Path

import pytest
from django.conf import settings

from carto.actors.opening_hours import (
    Conversion,
    Day,
    OpeningHoursError,
    Schedule,
    describe_fr,
    from_france_services,
    is_open,
    next_change,
    normalise,
    parse,
)

FRANCE_SERVICES = Path("acteurs") / "france_services_20240801.csv"
DAY_COLUMNS = ["h_lundi", "h_mardi", "h_mercredi", "h_jeudi", "h_vendredi", "h_samedi"]

# Week of 5 August 2024: Monday 5 … Sunday 11; Thursday 15 August is a public holiday.
MONDAY = 5


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2024, 8, day, hour, minute)


@pytest.fixture(scope="module")
def france_services() -> dict[str, dict[str, str]]:
    """The real France services rows by id_fs (../shared/data, or CARTO_DATA_DIR)."""
    for base in (Path(settings.CARTO_DATA_DIR), Path(settings.BASE_DIR).parent / "shared" / "data"):
        path = base / FRANCE_SERVICES
        if path.is_file():
            with path.open(encoding="utf-8", newline="") as file:
                return {row["id_fs"]: row for row in csv.DictReader(file)}
    pytest.fail(f"{FRANCE_SERVICES} not found in CARTO_DATA_DIR nor ../shared/data")


def week(**cells: str) -> dict[str, str]:
    """France services day cells: week(lundi="9h-12h") -> {"h_lundi": "9h-12h", …}."""
    return {f"h_{name}": text for name, text in cells.items()}


# --- the real France services list ---------------------------------------------------------

# Rows whose only unreadable cell is the export's « 00:00 - 00:00 » padding, alone in a day
# (found by listing every distinct cell; everywhere else the padding sits beside real ranges).
PADDING_ONLY = {
    "67": "vendredi",
    "815": "vendredi",
    "2111": "mercredi",
    "2281": "samedi",
    "2789": "lundi",
}


@pytest.mark.slow
def test_every_real_row_converts_and_parses(france_services):
    assert len(france_services) == 2845
    problems = {}
    empty = set()
    for id_fs, row in france_services.items():
        conversion = from_france_services(row)
        if conversion.problems:
            problems[id_fs] = conversion.problems
        if not conversion.value:
            empty.add(id_fs)
            continue
        schedule = parse(conversion.value)
        assert normalise(schedule) == conversion.value, id_fs  # already canonical
        assert describe_fr(schedule), id_fs
    assert problems == {
        id_fs: [f"{day} : « 00:00 - 00:00 » : plage vide (début = fin), horaires inconnus"]
        for id_fs, day in PADDING_ONLY.items()
    }
    # Nothing usable exactly when the six cells are empty.
    assert empty == {
        id_fs for id_fs, row in france_services.items() if not any(row[c] for c in DAY_COLUMNS)
    }
    assert len(empty) == 48


@pytest.mark.parametrize(
    ("id_fs", "expected"),
    [
        # Monday afternoon only, Tuesday-Thursday identical, Friday closes earlier.
        ("1", "Mo 13:30-17:00; Tu-Th 09:00-12:00,13:30-17:00; Fr 09:00-12:00,13:30-16:00"),
        # Empty Monday: closed, omitted.
        ("2", "Tu-Fr 09:00-12:00,14:00-16:30; Sa 09:00-12:00"),
        ("3", "Mo-Fr 09:30-16:30"),
        # Wednesday empty: Monday, Tuesday and Thursday listed, not merged across it.
        ("179", "Mo,Tu,Th 09:00-12:00; Fr 14:00-17:00"),
        # « 09:00 - 11:00 / 11:00 - 12:00 »: adjacent ranges merged.
        ("292", "Mo,Tu,Th,Fr 09:00-12:00,13:30-17:00; We 09:00-12:00"),
        # « 09:00 - 13:30 / 13:30 - 17:00 »: one continuous range.
        ("1107", "Mo-Fr 09:00-17:00"),
        # « 00:00 - 00:00 / 09:00 - 12:00 / … »: padding dropped beside real ranges.
        ("972", "Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00"),
        # Unsorted duplicates from three sites: « 08:30 - 17:30 / 08:30 - 12:30 / … ».
        ("1355", "Mo-Th 08:30-17:30; Fr 08:30-12:30"),
        # Overlapping « 08:00 - 15:00 / 08:30 - 13:30 ».
        ("2862", "Mo-Th 08:00-15:00; Fr 08:00-12:30"),
        # Closed Monday, Saturday equal to Tuesday and Friday, a late Wednesday.
        ("456", "Tu,Fr,Sa 10:00-12:00,14:00-18:00; We 09:00-12:00,14:00-21:00; Th 14:00-18:00"),
        # Odd minutes are kept as written.
        ("822", "Mo-Fr 08:12-14:18"),
        # Padding alone on Friday: hours unknown, not closed.
        ("67", "Mo 08:30-13:00; Tu,Th 08:30-13:00,13:30-17:00; We 08:30-12:00; Fr unknown"),
        # Six empty cells.
        ("263", ""),
    ],
)
def test_real_rows(france_services, id_fs, expected):
    conversion = from_france_services(france_services[id_fs])
    assert conversion.value == expected
    assert bool(conversion.problems) == (id_fs in PADDING_ONLY)


def test_real_row_questions(france_services):
    value = from_france_services(france_services["1"]).value
    assert not is_open(value, at(MONDAY, 10))  # Monday: afternoon only
    assert is_open(value, at(MONDAY, 13, 30))
    assert is_open(value, at(MONDAY + 1, 10))
    assert not is_open(value, at(MONDAY + 1, 12, 30))  # lunch break
    assert is_open(value, at(MONDAY + 4, 15, 59))
    assert not is_open(value, at(MONDAY + 4, 16))  # Friday closes at 16:00
    assert not is_open(value, at(MONDAY + 5, 10))  # Saturday
    assert next_change(value, at(MONDAY + 4, 16)) == at(MONDAY + 7, 13, 30)


# --- from_france_services on other spellings -------------------------------------------------


def test_days_merged_listed_and_ranges_sorted():
    conversion = from_france_services(
        week(
            lundi="14:00 - 17:00 / 09:00 - 12:00",
            mardi="09:00 - 12:00 / 14:00 - 17:00",
            mercredi="09:00 - 12:00",
            jeudi="09:00 - 12:00 / 14:00 - 17:00",
            vendredi="09:00 - 12:00",
            samedi="",
        )
    )
    assert conversion == Conversion("Mo,Tu,Th 09:00-12:00,14:00-17:00; We,Fr 09:00-12:00")


def test_free_text_spellings():
    conversion = from_france_services(
        week(
            lundi="9h-12h",
            mardi="9h30 à 12h / 14 h - 17 h 30",
            mercredi="Fermé",
            jeudi="de 9h à 12h et de 14h à 17h30",
            vendredi="09.00-12.00, 13h-13h30",
            samedi="-",
        )
    )
    assert conversion.problems == []
    assert conversion.value == (
        "Mo 09:00-12:00; Tu 09:30-12:00,14:00-17:30; Th 09:00-12:00,14:00-17:30; "
        "Fr 09:00-12:00,13:00-13:30"
    )


def test_appointment_mentions():
    conversion = from_france_services(
        week(
            lundi="9h-12h sur RDV",
            mardi="uniquement sur rendez-vous",
            mercredi="9h-12h et sur RDV l'après-midi",
        )
    )
    assert conversion.value == (
        'Mo 09:00-12:00 "sur rendez-vous"; Tu unknown "sur rendez-vous"; We 09:00-12:00'
    )
    assert conversion.problems == [
        "mercredi : « 9h-12h et sur RDV l'après-midi » : "
        "mention « sur RDV » ignorée, texte « l'après-midi » non compris"
    ]
    assert describe_fr(conversion.value) == [
        "lundi : 9 h – 12 h (sur rendez-vous)",
        "mardi : sur rendez-vous",
        "mercredi : 9 h – 12 h",
        "jeudi et vendredi : fermé",
    ]
    # By appointment is still open; « unknown » never is.
    assert is_open(conversion.value, at(MONDAY, 10))
    assert not is_open(conversion.value, at(MONDAY + 1, 10))


def test_unreadable_cells_are_reported_never_raised():
    conversion = from_france_services(
        week(
            lundi="voir site internet",
            mardi="25:00 - 26:00",
            mercredi="14:00 - 12:00",
            jeudi="et",
            vendredi="09:00 - 12:00 / à voir",
        )
    )
    assert conversion.value == "Mo-Th unknown; Fr 09:00-12:00"
    assert conversion.problems == [
        "lundi : « voir site internet » : texte « voir site internet » non compris",
        "mardi : « 25:00 - 26:00 » : horaire invalide « 25:00 - 26:00 » ignoré",
        "mercredi : « 14:00 - 12:00 » : plage « 14:00 - 12:00 » ignorée : la fin précède le début",
        "jeudi : « et » : aucun horaire reconnu",
        "vendredi : « 09:00 - 12:00 / à voir » : texte « à voir » non compris",
    ]


def test_nothing_usable_gives_an_empty_value():
    assert from_france_services({}).value == ""
    nan = float("nan")
    conversion = from_france_services({"h_lundi": None, "h_mardi": nan, "h_mercredi": " "})
    assert conversion.value == ""
    assert conversion.problems == []
    only_padding = from_france_services(week(lundi="00:00 - 00:00"))
    assert only_padding.value == ""
    assert len(only_padding.problems) == 1


# --- parse -----------------------------------------------------------------------------------

NINE_TO_SIX = Day(ranges=((9 * 60, 18 * 60),))


def test_parse_later_rule_overrides_earlier_one():
    schedule = parse("Mo-Fr 09:00-18:00; We off")
    assert schedule.days == (
        NINE_TO_SIX,
        NINE_TO_SIX,
        Day(),
        NINE_TO_SIX,
        NINE_TO_SIX,
        Day(),
        Day(),
    )
    assert not is_open(schedule, at(MONDAY + 2, 10))
    assert is_open(schedule, at(MONDAY + 3, 10))
    # A later rule replaces the day's ranges; an additional « , » rule adds to them.
    assert parse("Mo 10:00-12:00; Mo 14:00-16:00").days[0].ranges == ((840, 960),)
    assert parse("Mo 10:00-12:00, Mo 14:00-16:00").days[0].ranges == ((600, 720), (840, 960))


def test_parse_day_selectors():
    assert [bool(d.ranges) for d in parse("Fr-Mo 10:00-12:00").days] == [1, 0, 0, 0, 1, 1, 1]
    assert [bool(d.ranges) for d in parse("Mo-We,Fr 10:00-12:00").days] == [1, 1, 1, 0, 1, 0, 0]
    assert parse("Sa-Su").days[5:] == (Day(ranges=((0, 1440),)),) * 2  # a day alone: all day
    assert parse("mo-fr 8:30-12:00") == parse("Mo-Fr 08:30-12:00")
    assert parse("10:00-12:00").days == (Day(ranges=((600, 720),)),) * 7


def test_parse_24_7():
    schedule = parse("24/7")
    assert schedule == parse("Mo-Su 00:00-24:00")
    assert all(is_open(schedule, at(MONDAY + offset, 3)) for offset in range(7))
    assert next_change(schedule, at(MONDAY, 3)) is None


def test_past_midnight_is_open_on_both_sides():
    value = "Fr 22:00-02:00; Sa off"
    assert parse(value) == parse("Fr 22:00-26:00")  # the spill-over belongs to Friday
    friday = MONDAY + 4
    assert not is_open(value, at(friday, 21, 59))
    assert is_open(value, at(friday, 22))
    assert is_open(value, at(friday, 23, 59))
    assert is_open(value, at(friday + 1, 0))
    assert is_open(value, at(friday + 1, 1, 59))
    assert not is_open(value, at(friday + 1, 2))
    assert not is_open(value, at(friday - 1, 1))  # nothing spills into Friday
    assert next_change(value, at(friday + 1, 1)) == at(friday + 1, 2)
    assert next_change(value, at(friday + 1, 3)) == at(friday + 7, 22)


def test_public_holidays_recorded_but_ignored_by_is_open():
    schedule = parse("Mo-Fr 09:00-17:00; Su,PH off")
    assert schedule.public_holidays == Day()
    assert schedule.days[6] == Day()
    assert is_open(schedule, at(15, 10))  # 15 August, a Thursday: documented limitation
    assert parse("Mo-Fr 09:00-17:00").public_holidays is None
    assert parse("PH 10:00-12:00").public_holidays == Day(ranges=((600, 720),))


def test_parse_comments_and_unknown():
    schedule = parse('Mo-Fr 09:00-12:00 "sur rendez-vous"; Sa unknown; Su "sur demande"')
    assert schedule.days[0] == Day(ranges=((540, 720),), comment="sur rendez-vous")
    assert schedule.days[5] == Day(unknown=True)
    assert schedule.days[6] == Day(unknown=True, comment="sur demande")


@pytest.mark.parametrize(
    ("value", "position", "token"),
    [
        ("Jan-Mar Mo 10:00-12:00", 1, "Jan"),
        ("Mo-Fr 08:00-12:00; week 01-10 Sa 10:00-12:00", 20, "week"),
        ("Mo[1] 10:00-12:00", 3, "["),
        ("Mo 10:00+", 9, "+"),
        ("Mo 10:00-sunset", 10, "sunset"),
        ("SH off", 1, "SH"),
        ("2024 Mo 10:00-12:00", 1, "2024"),
        ("Mo-Fr 10:00-12:00 || Sa 10:00-12:00", 19, "|"),
        ("Mo 25:00-26:00", 4, "25:00"),
        ("Mo 10:61-12:00", 4, "10:61"),
        ("Mo 10:00-10:00", 10, "10:00"),
        ("Mo 10:00-12:00 off", 16, "off"),
        ("Mo-Fr 10:00-12:00 Sa", 19, "Sa"),
        ("Mo: 10:00-12:00", 3, ":"),
        ("Mo;;Tu", 4, ";"),
        ("Mo 10:00-12:00,", 15, ","),
        ('Mo "sur rendez-vous', 4, '"'),
        ("Lu-Ve 09:00-12:00", 1, "Lu"),
    ],
)
def test_parse_rejects_with_position_and_token(value, position, token):
    with pytest.raises(OpeningHoursError) as raised:
        parse(value)
    assert (raised.value.position, raised.value.token) == (position, token)
    assert str(raised.value).startswith(f"position {position} : « {token} » : ")


def test_parse_rejects_incomplete_values():
    for value, message in [
        ("", "horaires vides"),
        ("Mo 10:00", "position 9 : « fin du texte » : « - » attendu après 10:00"),
        ("Mo-", "position 4 : « fin du texte » : jour attendu après « - »"),
        ("Jan", "position 1 : « Jan » : les sélecteurs de mois ne sont pas pris en charge"),
    ]:
        with pytest.raises(OpeningHoursError, match=f"^{message}$"):
            parse(value)
    assert issubclass(OpeningHoursError, ValueError)


# --- describe_fr -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            "Mo-Fr 08:30-12:00,13:30-17:00; Sa 09:00-12:00",
            ["du lundi au vendredi : 8 h 30 – 12 h, 13 h 30 – 17 h", "samedi : 9 h – 12 h"],
        ),
        ("24/7", ["ouvert 24 h/24, 7 j/7"]),
        ("24/7; PH off", ["ouvert 24 h/24, 7 j/7", "jours fériés : fermé"]),
        ("off", ["fermé"]),
        ("Mo-Su 10:00-18:00", ["tous les jours : 10 h – 18 h"]),
        (
            "Mo-Fr 09:00-18:00; We off",
            ["lundi, mardi, jeudi et vendredi : 9 h – 18 h", "mercredi : fermé"],
        ),
        (
            "Mo-We,Fr 09:00-12:00; Sa,Su 10:00-11:00",
            [
                "du lundi au mercredi et vendredi : 9 h – 12 h",
                "jeudi : fermé",
                "samedi et dimanche : 10 h – 11 h",
            ],
        ),
        ("Mo-Fr 22:00-02:00", ["du lundi au vendredi : 22 h – 2 h le lendemain"]),
        (
            'Mo-Fr 09:00-12:00; Sa unknown "sur rendez-vous"; Su off "fermé l\'été"; PH off',
            [
                "du lundi au vendredi : 9 h – 12 h",
                "samedi : sur rendez-vous",
                "dimanche : fermé (fermé l'été)",
                "jours fériés : fermé",
            ],
        ),
    ],
)
def test_describe_fr(value, expected):
    assert describe_fr(value) == expected
    assert describe_fr(parse(value)) == expected


# --- normalise ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            "sa 9:00-12:00 ; mo-fr 14:00-17:00,08:30-12:00",
            "Mo-Fr 08:30-12:00,14:00-17:00; Sa 09:00-12:00",
        ),
        ("Mo 09:00-11:00,10:00-12:00,12:00-13:00", "Mo 09:00-13:00"),
        ("Mo,Tu,We,Fr 10:00-12:00", "Mo-We,Fr 10:00-12:00"),
        ("Sa,Su 10:00-12:00; Tu 10:00-12:00", "Tu,Sa,Su 10:00-12:00"),
        ("Mo-Su 00:00-24:00", "24/7"),
        ("Mo-Fr 09:00-18:00; We off", "Mo,Tu,Th,Fr 09:00-18:00"),
        ("Mo 10:00-12:00, We 14:00-16:00", "Mo 10:00-12:00; We 14:00-16:00"),
        ("Fr 22:00-26:00", "Fr 22:00-02:00"),
        ("Su,PH off", "PH off"),
        ("Tu off", "off"),
        ("Mo-Fr 09:00-12:00;", "Mo-Fr 09:00-12:00"),
        ('Mo "sur rendez-vous"', 'Mo unknown "sur rendez-vous"'),
    ],
)
def test_normalise(value, expected):
    assert normalise(value) == expected
    assert parse(normalise(value)) == parse(value)
    assert normalise(expected) == expected


def test_normalise_round_trips_schedules_built_by_hand():
    schedule = Schedule(
        days=(
            Day(ranges=((1380, 1500),)),  # 23:00-01:00
            Day(unknown=True, comment="sur rendez-vous"),
            Day(),
            Day(ranges=((0, 1440),)),
            Day(ranges=((1380, 1500),)),
            Day(comment="inventaire"),
            Day(),
        ),
        public_holidays=Day(ranges=((600, 720),)),
    )
    value = normalise(schedule)
    assert value == (
        'Mo,Fr 23:00-01:00; Tu unknown "sur rendez-vous"; Th 00:00-24:00; '
        'Sa off "inventaire"; PH 10:00-12:00'
    )
    assert parse(value) == schedule
