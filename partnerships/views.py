"""Public pages: the dashboard, a list and a detail page per kind of record, exports."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, router, transaction
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import DetailView, TemplateView
from django_filters.views import FilterView

from . import filters
from .copy_export import copy_csv_response, copy_json_response
from .dates import NO_YEAR, PartialDate
from .exports import (
    Column,
    agreements_cell,
    csv_response,
    histories,
    history_prefetches,
    iso_partial,
    json_response,
    status_changes_cell,
    visits_cell,
)
from .facets import (
    AND,
    ChoiceFacet,
    PlacesFacet,
    PlacesTreeFacet,
    RelatedFacet,
    TreeFacet,
    YearFacet,
    compute_facets,
)
from .models import (
    Agreement,
    Alliance,
    AllianceBody,
    AllianceEvent,
    AllianceEventActor,
    AllianceFocus,
    AllianceMembership,
    Citation,
    Conference,
    ConferenceDocument,
    ConferenceSeries,
    EventRole,
    MemberRole,
    Organization,
    OrganizationKind,
    OtherAccount,
    PartnershipLevel,
    PartnershipParty,
    PartnershipPerson,
    PartnershipStatus,
    PartyRole,
    Person,
    PersonRoleInPartnership,
    Publication,
    Region,
    RegionKind,
    ReportedFigure,
    SisterSchoolPartnership,
    Source,
    Speech,
    StatusChange,
    Visit,
    newest_first,
    slug_url,
)
from .pagination import CappedPaginator, count_rows
from .pgsettings import statement_settings
from .references import References, locator_of

PER_PAGE_CHOICES = (10, 25, 50, 100)
DEFAULT_PER_PAGE = 25


@never_cache
@require_GET
def healthz(request):
    """200 once the database answered a query; 503 when it cannot be reached."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def streamed(queryset, chunk_size=2000):
    """Rows of ``queryset`` read as they are sent, with flat memory.

    Inside a transaction PostgreSQL's server-side cursor streams; outside one (autocommit),
    Django declares it WITH HOLD, which makes the server compute and store the whole result
    before the first row (23 s for a million partnerships). So the export reads in one.

    The first ``chunk_size`` rows (and what they prefetch) are read here, in the view, before
    the response is made (exports.streaming_response): the database unreachable or the
    statement timeout then answer 503, where once the response is being sent they could
    only cut it short. Fewer rows than that are the whole export, sent from memory. Else
    the stream reads them again, in its transaction, and the rest: nothing is held open from
    the view to the stream, where a transaction and a cursor held for a response nobody
    reads (a client gone, a test reading headers only) would be closed by the garbage
    collector at any later moment, on a connection busy with something else by then."""
    first = list(queryset[:chunk_size])
    if len(first) < chunk_size:
        return iter(first)
    return _streamed(queryset, chunk_size)


