"""Errors the public API raises. Each message names the file or parameter and what to do."""


class DatelineError(Exception):
    """Base class: the CLI and web layer show ``str(error)`` to the user, never a traceback."""


class QueryError(DatelineError):
    """A malformed query or filter."""


class QueryTooBroad(QueryError):
    """A query that would take longer than the search time budget."""


class IndexNotFound(DatelineError):
    """No index at the given path."""


class InputError(DatelineError):
    """A corpus path or file the indexer cannot use."""
