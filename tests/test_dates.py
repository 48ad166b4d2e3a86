"""resolve_date_mention: DATE entity texts anchored on the publication date."""

from __future__ import annotations

import datetime as dt

import pytest

from search.dates import resolve_date_mention

SUNDAY = dt.date(2023, 6, 18)  # seed 004's publication date


@pytest.mark.parametrize(("text", "expected"), [
    # weekdays: the nearest such day, at most three days either side
    ("Sunday", "2023-06-18"),
    ("on Sunday", "2023-06-18"),
    ("later Sunday", "2023-06-18"),
    ("Sunday's", "2023-06-18"),
    ("Monday", "2023-06-19"),
    ("Monday morning", "2023-06-19"),
    ("Tuesday", "2023-06-20"),
    ("Wednesday", "2023-06-21"),
    ("Thursday", "2023-06-15"),
    ("Friday", "2023-06-16"),
    ("late on Saturday", "2023-06-17"),
    ("last Monday", "2023-06-12"),
    ("last Friday", "2023-06-16"),
    ("next Sunday", "2023-06-25"),
    ("this coming Tuesday", "2023-06-20"),
    ("Sundays", None),  # habitual
    ("Monday and Tuesday", None),
    # months: the most recent such month not after publication
    ("February", "2023-02"),
    ("early February", "2023-02"),
    ("in early February", "2023-02"),
    ("late May", "2023-05"),
    ("mid-May", "2023-05"),
    ("the end of June", "2023-06"),
    ("June", "2023-06"),
    ("August", "2023-08"),  # no tense cue: the occurrence nearest publication
    ("November", "2023-11"),
    ("December", "2022-12"),  # six months either way: the past one
    ("next November", "2023-11"),
    ("this November", "2023-11"),
    ("last June", "2022-06"),
    ("last February", "2023-02"),
    ("June and July", None),
    ("earlier this month", "2023-06"),
    ("this month", "2023-06"),
    ("later this month", "2023-06"),
    ("last month", "2023-05"),
    ("earlier last month", "2023-05"),
    ("next month", "2023-07"),
    # explicit dates
    ("June 18, 2023", "2023-06-18"),
    ("June 18 2023", "2023-06-18"),
    ("18 June 2023", "2023-06-18"),
    ("the 18th of June, 2023", "2023-06-18"),
    ("2023-06-18", "2023-06-18"),
    ("Sunday, June 18", "2023-06-18"),
    ("June 25", "2023-06-25"),
    ("Dec. 28", "2022-12-28"),  # nearest year: last December, not next
    ("Jan. 3", "2023-01-03"),
    ("Nov. 30", "2023-11-30"),  # nearer in the coming November than the last
    ("February 2022", "2022-02"),
    ("June of 2021", "2021-06"),
    ("February 30, 2023", None),
    ("today", "2023-06-18"),
    ("yesterday", "2023-06-17"),
    ("tomorrow", "2023-06-19"),
    ("three days ago", "2023-06-15"),
    ("two months ago", "2023-04"),
    # no single day or month
    ("1979", None),
    ("2023", None),
    ("this year", None),
    ("last year", None),
    ("earlier this year", None),
    ("later-year", None),
    ("last week", None),
    ("the past year", None),
    ("the past month", None),
    ("recent months", None),
    ("the upcoming months", None),
    ("five years", None),
    ("nearly five years", None),
    ("six months", None),
    ("about six months", None),
    ("more than 10 hours", None),
    ("seven and a half hours", None),
    ("two days", None),
    ("two-day", None),
    ("decades", None),
    ("the final day", None),
    ("the day", None),
    ("0830", None),
    ("0830 GMT", None),
    ("4:30 pm", None),
    ("around 4:30 pm", None),
    ("summer", None),
    ("", None),
])
def test_resolve_against_publication(text, expected):
    assert resolve_date_mention(text, SUNDAY) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("June 18, 2023", "2023-06-18"),
    ("18 June 2023", "2023-06-18"),
    ("2023-06-18", "2023-06-18"),
    ("February 2022", "2022-02"),
    ("Monday", None),
    ("February", None),
    ("last month", None),
    ("June 25", None),
    ("today", None),
    ("1979", None),
])
def test_without_publication_date_only_absolute_dates(text, expected):
    assert resolve_date_mention(text, None) == expected


def test_weekday_on_other_publication_days():
    wednesday = dt.date(2024, 3, 6)
    assert resolve_date_mention("Monday", wednesday) == "2024-03-04"
    assert resolve_date_mention("Saturday", wednesday) == "2024-03-09"
    assert resolve_date_mention("Sunday", wednesday) == "2024-03-03"
    assert resolve_date_mention("Friday", dt.date(2024, 3, 1)) == "2024-03-01"


def test_month_rolls_over_year_boundaries():
    january = dt.date(2024, 1, 10)
    assert resolve_date_mention("December", january) == "2023-12"
    assert resolve_date_mention("last month", january) == "2023-12"
    assert resolve_date_mention("next month", dt.date(2023, 12, 1)) == "2024-01"
    assert resolve_date_mention("next February", january) == "2024-02"
    assert resolve_date_mention("Dec. 30", january) == "2023-12-30"
    assert resolve_date_mention("Monday", dt.date(2024, 1, 1)) == "2024-01-01"
    assert resolve_date_mention("Friday", dt.date(2024, 1, 1)) == "2023-12-29"