def _streamed(queryset, chunk_size):
    with transaction.atomic(using=queryset.db):
        yield from queryset.iterator(chunk_size=chunk_size)


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
    (select_related)."""
    paths = [""]
    pending = [("", queryset.query.select_related)]
    while pending:
        prefix, tree = pending.pop()
        if isinstance(tree, dict):
            for name, subtree in tree.items():
                paths.append(f"{prefix}{name}__")
                pending.append((f"{prefix}{name}__", subtree))
    return queryset.defer(*(f"{path}{column}" for path in paths for column in UNSHOWN_COLUMNS))


def speeches_shown_q() -> Q:
    """Speeches whose person is published, or, by an office with no person named, whose
    organization is."""
    return Q(person__publication=PUBLISHED) | Q(
        person__isnull=True, organization__publication=PUBLISHED
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
            qs = qs.filter(person__publication=PUBLISHED)
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


# --------------------------------------------------------------------------- lists


class BadPage(Exception):
    """A page number a list cannot show: answered with a 400 that says so, or with a redirect
    to the last page (``last_page``) when the number is past it."""

    def __init__(self, message, last_page=None):
        super().__init__(message)
        self.last_page = last_page


class RecordListView(FilterView):
    """A Datasette-style list: search, filters and facets in the querystring, count, pages,
    CSV/JSON export of every matching row."""

    template_name = "partnerships/list.html"
    row_template = ""
    title = ""
    intro = ""
    export_stem = ""
    facets: list = []
    columns: list[Column] = []
    paginate_by = DEFAULT_PER_PAGE
    paginator_class = CappedPaginator
    strict = True
    # Relations of a row (as for select_related) that may point to a draft: a draft's name
    # must not show on a published row, in the page or in an export.
    draft_relations: tuple[str, ...] = ()
    # The values the page's table shows (as for values_list(), "pk" first), when that is worth
    # listing: the paginator then reads the page's rows as named tuples of them, which
    # make_rows() turns into the table's rows (read_table_values), instead of as model
    # instances with their related records.
    table_values: tuple[str, ...] | None = None
    # Whether a search's first page finds its rows' keys with a query of their own before
    # reading those rows (CappedPaginator.first_keys_apart): worth it where the list's date
    # index holds the words, so that the keys come from the index alone.
    search_keys_apart = False

    def get_queryset(self):
        return self.model.objects.published()

    def get_paginate_by(self, queryset):
        try:
            value = int(self.request.GET.get("per_page", DEFAULT_PER_PAGE))
        except ValueError:
            return DEFAULT_PER_PAGE
        return value if value in PER_PAGE_CHOICES else DEFAULT_PER_PAGE

    def get_filterset_kwargs(self, filterset_class):
        # Always bound, also without a querystring: an unbound filterset is never "valid",
        # and the bare list would lose its facets.
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["data"] = self.request.GET
        return kwargs

    def get(self, request, *args, **kwargs):
        for key, values in request.GET.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                return HttpResponseBadRequest(_("Parameters may not contain NUL characters."))
        export = request.GET.get("format", "")
        if export not in ("", "html", "csv", "json"):
            return HttpResponseBadRequest(_("Unknown format: choose csv or json."))
        if export in ("csv", "json"):
            filterset = self.get_filterset(self.get_filterset_class())
            if not filterset.is_valid():
                # The list page, with its (escaped) form errors, instead of a file.
                response = super().get(request, *args, **kwargs)
                response.status_code = 400
                return response
            if export == "csv":
                return self.csv_export(filterset.qs)
            return self.json_export(filterset.qs)
        try:
            return super().get(request, *args, **kwargs)
        except BadPage as bad:
            query = request.GET.copy()
            if bad.last_page is not None:
                query["page"] = bad.last_page
                return HttpResponseRedirect(f"{request.path}?{query.urlencode()}")
            query.pop("page", None)
            return render(
                request,
                "400.html",
                {
                    "message": str(bad),
                    "back_url": f"{request.path}?{query.urlencode()}" if query else request.path,
                    "back_label": _("The first page of this list"),
                },
                status=400,
            )

    def paginate_queryset(self, queryset, page_size):
        """Django's, but a page number that is not one is a 400 that says so, and a page past
        the last goes to the last (a 404 "page not found" told readers the list was gone)."""
        raw = self.request.GET.get("page") or "1"
        if raw != "last" and not (raw.isascii() and raw.isdigit() and int(raw) >= 1):
            raise BadPage(
                _("“%(page)s” is not a page number: pages are numbered 1, 2, 3…")
                % {"page": raw[:20]}
            )
        try:
            return super().paginate_queryset(queryset, page_size)
        except Http404:
            paginator = self.get_paginator(queryset, page_size)
            if paginator.is_capped:
                raise BadPage(
                    _("Page %(page)s of this list holds no results: it has fewer pages.")
                    % {"page": raw[:20]}
                ) from None
            raise BadPage("", last_page=paginator.num_pages) from None

    def export_queryset(self, queryset):
        """``queryset`` with what the export's columns read and the page does not show."""
        return queryset

    def json_export(self, queryset):
        rows = hide_drafts_in(streamed(self.export_queryset(queryset)), self.draft_relations)
        return json_response(rows, self.columns, self.export_stem)

    def csv_export(self, queryset):
        """The CSV has no citations."""
        rows = hide_drafts_in(
            streamed(without_citations(self.export_queryset(queryset))), self.draft_relations
        )
        return csv_response(rows, self.columns, self.export_stem)

    def get_paginator(self, *args, **kwargs):
        paginator = super().get_paginator(*args, **kwargs)
        if self.table_values is not None:
            paginator.read_rows = self.read_table_values
        filterset = self.filterset
        searching = filterset.is_valid() and bool(filterset.form.cleaned_data.get("q"))
        paginator.first_keys_apart = searching and self.search_keys_apart
        return paginator

    def read_table_values(self, queryset) -> list:
        """The table's rows (make_rows) from the values it shows (table_values) of
        ``queryset``'s rows."""
        return self.make_rows(
            queryset.prefetch_related(None).values_list(*self.table_values, named=True)
        )

    def make_rows(self, values) -> list:
        """The table's rows from named tuples of table_values."""
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        filterset = self.filterset
        # The table of a list page shows no citations, no search columns, no timestamps.
        rows = without_citations(kwargs.get("object_list", self.object_list))
        if self.table_values is None:
            rows = without_unshown_columns(rows)
        self.object_list = rows
        kwargs["object_list"] = self.object_list
        with joins_as_written(self.object_list.db):
            context = super().get_context_data(**kwargs)  # reads the page
        if self.table_values is None:  # (make_rows leaves drafts out itself)
            hide_drafts(context["object_list"], self.draft_relations)
        facets, facets_left_out = [], []
        page = context.get("page_obj")
        # Facets describe the whole result set, the same on every page: they are counted on
        # the first page only, so that paging through a large list stays cheap.
        facets_on_first_page = page is not None and page.number > 1
        if filterset.is_valid() and not facets_on_first_page:
            facets, facets_left_out = self.count_facets(filterset)
        query = self.request.GET.copy()
        query.pop("page", None)
        export_links = []
        for fmt in ("csv", "json"):
            query["format"] = fmt
            export_links.append((fmt.upper(), "?" + query.urlencode()))
        context.update(
            title=self.title,
            intro=self.intro,
            row_template=self.row_template,
            facets=facets,
            facets_left_out=facets_left_out,
            # No "Refine" box when no facet has a value to offer (a search that finds nothing).
            any_facet_items=any(f.items for f in facets),
            facets_on_first_page=facets_on_first_page,
            export_links=export_links,
            active_filters=self.active_filters(filterset),
            per_page_choices=PER_PAGE_CHOICES,
            per_page=self.get_paginate_by(None),
            has_errors=bool(filterset.form.errors),
        )
        return context

    def count_facets(self, filterset) -> tuple[list, list[str]]:
        """The list's facets, and the titles of those left out (out of time).

        A facet whose values narrow, or with no value chosen, is counted on the list as it
        is. One whose values widen or replace each other, with a value chosen
        (Facet.counted_apart), is counted on the list filtered by everything else: its
        numbers are then what each click gives."""
        results, left_out = [], []
        for facet in self.facets:
            queryset = filterset.qs
            if facet.counted_apart(self.request):
                queryset = filterset.qs_without(facet.own_params)
            counted, out = compute_facets([facet], queryset, self.request)
            results += counted
            left_out += out
        return results, left_out

    def active_filters(self, filterset) -> list[dict]:
        """Chips for facet-style filters in force, each with a link that removes it."""
        from .facets import toggle_url

        chips = []
        if not filterset.is_valid():
            return chips
        for param in filterset.facet_params:
            values = [value for value in self.request.GET.getlist(param) if value.strip()]
            if not values:
                continue
            data = filterset.form.cleaned_data.get(param)
            field = filterset.form.fields[param]
            if hasattr(field, "queryset"):
                # The records selected, as cleaned: never every choice (thousands of regions).
                labels = {obj.slug: str(obj) for obj in data or ()}
            else:
                labels = {str(k): str(v) for k, v in getattr(field, "choices", [])}
            joins = next((f.joins for f in self.facets if f.param == param), AND)
            joiner = _("and") if joins == AND else _("or")
            for i, value in enumerate(values):
                chips.append(
                    {
                        "label": filterset.form.fields[param].label,
                        "value": labels.get(value, value),
                        "url": toggle_url(self.request, param, value),
                        # "and"/"or" before the second value of a filter onwards, as the
                        # result combines them.
                        "joiner": joiner if i else "",
                    }
                )
        chips += self.other_chips(filterset)
        return chips

    def other_chips(self, filterset) -> list[dict]:
        """Chips for the search words and the year range in force, each with a link to the
        list without it."""
        data = filterset.form.cleaned_data

        def without(*params):
            query = {k: v for k, v in self.request.GET.lists() if k not in (*params, "page")}
            encoded = urlencode(query, doseq=True)
            return f"?{encoded}" if encoded else self.request.path

        chips = []
        if data.get("q"):
            chips.append(
                {"label": _("Search"), "value": f"“{data['q']}”", "url": without("q"), "joiner": ""}
            )
        start, end = data.get("year_from"), data.get("year_to")
        if start is not None or end is not None:
            if start is not None and end is not None:
                years = f"{start}–{end}" if start != end else str(start)
            elif start is not None:
                years = _("from %(year)s") % {"year": start}
            else:
                years = _("to %(year)s") % {"year": end}
            chips.append(
                {
                    "label": _("Years"),
                    "value": years,
                    "url": without("year_from", "year_to"),
                    "joiner": "",
                }
            )
        return chips


def region_name(region) -> str:
    return region.name if region else ""


def number_text(value) -> str:
    """A number as an export's cell: '' when unknown (as PostgreSQL's export writes it)."""
    return "" if value is None else str(value)


def public_partnership_name(partnership, field: str) -> str:
    """The name of the partnership that ``field`` (predecessor, parent) points to, '' when
    there is none or it is not public."""
    if getattr(partnership, f"{field}_id") is None:
        return ""
    related = getattr(partnership, field)
    return str(related) if related.is_public else ""


def with_histories(rows, key, batch: int = 1000):
    """(row, history cells) for each of ``rows``, the histories of each ``batch`` rows read
    together (exports.histories: three queries a batch). ``key(row)``: the partnership's key.
    Closing it closes ``rows`` (a stream read in a transaction: exports.closed_after)."""
    try:
        pending = []
        for row in rows:
            pending.append(row)
            if len(pending) == batch:
                found = histories([key(r) for r in pending])
                yield from ((r, found[key(r)]) for r in pending)
                pending = []
        if pending:
            found = histories([key(r) for r in pending])
            yield from ((r, found[key(r)]) for r in pending)
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()


class Named:
    """A related record as a list's table shows it: its name, and a party's country."""

    __slots__ = ("name", "country")

    def __init__(self, name, country=None):
        self.name = name
        self.country = country


