"""Build the extraction test pages from their article sources: ``src/*.txt`` -> ``pages/*.html`` + ``gold/*.txt``.

Each source holds one article (a few ``key: value`` lines, ``---``, then the body in a small
markup, below). The builder wraps the body in the page markup of one of several CMS families,
with that family's furniture (navigation, share bar, cookie banner, newsletter box, related
links, comments, footer), and writes the gold text: what a reader takes as the article text.

Body markup, one block per paragraph (blank line between blocks):
    plain text        a paragraph                          gold: yes
    ## text           a subheading                         gold: yes
    - text            a list item (consecutive = one list) gold: yes
    > text            a quotation inside the story         gold: yes
    | a | b |         a table row (consecutive = a table)  gold: yes, cell by cell
    PQ: text          a pull quote repeating the body      gold: no
    PQIN: text        the same, set as a blockquote in the text flow  gold: no
    CAP: text         an image caption                     gold: no
    TIP: text         the author's contact line / tip box  gold: no
    W: text           an in-story newsletter or app plug   gold: no
    R: text           an in-story "read more" link         gold: no

The gold excludes the headline, the byline and the dateline; it includes subheadings, list
items, table cells and in-story quotations. Run: ``python bench/html/build.py``.
"""

from __future__ import annotations

import html
import random
import re
from pathlib import Path

HERE = Path(__file__).parent

NAV = ["Home", "News", "Politics", "Business", "Sport", "Culture", "Opinion", "Weather", "Obituaries"]

COOKIE = [
    "We use cookies to give you the best experience on our site. By continuing to browse you agree to our use"
    " of cookies. <a href='/cookies'>Manage preferences</a> <button>Accept all</button>",
    "This site uses cookies and similar technologies to personalise content and ads, and to analyse our"
    " traffic. <button>Accept</button> <button>Reject</button>",
    "Your privacy choices: we and our partners store and access information on your device."
    " <button>I agree</button> <a href='/privacy'>Privacy settings</a>",
]

NEWSLETTER = [
    (
        "The Morning Brief",
        "Get the day's top stories delivered to your inbox every weekday morning.",
        "Enter your email address",
        "Sign up",
        "By signing up, you agree to our Terms of Use and Privacy Policy.",
        "Thanks for signing up! Check your inbox to confirm.",
        "Something went wrong. Please try again later.",
    ),
    (
        "Business Daily Newsletter",
        "The markets, the deals and the people behind them, straight to your inbox.",
        "Email address",
        "Subscribe",
        "You can unsubscribe at any time. See our privacy notice.",
        "You're all set! Look out for your first newsletter tomorrow.",
        "There was an error processing your request. Please try again.",
    ),
    (
        "Weekend Reads",
        "Don't miss our best long reads. Sign up for the Weekend Reads newsletter.",
        "Your email",
        "Join now",
        "This site is protected by reCAPTCHA and the Google Privacy Policy and Terms of Service apply.",
        "Thank you for subscribing.",
        "Please enter a valid email address.",
    ),
    (
        "Local Alerts",
        "Breaking news from your neighbourhood, sent as it happens. Sign up for our email alerts.",
        "Email",
        "Get alerts",
        "We will never share your email address with third parties.",
        "Success! You are now subscribed.",
        "Invalid email address.",
    ),
    (
        "The Politics Memo",
        "Our reporters' sharpest analysis of the week, in your inbox every Friday.",
        "name@example.com",
        "Sign me up",
        "By submitting your email you consent to receive newsletters and offers from us. Unsubscribe anytime.",
        "Almost done: confirm your subscription in your inbox.",
        "Oops, something went wrong with your sign-up.",
    ),
]

