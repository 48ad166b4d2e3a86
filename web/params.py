"""Request parameters -> a validated :class:`SearchState`, and back to shareable URLs.

The whole state of a search lives in the query string (``q``, one parameter per facet, ``from``,
``to``, ``sort``, ``page``, ``per_page``, ``more``), so every URL can be bookmarked or shared and
the browser's back and forward buttons just work. Bad values raise :class:`ParamError` with a
message a user can act on; the views turn it into a 400 page or JSON error.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import re
from collections.abc import Mapping
from urllib.parse import urlencode

from search import FACETS, MAX_PER_PAGE, SORTS, Filters

DEFAULT_PER_PAGE = 10
MAX_VALUES_PER_FACET = 20
MAX_VALUE_CHARS = 200
#: accepted spellings of a sort beyond the canonical names
SORT_ALIASES = {"date": "newest", "recent": "newest", "score": "relevance"}
#: how the user-facing facet names read in messages and headings
FACET_LABELS = {
    "person": "People",
    "org": "Organisations",
    "place": "Places",
    "contributor": "Reporters",
    "source": "Sources",
    "mentioned": "Dates mentioned",
}
FACET_SINGULAR = {
    "person": "Person",
    "org": "Organisation",
    "place": "Place",
    "contributor": "Reporter",
    "source": "Source",
    "mentioned": "Mentioned",
}

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2}))?$")


class ParamError(ValueError):
    """A request parameter the user can fix; ``str()`` is the message shown."""


@dataclasses.dataclass
class SearchState:
    q: str = ""
    facets: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sort: str | None = None  # None: the default for the query (relevance, or newest when browsing)
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    more: tuple[str, ...] = ()
    autocorrect: bool = True  # False: run the query as typed ("search instead for ...")
    collapse: bool = True  # one hit per story (the page's default; the JSON API's is off)

    # derived ---------------------------------------------------------------------------------

    @property
    def effective_sort(self) -> str:
        return self.sort or ("relevance" if self.q else "newest")

    def filters(self) -> Filters:
        return Filters(
            facets={name: list(values) for name, values in self.facets.items() if values},
            date_from=self.date_from,
            date_to=self.date_to,
        )

    @property
    def has_filters(self) -> bool:
        return any(self.facets.values()) or self.date_from is not None or self.date_to is not None

    def selected(self, facet: str, value: str) -> bool:
        return value.lower() in {v.lower() for v in self.facets.get(facet, [])}

    # transitions (each returns a new state; any change of what is searched resets the page) ---

    def _copy(self, **changes) -> SearchState:
        changes.setdefault("facets", {name: list(values) for name, values in self.facets.items()})
        return dataclasses.replace(self, **changes)

    def with_collapse(self, collapse: bool) -> SearchState:
        return self._copy(collapse=collapse, page=1)

    def with_page(self, page: int) -> SearchState:
        return self._copy(page=page)

    def with_query(self, q: str, autocorrect: bool = True) -> SearchState:
        return self._copy(q=q, page=1, autocorrect=autocorrect)

    def add(self, facet: str, value: str) -> SearchState:
        new = self._copy(page=1)
        if not self.selected(facet, value):
            new.facets.setdefault(facet, []).append(value)
        return new

    def remove(self, facet: str, value: str) -> SearchState:
        new = self._copy(page=1)
        new.facets[facet] = [v for v in new.facets.get(facet, []) if v.lower() != value.lower()]
        return new

    def toggle(self, facet: str, value: str) -> SearchState:
        return self.remove(facet, value) if self.selected(facet, value) else self.add(facet, value)

    def with_dates(self, date_from: dt.date | None, date_to: dt.date | None) -> SearchState:
        return self._copy(date_from=date_from, date_to=date_to, page=1)

    def without_filters(self) -> SearchState:
        return self._copy(facets={}, date_from=None, date_to=None, page=1)

    def expand(self, facet: str, on: bool = True) -> SearchState:
        more = tuple(f for f in self.more if f != facet) + ((facet,) if on else ())
        return self._copy(more=more)

    # back to a query string --------------------------------------------------------------------

    def items(self, *, page: bool = True, more: bool = True) -> list[tuple[str, str]]:
        """(name, value) pairs in a stable order, defaults left out so URLs stay short."""
        pairs: list[tuple[str, str]] = []
        if self.q:
            pairs.append(("q", self.q))
        if not self.autocorrect:
            pairs.append(("autocorrect", "0"))
        if not self.collapse:
            pairs.append(("collapse", "0"))
        for name in FACETS:
            pairs.extend((name, value) for value in self.facets.get(name, []))
        if self.date_from:
            pairs.append(("from", self.date_from.isoformat()))
        if self.date_to:
            pairs.append(("to", self.date_to.isoformat()))
        if self.sort:
            pairs.append(("sort", self.sort))
        if page and self.page != 1:
            pairs.append(("page", str(self.page)))
        if self.per_page != DEFAULT_PER_PAGE:
            pairs.append(("per_page", str(self.per_page)))
        if more:
            pairs.extend(("more", name) for name in self.more)
        return pairs

    def query_string(self, **options) -> str:
        return urlencode(self.items(**options))


# parsing ---------------------------------------------------------------------------------------


def _one(args: Mapping, name: str) -> str:
    """The parameter's last value, stripped ('' when absent)."""
    getlist = getattr(args, "getlist", None)
    values = getlist(name) if getlist else ([args[name]] if name in args else [])
    return _CONTROL.sub("", values[-1]).strip() if values else ""


