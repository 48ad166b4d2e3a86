"""Named entities, step 2 of 3, per article: its raw mentions -> cleaned items (:class:`Item`).

Each mention is cleaned on its own (:mod:`search.entity_names`), after two fixes that need the
article's text: a subject slug opening the headline is cut off a mention it runs into ("Skiing-
Austrian Brunner"), and a party tagged in two halves is one ("Liberal" + "Democrats"). A mention
in an all-capitals line is marked shouted; a person's honorific and title are kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from .entities import Mention
from .entity_names import (
    Item,
    clean_org,
    clean_person,
    clean_place,
    honorific,
    person_title,
    surface_form,
)

FACET_OF_LABEL = {"PERSON": "person", "ORG": "org", "GPE": "place", "LOC": "place"}
#: Well-known forms of political parties (casefolded), tagged as nationalities or organisations.
PARTY_FORMS = {
    "republican": "Republican Party", "republicans": "Republican Party", "gop": "Republican Party",
    "democrat": "Democratic Party", "democrats": "Democratic Party",
    "conservative": "Conservative Party", "conservatives": "Conservative Party", "tory": "Conservative Party",
    "tories": "Conservative Party", "labour": "Labour Party",
    "liberal democrat": "Liberal Democrats", "liberal democrats": "Liberal Democrats",
    "lib dem": "Liberal Democrats", "lib dems": "Liberal Democrats",
}

#: A subject slug opening a headline: "Skiing-Austrian Brunner wins", "SOCCER - Bolton beat Everton".
#: A hyphen alone marks a slug only after a desk word: "Coca-Cola" and "Rolls-Royce" open headlines too.
_DESKS = ("soccer|football|cricket|rugby|tennis|golf|skiing|athletics|cycling|boxing|motor racing|"
          "motorracing|formula one|basketball|baseball|hockey|swimming|racing|squash|sailing|rowing|"
          "snooker|darts|olympics|sport|sports|business|markets?|politics|world|finance|economy")
_WORD_BEFORE = re.compile(r"([A-Z][\w-]*)\s+$")
_SLUG = re.compile(rf"(?:[A-Z][A-Za-z]+(?: - |: )|(?i:{_DESKS})-)(?=[A-Z])")


def clean_mentions(text: str, mentions: Sequence[Mention], merged: Callable[[str], str]) -> list[Item]:
    """The entity mentions of one article text (not DATE), cleaned one by one; ``merged`` applies
    the aliases file's merges."""
    items: list[Item] = []
    slug = _SLUG.match(text)
    line = (-1, False)  # the start of the line of the last mention, and whether it is in capitals
    for mention in sorted(mentions, key=lambda m: m.start):
        if slug and mention.start < slug.end() < mention.start + len(mention.text):
            cut = slug.end() - mention.start  # "Skiing-Austrian Brunner" -> "Austrian Brunner"
            mention = Mention(mention.text[cut:], mention.label, slug.end())
        if mention.label == "DATE" or "\n\n" in mention.text.strip():
            continue  # a span across a paragraph break is a tagging error ("HEADLINE\n\nThe Du Pont Co")
        facet = FACET_OF_LABEL.get(mention.label, "")
        party = PARTY_FORMS.get(surface_form(mention.text).casefold())
        if party and (before := _WORD_BEFORE.search(text, max(0, mention.start - 20), mention.start)) \
                and before.group(1) not in ("The", "A", "An"):
            at = mention.start - len(before.group())
            party = PARTY_FORMS.get(f"{before.group(1)} {surface_form(mention.text)}".casefold())
            if party:  # "Liberal" + "Democrats" tagged apart: one party
                mention = Mention(text[at:mention.start + len(mention.text)], mention.label, at)
                items = [i for i in items if i.start != at]
            # else "Christian Democrats": part of another name
        if party:  # "the Republicans", "Lib Dems": the party, whatever the model's label
            facet, name = "org", party
        elif facet == "person":
            name = clean_person(mention.text)
        elif facet == "org":
            name = clean_org(mention.text, text[max(0, mention.start - 60):mention.start])
        else:  # places, and NORP/FAC kept as possible people
            name = clean_place(mention.text)
        if not name:
            continue
        line_start = text.rfind("\n", 0, mention.start) + 1
        if line_start != line[0]:  # mentions come in order: a line is looked at once
            line_end = text.find("\n", mention.start)
            line = (line_start, text[line_start:line_end if line_end >= 0 else len(text)].isupper())
        shouted = line[1]
        person = facet == "person"
        items.append(Item(
            facet, mention.label, merged(name), surface_form(mention.text), mention.start,
            mention.start + len(mention.text), shouted=shouted,
            honorific=honorific(mention.text) if person else "",
            title=person_title(mention.text, text, mention.start) if person else "",
        ))
    return items