class PartnershipRow:
    """A partnership as the list's table shows it (partnership_rows), read from values
    (VALUES, a named tuple of them) instead of as a model instance with five related ones:
    building those took about 3 ms of a search page's 35 (26 rows, bench_1m). Has what the
    table, its link and str() read, as a SisterSchoolPartnership has it; a country or
    conference that is a draft is None, as hide_drafts() leaves it on a model instance."""

    VALUES = (
        "pk", "slug", "level", "status",
        "established_on", "established_precision", "established_not_after",
        "established_year_inferred", "established_year_basis", "established_as_given",
        "party_a__name", "party_a__country__name", "party_a__country__publication",
        "party_b__name", "party_b__country__name", "party_b__country__publication",
        "conference__name", "conference__publication",
    )  # fmt: skip
    LEVELS = dict(PartnershipLevel.choices)
    STATUSES = dict(PartnershipStatus.choices)

    __slots__ = (
        "pk", "slug", "level", "status",
        "established_on", "established_precision", "established_not_after",
        "established_year_inferred", "established_year_basis", "established_as_given",
        "party_a", "party_b", "conference",
    )  # fmt: skip

    def __init__(self, values):
        (
            self.pk, self.slug, self.level, self.status,
            self.established_on, self.established_precision, self.established_not_after,
            self.established_year_inferred, self.established_year_basis,
            self.established_as_given,
            a_name, a_country, a_country_publication,
            b_name, b_country, b_country_publication,
            conference, conference_publication,
        ) = values  # fmt: skip
        self.party_a = Named(a_name, self._published(a_country, a_country_publication))
        self.party_b = Named(b_name, self._published(b_country, b_country_publication))
        self.conference = self._published(conference, conference_publication)

    @staticmethod
    def _published(name, publication) -> Named | None:
        return Named(name) if name is not None and publication == PUBLISHED else None

    def __str__(self) -> str:
        return f"{self.party_a.name} – {self.party_b.name}"

    def get_absolute_url(self) -> str:
        return slug_url("partnership-detail", self.slug)

    def get_level_display(self) -> str:
        return str(self.LEVELS.get(self.level, self.level))

    def get_status_display(self) -> str:
        return str(self.STATUSES.get(self.status, self.status))

    @property
    def established(self) -> PartialDate:
        return PartialDate(
            self.established_on,
            self.established_precision,
            self.established_not_after,
            self.established_year_inferred,
            self.established_year_basis,
            self.established_as_given,
        )


class PartnershipListView(RecordListView):
    model = SisterSchoolPartnership
    filterset_class = filters.PartnershipFilterSet
    row_template = "includes/tables/partnership.html"
    title = gettext_lazy("Sister-school partnerships")
    intro = gettext_lazy(
        "Partnerships between two schools or education authorities, usually one in China and one "
        "abroad. Only partnerships a source names are listed; figures that sources report in "
        "total are on the overview."
    )
    export_stem = "partnerships"
    draft_relations = (
        "party_a__region",
        "party_a__country",
        "party_b__region",
        "party_b__country",
        "conference",
        "series",
    )
    # What includes/tables/partnership.html shows (PartnershipRow): names, countries, the
    # conference, level, status and date, the slug for the link, publications to leave drafts
    # out. (A public partnership's parties are always published: see published().)
    table_values = PartnershipRow.VALUES
    # Its newest-first date index holds each row's key and words (partner_public_date).
    search_keys_apart = True
    # The parties' places are copied onto the partnership, so facets read one table; a
    # partnership row is never repeated by a join, so counts need no DISTINCT.
    facets = [
        RelatedFacet(
            "country", gettext_lazy("Country"), ["a_country", "b_country"], Region, distinct=False
        ),
        RelatedFacet(
            "region",
            gettext_lazy("Province or state"),
            ["a_province", "b_province"],
            Region,
            distinct=False,
        ),
        ChoiceFacet(
            "level", gettext_lazy("Level"), "level", PartnershipLevel.choices, distinct=False
        ),
        ChoiceFacet(
            "status", gettext_lazy("Status"), "status", PartnershipStatus.choices, distinct=False
        ),
        RelatedFacet(
            "conference", gettext_lazy("Signed at"), ["conference"], Conference, distinct=False
        ),
        YearFacet(gettext_lazy("Year established"), "established_on", distinct=False),
    ]
    columns = [
        Column("name", lambda p: str(p)),
        Column("party_a", lambda p: p.party_a.name),
        Column("party_a_region", lambda p: region_name(p.party_a.region)),
        Column("party_a_country", lambda p: region_name(p.party_a.country)),
        Column("party_b", lambda p: p.party_b.name),
        Column("party_b_region", lambda p: region_name(p.party_b.region)),
        Column("party_b_country", lambda p: region_name(p.party_b.country)),
        Column("level", lambda p: p.get_level_display()),
        Column("source_label", lambda p: p.source_label),
        Column("status", lambda p: p.get_status_display()),
        Column("established", lambda p: str(p.established)),
        Column("signed_at", lambda p: p.conference.name if p.conference_id else ""),
        Column("conference_series", lambda p: p.series.name if p.series_id else ""),
        Column("predecessor", lambda p: public_partnership_name(p, "predecessor")),
        Column("parent", lambda p: public_partnership_name(p, "parent")),
        Column("pairings_reported", lambda p: number_text(p.pairings_reported)),
        Column("agreements", agreements_cell),
        Column("status_changes", status_changes_cell),
        Column("visits", visits_cell),
        Column("summary", lambda p: p.summary),
        Column("url", lambda p: p.get_absolute_url()),
    ]
    # What the exports read beyond the page: the partnerships a row follows or belongs to
    # (named only when public), and its history.
    EXPORT_RELATED = (
        "predecessor__party_a",
        "predecessor__party_b",
        "parent__party_a",
        "parent__party_b",
    )

    def make_rows(self, values):
        return [PartnershipRow(v) for v in values]

    def export_queryset(self, queryset):
        return queryset.select_related(*self.EXPORT_RELATED).prefetch_related(*history_prefetches())

    def csv_export(self, queryset):
        """On PostgreSQL, PostgreSQL writes the CSV (copy_export); elsewhere, Python."""
        response = copy_csv_response(queryset, [c.header for c in self.columns], self.export_stem)
        return response or self.python_csv_export(queryset)

    def json_export(self, queryset):
        """On PostgreSQL, PostgreSQL writes each row's JSON (copy_export); elsewhere, Python."""
        headers = [c.header for c in self.columns]
        response = copy_json_response(queryset, headers, self.export_stem)
        return response or super().json_export(queryset)

    def python_csv_export(self, queryset):
        """Tuples instead of model instances, cells made once per distinct date, the history
        of each batch of rows read in three queries (exports.histories). A related record
        that is a draft gives an empty cell, as on the page."""
        published = Publication.PUBLISHED

        def name(value, publication):
            return value if value is not None and publication == published else ""

        paths = (
            "party_a__name", "party_b__name",
            "party_a__region__name", "party_a__region__publication",
            "a_country__name", "a_country__publication",
            "party_b__region__name", "party_b__region__publication",
            "b_country__name", "b_country__publication",
            "level", "status", "established_on", "established_precision",
            "established_not_after", "conference__name", "conference__publication",
            "series__name", "series__publication", "summary", "slug",
            "established_year_inferred", "established_year_basis", "source_label",
            "pairings_reported",
            "predecessor__party_a__name", "predecessor__party_b__name", "predecessor__is_public",
            "parent__party_a__name", "parent__party_b__name", "parent__is_public",
            "pk", "established_as_given",
        )  # fmt: skip
        levels = {k: str(v) for k, v in PartnershipLevel.choices}
        statuses = {k: str(v) for k, v in PartnershipStatus.choices}
        url = reverse("partnership-detail", args=["-"])[:-2]
        dates: dict = {}  # the same few thousand dates come back again and again

        def date(*columns):
            if columns not in dates:
                dates[columns] = str(PartialDate(*columns))
            return dates[columns]

        def partnership(a, b, public):
            return f"{a} – {b}" if public else ""

        def cells(row):
            r, history = row
            return [
                f"{r[0]} – {r[1]}", r[0], name(r[2], r[3]), name(r[4], r[5]), r[1],
                name(r[6], r[7]), name(r[8], r[9]), levels.get(r[10], r[10]), r[23],
                statuses.get(r[11], r[11]), date(r[12], r[13], r[14], r[21], r[22], r[32]),
                name(r[15], r[16]), name(r[17], r[18]), partnership(r[25], r[26], r[27]),
                partnership(r[28], r[29], r[30]), number_text(r[24]), *history, r[19],
                f"{url}{r[20]}/",
            ]  # fmt: skip

        rows = streamed(queryset.prefetch_related(None).values_list(*paths), chunk_size=5000)
        return csv_response(
            with_histories(rows, key=lambda r: r[31]), self.columns, self.export_stem, cells=cells
        )

    def get_queryset(self):
        return (
            SisterSchoolPartnership.objects.published()
            .select_related(
                "party_a__region",
                "party_a__country",
                "party_b__region",
                "party_b__country",
                "conference",
                "series",
            )
            .prefetch_related(published_citations())
            .order_by(newest_first("established_on"), "slug")
        )


