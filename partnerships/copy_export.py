"""The partnership CSV written by PostgreSQL (``COPY (SELECT …) TO STDOUT``).

A million rows through Python cost ~20 s (loading 21 columns a row, building 14 cells,
the csv module); PostgreSQL joins, formats and quotes them in ~5 s, and the view only
passes its bytes on. Every cell is made in SQL exactly as ``PartnershipListView``'s Python
export makes it (tests compare the two): a related record that is a draft gives an empty
cell, dates read as ``PartialDate`` prints them, a cell that would start a spreadsheet
formula gets a leading apostrophe (exports.safe_cell). Translated words (levels, statuses,
month names, "by …") are query parameters in the active language.
"""

from __future__ import annotations

import re

from django.db import connections, transaction
from django.db.models import F
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils.dates import MONTHS
from django.utils.translation import gettext as _

from .dates import DatePrecision
from .exports import FORMULA_START, filename, streaming_response
from .facets import first_rows_order
from .models import PartnershipLevel, PartnershipStatus, Publication

BLOCK = 64 * 1024
COPY_START, COPY_END = "COPY (", ") TO STDOUT WITH (FORMAT csv)"

# Inner column alias -> path from a partnership.
PATHS = {
    "a_name": "party_a__name",
    "b_name": "party_b__name",
    "a_region": "party_a__region__name",
    "a_region_pub": "party_a__region__publication",
    "a_country": "a_country__name",
    "a_country_pub": "a_country__publication",
    "b_region": "party_b__region__name",
    "b_region_pub": "party_b__region__publication",
    "b_country": "b_country__name",
    "b_country_pub": "b_country__publication",
    "level": "level",
    "status": "status",
    "on": "established_on",
    "precision": "established_precision",
    "not_after": "established_not_after",
    "conf": "conference__name",
    "conf_pub": "conference__publication",
    "series": "series__name",
    "series_pub": "series__publication",
    "summary": "summary",
    "slug": "slug",
}


class Sql:
    """An SQL expression with its parameters, built up by concatenation."""

    def __init__(self, text: str, params=()):
        self.text = text
        self.params = list(params)

    def __add__(self, other: Sql) -> Sql:
        return sql("({} || {})", self, other)


def sql(template: str, *args) -> Sql:
    """``template`` with each ``{}`` replaced by the next argument: an Sql in place, with its
    parameters; any other value as a query parameter. Text and parameters stay in step."""
    pieces = template.split("{}")
    if len(pieces) != len(args) + 1:
        raise ValueError(f"{len(pieces) - 1} places for {len(args)} arguments")
    text, params = [pieces[0]], []
    for arg, piece in zip(args, pieces[1:], strict=True):
        if isinstance(arg, Sql):
            text.append(arg.text)
            params += arg.params
        else:
            text.append("%s")
            params.append(arg)
        text.append(piece)
    return Sql("".join(text), params)


def col(name: str) -> Sql:
    return Sql(f'r."x_{name}"')


def literal(value: str) -> Sql:
    return sql("{}::text", value)


def published(name: str, publication: str) -> Sql:
    return sql("CASE WHEN {} = {} THEN {} END", col(publication), Publication.PUBLISHED, col(name))


def labelled(name: str, choices) -> Sql:
    whens = [sql("WHEN {} THEN {}", value, str(label)) for value, label in choices]
    places = " ".join("{}" for _ in whens)
    return sql(f"CASE {{}} {places} ELSE {{}} END", col(name), *whens, col(name))


def day(d: Sql) -> Sql:
    return sql("EXTRACT(DAY FROM {})::int::text", d)


def month(d: Sql) -> Sql:
    names = [str(MONTHS[i]) for i in range(1, 13)]
    return sql("({}::text[])[EXTRACT(MONTH FROM {})::int]", names, d)


def year(d: Sql) -> Sql:
    return sql("lpad(EXTRACT(YEAR FROM {})::int::text, 4, '0')", d)


def spaced(*parts: Sql) -> Sql:
    """The parts with a space between each two, as date_format joins "j F Y"."""
    result = parts[0]
    for part in parts[1:]:
        result = result + literal(" ") + part
    return result


def fill(template: str, values: dict[str, Sql]) -> Sql:
    """A translated "%(name)s" template with SQL expressions for its placeholders."""
    parts = re.split(r"%\((\w+)\)s", template.replace("%%", "%"))
    result = literal(parts[0])
    for i in range(1, len(parts), 2):
        result = result + values[parts[i]] + literal(parts[i + 1])
    return result


