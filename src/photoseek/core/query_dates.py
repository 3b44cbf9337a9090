"""Dates in a query, read locally (no language model): "beach 2019", "snow in december", "sunset last summer",
"kids 2018-2020", "photos from last week", "cat before 2015".

:func:`read_dates` works on the query's plain words only: quoted phrases, weighted parts and image paths never reach
it, so ``"1984 poster"`` in quotes stays text. It understands

- a year ``2019``, a decade ``1990s``, a month ``july 2019`` / ``2019-07``, a day ``2019-07-04`` / ``4 july 2019``;
- ranges ``2018-2020``, ``2018 to 2020``, ``between 2018 and 2020``; bounds ``before 2015``, ``until 2015``,
  ``after 2015``, ``since 2015`` (each side may be any of the above);
- relative dates ``today``, ``yesterday``, ``this/last week|month|year``, ``last 3 months``, ``past 10 days``;
- seasons ``last summer``, ``this winter``, ``summer 2019`` (northern hemisphere: Dec-Feb is winter);
- a month or season alone with a preposition, in any year: ``in december``, ``during the summer``.

Month names are English and those of the user's locale (CLDR data through Babel, full and abbreviated, both
grammatical forms, e.g. "Dezember", "déc.", "декабря"). A bare month name needs a preposition or a year, because
"may", "march" and "august" are also ordinary words; a bare season is text too ("winter coat").
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from photoseek.core.domain import DateRange

PREPOSITIONS = {"in", "from", "during", "on", "of", "taken"}
# before a month name of the user's language ("im Dezember", "en décembre", "a dicembre", "в декабре")
LOCAL_PREPOSITIONS = {"im", "in", "en", "au", "à", "a", "di", "de", "del", "em", "no", "na", "op", "i", "w", "в", "во"}
SEASONS = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}  # first month; a season is 3 months
UNITS = {"day": "day", "days": "day", "week": "week", "weeks": "week", "month": "month", "months": "month",
         "year": "year", "years": "year"}
MONTHS = ["", "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
ABBR = ["", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_YEAR = re.compile(r"^(1[89]\d\d|2[01]\d\d)$")
_DECADE = re.compile(r"^(1[89]\d0|20\d0)s$")
_YEAR_RANGE = re.compile(r"^(1[89]\d\d|2[01]\d\d)[-–](1[89]\d\d|2[01]\d\d)$")
_YEAR_MONTH = re.compile(r"^(1[89]\d\d|2[01]\d\d)-(\d\d?)$")
_ISO_DAY = re.compile(r"^(1[89]\d\d|2[01]\d\d)-(\d\d?)-(\d\d?)$")
_DAY = re.compile(r"^(\d\d?)(?:st|nd|rd|th)?$")


@dataclass(frozen=True)
class _Span:
    start: date
    end: date  # exclusive
    label: str
    months: frozenset[int] = frozenset()  # set for "in december": any year, start/end unused


def plain_english(locale: str | None) -> bool:
    """Whether dates in ``locale`` read as plain English (``en``, ``en_GB``, ``C``, ``POSIX``, none): CLDR's English
    month names in Latin script are the ones in :data:`MONTHS` and :data:`ABBR` (and "Sept"), so the locale data
    need not be loaded. ``en_Dsrt`` (another script) is not."""
    if not locale:
        return True
    parts = locale.split(".")[0].split("@")[0].replace("-", "_").split("_")
    if parts[0] in ("C", "POSIX"):
        return True
    return parts[0].lower() == "en" and all(len(p) != 4 for p in parts[1:])  # a 4-letter part is a script


@lru_cache(maxsize=16)
def month_names(locale: str | None = None) -> dict[str, int]:
    """Lower-case month name -> month number: English plus ``locale``'s full and abbreviated names."""
    names = {name.lower(): m for names in (MONTHS, ABBR) for m, name in enumerate(names) if name}
    names["sept"] = 9
    if plain_english(locale):
        return names
    from babel import Locale, UnknownLocaleError  # CLDR data loads with a first query in another language
    from babel.dates import get_month_names

    try:
        parsed = Locale.parse(str(locale).split(".")[0].split("@")[0])
    except (UnknownLocaleError, ValueError, TypeError):
        return names
    for width in ("wide", "abbreviated"):
        for context in ("format", "stand-alone"):
            for num, name in get_month_names(width, context, parsed).items():
                key = name.lower().rstrip(".")
                if len(key) >= 3:
                    names.setdefault(key, int(num))
    return names


