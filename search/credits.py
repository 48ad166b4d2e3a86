"""Reporter credit lines ("Reporting by A and B; Editing by C", "CNN's A and B contributed to this
report.") and the lists of names they and bylines hold."""

from __future__ import annotations

import re


def split_names(text: str) -> list[str]:
    """``"A, B and C"`` -> ``["A", "B", "C"]``."""
    parts = re.split(r"\s*(?:,|;|&|\band\b)\s*", text.strip().rstrip("."))
    return [p.strip() for p in parts if p.strip()]


_NAME = re.compile(
    r"(?:[A-Z][\w'’.\-]*|de|van|von|der|da|di|le|la|bin|al-\w+)(?:\s+(?:[A-Z][\w'’.\-]*|de|van"
    r"|von|der|da|di|le|la|bin|al-\w+)){0,4}"
)
_OUTLET = re.compile(r"^[A-Z][\w&.\-]*(?:\s+[A-Z][\w&.\-]*){0,3}['’]s?\s+(?=[A-Z])")
_CONTRIBUTED = re.compile(
    r"^(?P<names>.+?)\s+contributed(?:\s+(?:to\s+)?(?:this\s+)?(?:report|reporting|story|article))"
    r"(?:\s+from\s+[^.]+)?\.?$"
)
_REPORTING_BY = re.compile(r"^(?:additional\s+)?(?:reporting|writing|research)\s+by\s+", re.IGNORECASE)
_CREDIT_PART = re.compile(
    r"^(?:additional\s+)?(reporting|writing|research|editing|compiled|graphics)(?:\s+and\s+\w+)?\s+by\s+(.+)$",
    re.IGNORECASE,
)
_CONTRIBUTING = re.compile(
    r"^(?:contributing|with assistance from|—\s*with assistance from)\s*:?\s+(.+?)\.?$", re.IGNORECASE
)


def _clean_name(name: str) -> str | None:
    name = _OUTLET.sub("", name.strip())
    name = re.sub(r"\s+in\s+[A-Z][\w.\-]*(?:\s+[A-Z][\w.\-]*)*$", "", name)  # "X in Beijing"
    name = name.strip(" .;:")
    return name if _NAME.fullmatch(name) else None


def names_in(text: str) -> list[str] | None:
    """The names of a list ("A, B and C", outlets and "in Beijing" taken off), or None when
    one of them is not a name."""
    names = [_clean_name(n) for n in split_names(text)]
    if not names or any(n is None for n in names):
        return None
    return [n for n in names if n]


def credits_of(text: str) -> list[str] | None:
    """Reporter names of a credit line (a paragraph on one line: :func:`search.clean.normalize_paragraph`),
    or None when ``text`` is not one.

    ``CNN’s A, B and C contributed to this report.`` -> ``["A", "B", "C"]``;
    ``Reporting by A and B; Editing by C`` -> ``["A", "B"]`` (editors are not reporters).
    """
    if len(text.split()) > 40:
        return None
    contributed = _CONTRIBUTED.match(text) if "contributed" in text else None
    if contributed:
        return names_in(contributed.group("names"))
    contributing = _CONTRIBUTING.match(text)
    if contributing:
        return names_in(contributing.group(1))
    if not _REPORTING_BY.match(text):
        return None
    found: list[str] = []
    for part in re.split(r"\s*;\s*|\.\s+(?=[A-Z])", text.rstrip(".")):
        credit = _CREDIT_PART.match(part.strip())
        if not credit:
            return None
        names = names_in(credit.group(2))
        if names is None:
            return None
        if credit.group(1).lower() in ("reporting", "writing", "research"):
            found.extend(n for n in names if n not in found)
    return found
