"""Opening hours: the France services conversion on every real row; values read and
evaluated by opening-hours-py, with the French holidays carto wires in; the week read
back, written and said in French; French errors. No database."""

import csv
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings

from carto import calendar
from carto.actors.opening_hours import (
    Conversion,
    Day,
    DayHours,
    OpeningHoursError,
    Schedule,
    day_hours,
    describe_fr,
    from_france_services,
    is_open,
    next_change,
    parse,
    read_week,
    segments,
    write_week,
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
        week = read_week(conversion.value)  # the library reads back the week written
        assert week is not None and write_week(week) == conversion.value, id_fs
        assert describe_fr(conversion.value), id_fs
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


# --- the library's reading -------------------------------------------------------------------


def test_later_rule_overrides_earlier_one_and_additional_rule_adds():
    value = "Mo-Fr 09:00-18:00; We off"
    assert not is_open(value, at(MONDAY + 2, 10))
    assert is_open(value, at(MONDAY + 3, 10))
    assert read_week("Mo 10:00-12:00; Mo 14:00-16:00").days[0].ranges == ((840, 960),)
    assert read_week("Mo 10:00-12:00, Mo 14:00-16:00").days[0].ranges == ((600, 720), (840, 960))


def test_day_selectors():
    def open_days(value):
        return [bool(day.ranges) for day in read_week(value).days]

    assert open_days("Fr-Mo 10:00-12:00") == [1, 0, 0, 0, 1, 1, 1]
    assert open_days("Mo-We,Fr 10:00-12:00") == [1, 1, 1, 0, 1, 0, 0]
    assert read_week("Sa-Su").days[5:] == (Day(ranges=((0, 1440),)),) * 2  # a day alone: all day
    assert read_week("mo-fr 8:30-12:00") == read_week("Mo-Fr 08:30-12:00")
    assert read_week("10:00-12:00").days == (Day(ranges=((600, 720),)),) * 7


def test_24_7():
    assert read_week("24/7") == read_week("Mo-Su 00:00-24:00")
    assert all(is_open("24/7", at(MONDAY + offset, 3)) for offset in range(7))
    assert next_change("24/7", at(MONDAY, 3)) is None


def test_past_midnight_belongs_to_the_day_it_starts_on():
    value = "Fr 22:00-02:00"
    assert read_week(value) == read_week("Fr 22:00-26:00")
    assert read_week(value).days[4] == Day(ranges=((1320, 1560),))
    friday = MONDAY + 4
    assert not is_open(value, at(friday, 21, 59))
    assert is_open(value, at(friday, 22))
    assert is_open(value, at(friday + 1, 1, 59))
    assert not is_open(value, at(friday + 1, 2))
    assert not is_open(value, at(friday - 1, 1))  # nothing spills into Friday
    assert next_change(value, at(friday + 1, 1)) == at(friday + 1, 2)
    assert next_change(value, at(friday + 1, 3)) == at(friday + 7, 22)


def test_a_later_rule_for_the_next_day_replaces_the_night_too():
    # The library's reading (the hand-written parser kept Friday's night): a rule naming
    # Saturday replaces all of Saturday. No stored value runs past midnight.
    assert not is_open("Fr 22:00-02:00; Sa off", at(MONDAY + 5, 1))
    assert is_open("Fr 22:00-02:00; Sa off", at(MONDAY + 4, 23))


def test_comments_and_unknown():
    value = 'Mo-Fr 09:00-12:00 "sur rendez-vous"; Sa unknown; Su "sur demande"'
    week = read_week(value)
    assert week.days[0] == Day(ranges=((540, 720),), comment="sur rendez-vous")
    assert week.days[5] == Day(unknown=True)
    assert not is_open(value, at(MONDAY + 5, 10))  # unknown is never « open »
    # The library reads a rule with only a comment as open (the hand-written parser read
    # « unknown »); the France services conversion always writes ``unknown "…"``.
    assert week.days[6] == Day(ranges=((0, 1440),), comment="sur demande")
    assert is_open(value, at(MONDAY + 6, 10))


# Values the hand-written subset refused, now read and evaluated by the library:
# (value, a time it is open, a time it is closed).
FORMERLY_REFUSED = [
    ("Jan-Mar Mo 10:00-12:00", datetime(2027, 1, 4, 11), datetime(2027, 4, 5, 11)),
    ("Mo-Fr 08:00-12:00; week 01-10 Sa 10:00-12:00", datetime(2027, 1, 9, 11), datetime(2027, 6, 5, 11)),
    ("Mo[1] 10:00-12:00", datetime(2027, 3, 1, 11), datetime(2027, 3, 8, 11)),
    ("Mo 10:00+", datetime(2027, 3, 1, 23), datetime(2027, 3, 1, 9)),
    ("2027 Mo 10:00-12:00", datetime(2027, 3, 1, 11), datetime(2028, 3, 6, 11)),
    ("Mo-Fr 10:00-12:00 || Sa 10:00-12:00", datetime(2027, 3, 6, 11), datetime(2027, 3, 7, 11)),
    ("Mo-Su 10:00-12:00; Dec 25 off", datetime(2027, 12, 24, 11), datetime(2027, 12, 25, 11)),
    ("Mo-Su 10:00-12:00; easter off", datetime(2027, 3, 27, 11), datetime(2027, 3, 28, 11)),
]  # fmt: skip


@pytest.mark.parametrize(("value", "open_at", "closed_at"), FORMERLY_REFUSED)
def test_values_the_subset_refused_are_accepted_and_evaluated(value, open_at, closed_at):
    assert parse(value).value == value
    assert is_open(value, open_at)
    assert not is_open(value, closed_at)
    assert describe_fr(value) == [value]  # hours that change along the year: as written


def test_a_trailing_semicolon_is_dropped():
    assert parse("Mo-Fr 09:00-12:00; ").value == "Mo-Fr 09:00-12:00"
    assert describe_fr("Mo-Fr 09:00-12:00;") == ["du lundi au vendredi : 9 h – 12 h"]


def test_aware_times_are_read_in_paris():
    value = "Mo-Fr 09:00-12:00"
    assert is_open(value, datetime(2027, 7, 12, 8, 30, tzinfo=UTC))  # 10:30 in Paris
    assert not is_open(value, datetime(2027, 7, 12, 10, 30, tzinfo=UTC))  # 12:30 in Paris


# --- French errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "position", "token", "reason"),
    [
        ("Mo 25:00-26:00", 4, "25:00", "heure invalide"),
        ("Mo 10:61-12:00", 7, "61", "attendu : des minutes (00 à 59)"),
        ("Mo-Fr 10:00-12:00 Sa", 19, "Sa", "attendu : la fin du texte, « ; » entre deux règles"),
        ("Mo: 10:00-12:00", 3, ":", "attendu : la fin du texte"),
        ("Mo;;Tu", 4, ";", "inattendu ici"),
        ("Mo 10:00-12:00,", 16, "fin du texte", "attendu : une plage horaire HH:MM-HH:MM"),
        ('Mo "sur rendez-vous', 4, '"', "attendu : "),
        ("Lu-Ve 09:00-12:00", 1, "Lu", "attendu : "),
        ("Mo 10:00", 9, "fin du texte", "attendu : « - » et l'heure de fin"),
        ("Mo-", 4, "fin du texte", "attendu : un jour (Mo, Tu, We, Th, Fr, Sa, Su)"),
        ("Mo 9h-12h", 4, "9", "attendu : "),
    ],
)
def test_invalid_values_get_a_french_message_with_the_position(value, position, token, reason):
    with pytest.raises(OpeningHoursError) as raised:
        parse(value)
    assert (raised.value.position, raised.value.token) == (position, token)
    assert str(raised.value).startswith(f"position {position} : « {token} » : {reason}")


