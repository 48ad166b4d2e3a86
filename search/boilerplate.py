"""Page furniture among article paragraphs: comment forms, share bars, ads, cookie notices, related
links, copyright lines, and the widgets that talk to the reader (newsletter boxes, sign-up forms and
their messages, tip and contact lines, affiliate disclosures).

Two kinds of rule. Fixed patterns match a whole short paragraph ("Share this:", "3 Comments").
Widget text is recognised by what it does rather than by its wording: it speaks to the reader
("you", "your", an imperative) about the mechanics of a subscription (newsletters, inboxes,
e-mail addresses, privacy terms, a form's success or error message). A news sentence that
mentions a newsletter or subscribers reports on them and does neither.
"""

from __future__ import annotations

import bisect
import re

from .sentences import REPORTED_SPEECH, SENTENCE_END

# Each pattern must match a whole (short) paragraph: an article sentence that merely uses the
# word "share" or "follow" never does.
_BOILERPLATE: list[tuple[str, int, re.Pattern[str]]] = [
    (reason, max_words, re.compile(pattern, re.IGNORECASE))
    for reason, max_words, pattern in [
        ("comment form", 12, r"(leave|post|add|write) a (reply|comment)( to [^.]*)?( cancel reply)?[.:]?"),
        ("comment form", 5, r"(\d+|no) comments?( so far)?[.:]?|comments?( \(\d+\))?[.:]?"),
        (
            "comment form",
            20,
            r"your email address will not be published\.?( required fields are marked \*\.?)?",
        ),
        ("comment form", 8, r"required fields are marked \*\.?"),
        ("comment form", 15, r"(you must be )?logged in to (post|leave) a comment\.?"),
        ("comment form", 8, r"(join|start) the (conversation|discussion)[.!]?"),
        ("newsletter", 20, r"for more \S+(\s\S+)? news and newsletters,? create an account( at)?\b.*"),
        (
            "newsletter",
            25,
            r"(sign up|subscribe|register)( now| today| here)?\s*(for|to)\s.*\bnewsletters?\b.*",
        ),
        ("newsletter", 15, r"subscribe( now| today| here)?( to| for)?\b.*"),
        ("newsletter", 4, r"(sign (me )?up|join|register|get (alerts|updates))( now| today| here| for free)?[.!]?"),
        ("newsletter", 20, r"(get|receive) (our|the) [^.]*newsletter[^.]*\.?"),
        ("share bar", 12, r"share( this| the)?( article| story| page| post)?(\s*:|\s+(on|via|with)\b).*"),
        ("share bar", 3, r"share( this| the)?( article| story| page| post)?[.!:]?"),
        ("share bar", 15, r"follow (us|@\w+|\w+ news) on\b.*"),
        (
            "share bar",
            8,
            r"((facebook|twitter|x|linkedin|whatsapp|email|reddit|pinterest|print|copy link)[\s,|/]*){2,}",
        ),
        (
            "advertisement",
            6,
            r"(advertisement|advertising|sponsored( content)?|ad)[\s:.\-–]*"
            r"(story continues below( advertisement)?)?",
        ),
        ("advertisement", 6, r"(the )?story continues below( this)?( advertisement)?\.?"),
        (
            "advertisement",
            8,
            r"(advertisement|ad)?[\s·:.\-–]*(scroll|continue reading) (to continue|the main story)"
            r"( with (the )?content)?\.?",
        ),
        ("advertisement", 3, r"skip (advertisement|ad)|supported by"),
        (
            "site promotion",
            30,
            r"for (the )?(latest|more|all the latest|breaking) (local )?(news|headlines|updates|stories|coverage)\b.*",
        ),
        (
            "print edition note",
            60,
            r"(a version of this (article|story) (appears|appeared) in print\b"
            r"|this (article|story) (was )?(originally|first) (appeared|published) (in|on|by)\b).*",
        ),
        (
            "cookie notice",
            60,
            r"(we use cookies|this (web)?site uses cookies|by continuing to (use|browse)"
            r"|accept (all )?cookies|cookie (settings|preferences|policy)$)\b.*",
        ),
        (
            "related links",
            5,
            r"(related|read more|more from [\w ]+|recommended( for you)?|you (may|might) also like|most read"
            r"|more stories|see also|also read|trending( now| stories)?|what to read next|further reading"
            r"|most (popular|viewed|shared)|popular (now|stories)|editor'?s picks|top stories"
            r"|more (on|in|about) this (story|topic)"
            r"|related (articles|stories|coverage|content|links|topics))\s*[:.]?",
        ),
        (
            "related links",
            30,
            r"(related|read more|read next|see also|also read|recommended|watch|video|listen|podcast)\s*:.*",
        ),
        (
            "photo credit",
            15,
            r"(image|photo|photograph|picture|illustration)s?( credit)?\s*:.*|\((ap|afp|reuters|getty)\b[^)]*\)",
        ),
        ("call to action", 20, r"(click|tap) here\b.*"),
        ("call to action", 10, r"listen to (this|the) (article|story)\b.*"),
        ("copyright", 40, r"(©|\(c\)|copyright\s*(©|\(c\)|\d{4})).*"),
        ("copyright", 30, r".*\ball rights reserved\.?"),
        ("copyright", 40, r".*\blicensed under (a |the )?creative commons\b.*"),
    ]
]