RELATED_HEADS = [
    "Related",
    "More on this story",
    "Read more",
    "You may also like",
    "Most read",
    "More from Local News",
    "Recommended for you",
    "Top stories",
]
RELATED = [
    "Council approves new budget after late-night session",
    "Storm leaves thousands without power",
    "Five things to know before the election",
    "Transit agency unveils new bus map",
    "Local bakery wins national award",
    "Opinion: Our city needs more trees",
    "School board delays vote on later start times",
    "Hospital expansion breaks ground",
    "Police seek witnesses after downtown crash",
    "Watch: Highlights from Saturday's match",
]
COMMENTS = [
    ("Margaret L.", "Great reporting as always. I had no idea this was happening so close to home."),
    ("dave_r_1972", "This is exactly what I said would happen two years ago and nobody listened."),
    ("Observer", "Who is going to pay for all of this? Not the people who made the decision, that's for sure."),
    ("Kim T", "My neighbour works there and says the real story is a lot more complicated than this."),
    ("J. Alvarez", "Thank you for covering this. Please follow up in a few months to see what changed."),
]
SHARE = ["Facebook", "Twitter", "LinkedIn", "WhatsApp", "Email", "Copy link"]


def esc(text: str) -> str:
    return html.escape(text, quote=False)


# --- the source format --------------------------------------------------------------------------


def parse_source(path: Path) -> tuple[dict[str, str], list[tuple[str, object]]]:
    """Header fields and body blocks: (kind, text) with kind in p h2 li quote row pq cap tip."""
    head, body = path.read_text(encoding="utf-8").split("\n---\n", 1)
    meta = dict(line.split(": ", 1) for line in head.strip().splitlines())
    blocks: list[tuple[str, object]] = []
    for raw in re.split(r"\n\s*\n", body.strip()):
        for line in raw.strip().splitlines() if raw.lstrip().startswith(("- ", "|")) else [raw.strip()]:
            line = " ".join(line.split())
            if line.startswith("## "):
                blocks.append(("h2", line[3:]))
            elif line.startswith("- "):
                blocks.append(("li", line[2:]))
            elif line.startswith("> "):
                blocks.append(("quote", line[2:]))
            elif line.startswith("|"):
                blocks.append(("row", [c.strip() for c in line.strip("|").split("|")]))
            elif re.match(r"(PQ|PQIN|CAP|TIP|W|R): ", line):
                kind, text = line.split(": ", 1)
                blocks.append((kind.lower(), text.strip()))
            elif line:
                blocks.append(("p", line))
    return meta, blocks


def gold_text(blocks: list[tuple[str, object]]) -> str:
    out: list[str] = []
    for kind, text in blocks:
        if kind == "row":
            out.extend(text)  # type: ignore[arg-type]
        elif kind in ("p", "h2", "li", "quote"):
            out.append(text)  # type: ignore[arg-type]
    return "\n\n".join(out) + "\n"


# --- body renderers -------------------------------------------------------------------------------