def first_weekday(locale: str | None) -> int:
    """0 = Monday ... 6 = Sunday, as the locale counts weeks (Monday when unknown)."""
    from babel import Locale, UnknownLocaleError

    try:
        return int(Locale.parse(locale.split(".")[0]).first_week_day) if locale else 0
    except (UnknownLocaleError, ValueError, TypeError, AttributeError):
        return 0


def _add_months(d: date, n: int) -> date:
    m = d.month - 1 + n
    return date(d.year + m // 12, m % 12 + 1, 1)


def _months_back(d: date, n: int) -> date:
    """The same day ``n`` months earlier (the month's last day when it is shorter)."""
    first = _add_months(d.replace(day=1), -n)
    return first.replace(day=min(d.day, calendar.monthrange(first.year, first.month)[1]))


def _day_text(d: date) -> str:
    return f"{d.day} {ABBR[d.month]} {d.year}"


def _range_text(start: date, end: date) -> str:
    last = end - timedelta(days=1)
    if start == last:
        return _day_text(start)
    if start.year == last.year:
        if start.month == last.month:
            return f"{start.day}–{last.day} {ABBR[start.month]} {start.year}"
        return f"{start.day} {ABBR[start.month]} – {_day_text(last)}"
    return f"{_day_text(start)} – {_day_text(last)}"


def _year(y: int) -> _Span:
    return _Span(date(y, 1, 1), date(y + 1, 1, 1), str(y))


def _month(y: int, m: int) -> _Span:
    return _Span(date(y, m, 1), _add_months(date(y, m, 1), 1), f"{ABBR[m]} {y}")


def _season(name: str, y: int) -> _Span:
    first = SEASONS[name]
    start = date(y, first, 1)
    end = _add_months(start, 3)
    label = f"{name} {y}–{str(y + 1)[2:]}" if first == 12 else f"{name} {y}"
    return _Span(start, end, f"{label} ({ABBR[first]}–{ABBR[(first + 1) % 12 + 1]})")


def environment_locale() -> str | None:
    """The locale the environment asks for dates in (LANGUAGE, LC_ALL, LC_TIME, LANG), e.g. "de_DE"."""
    from babel import UnknownLocaleError, default_locale

    try:
        return default_locale(("LANGUAGE", "LC_ALL", "LC_TIME", "LANG"))
    except (ValueError, UnknownLocaleError):
        return None


class _Reader:
    """Recursive descent over the plain words of a query."""

    def __init__(self, words: Sequence[str], today: date, locale: str | None) -> None:
        self.w = [w.lower().strip(",.;!?") for w in words]
        self.today = today
        self.locale = locale or environment_locale()
        self.months = month_names(self.locale)
        # a month name only the user's language has is no English word: it is a date even without a preposition
        self.local_months = set(self.months) - set(month_names(None))

    def at(self, i: int) -> str:
        return self.w[i] if 0 <= i < len(self.w) else ""

    # one date ---------------------------------------------------------------------------------------------------
    def term(self, i: int, bare: bool = False) -> tuple[_Span, int] | None:
        """A date starting at word ``i``: (span, index after it). ``bare``: a lone month or season counts."""
        w = self.at(i)
        if not w:
            return None
        for parse in (self._relative, self._numeric, self._named):
            got = parse(i, w)
            if got is not None:
                return got
        if bare:
            if w in self.months:
                m = self.months[w]
                return _Span(date.min, date.max, f"{MONTHS[m]} (any year)", frozenset({m})), i + 1
            if w == "the" and self.at(i + 1) in SEASONS:
                w, i = self.at(i + 1), i + 1
            if w in SEASONS:
                first = SEASONS[w]
                months = frozenset((first - 1 + k) % 12 + 1 for k in range(3))
                return _Span(date.min, date.max, f"{w} (any year)", months), i + 1
        return None

    def _relative(self, i: int, w: str) -> tuple[_Span, int] | None:
        t = self.today
        if w == "today":
            return _Span(t, t + timedelta(days=1), f"today ({_day_text(t)})"), i + 1
        if w == "yesterday":
            y = t - timedelta(days=1)
            return _Span(y, t, f"yesterday ({_day_text(y)})"), i + 1
        if w not in ("last", "this", "past", "previous"):
            return None
        nxt = self.at(i + 1)
        if nxt.isdigit() and UNITS.get(self.at(i + 2)) and w in ("last", "past") and int(nxt) > 0:  # last 3 months
            n, per = int(nxt), UNITS[self.at(i + 2)]
            start = {"day": t - timedelta(days=n - 1), "week": t - timedelta(weeks=n) + timedelta(days=1),
                     "month": _months_back(t, n), "year": _months_back(t, 12 * n)}[per]
            end = t + timedelta(days=1)
            return _Span(start, end, f"{w} {n} {per}s ({_range_text(start, end)})"), i + 3
        unit = UNITS.get(nxt)
        back = 0 if w == "this" else 1
        if unit == "week":
            if w == "past":
                start, end = t - timedelta(days=6), t + timedelta(days=1)
            else:
                monday = t - timedelta(days=(t.weekday() - first_weekday(self.locale)) % 7)
                start = monday - timedelta(weeks=back)
                end = start + timedelta(weeks=1)
            return _Span(start, end, f"{w} week ({_range_text(start, end)})"), i + 2
        if unit == "month":
            start = _add_months(t.replace(day=1), -back)
            return _Span(start, _add_months(start, 1), f"{w} month ({ABBR[start.month]} {start.year})"), i + 2
        if unit == "year":
            return _Span(date(t.year - back, 1, 1), date(t.year - back + 1, 1, 1), f"{w} year ({t.year - back})"), i + 2
        if nxt in SEASONS:
            # the occurrence that contains today or began most recently; "last" is the one before it while it lasts
            first = SEASONS[nxt]
            current = _season(nxt, t.year if t.month >= first else t.year - 1)
            if w == "this":
                return current, i + 2
            span = _season(nxt, current.start.year - 1) if t < current.end else current
            return _Span(span.start, span.end, f"last {span.label}"), i + 2
        return None

    def _numeric(self, i: int, w: str) -> tuple[_Span, int] | None:
        if m := _ISO_DAY.match(w):
            try:
                d = date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                return None
            return _Span(d, d + timedelta(days=1), _day_text(d)), i + 1
        if (m := _YEAR_MONTH.match(w)) and 1 <= int(m[2]) <= 12:
            return _month(int(m[1]), int(m[2])), i + 1
        if (m := _YEAR_RANGE.match(w)) and int(m[1]) <= int(m[2]):
            return _Span(date(int(m[1]), 1, 1), date(int(m[2]) + 1, 1, 1), f"{m[1]}–{m[2]}"), i + 1
        if m := _DECADE.match(w):
            y = int(m[1])
            return _Span(date(y, 1, 1), date(y + 10, 1, 1), f"{y}s"), i + 1
        if _YEAR.match(w):
            if self.at(i + 1) in self.months:  # "2019 december"
                return _month(int(w), self.months[self.at(i + 1)]), i + 2
            return _year(int(w)), i + 1
        if (dm := _DAY.match(w)) and self.at(i + 1) in self.months and _YEAR.match(self.at(i + 2)):  # 4 july 2019
            return self._day(int(self.at(i + 2)), self.months[self.at(i + 1)], int(dm[1]), i + 3)
        return None

    def _named(self, i: int, w: str) -> tuple[_Span, int] | None:
        nxt = self.at(i + 1)
        if w in self.months:
            m = self.months[w]
            if _YEAR.match(nxt):
                return _month(int(nxt), m), i + 2
            if (d := _DAY.match(nxt)) and _YEAR.match(self.at(i + 2)):  # july 4 2019
                return self._day(int(self.at(i + 2)), m, int(d[1]), i + 3)
        if w in SEASONS and _YEAR.match(nxt):
            return _season(w, int(nxt)), i + 2
        return None

    @staticmethod
    def _day(y: int, m: int, d: int, nxt: int) -> tuple[_Span, int] | None:
        try:
            day = date(y, m, d)
        except ValueError:
            return None
        return _Span(day, day + timedelta(days=1), _day_text(day)), nxt

    # an expression: bounds, ranges, prepositions ----------------------------------------------------------------
    def expr(self, i: int) -> tuple[DateRange, int] | None:
        w = self.at(i)
        if w in ("before", "until", "till", "after", "since"):
            got = self.term(i + 1, bare=False)
            if got is None or got[0].months:
                return None
            span, j = got
            if w == "before":
                return DateRange(before=_dt(span.start), label=f"before {span.label}"), j
            if w in ("until", "till"):
                return DateRange(before=_dt(span.end), label=f"until {span.label}"), j
            if w == "after":
                return DateRange(after=_dt(span.end), label=f"after {span.label}"), j
            return DateRange(after=_dt(span.start), label=f"since {span.label}"), j
        if w in self.local_months or (w in LOCAL_PREPOSITIONS and self.at(i + 1) in self.local_months):
            got = self.term(i if w in self.local_months else i + 1, bare=True)
            if got is not None:
                return self._maybe_range(got)
        if w == "between":
            a = self.term(i + 1)
            if a is not None and self.at(a[1]) == "and" and (b := self.term(a[1] + 1)) is not None:
                return _between(a[0], b[0]), b[1]
            return None
        if w in PREPOSITIONS:
            got = self.term(i + 1, bare=True)
            if got is not None:
                return self._maybe_range(got)
            return None
        got = self.term(i)
        return self._maybe_range(got) if got is not None else None

    def _maybe_range(self, got: tuple[_Span, int]) -> tuple[DateRange, int]:
        span, j = got
        if not span.months and self.at(j) in ("to", "-", "–", "until", "till") and (b := self.term(j + 1)):
            if not b[0].months:
                return _between(span, b[0]), b[1]
        if span.months:
            return DateRange(months=span.months, label=span.label), j
        return DateRange(after=_dt(span.start), before=_dt(span.end), label=span.label), j


def _dt(d: date) -> datetime:
    return datetime(d.year, d.month, d.day)


def _between(a: _Span, b: _Span) -> DateRange:
    start, end = min(a.start, b.start), max(a.end, b.end)
    label = f"{a.label}–{b.label}" if len(a.label) <= 4 and len(b.label) <= 4 else f"{a.label} – {b.label}"
    return DateRange(after=_dt(start), before=_dt(end), label=label)


def read_dates(words: Sequence[str], today: date | None = None,
               locale: str | None = None) -> tuple[DateRange | None, list[int]]:
    """The date filter that ``words`` (a query's plain words, in order) ask for, and the indexes of the words
    that said it. ``locale`` (default: the environment's) adds its month names and its first day of the week. Several expressions narrow each other ("after 2015 before 2018"). ``(None, [])`` when none."""
    r = _Reader(words, today or date.today(), locale)
    found: DateRange | None = None
    used: list[int] = []
    i = 0
    while i < len(r.w):
        got = r.expr(i)
        if got is None:
            i += 1
            continue
        rng, j = got
        found = rng if found is None else found.narrowed(rng)
        used.extend(range(i, j))
        i = j
    return found, used
