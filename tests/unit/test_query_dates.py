"""Dates and cameras read out of a query, locally: every form the issue names, the user's month names, quotes."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from photoseek.core.domain import FilterKind
from photoseek.core.query_dates import first_weekday, month_names, plain_english
from photoseek.core.query_filters import read_query

TODAY = date(2026, 11, 22)  # a Sunday


def _read(q: str, locale: str | None = "en_GB"):
    return read_query(q, TODAY, locale)


def _span(q: str, locale: str | None = "en_GB") -> tuple[str, datetime | None, datetime | None, list[int]]:
    f = _read(q, locale)
    assert f.dates is not None, q
    return f.text, f.dates.after, f.dates.before, sorted(f.dates.months)


def D(*a: int) -> datetime:
    return datetime(*a)


@pytest.mark.parametrize(("q", "want"), [
    ("beach 2019", ("beach", D(2019, 1, 1), D(2020, 1, 1), [])),
    ("snow in december", ("snow", None, None, [12])),
    ("sunset last summer", ("sunset", D(2026, 6, 1), D(2026, 9, 1), [])),
    ("kids 2018-2020", ("kids", D(2018, 1, 1), D(2021, 1, 1), [])),
    ("kids 2018 to 2020", ("kids", D(2018, 1, 1), D(2021, 1, 1), [])),
    ("kids between 2018 and 2020", ("kids", D(2018, 1, 1), D(2021, 1, 1), [])),
    ("photos from last week", ("", D(2026, 11, 9), D(2026, 11, 16), [])),
    ("cat before 2015", ("cat", None, D(2015, 1, 1), [])),
    ("cat until 2015", ("cat", None, D(2016, 1, 1), [])),
    ("cat after 2015", ("cat", D(2016, 1, 1), None, [])),
    ("cat since march 2015", ("cat", D(2015, 3, 1), None, [])),
    ("lake july 2019", ("lake", D(2019, 7, 1), D(2019, 8, 1), [])),
    ("lake 2019-07", ("lake", D(2019, 7, 1), D(2019, 8, 1), [])),
    ("party 2019-07-04", ("party", D(2019, 7, 4), D(2019, 7, 5), [])),
    ("party 4 july 2019", ("party", D(2019, 7, 4), D(2019, 7, 5), [])),
    ("party july 4th 2019", ("party", D(2019, 7, 4), D(2019, 7, 5), [])),
    ("cars 1990s", ("cars", D(1990, 1, 1), D(2000, 1, 1), [])),
    ("dog today", ("dog", D(2026, 11, 22), D(2026, 11, 23), [])),
    ("dog yesterday", ("dog", D(2026, 11, 21), D(2026, 11, 22), [])),
    ("dog this week", ("dog", D(2026, 11, 16), D(2026, 11, 23), [])),
    ("dog past week", ("dog", D(2026, 11, 16), D(2026, 11, 23), [])),
    ("dog last month", ("dog", D(2026, 10, 1), D(2026, 11, 1), [])),
    ("dog this year", ("dog", D(2026, 1, 1), D(2027, 1, 1), [])),
    ("dog last year", ("dog", D(2025, 1, 1), D(2026, 1, 1), [])),
    ("dog last 3 months", ("dog", D(2026, 8, 22), D(2026, 11, 23), [])),
    ("dog past 10 days", ("dog", D(2026, 11, 13), D(2026, 11, 23), [])),
    ("snow last winter", ("snow", D(2025, 12, 1), D(2026, 3, 1), [])),
    ("snow this winter", ("snow", D(2025, 12, 1), D(2026, 3, 1), [])),
    ("beach summer 2019", ("beach", D(2019, 6, 1), D(2019, 9, 1), [])),
    ("leaves during the autumn", ("leaves", None, None, [9, 10, 11])),
    ("flowers in may", ("flowers", None, None, [5])),
    ("beach after 2015 before 2018", ("beach", D(2016, 1, 1), D(2018, 1, 1), [])),
])
def test_every_date_form(q, want):
    assert _span(q) == want


def test_last_summer_while_it_is_summer_means_the_one_before():
    f = read_query("sunset last summer", date(2026, 7, 10))
    assert f.dates is not None and (f.dates.after, f.dates.before) == (D(2025, 6, 1), D(2025, 9, 1))


@pytest.mark.parametrize("q", ['"1984 poster"', '"beach 2019"', "may flowers", "march of the penguins",
                               "winter coat", "+2:2019", "~/photos/2019"])
def test_words_that_only_look_like_dates_stay_text(q):
    f = _read(q)
    assert f.dates is None and f.text == q


def test_quoted_phrase_stays_text_beside_a_real_date():
    f = _read('"1984 poster" 2019')
    assert f.text == '"1984 poster"' and f.dates is not None and f.dates.after == D(2019, 1, 1)


def test_weights_and_negatives_survive_around_a_date():
    assert _read("beach +2:sunset -people 2019").text == "beach +2:sunset -people"


@pytest.mark.parametrize(("q", "locale", "text", "months"), [
    ("Schnee im Dezember", "de_DE", "Schnee", [12]),
    ("neige en décembre", "fr_FR", "neige", [12]),
    ("nieve diciembre", "es_ES", "nieve", [12]),
    ("снег 5 декабря 2019", "ru_RU", "снег", []),  # CLDR has two forms; the locative "декабре" is not one
    ("Strand August 2019", "de_DE", "Strand", []),
])
def test_month_names_in_the_users_language(q, locale, text, months):
    f = read_query(q, TODAY, locale)
    assert f.dates is not None and f.text == text and sorted(f.dates.months) == months


def test_month_names_include_abbreviations_and_english():
    names = month_names("fr_FR")
    assert names["déc"] == 12 and names["décembre"] == 12 and names["december"] == 12 and names["sept"] == 9


@pytest.mark.parametrize("locale", [None, "C", "POSIX", "en", "en_US.UTF-8", "en_GB", "en_AU", "en-IN", "en_US@euro"])
def test_english_month_names_without_loading_locale_data_are_cldrs(locale):
    """English locales get the month names from a table, not from CLDR (loading it cost a cold search 30 ms): the
    table must be exactly what CLDR says for English in Latin script."""
    from babel import Locale
    from babel.dates import get_month_names

    cldr = {"sept": 9}
    tag = "en" if locale in (None, "C", "POSIX") else locale.split(".")[0].split("@")[0].replace("-", "_")
    for loc in ("en", tag):  # English always counts, and the locale's own names
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for num, name in get_month_names(width, context, Locale.parse(loc)).items():
                    cldr.setdefault(name.lower().rstrip("."), int(num))
    assert plain_english(locale) and month_names(locale) == cldr
    assert not plain_english("en_Dsrt_US") and not plain_english("de_DE")


def test_an_english_date_query_reads_no_locale_data():
    import subprocess
    import sys

    code = ("import sys; from photoseek.core.query_filters import read_query; "
            "f = read_query('snow in december 2019', locale='en_US'); "
            "print(f.dates is not None, f.text, 'babel' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True", "snow", "False"]


def test_week_starts_as_the_locale_counts():
    assert first_weekday("de_DE") == 0 and first_weekday("en_US") == 6
    us = read_query("this week", TODAY, "en_US")  # Sunday-first: the week began today
    assert us.dates is not None and us.dates.after == D(2026, 11, 22)


def test_camera_filter_with_and_without_quotes():
    f = _read('beach camera:pixel')
    assert (f.text, f.camera) == ("beach", "pixel")
    g = _read('camera:"Pixel 7" dog 2019')
    assert (g.text, g.camera) == ("dog", "Pixel 7") and g.dates is not None


def test_removing_one_filter_keeps_the_rest_of_the_query():
    f = _read("kids camera:pixel 2018-2020")
    assert f.without(FilterKind.DATE) == "kids camera:pixel"
    assert f.without(FilterKind.CAMERA) == "kids 2018-2020"


def test_label_says_how_the_date_was_read():
    assert _read("sunset last summer").dates.label == "last summer 2026 (Jun–Aug)"
    assert _read("snow in december").dates.label == "December (any year)"
    assert _read("photos from last week").dates.label == "last week (9–15 Nov 2026)"


def test_without_a_locale_the_environments_month_names_count(monkeypatch):
    for var in ("LANGUAGE", "LC_ALL", "LC_TIME"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    f = read_query("Schnee im Dezember", TODAY)
    assert f.text == "Schnee" and f.dates is not None and sorted(f.dates.months) == [12]
