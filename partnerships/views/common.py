"""What every public page shares: leaving drafts out and what the public may see.

- ``hide_drafts``: forget the related records of rows already read that are drafts, so that
  a published record never names a draft; ``joins_as_written``: the planner settings a page
  of rows or a detail page reads under.
- What is public: ``PUBLISHED``, the kinds of records and parts of records
  (``SUBJECT_MODELS``, ``PART_OF``, ``CITED_MODELS``), ``public_pks``, ``public_subject_q``,
  ``public_citations_q``, ``published_citations`` and the querysets of parts shown
  (``speeches_shown_q``, ``shown_memberships``).
- Reading less: ``prefetch_names``, ``without_citations``, ``without_unshown_columns``."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Prefetch, Q, prefetch_related_objects

from ..models import (
    Agreement,
    Alliance,
    AllianceBody,
    AllianceDocument,
    AllianceEvent,
    AllianceEventActor,
    AllianceMembership,
    Citation,
    Conference,
    ConferenceDocument,
    ConferenceSeries,
    Organization,
    PartnershipParty,
    PartnershipPerson,
    Person,
    PersonPosition,
    Publication,
    Region,
    ReportedFigure,
    SisterSchoolPartnership,
    Source,
    Speech,
    StatusChange,
    Visit,
)
from ..pgsettings import statement_settings


def joins_as_written(using):
    """PostgreSQL: plan the joins of the queries inside in the order Django wrote them.

    A page of rows or a detail page starts from the rows the filter picks (a few, through an
    index) and follows foreign keys to their parties, regions and conference: nine relations,
    which the planner would otherwise order exhaustively, spending about 10 ms planning a
    query that runs in 2 (measured at a million partnerships). join_collapse_limit = 1 keeps
    the written order for the queries inside only (pgsettings), so that the facets'
    subqueries (and everything else) are planned as usual.

    Nor do they cache the rows of a join (enable_memoize = off): for a list of a million
    rows, read 26 at a time, the planner put a Memoize node on each foreign key, and setting
    up their caches (sized for a million lookups) took 3.7 ms of the first page's 5.4 (1.7
    without; bench_1m, psql)."""
    return statement_settings(using, join_collapse_limit=1, enable_memoize="off")


def hide_drafts(objects, paths):
    """Forget the related records of ``objects`` that are drafts, so that a published record
    never shows a draft's name. ``paths`` are relation paths as for select_related
    ("party_a__region"), already loaded; one may pass through a prefetched to-many relation
    ("speeches__person__organization"). Only the objects in memory change."""
    for obj in objects:
        for path in paths:
            _hide_draft(obj, path.split("__"))
    return objects


def hide_drafts_in(rows, paths):
    """hide_drafts for a stream of rows."""
    for row in rows:
        for path in paths:
            _hide_draft(row, path.split("__"))
        yield row


def _hide_draft(obj, parts):
    name, rest = parts[0], parts[1:]
    value = getattr(obj, name, None)
    if value is None:
        return
    if callable(getattr(value, "all", None)):  # a to-many relation, prefetched
        for item in value.all():
            _hide_draft(item, rest)
    elif rest:
        _hide_draft(value, rest)
    elif getattr(value, "is_published", True) is False:
        setattr(obj, name, None)


# --------------------------------------------------------------------------- what is public

PUBLISHED = Publication.PUBLISHED

# Records a reported figure may be about, and records a citation may support.
SUBJECT_MODELS = (
    Region,
    Organization,
    Person,
    ConferenceSeries,
    Conference,
    Alliance,
    SisterSchoolPartnership,
    Source,
)
# Parts of a record, each shown on its record's page (the relation to that record).
PART_OF = {
    Agreement: "partnership",
    StatusChange: "partnership",
    Visit: "partnership",
    PartnershipParty: "partnership",
    PartnershipPerson: "partnership",
    AllianceBody: "alliance",
    AllianceEventActor: "alliance",
    ConferenceDocument: "conference",
    AllianceDocument: "alliance",
    PersonPosition: "person",
}
CITED_MODELS = (
    *SUBJECT_MODELS,
    ReportedFigure,
    AllianceMembership,
    AllianceEvent,
    Speech,
    *PART_OF,
)

# What a record needs loaded to print its name and link (str() and get_absolute_url()).
NAMED_BY = {
    SisterSchoolPartnership: ("party_a", "party_b"),
    AllianceMembership: ("organization", "alliance"),
    AllianceEvent: ("alliance",),
    Speech: ("person", "organization", "conference"),
    PartnershipPerson: ("person",),
    AllianceEventActor: ("person", "organization"),
    ReportedFigure: ("subject",),
}


def prefetch_names(records) -> None:
    """Load what ``records`` (of any kinds) need to print their names and links: one query
    per relation and kind, instead of one per record."""
    by_model: dict = {}
    for record in records:
        if record is not None:
            by_model.setdefault(type(record), []).append(record)
    for model, same_kind in by_model.items():
        if model in NAMED_BY:
            prefetch_related_objects(same_kind, *NAMED_BY[model])


def without_citations(queryset):
    """``queryset`` without its prefetch of citations (which only the JSON export and the
    detail pages show); the other prefetches, which the columns read and which leave drafts
    out, stay."""
    lookups = [
        lookup
        for lookup in queryset._prefetch_related_lookups
        if getattr(lookup, "prefetch_to", lookup) != "citations"
    ]
    return queryset.prefetch_related(None).prefetch_related(*lookups)


# Columns of a record that no public page shows: the search columns (a stored tsvector is
# the widest column of a row, about 220 bytes for a partnership, and slow to print and parse)
# and the timestamps (two datetimes to parse per row and per related row).
UNSHOWN_COLUMNS = ("search_text", "search_vector", "created_at", "updated_at")


def without_unshown_columns(queryset):
    """``queryset`` without the UNSHOWN_COLUMNS of its rows and of the related rows it joins
    (select_related), each deferred where its model has it (a visit, a row inside a record,
    has none of them; the partnership it joins has all)."""
    deferred = []
    pending = [("", queryset.model, queryset.query.select_related)]
    while pending:
        prefix, model, tree = pending.pop()
        names = {field.name for field in model._meta.concrete_fields}
        deferred += [f"{prefix}{column}" for column in UNSHOWN_COLUMNS if column in names]
        if isinstance(tree, dict):
            for name, subtree in tree.items():
                related = model._meta.get_field(name).related_model
                pending.append((f"{prefix}{name}__", related, subtree))
    return queryset.defer(*deferred)


def shown_memberships():
    """Members and roles whose holder (an organization, a person, or a person with their
    organization) is published."""
    return AllianceMembership.objects.filter(
        Q(organization__isnull=True) | Q(organization__publication=PUBLISHED),
        Q(person__isnull=True) | Q(person__publication=PUBLISHED),
    )


def speeches_shown_q() -> Q:
    """Speeches whose person is published, or, by an office with no person named, whose
    organization is; a group the source names without a person (its organization, if any,
    shown only while published)."""
    return (
        Q(person__publication=PUBLISHED)
        | Q(person__isnull=True, organization__publication=PUBLISHED)
        | (Q(person__isnull=True) & ~Q(group=""))
    )


def public_pks(model):
    """The pks of the rows of ``model`` the public may see, as a subquery: published records;
    parts of records (members and roles, speeches, events, agreements, visits, bodies…)
    whose records are all published; figures that are published and about a public record."""
    if model is AllianceMembership:
        qs = shown_memberships().filter(alliance__publication=PUBLISHED)
    elif model is AllianceEventActor:
        qs = AllianceEventActor.objects.shown().filter(alliance__publication=PUBLISHED)
    elif PART_OF.get(model) == "partnership":
        qs = model.objects.filter(
            partnership__in=SisterSchoolPartnership.objects.published().values("pk")
        )
        if model is PartnershipParty:
            qs = qs.filter(organization__publication=PUBLISHED)
        if model is PartnershipPerson:
            qs = qs.filter(Q(person__publication=PUBLISHED) | Q(person__isnull=True))
    elif model in PART_OF:
        qs = model.objects.filter(**{f"{PART_OF[model]}__publication": PUBLISHED})
    elif model is Speech:
        qs = model.objects.filter(conference__publication=PUBLISHED).filter(speeches_shown_q())
    elif model is AllianceEvent:
        qs = model.objects.filter(alliance__publication=PUBLISHED)
    elif model is ReportedFigure:
        qs = model.objects.published().filter(public_subject_q("subject_type", "subject_id"))
    else:
        qs = model.objects.published()
    return qs.order_by().values("pk")


def public_subject_q(type_field: str, id_field: str, models=SUBJECT_MODELS) -> Q:
    """Rows whose generic relation (``type_field``, ``id_field``) points to a public record."""
    q = Q()
    for model, content_type in ContentType.objects.get_for_models(*models).items():
        # EXISTS, not IN: a few figures or citations point into tables of a million rows;
        # the planner looks each one up instead of hashing the whole public set.
        public = public_pks(model).filter(pk=OuterRef(id_field))
        q |= Q(**{type_field: content_type}) & Q(Exists(public))
    return q


def public_citations_q() -> Q:
    """Citations that support a record the public may see."""
    return public_subject_q("content_type", "object_id", CITED_MODELS)


def published_citations():
    return Prefetch(
        "citations",
        queryset=Citation.objects.select_related("source").filter(source__publication="published"),
    )