#: the word limits of the patterns, and for each, whether any pattern allowing that many words matches a
#: whole paragraph: one call rules out most paragraphs
_LIMITS = sorted({max_words for _, max_words, _ in _BOILERPLATE})
_ANY_BOILERPLATE = [
    re.compile("|".join(f"(?:{pattern.pattern})" for _, most, pattern in _BOILERPLATE if most >= limit), re.IGNORECASE)
    for limit in _LIMITS
]


# --- widgets that talk to the reader --------------------------------------------------------------

WIDGET_MAX_WORDS = 45
_WIDGET_CUES = re.compile(
    r"\bnewsletters?\b|\binbox(?:es)?\b|\bmailing list\b|\be-?mail (?:alerts?|updates|briefing)\b"
    r"|\bsubscri(?:be|bed|bing|ption)\b|\bsign(?:ing|ed)?[ -]?up\b|\bregist(?:er|ering|ration)\b"
    r"|\bopt(?:ed|ing)?[ -](?:in|out)\b|\bunsubscribe\b"
    r"|\be-?mail(?: address)?\b"
    r"|\bprivacy (?:policy|notice|statement|settings)\b|\bterms (?:of (?:use|service)|and conditions)\b"
    r"|\brecaptcha\b|\bconfirm your\b"
    r"|\berror\b|\bwent wrong\b|\btry again\b|\binvalid\b|\bplease enter\b|\bsuccess\b"
    # paywalls, membership and app prompts
    r"|\blog(?:ged)? ?in\b|\bsign(?:ed)? in\b|\bfree articles?\b|\bunlimited (?:digital )?access\b"
    r"|\bsubscribers?[- ]only\b|\bcreate (?:a free |an )?account\b|\bbecome a (?:member|subscriber|supporter)\b"
    r"|\bsupport (?:our|independent|local|quality) journalism\b|\bdonat(?:e|ion)\b|\bapp store\b|\bgoogle play\b"
    r"|\btax[- ]deductible\b|\breaders like you\b|\bmembership\b"
    r"|\bbriefing\b|\b(?:get|receive) (?:our|the) free\b|\b(?:don'?t|don’t|never) miss\b"
    r"|\bgift (?:this )?articles?\b|\bcheck your (?:e-?mail|inbox)\b|\benter your e-?mail\b"
    r"|\b(?:news|breaking news|push) alerts?\b|\bdownload (?:the|our) (?:[\w’'&-]+ ){0,3}app\b",
    re.IGNORECASE,
)
# cues that on their own, in a short line addressed to the reader, make it a widget
_STRONG_CUES = re.compile(
    r"newsletter|inbox|unsubscribe|e-?mail address|privacy (?:policy|notice)|terms of (?:use|service)|recaptcha"
    r"|mailing list|e-?mail (?:alerts?|updates)|free articles?|unlimited (?:digital )?access|already a subscriber"
    r"|become a (?:member|subscriber|supporter)|support (?:our|independent|local|quality) journalism"
    r"|app store|google play|readers like you|tax[- ]deductible"
    r"|thanks?(?: you)? for (?:signing up|subscribing|registering|joining)|gift (?:this )?articles?"
    r"|check your (?:e-?mail|inbox)|enter your e-?mail|download (?:the|our) (?:[\w’'&-]+ ){0,3}app",
    re.IGNORECASE,
)
_TO_THE_READER = re.compile(
    r"\byou(?:r|rs|'re|’re|'ll|’ll)?\b"
    r"|^(?:get|sign|subscribe|enter|join|don'?t miss|don’t miss|never miss|stay|thanks|thank|be the first"
    r"|want|like|love|start|receive|try|keep up|already|log|download|support|donate|give|become|help"
    r"|contribute|register|create)\b|\bplease\b",
    re.IGNORECASE,
)
_TIP = re.compile(
    r"\b(?:have|got) a (?:news |story )?tip\b|^(?:please )?send (?:us )?(?:a |your )?(?:news |story )?tips?\b",
    re.IGNORECASE,
)
_REACH = re.compile(
    r"\b(?:can|may) be reached\b"
    r"|\b(?:reach|contact|email|e-mail|write to|follow) (?:him|her|them|me|us"
    r"|the (?:author|reporter|writer|editors?))\b",
    re.IGNORECASE,
)
# where to reach a writer: an e-mail address, a handle or a social network (a phone number alone
# is as likely a hotline the story gives its readers)
_ADDRESS = re.compile(
    r"[\w.+-]+@[\w-]+\.[\w.]+|(?<!\w)@\w{2,}"
    r"|\bon (?:x|twitter|bluesky|instagram|threads|mastodon|linkedin|facebook|signal)\b",
    re.IGNORECASE,
)
_AFFILIATE = re.compile(
    r"\bwe (?:may |might |could |will )?(?:earn|receive|get|make)\b[^.]*\b(?:commissions?|compensation|affiliate)\b"
    r"|\baffiliate (?:links?|commissions?|partners?|programs?)\b[^.]*\b(?:we|us|our)\b"
    r"|\b(?:we|us|our)\b[^.]*\baffiliate (?:links?|commissions?|partners?|programs?)\b",
    re.IGNORECASE,
)


