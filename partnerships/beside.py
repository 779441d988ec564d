"""Work run beside a request on a second database connection, on PostgreSQL.

A search's first page waits on two independent things in the database: its facets (and its
count) and its rows. One after the other, each waits for the other; on a helper thread with a
connection of its own, the facets run while the request reads its rows, and PostgreSQL works
on both at once (a second core). Python's own work still takes turns (the GIL): what is gained
is the time each query spends in PostgreSQL. The helper starts from the planner's estimate
(views.RecordListView.count_search), so that the facet query goes out as early as it can;
the request waits only for the decision it needs from it: read the rows meanwhile or not.

Only outside a transaction, in autocommit (a public page's requests): a second connection
sees only committed rows, and inside a transaction (tests, admin actions) the work runs on
the request's own connection instead, as before. Each process (gunicorn worker) starts its own
thread when it first needs it; the thread keeps its connection, checked and closed when
broken or older than CONN_MAX_AGE, as Django does for a request's. ``DJANGO_PARALLEL_FACETS=0``
turns this off.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

from django.conf import settings
from django.db import connections
from django.urls import get_script_prefix, set_script_prefix
from django.utils import translation

T = TypeVar("T")

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_executor_pid: int | None = None


def _helper() -> ThreadPoolExecutor:
    """This process's helper thread (a forked worker starts its own)."""
    global _executor, _executor_pid
    with _lock:
        if _executor is None or _executor_pid != os.getpid():
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="beside")
            _executor_pid = os.getpid()
        return _executor


def can_run_beside(using: str) -> bool:
    """PostgreSQL, in autocommit and outside any transaction, and not turned off."""
    connection = connections[using]
    return (
        settings.PARALLEL_FACETS
        and connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and connection.get_autocommit()
    )


def run_beside(using: str, fn: Callable[..., T], *args, **kwargs) -> Future[T]:
    """``fn(*args, **kwargs)`` on the helper thread, with the request's language and script
    prefix, when can_run_beside(using); else now, on the request's connection. Either way a
    Future: its result() is fn's result, or raises what fn raised."""
    if _inline.active or not can_run_beside(using):
        done: Future[T] = Future()
        done.set_result(fn(*args, **kwargs))
        return done
    language = translation.get_language()
    prefix = get_script_prefix()

    def task():
        connection = connections[using]
        connection.close_if_unusable_or_obsolete()  # as at the start of a request
        set_script_prefix(prefix)
        try:
            with translation.override(language):
                return fn(*args, **kwargs)
        finally:
            connection.close_if_unusable_or_obsolete()  # as at its end

    return _helper().submit(task)


class _Inline(threading.local):
    active = False


_inline = _Inline()


@contextmanager
def in_request_thread():
    """Inside the block, work that would run beside a request runs in the request's own thread
    and on its connection, with the same decisions otherwise (what runs beside, what the
    page reads itself): bench/count_queries.py and bench/explain.py see every query a page
    sends."""
    _inline.active = True
    try:
        yield
    finally:
        _inline.active = False


def close_connections() -> None:
    """Close the helper thread's database connections, if this process has one (tests do
    before the test database is dropped)."""
    if _executor is not None and _executor_pid == os.getpid():
        _executor.submit(connections.close_all).result()
