"""Reading whatever a person types as a query: the text-level half of lenient parsing.

The query language (words, ``OR``/``NOT``, phrases, ``field:value``, wildcards, fuzzy terms)
wins where the text is well formed; what cannot be syntax is read as text, as Lucene's
``simple_query_string`` does, so a pasted sentence or claim is never a syntax error:

- control characters (NUL included) and lone UTF-16 surrogates become spaces;
- a quote without a partner (the last one) and parentheses that do not pair are dropped, with
  a notice;
- a question mark that ends a word is punctuation (``Does smoking cause cancer?``); inside a
  word it stays a one-letter wildcard (``wom?n``);
- when the parser still cannot read the text, its words are searched as plain words
  (:func:`plain_words`).

Nothing here knows about Whoosh: the backend calls these before and after its parser.
"""

from __future__ import annotations

import re

_UNUSABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_END_QUESTION = re.compile(r"(?<=[^\s?*])\?+(?=[\s)\"',.;:!]|$)")
_WORD = re.compile(r"\w+", re.UNICODE)


def tidy(text: str) -> tuple[str, list[str]]:
    """``text`` with unusable characters, stray quotes and unpaired parentheses removed, and
    a notice for each kind of thing ignored."""
    notes: list[str] = []
    text = _UNUSABLE.sub(" ", text)
    text = _END_QUESTION.sub(" ", text)
    if text.count('"') % 2:
        last = text.rindex('"')
        text = text[:last] + " " + text[last + 1 :]
        notes.append('A quote (") without a partner was ignored.')
    text, dropped = _pair_parentheses(text)
    if dropped:
        notes.append("A parenthesis without a partner was ignored." if dropped == 1
                     else f"{dropped} parentheses without a partner were ignored.")
    return " ".join(text.split()), notes


def _pair_parentheses(text: str) -> tuple[str, int]:
    """Drop every ``(`` or ``)`` outside quotes that has no partner."""
    chars = list(text)
    open_at: list[int] = []
    drop: list[int] = []
    quoted = False
    for i, char in enumerate(chars):
        if char == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif char == "(":
            open_at.append(i)
        elif char == ")":
            if open_at:
                open_at.pop()
            else:
                drop.append(i)
    drop.extend(open_at)
    for i in drop:
        chars[i] = " "
    return "".join(chars), len(drop)


def plain_words(text: str) -> list[str]:
    """The words of ``text`` with every syntax character read as a separator, lower-cased so
    that no word is taken for an operator (``AND``, ``OR``, ``NOT``, ``TO``)."""
    return [word.lower() for word in _WORD.findall(text)]