# Every widget pattern above needs one of these words (lower case): most article paragraphs hold
# none, and a set intersection is far cheaper than the patterns. Keep in step with the patterns.
_WIDGET_WORDS = frozenset(
    re.findall(
        r"\S+",
        "newsletter newsletters inbox inboxes email e-mail emails mailing subscribe subscribed subscribing "
        "subscription subscriptions unsubscribe sign signing signed sign-up signup register registering "
        "registration opt opted opting opt-in opt-out privacy terms recaptcha confirm error wrong again "
        "invalid please success log login logged log-in free unlimited create become journalism donate "
        "donation donations app google download deductible tax-deductible readers subscriber subscribers "
        "membership briefing miss gift alert alerts tip tips reached reach contact write follow commission "
        "commissions compensation affiliate",
    )
)
_GATE_WORD = re.compile(r"[a-z@][a-z-]*")  # "newsletter's" gives "newsletter"

_CASE_BLIND = (_TIP, _REACH, _ADDRESS, _AFFILIATE, _WIDGET_CUES, _STRONG_CUES, REPORTED_SPEECH, _TO_THE_READER)
#: the same patterns for lower-cased ASCII text, where they match the same spans without folding case
#: (faster): their letters are all lower case
_LOWERED_ASCII = tuple(re.compile(p.pattern, p.flags & ~re.IGNORECASE) for p in _CASE_BLIND)


def widget_reason(paragraph: str) -> str | None:
    """The kind of reader-facing widget text ``paragraph`` is (newsletter, contact line, affiliate disclosure)."""
    text = paragraph.strip()
    words = len(text.split())
    if not text or words > WIDGET_MAX_WORDS:
        return None
    lowered = text.lower()
    if _WIDGET_WORDS.isdisjoint(_GATE_WORD.findall(lowered)):
        return None
    patterns = _CASE_BLIND
    if text.isascii():
        text, patterns = lowered, _LOWERED_ASCII
    tip, reach, address, affiliate, widget_cues, strong_cues, reported_speech, to_the_reader = patterns
    if tip.search(text) or (reach.search(text) and address.search(text)):
        return "contact line"
    if affiliate.search(text):
        return "affiliate disclosure"
    cues = {m.group(0).casefold() for m in widget_cues.finditer(text)}
    if not cues:
        return None
    if words <= 6 and not SENTENCE_END.search(text) and strong_cues.search(text):
        return "newsletter"  # a widget's title: "Pick Six Newsletter"
    if reported_speech.search(text):
        return None
    if len(cues) >= 3 or (len(cues) == 2 and words <= 5):
        # "protected by reCAPTCHA and the Privacy Policy and Terms of Service apply", "Invalid email"
        return "newsletter"
    if not to_the_reader.search(text):
        return None
    if len(cues) >= 2 or (words <= 15 and strong_cues.search(text)):
        return "newsletter"
    return None


