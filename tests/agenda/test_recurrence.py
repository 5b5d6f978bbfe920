"""RFC 5545 recurrences, expanded in Paris wall-clock time, and their refusals."""

from datetime import datetime, timedelta

import pytest

from carto.agenda import recurrence
from carto.calendar import PARIS

TUESDAY = datetime(2026, 10, 20, 14, 0, tzinfo=PARIS)  # summer time ends on 25 October


def test_a_weekly_session_keeps_its_wall_clock_hour_across_the_change_of_time():
    found = recurrence.sessions(TUESDAY, timedelta(hours=2), "FREQ=WEEKLY;COUNT=3")
    assert [(s.hour, s.utcoffset()) for s, _e in found] == [
        (14, timedelta(hours=2)),
        (14, timedelta(hours=1)),
        (14, timedelta(hours=1)),
    ]
    assert all(end - start == timedelta(hours=2) for start, end in found)


def test_exceptions_remove_sessions_and_additions_add_them():
    found = recurrence.sessions(
        TUESDAY,
        timedelta(hours=1),
        "RRULE:FREQ=WEEKLY;UNTIL=20261110",  # a date: the whole of that day, in Paris
        exdates=[datetime(2026, 10, 27, 14, tzinfo=PARIS)],
        rdates=[datetime(2026, 10, 29, 9, tzinfo=PARIS)],
    )
    assert [s.date().isoformat() for s, _e in found] == [
        "2026-10-20", "2026-10-29", "2026-11-03", "2026-11-10",
    ]  # fmt: skip


def test_the_start_is_always_the_first_session_even_outside_the_rule():
    found = recurrence.sessions(TUESDAY, timedelta(hours=1), "FREQ=WEEKLY;BYDAY=TH;COUNT=2")
    assert [s.strftime("%a %d") for s, _e in found] == ["Tue 20", "Thu 22", "Thu 29"]


def test_until_in_utc_is_kept_and_a_floating_one_is_read_in_paris():
    assert recurrence.normalize("freq=weekly;until=20261110T220000Z") == (
        "FREQ=WEEKLY;UNTIL=20261110T220000Z"
    )
    assert recurrence.normalize("FREQ=WEEKLY;UNTIL=20260701T120000") == (
        "FREQ=WEEKLY;UNTIL=20260701T100000Z"  # noon in Paris in summer
    )


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("FREQ=HOURLY", "fréquence trop courte"),
        ("FREQ=MINUTELY;COUNT=3", "fréquence trop courte"),
        ("FOO", "illisible"),
        ("FREQ=WEEKLY;INTERVAL=0", "INTERVAL doit valoir au moins 1"),  # dateutil crashed
        ("FREQ=WEEKLY;BYDAY=XX", "illisible"),
        ("FREQ=WEEKLY;UNTIL=20261340", "n'est pas une date valide"),
        ("FREQ=WEEKLY\nRRULE:FREQ=DAILY", "une seule règle"),
        ("DTSTART:20260101T000000\nRRULE:FREQ=DAILY", "une seule règle"),
    ],
)
def test_unreadable_or_abusive_rules_are_refused_with_a_reason(rule, message):
    with pytest.raises(recurrence.RecurrenceError, match=message):
        recurrence.sessions(TUESDAY, timedelta(hours=1), rule, until=TUESDAY + timedelta(days=30))


def test_an_endless_daily_rule_beyond_the_cap_is_refused_not_truncated():
    with pytest.raises(recurrence.RecurrenceError, match="UNTIL"):
        recurrence.sessions(TUESDAY, timedelta(hours=1), "FREQ=DAILY")
    within = recurrence.sessions(
        TUESDAY, timedelta(hours=1), "FREQ=DAILY", until=TUESDAY + timedelta(days=9, hours=1)
    )
    assert len(within) == 10