def int_param(args: Mapping, name: str, default: int, low: int, high: int | None, what: str) -> int:
    raw = _one(args, name)
    if not raw:
        return default
    if not re.fullmatch(r"[+]?\d{1,12}", raw, re.ASCII):
        raise ParamError(f"{what} must be a whole number, not {raw[:40]!r}.")
    value = int(raw)
    if value < low:
        raise ParamError(f"{what} must be {low} or more, not {value:,}.")
    if high is not None and value > high:
        raise ParamError(f"{what} must be between {low} and {high:,}, not {value:,}.")
    return value


def parse_date(raw: str, name: str, *, end: bool = False) -> dt.date | None:
    """``YYYY-MM-DD``; also ``YYYY-MM`` and ``YYYY`` (the first day, or the last with ``end``)."""
    if not raw:
        return None
    partial = _PARTIAL_DATE.match(raw)
    try:
        if partial:
            year = int(partial.group(1))
            month = int(partial.group(2)) if partial.group(2) else (12 if end else 1)
            day = calendar.monthrange(year, month)[1] if end else 1
            return dt.date(year, month, day)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            return dt.date.fromisoformat(raw)
    except ValueError:
        pass
    raise ParamError(f"{raw[:40]!r} is not a valid date for “{name}”: use YYYY-MM-DD, e.g. 2023-06-18.")


def _flag(args: Mapping, name: str, default: bool) -> bool:
    raw = _one(args, name).lower()
    if not raw:
        return default
    if raw in {"0", "false", "no", "off"}:
        return False
    if raw in {"1", "true", "yes", "on"}:
        return True
    raise ParamError(f"{name} must be 1 or 0, not {raw[:40]!r}.")


def parse_state(args: Mapping, collapse: bool = True) -> SearchState:
    """Validate a request's query string; raises :class:`ParamError` for anything unusable.
    ``collapse``: whether results fold by story when the query string does not say."""
    q = _one(args, "q")
    facets: dict[str, list[str]] = {}
    for name in FACETS:
        values: list[str] = []
        getlist = getattr(args, "getlist", None)
        raw_values = getlist(name) if getlist else ([args[name]] if name in args else [])
        for raw in raw_values:
            value = _CONTROL.sub("", raw).strip()
            if not value or value.lower() in {v.lower() for v in values}:
                continue
            if len(value) > MAX_VALUE_CHARS:
                raise ParamError(
                    f"A {FACET_SINGULAR[name].lower()} filter value is {len(value):,} characters long: "
                    f"keep it under {MAX_VALUE_CHARS}."
                )
            values.append(value)
        if len(values) > MAX_VALUES_PER_FACET:
            raise ParamError(
                f"Too many {FACET_LABELS[name].lower()} selected ({len(values)}): "
                f"choose at most {MAX_VALUES_PER_FACET}."
            )
        if values:
            facets[name] = values

    date_from = parse_date(_one(args, "from"), "from")
    date_to = parse_date(_one(args, "to"), "to", end=True)
    if date_from and date_to and date_from > date_to:
        raise ParamError(
            f"The range starts after it ends ({date_from.isoformat()} is after {date_to.isoformat()}): "
            "swap “from” and “to”."
        )

    sort_raw = _one(args, "sort").lower()
    sort = SORT_ALIASES.get(sort_raw, sort_raw) or None
    if sort is not None and sort not in SORTS:
        raise ParamError(f"Unknown sort {sort_raw[:40]!r}: use one of {', '.join(SORTS)}.")

    page = int_param(args, "page", 1, 1, None, "The page number")
    per_page = int_param(args, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE, "per_page")

    getlist = getattr(args, "getlist", None)
    more_raw = getlist("more") if getlist else []
    more: list[str] = []
    for raw in more_raw:
        name = raw.strip().lower()
        if not name:
            continue
        if name not in FACETS:
            raise ParamError(f"Unknown facet {raw[:40]!r}: use one of {', '.join(FACETS)}.")
        if name not in more:
            more.append(name)

    autocorrect = _one(args, "autocorrect").lower() not in {"0", "false", "no", "off"}
    return SearchState(q, facets, date_from, date_to, sort, page, per_page, tuple(more), autocorrect,
                       _flag(args, "collapse", collapse))


def check_known_facets(args: Mapping, known: set[str]) -> None:
    """Reject ``facet=`` names outside :data:`FACETS` (the JSON API's ``facets`` selector)."""
    getlist = getattr(args, "getlist", None)
    for raw in getlist("facets") if getlist else []:
        for name in filter(None, (n.strip().lower() for n in raw.split(","))):
            if name not in known:
                raise ParamError(f"Unknown facet {name[:40]!r}: use one of {', '.join(FACETS)}.")
