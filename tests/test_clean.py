import datetime as dt
import re

import pytest

from search.boilerplate import boilerplate_reason, widget_reason
from search.clean import (
    clean_paragraphs,
    clean_text,
    derive_title,
    is_title_line,
    normalize_paragraph,
    parse_date,
    split_header,
    split_paragraphs,
)
from search.credits import credits_of
from search.duplicates import containment, drop_duplicates, is_contained
from search.sentences import first_sentence

# --- paragraphs -------------------------------------------------------------------------------


def test_blank_line_paragraphs_join_wrapped_lines():
    text = "First paragraph line one\nline two.\n\n  \nSecond paragraph.\n"
    assert split_paragraphs(text) == ["First paragraph line one line two.", "Second paragraph."]


def test_single_newlines_give_one_paragraph_per_line():
    text = "One full sentence here.\n'A subheading'\nAnother full sentence here."
    assert split_paragraphs(text) == [
        "One full sentence here.",
        "'A subheading'",
        "Another full sentence here.",
    ]


def test_newswire_indented_paragraphs_are_joined_across_wrapped_lines():
    text = (
        "Standard Oil Co and BP North America\nInc said they plan to form a venture.\n"
        "    BP North America is a subsidiary of British Petroleum Co\nPlc <BP>, which owns 55 pct.\n"
        "    The venture will be called BP/Standard."
    )
    assert split_paragraphs(text) == [
        "Standard Oil Co and BP North America Inc said they plan to form a venture.",
        "BP North America is a subsidiary of British Petroleum Co Plc <BP>, which owns 55 pct.",
        "The venture will be called BP/Standard.",
    ]


def test_hard_wrapped_text_without_blank_lines_is_one_paragraph():
    text = "The council voted on Thursday to\nturn the disused rail yard into\na public park after a\ndecade."
    assert split_paragraphs(text) == [
        "The council voted on Thursday to turn the disused rail yard into a public park after a decade."
    ]


def test_normalize_paragraph_keeps_curly_quotes_and_strips_controls():
    assert normalize_paragraph("  “Lowest\tpoint”\x07 since\u00a0 1979 \x0c") == "“Lowest point” since 1979"


def test_crlf_and_form_feeds_do_not_break_paragraphs():
    assert split_paragraphs("A first one.\r\n\r\nA second\x0c one.\r\n") == ["A first one.", "A second one."]


# --- header, dates ----------------------------------------------------------------------------


def test_glued_date_header_is_split_off():
    header, rest = split_header(" date 2023-06-18 Blinken's original travel plans were disrupted.\n\nMore.")
    assert header.date == dt.date(2023, 6, 18)
    assert header.date_source == "header"
    assert rest.startswith("Blinken's original")


def test_keyed_header_lines():
    text = (
        "Title: Port votes on wind farm\nDate: 2024-03-12\nBy: Maria Okafor and Tom Reyes\n"
        "Source: Coastal Ledger\n\nBody."
    )
    header, rest = split_header(text)
    assert header.title == "Port votes on wind farm"
    assert header.date == dt.date(2024, 3, 12)
    assert header.authors == ["Maria Okafor", "Tom Reyes"]
    assert header.source == "Coastal Ledger"
    assert rest.strip() == "Body."


def test_byline_date_and_by_line():
    header, rest = split_header("By Priya Raman\nPublished June 18, 2023\n\nThe library reopened.")
    assert header.authors == ["Priya Raman"]
    assert header.date == dt.date(2023, 6, 18)
    assert header.date_source == "byline"
    assert rest.strip() == "The library reopened."


def test_sentence_starting_with_by_is_not_a_byline():
    header, rest = split_header("By Monday the two sides had agreed to talk again.\n\nMore.")
    assert header.authors == []
    assert rest.startswith("By Monday")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-06-18", dt.date(2023, 6, 18)),
        ("June 18, 2023", dt.date(2023, 6, 18)),
        ("Jun. 18, 2023", dt.date(2023, 6, 18)),
        ("18 June 2023", dt.date(2023, 6, 18)),
        ("September 3rd, 2021", dt.date(2021, 9, 3)),
        ("2023-02-30", None),
        ("no date here", None),
    ],
)
def test_parse_date(text, expected):
    assert parse_date(text) == expected


