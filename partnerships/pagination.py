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

    # A Future of what a search's facet query counted (facets.Faceted, or None), still being
    # counted beside the request (beside.py): page 1 reads its rows meanwhile, and the count
    # is taken from it when first needed.
    counting = None

    # How a page's rows are read from a queryset of just them, when not as its model
    # instances: a function of that queryset that returns the rows (RecordListView reads the
    # values its table shows). The count and the keys of a later page come from the list's
    # own queryset, without the joins that reading those values needs.
    read_rows = None

    # Whether the first page's keys are found with a query of their own (from the list's
    # table alone) before its rows are read with their joins, rather than in one query: a
    # partnership search's keys come from the date index alone (it holds the words), without
    # a visit to the table for each row passed over (RecordListView.search_keys_apart).
    first_keys_apart = False

    @cached_property
    def cap(self) -> int:
        return settings.LIST_COUNT_CAP

    def use_counted(self, counted) -> None:
        """Take the number of rows (and maybe the first page's keys) that a search's facet
        query counted (facets.Faceted), if it did."""
        if counted is None or counted.total is None:
            return
        if counted.estimated:
            # Estimated from a sample with the facets: shown as an estimate.
            self.estimated_count = counted.total
        else:
            # The same figure the paginator's own count would give.
            self.__dict__["count"] = min(counted.total, self.cap + 1)
            self.first_keys = counted.first_keys

    def wait_for_counting(self) -> None:
        if self.counting is not None:
            counting, self.counting = self.counting, None
            self.use_counted(counting.result())

    @cached_property
    def count(self) -> int:
        """Exact up to the cap, else cap + 1; the estimate when there is one (is_capped
        tells that the figure is not exact)."""
        self.wait_for_counting()
        if "count" in self.__dict__:  # set by use_counted
            return self.__dict__["count"]
        if self.estimated_count is not None:
            return self.estimated_count
        return capped_count(self.object_list, self.cap)

    @property
    def is_capped(self) -> bool:
        """Whether the pages run on without a known last page: past the cap, or estimated."""
        self.wait_for_counting()
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
        page's keys may be known already (first_keys), or be worth finding on their own
        (first_keys_apart)."""
        queryset = self.object_list
        if not hasattr(queryset, "values_list"):  # a list, not a queryset
            return list(queryset[bottom:top])
        read = self.read_rows or list
        first = self.first_keys
        if bottom == 0 and first is not None and (top <= len(first) or len(first) >= self.count):
            keys = first[:top]
        elif bottom == 0 and not self.first_keys_apart:
            return read(queryset[bottom:top])
        else:
            keys = list(queryset.values_list("pk", flat=True)[bottom:top])
        if not keys:
            return []
        found = {row.pk: row for row in read(queryset.order_by().filter(pk__in=keys))}
        return [found[key] for key in keys if key in found]

    def page(self, number):
        if self.counting is not None and self.orphans == 0 and str(number) == "1":
            # The first page needs no count to be read: its rows first, while the count
            # (with the facets) is still being made beside the request.
            rows = self.rows(0, self.per_page + 1)
            if self.is_capped:
                return CappedPage(rows[: self.per_page], 1, self, len(rows) > self.per_page)
            return self._get_page(rows[: min(self.per_page, self.count)], 1, self)
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