def render_body(blocks: list[tuple[str, object]], style: str, rng: random.Random) -> str:
    """The article body as HTML; ``style`` "loose" leaves paragraphs as bare text with <br> breaks."""
    out: list[str] = []
    i = 0
    while i < len(blocks):
        kind, text = blocks[i]
        if kind == "li":
            items = []
            while i < len(blocks) and blocks[i][0] == "li":
                items.append(f"<li>{esc(blocks[i][1])}</li>")  # type: ignore[arg-type]
                i += 1
            out.append("<ul>" + "".join(items) + "</ul>")
            continue
        if kind == "row":
            rows = []
            first = True
            while i < len(blocks) and blocks[i][0] == "row":
                cell = "th" if first else "td"
                rows.append("<tr>" + "".join(f"<{cell}>{esc(c)}</{cell}>" for c in blocks[i][1]) + "</tr>")  # type: ignore[union-attr]
                first = False
                i += 1
            out.append("<table class='data-table'><tbody>" + "".join(rows) + "</tbody></table>")
            continue
        if kind == "p":
            if style == "loose":
                out.append(f"{esc(text)}<br><br>")  # type: ignore[arg-type]
            elif style == "div":
                out.append(f"<div class='paragraph'>{esc(text)}</div>")  # type: ignore[arg-type]
            else:
                out.append(f"<p>{esc(text)}</p>")  # type: ignore[arg-type]
        elif kind == "h2":
            out.append(f"<h2>{esc(text)}</h2>")  # type: ignore[arg-type]
        elif kind == "quote":
            out.append(f"<blockquote><p>{esc(text)}</p></blockquote>")  # type: ignore[arg-type]
        elif kind == "pqin":  # a pull quote set in the text flow, as a blockquote
            out.append(f"<blockquote class='pull-quote'><p>{esc(text)}</p></blockquote>")  # type: ignore[arg-type]
        elif kind == "pq":
            out.append(f"<aside class='pullquote'><blockquote>{esc(text)}</blockquote></aside>")  # type: ignore[arg-type]
        elif kind == "cap":
            out.append(
                "<figure><img src='/img/photo.jpg' alt=''>"
                f"<figcaption>{esc(text)} <span class='credit'>Photo: Staff</span></figcaption></figure>"  # type: ignore[arg-type]
            )
        elif kind == "w":
            out.append(
                f"<div class='{rng.choice(WIDGET_CLASSES)}'><p><strong>{esc(text)}</strong></p>"  # type: ignore[arg-type]
                "<a class='btn' href='/newsletters'>Sign up</a></div>"
            )
        elif kind == "r":
            out.append(f"<p class='read-more'><strong>Read more:</strong> <a href='/story'>{esc(text)}</a></p>")  # type: ignore[arg-type]
        elif kind == "tip":
            out.append(f"<p class='author-contact'><em>{esc(text)}</em></p>")  # type: ignore[arg-type]
        i += 1
    return "\n".join(out)


def nav(rng: random.Random) -> str:
    return (
        "<nav class='site-nav'><ul>" + "".join(f"<li><a href='/{n.lower()}'>{n}</a></li>" for n in NAV) + "</ul></nav>"
    )


def share(rng: random.Random) -> str:
    label = rng.choice(["Share this article", "Share", "Share this story:"])
    links = "".join(
        f"<li><a href='#' class='share-{s.lower().replace(' ', '')}'>{s}</a></li>" for s in SHARE[: rng.randint(3, 6)]
    )
    return f"<div class='share-bar'><span>{label}</span><ul>{links}</ul></div>"


# real sites name their widget containers anything at all: not every box says "newsletter"
WIDGET_CLASSES = ["newsletter-signup", "wp-block-group", "component-container", "inline-module", "embed-block", "row"]


def newsletter(rng: random.Random, site: str) -> str:
    name, pitch, field, button, legal, thanks, error = rng.choice(NEWSLETTER)
    title = rng.choice([f"<h3>{name}</h3>", f"<p><strong>{name}</strong></p>", f"<div class='title'>{name}</div>"])
    return (
        f"<div class='{rng.choice(WIDGET_CLASSES)}'>{title}<p>{pitch}</p>"
        f"<form><label>{field}</label><input type='email' placeholder='{field}'><button>{button}</button></form>"
        f"<p class='legal'>{legal}</p><div class='success' style='display:none'>{thanks}</div>"
        f"<div class='error' style='display:none'>{error}</div></div>"
    )


def related(rng: random.Random) -> str:
    head = rng.choice(RELATED_HEADS)
    links = "".join(f"<li><a href='/story/{k}'>{t}</a></li>" for k, t in enumerate(rng.sample(RELATED, 4)))
    return f"<section class='related'><h3>{head}</h3><ul>{links}</ul></section>"


def comments(rng: random.Random) -> str:
    picked = rng.sample(COMMENTS, rng.randint(2, 4))
    items = "".join(
        f"<li class='comment'><div class='comment-author'>{a}</div><div class='comment-body'><p>{t}</p></div>"
        f"<a class='reply' href='#'>Reply</a></li>"
        for a, t in picked
    )
    return (
        f"<section id='comments' class='comments-area'><h3>{len(picked)} Comments</h3>"
        f"<ol class='comment-list'>{items}</ol>"
        "<div id='respond'><h3>Leave a Reply</h3><p>Your email address will not be published. Required fields are"
        " marked *</p><form><textarea></textarea><button>Post Comment</button></form></div></section>"
    )