# --- title ------------------------------------------------------------------------------------


def test_title_line_rules():
    assert is_title_line("Blinken meets Jinping in final day of high stakes Beijing visit")
    assert is_title_line("Will Xi meet Blinken?")
    assert not is_title_line("But diplomats see a meeting likely with Xi.")
    assert not is_title_line(" ".join(["word"] * 21))


def test_first_sentence_is_not_fooled_by_abbreviations():
    text = "U.S. Secretary of State Antony Blinken met Mr. Wang in Beijing. Talks lasted hours."
    assert first_sentence(text) == "U.S. Secretary of State Antony Blinken met Mr. Wang in Beijing."


def test_derive_title_short_sentence_loses_its_full_stop():
    assert (
        derive_title("Blinken landed in Beijing on Sunday. He met Qin.")
        == "Blinken landed in Beijing on Sunday"
    )


def test_derive_title_cuts_long_sentence_at_a_clause_or_word_boundary():
    long = (
        "US Secretary of State Antony Blinken opened talks with China's top envoy Monday and could "
        "potentially meet President Xi Jinping, on the final day of a trip to Beijing aimed at improving "
        "severely strained ties."
    )
    title = derive_title(long)
    assert title == (
        "US Secretary of State Antony Blinken opened talks with China's top envoy Monday and could "
        "potentially meet President Xi Jinping"
    )
    no_commas = "word " * 60
    cut = derive_title(no_commas.strip() + ".")
    assert cut.endswith("…") and len(cut) <= 141 and " wor…" not in cut


def test_clean_text_with_title_line():
    result = clean_text("A short headline here\n\nFirst paragraph of the story.\n\nSecond one.")
    assert result.title == "A short headline here"
    assert not result.title_derived
    assert result.paragraphs == ["First paragraph of the story.", "Second one."]


def test_clean_text_derives_title_and_keeps_first_paragraph():
    result = clean_text("The council voted on Thursday. It was late.\nSecond paragraph here.")
    assert result.title == "The council voted on Thursday"
    assert result.title_derived
    assert result.paragraphs[0] == "The council voted on Thursday. It was late."


def test_known_title_repeated_at_top_of_body_is_removed():
    result = clean_text("PORT VOTES\n\nThe port voted.", title="Port votes")
    assert result.paragraphs == ["The port voted."]


# --- boilerplate ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("paragraph", "kind"),
    [
        ("Leave a Reply", "comment form"),
        ("Leave a Reply Cancel reply", "comment form"),
        ("Your email address will not be published. Required fields are marked *", "comment form"),
        ("Post a comment", "comment form"),
        ("3 Comments", "comment form"),
        ("For more CNN news and newsletters create an account at", "newsletter"),
        ("For more CNN news and newsletters create an account at CNN.com", "newsletter"),
        ("Sign up for our newsletter", "newsletter"),
        ("Subscribe to The Morning Briefing", "newsletter"),
        ("Share this:", "share bar"),
        ("Share on Facebook Twitter", "share bar"),
        ("Share: Facebook Twitter Email", "share bar"),
        ("Share this article via WhatsApp", "share bar"),
        ("Facebook Twitter Email", "share bar"),
        ("Follow us on Twitter and Instagram", "share bar"),
        ("Advertisement", "advertisement"),
        ("Story continues below advertisement", "advertisement"),
        (
            "We use cookies to improve your experience. By continuing you agree to our policy.",
            "cookie notice",
        ),
        ("Related articles", "related links"),
        ("Read more: County approves flood barrier plan", "related links"),
        ("Recommended", "related links"),
        ("© 2023 Cable News Network. A Warner Bros. Discovery Company.", "copyright"),
        ("Copyright 2023 Riverside Weekly.", "copyright"),
        ("Riverside Weekly Media. All rights reserved.", "copyright"),
    ],
)
def test_boilerplate_is_recognised(paragraph, kind):
    assert boilerplate_reason(paragraph) == f"boilerplate: {kind}"