class AllianceListView(RecordListView):
    model = Alliance
    filterset_class = filters.AllianceFilterSet
    row_template = "includes/tables/alliance.html"
    title = gettext_lazy("Alliances")
    intro = gettext_lazy("Alliances of schools or universities across countries.")
    export_stem = "alliances"
    draft_relations = ("founding_conference", "founded_in", "part_of")
    # An alliance is found under a country or province where any of its places lies (its
    # members, where it was founded, where it meets: filters.alliance_place_q), and the
    # country and province facets count the same places.
    facets = [
        PlacesFacet(
            "country",
            gettext_lazy("Country"),
            filters.alliance_places,
            [RegionKind.COUNTRY, RegionKind.SAR],
        ),
        PlacesFacet(
            "region",
            gettext_lazy("Province or state"),
            filters.alliance_places,
            [RegionKind.PROVINCE],
        ),
        ChoiceFacet("focus", gettext_lazy("Focus"), "focus", AllianceFocus.choices),
        RelatedFacet("conference", gettext_lazy("Founded at"), ["founding_conference"], Conference),
        YearFacet(gettext_lazy("Year founded"), "founded_on"),
    ]
    columns = [
        Column("name", lambda a: a.name),
        Column("other_names", lambda a: "; ".join(a.other_names_list)),
        Column("kind", lambda a: a.get_kind_display()),
        Column("focus", lambda a: a.get_focus_display()),
        Column("part_of", lambda a: a.part_of.name if a.part_of else ""),
        Column("member_countries", lambda a: "; ".join(c.name for c in a.countries.all())),
        Column("founded", lambda a: str(a.founded)),
        Column("founded_in", lambda a: region_name(a.founded_in)),
        Column("founded_at", lambda a: a.founding_conference.name if a.founding_conference else ""),
        Column("members", lambda a: len(a.memberships.all())),
        Column("summary", lambda a: a.summary),
        Column("url", lambda a: a.get_absolute_url()),
    ]

    def get_queryset(self):
        return (
            Alliance.objects.published()
            .select_related("founding_conference", "founded_in", "part_of")
            .prefetch_related(
                Prefetch("countries", queryset=Region.objects.published()),
                Prefetch(
                    "memberships",
                    queryset=AllianceMembership.objects.filter(
                        organization__publication="published"
                    ),
                ),
                published_citations(),
            )
            .order_by("name")
        )


class ConferenceListView(RecordListView):
    model = Conference
    filterset_class = filters.ConferenceFilterSet
    row_template = "includes/tables/conference.html"
    title = gettext_lazy("Conferences")
    intro = gettext_lazy("Conferences where partnerships were signed or alliances founded.")
    export_stem = "conferences"
    draft_relations = ("series", "host_region", "venue", "alliance")
    # A conference is found under the regions that hosted it and those named as taking part
    # (filters.conference_place_q); the facet counts the same places.
    facets = [
        PlacesTreeFacet(
            "region", gettext_lazy("Where held or taking part"), filters.conference_places
        ),
        RelatedFacet("series", gettext_lazy("Series"), ["series"], ConferenceSeries),
        YearFacet(gettext_lazy("Year"), "held_on"),
    ]
    columns = [
        Column("name", lambda c: c.name),
        Column("other_names", lambda c: "; ".join(c.other_names_list)),
        Column("theme", lambda c: c.theme),
        Column("series", lambda c: c.series.name if c.series else ""),
        Column("edition", lambda c: c.edition),
        Column("meeting_of", lambda c: c.alliance.name if c.alliance else ""),
        Column("dates", lambda c: c.dates_display),
        Column("opening_day", lambda c: str(PartialDate(c.opening_on)) if c.opening_on else ""),
        Column("format", lambda c: c.get_format_display()),
        Column("host_region", lambda c: region_name(c.host_region)),
        Column("also_held_in", lambda c: "; ".join(r.name for r in c.other_host_regions.all())),
        Column("venue", lambda c: c.venue.name if c.venue else ""),
        Column("organizers", lambda c: "; ".join(o.name for o in c.organizers.all())),
        Column("run_by", lambda c: "; ".join(o.name for o in c.run_by.all())),
        Column(
            "participating_regions",
            lambda c: "; ".join(r.name for r in c.participating_regions.all()),
        ),
        Column("summary", lambda c: c.summary),
        Column("url", lambda c: c.get_absolute_url()),
    ]

    def export_queryset(self, queryset):
        return queryset.prefetch_related(
            Prefetch("run_by", queryset=Organization.objects.published()),
            Prefetch("participating_regions", queryset=Region.objects.published()),
        )

    def get_queryset(self):
        published_regions = Region.objects.published()
        return (
            Conference.objects.published()
            .select_related("series", "host_region", "venue", "alliance")
            .prefetch_related(
                Prefetch("organizers", queryset=Organization.objects.published()),
                Prefetch("other_host_regions", queryset=published_regions),
                published_citations(),
            )
            .order_by(newest_first("held_on"), "name")
        )


class OrganizationListView(RecordListView):
    model = Organization
    filterset_class = filters.OrganizationFilterSet
    row_template = "includes/tables/organization.html"
    title = gettext_lazy("Organizations")
    intro = gettext_lazy(
        "Schools, universities, education authorities, school boards and other bodies named in the "
        "sources."
    )
    export_stem = "organizations"
    draft_relations = ("region", "country", "parent")
    # No filter of this list joins a to-many relation, so a row is never repeated: the
    # facets count rows without DISTINCT.
    facets = [
        RelatedFacet("country", gettext_lazy("Country"), ["country"], Region, distinct=False),
        RelatedFacet(
            "region",
            gettext_lazy("Province or state"),
            ["province"],
            Region,
            distinct=False,
            joins=AND,  # as the region filter: a place, then a place within it
        ),
        ChoiceFacet("kind", gettext_lazy("Kind"), "kind", OrganizationKind.choices, distinct=False),
    ]
    columns = [
        Column("name", lambda o: o.name),
        Column("other_names", lambda o: "; ".join(n.name for n in o.other_names.all())),
        Column("kind", lambda o: o.get_kind_display()),
        Column("region", lambda o: region_name(o.region)),
        Column("country", lambda o: region_name(o.country)),
        Column("part_of", lambda o: o.parent.name if o.parent else ""),
        Column("website", lambda o: o.website),
        Column("description", lambda o: o.description),
        Column("url", lambda o: o.get_absolute_url()),
    ]

    def get_queryset(self):
        return (
            Organization.objects.published()
            .select_related("region", "country", "parent")
            .prefetch_related("other_names", published_citations())
            .order_by("name")
        )


