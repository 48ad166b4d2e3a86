"""Sentence-level facts about a line of text, shared by the cleaning passes."""

from __future__ import annotations

import re

#: how a sentence ends: a stop, possibly inside closing quotes or brackets
SENTENCE_END = re.compile(r"[.!?…:;][\"'”’)\]]*$")
#: quotation marks or a reporting verb: text that reports someone's words
REPORTED_SPEECH = re.compile(r"[\"“”]|\b(?:said|says|added|told|according to)\b", re.IGNORECASE)

_ABBREVIATIONS = frozenset(
    re.findall(
        r"\S+",
        "mr mrs ms dr prof st sen rep gov gen col lt sgt capt jr sr inc co corp ltd no vs etc jan feb mar apr"
        " jun jul aug sep sept oct nov dec u.s u.k u.n e.u a.m p.m",
    )
)


def first_sentence(paragraph: str) -> str:
    """The first sentence, not fooled by ``U.S.`` or ``Mr.``."""
    for match in re.finditer(r"[.!?…][\"'”’)]*(?=\s+[\"'“‘(]?[A-Z0-9])", paragraph):
        token = paragraph[: match.start() + 1].split()[-1].lower().strip("\"'“‘(")
        if token.rstrip(".") in _ABBREVIATIONS or re.fullmatch(r"(?:[a-z]\.)+", token):
            continue
        return paragraph[: match.end()].strip()
    return paragraph.strip()