@pytest.mark.parametrize(
    "paragraph",
    [
        "Shares of the utility partner rose 3 percent in early trading on Tuesday after the vote.",
        "Havvind said it would share survey data with the cooperative.",
        "Share prices in Hong Kong fell sharply on Monday.",
        "Follow-up talks are expected in Washington later this year.",
        "He followed the review since it began and said others should follow his lead.",
        "Subscribers to the service complained about the price rise, the company said.",
        "Readers who subscribe to the newspaper's print edition will see the change next week.",
        "The ruling on copyright infringement could cost the company millions.",
        "Comments by the minister drew criticism from the opposition.",
        "Related talks between the two sides ended without agreement.",
        "Recommended changes to the law were published on Friday by the commission.",
        "The advertisement campaign, which ran for six weeks, was withdrawn after complaints.",
        "Regulators said the cookie policy changes would affect millions of websites next year.",
        "Leave a reply to the ministry's letter was not expected before Monday, officials said.",
    ],
)
def test_news_sentences_are_not_boilerplate(paragraph):
    assert boilerplate_reason(paragraph) is None


# --- credits ----------------------------------------------------------------------------------


def test_outlet_credit_line():
    line = "CNN’s Philip Wang, Jennifer Hansler, Nectar Gan and Martha Zhou contributed to this report."
    assert credits_of(line) == ["Philip Wang", "Jennifer Hansler", "Nectar Gan", "Martha Zhou"]


def test_reporting_by_editing_by():
    assert credits_of("Reporting by Jane Doe and John Smith; Editing by Mark Potter") == [
        "Jane Doe",
        "John Smith",
    ]
    assert credits_of("Additional reporting by Ana Ruiz in Madrid") == ["Ana Ruiz"]
    assert credits_of(
        "Reporting by Yew Lun Tian in Beijing; Writing by Ben Blanchard; Editing by Kim Coghill"
    ) == [
        "Yew Lun Tian",
        "Ben Blanchard",
    ]


def test_sentences_are_not_credits():
    assert credits_of("The report was contributed to by many analysts who asked not to be named.") is None
    assert (
        credits_of("Reporting by the state media has been scarce since the summit began last week.")
        is None
    )
    assert credits_of("Blinken said the talks contributed to this report's conclusions.") is None


def test_clean_paragraphs_moves_credits_to_contributors():
    cleaned = clean_paragraphs(["Some story text here.", "Reporting by Jane Doe; Editing by Mark Potter"])
    assert cleaned.paragraphs == ["Some story text here."]
    assert cleaned.contributors == ["Jane Doe"]
    assert cleaned.dropped[0].reason == "reporter credit"


# --- duplicates -------------------------------------------------------------------------------

TEASER = (
    "Blinken's original travel plans for February were disrupted by news of an alleged Chinese spy balloon "
    "flying over U.S. airspace."
)
FULLER = (
    "His original travel plans for February were disrupted by news of an alleged Chinese spy balloon flying "
    "over U.S. airspace. The U.S. ultimately shot down the alleged spy balloon."
)


def test_containment_of_a_teaser():
    words, pairs = containment(TEASER, FULLER)
    assert words > 0.9 and pairs > 0.9
    assert is_contained(TEASER, FULLER)
    assert not is_contained(FULLER, TEASER)


def test_unrelated_paragraphs_are_not_contained():
    other = (
        "Expectations for a significant recovery in the U.S.-China relationship remain low, officials said."
    )
    assert not is_contained(other, FULLER)


def test_different_figures_are_different_facts():
    short = (
        "It said it has the option to retire an additional 25,000 shares on any sinking fund payment date."
    )
    long = (
        "The company has the option to retire an additional 100,000 shares on any sinking fund payment date, "
        "it said."
    )
    assert not is_contained(short, long)


