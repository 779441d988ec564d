"""What every detail page does (RecordDetailView): the published record, its drafts
hidden, with its reported figures and what other sources say of it; and the first rows of a
related list (``first_rows``: at most RELATED_ROWS, with how many there are and a link to
the list that shows them all)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import router
from django.db.models import Q
from django.urls import reverse
from django.views.generic import DetailView

from ..models import OtherAccount, ReportedFigure
from ..pagination import count_rows
from ..references import References
from .common import (
    PUBLISHED,
    hide_drafts,
    joins_as_written,
    published_citations,
    without_unshown_columns,
)


def figures_shown(obj) -> list[ReportedFigure]:
    """The published figures about ``obj``, with their citations and breakdown country loaded
    (its text names it); a figure counted in a country that is still a draft is left out, as
    its text would name the draft."""
    ct = ContentType.objects.get_for_model(type(obj))
    return list(
        ReportedFigure.objects.published()
        .filter(subject_type=ct, subject_id=obj.pk)
        .filter(Q(country__isnull=True) | Q(country__publication=PUBLISHED))
        .select_related("country", "given_by")
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
    for obj in objects:
        # A page that contradicts itself ("13 October" in its introduction, "13 November"
        # below): the record cites that source and no other, so what the page shows comes
        # from it too. (With other sources cited we cannot tell which one a fact comes
        # from, and say "another source".) Read from the citations the page prefetched.
        cited = getattr(obj, "_prefetched_objects_cache", {}).get("citations") if obj else None
        if cited is None:
            continue
        sources = {citation.source_id for citation in cited}
        for account in accounts.get(accounts_key(obj), ()):
            account.same_source = sources == {account.source_id}
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
