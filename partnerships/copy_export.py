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

A partnership's history (agreements, changes of status, visits: exports.history_cells, and
in the JSON also exports.history_json) is in the same statement: each history table
aggregated once per partnership (string_agg, and json_agg for the JSON) and joined by key,
so the export stays one query whose extra cost grows with the rows of history, not with the
partnerships.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from django.contrib.contenttypes.models import ContentType
from django.db import connections, transaction
from django.db.models import F, OrderBy
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils.dates import MONTHS
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .dates import NO_YEAR, DatePrecision
from .exports import (
    CHUNK,
    FORMULA_START,
    HISTORY_SEPARATOR,
    filename,
    renewal_text,
    streaming_response,
)
from .models import (
    Agreement,
    AgreementKind,
    AgreementStatus,
    Citation,
    EventFormat,
    Organization,
    PartnershipLevel,
    PartnershipPerson,
    PartnershipStatus,
    Person,
    PersonRoleInPartnership,
    Publication,
    Qualifier,
    Region,
    Renewal,
    SisterSchoolPartnership,
    Source,
    StatusChange,
    StatusChangeKind,
    Visit,
    VisitDirection,
    VisitStatus,
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
    "inferred": "established_year_inferred",
    "basis": "established_year_basis",
    "given": "established_as_given",
    "source_label": "source_label",
    "other_names": "other_names",
    "pairings": "pairings_reported",
    "predecessor": "predecessor_id",
    "parent": "parent_id",
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


class OrderTerm(NamedTuple):
    """One column of a list's order, to be written as SQL on another query's rows."""

    column: str  # the model field's column (attname)
    descending: bool
    nulls: str = ""  # "", "FIRST" or "LAST": where NULL goes, when the order says

    def sql(self, alias: str) -> str:
        return (
            alias
            + (" DESC" if self.descending else "")
            + (f" NULLS {self.nulls}" if self.nulls else "")
        )


def first_rows_order(queryset) -> list[OrderTerm] | None:
    """The list's order as OrderTerms when it can be replayed on the export's rows:
    columns of the model's own table (by name, or as F(name).asc()/.desc() with or without
    a NULLS clause), ending with a unique one (so that the order is total and agrees with
    the list's own query). None otherwise."""
    opts = queryset.model._meta
    order = []
    for term in queryset.query.order_by or opts.ordering:
        nulls = ""
        if isinstance(term, str):
            name, descending = term.removeprefix("-"), term.startswith("-")
        elif isinstance(term, OrderBy) and isinstance(term.expression, F):
            name, descending = term.expression.name, term.descending
            nulls = "LAST" if term.nulls_last else "FIRST" if term.nulls_first else ""
        else:
            return None
        field = (
            opts.pk
            if name == "pk"
            else next(
                (f for f in opts.concrete_fields if f.name == name or f.attname == name), None
            )
        )
        if field is None:
            return None
        order.append((field, descending, nulls))
    if not order or not (order[-1][0].primary_key or order[-1][0].unique):
        return None
    return [OrderTerm(field.attname, descending, nulls) for field, descending, nulls in order]


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


def labelled(name: str | Sql, choices) -> Sql:
    """The label of a choice (its value when it has none), for a column or an expression."""
    value = col(name) if isinstance(name, str) else name
    whens = [sql("WHEN {} THEN {}", value, str(label)) for value, label in choices]
    places = " ".join("{}" for _ in whens)
    return sql(f"CASE {{}} {places} ELSE {{}} END", value, *whens, value)


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


def partial_date(
    on: Sql, precision: Sql, not_after: Sql, inferred: Sql, basis: Sql, given: Sql
) -> Sql:
    """str(PartialDate(on, precision, not_after, inferred, basis, given)) of six columns:
    see dates.PartialDate.format, which this follows step by step."""
    period = sql(
        "CASE {} WHEN {} THEN {} WHEN {} THEN {} WHEN {} THEN {} WHEN {} THEN {} ELSE {} END",
        precision,
        DatePrecision.DAY,
        spaced(day(on), month(on), year(on)),
        DatePrecision.MONTH,
        spaced(month(on), year(on)),
        DatePrecision.DAY_MONTH,
        fill(_("%(date)s, year not stated"), {"date": spaced(day(on), month(on))}),
        DatePrecision.MONTH_ONLY,
        fill(_("%(month)s, year not stated"), {"month": month(on)}),
        sql("EXTRACT(YEAR FROM {})::int::text", on),
    )
    # Words of time the columns cannot hold, then how the year was inferred, in one bracket:
    # "2014 (this autumn; year inferred: the report is of 2014)".
    inferred_note = sql(
        "CASE WHEN {} AND NOT ({} = ANY({})) THEN CASE WHEN {} <> '' THEN {} ELSE {} END "
        "ELSE '' END",
        inferred,
        precision,
        [str(p) for p in NO_YEAR],
        basis,
        fill(_("year inferred: %(basis)s"), {"basis": basis}),
        literal(_("year inferred")),
    )
    notes = sql(
        "CASE WHEN {} <> '' AND {} <> '' THEN {} || '; ' || {} WHEN {} <> '' THEN {} ELSE {} END",
        *(given, inferred_note, given, inferred_note),
        *(given, given, inferred_note),
    )
    period = sql(
        "CASE WHEN {} <> '' THEN {} ELSE {} END",
        notes,
        fill(_("%(date)s (%(words)s)"), {"date": period, "words": notes}),
        period,
    )
    bound = sql(
        "CASE WHEN EXTRACT(YEAR FROM {}) = EXTRACT(YEAR FROM {}) THEN {} ELSE {} END",
        not_after,
        on,
        spaced(day(not_after), month(not_after)),
        spaced(day(not_after), month(not_after), year(not_after)),
    )
    by = fill(_("by %(date)s"), {"date": spaced(day(not_after), month(not_after), year(not_after))})
    by = sql(
        "CASE WHEN {} <> '' THEN {} || {} || {} ELSE {} END", given, given, literal(", "), by, by
    )
    before = fill(_("%(period)s, by %(date)s"), {"period": period, "date": bound})
    return sql(
        "CASE WHEN {} IS NULL AND {} IS NULL THEN COALESCE(NULLIF({}, ''), {}) "
        "WHEN {} IS NULL THEN {} WHEN {} IS NOT NULL AND {} <> {} THEN {} ELSE {} END",
        *(on, not_after, given, _("date not reported")),
        *(on, by),
        *(not_after, precision, DatePrecision.DAY, before),
        period,
    )


def established() -> Sql:
    """str(partnership.established)."""
    return partial_date(
        col("on"), col("precision"), col("not_after"), col("inferred"), col("basis"), col("given")
    )


def partial_date_of(alias: str, prefix: str) -> Sql:
    """partial_date() of the six ``<prefix>_…`` columns of the row ``alias``."""
    suffixes = ("on", "precision", "not_after", "year_inferred", "year_basis", "as_given")
    return partial_date(*(Sql(f'{alias}."{prefix}_{suffix}"') for suffix in suffixes))


def column_of(alias: str, model, field: str) -> Sql:
    return Sql(f'{alias}."{model._meta.get_field(field).column}"')


def partnership_name(key: Sql) -> Sql:
    """The name of the partnership ``key`` points to ("A – B"), NULL when there is none or
    it is not public (views.partnership_list.public_partnership_name). Looked up only for a
    row that points to one: most rows do not."""
    p, o = SisterSchoolPartnership._meta.db_table, Organization._meta.db_table
    lookup = sql(
        f'(SELECT CASE WHEN p."is_public" THEN a."name" || {{}} || b."name" END '  # noqa: S608
        f'FROM "{p}" AS p JOIN "{o}" AS a ON a."id" = p."party_a_id" '
        f'JOIN "{o}" AS b ON b."id" = p."party_b_id" WHERE p."id" = {{}})',
        literal(" – "),
        key,
    )
    return sql("CASE WHEN {} IS NULL THEN NULL ELSE {} END", key, lookup)


def counted(value: Sql, singular: str, plural: str) -> Sql:
    """'3 teachers', '1 teacher' for a head-count (Visit.headcount_display), NULL when it is
    not known. The active language's forms for one and for more (its only two forms in the
    site's one language, English)."""
    return sql(
        "CASE WHEN {} = 1 THEN {} ELSE {} END",
        value,
        fill(ngettext(singular, plural, 1), {"n": sql("{}::text", value)}),
        fill(ngettext(singular, plural, 2), {"n": sql("to_char({}, 'FM9,999,999,999')", value)}),
    )


def unless(column: Sql, value: str, before: str, text: Sql, after: str = "") -> Sql:
    """``before`` + ``text`` + ``after`` when ``column`` is not ``value``; else ''."""
    return sql(
        "CASE WHEN {} <> {} THEN {} || {} || {} ELSE '' END",
        column,
        value,
        literal(before),
        text,
        literal(after),
    )


def nonempty(text: Sql) -> Sql:
    return sql("NULLIF({}, '')", text)


def then_note(text: Sql, note: Sql) -> Sql:
    """``text`` and " — <note>" when the note is not empty."""
    return sql(
        "{} || CASE WHEN {} <> '' THEN {} || {} ELSE '' END", text, note, literal(" — "), note
    )


def agreement_entry() -> Sql:
    """exports.agreement_text of the agreement ``h``."""
    a = "h"
    title = column_of(a, Agreement, "title")
    name = sql(
        "COALESCE(NULLIF({}, ''), {})",
        title,
        labelled(column_of(a, Agreement, "kind"), AgreementKind.choices),
    )
    text = fill(
        _("%(date)s: %(name)s — %(status)s"),
        {
            "date": partial_date_of(a, "signed"),
            "name": name,
            "status": labelled(column_of(a, Agreement, "status"), AgreementStatus.choices),
        },
    )
    start, end = (
        column_of(a, Agreement, "term_start_year"),
        column_of(a, Agreement, "term_end_year"),
    )
    start_text, end_text = sql("{}::text", start), sql("{}::text", end)
    has_start, has_end = sql("COALESCE({}, 0) <> 0", start), sql("COALESCE({}, 0) <> 0", end)
    term = sql(
        "CASE WHEN {} AND {} THEN {} WHEN {} THEN {} WHEN {} THEN {} END",
        has_start,
        has_end,
        fill(_("term %(start)s–%(end)s"), {"start": start_text, "end": end_text}),
        has_start,
        fill(_("term from %(start)s"), {"start": start_text}),
        has_end,
        fill(_("term to %(end)s"), {"end": end_text}),
    )
    length = column_of(a, Agreement, "term_length_years")
    years = counted(length, "%(n)s year", "%(n)s years")
    term = sql(
        "CASE WHEN {} IS NULL THEN {} WHEN {} IS NULL THEN {} ELSE {} || {} || {} END",
        length,
        term,
        term,
        fill(_("term %(length)s"), {"length": years}),
        term,
        literal(", "),
        years,
    )
    text = sql("{} || COALESCE({} || {}, '')", text, literal(", "), term)
    renewal = labelled(
        column_of(a, Agreement, "renewal"),
        [(value, renewal_text(label)) for value, label in Renewal.choices if value],
    )
    text = sql("{} || COALESCE({} || NULLIF({}, ''), '')", text, literal(", "), renewal)
    venue = published_name_of(Organization, column_of(a, Agreement, "signed_at"))
    signed_at = fill(_("signed at %(venue)s"), {"venue": venue})
    text = sql("{} || COALESCE({} || {}, '')", text, literal(", "), signed_at)
    place = published_name_of(Region, column_of(a, Agreement, "place"))
    signed_in = fill(_("signed in %(place)s"), {"place": place})
    text = sql("{} || COALESCE({} || {}, '')", text, literal(", "), signed_in)
    signed_by = fill(_("signed by %(people)s"), {"people": signatories_of(Sql(f'{a}."id"'))})
    return sql("{} || COALESCE({} || {}, '')", text, literal(", "), signed_by)


def signatories_of(agreement: Sql) -> Sql:
    """exports.signatories_shown as text: the published signatories of ``agreement`` by
    name, comma-separated; NULL for none."""
    through = Agreement.signatories.through._meta
    table, person = through.db_table, Person._meta.db_table
    agreement_column = through.get_field("agreement").column
    person_column = through.get_field("person").column
    return sql(
        f'(SELECT string_agg({{}}, {{}} ORDER BY p."name", p."id") '  # noqa: S608
        f'FROM "{table}" AS s JOIN "{person}" AS p ON p."id" = s."{person_column}" '
        f'WHERE s."{agreement_column}" = {{}} AND p."publication" = {{}})',
        person_label(),
        ", ",
        agreement,
        Publication.PUBLISHED,
    )


def visit_people_of(visit: Sql) -> Sql:
    """exports.people_text: "people: <name> (Led the group), <name>, <title> (Went on the
    visit)", the published people named on ``visit`` by role, then as entered; NULL for
    none."""
    table, person = PartnershipPerson._meta.db_table, Person._meta.db_table
    visit_column = PartnershipPerson._meta.get_field("visit").column
    person_column = PartnershipPerson._meta.get_field("person").column
    title = Sql('pp."title"')
    name = sql(
        "CASE WHEN {} <> '' THEN {} ELSE {} END",
        title,
        person_label() + literal(", ") + title,
        person_label(),
    )
    entry = fill(
        _("%(name)s (%(role)s)"),
        {"name": name, "role": labelled(Sql('pp."role"'), PersonRoleInPartnership.choices)},
    )
    people = sql(
        f'(SELECT string_agg({{}}, {{}} ORDER BY pp."role", pp."id") '  # noqa: S608
        f'FROM "{table}" AS pp JOIN "{person}" AS p ON p."id" = pp."{person_column}" '
        f'WHERE pp."{visit_column}" = {{}} AND p."publication" = {{}})',
        entry,
        ", ",
        visit,
        Publication.PUBLISHED,
    )
    return fill(_("people: %(people)s"), {"people": people})


def visit_organizations(visit: Sql, field: str, as_json: bool = False) -> Sql:
    """exports.visit_other_senders / visit_hosts: the published organizations of the visit's
    many-to-many ``field``, by name: "A, B" (NULL for none), or a JSON array ([] for none)."""
    through = Visit._meta.get_field(field).remote_field.through._meta
    table, organization = through.db_table, Organization._meta.db_table
    visit_column = through.get_field("visit").column
    organization_column = through.get_field("organization").column
    names = (
        'json_agg(o."name" ORDER BY o."name")'
        if as_json
        else ('string_agg(o."name", \', \' ORDER BY o."name")')
    )
    found = sql(
        f'(SELECT {names} FROM "{table}" AS t '  # noqa: S608
        f'JOIN "{organization}" AS o ON o."id" = t."{organization_column}" '
        f'WHERE t."{visit_column}" = {{}} AND o."publication" = {{}})',
        visit,
        Publication.PUBLISHED,
    )
    return sql("COALESCE({}, '[]'::json)", found) if as_json else found


def person_label(p: str = "p") -> Sql:
    """str(Person) of the person row ``p``: the name, or for a person the source does not name
    "<position>, <organization> (name not given)", the organization only when published."""
    name = column_of(p, Person, "name")
    org = published_name_of(Organization, column_of(p, Person, "organization"))
    who = sql("concat_ws({}, NULLIF({}, ''), {})", ", ", column_of(p, Person, "position"), org)
    unnamed = fill(_("%(who)s (name not given)"), {"who": who})
    return sql("CASE WHEN {} <> '' THEN {} ELSE {} END", name, name, unnamed)


def published_name_of(model, key: Sql) -> Sql:
    """exports.published_name: the name of the ``model`` row ``key`` points to, NULL when
    there is none or it is a draft. Looked up only for a row that points to one."""
    table = model._meta.db_table
    lookup = sql(
        f'(SELECT x."name" FROM "{table}" AS x WHERE x."id" = {{}} '  # noqa: S608
        'AND x."publication" = {})',
        key,
        Publication.PUBLISHED,
    )
    return sql("CASE WHEN {} IS NULL THEN NULL ELSE {} END", key, lookup)


def status_change_entry() -> Sql:
    """exports.status_change_text of the status change ``h``."""
    a = "h"
    text = fill(
        _("%(date)s: %(status)s"),
        {
            "date": partial_date_of(a, "changed"),
            "status": labelled(column_of(a, StatusChange, "status"), StatusChangeKind.choices),
        },
    )
    by = fill(
        _("by %(organization)s"),
        {"organization": published_name_of(Organization, column_of(a, StatusChange, "by"))},
    )
    text = sql("{} || COALESCE({} || {}, '')", text, literal(", "), by)
    return then_note(text, column_of(a, StatusChange, "note"))


def visit_entry() -> Sql:
    """exports.visit_text of the visit ``h``."""
    a = "h"
    direction = labelled(column_of(a, Visit, "direction"), VisitDirection.choices)
    occasion = column_of(a, Visit, "occasion")
    direction = sql(
        "CASE WHEN {} <> '' THEN {} ELSE {} END",
        occasion,
        fill(_("%(occasion)s (%(direction)s)"), {"occasion": occasion, "direction": direction}),
        direction,
    )
    head = fill(
        _("%(date)s: %(direction)s"),
        {"date": visit_dates(a), "direction": direction},
    )
    # "(Planned or announced)" when not done; ", online or by video link" when known.
    status, how = column_of(a, Visit, "status"), column_of(a, Visit, "format")
    head = sql(
        "{} || {} || {}",
        head,
        unless(status, VisitStatus.DONE, " (", labelled(status, VisitStatus.choices), ")"),
        unless(
            how,
            EventFormat.UNKNOWN,
            ", ",
            labelled(how, [(value, str(label).lower()) for value, label in EventFormat.choices]),
        ),
    )
    qualifier = column_of(a, Visit, "headcount_qualifier")
    # "over 20 students": the source's word before each count (not "exactly").
    prefix = sql(
        "CASE WHEN {} <> {} THEN {} || ' ' ELSE '' END",
        qualifier,
        Qualifier.EXACT,
        labelled(qualifier, Qualifier.choices),
    )
    headcount = sql(
        "concat_ws(', ', {} || {}, {} || {}, {} || {}, {} || {})",
        prefix,
        counted(column_of(a, Visit, "teachers"), "%(n)s teacher", "%(n)s teachers"),
        prefix,
        counted(column_of(a, Visit, "students"), "%(n)s student", "%(n)s students"),
        prefix,
        counted(column_of(a, Visit, "others"), "%(n)s other person", "%(n)s other people"),
        prefix,
        counted(column_of(a, Visit, "people_in_all"), "%(n)s person in all", "%(n)s people in all"),
    )
    key = Sql(f'{a}."id"')
    senders = sql(
        "NULLIF(concat_ws(', ', {}, {}), '')",
        published_name_of(Organization, column_of(a, Visit, "sender")),
        visit_organizations(key, "other_senders"),
    )
    sender = fill(_("sent by %(organization)s"), {"organization": senders})
    hosts = fill(
        _("hosted by %(organizations)s"), {"organizations": visit_organizations(key, "hosts")}
    )
    place = fill(
        _("from %(place)s"),
        {"place": published_name_of(Region, column_of(a, Visit, "sent_from"))},
    )
    text = sql(
        "concat_ws(', ', {}, {}, {}, {}, {}, {}, {}, {})",
        head,
        counted(column_of(a, Visit, "days"), "for %(n)s day", "for %(n)s days"),
        sender,
        hosts,
        place,
        nonempty(headcount),
        nonempty(column_of(a, Visit, "recurrence")),
        visit_people_of(Sql(f'{a}."id"')),
    )
    return then_note(text, column_of(a, Visit, "description"))


def json_object(pairs: dict[str, Sql]) -> Sql:
    """json_build_object of ``pairs`` (key -> SQL value)."""
    args = [arg for key, value in pairs.items() for arg in (literal(key), value)]
    return sql(f"json_build_object({', '.join('{}' for _ in args)})", *args)


def visit_dates(alias: str) -> Sql:
    """exports.visit_dates of the visit ``alias``: its date, to its last one if it has one."""
    first = partial_date_of(alias, "visited")
    ends, precision = (
        column_of(alias, Visit, "ends_on"),
        column_of(alias, Visit, "visited_precision"),
    )
    last = partial_date(ends, precision, Sql("NULL::date"), Sql("FALSE"), literal(""), literal(""))
    return sql(
        "CASE WHEN {} IS NULL THEN {} ELSE {} END",
        ends,
        first,
        fill(_("%(first)s to %(last)s"), {"first": first, "last": last}),
    )


def dated(alias: str, prefix: str) -> dict[str, Sql]:
    """The "date" and "date_iso" of exports' history JSON."""
    return {
        "date": partial_date_of(alias, prefix),
        "date_iso": iso_partial_sql(
            Sql(f'{alias}."{prefix}_on"'), Sql(f'{alias}."{prefix}_precision"')
        ),
    }


def agreement_json() -> Sql:
    """exports.agreement_json of the agreement ``h``."""
    a = "h"
    through = Agreement.signatories.through._meta
    table, person = through.db_table, Person._meta.db_table
    signatories = sql(
        f'(SELECT COALESCE(json_agg({{}} ORDER BY p."name", p."id"), {{}}) '  # noqa: S608
        f'FROM "{table}" AS s JOIN "{person}" AS p '
        f'ON p."id" = s."{through.get_field("person").column}" '
        f'WHERE s."{through.get_field("agreement").column}" = {a}."id" AND p."publication" = {{}})',
        person_label(),
        Sql("'[]'::json"),
        Publication.PUBLISHED,
    )
    return json_object(
        {
            **dated(a, "signed"),
            "kind": labelled(column_of(a, Agreement, "kind"), AgreementKind.choices),
            "title": column_of(a, Agreement, "title"),
            "status": labelled(column_of(a, Agreement, "status"), AgreementStatus.choices),
            "term_start_year": column_of(a, Agreement, "term_start_year"),
            "term_end_year": column_of(a, Agreement, "term_end_year"),
            "term_length_years": column_of(a, Agreement, "term_length_years"),
            "renewal": sql(
                "NULLIF({}, '')",
                labelled(column_of(a, Agreement, "renewal"), Renewal.choices[1:]),
            ),
            "signed_at": published_name_of(Organization, column_of(a, Agreement, "signed_at")),
            "signed_in": published_name_of(Region, column_of(a, Agreement, "place")),
            "signatories": signatories,
        }
    )


def status_change_json() -> Sql:
    """exports.status_change_json of the status change ``h``."""
    a = "h"
    return json_object(
        {
            **dated(a, "changed"),
            "status": labelled(column_of(a, StatusChange, "status"), StatusChangeKind.choices),
            "by": published_name_of(Organization, column_of(a, StatusChange, "by")),
            "note": column_of(a, StatusChange, "note"),
        }
    )


def visit_json() -> Sql:
    """exports.visit_json of the visit ``h``."""
    a = "h"
    table, person = PartnershipPerson._meta.db_table, Person._meta.db_table
    meta = PartnershipPerson._meta
    person_json = json_object(
        {
            "name": person_label(),
            "title": Sql('pp."title"'),
            "role": labelled(Sql('pp."role"'), PersonRoleInPartnership.choices),
        }
    )
    people = sql(
        f'(SELECT COALESCE(json_agg({{}} ORDER BY pp."role", pp."id"), {{}}) '  # noqa: S608
        f'FROM "{table}" AS pp JOIN "{person}" AS p '
        f'ON p."id" = pp."{meta.get_field("person").column}" '
        f'WHERE pp."{meta.get_field("visit").column}" = {a}."id" AND p."publication" = {{}})',
        person_json,
        Sql("'[]'::json"),
        Publication.PUBLISHED,
    )
    return json_object(
        {
            **dated(a, "visited"),
            "date": visit_dates(a),
            "last_date_iso": iso_partial_sql(
                column_of(a, Visit, "ends_on"), column_of(a, Visit, "visited_precision")
            ),
            "occasion": column_of(a, Visit, "occasion"),
            "direction": labelled(column_of(a, Visit, "direction"), VisitDirection.choices),
            "status": labelled(column_of(a, Visit, "status"), VisitStatus.choices),
            "format": labelled(column_of(a, Visit, "format"), EventFormat.choices),
            "sent_by": published_name_of(Organization, column_of(a, Visit, "sender")),
            "also_sent_by": visit_organizations(Sql(f'{a}."id"'), "other_senders", as_json=True),
            "hosted_by": visit_organizations(Sql(f'{a}."id"'), "hosts", as_json=True),
            "came_from": published_name_of(Region, column_of(a, Visit, "sent_from")),
            "headcounts_are": labelled(
                column_of(a, Visit, "headcount_qualifier"), Qualifier.choices
            ),
            "teachers": column_of(a, Visit, "teachers"),
            "students": column_of(a, Visit, "students"),
            "others": column_of(a, Visit, "others"),
            "people_in_all": column_of(a, Visit, "people_in_all"),
            "days": column_of(a, Visit, "days"),
            "recurrence": column_of(a, Visit, "recurrence"),
            "description": column_of(a, Visit, "description"),
            "people": people,
        }
    )


# The history columns: alias, model, the date's prefix, the entry's text, the entry's JSON.
HISTORY = (
    ("agreements", Agreement, "signed", agreement_entry, agreement_json),
    ("status_changes", StatusChange, "changed", status_change_entry, status_change_json),
    ("visits", Visit, "visited", visit_entry, visit_json),
)


def histories_joined(rows: Sql, with_json: bool = False) -> Sql:
    """The rows of ``rows`` (a subquery with the partnership's key as x_pk) with their
    history cells as x_<alias> (exports.history_cells, in exports.history_order) and, when
    ``with_json``, the entries as a JSON array as x_<alias>_json (exports.history_json; NULL
    for none): each history table aggregated once per partnership and joined by key, so
    that the export stays one statement whose cost grows with the rows of history, not one
    lookup per partnership."""
    columns, joins = [], []
    for alias, model, prefix, entry, as_json in HISTORY:
        table = model._meta.db_table
        key = model._meta.get_field("partnership").column
        on, precision = f'h."{prefix}_on"', f'h."{prefix}_precision"'
        order = sql(
            f"ORDER BY CASE WHEN {on} IS NULL THEN 2 WHEN {precision} = ANY({{}}) THEN 1 "
            f'ELSE 0 END, {on}, h."id"',
            [str(p) for p in NO_YEAR],
        )
        aggregates = sql("string_agg({}, {} {}) AS t", entry(), HISTORY_SEPARATOR, order)
        if with_json:
            aggregates = sql("{}, json_agg({} {}) AS j", aggregates, as_json(), order)
            columns.append(f'"{alias}".j AS "x_{alias}_json"')
        aggregate = sql(
            f'(SELECT h."{key}" AS k, {{}} FROM "{table}" AS h GROUP BY h."{key}")',  # noqa: S608
            aggregates,
        )
        columns.append(f'"{alias}".t AS "x_{alias}"')
        joins.append(sql(f'LEFT JOIN {{}} AS "{alias}" ON "{alias}".k = i."x_pk"', aggregate))
    places = " ".join("{}" for _ in joins)
    text = f"(SELECT i.*, {', '.join(columns)} FROM {{}} AS i {places})"  # noqa: S608
    return sql(text, rows, *joins)


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
        col("source_label"),
        # One name a line (other_names_list) -> "a; b", blank lines and spaces around dropped.
        sql(
            "regexp_replace(btrim({}, E' \\t\\r\\n'), '\\s*\\n\\s*', '; ', 'g')",
            col("other_names"),
        ),
        labelled("status", PartnershipStatus.choices),
        established(),
        published("conf", "conf_pub"),
        published("series", "series_pub"),
        partnership_name(col("predecessor")),
        partnership_name(col("parent")),
        sql("{}::text", col("pairings")),
        col("agreements"),
        col("status_changes"),
        col("visits"),
        col("summary"),
        literal(url) + col("slug") + literal("/"),
    ]