class RegionListView(RecordListView):
    model = Region
    filterset_class = filters.RegionFilterSet
    row_template = "includes/tables/region.html"
    title = gettext_lazy("Regions")
    intro = gettext_lazy(
        "Countries, provinces and cities. A region's page includes its sub-regions."
    )
    export_stem = "regions"
    draft_relations = ("parent",)
    facets = [
        ChoiceFacet("kind", gettext_lazy("Kind"), "kind", RegionKind.choices),
        TreeFacet("region", gettext_lazy("Within"), "", parents_only=True),
    ]
    columns = [
        Column("name", lambda r: r.name),
        Column("kind", lambda r: r.get_kind_display()),
        Column("iso_code", lambda r: r.iso_code),
        Column("part_of", lambda r: region_name(r.parent)),
        Column("url", lambda r: r.get_absolute_url()),
    ]

    def get_queryset(self):
        return (
            Region.objects.published()
            .select_related("parent")
            .prefetch_related(published_citations())
            .order_by("path")
        )


class SourceListView(RecordListView):
    model = Source
    filterset_class = filters.SourceFilterSet
    row_template = "includes/tables/source.html"
    title = gettext_lazy("Sources")
    intro = gettext_lazy("The published documents every record cites, with our own summaries.")
    export_stem = "sources"
    facets = [
        ChoiceFacet("language", gettext_lazy("Language"), "language", []),
        YearFacet(gettext_lazy("Year published"), "published_on"),
    ]
    columns = [
        Column("id", lambda s: s.pk),
        Column("title", lambda s: s.title),
        Column("outlet", lambda s: s.outlet),
        Column("original_outlet", lambda s: s.original_outlet),
        Column("authors", lambda s: s.authors),
        # As the source gives it: 2018, 2018-05 or 2018-05-24 (exports.iso_partial); and in
        # words, with what the date is (published, updated, ...).
        Column("published_on", lambda s: iso_partial(s.published_on, s.published_precision) or ""),
        Column("date", lambda s: str(s.date) if s.published_on else ""),
        Column("date_kind", lambda s: s.get_date_kind_display()),
        Column("language", lambda s: s.language),
        Column("original_language", lambda s: s.original_language),
        Column("via", lambda s: s.via),
        Column("kind_of_page", lambda s: s.get_reliability_display()),
        Column("reliability_note", lambda s: s.reliability_note),
        Column("url", lambda s: s.url),
        Column("summary", lambda s: s.summary),
        Column("page", lambda s: s.get_absolute_url()),
    ]

    def get_queryset(self):
        # Citations of public records only: a draft citing a source must not show in its count.
        cited = (
            Citation.objects.filter(source=OuterRef("pk"))
            .filter(public_citations_q())
            .order_by()
            .values("source")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            Source.objects.published()
            .annotate(record_count=Coalesce(Subquery(cited, output_field=IntegerField()), 0))
            .prefetch_related(published_citations())
            .order_by(newest_first("published_on"), "title")
        )


class PersonListView(RecordListView):
    model = Person
    filterset_class = filters.PersonFilterSet
    row_template = "includes/tables/person.html"
    title = gettext_lazy("People")
    intro = gettext_lazy("People named in the sources, with the position the source gives them.")
    export_stem = "people"
    draft_relations = ("organization",)
    facets = [
        RelatedFacet("organization", gettext_lazy("Organization"), ["organization"], Organization),
    ]
    columns = [
        Column("name", lambda p: p.name),
        Column("other_names", lambda p: "; ".join(n.name for n in p.other_names.all())),
        Column("position", lambda p: p.position),
        Column("organization", lambda p: p.organization.name if p.organization else ""),
        Column("url", lambda p: p.get_absolute_url()),
    ]

    def get_queryset(self):
        return (
            Person.objects.published()
            .select_related("organization")
            .prefetch_related("other_names", published_citations())
            .order_by("name")
        )


# --------------------------------------------------------------------------- details


def figures_shown(obj) -> list[ReportedFigure]:
    """The published figures about ``obj``, with their citations and breakdown country loaded
    (its text names it); a figure counted in a country that is still a draft is left out, as
    its text would name the draft."""
    ct = ContentType.objects.get_for_model(type(obj))
    return list(
        ReportedFigure.objects.published()
        .filter(subject_type=ct, subject_id=obj.pk)
        .filter(Q(country__isnull=True) | Q(country__publication=PUBLISHED))
        .select_related("country")
        .prefetch_related(published_citations())
    )


def other_accounts_of(objects) -> dict[tuple[int, int], list[OtherAccount]]:
    """What other sources say of facts of ``objects`` (records and parts of records, of any
    kinds), keyed by (content type id, pk): one query, only accounts whose source is
    published."""
    by_model: dict = {}
    for obj in objects:
        if obj is not None:
            by_model.setdefault(type(obj), set()).add(obj.pk)
    q = Q()
    for model, content_type in ContentType.objects.get_for_models(*by_model).items():
        q |= Q(content_type=content_type, object_id__in=sorted(by_model[model]))
    if not q:
        return {}
    accounts: dict = {}
    for account in (
        OtherAccount.objects.filter(q, source__publication=PUBLISHED)
        .select_related("source")
        .order_by("fact", "pk")
    ):
        accounts.setdefault((account.content_type_id, account.object_id), []).append(account)
    return accounts


def accounts_key(obj) -> tuple[int, int]:
    return (ContentType.objects.get_for_model(type(obj)).pk, obj.pk)


class RecordDetailView(DetailView):
    template_name_suffix = "_detail"
    # As for lists: loaded relations that may point to a draft, which the page must not name.
    draft_relations: tuple[str, ...] = ()

    def get_queryset(self):
        return self.model.objects.published().prefetch_related(published_citations())

    def get_object(self, queryset=None):
        if queryset is None:
            queryset = without_unshown_columns(self.get_queryset())
        with joins_as_written(router.db_for_read(self.model)):
            obj = super().get_object(queryset)
        hide_drafts([obj], self.draft_relations)
        return obj

    def rows_with_accounts(self) -> list:
        """The parts of the record the page shows with what other sources say of them (a
        partnership's agreements, visits, ...): each gets ``other_accounts``."""
        return []

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["refs"] = References()
        context["figures"] = figures_shown(self.object)
        rows = self.rows_with_accounts()
        accounts = other_accounts_of([self.object, *rows])
        for row in rows:
            row.other_accounts = accounts.get(accounts_key(row), [])
        context["other_accounts"] = accounts.get(accounts_key(self.object), [])
        return context


def published_partnerships():
    return SisterSchoolPartnership.objects.published().select_related(
        "party_a__country", "party_b__country", "conference"
    )


# Related rows a detail page lists at most: a region such as China holds most of a million
# partnerships and a hundred thousand organizations, which no page can show.
RELATED_ROWS = 50


@dataclass
class FirstRows:
    """The first rows of a detail page's related list, and how many there are (counted as
    lists count: exactly, or up to LIST_COUNT_CAP when that runs out of time: ``capped``).
    Iterates like the rows."""

    rows: list
    count: int
    capped: bool = False
    list_url: str = ""  # the list page that shows them all, with filters and exports

    def __iter__(self):
        return iter(self.rows)

    def __len__(self):
        return len(self.rows)

    @property
    def more(self) -> bool:
        return self.capped or self.count > len(self.rows)


def first_rows(queryset, list_url="", draft_relations=()) -> FirstRows:
    limit = RELATED_ROWS
    rows = list(without_unshown_columns(queryset)[:limit])
    hide_drafts(rows, draft_relations)
    if len(rows) < limit:
        return FirstRows(rows, len(rows), False, list_url)
    cap = settings.LIST_COUNT_CAP
    count, exact = count_rows(queryset, cap)
    return FirstRows(rows, min(count, cap) if not exact else count, not exact, list_url)


def list_url(name: str, **query) -> str:
    return f"{reverse(name)}?{urlencode(query)}"