def test_empty_values_are_refused():
    for value in ("", "  ", ";"):
        with pytest.raises(OpeningHoursError, match=r"^horaires vides$"):
            parse(value)
    assert issubclass(OpeningHoursError, ValueError)


# --- French holidays -------------------------------------------------------------------------

NINE_TO_FIVE = "Mo-Fr 09:00-17:00; PH off"
# Wednesday 14 July 2027 (Fête nationale); Thursday 6 May 2027 (Ascension, which the
# library's own French calendar lacks); Good Friday 26 March 2027 (Alsace-Moselle only);
# Monday 20 December 2027 (abolition of slavery, La Réunion only).
FETE_NATIONALE = datetime(2027, 7, 14, 10)
ASCENSION = datetime(2027, 5, 6, 10)
GOOD_FRIDAY = datetime(2027, 3, 26, 10)
REUNION_ABOLITION = datetime(2027, 12, 20, 10)


def holidays_in(departement: str):
    return lambda day: calendar.is_public_holiday(day, departement)


def test_ph_follows_carto_calendar_by_departement():
    for moment in (FETE_NATIONALE, ASCENSION):
        assert not is_open(NINE_TO_FIVE, moment, holidays_in("62"))
        assert is_open(NINE_TO_FIVE, moment)  # no calendar: no day is a holiday
    assert is_open(NINE_TO_FIVE, GOOD_FRIDAY, holidays_in("62"))
    for departement in ("57", "67", "68"):
        assert not is_open(NINE_TO_FIVE, GOOD_FRIDAY, holidays_in(departement))
    assert not is_open(NINE_TO_FIVE, REUNION_ABOLITION, holidays_in("974"))
    assert is_open(NINE_TO_FIVE, REUNION_ABOLITION, holidays_in("62"))
    assert is_open(NINE_TO_FIVE, FETE_NATIONALE + timedelta(days=1), holidays_in("62"))


