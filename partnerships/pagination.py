"""Pagination for lists that may hold millions of rows.

A list counts its rows exactly, within COUNT_TIME_LIMIT_MS on PostgreSQL. Only when that
runs out of time does it count up to ``LIST_COUNT_CAP`` rows and say "more than 10,000"
(a lower bound, labelled as such, never an estimate). Pages past the counted rows are still
reachable: a page holds ``per_page`` rows read with one extra row to know whether a next page
exists.
"""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db import DatabaseError
from django.utils.functional import cached_property

from .middleware import is_query_canceled
from .pgsettings import statement_settings

MAX_PAGE = 100_000


def capped_count(queryset, cap: int) -> int:
    """The rows of ``queryset``, counted up to cap + 1: more than the cap is cap + 1."""
    return queryset.order_by()[: cap + 1].count()


def count_rows(queryset, cap: int) -> tuple[int, bool]:
    """(rows of ``queryset``, exact): counted exactly within COUNT_TIME_LIMIT_MS (on
    PostgreSQL), else up to ``cap`` + 1 (not exact: a lower bound)."""
    limit = f"{int(settings.COUNT_TIME_LIMIT_MS)}ms"
    try:
        with statement_settings(queryset.db, statement_timeout=limit):
            return queryset.order_by().count(), True
    except DatabaseError as exc:
        if not is_query_canceled(exc):
            raise
    return capped_count(queryset, cap), False


class CappedPage(Page):
    def __init__(self, object_list, number, paginator, has_more):
        super().__init__(object_list, number, paginator)
        self._has_more = has_more

    def has_next(self):
        return self._has_more

    def end_index(self):
        return self.start_index() + len(self.object_list) - 1


class CappedPaginator(Paginator):
    # How a page's rows are read from a queryset of just them, when not as its model
    # instances: a function of that queryset that returns the rows (RecordListView reads the
    # values its table shows). The count and the keys of a later page come from the list's
    # own queryset, without the joins that reading those values needs.
    read_rows = None
    # Whether the count is exact (count_rows); set when it is read.
    exact = True

    @cached_property
    def cap(self) -> int:
        return settings.LIST_COUNT_CAP

    @cached_property
    def count(self) -> int:
        """Exact, or cap + 1 when counting ran out of time (is_capped then)."""
        if not hasattr(self.object_list, "values_list"):  # a list, not a queryset
            return len(self.object_list)
        count, self.exact = count_rows(self.object_list, self.cap)
        return count

    @property
    def is_capped(self) -> bool:
        """Whether the pages run on without a known last page (the count ran out of time)."""
        return self.count > self.cap and not self.exact

    @property
    def display_count(self) -> int:
        return min(self.count, self.cap) if self.is_capped else self.count

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
        parties and regions (1,225 rows on page 50, 250,000 on page 10,000)."""
        queryset = self.object_list
        if not hasattr(queryset, "values_list"):  # a list, not a queryset
            return list(queryset[bottom:top])
        read = self.read_rows or list
        if bottom == 0:
            return read(queryset[bottom:top])
        keys = list(queryset.values_list("pk", flat=True)[bottom:top])
        if not keys:
            return []
        found = {row.pk: row for row in read(queryset.order_by().filter(pk__in=keys))}
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