@dataclass
class TimelineEntry:
    """One dated entry of a partnership's history: an agreement, a change of status or a
    visit (``kind``), with its date."""

    kind: str
    date: PartialDate
    row: object
    ends_on: object = None

    KINDS = ("status", "agreement", "visit")

    @property
    def sort_key(self) -> tuple[int, int, int, int]:
        """Oldest first; entries whose year no source gives after those, then the undated."""
        date = self.date
        if date.on is not None and date.precision not in NO_YEAR:
            group, day = 0, date.on
        elif date.on is None and date.not_after is not None:
            group, day = 0, date.not_after
        elif date.on is not None:  # a day and month, or a month, with no year
            group, day = 1, date.on
        else:
            group, day = 2, None
        return (group, day.toordinal() if day else 0, self.KINDS.index(self.kind), self.row.pk)


def timeline_of(partnership) -> list[TimelineEntry]:
    """A partnership's agreements, changes of status and visits, oldest first."""
    entries = [
        *(TimelineEntry("agreement", a.signed, a) for a in partnership.agreements.all()),
        *(TimelineEntry("status", s.changed, s) for s in partnership.status_changes.all()),
        *(TimelineEntry("visit", v.visited, v, v.ends_on) for v in partnership.visits.all()),
    ]
    return sorted(entries, key=lambda entry: entry.sort_key)


def by_person_role(rows) -> list:
    """People's parts (PartnershipPerson) in the order of PersonRoleInPartnership (who led
    first), then as entered."""
    order = {role: i for i, role in enumerate(PersonRoleInPartnership.values)}
    return sorted(rows, key=lambda row: (order.get(row.role, len(order)), row.pk))


def people_of(partnership) -> dict:
    """The partnership's people (prefetched), by visit key (None: the whole partnership);
    each visit of the prefetch gets its own as ``people_shown``."""
    found: dict = {}
    for row in by_person_role(partnership.people.all()):
        found.setdefault(row.visit_id, []).append(row)
    for visit in partnership.visits.all():
        visit.people_shown = found.get(visit.pk, [])
    return found


def partnerships_named():
    """Published partnerships with what their names and links need."""
    return SisterSchoolPartnership.objects.published().select_related("party_a", "party_b")


class PartnershipDetailView(RecordDetailView):
    model = SisterSchoolPartnership
    draft_relations = (
        "party_a__region",
        "party_b__region",
        "party_a__province",
        "party_b__province",
        "party_a__country",
        "party_b__country",
        "conference",
        "series",
        "agreements__conference",
        "status_changes__by",
        "visits__sender",
        "visits__sent_from",
    )
    # Partnerships linked from this one; each is public only with both its parties.
    linked = ("predecessor", "parent")

    def get_queryset(self):
        return (
            SisterSchoolPartnership.objects.published()
            .select_related(
                "party_a__region",
                "party_b__region",
                "party_a__province",
                "party_b__province",
                "party_a__country",
                "party_b__country",
                "conference",
                "series",
                "predecessor__party_a",
                "predecessor__party_b",
                "parent__party_a",
                "parent__party_b",
            )
            .prefetch_related(
                published_citations(),
                Prefetch(
                    "other_parties",
                    queryset=PartnershipParty.objects.filter(organization__publication=PUBLISHED)
                    .select_related("organization")
                    .prefetch_related(published_citations()),
                ),
                Prefetch(
                    "agreements",
                    queryset=Agreement.objects.select_related("conference").prefetch_related(
                        published_citations(),
                        Prefetch("signatories", queryset=Person.objects.published()),
                    ),
                ),
                Prefetch(
                    "status_changes",
                    queryset=StatusChange.objects.select_related("by").prefetch_related(
                        published_citations()
                    ),
                ),
                Prefetch(
                    "visits",
                    queryset=Visit.objects.select_related("sender", "sent_from").prefetch_related(
                        published_citations(),
                        Prefetch("places", queryset=Region.objects.published().order_by("name")),
                    ),
                ),
                # People's parts in the partnership and in its visits, in one query: the
                # view hands each visit its own (people_of).
                Prefetch(
                    "people",
                    queryset=PartnershipPerson.objects.filter(person__publication=PUBLISHED)
                    .select_related("person")
                    .prefetch_related(published_citations()),
                ),
                Prefetch("successors", queryset=partnerships_named()),
                Prefetch("pairings", queryset=partnerships_named()),
            )
        )

    def get_object(self, queryset=None):
        obj = super().get_object(queryset)
        for name in self.linked:
            related = getattr(obj, name)
            if related is not None and not related.is_public:
                setattr(obj, name, None)
        return obj

    def rows_with_accounts(self):
        obj = self.object
        return [
            *obj.agreements.all(),
            *obj.status_changes.all(),
            *obj.visits.all(),
            *obj.other_parties.all(),
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        obj = self.object
        roles: dict = {}
        for party in obj.other_parties.all():
            roles.setdefault(party.role, []).append(party)
        people = people_of(obj)
        context.update(
            people=people.get(None, []),
            timeline=timeline_of(obj),
            further_parties=roles.get(PartyRole.PARTY, []),
            # Bodies that led, guided, facilitated, funded or witnessed it, not parties: by
            # role, in the order of PartyRole.
            non_parties=[
                (role.label, roles[role.value])
                for role in PartyRole
                if role != PartyRole.PARTY and role.value in roles
            ],
        )
        return context


def shown_memberships():
    """Members and roles whose holder (an organization, a person, or a person with their
    organization) is published."""
    return AllianceMembership.objects.filter(
        Q(organization__isnull=True) | Q(organization__publication=PUBLISHED),
        Q(person__isnull=True) | Q(person__publication=PUBLISHED),
    )


def by_role(memberships) -> list:
    """Members and roles in the order of MemberRole (initiators and leads first, plain
    members last), then as entered."""
    order = {role: i for i, role in enumerate(MemberRole.values)}
    return sorted(memberships, key=lambda m: (order.get(m.role, len(order)), m.pk))


class AllianceDetailView(RecordDetailView):
    model = Alliance
    draft_relations = (
        "founding_conference",
        "founding_conference__venue",
        "founding_conference__host_region",
        "part_of",
        "founded_in",
        "memberships__country",
        "bodies__country",
        "bodies__host",
        "meetings__host_region",
    )

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related(
                "founding_conference__venue",
                "founding_conference__host_region",
                "part_of",
                "founded_in",
            )
            .prefetch_related(
                Prefetch("countries", queryset=Region.objects.published()),
                Prefetch(
                    "memberships",
                    queryset=shown_memberships()
                    .select_related("organization", "person", "country")
                    .prefetch_related(published_citations()),
                ),
                Prefetch(
                    "events",
                    queryset=self.model.events.rel.related_model.objects.select_related(
                        "conference"
                    ).prefetch_related(
                        published_citations(),
                        Prefetch(
                            "actors",
                            queryset=AllianceEventActor.objects.shown()
                            .select_related("organization", "person")
                            .prefetch_related(published_citations()),
                        ),
                    ),
                ),
                Prefetch(
                    "bodies",
                    queryset=AllianceBody.objects.select_related(
                        "country", "host"
                    ).prefetch_related(
                        published_citations(),
                        Prefetch("guided_by", queryset=Organization.objects.published()),
                    ),
                ),
                Prefetch("parts", queryset=Alliance.objects.published()),
                Prefetch("meeting_series", queryset=ConferenceSeries.objects.published()),
                Prefetch(
                    "meetings",
                    queryset=Conference.objects.published().select_related("host_region"),
                ),
            )
        )

    def rows_with_accounts(self):
        return [*self.object.bodies.all()]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        memberships = by_role(self.object.memberships.all())
        bodies = list(self.object.bodies.all())
        for body in bodies:
            body.shown_members = [m for m in memberships if m.body_id == body.pk]
        context.update(
            members=[m for m in memberships if m.body_id is None],
            bodies=bodies,
        )
        return context