def test_drop_duplicates_keeps_first_copy_and_fuller_version_in_place():
    paragraphs = [
        TEASER,
        "Subheading",
        "Middle paragraph with its own words about the talks.",
        FULLER,
        "Middle  paragraph with its own words about the TALKS.",
        "Subheading",
    ]
    keep, dropped = drop_duplicates(paragraphs)
    assert keep == [1, 2, 3, 5]  # the repeated short subheading is not a duplicate worth removing
    assert [d.reason for d in dropped] == ["contained in paragraph 3", "duplicate of paragraph 2"]


def test_short_paragraphs_are_not_eaten_by_containment():
    keep, _ = drop_duplicates(
        ["'A real conversation'", "This was a real conversation about many things, he said."]
    )
    assert keep == [0, 1]


def test_table_rows_are_not_deduplicated():
    rows = [
        "Shr 17 cts vs 13 cts",
        "Avg shrs 4,350,000 vs 3,217,500",
        "Nine mths",
        "Avg shrs 4,350,000 vs 3,217,500",
    ]
    keep, _ = drop_duplicates(rows)
    assert keep == [0, 1, 2, 3]


# --- widgets that talk to the reader ----------------------------------------------------------


@pytest.mark.parametrize(
    ("paragraph", "kind"),
    [
        ("Pick Six Newsletter", "newsletter"),
        ("The Politics Memo newsletter", "newsletter"),
        ("Thanks for signing up!", "newsletter"),
        ("Thank you for subscribing.", "newsletter"),
        ("There was an error processing your subscription.", "newsletter"),
        ("Something went wrong. Please try again later.", "newsletter"),
        ("Please enter a valid email address.", "newsletter"),
        ("Get the latest updates right in your inbox. Subscribe to the Ledger's newsletters.", "newsletter"),
        ("Breaking news from your neighbourhood, sent as it happens, straight to your inbox.", "newsletter"),
        ("By signing up, you agree to our Terms of Use and Privacy Policy.", "newsletter"),
        ("You can unsubscribe at any time.", "newsletter"),
        ("We will never share your email address with third parties.", "newsletter"),
        ("This site is protected by reCAPTCHA and the Google Privacy Policy and Terms of Service apply.", "newsletter"),
        ("Already a subscriber? Log in for unlimited access.", "newsletter"),
        ("You have two free articles left this month.", "newsletter"),
        ("Join now", "newsletter"),
        ("Invalid email", "newsletter"),
        ("Most popular", "related links"),
        ("More on this story", "related links"),
        ("Video: Crews battle the fire overnight", "related links"),
        ("Photo: Jane Doe / Getty Images", "photo credit"),
        ("(AP Photo/Mark Lennihan)", "photo credit"),
        ("Have a tip? Dana Whitfield may be reached at dwhitfield@courier.example.", "contact line"),
        ("Send us a news tip.", "contact line"),
        ("Maria Okafor can be reached at 555-0142. Follow her on X @mokafor.", "contact line"),
        ("We may earn a commission when you buy through links on our site.", "affiliate disclosure"),
        ("Click here for live updates on the storm", "call to action"),
        ("Support independent journalism: become a member today.", "newsletter"),
        ("We are funded by readers like you. Make a tax-deductible gift before midnight.", "newsletter"),
        ("Never miss a story: get our free Evening Briefing at 6pm.", "newsletter"),
        ("This story is licensed under a Creative Commons Attribution 4.0 licence.", "copyright"),
        ("As a subscriber, you can gift articles to anyone each month.", "newsletter"),
        ("Almost there! Check your inbox to confirm.", "newsletter"),
        ("Advertisement - Scroll to continue", "advertisement"),
        ("Continue reading the main story", "advertisement"),
        (
            "A version of this article appears in print on Oct. 2, 2024, Section A, Page 1 with the headline: Ports"
            " Shut.",
            "print edition note",
        ),
        ("This story was originally published by the Border Tribune.", "print edition note"),
        ("Order Reprints | Today's Paper | Subscribe", "link bar"),
        ("Home · World · Business · Sport", "link bar"),
        ("For the latest news, weather and sports, head to Channel 9.", "site promotion"),
        ("Stay informed: get breaking news alerts on your phone. Download the Channel 9 app.", "newsletter"),
    ],
)
def test_widget_text_is_boilerplate(paragraph, kind):
    assert boilerplate_reason(paragraph) == f"boilerplate: {kind}"