def footer(site: str) -> str:
    return (
        "<footer><ul><li><a href='/about'>About us</a></li><li><a href='/contact'>Contact</a></li>"
        "<li><a href='/privacy'>Privacy policy</a></li><li><a href='/terms'>Terms of use</a></li></ul>"
        f"<p>© 2025 {site}. All rights reserved.</p></footer>"
    )


# --- page families ----------------------------------------------------------------------------------


def head(meta: dict[str, str], site: str) -> str:
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{esc(meta['title'])} | {site}</title>"
        f"<meta property='og:title' content=\"{html.escape(meta['title'])}\">"
        f"<meta property='og:site_name' content='{site}'>"
        f"<meta property='article:published_time' content='{meta['date']}T08:00:00Z'>"
        f"<meta name='author' content='{meta['author']}'>"
        "<script>window.dataLayer=window.dataLayer||[];</script><style>.x{display:none}</style></head>"
    )


def wordpress(meta, body, rng, site):
    return (
        head(meta, site) + "<body class='single-post'><div id='page' class='site'>"
        f"<header id='masthead'><div class='site-branding'><a href='/'>{site}</a></div>{nav(rng)}</header>"
        f"<div class='cookie-notice'>{rng.choice(COOKIE)}</div>"
        "<div id='content'><main id='main' class='site-main'><article class='post type-post'>"
        f"<header class='entry-header'><h1 class='entry-title'>{esc(meta['title'])}</h1>"
        f"<div class='entry-meta'><span class='byline'>By <a href='/author'>{meta['author']}</a></span>"
        f" <time datetime='{meta['date']}'>{meta['date']}</time></div></header>"
        f"<div class='entry-content'>{share(rng)}\n{body}\n{newsletter(rng, site)}</div>"
        f"<footer class='entry-footer'><span class='cat-links'>Posted in <a href='/news'>News</a></span>"
        f" <span class='tags-links'>Tagged <a href='/t'>local</a>, <a href='/t2'>council</a></span></footer>"
        f"</article>{related(rng)}{comments(rng)}</main>"
        "<aside id='secondary' class='widget-area'><section class='widget'><h2>Popular posts</h2><ul>"
        + "".join(f"<li><a href='/p{k}'>{t}</a></li>" for k, t in enumerate(rng.sample(RELATED, 3)))
        + f"</ul></section></aside></div>{footer(site)}</div></body></html>"
    )


def arc(meta, body, rng, site):
    paras = body  # Arc renders each paragraph as its own block with data attributes
    return (
        head(meta, site) + "<body><div id='fusion-app'>"
        f"<div class='cookie-banner' role='dialog'>{rng.choice(COOKIE)}</div>"
        f"<header class='site-header'>{nav(rng)}<a class='subscribe-btn' href='/subscribe'>Subscribe</a>"
        "<a href='/login'>Sign in</a></header><main><div class='article-layout'>"
        f"<div class='headline'><h1 data-qa='headline'>{esc(meta['title'])}</h1></div>"
        f"<div class='byline-wrapper' data-qa='author-name'>By {meta['author']}</div>"
        f"<div class='display-date'>{meta['date']} at 8:00 a.m. EST</div>"
        f"<div class='share-tools'>{share(rng)}<button>Gift Article</button><button>Save</button></div>"
        f"<div class='article-body' data-qa='article-body'>{paras}</div>"
        f"<div class='interstitial-link'>{newsletter(rng, site)}</div>"
        f"<div class='more-stories'>{related(rng)}</div>"
        "<div class='comments-wrapper'><button>View comments</button></div>"
        f"</div></main>{footer(site)}</div></body></html>"
    )