def select_sql(queryset, selected: list[Sql], with_json: bool = False) -> tuple[str, list] | None:
    """SELECT ``selected`` (expressions of the columns of PATHS, as col()) for the rows of
    ``queryset`` in its order; None if its order cannot be replayed on those columns.
    ``with_json``: the history's JSON arrays too (histories_joined)."""
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
    rows = histories_joined(Sql(f"({inner_sql})", inner_params), with_json)
    by = ", ".join(term.sql(f'r."_o{i}"') for i, term in enumerate(order))
    text = (
        f"SELECT {', '.join(c.text for c in selected)} "  # noqa: S608 - no request text
        f"FROM {rows.text} AS r ORDER BY {by}"
    )
    params = [p for c in selected for p in c.params] + rows.params
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
    (views.common.published_citations), in Citation's order."""
    citation, source = Citation._meta, Source._meta
    c, s = citation.db_table, source.db_table
    ordering = ", ".join(f'c."{citation.get_field(name).column}"' for name in citation.ordering)
    # Names from the models, values as parameters.
    template = (
        "(SELECT COALESCE(json_agg(json_build_object("  # noqa: S608
        '{}, s."title", {}, s."outlet", {}, {}, '
        '{}, c."paragraph", {}, c."section", {}, c."source_id") '
        f'ORDER BY {ordering}, c."id"), {{}}) '
        f'FROM "{c}" AS c JOIN "{s}" AS s ON s."id" = c."source_id" '
        'WHERE c."content_type_id" = {} AND c."object_id" = {} AND s."publication" = {})'
    )
    keys = [literal(k) for k in ("source", "outlet", "published_on")]
    more = [literal(k) for k in ("paragraph", "section", "source_id")]
    date = iso_partial_sql(Sql('s."published_on"'), Sql('s."published_precision"'))
    content_type = ContentType.objects.get_for_model(SisterSchoolPartnership).pk
    return sql(
        template,
        *keys,
        date,
        *more,
        Sql("'[]'::json"),
        content_type,
        col("pk"),
        Publication.PUBLISHED,
    )