@pytest.mark.parametrize(
    "paragraph",
    [
        "The newsletter, which has 40,000 subscribers, was sold to a media group on Friday.",
        "Subscriptions to the streaming service fell 4 percent in the quarter, the company said.",
        "Readers can sign up for the library's summer reading challenge until June 30.",
        "Residents who want to register to vote must do so by October 5.",
        "You can register to vote online until October 5, the county clerk said.",
        "Officials said they hoped an agreement could be reached by Friday.",
        "The mayor could not be reached for comment.",
        "Privacy campaigners said the new terms of service would let the firm sell users' data.",
        "Brokers earn a commission on every sale, which critics say encourages risky advice.",
        "Police asked anyone with information to call 555-0199.",
        "The app store owner was fined for anti-competitive conduct by regulators in Brussels.",
        "An error in the count delayed the result by two days.",
        "Membership of the union fell by 4 percent last year.",
        "Help came too late for the tenants, who lost their deposits and their membership fees.",
        "The White House briefing was cancelled after the president's trip was extended.",
        "Don't miss the fireworks, the mayor told residents on Friday.",
        "By Maria Okafor | June 18, 2023 | Updated 5 p.m.",
        "| Day | Main | Side |",
        "Q1 2024 | Q2 2024 | Q3 2024",
        "The story was first reported by the Tribune, which obtained the letter.",
        "For more than a decade the station has led the ratings for local news.",
        "The app was downloaded two million times in its first week, the company said.",
        "The county's flood hotline can be reached at 555-0100 around the clock.",
        "Police received a news tip about the stolen van on Tuesday.",
        "Most popular among voters was the plan to cut bus fares for students.",
        "The photograph, taken in 1936, shows the bridge before the flood.",
        "Our investigation found brokers earn a commission on every product they sell, buy or recommend.",
    ],
)
def test_news_about_newsletters_and_subscriptions_is_not_a_widget(paragraph):
    assert widget_reason(paragraph) is None
    assert boilerplate_reason(paragraph) is None


def test_widget_patterns_match_lowered_ascii_text_as_they_match_any_case():
    # widget_reason runs case-sensitive copies of its patterns on lower-cased ASCII text (faster):
    # they must match the very spans the case-blind patterns match in the text as written
    from search.boilerplate import _CASE_BLIND, _LOWERED_ASCII

    texts = [
        "Already a Subscriber? LOG IN for Unlimited Access.", "Have a TIP? Dana may be Reached at d@x.example.",
        "We May Earn a COMMISSION when you buy through Affiliate Links.", "Don't miss: Get our FREE Briefing",
        "You can UNSUBSCRIBE at any time, the Privacy Policy says.", "Follow her on X @mokafor.",
        "Officials SAID they hoped an agreement could be reached", "Download the Channel 9 App",
    ]
    for text in texts + [t.upper() for t in texts] + [t.swapcase() for t in texts]:
        for blind, lowered in zip(_CASE_BLIND, _LOWERED_ASCII, strict=True):
            assert [m.span() for m in blind.finditer(text)] == [m.span() for m in lowered.finditer(text.lower())]
    # which holds because the patterns spell every letter in lower case
    assert not any(re.search(r"(?<!\\)[A-Z]", p.pattern) for p in _CASE_BLIND)