def bbc(meta, body, rng, site):
    return (
        head(meta, site) + "<body><div id='orb-banner'>"
        f"<div class='cookie-prompt'>{rng.choice(COOKIE)}</div></div>"
        f"<header>{nav(rng)}</header><div id='main-content'><main role='main'><article>"
        f"<header><h1 id='main-heading'>{esc(meta['title'])}</h1></header>"
        f"<div data-component='byline-block'><div><span>By {meta['author']}</span>"
        "<span>Business reporter</span></div></div>"
        f"<div data-component='timestamp-block'><time datetime='{meta['date']}'>{meta['date']}</time></div>"
        f"<div class='share-tools'>{share(rng)}</div>"
        + re.sub(r"<p>(.*?)</p>", r"<div data-component='text-block'><p>\1</p></div>", body)
        + "<div data-component='tag-list'><ul><li><a href='/t'>Economy</a></li>"
        "<li><a href='/t2'>Housing</a></li></ul></div>"
        f"</article><section data-component='related'>{related(rng)}</section>"
        f"<section class='most-read'>{related(rng)}</section></main></div>{footer(site)}</body></html>"
    )


def guardian(meta, body, rng, site):
    return (
        head(meta, site) + "<body><div class='gu-cmp'>"
        f"{rng.choice(COOKIE)}</div><header>{nav(rng)}<div class='support'>Support us<a href='/contribute'>"
        "Contribute</a></div></header><main data-layout='StandardLayout'><article>"
        f"<div data-gu-name='headline'><h1>{esc(meta['title'])}</h1></div>"
        f"<div data-gu-name='standfirst'><p>{esc(meta.get('standfirst', ''))}</p></div>"
        f"<div data-gu-name='meta'><address>{meta['author']}</address>"
        f"<details>{meta['date']}</details>{share(rng)}</div>"
        f"<div data-gu-name='body'><div id='maincontent'>"
        f"<div class='article-body-commercial-selector'>{body}</div></div>"
        f"{newsletter(rng, site)}</div>"
        "<div class='submeta'><span>Explore more on these topics</span><ul><li><a href='/x'>Environment</a></li>"
        f"<li><a href='/y'>UK news</a></li></ul>{share(rng)}<a href='/reuse'>Reuse this content</a></div>"
        f"</article><div id='onward'>{related(rng)}</div>{comments(rng)}</main>{footer(site)}</body></html>"
    )


def local_news(meta, body, rng, site):
    return (
        head(meta, site) + "<body class='asset'><div id='site-container'>"
        f"<div id='tncms-region-global-container-top'>{nav(rng)}</div>"
        "<div class='weather-widget'>Partly cloudy 54°F</div><div class='ad'>Advertisement</div>"
        f"<div id='main-page-container'><div class='asset-header'>"
        f"<h1 class='headline'><span>{esc(meta['title'])}</span></h1>"
        f"<ul class='list-inline'><li><span class='asset-byline'>By {meta['author']} Staff Writer</span></li>"
        f"<li><time>{meta['date']}</time></li></ul>{share(rng)}</div>"
        f"<div id='article-body' class='asset-content subscriber-only' itemprop='articleBody'>{body}</div>"
        f"<div class='asset-tags'>{newsletter(rng, site)}</div>"
        f"<div class='related-asset-container'>{related(rng)}</div>{comments(rng)}</div>"
        f"<div id='site-footer'>{footer(site)}</div></div></body></html>"
    )


def blog(meta, body, rng, site):
    return (
        head(meta, site) + f"<body><div class='container'><div class='blog-header'><a href='/'>{site}</a>"
        "<p>Notes on the city, its politics and its food</p></div>"
        f"<div class='post-outer'><div class='post hentry'><h3 class='post-title'>{esc(meta['title'])}</h3>"
        f"<div class='post-header'>Posted by {meta['author']} on {meta['date']}</div>"
        f"<div class='post-body entry-content'>{body}</div>"
        f"<div class='post-footer'>Labels: <a href='/l'>city</a> {share(rng)}</div></div>{comments(rng)}</div>"
        f"<div class='sidebar'><h2>Blog archive</h2><ul><li>2025 (14)</li><li>2024 (31)</li></ul>"
        f"<h2>About me</h2><p>I write about my city and what I eat in it.</p>{newsletter(rng, site)}</div>"
        f"{footer(site)}</div></body></html>"
    )


