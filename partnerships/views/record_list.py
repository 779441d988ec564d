"""What every list page does (RecordListView): search, filters and facets in the
querystring, the count, pages (BadPage: a page number a list cannot show), CSV and JSON
exports of every matching row (``streamed``). The list of each kind of record is in
lists.py, the partnership list in partnership_list.py."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django_filters.views import FilterView

from ..exports import Column, csv_response, json_response
from ..facets import AND, kept_rows, list_facets, toggle_url
from ..pagination import CappedPaginator
from .common import (
    hide_drafts,
    hide_drafts_in,
    joins_as_written,
    without_citations,
    without_unshown_columns,
)

PER_PAGE_CHOICES = (10, 25, 50, 100)
DEFAULT_PER_PAGE = 25


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

    @classmethod
    def unfiltered(cls, path: str) -> tuple:
        """This list at ``path`` with no filter, order or page, as a visitor who is not signed
        in asks for it: (view, filterset, request). What the overview reads the partnership
        list's counts from, and what the job worker counts ahead (facets.count_ahead), with
        no visitor's request."""
        request = HttpRequest()
        request.method = "GET"
        request.path = request.path_info = path
        request.user = AnonymousUser()
        view = cls()
        view.setup(request)
        filterset = view.get_filterset(view.get_filterset_class())
        filterset.is_valid()
        return view, filterset, request

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
            if filterset.is_valid():
                if export == "csv":
                    return self.csv_export(filterset.qs)
                return self.json_export(filterset.qs)
        try:
            response = super().get(request, *args, **kwargs)
            if export in ("csv", "json"):
                # A filter in error: the list page, with its (escaped) form errors, instead
                # of a file.
                response.status_code = 400
            return response
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

    # More keys for each row of the JSON export: a callable (row -> dict), or None.
    json_extra = None

    def json_export(self, queryset):
        rows = hide_drafts_in(streamed(self.export_queryset(queryset)), self.draft_relations)
        return json_response(rows, self.columns, self.export_stem, extra=self.json_extra)

    def csv_export(self, queryset):
        """The CSV has no citations."""
        rows = hide_drafts_in(
            streamed(without_citations(self.export_queryset(queryset))), self.draft_relations
        )
        return csv_response(rows, self.columns, self.export_stem)

    # The list's rows, (rows, exact), when list_facets counted them with the facets
    # (get_context_data, on the first page) or kept them from then (a later page): the
    # paginator does not count.
    rows_counted = None

    def get_paginator(self, *args, **kwargs):
        paginator = super().get_paginator(*args, **kwargs)
        if self.rows_counted is not None:
            paginator.count, paginator.exact = self.rows_counted
        if self.table_values is not None:
            paginator.read_rows = self.read_table_values
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
        counted = None
        if filterset.is_valid() and self.request.GET.get("page", "1") in ("", "1"):
            # Before the page is read: the facets may count the list's rows too.
            *counted, self.rows_counted = list_facets(self, filterset, self.request)
        elif filterset.is_valid():
            self.rows_counted = kept_rows(self.request, filterset)
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
            facets, facets_left_out = counted or list_facets(self, filterset, self.request)[:2]
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
            # The search words, which the rows mark in their names (highlight).
            searched=filterset.form.cleaned_data.get("q") or "" if filterset.is_valid() else "",
        )
        return context

    def active_filters(self, filterset) -> list[dict]:
        """Chips for facet-style filters in force, each with a link that removes it."""
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
