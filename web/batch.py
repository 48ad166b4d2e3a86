"""Batch search (``/batch``): paste or upload a list of names or queries and get, for each, the
number of matching articles, the first and last publication date and a link to its results;
the table downloads as CSV."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from search import QueryError
from search.batch import MAX_QUERIES, as_phrases, read_queries
from search.batch import csv_chunks as batch_csv
from search.decoding import decode_bytes

from . import get_index
from .params import SearchState
from .views import search_url

bp = Blueprint("batch", __name__)

#: the largest upload (a list of 5,000 queries is far smaller)
MAX_UPLOAD_BYTES = 4 * 2**20


def _page(status: int = 200, **context):
    context.setdefault("text", "")
    context.setdefault("column", "")
    context.setdefault("phrase", False)
    return render_template("batch.html", state=SearchState(), max_queries=MAX_QUERIES, **context), status


@bp.get("/batch")
def form():
    return _page()


@bp.post("/batch")
def run():
    form = request.form
    text, column, phrase = form.get("queries", ""), form.get("column", "").strip(), bool(form.get("phrase"))
    upload = request.files.get("file")
    if upload and upload.filename:
        data = upload.read(MAX_UPLOAD_BYTES + 1)
        decoded = decode_bytes(data) if len(data) <= MAX_UPLOAD_BYTES else None
        if decoded is None:
            problem = "is over 4 MB" if len(data) > MAX_UPLOAD_BYTES else "is not a text file"
            return _page(400, error=f"{upload.filename[:100]} {problem}: upload a list of queries, one a line, "
                                    "or a CSV table (and name its column).", text=text, column=column, phrase=phrase)
        text = decoded
    try:
        queries = read_queries(text, column or None)
        if not queries:
            raise QueryError("There are no queries: write one a line, or upload a file.")
        rows = get_index().batch(as_phrases(queries) if phrase else queries)
    except QueryError as error:
        return _page(400, error=str(error), text=text, column=column, phrase=phrase)
    if form.get("format") == "csv":
        link = request.host_url.rstrip("/")
        table = "".join(batch_csv(rows, lambda q: link + search_url(SearchState(q=q))))
        response = Response(table, mimetype="text/csv")
        response.headers["Content-Disposition"] = 'attachment; filename="dateline-batch.csv"'
        return response
    # the queries as read (a CSV column becomes one a line), so "Download CSV" resubmits them
    return _page(rows=rows, text="\n".join(queries), column="", phrase=phrase, search_url=search_url,
                 SearchState=SearchState)
