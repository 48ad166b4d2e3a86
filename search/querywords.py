"""The words of a parsed query, and its best-match form (see :mod:`search.matching`).

Beside :mod:`search.backend`, one of the modules that handle Whoosh's query objects.
"""

from __future__ import annotations

from whoosh import query
from whoosh.analysis import STOP_WORDS

from .arrayquery import FieldedWords
from .documents import SEARCH_FIELDS


def without_stop_words(q: query.Query) -> query.Query:
    """``q`` without its stop words (``the``, ``may``: indexed unstemmed, see
    :func:`search.documents.text_analyzer`) outside phrases, as an index that leaves them out
    would read it; ``q`` itself when nothing else is left to search (``may``, ``to be or not
    to be``)."""
    kept = _drop_stop_words(q).normalize()
    return q if kept is query.NullQuery or isinstance(kept, type(query.NullQuery)) else kept


def _drop_stop_words(q: query.Query) -> query.Query:
    if type(q) is query.Term and q.fieldname in SEARCH_FIELDS and q.text in STOP_WORDS:
        return query.NullQuery
    if isinstance(q, query.Phrase) or q.is_leaf():
        return q
    return q.apply(_drop_stop_words)


def words_of(q: query.Query) -> list[str]:
    """The distinct words of a query's text clauses (:func:`_text_clauses`), stop words left
    out unless there is nothing else (the words of a phrase: ``"the rise of china"``)."""
    words = dict.fromkeys(word for clause in _text_clauses(q)[0] for word in _clause_words(clause))
    return [word for word in words if word not in STOP_WORDS] or list(words)


def _text_clauses(q: query.Query) -> tuple[list[query.Query], list[query.Query]]:
    """A query's top-level clauses split into text (words and phrases in titles and
    bodies, however the analyzer split them: ``non-coding``, ``Ca2+``) and the rest
    (ORs of different words, fields, dates, wildcards), which a best match keeps."""
    if isinstance(q, query.AndNot):  # "-word": the words are those of what it excludes from
        q = q.a
    clauses = q.subqueries if type(q) is query.And else [q]
    text, rest = [], []
    for clause in clauses:
        (text if _clause_words(clause) is not None else rest).append(clause)
    return text, rest


def best_match(q: query.Query, minimum: int, title_weight: float = 1.0) -> query.Query:
    """``q`` with its words (:func:`words_of`) made optional: a document needs ``minimum``
    of them (Elasticsearch's ``minimum_should_match``) and scores by all it has, as BM25F
    (:class:`~search.arrayquery.FieldedWords`), a title occurrence weighing ``title_weight``
    times its indexed weight; excluded words (``-word``) and the clauses that are not text
    stay required."""
    if isinstance(q, query.AndNot):
        return query.AndNot(best_match(q.a, minimum, title_weight), q.b)
    rest = _text_clauses(q)[1]
    words = [
        query.Or([query.Term("title", word, boost=title_weight), query.Term("body", word)])
        for word in words_of(q)
    ]
    best = FieldedWords(words, minmatch=minimum)
    return query.And([*rest, best]) if rest else best


def _clause_words(clause: query.Query) -> list[str] | None:
    """The words of a clause made only of words and phrases in titles and bodies, else None."""
    if isinstance(clause, query.Phrase):
        return list(clause.words) if clause.fieldname in SEARCH_FIELDS else None
    if type(clause) is query.Term:
        return [clause.text] if clause.fieldname in SEARCH_FIELDS else None
    if type(clause) in (query.And, query.Or):
        parts = [_clause_words(sub) for sub in clause.subqueries]
        if any(part is None for part in parts):
            return None
        words = [word for part in parts for word in part]
        # an OR of different words ("oil OR gas") is syntax, not text
        if type(clause) is query.Or and any(part != parts[0] for part in parts):
            return None
        return list(dict.fromkeys(words))
    return None
