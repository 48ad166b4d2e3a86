"""Headlines sent in capitals, shown in title case with acronyms and tickers kept."""

import pytest

from search.titlecase import acronym_evidence, display_title, is_shouting, merge_acronyms


@pytest.mark.parametrize(
    ("title", "text", "shown"),
    [
        # the article's own text says how a word is written
        ("BAHIA COCOA REVIEW", "Showers continued in the Bahia cocoa zone.", "Bahia Cocoa Review"),
        ("OPEC AGREES TO CUT OUTPUT", "OPEC ministers met. OPEC said output falls.", "OPEC Agrees to Cut Output"),
        ("GENERAL DATACOMM IN DEAL", "General DataComm Industries said", "General DataComm in Deal"),
        ("IBM SEES GAINS", "IBM said it sees gains.", "IBM Sees Gains"),
        # without evidence: dotted abbreviations, tickers and vowel-less letter groups are kept
        ("U.S. URGES <PASB.O> TO SELL UNIT", "", "U.S. Urges <PASB.O> to Sell Unit"),
        ("STANDARD OIL <SRD> TO FORM FINANCIAL UNIT", "", "Standard Oil <SRD> to Form Financial Unit"),
        ("NBC AND CBS IN TALKS", "", "NBC and CBS in Talks"),
        ("ST. LOUIS FIRM 1ST QTR NET", "", "St. Louis Firm 1st QTR Net"),
        ("DIAMOND-BATHURST SAYS FURNACE EXPLODES", "", "Diamond-Bathurst Says Furnace Explodes"),
        ("THE END OF AN ERA", "", "The End of an Era"),
        # titles not in capitals are left alone
        ("Blinken meets China’s top diplomat", "", "Blinken meets China’s top diplomat"),
        ("iPhone sales rise", "", "iPhone sales rise"),
    ],
)
def test_display_title(title, text, shown):
    assert display_title(title, text) == shown


def test_text_in_capitals_is_no_evidence():
    assert display_title("OIL PRICES FALL", "OIL PRICES FELL SHARPLY TODAY") == "Oil Prices Fall"


def test_is_shouting():
    assert is_shouting("OPEC MEETS")
    assert not is_shouting("OPEC meets")
    assert not is_shouting("1987")


def test_acronyms_from_the_corpus():
    texts = ["The IMF and the USSR met. IMF staff said so.", "It was the IMF.", "IT WAS ALL IN CAPITALS OPEC"]
    acronyms, other = acronym_evidence(texts)
    assert acronyms == {"imf", "ussr"} and "opec" not in acronyms  # a text all in capitals is no evidence
    assert {"the", "staff", "it"} <= other
    assert display_title("IMF URGES USSR REFORM", "", acronyms) == "IMF Urges USSR Reform"
    assert display_title("IMF URGES USSR REFORM") == "Imf Urges Ussr Reform"  # no evidence at all
    # new articles update what earlier ones said
    assert merge_acronyms(["imf", "gatt"], ["The Gatt talks went on; GATT and gatt."]) == ["imf"]