@pytest.mark.parametrize(
    ("value", "on_the_holiday", "on_the_day_after"),
    [
        ("Su,PH off; Mo-Sa 09:00-17:00", True, True),  # the later rule wins
        ("Mo-Sa 09:00-17:00; Su,PH off", False, True),
        ("Mo-Sa 09:00-17:00; PH,Su off", False, True),
        ("Mo-Fr 09:00-17:00; PH Sa off", False, True),  # the library: PH or Saturday
        ("Mo-Fr 09:00-17:00; Sa PH off", False, True),
        ("Mo-Fr 09:00-17:00; PH,SH Sa off", False, True),
        ("Mo-Fr 09:00-17:00; PH +1 day off", True, False),
        ("Mo-Fr 09:00-17:00; PH -1 day,PH off", False, True),
        ('Mo-Fr 09:00-17:00 "sauf PH"', True, True),  # in a comment: words
        ("Jul Mo-Fr 09:00-17:00; Jul PH off", False, True),
    ],
)
def test_every_place_a_holiday_can_stand(value, on_the_holiday, on_the_day_after):
    holidays = holidays_in("62")
    assert is_open(value, FETE_NATIONALE, holidays) is on_the_holiday
    assert is_open(value, FETE_NATIONALE + timedelta(days=1), holidays) is on_the_day_after
    assert is_open(value, FETE_NATIONALE - timedelta(days=2), holidays)  # an ordinary Monday


def test_a_ph_rule_with_hours_opens_on_a_sunday_holiday_only():
    value = "Mo-Sa 09:00-12:00; PH 10:00-11:00"
    assumption = datetime(2027, 8, 15, 10, 30)  # Sunday, Assomption
    assert is_open(value, assumption, holidays_in("62"))
    assert not is_open(value, assumption + timedelta(days=7), holidays_in("62"))
    assert not is_open(value, datetime(2027, 7, 14, 9, 30), holidays_in("62"))


def test_school_holidays_follow_the_zone_calendar():
    value = "Mo-Fr 09:00-17:00; SH off"

    def zone_b(day):
        return calendar.is_school_holiday(day, "B")

    winter_b = datetime(2027, 2, 22, 10)  # zone B winter holidays: 20 February – 7 March 2027
    assert not is_open(value, winter_b, is_school_holiday=zone_b)
    assert is_open(value, winter_b - timedelta(days=7), is_school_holiday=zone_b)
    assert is_open(value, winter_b)  # no zone: no day is a school holiday
    assert parse(value).school_holidays and not parse(value).public_holidays
    assert describe_fr(value) == [value]


