"""The site-wide search (/search/?q=…, the box in every page's header): the words searched
in every kind of public record, grouped by kind, each group with its number of results and
its first few, and a link to the list that shows them all.

Each group is what that list's own page gives for ``?q=…``: the list view's queryset and
filters (so the same search rule, words or text inside words, and the same visibility
rule), and the list's count (exact within its time limit), so that the number beside a
kind is the number of results its link gives."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from .facet_views import request_with_query
from .pagination import count_rows
from .search import MAX_QUERY_LENGTH
from .views.lists import (
    AllianceListView,
    ConferenceListView,
    OrganizationListView,
    PersonListView,
    RegionListView,
    SeriesListView,
    SourceListView,
)
from .views.partnership_list import PartnershipListView

# Results shown per kind; the list shows the rest.
FIRST = 5

# (list view, URL name of the list) in the order the page shows them.
KINDS = [
    (PartnershipListView, "partnership-list"),
    (OrganizationListView, "organization-list"),
    (AllianceListView, "alliance-list"),
    (ConferenceListView, "conference-list"),
    (SeriesListView, "series-list"),
    (PersonListView, "person-list"),
    (RegionListView, "region-list"),
    (SourceListView, "source-list"),
]


class SiteSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search every record"),
        max_length=MAX_QUERY_LENGTH,
        required=False,
        strip=True,
    )


@dataclass
class Group:
    title: str
    rows: list
    count: int
    exact: bool
    url: str  # the list with the search
    list_url: str  # the list without it


def search_group(request, view_class, url_name: str, text: str) -> Group:
    """The list's first rows and count for ``?q=text``, as the list's page finds them."""
    query = QueryDict(mutable=True)
    query["q"] = text
    list_request = request_with_query(request, query)
    lister = view_class()
    lister.setup(list_request)
    lister.request = list_request
    filterset = lister.get_filterset(lister.get_filterset_class())
    queryset = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    rows = list(queryset[:FIRST])
    if len(rows) < FIRST:
        count, exact = len(rows), True
    else:
        count, exact = count_rows(queryset, settings.LIST_COUNT_CAP)
    return Group(
        title=str(lister.title),
        rows=rows,
        count=count,
        exact=exact,
        url=f"{reverse(url_name)}?{urlencode({'q': text})}",
        list_url=reverse(url_name),
    )


class SiteSearchView(TemplateView):
    template_name = "partnerships/site_search.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = SiteSearchForm(self.request.GET)
        text = form.cleaned_data["q"] if form.is_valid() else ""
        groups = (
            [search_group(self.request, view, name, text) for view, name in KINDS] if text else []
        )
        context.update(
            form=form,
            text=text,
            found=[group for group in groups if group.count],
            not_found=[group for group in groups if not group.count],
        )
        return context