def amp(meta, body, rng, site):
    body = (
        body.replace("<img ", "<amp-img layout='responsive' ")
        .replace("<table", "<div class='tbl'><table")
        .replace("</table>", "</table></div>")
    )
    return (
        "<!doctype html><html ⚡ lang='en'>"
        + head(meta, site)[len("<!DOCTYPE html><html lang='en'>") :]
        + f"<body><amp-sidebar id='sidebar'>{nav(rng)}</amp-sidebar>"
        f"<header class='amp-header'><a href='/'>{site}</a><button on='tap:sidebar.toggle'>Menu</button></header>"
        f"<amp-consent id='consent'><div class='consent-ui'>{rng.choice(COOKIE)}</div></amp-consent>"
        f"<main><article class='amp-article'><h1>{esc(meta['title'])}</h1>"
        f"<div class='amp-byline'>By {meta['author']} · {meta['date']}</div>"
        f"<amp-social-share type='twitter'></amp-social-share>{share(rng)}"
        f"<div class='amp-article-body'>{body}</div></article>"
        f"<amp-ad width='300' height='250' type='doubleclick'></amp-ad><div>Advertisement</div>"
        f"{related(rng)}</main>{footer(site)}</body></html>"
    )


def commerce(meta, body, rng, site):
    return (
        head(meta, site) + f"<body><header>{nav(rng)}</header><div class='deal-alert'>Today only: free shipping on"
        " orders over $35</div><main><div class='article-container'>"
        f"<h1 class='article-title'>{esc(meta['title'])}</h1>"
        f"<div class='byline'>By {meta['author']} | Updated {meta['date']}</div>"
        "<p class='disclosure'><em>We may earn a commission when you buy through links on our site.</em></p>"
        f"<div class='article-body'>{body}</div>{newsletter(rng, site)}"
        f"</div>{related(rng)}</main>{footer(site)}</body></html>"
    )


# --- families written after the product's rules were changed (the "fresh" pages, 43 on) ------------
# Their furniture uses wording of its own, not the pools above, so they test the rules on text
# the rules were not written against.


def substack(meta, body, rng, site):
    return (
        head(meta, site) + f"<body><div id='main'><div class='topbar'><a href='/'>{site}</a>"
        "<button class='subscribe-btn'>Subscribe</button><a href='/signin'>Sign in</a></div>"
        "<article class='post newsletter-post'><div class='post-header'>"
        f"<h1 class='post-title'>{esc(meta['title'])}</h1>"
        f"<h3 class='subtitle'>{esc(meta.get('standfirst', ''))}</h3>"
        f"<div class='post-meta'><a href='/profile'>{meta['author']}</a> <span>{meta['date']}</span>"
        "<div class='post-ufi'><a>12</a><a>4</a><a>Share</a></div></div></div>"
        f"<div class='available-content'><div class='body markup'>{body}"
        f"<div class='subscription-widget-wrap'><p class='cta-caption'>Thanks for reading {site}! Subscribe for free"
        " to receive new posts and support my work.</p><form><input type='email' placeholder='Type your email…'>"
        "<button>Subscribe</button></form></div></div></div>"
        "<div class='post-footer'><a>Share</a><a>Leave a comment</a></div></article>"
        "<div class='comments-section'><h4>Discussion about this post</h4>"
        "<div class='comment'><div class='comment-body'><p>Really useful round-up, thank you. Same time next month?</p>"
        "</div></div></div><div class='footer'><h4>Ready for more?</h4><form><input type='email'>"
        "<button>Subscribe</button></form><p>© 2025 " + site + " · Privacy ∙ Terms ∙ Collection notice</p>"
        "<p>Start Writing Get the app</p></div></div></body></html>"
    )


STORY_COLUMN = r"<div class='css-s99gbd StoryBodyCompanionColumn'><div><p class='css-at9mc1'>\1</p></div></div>"