_LINK_SEPARATORS = re.compile(r"\s+[|•·∙]\s+|\s*[|•∙]\s*")
LINK_BAR_MIN_LINKS = 3
LINK_BAR_MAX_WORDS_PER_LINK = 4


def is_link_bar(paragraph: str) -> bool:
    """A row of short links: "Order Reprints | Today's Paper | Subscribe", "Home · News · Sport".

    Not a table row: a Markdown row starts or ends with ``|``, and figures are not link labels.
    """
    text = paragraph.strip()
    if not any(c in text for c in "|•·∙") or text.startswith("|") or text.endswith("|"):
        return False
    parts = _LINK_SEPARATORS.split(text)
    return len(parts) >= LINK_BAR_MIN_LINKS and all(
        p[:1].isalpha()
        and not any(c.isdigit() for c in p)
        and len(p.split()) <= LINK_BAR_MAX_WORDS_PER_LINK
        and not SENTENCE_END.search(p)
        for p in parts
    )


WIDGET_REASON = "boilerplate: newsletter"
WIDGET_TITLE_MAX_WORDS = 5
#: furniture lines after a short line that make it the name of a sign-up box
WIDGET_BOX_MIN_LINES = 2


def is_widget_title(line: str) -> bool:
    """Short enough, and unpunctuated enough, to be the name on a sign-up box ("Weekend Reads")."""
    return len(line.split()) <= WIDGET_TITLE_MAX_WORDS and not SENTENCE_END.search(line.strip())


# --- the verdict ---------------------------------------------------------------------------------


def boilerplate_reason(paragraph: str) -> str | None:
    """Why ``paragraph`` is page furniture rather than article text, or None."""
    text = paragraph.strip()
    words = len(text.split())
    tier = bisect.bisect_left(_LIMITS, words)  # the patterns allowing this many words
    if tier < len(_LIMITS) and _ANY_BOILERPLATE[tier].fullmatch(text):
        for reason, max_words, pattern in _BOILERPLATE:
            if words <= max_words and pattern.fullmatch(text):
                return f"boilerplate: {reason}"
    if is_link_bar(text):
        return "boilerplate: link bar"
    widget = widget_reason(text)
    return f"boilerplate: {widget}" if widget else None


def boilerplate_reasons(paragraphs: list[str]) -> list[str | None]:
    """:func:`boilerplate_reason` of each paragraph, with the box lines only their neighbours reveal."""
    reasons = [boilerplate_reason(p) for p in paragraphs]
    for i, text in enumerate(paragraphs):
        # a sign-up box's name ("The Morning Brief") above its pitch and form lines, or a short
        # message between two of them ("Oops!"), goes with them; one plug after a subheading
        # leaves the subheading alone
        if reasons[i] is not None or len(text.split()) > WIDGET_TITLE_MAX_WORDS:
            continue
        box = reasons[i + 1 : i + 1 + WIDGET_BOX_MIN_LINES]
        heads_a_box = (
            is_widget_title(text) and len(box) == WIDGET_BOX_MIN_LINES and box[0] == WIDGET_REASON and all(box)
        )
        inside_a_box = (
            not is_widget_title(text)  # a message ("Oops!"), not a subheading
            and 0 < i < len(paragraphs) - 1
            and reasons[i - 1] == reasons[i + 1] == WIDGET_REASON
        )
        if heads_a_box or inside_a_box:
            reasons[i] = f"{WIDGET_REASON} title" if heads_a_box else WIDGET_REASON
    return reasons


_CALL_TO_ACTION = re.compile(
    r"(?:click|tap|watch|listen|read|view|download|shop|buy|follow|subscribe|sign up|share|learn more"
    r"|see (?:more|all|the full|our)|check out|get the app)\b.*",
    re.IGNORECASE,
)


def is_call_to_action(paragraph: str) -> bool:
    """A short line that sends the reader somewhere ("Click here for live updates", "Watch the video")."""
    return len(paragraph.split()) <= 12 and bool(_CALL_TO_ACTION.fullmatch(paragraph.strip()))
