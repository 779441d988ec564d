"""Streamed CSV and JSON exports of a list's filtered rows (all of them, not one page)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.http import StreamingHttpResponse
from django.utils import timezone

CHUNK = 2000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Column:
    header: str
    get: Callable


def safe_cell(value) -> str:
    """Text for a spreadsheet cell: a leading = + - @ would start a formula, so it is quoted."""
    if value is None:
        return ""
    text = value if type(value) is str else str(value)
    if text and text[0] in FORMULA_START:
        return "'" + text
    return text


def citations_of(obj) -> list[dict]:
    return [
        {
            "source": c.source.title,
            "outlet": c.source.outlet,
            "published_on": c.source.published_on.isoformat() if c.source.published_on else None,
            "paragraph": c.paragraph,
            "source_id": c.source_id,
        }
        for c in obj.citations.all()
    ]


def filename(stem: str, extension: str) -> str:
    return f"{stem}-{timezone.now():%Y%m%d}.{extension}"


def csv_response(
    rows: Iterable, columns: list[Column], stem: str, cells=None, batch: int = 500
) -> StreamingHttpResponse:
    """CSV of ``rows``; ``cells(row)`` gives a row's values (default: each column's get).
    Rows are sent in batches, so a large export is not a write per row."""
    cells = cells or (lambda obj: [c.get(obj) for c in columns])

    def stream():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write("\ufeff")  # so spreadsheet programs read UTF-8
        writer.writerow([c.header for c in columns])
        with closed_after(rows):
            for n, obj in enumerate(rows, start=1):
                writer.writerow([safe_cell(value) for value in cells(obj)])
                if n % batch == 0:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
        yield buffer.getvalue()

    return streaming_response(stream(), "text/csv; charset=utf-8", filename(stem, "csv"))


def json_response(rows: Iterable, columns: list[Column], stem: str) -> StreamingHttpResponse:
    def stream():
        # "[" goes out with the first row, not before it (streaming_response).
        separator = "[\n"
        with closed_after(rows):
            for obj in rows:
                record = {c.header: c.get(obj) for c in columns}
                record["citations"] = citations_of(obj)
                yield separator + json.dumps(record, ensure_ascii=False, default=str)
                separator = ",\n"
        yield ("[" if separator == "[\n" else "") + "\n]\n"

    return streaming_response(stream(), "application/json; charset=utf-8", filename(stem, "json"))


@contextmanager
def closed_after(rows: Iterable):
    """Close ``rows`` (a generator reading inside a transaction) when the block ends, even by
    an error: not whenever the garbage collector gets to it."""
    try:
        yield
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()


def streaming_response(chunks: Iterator, content_type: str, name: str) -> StreamingHttpResponse:
    """A download of ``chunks``, made as the response is sent.

    Its status is sent with its first bytes: an error after them can only cut the download
    short (middleware.RequestIdMiddleware logs it). So the view runs the export's query once
    before (views.streamed, copy_export.copy_csv_response), where a failure is answered with
    a 503 by middleware.DatabaseFailureMiddleware (anything else stays a 500); and a stream
    yields nothing before its first rows, so that its own failure then is the server's 500
    rather than "200" and a file cut short."""
    response = StreamingHttpResponse(chunks, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
