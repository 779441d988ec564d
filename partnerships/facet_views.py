"""A facet's page: every value of one facet of a list, for the list's filters as they are,
sortable by number and by name, with a box to find a value (as Datasette's "…" link gives).
Each number is the one the list's facet shows (the number of results its click gives), and
each value links to the list with that value chosen."""

from __future__ import annotations

import copy

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import View

from .facets import compute_facets

# The facet page's own parameters: not the list's, so not carried to its links.
OWN_PARAMS = ("value_q", "value_sort", "page")
# Enough for every country of the world on the first page: with 100, a crawl of 50,000 synthetic
# partnerships (195 countries) found 95 countries a page further away than the others.
VALUES_PER_PAGE = 250
MAX_FIND = 200


def request_with_query(request, query):
    """A copy of ``request`` whose querystring is ``query`` (a QueryDict): how a list view is
    asked for its rows from another page (a facet's page, the site-wide search)."""
    copied = copy.copy(request)
    copied.GET = query
    return copied


class FacetValuesView(View):
    list_view = None  # the RecordListView whose facet this is

    def get(self, request, param):
        lister = self.list_view()
        lister.setup(request)
        facet = next((f for f in lister.facets if f.param == param), None)
        if facet is None:
            raise Http404(_("This list has no such facet."))
        # The list as its own page sees it: the querystring without this page's parameters.
        query = request.GET.copy()
        for name in OWN_PARAMS:
            query.pop(name, None)
        list_request = request_with_query(request, query)
        lister.request = list_request
        filterset = lister.get_filterset(lister.get_filterset_class())
        list_path = request.path.split("facets/")[0]
        if not filterset.is_valid():
            return self.bad_filters(request, list_path, list_request)
        queryset = filterset.qs
        if facet.counted_apart(list_request):
            queryset = filterset.qs_without(facet.own_params)
        results, left_out = compute_facets([facet], queryset, list_request, size=None)
        items = results[0].items if results else []
        for item in items:
            if item.url.startswith("?"):
                item.url = list_path + item.url
            elif item.url:
                item.url = list_path
        find = " ".join(request.GET.get("value_q", "").split())[:MAX_FIND]
        if find:
            folded = find.casefold()
            items = [item for item in items if folded in str(item.label).casefold()]
        sort = request.GET.get("value_sort", "count")
        if sort not in ("count", "name"):
            sort = "count"
        if sort == "name":
            items.sort(key=lambda item: str(item.label).casefold())
        else:
            items.sort(key=lambda item: (-item.count, str(item.label).casefold()))
        page = Paginator(items, VALUES_PER_PAGE).get_page(request.GET.get("page"))
        kept = [(k, v) for k, values in list_request.GET.lists() for v in values]
        return render(
            request,
            "partnerships/facet_values.html",
            {
                "title": lister.title,
                "facet": facet,
                "joins": results[0].joins if results else facet.joins,
                "page_obj": page,
                "paginator": page.paginator,
                "is_paginated": page.has_other_pages(),
                "values": page.object_list,
                "total_values": len(items),
                "find": find,
                "sort": sort,
                "left_out": bool(left_out),
                "list_url": list_path + ("?" + list_request.GET.urlencode() if kept else ""),
                "kept": kept,
                # The list's filters in force, each with a link that removes it here.
                "active_filters": lister.active_filters(filterset),
            },
        )

    def bad_filters(self, request, list_path, list_request):
        """400, with a link to the list, which says what is wrong next to each filter."""
        return render(
            request,
            "400.html",
            {
                "message": _("Some of the filters could not be used."),
                "back_url": f"{list_path}?{list_request.GET.urlencode()}",
                "back_label": _("See the list and what is wrong with its filters"),
            },
            status=400,
        )
