"""Highlighting: snippets and whole texts as lists of :class:`Span`, with Whoosh's highlighter.

Whoosh re-analyses the text it highlights; :class:`_HighlightTokens` gives it the same words at
the same offsets for a fraction of the cost, so that a page of hits does not stem every word of
every article.
"""

from __future__ import annotations

import re

from whoosh import highlight
from whoosh.analysis import RegexTokenizer, StemFilter, Token

from .models import Span

_WHITESPACE = re.compile(r"\s+")


def snippet(analyzer, terms: set[str], text: str, top: int = 3, size: int = 200) -> list[list[Span]]:
    """Up to ``top`` fragments of ``text`` around the indexed words ``terms`` (as ``analyzer``
    makes them); the start of the text when none is found."""
    if terms:
        # only the paragraphs that can hold a match, found by the first letters of each stem
        heads = {_head(term) for term in terms}
        text_with_matches = "\n\n".join(p for p in text.split("\n\n") if any(head in p.lower() for head in heads))
        if text_with_matches:
            fragments = highlight.highlight(
                text_with_matches,
                terms,
                _tokens(analyzer, terms, reach=size + 60),
                highlight.ContextFragmenter(maxchars=size, surround=60),
                _SpanFormatter(),
                top=top,
            )
            if fragments:
                return fragments
    lead = _WHITESPACE.sub(" ", text[: size + 1])
    if len(text) > size:
        lead = lead[:size].rsplit(" ", 1)[0] + " …"
    return [[Span(lead)]] if lead else []


def highlight_whole(analyzer, terms: set[str], text: str) -> list[Span]:
    """All of ``text`` with the words ``terms`` marked."""
    if not terms:
        return [Span(text)]
    fragments = highlight.highlight(
        text, terms, _tokens(analyzer, terms), highlight.WholeFragmenter(), _SpanFormatter(), top=1
    )
    return fragments[0] if fragments else [Span(text)]


def _tokens(analyzer, terms: set[str], reach: int | None = None):
    return _HighlightTokens(analyzer, terms, reach) if _HighlightTokens.fits(analyzer) else analyzer


class _SpanFormatter(highlight.Formatter):
    """Returns fragments as lists of :class:`Span` instead of markup, so each front end escapes.

    Whitespace (paragraph breaks too) is folded to single spaces, and a fragment cut inside the
    text starts and ends on a word boundary with an ellipsis."""

    def format_fragment(self, fragment, replace=False):
        spans: list[Span] = []
        text, pos = fragment.text, fragment.startchar
        for token in fragment.matches:
            if token.startchar > pos:
                spans.append(Span(text[pos : token.startchar]))
            spans.append(Span(text[token.startchar : token.endchar], True))
            pos = token.endchar
        if pos < fragment.endchar:
            spans.append(Span(text[pos : fragment.endchar]))
        for span in spans:
            span.text = _WHITESPACE.sub(" ", span.text)
        if fragment.startchar > 0 and spans and not spans[0].match:
            head = spans[0].text
            spans[0].text = "… " + (head.split(" ", 1)[1] if " " in head else "").lstrip()
        if fragment.endchar < len(text) and spans and not spans[-1].match:
            tail = spans[-1].text
            spans[-1].text = (tail.rsplit(" ", 1)[0] if " " in tail else "").rstrip() + " …"
        return [span for span in spans if span.text]

    def format(self, fragments, replace=False):
        return [self.format_fragment(f) for f in fragments]


def _head(stem: str) -> str:
    """Letters that every word with this stem contains: its first four, but never its last
    (the stemmer turns a final "y" into "i": "they" -> "thei")."""
    return stem[: max(1, min(4, len(stem) - 1))]


class _HighlightTokens:
    """The body analyzer's tokens for highlighting, cheaply: the same words at the same offsets,
    but only a word that could be one of ``terms`` (same first two letters: stemming changes
    endings only) goes through the stemmer; any other keeps its lowercase form, which no term
    equals. Whoosh's filter chain on every word of every hit was half of a search's time."""

    def __init__(self, analyzer, terms: set[str], reach: int | None = None):
        tokenizer, stemmer = analyzer.items[0], analyzer.items[-1]
        self.pattern = tokenizer.expression
        self.stem = stemmer._stem
        self.ignore = stemmer.ignore
        self.heads = {term[:2] for term in terms}
        # with ``reach``, only words within that many characters of a possible match (a stem's
        # first letters) are produced: no fragment can hold the others
        self.reach = reach
        heads = sorted({_head(t) for t in terms}, key=len, reverse=True)
        self.near = re.compile("|".join(re.escape(h) for h in heads))

    def _stretches(self, text: str) -> list[tuple[int, int]]:
        if self.reach is None or len(text) <= 4 * self.reach:
            return [(0, len(text))]
        stretches: list[tuple[int, int]] = []
        for match in self.near.finditer(text.lower()):
            start, stop = max(0, match.start() - self.reach), match.end() + self.reach
            if stretches and start <= stretches[-1][1]:
                stretches[-1] = (stretches[-1][0], stop)
            else:
                stretches.append((start, stop))
        return stretches

    @classmethod
    def fits(cls, analyzer) -> bool:
        items = getattr(analyzer, "items", [])
        return len(items) > 1 and isinstance(items[0], RegexTokenizer) and isinstance(items[-1], StemFilter)

    def __call__(self, text: str, **options):
        token = Token(chars=True, removestops=False)
        done = 0
        for start, stop in self._stretches(text):
            # from the start of the word the stretch begins in (words never straddle two stretches)
            start = max(done, text.rfind(" ", 0, start) + 1)
            for match in self.pattern.finditer(text, start, stop):
                word = match.group(0).lower()
                if word[:2] in self.heads and word not in self.ignore:
                    word = self.stem(word)
                token.text, token.startchar, token.endchar, token.stopped = word, match.start(), match.end(), False
                done = match.end()
                yield token