def newsroom(meta, body, rng, site):
    return (
        head(meta, site) + "<body><div id='app'><div class='css-1e4d'><a href='#site-content'>Skip to content</a>"
        "<a href='#site-index'>Skip to site index</a></div>"
        f"<header class='css-ahe4g0'>{nav(rng)}<a href='/subscribe'>Subscribe for $1/week</a><a>Log in</a></header>"
        "<div class='css-1g7m0tk'><p>Advertisement</p><p>SKIP ADVERTISEMENT</p></div>"
        f"<main id='site-content'><article id='story'><header><p class='css-supported'>Supported by</p>"
        f"<h1 data-testid='headline'>{esc(meta['title'])}</h1>"
        f"<p class='css-byline'>By {meta['author']}</p><time datetime='{meta['date']}'>{meta['date']}</time>"
        "<div class='css-share'><button>Share full article</button><p>Send any friend a story</p>"
        "<p>As a subscriber, you have 10 gift articles to give each month. Anyone can read what you share.</p>"
        "</div></header><section name='articleBody' itemprop='articleBody'>"
        + re.sub(r"<p>(.*?)</p>", STORY_COLUMN, body)
        + "</section><div class='bottom-of-article'><p>A version of this article appears in print on "
        f"{meta['date']}, Section A, Page 18 of the New York edition with the headline: {esc(meta['title'])}."
        " Order Reprints | Today’s Paper | Subscribe</p></div></article>"
        f"<div class='css-more'>{related(rng)}</div></main>{footer(site)}</div></body></html>"
    )


def nonprofit(meta, body, rng, site):
    return (
        head(meta, site) + f"<body class='node-type-article'><div class='region-header'>{nav(rng)}"
        "<a class='donate' href='/donate'>Donate</a></div><div class='layout-content'>"
        f"<h1 class='page-title'><span class='field--name-title'>{esc(meta['title'])}</span></h1>"
        f"<div class='field--name-field-byline'>{meta['author']}</div>"
        f"<div class='field--name-field-date'>{meta['date']}</div>"
        f"<div class='clearfix text-formatted field field--name-body field--type-text-with-summary'>{body}</div>"
        "<div class='block-donation'><p>We're a nonprofit newsroom, and we rely on readers like you. Your"
        " tax-deductible gift keeps our reporting free for everyone.</p><p>Support local journalism. Donate today.</p>"
        "</div><div class='block-republish'><h4>Republish this story</h4><p>This work is licensed under a Creative"
        " Commons Attribution-NoDerivatives 4.0 International License.</p></div>"
        "<div class='block-newsletter'><h4>Tribune Today</h4><p>Our free morning email, with the stories you need"
        " to start your day.</p><input placeholder='Your email'><button>Sign me up</button></div>"
        f"</div>{footer(site)}</body></html>"
    )


def tabloid(meta, body, rng, site):
    return (
        head(meta, site) + f"<body><div class='top-bar'><a>Download the {site} app</a></div>"
        f"<header>{nav(rng)}</header><div class='article-page'><main><article>"
        f"<h1 class='headline'>{esc(meta['title'])}</h1><p class='standfirst'>{esc(meta.get('standfirst', ''))}</p>"
        f"<div class='author-box'><span>{meta['author']}</span><span>{meta['date']}</span></div>"
        f"<div class='article-body'>{body}"
        "<div class='nl-signup'><p>Sign up to our free morning newsletter for the latest headlines</p>"
        "<input placeholder='Enter email'><button>Sign up</button><p class='nl-error'>Invalid email</p>"
        "<p class='nl-small'>We use your sign-up to provide content in ways you've consented to and to improve our"
        " understanding of you. This may include adverts from us and 3rd parties based on our understanding. You can"
        " unsubscribe at any time. More info</p></div></div>"
        "<div class='article-footer'><p>Follow us on Twitter @dailyexample</p>"
        "<h3>Comments</h3><p>Comments are subject to our community guidelines, which can be viewed here.</p></div>"
        f"</article></main>{related(rng)}</div>{footer(site)}</body></html>"
    )


# --- the "holdout" families (pages 55 on): written after every cleaning change, measured once -----