def test_next_change_and_segments_with_holidays():
    holidays = holidays_in("62")
    tuesday_evening = datetime(2027, 7, 13, 17)
    assert next_change(NINE_TO_FIVE, tuesday_evening, holidays) == datetime(2027, 7, 15, 9)
    assert next_change(NINE_TO_FIVE, tuesday_evening) == datetime(2027, 7, 14, 9)
    week = segments(
        NINE_TO_FIVE, datetime(2027, 7, 12), datetime(2027, 7, 19), is_public_holiday=holidays
    )
    opened = [
        (item.start.day, item.start.hour, item.end.hour) for item in week if item.state == "open"
    ]
    assert opened == [(12, 9, 17), (13, 9, 17), (15, 9, 17), (16, 9, 17)]
    # Windows of a few days are joined back: one closed segment over the weekend.
    assert week[-1].start == datetime(2027, 7, 16, 17) and week[-1].end == datetime(2027, 7, 19)
    far = "Jul-Aug Mo 10:00-12:00"
    assert next_change(far, datetime(2027, 1, 4)) == datetime(2027, 7, 5, 10)
    assert next_change(far, datetime(2027, 1, 4), horizon=timedelta(days=7)) is None


def test_day_hours():
    assert day_hours("Mo-Fr 09:00-12:00,13:30-17:00", date(2027, 7, 12)) == DayHours(
        open=((540, 720), (810, 1020)), unknown=(), comments=()
    )
    saturday = date(2027, 7, 17)
    assert day_hours("Fr 22:00-02:00", saturday).open == ((0, 120),)  # Friday's night
    assert day_hours('Mo-Sa unknown "sur rendez-vous"', saturday) == DayHours(
        open=(), unknown=((0, 1440),), comments=("sur rendez-vous",)
    )
    holiday = date(2027, 7, 14)
    assert day_hours(NINE_TO_FIVE, holiday, is_public_holiday=holidays_in("62")).open == ()


# --- the week, read back, written and said -------------------------------------------------


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
        (
            # A holiday on Saturday follows the later Saturday rule.
            "Mo-Fr 09:00-12:00; PH off; Sa 10:00-12:00",
            [
                "du lundi au vendredi : 9 h – 12 h",
                "samedi : 10 h – 12 h",
                "jours fériés (du lundi au vendredi et dimanche) : fermé",
                "jours fériés (samedi) : 10 h – 12 h",
            ],
        ),
        # A modifier after a time range (refused by the hand-written subset).
        (
            "Mo-Fr 14:00-16:00; Mo 15:00-16:00 off",
            ["lundi : 14 h – 15 h", "du mardi au vendredi : 14 h – 16 h"],
        ),
        # Partly unknown: no Day says it, the value is shown as written.
        ("Mo 10:00-12:00, Mo 14:00-16:00 unknown", ["Mo 10:00-12:00, Mo 14:00-16:00 unknown"]),
    ],
)
def test_describe_fr(value, expected):
    assert describe_fr(value) == expected
    assert describe_fr(parse(value)) == expected


def test_describe_fr_refuses_an_invalid_value():
    with pytest.raises(OpeningHoursError):
        describe_fr("Lu-Ve 09:00-12:00")


def test_write_week_round_trips_weeks_built_by_hand():
    week = Schedule(
        days=(
            Day(ranges=((1380, 1500),)),  # 23:00-01:00
            Day(),
            Day(unknown=True, comment="sur rendez-vous"),
            Day(ranges=((0, 1440),)),
            Day(ranges=((1380, 1500),)),
            Day(),
            Day(comment="inventaire"),
        )
    )
    value = write_week(week)
    assert value == (
        'Mo,Fr 23:00-01:00; We unknown "sur rendez-vous"; Th 00:00-24:00; Su off "inventaire"'
    )
    assert read_week(value) == week
    # In the library's reading, a day with a rule of its own cuts the night before it at
    # midnight: such a week does not round-trip (France services offices close by night).
    assert read_week("Mo 23:00-01:00; Tu 09:00-12:00").days[0] == Day(ranges=((1380, 1440),))
    assert write_week(Schedule(days=(Day(ranges=((0, 1440),)),) * 7)) == "24/7"
    assert write_week(Schedule()) == "off"
