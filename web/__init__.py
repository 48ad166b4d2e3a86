"""Dateline's web front end: server-rendered search pages and a JSON API over :mod:`search`.

``create_app({"INDEX_PATH": ...})`` is the application factory (``dateline serve`` calls it).
The index is opened once per process, lazily, on first use, and kept in
``app.extensions["dateline"]``; :class:`search.NewsIndex` follows rebuilds by itself.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import threading
from urllib.parse import urlsplit

from flask import Flask, current_app, jsonify, render_template, request
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException

from search import DatelineError, IndexNotFound, NewsIndex, open_index

log = logging.getLogger(__name__)

#: No inline script or style anywhere: every asset is a file under /static.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


class _IndexHolder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.index: NewsIndex | None = None


def get_index() -> NewsIndex:
    """The app's index, opened on first use (raises IndexNotFound until one is built)."""
    holder: _IndexHolder = current_app.extensions["dateline"]
    if holder.index is None:
        with holder.lock:
            if holder.index is None:
                holder.index = open_index(current_app.config["INDEX_PATH"], current_app.config["TIME_BUDGET"])
    return holder.index


def _seconds(raw: str) -> float:
    """``DATELINE_TIME_BUDGET``: seconds a search may take before it is refused as too broad."""
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value <= 600:
        raise ValueError(f"DATELINE_TIME_BUDGET must be a number of seconds between 0 and 600, not {raw!r}.")
    return value


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(
        INDEX_PATH=os.environ.get("DATELINE_INDEX", "instance/index"),
        TIME_BUDGET=_seconds(os.environ.get("DATELINE_TIME_BUDGET", "2")),
        FACET_SHOWN=8,  # facet values visible before "show more"
        FACET_MAX=100,  # values fetched (and shown after "show more")
        MAX_CONTENT_LENGTH=8 * 2**20,  # a batch search's upload (web/batch.py takes 4 MB of it)
    )
    if config:
        app.config.update(config)
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    app.extensions["dateline"] = _IndexHolder()

    from . import api, batch, entity, feed, stories, views

    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(feed.bp)
    app.register_blueprint(batch.bp)
    app.register_blueprint(entity.bp)
    app.register_blueprint(stories.bp)
    _register_template_helpers(app)
    _register_error_handlers(app)

    @app.after_request
    def security_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    return app


# templates -------------------------------------------------------------------------------------

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def spans_to_html(spans) -> Markup:
    """Snippet spans -> HTML: every piece of text escaped first, then matches wrapped in <mark>."""
    parts = []
    for span in spans or ():
        text = escape(span.text)
        parts.append(Markup("<mark>{}</mark>").format(text) if span.match else text)
    return Markup("").join(parts)


ELLIPSIS = "…"


def snippet_to_html(fragments) -> Markup:
    """Snippet fragments -> HTML, separated by an ellipsis unless the text already has one."""
    parts: list[Markup] = []
    previous = ""
    for fragment in fragments or ():
        if not fragment:
            continue
        first = fragment[0].text
        if parts:
            ends, starts = previous.rstrip().endswith(ELLIPSIS), first.lstrip().startswith(ELLIPSIS)
            if ends and starts:  # "… …": keep one
                trimmed = first.lstrip()[len(ELLIPSIS):].lstrip()
                fragment = [dataclasses.replace(fragment[0], text=trimmed), *fragment[1:]]
            if ends or starts:
                parts.append(Markup(" "))
            else:
                parts.append(Markup(' <span class="ellipsis" aria-hidden="true">…</span> '))
        parts.append(spans_to_html(fragment))
        previous = fragment[-1].text
    return Markup("").join(parts)


def format_date(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def format_bucket(value: str) -> str:
    """'2023', '2023-06' or '2023-06-18' (histogram buckets, mentioned dates) for people."""
    parts = value.split("-")
    try:
        if len(parts) == 1:
            return str(int(parts[0]))
        if len(parts) == 2:
            return f"{MONTHS[int(parts[1]) - 1]} {int(parts[0])}"
        if len(parts) == 3:
            return format_date(dt.date(int(parts[0]), int(parts[1]), int(parts[2])))
    except (ValueError, IndexError):
        pass
    return value


def safe_link(url: str | None) -> str | None:
    """The URL if it is a plain http(s) link to a host, else None (no javascript:, data: ...)."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() in {"http", "https"} and parts.netloc:
        return url.strip()
    return None


def host_of(url: str) -> str:
    return urlsplit(url).hostname or url


def _register_template_helpers(app: Flask) -> None:
    app.add_template_filter(spans_to_html, "spans")
    app.add_template_filter(snippet_to_html, "snippet")
    app.add_template_filter(format_date, "date")
    app.add_template_filter(format_bucket, "bucket")
    app.add_template_global(safe_link)
    app.add_template_global(host_of)


# errors ----------------------------------------------------------------------------------------


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, title: str, message: str):
    if wants_json():
        return jsonify(error=message), status
    return render_template("error.html", status=status, title=title, message=message), status


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(IndexNotFound)
    def no_index(error):
        log.warning("%s", error)
        return error_response(503, "No index yet", str(error))

    @app.errorhandler(DatelineError)
    def dateline_error(error):
        return error_response(400, "Something is wrong with the request", str(error))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        messages = {
            404: "There is no page at this address. Try a search instead.",
            405: "This address does not accept that kind of request.",
            413: "The upload is too large: send a list of at most 4 MB.",
        }
        message = messages.get(error.code or 500, error.description or error.name)
        return error_response(error.code or 500, error.name, message)

    @app.errorhandler(Exception)
    def unexpected(error):
        log.exception("unexpected error on %s", request.path)
        return error_response(500, "Something went wrong",
                              "Dateline hit an unexpected problem. Please try again in a moment.")
