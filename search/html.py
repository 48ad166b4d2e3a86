"""HTML pages: main content with trafilatura, metadata with trafilatura, htmldate and BeautifulSoup.

Never touches the network: trafilatura and htmldate only parse the string they are given.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field

import htmldate
import trafilatura
from bs4 import BeautifulSoup
from lxml import etree

from .clean import Header, clean_paragraphs, normalize_paragraph, read_header_lines
from .credits import split_names
from .models import Dropped

log = logging.getLogger(__name__)

# trafilatura's XML: the elements that hold one paragraph each
_BLOCK_TAGS = {"p", "head", "item", "quote", "code", "cell"}
# markup that starts a new paragraph when flattening an HTML fragment
_HTML_BLOCKS = [
    "p",
    "div",
    "section",
    "article",
    "header",
    "footer",
    "aside",
    "blockquote",
    "pre",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "table",
    "tr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "figure",
    "figcaption",
    "hr",
]
_LOOKS_LIKE_HTML = re.compile(
    r"</(?:p|div|span|a|b|i|em|strong|h[1-6]|li|ul|ol|blockquote|table|td|tr|section|article|figure)\s*>"
    r"|<br\s*/?>|<p(?:\s[^>]*)?>[^<]*</",
    re.IGNORECASE,
)
_TITLE_SEPARATOR = re.compile(r"\s+(?:[|–—·»]|-{1,2}|::)\s+")


def looks_like_html(text: str) -> bool:
    """True for markup such as ``<p>…</p>``; newswire tickers like ``<BP>`` are not HTML."""
    return bool(_LOOKS_LIKE_HTML.search(text))


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment, one paragraph per block element, blank lines between."""
    soup = BeautifulSoup(fragment, "lxml")
    for tag in soup(["script", "style", "noscript", "template", "iframe", "svg"]):
        tag.decompose()
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for tag in soup.find_all(_HTML_BLOCKS):
        tag.insert_before("\n\n")
        tag.insert_after("\n\n")
    blocks = re.split(r"\n[ \t\xa0]*\n", soup.get_text())
    return "\n\n".join(p for p in (normalize_paragraph(b) for b in blocks) if p)


def _xml_paragraphs(root: etree._Element) -> list[str]:
    """One string per block of trafilatura's XML, in document order.

    trafilatura leaves text that sat bare in the page's content container (after a subheading, a
    list or a paragraph: ``<head>…</head>Some text<p>…``) as the tail of the element before it;
    each such run of loose text is a paragraph too, ended by the next block or a line break.
    """
    main = root.find("main")
    main = main if main is not None else root
    paragraphs: list[str] = []
    loose: list[str] = []

    def flush() -> None:
        text = normalize_paragraph("".join(loose))
        loose.clear()
        if text:
            paragraphs.append(text)

    def walk(element: etree._Element) -> None:
        loose.append(element.text or "")
        for child in element:
            if child.tag == "lb":
                flush()
            elif any(d.tag in _BLOCK_TAGS for d in child.iterdescendants()):
                flush()  # a container (a list, a table, a quote holding paragraphs)
                walk(child)
                flush()
            elif child.tag in _BLOCK_TAGS:
                flush()
                for lb in child.iter("lb"):  # a line break inside a paragraph is a space
                    lb.tail = " " + (lb.tail or "")
                loose.append("".join(child.itertext()))
                flush()
            else:  # inline markup in loose text
                loose.append("".join(child.itertext()))
            loose.append(child.tail or "")

    walk(main)
    flush()
    return paragraphs


def main_paragraphs(html: str) -> tuple[list[str], dict[str, str]]:
    """Main-content paragraphs (subheadings and list items included) and trafilatura's metadata."""
    xml = trafilatura.extract(
        html,
        output_format="xml",
        include_comments=False,
        include_tables=True,
        include_formatting=False,
        with_metadata=True,
        deduplicate=False,
    )
    if not xml:
        return [], {}
    root = etree.fromstring(xml.encode("utf-8"), etree.XMLParser(recover=True, huge_tree=True))
    if root is None:
        return [], {}
    return _xml_paragraphs(root), {k: v for k, v in root.attrib.items() if v}


def _meta(soup: BeautifulSoup, *names: str) -> str | None:
    for name in names:
        tag = soup.find("meta", attrs={"property": name}) or soup.find("meta", attrs={"name": name})
        if tag and tag.get("content", "").strip():
            return normalize_paragraph(tag["content"])
    return None


