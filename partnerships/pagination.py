"""Pagination for lists that may hold millions of rows.

Counting every matching row of a large table costs a scan each time, so lists count exactly
only up to ``LIST_COUNT_CAP`` rows and then say "10,000+" (labelled as a lower bound). Pages
past the counted rows are still reachable: a page holds ``per_page`` rows read with one
extra row to know whether a next page exists.
"""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.utils.functional import cached_property

MAX_PAGE = 100_000


def capped_count(queryset, cap: int) -> int:
    """The rows of ``queryset``, counted up to cap + 1: more than the cap is cap + 1."""
    return queryset.order_by()[: cap + 1].count()


class CappedPage(Page):
    def __init__(self, object_list, number, paginator, has_more):
        super().__init__(object_list, number, paginator)
        self._has_more = has_more

    def has_next(self):
        return self._has_more

    def end_index(self):
        return self.start_index() + len(self.object_list) - 1


class CappedPaginator(Paginator):
    # Primary keys of the list's first rows in its order, when something already found them
    # (a search's facet query does): page 1 then reads just those rows.
    first_keys: list | None = None
    # The number of rows estimated from a sample (a large search), when that is all that is
    # known: the page shows it as an estimate and pages on as past the cap.
    estimated_count: int | None = None

    @cached_property
    def cap(self) -> int:
        return settings.LIST_COUNT_CAP

    @cached_property
    def count(self) -> int:
        """Exact up to the cap, else cap + 1; the estimate when there is one (is_capped
        tells that the figure is not exact)."""
        if self.estimated_count is not None:
            return self.estimated_count
        return capped_count(self.object_list, self.cap)

    @property
    def is_capped(self) -> bool:
        """Whether the pages run on without a known last page: past the cap, or estimated."""
        return self.estimated_count is not None or self.count > self.cap

    @property
    def display_count(self) -> int:
        return min(self.count, self.cap)

    def validate_number(self, number):
        if not self.is_capped:
            return super().validate_number(number)
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger("That page number is not an integer") from None
        if number < 1 or number > MAX_PAGE:
            raise EmptyPage("That page number is out of range")
        return number

    def rows(self, bottom: int, top: int) -> list:
        """Rows bottom to top of the list, in its order.

        Past the first page, the keys of the page are found first (the OFFSET walks an index
        of the narrow table) and only those rows are then read with their joins and
        prefetches: an OFFSET over the full query would join every skipped row to its
        parties and regions (1,225 rows on page 50, 250,000 on page 10,000). The first
        page's keys may be known already (first_keys)."""
        queryset = self.object_list
        first = self.first_keys
        if bottom == 0 and first is not None and (top <= len(first) or len(first) >= self.count):
            keys = first[:top]
        elif bottom == 0 or not hasattr(queryset, "values_list"):
            return list(queryset[bottom:top])
        else:
            keys = list(queryset.values_list("pk", flat=True)[bottom:top])
        if not keys:
            return []
        found = {row.pk: row for row in queryset.order_by().filter(pk__in=keys)}
        return [found[key] for key in keys if key in found]

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        if not self.is_capped:
            top = bottom + self.per_page
            if top + self.orphans >= self.count:
                top = self.count
            return self._get_page(self.rows(bottom, top), number, self)
        rows = self.rows(bottom, bottom + self.per_page + 1)
        if not rows and number > 1:
            raise EmptyPage("That page contains no results")
        return CappedPage(rows[: self.per_page], number, self, len(rows) > self.per_page)