def test_a_sign_up_box_goes_with_its_title_but_a_subheading_stays():
    cleaned = clean_paragraphs(
        [
            "The council voted on Tuesday to keep the pool open through September.",
            "Weekend Reads",
            "Don't miss our best long reads, delivered to your inbox every Saturday.",
            "Sign up",
            "Oops!",  # the form's message, between two lines of the box
            "By signing up you agree to our privacy notice.",
            "What happens next",
            "Want more stories like this? Sign up for our free newsletter.",  # one plug after a subheading
            "The budget committee will meet again in October to review the costs.",
        ]
    )
    assert cleaned.paragraphs == [
        "The council voted on Tuesday to keep the pool open through September.",
        "What happens next",
        "The budget committee will meet again in October to review the costs.",
    ]
    assert [d.reason for d in cleaned.dropped] == [
        "boilerplate: newsletter title",
        "boilerplate: newsletter",
        "boilerplate: newsletter",
        "boilerplate: newsletter",
        "boilerplate: newsletter",
        "boilerplate: newsletter",
    ]


# --- repeats that are content -----------------------------------------------------------------


def test_list_lines_repeated_far_apart_are_content():
    paragraphs = [
        "Monday",
        "Overnight oats with grated apple and cinnamon",
        "A handful of toasted walnuts",
        "Tuesday",
        "Scrambled eggs on whole-wheat toast",
        "A glass of cold milk",
        "Wednesday",
        "Overnight oats with grated apple and cinnamon",
        "A handful of toasted walnuts",
    ]
    keep, dropped = drop_duplicates(paragraphs)
    assert keep == list(range(9)) and dropped == []


def test_the_same_question_put_to_several_people_is_kept():
    paragraphs = [
        "Maya Okonkwo, head chef",
        "What would you cook for someone you love?",
        "Pepper soup, obviously, because it reminds me of my grandmother every time.",
        "Sam Reyes, owner of a taco stall",
        "What would you cook for someone you love?",
        "Barbacoa, cooked overnight, with a lot of lime and fresh tortillas.",
    ]
    keep, _ = drop_duplicates(paragraphs)
    assert keep == list(range(6))


def test_list_line_is_not_contained_in_a_longer_list_line():
    paragraphs = [
        "Plain yogurt with honey and a handful of walnuts",
        "Whole-wheat toast",
        "Tea",
        "Coffee",
        "Plain yogurt with honey and a handful of walnuts and berries",
    ]
    assert drop_duplicates(paragraphs)[0] == [0, 1, 2, 3, 4]


def test_repeats_that_are_not_content_still_go():
    sentence = "The paper said the proposed rules would not cover spot foreign exchange contracts."
    paragraphs = [
        "Free shipping and returns on every order",
        "Free shipping and returns on every order",  # printed twice in a row
        sentence,
        "Traders were cautious ahead of the figures.",
        "The central bank is due to publish its decision on Thursday afternoon.",
        "Click here to see today's price at the retailer",
        "Analysts expect rates to stay on hold until the summer.",
        sentence,  # a reported sentence repeated far apart: a double print, not a list line
        "Click here to see today's price at the retailer",  # a call to action
    ]
    keep, dropped = drop_duplicates(paragraphs)
    assert keep == [0, 2, 3, 4, 5, 6]
    assert [d.reason for d in dropped] == [
        "duplicate of paragraph 1",
        "duplicate of paragraph 2",
        "duplicate of paragraph 5",
    ]


def test_a_short_pull_quote_goes_but_a_short_quoted_subheading_stays():
    body = "“My body doesn’t know it’s retired,” he says, pouring tea in a kitchen that looks out at the sea."
    keep, dropped = drop_duplicates(["“A real conversation”", body, "“My body doesn’t know it’s retired.”"])
    assert keep == [0, 1]
    assert [d.reason for d in dropped] == ["contained in paragraph 2"]


def test_a_text_of_nothing_but_boilerplate_is_no_article(tmp_path):
    from search.extract import article_or_reason
    from search.ingest import iter_records
    from search.models import Skipped

    (tmp_path / "share.txt").write_text("Share this:\n\n3 Comments", encoding="utf-8")
    assert clean_text("Share this:\n\n3 Comments").paragraphs == []
    [record] = list(iter_records([tmp_path]))
    skipped = article_or_reason(record)
    assert isinstance(skipped, Skipped) and skipped.reason.startswith("no article text")