def strip_site_suffix(title: str, site: str | None = None) -> str:
    """``"Storm hits coast | Coastal Ledger"`` -> ``"Storm hits coast"``.

    Only a suffix that names the site goes: the page's site name, or a few capitalised words or a
    domain (so "Biden - Xi talks end" keeps its second half).
    """
    if not _TITLE_SEPARATOR.search(title):
        return title
    separator = list(_TITLE_SEPARATOR.finditer(title))[-1]
    head, suffix = title[: separator.start()], title[separator.end() :]
    words = suffix.split()
    site_like = (site and suffix.casefold() == site.casefold()) or (
        len(words) <= 5 and all(w[0].isupper() or w[0].isdigit() or "." in w for w in words)
    )
    return head if site_like and len(head.split()) >= 2 else title


def page_title(soup: BeautifulSoup) -> str | None:
    """og:title, else ``<title>`` without its `` | Site`` suffix, else the first ``<h1>``."""
    title = _meta(soup, "og:title", "twitter:title")
    if title:
        return title
    if soup.title and soup.title.get_text(strip=True):
        return strip_site_suffix(normalize_paragraph(soup.title.get_text()), _meta(soup, "og:site_name"))
    h1 = soup.find("h1")
    return normalize_paragraph(h1.get_text()) if h1 and h1.get_text(strip=True) else None


def page_url(soup: BeautifulSoup) -> str | None:
    link = soup.find("link", rel="canonical")
    if link and link.get("href", "").strip():
        return link["href"].strip()
    return _meta(soup, "og:url")


def page_authors(soup: BeautifulSoup) -> list[str]:
    """Authors from meta tags, else from a byline element ("By A and B | June 18, 2023")."""
    author = _meta(soup, "author", "article:author", "byl", "sailthru.author", "parsely-author")
    if author and not author.startswith(("http://", "https://")):
        return split_names(re.sub(r"^by\s+", "", author, flags=re.I))
    byline = soup.find(attrs={"class": re.compile(r"\b(byline|author)\b", re.I)})
    if byline is None:
        return []
    header = Header()
    read_header_lines([normalize_paragraph(byline.get_text(" "))], header)
    return header.authors


def page_date(html: str) -> dt.date | None:
    try:
        found = htmldate.find_date(html, original_date=True, extensive_search=False)
    except Exception as error:  # htmldate on broken markup: a missing date, not a failed article
        log.debug("htmldate failed: %s", error)
        return None
    try:
        return dt.date.fromisoformat(found) if found else None
    except ValueError:
        return None


@dataclass
class HtmlArticle:
    """What :func:`extract_html` finds in a page."""

    title: str | None
    paragraphs: list[str]
    date: dt.date | None = None
    date_source: str | None = None
    authors: list[str] = field(default_factory=list)
    site: str | None = None
    url: str | None = None
    contributors: list[str] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)


def extract_html(html: str) -> HtmlArticle:
    """Main text and metadata of a news page; the paragraph-level clean-up of clean.py included."""
    paragraphs, meta = main_paragraphs(html)
    soup = BeautifulSoup(html, "lxml")
    if not paragraphs:  # trafilatura found no main content: fall back to all visible text
        body = soup.body or soup
        paragraphs = html_to_text(str(body)).split("\n\n") if body else []

    title = page_title(soup) or meta.get("title")
    dropped: list[Dropped] = []
    title_key = normalize_paragraph(title).casefold() if title else None
    if title_key:
        kept = []
        for paragraph in paragraphs:
            if paragraph.casefold() == title_key and not kept:
                dropped.append(Dropped(paragraph, "title repeated in body"))
            else:
                kept.append(paragraph)
        paragraphs = kept

    # a byline and a "Published June 18, 2023" line at the top of the text are metadata
    header = Header()
    used = read_header_lines(paragraphs, header, limit=4)
    dropped.extend(Dropped(p, "byline") for p in paragraphs[:used])
    paragraphs = paragraphs[used:]

    cleaned = clean_paragraphs(paragraphs)
    date, date_source = page_date(html), "html-meta"
    if date is None:
        date, date_source = header.date, header.date_source
    authors = (
        page_authors(soup) or header.authors or (split_names(meta["author"]) if meta.get("author") else [])
    )
    return HtmlArticle(
        title=title,
        paragraphs=cleaned.paragraphs,
        date=date,
        date_source=date_source if date else None,
        authors=authors,
        site=_meta(soup, "og:site_name", "application-name") or meta.get("sitename"),
        url=page_url(soup) or meta.get("url"),
        contributors=cleaned.contributors,
        dropped=dropped + cleaned.dropped,
    )
