"""Public pages: the dashboard, a list and a detail page per kind of record, exports."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, connections, router, transaction
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
from django.http import HttpResponseBadRequest, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import DetailView, TemplateView
from django_filters.views import FilterView

from . import filters
from .beside import can_run_beside, run_beside
from .copy_export import copy_csv_response, copy_json_response
from .dates import PartialDate
from .exports import Column, csv_response, json_response
from .facets import (
    ChoiceFacet,
    RelatedFacet,
    TreeFacet,
    YearFacet,
    compute_facets,
    rows_read_apart,
    search_facets_with_total,
)
from .models import (
    Alliance,
    AllianceEvent,
    AllianceFocus,
    AllianceMembership,
    Citation,
    Conference,
    ConferenceSeries,
    Organization,
    OrganizationKind,
    PartnershipLevel,
    PartnershipStatus,
    Person,
    Publication,
    Region,
    RegionKind,
    ReportedFigure,
    SisterSchoolPartnership,
    Source,
    Speech,
    newest_first,
    slug_url,
)
from .pagination import CappedPaginator, capped_count
from .pgsettings import statement_settings
from .references import References

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
CITED_MODELS = (*SUBJECT_MODELS, ReportedFigure, AllianceMembership, AllianceEvent, Speech)

# What a record needs loaded to print its name and link (str() and get_absolute_url()).
NAMED_BY = {
    SisterSchoolPartnership: ("party_a", "party_b"),
    AllianceMembership: ("organization", "alliance"),
    AllianceEvent: ("alliance",),
    Speech: ("person", "conference"),
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


def public_pks(model):
    """The pks of the rows of ``model`` the public may see, as a subquery: published records;
    parts of records (members, speeches, events) whose records are all published; figures
    that are published and about a public record."""
    if model is AllianceMembership:
        qs = model.objects.filter(
            alliance__publication=PUBLISHED, organization__publication=PUBLISHED
        )
    elif model is Speech:
        qs = model.objects.filter(conference__publication=PUBLISHED, person__publication=PUBLISHED)
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


def figures_about(obj) -> list[ReportedFigure]:
    ct = ContentType.objects.get_for_model(type(obj))
    return list(
        ReportedFigure.objects.published()
        .filter(subject_type=ct, subject_id=obj.pk)
        .prefetch_related(published_citations())
    )


# --------------------------------------------------------------------------- lists


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
    # Facets (and maybe the count) computed before the page, or (a Future) being computed
    # beside it: see get_context_data.
    counted = None
    counting = None
    searching = False

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
        return super().get(request, *args, **kwargs)

    def json_export(self, queryset):
        rows = hide_drafts_in(streamed(queryset), self.draft_relations)
        return json_response(rows, self.columns, self.export_stem)

    def csv_export(self, queryset):
        """The CSV has no citations."""
        rows = hide_drafts_in(streamed(without_citations(queryset)), self.draft_relations)
        return csv_response(rows, self.columns, self.export_stem)

    def get_paginator(self, *args, **kwargs):
        paginator = super().get_paginator(*args, **kwargs)
        # A search's count (estimated, or exact with the keys of its first rows) comes with
        # its facets: counted already, or still being counted beside the request.
        paginator.use_counted(self.counted)
        paginator.counting = self.counting
        if self.table_values is not None:
            paginator.read_rows = self.read_table_values
        paginator.first_keys_apart = self.searching and self.search_keys_apart
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
        self.searching = searching = filterset.is_valid() and bool(
            filterset.form.cleaned_data.get("q")
        )
        # A search on its first page: its facets and its count in one pass over its rows.
        self.counted = self.counting = None
        if searching and self.request.GET.get(self.page_kwarg, "1") == "1":
            # (None for a broad search; if it runs out of time, the list counts on its own
            # and the page says which facets are left out.)
            first = self.get_paginate_by(None) + 1  # one more: is there a next page?
            if can_run_beside(filterset.qs.db):
                # On a second connection (beside.py), from the planner's estimate on: this
                # one waits only for the decision whether it reads the page's rows itself
                # meanwhile, or takes their keys from the facet query.
                decided = Future()
                counting = run_beside(filterset.qs.db, self.count_search, filterset, first, decided)
                if decided.result():
                    self.counting = counting
                else:
                    self.counted = counting.result()
            else:
                self.counted = self.count_search(filterset, first)
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
        if self.counting is not None:
            self.counted = self.counting.result()  # usually already taken by the paginator
        facets, facets_left_out = [], []
        page = context.get("page_obj")
        # Facets describe the whole result set, the same on every page: they are counted on
        # the first page only, so that paging through a large list stays cheap.
        facets_on_first_page = page is not None and page.number > 1
        if self.counted is not None:
            facets, facets_left_out = self.counted.results, self.counted.left_out
        elif filterset.is_valid() and not facets_on_first_page:
            faceted = compute_facets(
                self.facets,
                filterset.qs,
                self.request,
                combine=searching,
                estimate=bool(context.get("paginator") and context["paginator"].is_capped),
            )
            facets, facets_left_out = faceted.results, faceted.left_out
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

    def count_search(self, filterset, first: int, decided: Future | None = None):
        """The facets and the number of rows of a search's first page, from one pass over its
        rows (facets.search_facets_with_total): None when the list must count on its own.

        With ``decided`` (running beside the request), it is first given whether the page's
        ``first`` rows are better read apart (facets.rows_read_apart): if so the facet query
        does not look for them; else their keys come with the facets (Faceted.first_keys)."""
        queryset, filtered = filterset.qs, not filterset.search_alone()
        apart, narrowed = False, None
        try:
            estimate = filterset.search_estimate()
            if decided is not None:
                apart, narrowed = rows_read_apart(
                    queryset, estimate, filtered=filtered, first=first
                )
        except BaseException as exc:
            if decided is not None:
                decided.set_exception(exc)
            raise
        if decided is not None:
            decided.set_result(apart)
        return search_facets_with_total(
            self.facets,
            queryset,
            self.request,
            estimate,
            first=0 if apart else first,
            filtered=filtered,
            narrowed=narrowed,
        )

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
            for value in values:
                if not value.strip():
                    continue
                chips.append(
                    {
                        "label": filterset.form.fields[param].label,
                        "value": labels.get(value, value),
                        "url": toggle_url(self.request, param, value),
                    }
                )
        return chips


def region_name(region) -> str:
    return region.name if region else ""


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
        "party_a__name", "party_a__country__name", "party_a__country__publication",
        "party_b__name", "party_b__country__name", "party_b__country__publication",
        "conference__name", "conference__publication",
    )  # fmt: skip
    LEVELS = dict(PartnershipLevel.choices)
    STATUSES = dict(PartnershipStatus.choices)

    __slots__ = (
        "pk", "slug", "level", "status",
        "established_on", "established_precision", "established_not_after",
        "party_a", "party_b", "conference",
    )  # fmt: skip

    def __init__(self, values):
        (
            self.pk, self.slug, self.level, self.status,
            self.established_on, self.established_precision, self.established_not_after,
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
            self.established_on, self.established_precision, self.established_not_after
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
    # Its newest-first date index holds each row's key and words (migration 0011).
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
        Column("status", lambda p: p.get_status_display()),
        Column("established", lambda p: str(p.established)),
        Column("signed_at", lambda p: p.conference.name if p.conference_id else ""),
        Column("conference_series", lambda p: p.series.name if p.series_id else ""),
        Column("summary", lambda p: p.summary),
        Column("url", lambda p: p.get_absolute_url()),
    ]

    def make_rows(self, values):
        return [PartnershipRow(v) for v in values]

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
        """Tuples instead of model instances, cells made once per distinct date. A related
        record that is a draft gives an empty cell, as on the page."""
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
        )  # fmt: skip
        levels = {k: str(v) for k, v in PartnershipLevel.choices}
        statuses = {k: str(v) for k, v in PartnershipStatus.choices}
        url = reverse("partnership-detail", args=["-"])[:-2]
        dates: dict = {}  # the same few thousand dates come back again and again

        def date(on, precision, not_after):
            key = (on, precision, not_after)
            if key not in dates:
                dates[key] = str(PartialDate(on, precision, not_after))
            return dates[key]

        def cells(r):
            return [
                f"{r[0]} – {r[1]}", r[0], name(r[2], r[3]), name(r[4], r[5]), r[1],
                name(r[6], r[7]), name(r[8], r[9]), levels.get(r[10], r[10]),
                statuses.get(r[11], r[11]), date(r[12], r[13], r[14]),
                name(r[15], r[16]), name(r[17], r[18]), r[19], f"{url}{r[20]}/",
            ]  # fmt: skip

        rows = streamed(queryset.prefetch_related(None).values_list(*paths), chunk_size=5000)
        return csv_response(rows, self.columns, self.export_stem, cells=cells)

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
    draft_relations = ("founding_conference",)
    facets = [
        RelatedFacet("country", gettext_lazy("Member country"), ["countries"], Region),
        ChoiceFacet("focus", gettext_lazy("Focus"), "focus", AllianceFocus.choices),
        RelatedFacet("conference", gettext_lazy("Founded at"), ["founding_conference"], Conference),
        YearFacet(gettext_lazy("Year founded"), "founded_on"),
    ]
    columns = [
        Column("name", lambda a: a.name),
        Column("other_names", lambda a: "; ".join(a.other_names_list)),
        Column("focus", lambda a: a.get_focus_display()),
        Column("member_countries", lambda a: "; ".join(c.name for c in a.countries.all())),
        Column("founded", lambda a: str(a.founded)),
        Column("founded_at", lambda a: a.founding_conference.name if a.founding_conference else ""),
        Column("members", lambda a: len(a.memberships.all())),
        Column("summary", lambda a: a.summary),
        Column("url", lambda a: a.get_absolute_url()),
    ]

    def get_queryset(self):
        return (
            Alliance.objects.published()
            .select_related("founding_conference")
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
    draft_relations = ("series", "host_region", "venue")
    facets = [
        TreeFacet("region", gettext_lazy("Host city or region"), "host_region"),
        RelatedFacet("series", gettext_lazy("Series"), ["series"], ConferenceSeries),
        YearFacet(gettext_lazy("Year"), "held_on"),
    ]
    columns = [
        Column("name", lambda c: c.name),
        Column("series", lambda c: c.series.name if c.series else ""),
        Column("edition", lambda c: c.edition),
        Column("dates", lambda c: c.dates_display),
        Column("host_region", lambda c: region_name(c.host_region)),
        Column("venue", lambda c: c.venue.name if c.venue else ""),
        Column("organizers", lambda c: "; ".join(o.name for o in c.organizers.all())),
        Column("summary", lambda c: c.summary),
        Column("url", lambda c: c.get_absolute_url()),
    ]

    def get_queryset(self):
        return (
            Conference.objects.published()
            .select_related("series", "host_region", "venue")
            .prefetch_related(
                Prefetch("organizers", queryset=Organization.objects.published()),
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
    # facets count rows without DISTINCT, which also lets them be estimated from a sample.
    facets = [
        RelatedFacet("country", gettext_lazy("Country"), ["country"], Region, distinct=False),
        RelatedFacet(
            "region", gettext_lazy("Province or state"), ["province"], Region, distinct=False
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
        Column("published_on", lambda s: s.published_on.isoformat() if s.published_on else ""),
        Column("language", lambda s: s.language),
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
        Column("position", lambda p: p.position),
        Column("organization", lambda p: p.organization.name if p.organization else ""),
        Column("url", lambda p: p.get_absolute_url()),
    ]

    def get_queryset(self):
        return (
            Person.objects.published()
            .select_related("organization")
            .prefetch_related(published_citations())
            .order_by("name")
        )


# --------------------------------------------------------------------------- details


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

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["refs"] = References()
        context["figures"] = figures_about(self.object)
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
    """The first rows of a detail page's related list, and how many there are (counted up
    to LIST_COUNT_CAP, as lists count). Iterates like the rows."""

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
    count = capped_count(queryset, cap)
    return FirstRows(rows, min(count, cap), count > cap, list_url)


def list_url(name: str, **query) -> str:
    return f"{reverse(name)}?{urlencode(query)}"


class PartnershipDetailView(RecordDetailView):
    model = SisterSchoolPartnership
    draft_relations = ("party_a__region", "party_b__region", "conference", "series")

    def get_queryset(self):
        return (
            SisterSchoolPartnership.objects.published()
            .select_related("party_a__region", "party_b__region", "conference", "series")
            .prefetch_related(published_citations())
        )


class AllianceDetailView(RecordDetailView):
    model = Alliance
    draft_relations = ("founding_conference", "founding_conference__venue")

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("founding_conference__venue")
            .prefetch_related(
                Prefetch("countries", queryset=Region.objects.published()),
                Prefetch(
                    "memberships",
                    queryset=AllianceMembership.objects.filter(
                        organization__publication="published"
                    )
                    .select_related("organization")
                    .prefetch_related(published_citations()),
                ),
                Prefetch(
                    "events",
                    queryset=self.model.events.rel.related_model.objects.select_related(
                        "conference"
                    ).prefetch_related(published_citations()),
                ),
            )
        )


class ConferenceDetailView(RecordDetailView):
    model = Conference
    draft_relations = ("series", "host_region", "venue", "speeches__person__organization")

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("series", "host_region", "venue")
            .prefetch_related(
                Prefetch("organizers", queryset=Organization.objects.published()),
                Prefetch("participating_regions", queryset=Region.objects.published()),
                Prefetch(
                    "speeches",
                    queryset=Speech.objects.filter(person__publication="published")
                    .select_related("person__organization")
                    .prefetch_related(published_citations()),
                ),
                Prefetch("alliances_founded", queryset=Alliance.objects.published()),
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["partnerships"] = first_rows(
            published_partnerships().filter(conference=self.object),
            list_url("partnership-list", conference=self.object.slug),
        )
        return context


class SeriesDetailView(RecordDetailView):
    model = ConferenceSeries

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
            memberships=AllianceMembership.objects.filter(
                organization=org, alliance__publication="published"
            ).select_related("alliance"),
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
            conferences=first_rows(
                Conference.objects.published()
                .filter(host_region__path__startswith=region.path)
                .select_related("host_region"),
                list_url("conference-list", region=region.slug),
                ["host_region"],
            ),
            alliances=first_rows(
                Alliance.objects.published()
                .filter(
                    Q(countries__path__startswith=region.path)
                    | Q(memberships__organization__region__path__startswith=region.path)
                )
                .distinct(),
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
                Prefetch(
                    "speeches",
                    queryset=Speech.objects.filter(conference__publication="published")
                    .select_related("conference")
                    .prefetch_related(published_citations()),
                )
            )
        )


class SourceDetailView(RecordDetailView):
    model = Source

    def get_queryset(self):
        return Source.objects.published()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        groups: dict = {}
        citations = list(
            Citation.objects.filter(source=self.object)
            .filter(public_citations_q())
            .select_related("content_type")
            .prefetch_related("record")
            .order_by("paragraph", "pk")
        )
        prefetch_names([citation.record for citation in citations])
        for citation in citations:
            record = citation.record
            if record is None:
                continue
            label = str(type(record)._meta.verbose_name).capitalize()
            groups.setdefault(label, []).append(
                {
                    "record": record,
                    "url": record.get_absolute_url(),
                    "paragraph": citation.paragraph,
                    "note": citation.note,
                }
            )
        context["cited_records"] = sorted(groups.items())
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
        context["headlines"] = [
            {
                "count": (n := partnerships.count()),
                "label": ngettext(
                    "sister-school partnership recorded", "sister-school partnerships recorded", n
                ),
                "url": "partnership-list",
                "reported": by_metric.get("sister_school_partnerships", [])
                + by_metric.get("comprehensive_partnerships", []),
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

        counts, sample = self.partnership_counts(partnerships, context["headlines"][0]["count"])
        year_rows = sorted(
            ((str(year) if year else _("Not reported"), n) for year, n in counts["year"].items()),
            key=lambda r: r[0],
        )
        context["charts"] = [
            bar_chart(
                "chart-year", _("Partnerships by year established"), year_rows, _("Year"), None
            ),
            bar_chart(
                "chart-country",
                _("Partnerships by country of a party"),
                self.region_rows(counts["country"]),
                _("Country"),
                "country",
                top=TOP_BARS,
            ),
            bar_chart(
                "chart-province",
                _("Partnerships by Chinese province"),
                self.region_rows(counts["region"], china_only=True),
                _("Province"),
                "region",
                top=TOP_BARS,
            ),
        ]
        for chart in context["charts"]:
            chart.approximate = sample is not None
        context["refs_used"] = refs
        return context

    @staticmethod
    def partnership_counts(partnerships, total):
        """Partnerships per year, per country and per province of a party: the partnership
        list's own facets (on the columns copied from the parties), so that a bar and the
        list it links to agree. On PostgreSQL they are counted in one GROUPING SETS query,
        and past the list's count cap estimated from a sample of the table, as on the list.
        Returns ({facet: {value: count}}, the sampled percentage or None when exact)."""
        from .facets import combined_counts, table_sample_percent

        wanted = [f for f in PartnershipListView.facets if f.param in ("country", "region", "year")]
        if connections[partnerships.db].vendor != "postgresql":
            return {f.param: f.raw_counts(partnerships) for f in wanted}, None
        sample = table_sample_percent(partnerships) if total > settings.LIST_COUNT_CAP else None
        return combined_counts(wanted, partnerships, sample), sample

    @staticmethod
    def region_rows(counts, china_only=False):
        """(name, count, slug) per published region in ``counts`` ({pk: n}), most first."""
        regions = Region.objects.published().filter(pk__in=list(counts))
        if china_only:
            china_path = Region.objects.filter(iso_code="CN").values_list("path", flat=True).first()
            if not china_path:
                return []
            regions = regions.filter(path__startswith=china_path)
        rows = [
            (name, counts[pk], slug) for pk, name, slug in regions.values_list("pk", "name", "slug")
        ]
        return sorted(rows, key=lambda r: (-r[1], r[0]))
