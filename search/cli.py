"""The ``dateline`` command: each command is a thin layer over the :mod:`search` API."""

from __future__ import annotations

import datetime as dt
import errno
import functools
import json
import logging
import os
import sys
import time
from pathlib import Path

import click

from . import export, open_index
from .batch import as_phrases, read_queries
from .batch import csv_chunks as batch_csv
from .decoding import decode_bytes
from .errors import DatelineError
from .extract import article_or_reason
from .indexer import index_corpus
from .ingest import iter_records
from .models import FACETS, Filters, IndexStats, Skipped, Span
from .service import to_jsonable

DEFAULT_INDEX = "instance/index"

index_option = click.option(
    "--index",
    "index_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_INDEX,
    envvar="DATELINE_INDEX",
    show_default=True,
    help="Index folder (or set DATELINE_INDEX).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")


def friendly_errors(command):
    """Show a DatelineError as a one-line message and exit 1, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except DatelineError as error:
            raise click.ClickException(str(error)) from None

    return wrapper


def _dump(value) -> None:
    click.echo(json.dumps(to_jsonable(value), ensure_ascii=False, indent=2))


def _spans(spans: list[Span]) -> str:
    return "".join(click.style(s.text, bold=True, fg="yellow") if s.match else s.text for s in spans)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More log output on stderr (-vv for debug).")
@click.version_option(package_name="dateline")
def main(verbose: int) -> None:
    """Dateline: index a folder of news articles and search it."""
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)


@main.command("index")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@index_option
@click.option("--remove", "remove", multiple=True, type=click.Path(path_type=Path),
              help="Drop a folder (or file) the index holds, and its articles (repeatable).")
@click.option("--rebuild", is_flag=True, help="Build a fresh index aside and swap it in when complete.")
@click.option("--entities/--no-entities", default=None,
              help="Named-entity recognition on (default for a new index) or off (faster; no entity facets). "
              "Unset: as the index was last built.")
@click.option("--aliases", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Entity aliases file (default: the one used last time, else aliases.toml beside the corpus).")
@click.option("--cluster", metavar="ADDRESS",
              help="Clean and run NER on a Dask cluster: its scheduler's address (tcp://HOST:8786), "
              "or local:N for N worker processes on this machine. The index is written here.")
@json_option
@friendly_errors
def index_command(paths, index_dir, remove, rebuild, entities, aliases, cluster, as_json) -> None:
    """Add PATHS (folders or files) to the index and bring it up to date; incremental unless --rebuild.

    The index remembers its folders: every run scans them all, so indexing a second folder adds
    it to the first. With no PATHS, the folders already indexed are scanned again.
    """
    stats = index_corpus(index_dir, paths, remove=remove, rebuild=rebuild, entities=entities, aliases=aliases,
                         cluster=cluster)
    if as_json:
        _dump(stats)
        return
    _print_stats(stats, index_dir)


def _print_stats(stats: IndexStats, index_dir: Path) -> None:
    click.echo(
        f"{index_dir}: {stats.total:,} articles "
        f"(added {stats.added:,}, updated {stats.updated:,}, removed {stats.removed:,}, "
        f"unchanged {stats.unchanged:,}, skipped {len(stats.skipped):,}) in {stats.seconds:.1f} s"
    )
    for root in stats.roots_added:
        click.echo(f"  added {root}")
    for root in stats.roots_removed:
        click.echo(f"  removed {root} and its articles")
    if stats.roots_removed or (stats.roots_added and len(stats.roots) > len(stats.roots_added)):
        click.echo(f"  the index holds: {', '.join(stats.roots) or 'nothing'}")
    by_reason: dict[str, list[Skipped]] = {}
    for item in stats.skipped:
        by_reason.setdefault(item.reason, []).append(item)
    for reason, items in sorted(by_reason.items(), key=lambda kv: -len(kv[1])):
        names = ", ".join(i.path for i in items[:3]) + (f" and {len(items) - 3} more" if len(items) > 3 else "")
        click.echo(f"  skipped {len(items)}: {reason} ({names})")


def _date(value: str | None, name: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date: use YYYY-MM-DD.", param_hint=name) from None


@main.command("search")
@click.argument("query", required=False, default="")
@index_option
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 100), help="Hits to show.")
@click.option("--page", default=1, show_default=True, type=click.IntRange(1), help="Page of hits.")
@click.option("--sort", type=click.Choice(["relevance", "date", "newest", "oldest"]),
              help="Order of the hits ('date' is newest).  [default: relevance; newest first for an empty QUERY]")
@click.option("--person", multiple=True, help="Only articles mentioning this person (repeat for OR).")
@click.option("--org", multiple=True, help="Only articles mentioning this organisation.")
@click.option("--place", multiple=True, help="Only articles mentioning this place.")
@click.option("--reporter", "--contributor", "contributor", multiple=True,
              help="Only articles credited to this reporter (byline, author or \"Reporting by\").")
@click.option("--source", multiple=True, help="Only articles from this site or source.")
@click.option("--mentioned", multiple=True, help="Only articles mentioning this date (YYYY-MM or YYYY-MM-DD).")
@click.option("--from", "date_from", help="Published on or after YYYY-MM-DD.")
@click.option("--to", "date_to", help="Published on or before YYYY-MM-DD.")
@click.option("--format", "fmt", type=click.Choice(["text", *export.FORMATS]), default="text", show_default=True,
              help="csv or jsonl: one row per hit (columns id, title, date, source, url, people, orgs, places, "
              "score, snippet).")
@click.option("--all", "every", is_flag=True, help="With --format csv|jsonl: every hit, not one page (no cap).")
@click.option("--collapse", is_flag=True, help="One hit per story (reprints and coverage of one event folded in).")
@click.option("--autocorrect/--no-autocorrect", default=True, show_default=True,
              help="Run the spelling correction of a query that finds (almost) nothing when it finds far more.")
@json_option
@friendly_errors
def search_command(
    query, index_dir, limit, page, sort, date_from, date_to, fmt, every, collapse, autocorrect, as_json, **facets
) -> None:
    """Search the index. An empty QUERY lists everything, newest first.

    QUERY: any text. Words (all must match; a sentence, or words no article has all of, ranks by
    best match), OR, -word or NOT word, "a phrase", field:value
    (title, body, date, person, org, place, reporter, source, mentioned), wild*cards, fuzzy~.
    """
    if every and fmt == "text":
        raise click.UsageError("--all exports every hit: use it with --format csv or --format jsonl.")
    if as_json and fmt != "text":
        raise click.UsageError("--json prints the results page as JSON: use either it or --format.")
    filters = Filters(
        facets={name: list(values) for name, values in facets.items() if values},
        date_from=_date(date_from, "--from"),
        date_to=_date(date_to, "--to"),
    )
    sort = {None: "relevance", "date": "newest"}.get(sort, sort)
    index = open_index(index_dir)
    if every:
        _stream(export.chunks(index.iter_results(query, filters, sort=sort, autocorrect=autocorrect), fmt))
        return
    results = index.search(query, filters, sort=sort, page=page, per_page=limit, autocorrect=autocorrect,
                           collapse=collapse)
    if fmt != "text":
        _stream(export.chunks(results.hits, fmt))
        return
    if as_json:
        _dump(results)
        return
    shown = f"{(page - 1) * limit + 1}–{(page - 1) * limit + len(results.hits)}" if results.hits else "none"
    stories = f" in {results.stories:,} {'story' if results.stories == 1 else 'stories'}" if results.collapsed else ""
    click.echo(f"{results.total:,} articles{stories} ({shown} shown, {results.took_ms:.0f} ms)")
    if results.corrected:
        click.echo(f"Showing results for {results.corrected}; search instead for {query} (--no-autocorrect)")
    for note in results.notes:
        click.echo(note)
    if results.suggestion:
        click.echo(f"Did you mean: {results.suggestion}")
    for rank, hit in enumerate(results.hits, (page - 1) * limit + 1):
        date = hit.date.isoformat() if hit.date else "undated"
        click.echo(f"\n{rank:>3}. {click.style(hit.title, bold=True)}")
        place = f"{hit.dateline} · " if hit.dateline else ""
        click.echo(f"     {place}{date} · {hit.id}" + (f" · {hit.source}" if hit.source else ""))
        for fragment in hit.snippet:
            click.echo(f"     {_spans(fragment)}")
        if hit.story and hit.story.hidden:
            more = ", ".join(m.id for m in hit.story.more) + (" …" if hit.story.hidden > len(hit.story.more) else "")
            click.echo(f"     +{hit.story.hidden} more in story {hit.story.id}: {more}")
    active = [f for f in FACETS if results.facets.get(f)]
    if active and results.total:
        click.echo("")
        for name in active:
            values = ", ".join(f"{c.value} ({c.count})" for c in results.facets[name][:5])
            click.echo(f"{name:>12}: {values}")


def _stream(chunks) -> None:
    """Rows to stdout as they are made; a closed pipe (``| head``) ends the export quietly."""
    try:
        for chunk in chunks:
            click.echo(chunk, nl=False)
        sys.stdout.flush()
    except BrokenPipeError:
        sys.stderr.close()  # nothing more to say: the reader has gone
        sys.exit(0)


@main.command("batch")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@index_option
@click.option("--column", help="FILE is a CSV table: take the queries from this column (a header name or a number).")
@click.option("--phrase", is_flag=True, help="Search each entry without quotes as one exact phrase (for names).")
@click.option("--csv", "as_csv", is_flag=True, help="Print the table as CSV.")
@json_option
@friendly_errors
def batch_command(file, index_dir, column, phrase, as_csv, as_json) -> None:
    """For each query in FILE (one a line, or a CSV --column; - for stdin): the number of matching
    articles and the first and last publication date."""
    if as_csv and as_json:
        raise click.UsageError("Choose one of --csv and --json.")
    try:
        data = sys.stdin.buffer.read() if str(file) == "-" else file.read_bytes()
    except OSError as error:
        raise click.ClickException(f"Cannot read {file}: {error.strerror or error}.") from None
    text = decode_bytes(data)
    if text is None:
        raise click.ClickException(f"{file} is not a text file: give a list of queries, one a line, or a CSV table.")
    queries = read_queries(text, column)
    if not queries:
        raise click.ClickException(f"{file} has no queries: write one a line (or name a CSV --column).")
    started = time.perf_counter()
    rows = open_index(index_dir).batch(as_phrases(queries) if phrase else queries)
    seconds = time.perf_counter() - started
    if as_json:
        _dump(rows)
        return
    if as_csv:
        _stream(batch_csv(rows))
        return
    width = min(60, max(len(row.query) for row in rows))
    for row in rows:
        if row.error:
            click.echo(f"{row.query[:width]:<{width}}  error: {row.error}")
            continue
        span = f"{row.first.isoformat()} – {row.last.isoformat()}" if row.first and row.last else (
            "undated" if row.articles else "")
        click.echo(f"{row.query[:width]:<{width}}  {row.articles:>7,}  {span}".rstrip())
    click.echo(f"{len(rows):,} queries in {seconds:.1f} s", err=True)


@main.command("show")
@click.argument("article_id")
@index_option
@json_option
@friendly_errors
def show_command(article_id, index_dir, as_json) -> None:
    """Show one indexed article by its ID."""
    article = open_index(index_dir).get(article_id)
    if article is None:
        raise click.ClickException(f"No article {article_id!r} in {index_dir}: `dateline search` lists ids.")
    if as_json:
        _dump(article)
        return
    _print_article(article)


def _print_article(article, dropped: bool = False) -> None:
    title = click.style(article.title, bold=True)
    click.echo(f"{title}{'  (title derived from the first sentence)' if article.title_derived else ''}")
    click.echo(f"id: {article.id}")
    click.echo(f"date: {article.date.isoformat() if article.date else 'unknown'}"
               + (f" (from {article.date_source})" if article.date else ""))
    for label, values in [
        ("contributors", article.contributors),
        ("authors", article.authors),
        ("people", article.entities.people),
        ("organisations", article.entities.orgs),
        ("places", article.entities.places),
        ("mentioned dates", article.entities.mentioned_dates),
    ]:
        if values:
            click.echo(f"{label}: {', '.join(values)}")
    for label, value in [("dateline", article.dateline), ("source", article.site), ("url", article.url)]:
        if value:
            click.echo(f"{label}: {value}")
    click.echo("")
    for number, paragraph in enumerate(article.paragraphs, 1):
        click.echo(f"[{number}] {paragraph}")
    if dropped and article.dropped:
        click.echo("\ndropped:")
        for item in article.dropped:
            text = item.text if len(item.text) <= 90 else item.text[:87] + "..."
            click.echo(f"  - {item.reason}: {text}")


@main.command("extract")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@json_option
@friendly_errors
def extract_command(files, as_json) -> None:
    """Show what the indexer would store for FILES, and what cleaning dropped and why."""
    articles, skipped = [], []
    for item in iter_records(list(files)):
        if not isinstance(item, Skipped):
            item = article_or_reason(item)  # as the indexer does: one bad article is reported, not fatal
        (skipped if isinstance(item, Skipped) else articles).append(item)
    if as_json:
        _dump({"articles": articles, "skipped": skipped})
        return
    for number, article in enumerate(articles):
        if number:
            click.echo("\n" + "─" * 72 + "\n")
        _print_article(article, dropped=True)
    for item in skipped:
        click.echo(f"skipped {item.path}: {item.reason}", err=True)


@main.command("entities")
@index_option
@click.option("--type", "facet", type=click.Choice(FACETS), help="Only this kind of entity.")
@click.option("--limit", type=click.IntRange(1), help="Show at most this many per type.")
@json_option
@friendly_errors
def entities_command(index_dir, facet, limit, as_json) -> None:
    """List canonical entities with article counts and the aliases merged into them."""
    entities = open_index(index_dir).entities(facet)
    if as_json:
        _dump(entities)
        return
    shown: dict[str, int] = {}
    for entity in entities:
        shown[entity.facet] = shown.get(entity.facet, 0) + 1
        if limit and shown[entity.facet] > limit:
            continue
        aliases = f"  (also: {', '.join(entity.aliases)})" if entity.aliases else ""
        click.echo(f"{entity.facet:<12} {entity.articles:>6}  {entity.name}{aliases}")


@main.command("serve")
@index_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (loopback only by default).")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=os.cpu_count() or 1, show_default="one per core", type=click.IntRange(1, 64),
              help="Server processes (gunicorn workers, 4 threads each).")
@click.option("--debug", is_flag=True, help="Flask's development server with the reloader.")
@friendly_errors
def serve_command(index_dir, host, port, workers, debug) -> None:
    """Serve the web search on HOST:PORT (gunicorn; --debug for Flask's reloader)."""
    from web import create_app

    if debug and host not in {"127.0.0.1", "localhost", "::1"}:
        raise click.UsageError("--debug runs Werkzeug's debugger, which executes code typed in the browser: "
                               "use it on 127.0.0.1 only.")
    open_index(index_dir)  # fail now, with a clear message, if there is no index
    config = {"INDEX_PATH": str(index_dir)}
    if debug:
        click.echo(f"Dateline serving {index_dir} on http://{host}:{port}/", err=True)
        create_app(config).run(host=host, port=port, debug=True)  # Werkzeug names a port in use itself
        return
    from web import server

    try:
        sock = server.listen(host, port)
    except OSError as error:
        # create_server appends "(while attempting to bind on address ...)" to the reason
        reason = (error.strerror or str(error)).split(" (while attempting")[0]
        advice = (
            f"Stop the program using the port, or choose another one with --port (e.g. --port "
            f"{port + 1 if port < 65535 else 8000})." if error.errno == errno.EADDRINUSE
            else "Give --host an address of this machine (127.0.0.1 for this machine only, 0.0.0.0 for all)."
        )
        raise click.ClickException(f"Cannot serve on {host}:{port}: {reason}. {advice}") from None
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"Dateline serving {index_dir} on http://{shown}:{port}/ ({workers} "
               f"{'worker' if workers == 1 else 'workers'})", err=True)
    server.serve(config, sock, workers)


from . import cli_stories  # noqa: E402,F401  (registers `dateline stories` on main)
