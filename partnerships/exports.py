"""Streamed CSV and JSON exports of a list's filtered rows (all of them, not one page)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db.models import (
    Case,
    F,
    IntegerField,
    Prefetch,
    Value,
    When,
    prefetch_related_objects,
)
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .dates import NO_YEAR, DatePrecision, PartialDate
from .models import (
    Agreement,
    EventFormat,
    Organization,
    PartnershipPerson,
    Person,
    Publication,
    SisterSchoolPartnership,
    StatusChange,
    Visit,
    VisitStatus,
)

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
    """A record's citations for the JSON export: the source, its date as the source gives it
    (never a full date for a year or a month), and where in it (paragraph or section)."""
    return [
        {
            "source": c.source.title,
            "outlet": c.source.outlet,
            "published_on": iso_partial(c.source.published_on, c.source.published_precision),
            "paragraph": c.paragraph,
            "section": c.section,
            "source_id": c.source_id,
        }
        for c in obj.citations.all()
    ]


def iso_partial(on, precision) -> str | None:
    """A partial date in ISO 8601's reduced forms: 2023, 2023-11, 2023-11-16; with no
    year, as the Extended Date/Time Format (ISO 8601-2) writes an unspecified year:
    XXXX-11-16 (a day and month), XXXX-11 (a month). None for no date."""
    if on is None:
        return None
    if precision == DatePrecision.YEAR:
        return f"{on.year:04d}"
    if precision == DatePrecision.MONTH:
        return f"{on.year:04d}-{on.month:02d}"
    if precision == DatePrecision.DAY_MONTH:
        return f"XXXX-{on.month:02d}-{on.day:02d}"
    if precision == DatePrecision.MONTH_ONLY:
        return f"XXXX-{on.month:02d}"
    return on.isoformat()


# --------------------------------------------------------------------------- history

# A partnership's history in three readable cells (agreements, changes of status, visits),
# oldest first, entries separated by HISTORY_SEPARATOR. copy_export.py writes the same text
# in SQL (tests compare the two): a change here is a change there.
HISTORY_SEPARATOR = "; "


def agreement_text(agreement) -> str:
    """An agreement as "2008: Original MOU — Signed", with its term when known: ", term
    2016–2021" (and its length: ", 5 years"), how it is renewed (", may be renewed if the
    parties agree"), where it was signed (a published place): ", signed in <place>", and its
    published signatories by name: ", signed by <person>, <person>" (", signed at <body>"
    first when the source names the body where it was signed)."""
    text = _("%(date)s: %(name)s — %(status)s") % {
        "date": agreement.signed,
        "name": agreement.title or agreement.get_kind_display(),
        "status": agreement.get_status_display(),
    }
    term = term_text(agreement.term_start_year, agreement.term_end_year)
    length = agreement.term_length_years
    if length:
        years = ngettext("%(n)s year", "%(n)s years", length) % {"n": length}
        term = f"{term}, {years}" if term else _("term %(length)s") % {"length": years}
    text = f"{text}, {term}" if term else text
    if agreement.renewal:
        text = f"{text}, {renewal_text(agreement.get_renewal_display())}"
    venue = published_name(agreement.signed_at)
    text = f"{text}, {_('signed at %(venue)s') % {'venue': venue}}" if venue else text
    place = published_name(agreement.place)
    text = f"{text}, {_('signed in %(place)s') % {'place': place}}" if place else text
    names = ", ".join(str(person) for person in signatories_shown(agreement))
    return f"{text}, {_('signed by %(people)s') % {'people': names}}" if names else text


def renewal_text(label) -> str:
    """How an agreement is renewed, inside a sentence: "may be renewed if the parties agree"."""
    label = str(label)
    return label[:1].lower() + label[1:]


def signatories_shown(agreement) -> list:
    """An agreement's published signatories by name (history_prefetches reads them with the
    agreements); a draft person is never named."""
    shown = getattr(agreement, "published_signatories", None)
    if shown is None:
        shown = list(signatories_queryset().filter(agreements_signed=agreement))
    return shown


def signatories_queryset():
    return Person.objects.published().select_related("organization").order_by("name", "pk")


def visit_people_queryset():
    """The people named on visits, published ones only, in PartnershipPerson's order (role,
    then as entered)."""
    return (
        PartnershipPerson.objects.filter(person__publication=Publication.PUBLISHED)
        .select_related("person__organization")
        .order_by("role", "pk")
    )


def visit_people_shown(visit) -> list:
    shown = getattr(visit, "people_named", None)
    if shown is None:
        shown = list(visit_people_queryset().filter(visit=visit))
    return shown


def visit_person_text(part) -> str:
    """A person on a visit as "<name> (Led the group)", with the title the source gives:
    "<name>, English teacher (Went on the visit)"."""
    name = f"{part.person}, {part.title}" if part.title else str(part.person)
    return _("%(name)s (%(role)s)") % {"name": name, "role": part.get_role_display()}


def term_text(start, end) -> str:
    if start and end:
        return _("term %(start)s–%(end)s") % {"start": start, "end": end}
    if start:
        return _("term from %(start)s") % {"start": start}
    if end:
        return _("term to %(end)s") % {"end": end}
    return ""


def published_name(record) -> str:
    """The name of a related record (a sender, a place, whoever made a change of status),
    '' when there is none or it is a draft: an export never names a draft."""
    return record.name if record is not None and record.is_published else ""


def status_change_text(change) -> str:
    """A change of status as "2005: Ended", with who made or announced it when the record
    says (", by <organization>") and what happened: " — <note>"."""
    text = _("%(date)s: %(status)s") % {
        "date": change.changed,
        "status": change.get_status_display(),
    }
    by = published_name(change.by)
    if by:
        text = f"{text}, {_('by %(organization)s') % {'organization': by}}"
    return f"{text} — {change.note}" if change.note else text


def visit_dates(visit) -> str:
    """A visit's date, to its last one when it has one: "July 1990 to June 2012"."""
    if not visit.ends_on:
        return str(visit.visited)
    last = PartialDate(visit.ends_on, visit.visited_precision)
    return _("%(first)s to %(last)s") % {"first": visit.visited, "last": last}


