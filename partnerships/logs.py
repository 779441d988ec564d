"""Structured logs: one JSON object a line on stderr, each naming the request it is about.

RequestIdMiddleware (partnerships/middleware.py) gives every request an id
(``request.request_id``), returns it in the ``X-Request-ID`` header and keeps the request in a
context variable while it is handled; JsonFormatter adds the id, the path and the signed-in
user's id to every record written meanwhile, and to Django's records that carry the request
(``django.request``'s errors, also those it logs after the middleware has returned).

What identifies the request is its path and nothing else: no querystring, headers, cookies
or body; and the values of URL parts named like a secret (a password reset link's token)
are replaced.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

from django.http import HttpRequest
from django.utils.functional import empty

# An incoming X-Request-ID (from a proxy: nginx's $request_id, a UUID) is kept when it is a
# short token of these characters; anything else is replaced by an id of our own.
GIVEN_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
# URL parts whose values are not written to the logs (Django's password reset "token").
SECRET_URL_PART = re.compile(r"token|key|secret|password|signature", re.IGNORECASE)
REDACTED = "[redacted]"

# The request being handled (its ``request_id`` set by the middleware).
_current: ContextVar[HttpRequest | None] = ContextVar("partnerships_request", default=None)


def request_id_for(request: HttpRequest) -> str:
    """The request's X-Request-ID if it is a sane short token, else a new random id."""
    given = request.META.get("HTTP_X_REQUEST_ID", "")
    return given if GIVEN_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def set_current(request: HttpRequest | None):
    """Make ``request`` the one log records are about; returns the token for reset_current."""
    return _current.set(request)


def reset_current(token) -> None:
    _current.reset(token)


def user_id_of(request: HttpRequest):
    """The signed-in user's id when the request has already loaded its user, else None
    (anonymous, or never asked). Never a query: a log record must not touch the database,
    which may be what failed."""
    user = request.__dict__.get("user")  # AuthenticationMiddleware's SimpleLazyObject
    if user is None:
        return None
    user = user.__dict__.get("_wrapped", user)  # the user, if the lazy object has loaded it
    if user is empty or not getattr(user, "is_authenticated", False):
        return None
    return user.pk


def safe_path(request: HttpRequest) -> str:
    """The request's path (never its querystring), with the values of URL parts named like
    a secret replaced."""
    path = request.path
    match = getattr(request, "resolver_match", None)
    if match is not None:
        for name, value in match.kwargs.items():
            if SECRET_URL_PART.search(name) and isinstance(value, str) and value:
                path = path.replace(value, REDACTED)
    return path


class JsonFormatter(logging.Formatter):
    """A log record as one line of JSON: time (UTC), level, logger, message, the request's
    id, method, path and user id (null outside a request), the response status when the
    record gives one (Django's request loggers do), and the exception's type and traceback.
    Extra attributes of the record (Django passes the whole request object) are not written."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": message,
            "request_id": None,
            "method": None,
            "path": None,
            "user_id": None,
        }
        request = _current.get() or getattr(record, "request", None)
        if isinstance(request, HttpRequest):
            path = safe_path(request)
            if path != request.path:  # "Internal Server Error: /path" names it too
                escaped = request.path.encode("unicode_escape").decode("ascii")  # as Django's
                entry["message"] = message.replace(request.path, path).replace(escaped, path)
            entry.update(
                request_id=getattr(request, "request_id", None),
                method=request.method,
                path=path,
                user_id=user_id_of(request),
            )
        status = getattr(record, "status_code", None)
        if isinstance(status, int):
            entry["status"] = status
        if record.exc_info and record.exc_info[0] is not None:
            entry["exc_type"] = record.exc_info[0].__name__
            entry["exc"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