def by_event_role(speeches) -> list[tuple[str, list]]:
    """People at an event grouped by their part (spoke, chaired, signed, ...), in the order
    of EventRole."""
    groups: dict = {}
    for speech in speeches:
        groups.setdefault(speech.role, []).append(speech)
    labels = dict(EventRole.choices)
    known = [(labels[role], groups[role]) for role in EventRole.values if role in groups]
    return known + [(role, rows) for role, rows in groups.items() if role not in labels]


def agreements_shown():
    """Agreements of public partnerships, with the names of their parties."""
    return Agreement.objects.filter(
        partnership__in=SisterSchoolPartnership.objects.published().values("pk")
    ).select_related("partnership__party_a", "partnership__party_b")


class ConferenceDetailView(RecordDetailView):
    model = Conference
    draft_relations = (
        "series",
        "host_region",
        "venue",
        "alliance",
        "speeches__person__organization",
        "speeches__organization",
    )

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("series", "host_region", "venue", "alliance")
            .prefetch_related(
                Prefetch("organizers", queryset=Organization.objects.published()),
                Prefetch("run_by", queryset=Organization.objects.published()),
                Prefetch("participating_regions", queryset=Region.objects.published()),
                Prefetch("partner_regions", queryset=Region.objects.published()),
                Prefetch("other_host_regions", queryset=Region.objects.published()),
                Prefetch(
                    "speeches",
                    queryset=Speech.objects.filter(speeches_shown_q())
                    .select_related("person__organization", "organization")
                    .prefetch_related(published_citations()),
                ),
                Prefetch("alliances_founded", queryset=Alliance.objects.published()),
                Prefetch(
                    "documents",
                    queryset=ConferenceDocument.objects.prefetch_related(published_citations()),
                ),
            )
        )

    def rows_with_accounts(self):
        return [*self.object.documents.all()]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["partnerships"] = first_rows(
            published_partnerships().filter(conference=self.object),
            list_url("partnership-list", conference=self.object.slug),
        )
        context["people_by_role"] = by_event_role(self.object.speeches.all())
        context["agreements"] = list(
            agreements_shown()
            .filter(conference=self.object)
            .prefetch_related(published_citations())
        )
        return context


class SeriesDetailView(RecordDetailView):
    model = ConferenceSeries
    draft_relations = ("alliance", "venue_region", "venue")

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("alliance", "venue_region", "venue")
            .prefetch_related(Prefetch("organizers", queryset=Organization.objects.published()))
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["editions"] = hide_drafts(
            list(
                Conference.objects.published()
                .filter(series=self.object)
                .select_related("host_region")
            ),
            ["host_region"],
        )
        context["partnerships"] = first_rows(
            published_partnerships().filter(
                Q(series=self.object) | Q(conference__series=self.object)
            )
        )
        return context


class OrganizationDetailView(RecordDetailView):
    model = Organization
    draft_relations = ("region", "country", "parent")

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("region", "country", "parent")
            .prefetch_related("other_names")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        org = self.object
        context.update(
            partnerships=first_rows(published_partnerships().involving(org)),
            memberships=hide_drafts(
                by_role(
                    shown_memberships()
                    .filter(organization=org, alliance__publication=PUBLISHED)
                    .select_related("alliance", "person", "body", "country")
                ),
                ["country"],
            ),
            bodies_hosted=AllianceBody.objects.filter(
                host=org, alliance__publication=PUBLISHED
            ).select_related("alliance"),
            partnership_roles=PartnershipParty.objects.filter(
                organization=org,
                partnership__in=SisterSchoolPartnership.objects.published().values("pk"),
            ).select_related("partnership__party_a", "partnership__party_b"),
            conferences=Conference.objects.published()
            .filter(Q(venue=org) | Q(organizers=org))
            .distinct(),
            people=Person.objects.published().filter(organization=org),
            units=Organization.objects.published().filter(parent=org),
        )
        return context


class RegionDetailView(RecordDetailView):
    model = Region
    draft_relations = ("parent",)

    def get_queryset(self):
        return super().get_queryset().select_related("parent")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        region = self.object
        within = Q(region__path__startswith=region.path)
        context.update(
            ancestors=[r for r in region.ancestors() if r.is_published],
            subregions=Region.objects.published().filter(parent=region),
            organizations=first_rows(
                Organization.objects.published().filter(within).select_related("region"),
                list_url("organization-list", region=region.slug),
                ["region"],
            ),
            partnerships=first_rows(
                published_partnerships().in_region(region),
                list_url("partnership-list", region=region.slug),
            ),
            # The same rules as the lists' region filters, so that the page and a click on
            # "all" agree.
            conferences=first_rows(
                filters.conferences_in_region(
                    Conference.objects.published(), region
                ).select_related("host_region"),
                list_url("conference-list", region=region.slug),
                ["host_region"],
            ),
            alliances=first_rows(
                filters.alliances_in_region(Alliance.objects.published(), region),
                list_url("alliance-list", region=region.slug),
            ),
        )
        return context


