"""Turning a query that ran out of time into a clear answer."""

from __future__ import annotations

from django.db import OperationalError
from django.template.response import TemplateResponse

QUERY_CANCELED = "57014"  # PostgreSQL: statement_timeout reached


def is_query_canceled(exc: BaseException) -> bool:
    cause = getattr(exc, "__cause__", None)
    return isinstance(exc, OperationalError) and getattr(cause, "sqlstate", None) == QUERY_CANCELED


class QueryTimeoutMiddleware:
    """A query stopped by PostgreSQL's statement_timeout (set for the web processes with
    DJANGO_STATEMENT_TIMEOUT_MS) answers 503 with an explanation instead of an error page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exc):
        if is_query_canceled(exc):
            response = TemplateResponse(request, "503.html", status=503)
            response["Retry-After"] = "30"
            return response.render()
        return None
