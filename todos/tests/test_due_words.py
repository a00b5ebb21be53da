"""Due words read in a zone, relative to the owner's local now."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from todos.due import ParsedDue, parse_due
from todos.errors import InvalidDueString, InvalidRecurrence
from todos.recurrence import clean_rule, next_after

# Saturday 5 December 2026, 14:30 in Berlin.
NOW = datetime(2026, 12, 5, 14, 30, tzinfo=ZoneInfo("Europe/Berlin"))


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("next friday at 5pm", ParsedDue(date(2026, 12, 11), time(17, 0))),
        ("in 3 days", ParsedDue(date(2026, 12, 8))),
        ("dec 24", ParsedDue(date(2026, 12, 24))),
        ("Every Monday at 9", ParsedDue(date(2026, 12, 7), time(9, 0), "FREQ=WEEKLY;BYDAY=MO")),
        ("tomorrow", ParsedDue(date(2026, 12, 6))),
        ("tomorrow at 9", ParsedDue(date(2026, 12, 6), time(9, 0))),
        ("tonight", ParsedDue(date(2026, 12, 5), time(20, 0))),
        ("fri", ParsedDue(date(2026, 12, 11))),
        ("in two weeks", ParsedDue(date(2026, 12, 19))),
        ("on the 14th", ParsedDue(date(2026, 12, 14))),
        ("end of the month", ParsedDue(date(2026, 12, 31))),
        ("this weekend", ParsedDue(date(2026, 12, 5))),
        ("by 5", ParsedDue(date(2026, 12, 5), time(17, 0))),
        ("every other week", ParsedDue(date(2026, 12, 5), None, "FREQ=WEEKLY;INTERVAL=2")),
        ("weekdays", ParsedDue(date(2026, 12, 7), None, "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR")),
        ("daily", ParsedDue(date(2026, 12, 5), None, "FREQ=DAILY")),
        # 9:00 has passed today: the first one is tomorrow's.
        ("daily at 9am", ParsedDue(date(2026, 12, 6), time(9, 0), "FREQ=DAILY")),
        ("monthly on the 1st", ParsedDue(date(2027, 1, 1), None, "FREQ=MONTHLY;BYMONTHDAY=1")),
        ("every december", ParsedDue(date(2027, 12, 1), None, "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=1")),
        ("every mon and wed at 18:30", ParsedDue(date(2026, 12, 7), time(18, 30), "FREQ=WEEKLY;BYDAY=MO,WE")),
        ("in 2 hours", ParsedDue(date(2026, 12, 5), time(16, 30))),
        ("2027-01-15", ParsedDue(date(2027, 1, 15))),
        ("noon", ParsedDue(date(2026, 12, 6), time(12, 0))),
    ],
)
def test_words_are_read_in_the_owners_zone(words: str, expected: ParsedDue) -> None:
    assert parse_due(words, now=NOW) == expected


def test_a_weekday_without_a_time_has_no_time() -> None:
    assert parse_due("monday", now=NOW).due_time is None


@pytest.mark.parametrize(
    "words",
    ["blah", "someday", "soon", "5", "at 25:00", "13pm", "every", "every blue moon", "", "every 0 days", "0000-01-01"],
)
def test_words_that_cannot_be_read_are_refused_not_guessed(words: str) -> None:
    with pytest.raises(InvalidDueString) as error:
        parse_due(words, now=NOW)
    assert error.value.code == "invalid_due_string"


def test_relative_words_count_from_the_local_date() -> None:
    # 23:30 on Friday in Los Angeles is already Saturday in UTC: "tomorrow" is Saturday.
    late_friday = datetime(2026, 12, 4, 23, 30, tzinfo=ZoneInfo("America/Los_Angeles"))
    assert parse_due("tomorrow", now=late_friday).due_date == date(2026, 12, 5)


@pytest.mark.parametrize(
    "rule",
    [
        *("FREQ=FOO", "FREQ=HOURLY", "BYDAY=MO", "FREQ=WEEKLY;BYDAY=XX", "FREQ=DAILY;COUNT=3", "", 7),
        # dateutil would loop for ever, or walk to the year 9999, on these
        *("FREQ=DAILY;INTERVAL=0", "FREQ=DAILY;INTERVAL=-1", "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30"),
        *("FREQ=MONTHLY;BYMONTHDAY=32", "FREQ=DAILY;BYSETPOS=5", "FREQ=WEEKLY;BYYEARDAY=400"),
        # never occurs
        "FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=2",
        "FREQ=DAILY;FREQ=WEEKLY",
    ],
)
def test_rules_dateutil_cannot_read_or_that_repeat_within_a_day_are_refused(rule: str) -> None:
    with pytest.raises(InvalidRecurrence):
        clean_rule(rule, start=date(2026, 12, 5))


def test_a_rule_is_kept_upper_case_without_its_prefix() -> None:
    assert clean_rule("rrule:freq=weekly;byday=mo", start=date(2026, 12, 5)) == "FREQ=WEEKLY;BYDAY=MO"


def test_the_next_occurrence_keeps_the_wall_clock_time_across_dst() -> None:
    # Los Angeles moves to summer time on 8 March 2026: 9:00 stays 9:00.
    assert next_after("FREQ=DAILY", due=datetime(2026, 3, 7, 9, 0)) == datetime(2026, 3, 8, 9, 0)
    assert next_after("FREQ=WEEKLY;INTERVAL=2", due=datetime(2026, 3, 7, 9, 0)) == datetime(2026, 3, 21, 9, 0)


def test_a_rule_that_has_ended_has_no_next_occurrence() -> None:
    assert next_after("FREQ=DAILY;UNTIL=20260307", due=datetime(2026, 3, 7)) is None
