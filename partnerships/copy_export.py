"""The partnership CSV and JSON written by PostgreSQL (``COPY (SELECT …) TO STDOUT``).

A million rows through Python cost ~20 s (loading 21 columns a row, building 14 cells,
the csv module); PostgreSQL joins, formats and quotes them in ~5 s, and the view only
passes its bytes on. Every cell is made in SQL exactly as ``PartnershipListView``'s Python
export makes it (tests compare the two): a related record that is a draft gives an empty
cell, dates read as ``PartialDate`` prints them, a cell that would start a spreadsheet
formula gets a leading apostrophe (exports.safe_cell). Translated words (levels, statuses,
month names, "by …") are query parameters in the active language.

The JSON export is the same SELECT with each row made one JSON object by PostgreSQL
(``json_build_object``, its citations by ``json_agg``): the keys and values of
``exports.json_response`` (tests compare the two), without the CSV's apostrophes. It is
copied in CSV format with a quote and a delimiter that JSON text never holds (control
characters, which JSON escapes), so each row arrives as its JSON text and a line feed,
unquoted and unescaped; the view only puts ``[``, ``,`` and ``]`` around them.
"""

from __future__ import annotations

import re

from django.contrib.contenttypes.models import ContentType
from django.db import connections, transaction
from django.db.models import F
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils.dates import MONTHS
from django.utils.translation import gettext as _

from .dates import DatePrecision
from .exports import CHUNK, FORMULA_START, filename, streaming_response
from .facets import first_rows_order
from .models import (
    Citation,
    PartnershipLevel,
    PartnershipStatus,
    Publication,
    SisterSchoolPartnership,
    Source,
)

BLOCK = 64 * 1024
COPY_START, COPY_END = "COPY (", ") TO STDOUT WITH (FORMAT csv)"
# Each row's JSON text as it is: no quote or delimiter character occurs in JSON text (it
# escapes every control character), so no field is quoted and nothing in it is escaped.
JSON_COPY_END = ") TO STDOUT WITH (FORMAT csv, QUOTE e'\\x01', DELIMITER e'\\x02')"

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
    "pk": "pk",
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


def select_sql(queryset, selected: list[Sql]) -> tuple[str, list] | None:
    """SELECT ``selected`` (expressions of the columns of PATHS, as col()) for the rows of
    ``queryset`` in its order; None if its order cannot be replayed on those columns."""
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
    by = ", ".join(term.sql(f'r."_o{i}"') for i, term in enumerate(order))
    text = (
        f"SELECT {', '.join(c.text for c in selected)} "  # noqa: S608 - no request text
        f"FROM ({inner_sql}) AS r ORDER BY {by}"
    )
    params = [p for c in selected for p in c.params] + list(inner_params)
    return text, params


def copy_sql(queryset) -> tuple[str, list] | None:
    """COPY (…) TO STDOUT for the CSV rows of ``queryset`` in its order; None if its order
    cannot be replayed on the selected columns (then the export runs in Python)."""
    statement = select_sql(queryset, [safe(cell) for cell in cells()])
    if statement is None:
        return None
    text, params = statement
    return f"{COPY_START}{text}{COPY_END}", params


def citations_json() -> Sql:
    """exports.citations_of(row) as a JSON array: the row's citations of a published source
    (views.published_citations), in Citation's order."""
    citation, source = Citation._meta, Source._meta
    c, s = citation.db_table, source.db_table
    ordering = ", ".join(f'c."{citation.get_field(name).column}"' for name in citation.ordering)
    # Names from the models, values as parameters.
    template = (
        "(SELECT COALESCE(json_agg(json_build_object("  # noqa: S608
        '{}, s."title", {}, s."outlet", {}, s."published_on", '
        '{}, c."paragraph", {}, c."source_id") '
        f'ORDER BY {ordering}, c."id"), {{}}) '
        f'FROM "{c}" AS c JOIN "{s}" AS s ON s."id" = c."source_id" '
        'WHERE c."content_type_id" = {} AND c."object_id" = {} AND s."publication" = {})'
    )
    keys = [literal(k) for k in ("source", "outlet", "published_on", "paragraph", "source_id")]
    content_type = ContentType.objects.get_for_model(SisterSchoolPartnership).pk
    return sql(template, *keys, Sql("'[]'::json"), content_type, col("pk"), Publication.PUBLISHED)


def json_row(headers: list[str]) -> Sql:
    """A row as the JSON object exports.json_response writes: each column's text ('' for
    a draft), then its citations."""
    pairs = []
    for header, cell in zip(headers, cells(), strict=True):
        pairs += [literal(header), sql("COALESCE({}, '')", cell)]
    pairs += [literal("citations"), citations_json()]
    places = ", ".join("{}" for _ in pairs)
    return sql(f"json_build_object({places})::text", *pairs)


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


def copy_json_response(queryset, headers: list[str], stem: str) -> StreamingHttpResponse | None:
    """The JSON array of exports.json_response, each row made by PostgreSQL and the rows
    streamed by its COPY; None when it cannot be (another database, an order that cannot be
    replayed).

    As views.streamed does, the first CHUNK rows are read here, in the view, with the
    page's time limit: a database unreachable or too slow answers 503, not a file cut
    short; fewer rows than that are the whole export. Else the COPY sends them all again
    and the rest once the response is being sent, without a time limit."""
    if connections[queryset.db].vendor != "postgresql":
        return None
    statement = select_sql(queryset, [Sql("r.*")])
    if statement is None:
        return None
    rows_text, rows_params = statement
    row = json_row(headers)
    # The rows are sorted first and made JSON after (OFFSET 0 keeps the planner from
    # merging the two): sorting a million rows' JSON text instead took 23 s, not 18.
    text = f"SELECT {row.text} FROM ({rows_text} /*limit*/) AS r"  # noqa: S608 - no request text
    params = row.params + rows_params
    using = queryset.db
    with connections[using].cursor() as cursor:
        cursor.execute(text.replace("/*limit*/", f"LIMIT {CHUNK}"), params)
        first = [line for (line,) in cursor.fetchall()]
    text = text.replace("/*limit*/", "OFFSET 0")
    content_type = "application/json; charset=utf-8"
    if len(first) < CHUNK:
        body = ("[\n" + ",\n".join(first) + "\n]\n") if first else "[\n]\n"
        return streaming_response(iter([body.encode()]), content_type, filename(stem, "json"))
    copy_text = f"{COPY_START}{text}{JSON_COPY_END}"

    def stream():
        connection = connections[using]
        with transaction.atomic(using=using), connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = 0")  # see copy_csv_response
            with connection.wrap_database_errors, cursor.cursor.copy(copy_text, params) as copy:
                # Rows end with a line feed (JSON text holds none): between two rows it
                # becomes ",\n"; the last one's is held back until the end ("\n]").
                buffer, pending = bytearray(b"[\n"), False
                for block in copy:
                    data = bytes(block)  # (a memoryview)
                    if pending:
                        buffer += b",\n"
                    pending = data.endswith(b"\n")
                    buffer += (data[:-1] if pending else data).replace(b"\n", b",\n")
                    if len(buffer) >= BLOCK:
                        yield bytes(buffer)
                        buffer.clear()
                buffer += b"\n]\n"
                yield bytes(buffer)

    return streaming_response(stream(), content_type, filename(stem, "json"))
