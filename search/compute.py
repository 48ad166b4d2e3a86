"""Where the indexer's heavy steps run (cleaning, NER): in this process, in local worker processes,
or on a Dask distributed cluster (``dateline index --cluster ADDRESS``).

Each is a :class:`Pool` with one method, :meth:`Pool.map`: apply a module-level function to
batches and yield the results **in order**, with a bounded number of batches in flight (memory
stays flat however long the input). The indexer keeps writing the index and the mention cache
itself, so a cluster only ever computes: a worker that dies loses nothing (Dask runs its tasks
again elsewhere) and a scheduler that goes away stops the run with :class:`ClusterError` before
anything is published.

Functions sent to workers must be importable there (``search.extract``, ``search.entities``):
worker processes are spawned, never forked, so they import Dateline like any other program. (The
bulk writer's segment writers are forked instead, to share the documents they write without
copying them: :mod:`search.bulkwrite` says what they may and may not touch.)
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import logging
import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, Protocol

from .errors import InputError

log = logging.getLogger(__name__)

#: the option, as the user typed it, named in every error about it
OPTION = "--cluster"
#: how long to wait for a scheduler to answer, or to come back
CONNECT_TIMEOUT = "10s"
PR_SET_PDEATHSIG = 1  # linux/prctl.h


class ClusterError(InputError):
    """The cluster could not be reached, or went away during the run."""


class Pool(Protocol):
    workers: int

    def map(self, fn: Callable[[Any], Any], batches: Iterable[Any]) -> Iterator[Any]: ...

    def close(self) -> None: ...


def die_with_parent() -> None:
    """Have Linux kill this (worker) process when its parent dies: a ``dateline index`` that is
    killed (SIGKILL included) must not leave workers waiting for work forever."""
    with contextlib.suppress(OSError, AttributeError):  # not Linux: workers end with their queues
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    parent = multiprocessing.parent_process()
    if parent is not None and os.getppid() != parent.pid:  # it died while this one was starting
        os._exit(1)


def batched(items: Iterable[Any], size: int) -> Iterator[list]:
    """Lists of ``size`` items (the last one shorter): ``itertools.batched`` of Python 3.12."""
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class InProcess:
    """No workers: the batches run here, one after the other."""

    workers = 1

    def map(self, fn: Callable[[Any], Any], batches: Iterable[Any]) -> Iterator[Any]:
        return map(fn, batches)

    def close(self) -> None:
        pass


class _Ordered:
    """Submit lazily, at most ``window`` batches in flight, and yield results in input order."""

    def __init__(self, submit: Callable[[Callable, Any], Future], window: int):
        self._submit = submit
        self._window = window

    def map(self, fn: Callable[[Any], Any], batches: Iterable[Any], result: Callable[[Any], Any]) -> Iterator[Any]:
        pending: deque = deque()
        for batch in batches:
            pending.append(self._submit(fn, batch))
            if len(pending) >= self._window:
                yield result(pending.popleft())
        while pending:
            yield result(pending.popleft())


class LocalProcesses:
    """``workers`` spawned processes on this machine (one per core by default)."""

    def __init__(self, workers: int | None = None):
        self.workers = workers or usable_cores()
        self._executor = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=die_with_parent)
        self._ordered = _Ordered(self._executor.submit, 2 * self.workers)

    def map(self, fn: Callable[[Any], Any], batches: Iterable[Any]) -> Iterator[Any]:
        return self._ordered.map(fn, batches, Future.result)

    def close(self) -> None:
        self._executor.shutdown(cancel_futures=True)


class DaskCluster:
    """A Dask distributed cluster: ``local:N`` starts a ``LocalCluster`` of N worker processes on
    this machine; anything else is a scheduler address (``tcp://host:8786``).

    Tasks are retried (``retries``) when they raise, and Dask itself runs again the tasks of a
    worker that died. Any failure to get a result back (scheduler gone, the same task killing
    three workers) is a :class:`ClusterError` naming the option.
    """

    RETRIES = 3

    def __init__(self, address: str):
        import dask
        from distributed import Client, LocalCluster

        # Dask logs every worker start and stop at INFO on its own handler: keep it to problems,
        # and to warnings only when the user asked for more (-v)
        quiet = logging.WARNING if logging.getLogger().isEnabledFor(logging.INFO) else logging.ERROR
        logging.getLogger("distributed").setLevel(quiet)

        self.address = address
        self._cluster = None
        dask.config.set({"distributed.comm.timeouts.connect": CONNECT_TIMEOUT})
        try:
            if address.startswith("local:"):
                workers = _local_workers(address)
                self._cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                             dashboard_address=None)
                self._client = Client(self._cluster)
            else:
                self._client = Client(address, timeout=CONNECT_TIMEOUT)
        except ClusterError:
            raise
        except Exception as error:  # distributed raises OSError, TimeoutError, ValueError...
            self.close()
            raise ClusterError(
                f"{OPTION} {address}: no Dask scheduler answers there ({_reason(error)}). Start one "
                "(`dask scheduler`, and `dask worker ADDRESS` on each machine) and give its address as "
                "tcp://HOST:8786, or use --cluster local:N for N worker processes on this machine."
            ) from None
        self.workers = max(1, sum(self._client.nthreads().values()))
        log.info("%s %s: %d worker threads", OPTION, address, self.workers)
        self._ordered = _Ordered(self._submit, 2 * self.workers + 2)

    def _submit(self, fn: Callable, batch: Any) -> Future:
        return self._client.submit(fn, batch, retries=self.RETRIES, pure=False)

    def _result(self, future) -> Any:
        try:
            return future.result()
        except Exception as error:
            raise ClusterError(
                f"{OPTION} {self.address}: the cluster failed during the run ({_reason(error)}); nothing "
                "was published, the index is as it was. Check the scheduler and its workers and run "
                "again, or index without --cluster."
            ) from None

    def map(self, fn: Callable[[Any], Any], batches: Iterable[Any]) -> Iterator[Any]:
        return self._ordered.map(fn, batches, self._result)

    def close(self) -> None:
        client = getattr(self, "_client", None)
        for part in (client, self._cluster):
            if part is not None:
                try:
                    part.close()
                except Exception as error:  # a scheduler already gone cannot be told goodbye
                    log.debug("closing %s: %s", part, error)


def _local_workers(address: str) -> int:
    count = address.removeprefix("local:")
    if not count.isdigit() or int(count) < 1:
        raise ClusterError(f"{OPTION} {address}: local:N takes a number of worker processes, e.g. local:2.")
    return int(count)


def _reason(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text and text[0] else type(error).__name__