def iso_partial_sql(on: Sql, precision: Sql) -> Sql:
    """exports.iso_partial: 2023, 2023-11, 2023-11-16, XXXX-11-16, XXXX-11; NULL for no
    date."""
    return sql(
        "CASE {} WHEN {} THEN to_char({}, 'YYYY') WHEN {} THEN to_char({}, 'YYYY-MM') "
        "WHEN {} THEN to_char({}, '\"XXXX-\"MM-DD') WHEN {} THEN to_char({}, '\"XXXX-\"MM') "
        "ELSE to_char({}, 'YYYY-MM-DD') END",
        precision,
        DatePrecision.YEAR,
        on,
        DatePrecision.MONTH,
        on,
        DatePrecision.DAY_MONTH,
        on,
        DatePrecision.MONTH_ONLY,
        on,
        on,
    )


def json_row(headers: list[str]) -> Sql:
    """A row as the JSON object exports.json_response writes: each column's text ('' for
    a draft), then its citations."""
    pairs = []
    for header, cell in zip(headers, cells(), strict=True):
        pairs += [literal(header), sql("COALESCE({}, '')", cell)]
    pairs += [literal("citations"), citations_json()]
    pairs += [literal("history"), history_json_sql()]
    places = ", ".join("{}" for _ in pairs)
    return sql(f"json_build_object({places})::text", *pairs)


def history_json_sql() -> Sql:
    """exports.history_json's "history": the row's agreements, changes of status and visits
    as JSON arrays ([] for none)."""
    return json_object(
        {
            alias: sql("COALESCE({}, {})", col(f"{alias}_json"), Sql("'[]'::json"))
            for alias, *_ in HISTORY
        }
    )


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

    As views.record_list.streamed does, the first CHUNK rows are read here, in the view, with
    the page's time limit: a database unreachable or too slow answers 503, not a file cut
    short; fewer rows than that are the whole export. Else the COPY sends them all again
    and the rest once the response is being sent, without a time limit."""
    if connections[queryset.db].vendor != "postgresql":
        return None
    statement = select_sql(queryset, [Sql("r.*")], with_json=True)
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