class PersonDetailView(RecordDetailView):
    model = Person
    draft_relations = ("organization",)

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("organization")
            .prefetch_related(
                "other_names",
                Prefetch(
                    "speeches",
                    queryset=Speech.objects.filter(conference__publication="published")
                    .select_related("conference")
                    .prefetch_related(published_citations()),
                ),
                Prefetch(
                    "partnership_roles",
                    queryset=PartnershipPerson.objects.filter(
                        partnership__in=SisterSchoolPartnership.objects.published().values("pk")
                    )
                    .select_related("partnership__party_a", "partnership__party_b", "visit")
                    .prefetch_related(published_citations())
                    .order_by("partnership_id", "visit__visited_on", "visit_id", "pk"),
                ),
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        person = self.object
        context.update(
            alliance_roles=hide_drafts(
                by_role(
                    AllianceMembership.objects.filter(
                        person=person, alliance__publication=PUBLISHED
                    )
                    .select_related("alliance", "organization", "body", "country")
                    .prefetch_related(published_citations())
                ),
                ["organization", "country"],
            ),
            agreements_signed=hide_drafts(
                list(
                    agreements_shown()
                    .filter(signatories=person)
                    .select_related("conference")
                    .prefetch_related(published_citations())
                ),
                ["conference"],
            ),
        )
        return context


# Parts of records that cite sources themselves, and the record each is part of (its page).
def name_rows(records) -> None:
    """prefetch_names() for every kind a source page lists, the parts included."""
    prefetch_names(records)
    by_model: dict = {}
    for record in records:
        if record is not None:
            by_model.setdefault(type(record), []).append(record)
    for model, same_kind in by_model.items():
        if model in PART_OF and PART_OF[model] == "partnership":
            prefetch_related_objects(same_kind, "partnership__party_a", "partnership__party_b")
        elif model in PART_OF:
            prefetch_related_objects(same_kind, PART_OF[model])
        elif model is AllianceMembership:
            prefetch_related_objects(same_kind, "person")


def row_label(record) -> str:
    """A record's name on a source page; a part of a record with the record's name."""
    parent = PART_OF.get(type(record))
    if parent:
        return f"{record} ({getattr(record, parent)})"
    return str(record)


def outlet_chain(source) -> list[str]:
    """The outlets a source's text passed through: the original outlet, those between
    (``via``, separated by arrows) and the outlet we read it in."""
    via = [part.strip() for part in source.via.split("→")]
    chain: list[str] = []
    for name in (source.original_outlet, *via, source.outlet):
        if name and (not chain or chain[-1] != name):
            chain.append(name)
    return chain


class SourceDetailView(RecordDetailView):
    model = Source
    draft_relations = ("mirror_of",)

    def get_queryset(self):
        return Source.objects.published().select_related("mirror_of")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        source = self.object
        groups: dict = {}
        citations = list(
            Citation.objects.filter(source=source)
            .filter(public_citations_q())
            .select_related("content_type")
            .prefetch_related("record")
            .order_by("paragraph", "section", "pk")
        )
        accounts = list(
            OtherAccount.objects.filter(source=source)
            .filter(public_citations_q())
            .select_related("content_type")
            .prefetch_related("record")
            .order_by("paragraph", "section", "pk")
        )
        name_rows([row.record for row in (*citations, *accounts)])
        for citation in citations:
            record = citation.record
            if record is None:
                continue
            label = str(type(record)._meta.verbose_name).capitalize()
            groups.setdefault(label, []).append(
                {
                    "record": row_label(record),
                    "url": record.get_absolute_url(),
                    "paragraph": citation.paragraph,
                    "locator": citation.locator,
                    "note": citation.note,
                }
            )
        context.update(
            cited_records=sorted(groups.items()),
            accounts_given=[
                {
                    "record": row_label(account.record),
                    "url": account.record.get_absolute_url(),
                    "account": account,
                    "locator": locator_of(account.paragraph, account.section),
                }
                for account in accounts
                if account.record is not None
            ],
            outlet_chain=outlet_chain(source),
            mirrors=list(Source.objects.published().filter(mirror_of=source)),
        )
        return context


# --------------------------------------------------------------------------- dashboard


class DashboardView(TemplateView):
    template_name = "partnerships/dashboard.html"

    def get_context_data(self, **kwargs):
        from .charts import TOP_BARS, bar_chart

        context = super().get_context_data(**kwargs)
        partnerships = SisterSchoolPartnership.objects.published()
        # Published figures about public records (a figure about a draft would name it).
        figures = list(
            ReportedFigure.objects.published()
            .filter(public_subject_q("subject_type", "subject_id"))
            .prefetch_related("subject", published_citations())
        )
        prefetch_names([figure.subject for figure in figures])
        for figure in figures:
            figure.subject_obj = figure.subject
        by_metric: dict = {}
        for figure in figures:
            by_metric.setdefault(figure.metric, []).append(figure)
        context["refs"] = refs = References()
        # Partnerships are counted by level, each level under its own name and linked to the
        # list filtered to it, so that a comprehensive partnership between education bureaus
        # is never counted as a sister-school partnership. One GROUP BY gives every level and,
        # summed, the total (an index-only scan of partner_public_level).
        by_level = dict(partnerships.order_by().values_list("level").annotate(n=Count("*")))
        levels = self.partnership_levels(by_level, by_metric)
        context["headlines"] = [
            {
                "count": (n := sum(by_level.values())),
                "label": ngettext(
                    "partnership recorded (all levels)", "partnerships recorded (all levels)", n
                ),
                "url": "partnership-list",
                "reported": by_metric.get("partnerships", []),
                "levels": levels,
            },
            {
                "count": (n := Alliance.objects.published().count()),
                "label": ngettext("alliance recorded", "alliances recorded", n),
                "url": "alliance-list",
                "reported": by_metric.get("alliances", []),
            },
            {
                "count": (n := Conference.objects.published().count()),
                "label": ngettext("conference recorded", "conferences recorded", n),
                "url": "conference-list",
                "reported": by_metric.get("participants", []) + by_metric.get("countries", []),
            },
            {
                "count": (n := Organization.objects.published().count()),
                "label": ngettext("organization recorded", "organizations recorded", n),
                "url": "organization-list",
                "reported": by_metric.get("exchange_visitors", []),
            },
        ]
        context["source_count"] = Source.objects.published().count()
        context["recent_conferences"] = hide_drafts(
            list(
                Conference.objects.published()
                .select_related("host_region")
                .order_by(newest_first("held_on"), "name")[:5]
            ),
            ["host_region"],
        )
        context["recent_alliances"] = (
            Alliance.objects.published()
            .select_related("founding_conference")
            .order_by(newest_first("founded_on"), "name")[:5]
        )

        counts = self.partnership_counts(partnerships)
        china_path = Region.objects.filter(iso_code="CN").values_list("path", flat=True).first()
        year_rows = sorted(
            ((str(year) if year else _("Not reported"), n) for year, n in counts["year"].items()),
            key=lambda r: r[0],
        )
        context["charts"] = [
            bar_chart(
                "chart-year", _("Partnerships by year established"), year_rows, _("Year"), None
            ),
            # China is a party to nearly every partnership recorded: its bar would dwarf the
            # partner countries readers ask about.
            bar_chart(
                "chart-country",
                _("Partnerships by partner country (a party outside China)"),
                self.region_rows(counts["country"], china_path, inside=False),
                _("Country"),
                "country",
                top=TOP_BARS,
            ),
            bar_chart(
                "chart-province",
                _("Partnerships by Chinese province"),
                self.region_rows(counts["region"], china_path, inside=True),
                _("Province"),
                "region",
                top=TOP_BARS,
            ),
        ]
        context["refs_used"] = refs
        return context

    # What the overview calls the partnerships of each level, and the reported figures shown
    # beside that count (a figure of sister-school partnerships is not one of comprehensive
    # partnerships, and neither is a figure of all partnerships).
    @staticmethod
    def level_label(level, n) -> str:
        if level == PartnershipLevel.SCHOOL:
            return ngettext(
                "sister-school partnership between schools",
                "sister-school partnerships between schools",
                n,
            )
        if level == PartnershipLevel.UNIVERSITY:
            return ngettext(
                "partnership between universities", "partnerships between universities", n
            )
        if level == PartnershipLevel.UNIT:
            return ngettext(
                "partnership of a unit within a university",
                "partnerships of units within universities",
                n,
            )
        if level == PartnershipLevel.COMPREHENSIVE:
            return ngettext("comprehensive partnership", "comprehensive partnerships", n)
        return ngettext(
            "partnership between city or regional governments",
            "partnerships between city or regional governments",
            n,
        )

    LEVEL_METRICS = {
        PartnershipLevel.SCHOOL: "sister_school_partnerships",
        PartnershipLevel.COMPREHENSIVE: "comprehensive_partnerships",
    }

    @classmethod
    def partnership_levels(cls, by_level, by_metric):
        """One row per level that has partnerships or reported figures: its count, its name,
        the query of the list filtered to it (whose count is the same) and its figures."""
        rows = []
        for level in PartnershipLevel:
            n = by_level.get(level.value, 0)
            reported = by_metric.get(cls.LEVEL_METRICS.get(level), [])
            if not n and not reported:
                continue
            rows.append(
                {
                    "level": level.value,
                    "count": n,
                    "label": cls.level_label(level, n),
                    "query": urlencode({"level": level.value}),
                    "reported": reported,
                }
            )
        return rows

    @staticmethod
    def partnership_counts(partnerships):
        """Partnerships per year, per country and per province of a party: the partnership
        list's own facets (on the columns copied from the parties), counted exactly, so that
        a bar and the list it links to agree."""
        wanted = [f for f in PartnershipListView.facets if f.param in ("country", "region", "year")]
        return {f.param: f.raw_counts(partnerships) for f in wanted}

    @staticmethod
    def region_rows(counts, china_path, inside):
        """(name, count, slug) per published region in ``counts`` ({pk: n}), most first: the
        regions in China (``inside``), or those outside it. ``china_path``: China's path."""
        regions = Region.objects.published().filter(pk__in=list(counts))
        if inside and not china_path:
            return []
        if inside:
            regions = regions.filter(path__startswith=china_path)
        elif china_path:
            regions = regions.exclude(path__startswith=china_path)
        rows = [
            (name, counts[pk], slug) for pk, name, slug in regions.values_list("pk", "name", "slug")
        ]
        return sorted(rows, key=lambda r: (-r[1], r[0]))