def established() -> Sql:
    """str(PartialDate(on, precision, not_after)), see dates.PartialDate.__str__."""
    on, not_after, precision = col("on"), col("not_after"), col("precision")
    period = sql(
        "CASE {} WHEN {} THEN {} WHEN {} THEN {} ELSE {} END",
        precision,
        DatePrecision.DAY,
        spaced(day(on), month(on), year(on)),
        DatePrecision.MONTH,
        spaced(month(on), year(on)),
        year(on),
    )
    bound = sql(
        "CASE WHEN EXTRACT(YEAR FROM {}) = EXTRACT(YEAR FROM {}) THEN {} ELSE {} END",
        not_after,
        on,
        spaced(day(not_after), month(not_after)),
        spaced(day(not_after), month(not_after), year(not_after)),
    )
    by = fill(_("by %(date)s"), {"date": spaced(day(not_after), month(not_after), year(not_after))})
    before = fill(_("%(period)s, before %(date)s"), {"period": period, "date": bound})
    return sql(
        "CASE WHEN {} IS NULL AND {} IS NULL THEN {} WHEN {} IS NULL THEN {} "
        "WHEN {} IS NOT NULL AND {} <> {} THEN {} ELSE {} END",
        *(on, not_after, _("date not reported")),
        *(on, by),
        *(not_after, precision, DatePrecision.DAY, before),
        period,
    )


def safe(cell: Sql) -> Sql:
    """exports.safe_cell: an apostrophe before a formula's first character; '' as NULL,
    which COPY writes as an empty field (an empty string it would quote)."""
    template = "CASE WHEN left({}, 1) = ANY({}) THEN '''' || {} ELSE NULLIF({}, '') END"
    return sql(template, cell, list(FORMULA_START), cell, cell)


def cells() -> list[Sql]:
    """The export's columns, in PartnershipListView.columns' order."""
    url = reverse("partnership-detail", args=["-"])[:-2]
    return [
        col("a_name") + literal(" – ") + col("b_name"),
        col("a_name"),
        published("a_region", "a_region_pub"),
        published("a_country", "a_country_pub"),
        col("b_name"),
        published("b_region", "b_region_pub"),
        published("b_country", "b_country_pub"),
        labelled("level", PartnershipLevel.choices),
        labelled("status", PartnershipStatus.choices),
        established(),
        published("conf", "conf_pub"),
        published("series", "series_pub"),
        col("summary"),
        literal(url) + col("slug") + literal("/"),
    ]


def copy_sql(queryset) -> tuple[str, list] | None:
    """COPY (…) TO STDOUT for the CSV rows of ``queryset`` in its order; None if its order
    cannot be replayed on the selected columns (then the export runs in Python)."""
    order = first_rows_order(queryset)
    if order is None:
        return None
    extra = {f"_o{i}": F(term.column) for i, term in enumerate(order)}
    inner = (
        queryset.prefetch_related(None)
        .order_by()
        .values(**{f"x_{alias}": F(path) for alias, path in PATHS.items()}, **extra)
    )
    inner_sql, inner_params = inner.query.sql_with_params()
    selected = [safe(cell) for cell in cells()]
    by = ", ".join(term.sql(f'r."_o{i}"') for i, term in enumerate(order))
    text = (
        f"{COPY_START}SELECT {', '.join(c.text for c in selected)} "  # noqa: S608 - no request text
        f"FROM ({inner_sql}) AS r ORDER BY {by}{COPY_END}"
    )
    params = [p for c in selected for p in c.params] + list(inner_params)
    return text, params


def copy_csv_response(queryset, headers: list[str], stem: str) -> StreamingHttpResponse | None:
    """The CSV streamed from PostgreSQL's COPY, or None when it cannot be (another database,
    an order that cannot be replayed)."""
    if connections[queryset.db].vendor != "postgresql":
        return None
    statement = copy_sql(queryset)
    if statement is None:
        return None
    text, params = statement
    using = queryset.db
    # Now, in the view (streaming_response): the database answers and can plan the
    # statement, with the page's time limit. The COPY itself starts only once the response
    # is being sent: from its start to its last row it holds the connection (psycopg's
    # lock), and a query of anything else on it meanwhile (a middleware saving the session)
    # would wait for it for ever. It has no time limit to run out of.
    with connections[using].cursor() as cursor:
        cursor.execute("EXPLAIN " + text.removeprefix(COPY_START).removesuffix(COPY_END), params)

    def stream():
        connection = connections[using]
        with transaction.atomic(using=using), connection.cursor() as cursor:
            # One statement for the whole export: a time limit meant for pages would
            # cut a large export short in the middle of the file.
            cursor.execute("SET LOCAL statement_timeout = 0")
            # The raw cursor's errors as Django's, as for any other query.
            with connection.wrap_database_errors, cursor.cursor.copy(text, params) as copy:
                # COPY sends a row at a time: pass them on 64 kB at once, the header with
                # the first (streaming_response).
                buffer = bytearray(("\ufeff" + ",".join(headers) + "\n").encode())
                for row in copy:
                    buffer += row
                    if len(buffer) >= BLOCK:
                        yield bytes(buffer)
                        buffer.clear()
                yield bytes(buffer)

    return streaming_response(stream(), "text/csv; charset=utf-8", filename(stem, "csv"))
