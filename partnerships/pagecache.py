"""A cache of public pages, current as long as the data they show has not changed (issue 18).

``public_page`` (applied to the public views in partnerships/urls.py) stores a page once it
is rendered, under a key made of the data version, the active language and the address as
the client sent it (scheme, host, path and querystring), and answers the next anonymous
GET or HEAD of the same address from the cache, with ``X-Cache: hit`` (``miss`` when the
page was rendered).

The data version is what makes a change show on the next request; the timeout
(PAGE_CACHE_SECONDS) only bounds how long old entries take room. It is one key in the
"data-version" cache, shared by every process (settings.CACHES), set to a new random value
by ``bump()``. ``changed()`` asks for that once the write commits (at once outside a
transaction), once per transaction however many rows were written; partnerships/signals.py
calls it on every save, delete and many-to-many change of the app's data, and the write
paths that send no signal call it themselves (imports, partnerships/tasks.py). A value is
never used twice, so a version lost from the cache (evicted, flushed) gives a new one, never
an old one under which old pages are kept.

Not stored, nor answered from the cache: signed-in users (staff see drafts and preview
links); a request made while its own database connection holds writes not yet committed (it
sees data no other request sees); and any response but a 200 with HTML that sets no cookie
and has used no CSRF token (a page with a form).
"""

from __future__ import annotations

import functools
import hashlib
import secrets

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.utils.translation import get_language

VERSION_KEY = "data-version"


def data_version() -> str:
    """The current data version, made (and shared) when the cache has none."""
    versions = caches["data-version"]
    version = versions.get(VERSION_KEY)
    if version is None:
        new = secrets.token_hex(8)
        versions.add(VERSION_KEY, new, timeout=None)  # another process may have made one first
        version = versions.get(VERSION_KEY) or new
    return version


def bump() -> None:
    """A new data version: every page stored so far is out of date."""
    caches["data-version"].set(VERSION_KEY, secrets.token_hex(8), timeout=None)


def changed(using: str | None = None) -> None:
    """The app's data was written on this connection: bump() when the transaction commits
    (once, however many writes it holds; not at all if it rolls back)."""
    connection = transaction.get_connection(using)
    if uncommitted_writes(connection):
        return

    def after_commit():
        connection.pagecache_bump = None
        bump()

    connection.pagecache_bump = after_commit
    transaction.on_commit(after_commit, using=using)
    # Then the job worker counts the whole lists anew (tasks.count_lists), so that their
    # next visitors need not. robust: the write is done, whatever becomes of this.
    transaction.on_commit(count_lists_later, using=using, robust=True)


def count_lists_later() -> None:
    from .tasks import count_lists

    count_lists.enqueue(data_version())


def uncommitted_writes(connection=None) -> bool:
    """Whether ``connection`` has written data whose bump() waits for a commit: until then
    what it reads is not what other requests read."""
    connection = connection or transaction.get_connection()
    pending = getattr(connection, "pagecache_bump", None)
    return pending is not None and any(func is pending for _, func, _ in connection.run_on_commit)


def page_key(request) -> str:
    address = hashlib.sha256(request.build_absolute_uri().encode()).hexdigest()
    return f"page:{data_version()}:{get_language()}:{address}"


def may_use_cache(request) -> bool:
    return (
        settings.PAGE_CACHE_SECONDS > 0
        and request.method in ("GET", "HEAD")
        and not request.user.is_authenticated
        and not uncommitted_writes()
    )


def may_store(request, response) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and response.get("Content-Type", "").startswith("text/html")
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")  # get_token() was called
        and not uncommitted_writes()
    )


def public_page(view):
    """Answer anonymous requests for the page from the cache, and store what may be stored."""

    @functools.wraps(view)
    def cached_view(request, *args, **kwargs):
        if not may_use_cache(request):
            return view(request, *args, **kwargs)
        key = page_key(request)
        pages = caches["pages"]
        response = pages.get(key)
        if response is not None:
            response["X-Cache"] = "hit"
            return response
        response = view(request, *args, **kwargs)
        response["X-Cache"] = "miss"

        def store(response):
            # After rendering: a template's {% csrf_token %} marks the request only then.
            if may_store(request, response):
                pages.set(key, response, settings.PAGE_CACHE_SECONDS)

        if hasattr(response, "add_post_render_callback"):
            response.add_post_render_callback(store)  # at once if already rendered
        else:
            store(response)
        return response

    return cached_view
