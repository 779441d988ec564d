"""Clean failures: a request id on every response and log record, and a clear 503 when the
database cannot answer (unreachable, or a query stopped by the statement timeout)."""

from __future__ import annotations

import logging

from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    InterfaceError,
    OperationalError,
    connections,
)
from django.http import FileResponse
from django.template.response import TemplateResponse

from .logs import request_id_for, reset_current, set_current

logger = logging.getLogger(__name__)

QUERY_CANCELED = "57014"  # PostgreSQL: statement_timeout reached

# PostgreSQL errors that say the database cannot be used now, rather than that a statement
# is wrong: connection exceptions (class 08), the server shutting down or starting up
# (57P01-57P03), too many connections (53300), the database missing (3D000), the sign-in
# refused (class 28). psycopg's own errors while connecting or after the connection broke
# (refused, timed out, "server closed the connection") carry no SQLSTATE at all.
UNAVAILABLE_STATES = {"57P01", "57P02", "57P03", "53300", "3D000"}
UNAVAILABLE_CLASSES = {"08", "28"}
# SQLite: the database file cannot be opened, or another writer held it past the timeout.
UNAVAILABLE_SQLITE = {"SQLITE_CANTOPEN", "SQLITE_BUSY", "SQLITE_LOCKED"}

TIMEOUT_RETRY_AFTER = 30  # seconds
UNAVAILABLE_RETRY_AFTER = 60


def is_query_canceled(exc: BaseException) -> bool:
    cause = getattr(exc, "__cause__", None)
    return isinstance(exc, OperationalError) and getattr(cause, "sqlstate", None) == QUERY_CANCELED


def is_database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` (a Django database error, wrapping the driver's as its cause) says the
    database cannot be reached or used at all: not a statement's own error (a missing table,
    bad SQL, a constraint), which is a bug to fix and stays a 500."""
    if isinstance(exc, InterfaceError):  # the connection is closed or unusable
        return True
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    if cause is None:
        return False
    if hasattr(cause, "sqlite_errorname"):
        return cause.sqlite_errorname in UNAVAILABLE_SQLITE
    if not hasattr(cause, "sqlstate"):  # not psycopg 3: no way to tell
        return False
    state = cause.sqlstate
    return state is None or state in UNAVAILABLE_STATES or state[:2] in UNAVAILABLE_CLASSES


class RequestIdMiddleware:
    """Right after WhiteNoise (static files need none): gives each request an id (its
    X-Request-ID when that is a sane short token), returns it in the X-Request-ID header and
    makes the request what every log record written meanwhile names (partnerships/logs.py).

    A streamed response (an export) is sent after this returns: an error while it is being
    sent can no longer become a 503. It is logged here, with the request's id, and raised
    again: before the first bytes the server answers 500 itself; after them it cuts the
    connection, and the client sees an incomplete download rather than a short file."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request_id_for(request)
        token = set_current(request)
        try:
            response = self.get_response(request)
        finally:
            reset_current(token)
        response["X-Request-ID"] = request.request_id
        if response.streaming and not response.is_async and not isinstance(response, FileResponse):
            response.streaming_content = logged_stream(response.streaming_content, request)
        return response


def logged_stream(chunks, request):
    started = False
    try:
        for chunk in chunks:
            started = started or bool(chunk)
            yield chunk
    except Exception:
        token = set_current(request)
        try:
            if started:
                logger.exception("Response stream broken after its first bytes")
            else:  # the server answers 500 itself
                logger.exception("Response stream failed before its first bytes")
        finally:
            reset_current(token)
        raise


class DatabaseFailureMiddleware:
    """A request whose database cannot answer gets 503 with a Retry-After header and a short
    explanation (templates/503.html, which reads nothing from the database), instead of an
    error page: when the database is unreachable or refuses connections
    (is_database_unavailable), and when a query was stopped by PostgreSQL's statement_timeout
    (set for the web processes with DJANGO_STATEMENT_TIMEOUT_MS). Every other error is left
    to Django: a 500, logged by ``django.request`` with its traceback.

    Only exceptions raised by a view or while rendering its template reach process_exception;
    exports read their first rows in the view for this reason (exports.streaming_response)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        """The admin connects to the database before its view runs: an anonymous visit (a
        redirect to the sign-in form, the form itself) reads nothing from it, and would
        otherwise offer a form that cannot work."""
        match = request.resolver_match
        if match is None or match.app_name != "admin":
            return None
        try:
            connections[DEFAULT_DB_ALIAS].ensure_connection()
        except DatabaseError as exc:
            response = self.process_exception(request, exc)
            if response is None:
                raise
            return response
        return None

    def process_exception(self, request, exc):
        if is_query_canceled(exc):
            reason, retry_after = "timeout", TIMEOUT_RETRY_AFTER
            logger.warning("Query stopped by the statement timeout", exc_info=exc)
        elif is_database_unavailable(exc):
            reason, retry_after = "unavailable", UNAVAILABLE_RETRY_AFTER
            logger.error("Database unavailable", exc_info=exc)
        else:
            return None
        response = TemplateResponse(request, "503.html", {"reason": reason}, status=503)
        response["Retry-After"] = str(retry_after)
        # Logged above with its cause: django.request need not log "Service Unavailable"
        # again without it (the flag Django's log_response sets and checks).
        response._has_been_logged = True
        return response.render()