def visit_text(visit) -> str:
    """A visit as "2017: Second party visited the first, sent by <organization>, from
    <place>, 3 teachers, 8 students, every year, people: <name> (Led the group), <name>
    (Went on the visit)" (who sent the group, where it came from and the published people
    named on it when the record says); one not reported as done marked so ("2026: Both
    ways (Planned or announced)"), one whose way is known so ("2022-06-21: Both ways, online
    or by video link"); then what happened when the record says: " — <description>"."""
    direction = visit.get_direction_display()
    if visit.occasion:  # "groundbreaking ceremony (Both ways)"
        direction = _("%(occasion)s (%(direction)s)") % {
            "occasion": visit.occasion,
            "direction": direction,
        }
    head = _("%(date)s: %(direction)s") % {"date": visit_dates(visit), "direction": direction}
    if visit.status != VisitStatus.DONE:
        head = f"{head} ({visit.get_status_display()})"
    if visit.format != EventFormat.UNKNOWN:
        head = f"{head}, {visit.get_format_display().lower()}"
    sender, place = published_name(visit.sender), published_name(visit.sent_from)
    senders = ", ".join(filter(None, [sender, *visit_other_senders(visit)]))
    hosts = ", ".join(visit_hosts(visit))
    parts = [
        head,
        visit.days_display,
        _("sent by %(organization)s") % {"organization": senders} if senders else "",
        _("hosted by %(organizations)s") % {"organizations": hosts} if hosts else "",
        _("from %(place)s") % {"place": place} if place else "",
        visit.headcount_display,
        visit.recurrence,
        people_text(visit),
    ]
    parts = [part for part in parts if part]
    text = ", ".join(parts)
    return f"{text} — {visit.description}" if visit.description else text


def visit_other_senders(visit) -> list[str]:
    """The published organizations that also sent ``visit``'s group, by name."""
    return [organization.name for organization in visit.other_senders_shown]


def visit_hosts(visit) -> list[str]:
    """The published organizations that hosted ``visit``'s group, by name."""
    return [organization.name for organization in visit.hosts_shown]


def people_text(visit) -> str:
    people = ", ".join(visit_person_text(part) for part in visit_people_shown(visit))
    return _("people: %(people)s") % {"people": people} if people else ""


def history_text(entries, describe) -> str:
    return HISTORY_SEPARATOR.join(describe(entry) for entry in entries)


