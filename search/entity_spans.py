"""Organisation names found by their shape in the article text, where the model missed or split them.

Runs at resolution time over the text the mentions were cached for (no NER run). A span found here
replaces every model mention it overlaps ("Bell Inc" inside "Cincinnati Bell Inc", PERSON "Arthur
Andersen and Co", GPE "Indiana" + ORG "Michigan Electric Co").

* **Legal form.** A run of capitalised words ending in a legal form is a company ("Secom General
  Corp", "Dillon, Read and Co Inc", "Thompson Medical co Inc"). Inside a run: "and"/"&" and
  name particles ("Standard and Poor's Corp", "Pierson, Heldring en Pierson"), "of" after an
  institution word ("Bank of New England Corp"). A run is cut where its left part is a name of
  its own in the article (written there without what follows: "Chrysler" of "Chrysler and
  American Motors Corp", "Japan" of "Japan's Sony Corp"); leading function words go ("The").
* **Institution word.** A run of capitalised words ending in a word that names a kind of
  institution, or such a word followed by "of" and a name ("Singapore High Court", "Bank of
  Japan", "Office of Management and Budget", "Group of Seven").
* **Wire conventions** (:mod:`search.entity_wire`): names between angle brackets, and company
  names in all-capitals headlines, flagged so the resolution step does not drop them as shouted
  words.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

from .entities import Mention
from .entity_names import CORPORATE_SUFFIXES
from .entity_runs import INSTITUTION_WORDS, Span, runs
from .entity_wire import bracketed_names, headline_names

#: A legal form or institution word somewhere in a block: only then can it hold a run.
_ENDINGS = re.compile(r"\b(?i:{}|l\.p|s\.a|n\.v|b\.v|s\.p\.a)\b".format(
    "|".join(sorted(CORPORATE_SUFFIXES | INSTITUTION_WORDS))))
_ENDING_WORDS = CORPORATE_SUFFIXES | INSTITUTION_WORDS
_DOTTED_ENDINGS = ("l.p", "s.a", "n.v", "b.v", "s.p.a")
_WORD_RUN = re.compile(r"\w+")


def _has_ending(block: str) -> bool:
    """Whether :data:`_ENDINGS` is found in ``block``. The regular expression tries its ~70 words
    at every position; in ASCII text (where its ``\\w`` and case-blindness are plain ASCII
    ones) the same answer comes from the block's words, lower-cased, as a set."""
    if not block.isascii():
        return _ENDINGS.search(block) is not None
    lowered = block.lower()
    if not _ENDING_WORDS.isdisjoint(_WORD_RUN.findall(lowered)):
        return True
    return any(dotted in lowered for dotted in _DOTTED_ENDINGS) and _ENDINGS.search(block) is not None


#: A line at least this long and not ending a sentence was wrapped: the next line continues it
#: (Reuters' "Public Service\nCo of Indiana Inc").
WRAPPED_LINE = 40


def _blocks(text: str) -> list[tuple[int, str]]:
    """``(offset, text)`` of the lines of a text, wrapped lines joined to the next one; a line in
    capitals (a headline) stays alone."""
    blocks: list[tuple[int, str]] = []
    offset = 0
    joinable = False
    for line in text.split("\n"):
        if line.strip():
            if joinable and not line.isupper():
                start, previous = blocks[-1]
                blocks[-1] = (start, f"{previous}\n{line}")
            else:
                blocks.append((offset, line))
            joinable = (len(line) >= WRAPPED_LINE and not line.isupper()
                        and not line.rstrip().endswith((".", "!", "?", ":", '"')))
        else:
            joinable = False
        offset += len(line) + 1
    return blocks


def organisation_spans(text: str, title: str) -> list[Span]:
    """Organisation spans of an article text (title, blank line, paragraphs), not overlapping."""
    body = text[len(title):]
    spans = [Span(start, end, name) for start, end, name in bracketed_names(text)]
    for start, block in _blocks(text):
        if block.isupper():
            spans.extend(Span(*found, headline=True) for found in headline_names(start, block, body))
        elif _has_ending(block):
            spans.extend(runs(text, start, block))
    kept: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -(s.end - s.start))):
        if not kept or span.start >= kept[-1].end:
            kept.append(span)
    return kept


def with_organisation_spans(
    text: str, title: str, mentions: Sequence[Mention]
) -> tuple[list[Mention], dict[int, Span]]:
    """The model's mentions with the organisation spans of :func:`organisation_spans` put in, and
    the mentions they overlap taken out; also the spans by start offset."""
    spans = organisation_spans(text, title)
    if not spans:
        return list(mentions), {}
    kept: list[Mention] = []
    starts, ends = [s.start for s in spans], [s.end for s in spans]  # both in order: the spans do not overlap
    for mention in mentions:
        end = mention.start + len(mention.text)
        over = spans[bisect.bisect_right(ends, mention.start):bisect.bisect_left(starts, end)]
        if mention.label == "DATE" or not over:
            kept.append(mention)
            continue
        # the parts of a mention outside the spans stay ("Paul Volcker" of "Board Chairman Paul Volcker")
        before = mention.text[:over[0].start - mention.start] if over[0].start > mention.start else ""
        after_at = over[-1].end - mention.start
        after = mention.text[after_at:] if over[-1].end < end else ""
        for part, at in ((before, mention.start), (after, mention.start + after_at)):
            stripped = part.strip(" ,;:-")
            if stripped.startswith(("'s ", "’s ")):
                stripped = stripped[3:]
            if mention.label == "PERSON" and len(stripped.split()) >= 2 and all(
                    w[:1].isupper() for w in stripped.split()):
                kept.append(Mention(stripped, mention.label, at + part.index(stripped)))
    added = [Mention(text[s.start:s.end], "ORG", s.start) for s in spans]
    return sorted(kept + added, key=lambda m: m.start), {s.start: s for s in spans}