def wire(meta, body, rng, site):
    return (
        head(meta, site) + f"<body><header>{nav(rng)}<a>Sign In</a><a>Register</a></header>"
        f"<main id='main-content'><article><div class='article-header'><span class='kicker'>Markets</span>"
        f"<h1 data-testid='Heading'>{esc(meta['title'])}</h1><div class='info'>By {meta['author']}"
        f"<time>{meta['date']}</time><span>4 minute read</span></div></div>"
        + "<div class='article-body__content'>"
        + body.replace("<p>", "<p data-testid='paragraph'>")
        + "</div>"
        + "<p class='sign-off'>Reporting by Ana Lopes in Lisbon; Editing by Mark Heinrich</p>"
        "<p class='trust'>Our Standards: The Wire Trust Principles.</p>"
        "<div class='licensing'><a>Purchase Licensing Rights</a>, opens new tab</div>"
        f"</article><div class='more'>{related(rng)}</div></main>{footer(site)}</body></html>"
    )


def tv_station(meta, body, rng, site):
    return (
        head(meta, site) + f"<body><div class='alert-bar'>WATCH LIVE: {site} News at 6</div>"
        f"<header>{nav(rng)}</header><main><div class='article-wrapper'>"
        f"<h1 class='article-title'>{esc(meta['title'])}</h1><p class='byline'>by: {meta['author']}</p>"
        f"<p class='date'>Posted: {meta['date']} / 06:12 PM EST</p>{share(rng)}"
        f"<div class='article-content article-body rich-text'>{body}"
        f"<p><em>Copyright 2025 {site}. All rights reserved. This material may not be published, broadcast,"
        " rewritten, or redistributed.</em></p></div>"
        "<div class='report-typo'><a>Report a typo</a></div>"
        f"<div class='trending'><h2>Trending Stories</h2>{related(rng)}</div></div></main>"
        f"{footer(site)}</body></html>"
    )


def magazine(meta, body, rng, site):
    return (
        head(meta, site) + f"<body><header class='masthead'>{nav(rng)}<a class='sub'>Subscribe</a></header>"
        f"<main><article class='longform'><header><p class='rubric'>Features</p><h1>{esc(meta['title'])}</h1>"
        f"<p class='dek'>{esc(meta.get('standfirst', ''))}</p><p class='byline'>By {meta['author']}</p></header>"
        f"<section class='article-body'>{body}</section>"
        f"<footer><p class='issue-note'><em>This article appears in the print edition of {site}.</em></p>"
        "<div class='paywall-footer'><p>Subscribe to the magazine and get 12 issues for $24.</p>"
        "<p>Already a subscriber? Sign in</p></div></footer></article></main>"
        f"{footer(site)}</body></html>"
    )


FAMILIES = {
    "wordpress": (wordpress, "p"),
    "arc": (arc, "p"),
    "bbc": (bbc, "p"),
    "guardian": (guardian, "p"),
    "local": (local_news, "p"),
    "blog": (blog, "loose"),
    "amp": (amp, "p"),
    "commerce": (commerce, "loose"),
    "divs": (local_news, "div"),
    "substack": (substack, "p"),
    "newsroom": (newsroom, "p"),
    "nonprofit": (nonprofit, "p"),
    "tabloid": (tabloid, "p"),
    "wire": (wire, "p"),
    "tv": (tv_station, "p"),
    "magazine": (magazine, "p"),
}


def main() -> None:
    (HERE / "pages").mkdir(exist_ok=True)
    (HERE / "gold").mkdir(exist_ok=True)
    for src in sorted((HERE / "src").glob("*.txt")):
        meta, blocks = parse_source(src)
        rng = random.Random(src.stem)
        family, style = FAMILIES[meta["template"]]
        page = family(meta, render_body(blocks, style, rng), rng, meta.get("site", "The Daily Ledger"))
        (HERE / "pages" / f"{src.stem}.html").write_text(page, encoding="utf-8")
        (HERE / "gold" / f"{src.stem}.txt").write_text(gold_text(blocks), encoding="utf-8")
    print(f"built {len(list((HERE / 'src').glob('*.txt')))} pages")


if __name__ == "__main__":
    main()