def history_order(prefix: str) -> list:
    """A history's order: entries with a year by date, then those whose source gives no
    year (stored in year 1), then the undated; the same day by key. copy_export writes it
    as SQL."""
    on = f"{prefix}_on"
    rank = Case(
        When(**{f"{on}__isnull": True}, then=Value(2)),
        When(**{f"{prefix}_precision__in": NO_YEAR}, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    return [rank, F(on).asc(), "pk"]


def history_prefetches() -> list:
    """The prefetches that history_cells() reads, in history_order, with the agreements'
    published signatories and the published people named on the visits."""
    return [
        Prefetch(
            "agreements",
            queryset=Agreement.objects.select_related("place", "signed_at").order_by(
                *history_order("signed")
            ),
        ),
        Prefetch(
            "agreements__signatories",
            queryset=signatories_queryset(),
            to_attr="published_signatories",
        ),
        Prefetch(
            "status_changes",
            queryset=StatusChange.objects.select_related("by").order_by(*history_order("changed")),
        ),
        Prefetch(
            "visits",
            queryset=Visit.objects.select_related("sender", "sent_from").order_by(
                *history_order("visited")
            ),
        ),
        Prefetch("visits__people", queryset=visit_people_queryset(), to_attr="people_named"),
        Prefetch(
            "visits__other_senders",
            queryset=Organization.objects.published().order_by("name"),
            to_attr="other_senders_shown",
        ),
        Prefetch(
            "visits__hosts",
            queryset=Organization.objects.published().order_by("name"),
            to_attr="hosts_shown",
        ),
    ]


def agreements_cell(partnership) -> str:
    return history_text(partnership.agreements.all(), agreement_text)


def status_changes_cell(partnership) -> str:
    return history_text(partnership.status_changes.all(), status_change_text)


def visits_cell(partnership) -> str:
    return history_text(partnership.visits.all(), visit_text)


def history_cells(partnership) -> tuple[str, str, str]:
    """The agreements, changes of status and visits of a partnership (history_prefetches)."""
    return agreements_cell(partnership), status_changes_cell(partnership), visits_cell(partnership)


def history_json(partnership) -> dict:
    """A partnership's history as nested records for the JSON export (history_prefetches):
    {"history": {"agreements": [...], "status_changes": [...], "visits": [...]}}, each list
    in history_order, each entry's date as the page prints it ("date") and in ISO 8601's
    reduced forms ("date_iso", iso_partial), choices by their labels, a related record that
    is a draft as null (or left out of a list). copy_export.history_json_sql writes the
    same."""
    return {
        "history": {
            "agreements": [agreement_json(a) for a in partnership.agreements.all()],
            "status_changes": [status_change_json(c) for c in partnership.status_changes.all()],
            "visits": [visit_json(v) for v in partnership.visits.all()],
        }
    }


def agreement_json(agreement) -> dict:
    return {
        "date": str(agreement.signed),
        "date_iso": iso_partial(agreement.signed_on, agreement.signed_precision),
        "kind": agreement.get_kind_display(),
        "title": agreement.title,
        "status": agreement.get_status_display(),
        "term_start_year": agreement.term_start_year,
        "term_end_year": agreement.term_end_year,
        "term_length_years": agreement.term_length_years,
        "renewal": agreement.get_renewal_display() if agreement.renewal else None,
        "signed_at": published_name(agreement.signed_at) or None,
        "signed_in": published_name(agreement.place) or None,
        "signatories": [str(person) for person in signatories_shown(agreement)],
    }


def status_change_json(change) -> dict:
    return {
        "date": str(change.changed),
        "date_iso": iso_partial(change.changed_on, change.changed_precision),
        "status": change.get_status_display(),
        "by": published_name(change.by) or None,
        "note": change.note,
    }


def visit_json(visit) -> dict:
    return {
        "date": visit_dates(visit),
        "date_iso": iso_partial(visit.visited_on, visit.visited_precision),
        "last_date_iso": iso_partial(visit.ends_on, visit.visited_precision),
        "occasion": visit.occasion,
        "direction": visit.get_direction_display(),
        "status": visit.get_status_display(),
        "format": visit.get_format_display(),
        "sent_by": published_name(visit.sender) or None,
        "also_sent_by": visit_other_senders(visit),
        "hosted_by": visit_hosts(visit),
        "came_from": published_name(visit.sent_from) or None,
        "headcounts_are": visit.get_headcount_qualifier_display(),
        "teachers": visit.teachers,
        "students": visit.students,
        "others": visit.others,
        "people_in_all": visit.people_in_all,
        "days": visit.days,
        "recurrence": visit.recurrence,
        "description": visit.description,
        "people": [
            {"name": str(part.person), "title": part.title, "role": part.get_role_display()}
            for part in visit_people_shown(visit)
        ],
    }


def histories(keys) -> dict:
    """{partnership key: history_cells} for partnerships by key: five queries however many
    (a batch of the Python CSV export; the signatories and the visits' people are read only
    when there are agreements and visits)."""
    stubs = [SisterSchoolPartnership(pk=key) for key in keys]
    prefetch_related_objects(stubs, *history_prefetches())
    return {stub.pk: history_cells(stub) for stub in stubs}


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


def json_response(
    rows: Iterable, columns: list[Column], stem: str, extra: Callable | None = None
) -> StreamingHttpResponse:
    """The JSON array of ``rows``: each column's value, the row's citations, then the keys
    ``extra(row)`` gives (a partnership's nested history: history_json)."""

    def stream():
        # "[" goes out with the first row, not before it (streaming_response).
        separator = "[\n"
        with closed_after(rows):
            for obj in rows:
                record = {c.header: c.get(obj) for c in columns}
                record["citations"] = citations_of(obj)
                if extra is not None:
                    record.update(extra(obj))
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
    before (views.record_list.streamed, copy_export.copy_csv_response), where a failure is
    answered with a 503 by middleware.DatabaseFailureMiddleware (anything else stays a 500);
    and a stream yields nothing before its first rows, so that its own failure then is the
    server's 500 rather than "200" and a file cut short."""
    response = StreamingHttpResponse(chunks, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
