"""Facet counts for list pages: for each facet, the rows per value (one GROUP BY in the
database, plus one query for the labels of related values), each facet within a time limit
on PostgreSQL. Counts are exact: a facet that runs out of time is left out, and the page
says so, never an estimate.

The number beside a value is the number of results its click gives (Facet.joins): a facet
whose values narrow (AND) is counted on the list as it is; one whose values widen (OR) or
replace each other (ONE) is counted without its own filter when a value is chosen
(RecordListView.count_apart), and a value not chosen shows the rows it would add to those
chosen.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, connections
from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, Value, When
from django.db.models.functions import Cast, ExtractYear, NullIf
from django.utils.translation import gettext_lazy as _

from .middleware import is_database_unavailable, is_query_canceled
from .pagination import count_rows
from .pgsettings import statement_settings

logger = logging.getLogger(__name__)

FACET_SIZE = 12

# How the values of one facet combine when several are chosen (Facet.joins):
# AND: each value narrows the list (a partnership between Canada and China; a place, then a
# place within it); OR: each value widens it (school or university level); ONE: a value
# replaces the one chosen (a year).
AND, OR, ONE = "and", "or", "one"


@dataclass
class FacetItem:
    value: str
    label: str
    count: int
    selected: bool
    url: str = ""


@dataclass
class FacetResult:
    param: str
    title: str
    items: list[FacetItem] = field(default_factory=list)
    truncated: bool = False
    joins: str = AND


def toggle_url(request, param: str, value: str, *, single: bool = False) -> str:
    """The URL of the list with ``value`` of ``param`` added (or removed, if it is in use),
    from page 1. Plain lists, not QueryDict.copy(): that deep-copies the whole querystring,
    and a list page makes this link for every facet value it shows."""
    query = {key: values for key, values in request.GET.lists() if key != "page"}
    values = query.get(param, [])
    if value in values:
        values = [v for v in values if v != value]
    else:
        values = [value] if single else [*values, value]
    if values:
        query[param] = values
    else:
        query.pop(param, None)
    encoded = urlencode(query, doseq=True)
    return f"?{encoded}" if encoded else request.path


def toggle_urls(request, param: str, values) -> dict[str, str]:
    """{value: toggle_url(request, param, value)} for each of ``values``: the rest of the
    querystring encoded once, not once per value (a list page links about seventy facet
    values)."""
    query = [(key, items) for key, items in request.GET.lists() if key != "page"]
    at = next((i for i, (key, _items) in enumerate(query) if key == param), None)
    current = query[at][1] if at is not None else []
    before = urlencode(query[:at] if at is not None else query, doseq=True)
    after = urlencode(query[at + 1 :], doseq=True) if at is not None else ""
    urls = {}
    for value in values:
        chosen = [v for v in current if v != value] if value in current else [*current, value]
        middle = urlencode({param: chosen}, doseq=True) if chosen else ""
        encoded = "&".join(part for part in (before, middle, after) if part)
        urls[value] = f"?{encoded}" if encoded else request.path
    return urls


def batch_end(order: list, counts: dict, end: int) -> int:
    """``end``, moved past every key of ``order`` (keys by falling count) tied with the key
    before it, and kept within ``order``."""
    end = min(end, len(order))
    while end < len(order) and counts[order[end]] == counts[order[end - 1]]:
        end += 1
    return end


class Facet:
    """Counts of rows per value of one or more columns."""

    # Count distinct rows: a list's queryset may join to-many relations (an annotation, a
    # filter on members), which would count a row once per joined row. A list whose queryset
    # never does sets it off, which is much cheaper on large tables.
    distinct = True
    # How chosen values combine (AND, OR, ONE above). A facet over one column of a row that
    # holds one value (a level, a status, a series) widens: two values chosen at once
    # would otherwise give nothing. A facet over several columns (the two parties'
    # countries) or over places narrows.
    joins = OR

    def __init__(self, param: str, title, fields: list[str], *, distinct=None, joins=None):
        self.param = param
        self.title = title
        self.fields = fields
        if distinct is not None:
            self.distinct = distinct
        if joins is not None:
            self.joins = joins
        elif len(fields) > 1:
            self.joins = AND

    @property
    def own_params(self) -> tuple[str, ...]:
        """The querystring parameters this facet's values set."""
        return (self.param,)

    def counted_apart(self, request) -> bool:
        """Whether the counts must come from the list without this facet's own filter: for a
        facet that widens (OR) or replaces (ONE) with a value chosen, so that each number is
        what its click gives, not its share of the rows already chosen."""
        return self.joins != AND and any(
            value.strip() for p in self.own_params for value in request.GET.getlist(p)
        )

    # Whether its counts are kept in the cache (list_facets): not for a facet that reads its
    # labels with its counts (PlacesFacet), counted on each request (small lists only).
    kept = True

    @property
    def one_pass(self) -> bool:
        """Whether the facet can be counted in one scan with others (count_together): its
        values are columns of the rows, each row counted once (no DISTINCT)."""
        return not self.distinct

    def pass_columns(self) -> list:
        """The expressions count_together groups by, one per field: a field holding the
        same value as an earlier one is NULL there (a row counts once per value)."""
        columns = []
        for i, name in enumerate(self.fields):
            column = F(name)
            for earlier in self.fields[:i]:
                column = NullIf(column, F(earlier))
            columns.append(column)
        return columns

    def counts_from(self, grouped: list[dict]) -> dict:
        """The facet's counts from count_together's rows per value of each pass column."""
        counts: dict = {}
        for rows in grouped:
            for key, n in rows.items():
                if key is not None:
                    counts[key] = counts.get(key, 0) + n
        return counts

    def raw_counts(self, queryset) -> dict:
        counts: dict = {}
        for i, name in enumerate(self.fields):
            qs = queryset.order_by()
            # A row whose several columns hold the same value counts once.
            for earlier in self.fields[:i]:
                qs = qs.filter(Q(**{f"{earlier}__isnull": True}) | ~Q(**{name: F(earlier)}))
            rows = (
                qs.exclude(**{f"{name}__isnull": True})
                .values(name)
                .annotate(n=Count("pk", distinct=self.distinct) if self.distinct else Count("*"))
            )
            for row in rows:
                counts[row[name]] = counts.get(row[name], 0) + row["n"]
        return counts

    def labels(self, keys, selected=()) -> dict:
        """{key: (value, label)} for ``keys`` and for the keys whose value is ``selected``,
        leaving out what the public may not see (drafts)."""
        raise NotImplementedError

    def ranked_labels(
        self, counts: dict, selected: set, first: dict | None = None, size=FACET_SIZE
    ) -> dict:
        """Labels of the keys that can be shown: the selected ones and the most frequent,
        read in growing batches until FACET_SIZE + 1 unselected keys have a label (one more
        tells that the facet is truncated) or every key has been tried. A large facet (the
        provinces of a million rows) thus reads a few dozen labels instead of thousands.

        A batch always ends at the end of a run of equal counts: items are ordered by count,
        then label, so every key tied with the last one read may belong on the list.

        ``first``, when given, holds labels already read with the counts (PlacesFacet).
        With ``size`` None, every key's label (a facet's page of all its values)."""
        if size is None:
            return first if first is not None else self.labels(list(counts), selected)
        order = sorted(counts, key=counts.__getitem__, reverse=True)
        labels: dict = {}
        done, end = 0, FACET_SIZE + 9
        while done < len(order):
            end = batch_end(order, counts, end)
            if done == 0 and first is not None:
                labels.update(first)  # read with the counts
            else:
                labels.update(self.labels(order[done:end], selected if done == 0 else ()))
            done, end = end, end * 4
            unselected = sum(
                1 for key in order[:done] if key in labels and labels[key][0] not in selected
            )
            if unselected > size:
                break
        return labels

    def compute(
        self, queryset, request, counts=None, known_labels=None, size=FACET_SIZE
    ) -> FacetResult:
        """The facet's most frequent ``size`` values (and those chosen), or all of them with
        ``size`` None."""
        if counts is None:
            counts = self.raw_counts(queryset)
        selected = set(request.GET.getlist(self.param))
        labels = self.ranked_labels(counts, selected, known_labels, size)
        items = []
        for key, n in counts.items():
            if key not in labels:
                continue
            value, label = labels[key]
            items.append(FacetItem(value, label, n, value in selected))
        items.sort(key=lambda item: (-item.count, item.label))
        result = FacetResult(self.param, self.title, joins=self.joins)
        shown = [i for i in items if i.selected] + [i for i in items if not i.selected]
        if size is not None:
            result.truncated = len(shown) > size
            shown = shown[:size]
        result.items = sorted(shown, key=lambda i: (-i.count, i.label))
        urls = toggle_urls(request, self.param, [item.value for item in result.items])
        for item in result.items:
            item.url = urls[item.value]
        if self.joins == OR:
            # Counted without this facet's filter (counted_apart): a value not chosen adds
            # its rows to those of the values chosen (a row holds one value), and its number
            # is what its click gives. A chosen value keeps its own number.
            chosen = sum(
                counts.get(key, 0) for key, (value, _l) in labels.items() if value in selected
            )
            for item in result.items:
                if not item.selected:
                    item.count += chosen
        return result


class ChoiceFacet(Facet):
    def __init__(self, param, title, field_name, choices, **kwargs):
        super().__init__(param, title, [field_name], **kwargs)
        self.choices = dict(choices)

    def labels(self, keys, selected=()):
        return {k: (k, str(self.choices.get(k, k))) for k in keys}


class LanguageFacet(ChoiceFacet):
    """Language codes (BCP 47) shown by name: "en" as "English", "zh-Hant" as "Traditional
    Chinese", in the reader's language, as the source pages name them."""

    def labels(self, keys, selected=()):
        from .templatetags.partnerships_tags import language_name

        return {k: (k, language_name(k) or k) for k in keys}


class RelatedFacet(Facet):
    """Values are rows of another model (regions, organizations): shown by name, keyed by slug."""

    def __init__(self, param, title, fields, model, label_field="name", key_field="slug", **kwargs):
        super().__init__(param, title, fields, **kwargs)
        self.model = model
        self.label_field = label_field
        self.key_field = key_field

    def labels(self, keys, selected=()):
        wanted = Q(pk__in=keys)
        if selected:
            wanted |= Q(**{f"{self.key_field}__in": list(selected)})
        rows = (
            self.model.objects.published()
            .filter(wanted)
            .values_list("pk", self.key_field, self.label_field)
        )
        return {pk: (str(key), str(label)) for pk, key, label in rows}


class TreeFacet(RelatedFacet):
    """Regions, each with the number of rows in it or in one of its sub-regions: what the
    region filters select, so a value's count is the number of rows its link lists.

    ``field`` is the path from a row to its region ("host_region"); "" is the row itself,
    for the list of regions. With ``parents_only`` only regions that have sub-regions are
    values.
    """

    joins = AND  # a place, then a place within it

    def __init__(self, param, title, field, *, parents_only=False):
        from .models import Region

        super().__init__(param, title, [field], Region)
        self.parents_only = parents_only

    def raw_counts(self, queryset) -> dict:
        """{region path: rows in that region or below it}, from one GROUP BY over the
        matching rows' own paths, each added to every region on its path (a path holds its
        ancestors: "/36/412/" is in "/36/" and in "/36/412/")."""
        name = self.fields[0]
        path = f"{name}__path" if name else "path"
        rows = (
            queryset.order_by()
            .exclude(**{f"{path}__isnull": True})
            .values(_path=F(path))
            .annotate(_n=Count("pk", distinct=True))
        )
        return self.counts_from([{row["_path"]: row["_n"] for row in rows}])

    def pass_columns(self) -> list:
        name = self.fields[0]
        return [F(f"{name}__path" if name else "path")]

    def counts_from(self, grouped: list[dict]) -> dict:
        below: dict[str, int] = {}
        for path, n in grouped[0].items():
            parts = [part for part in (path or "").split("/") if part]
            for k in range(1, len(parts) + 1):
                prefix = "/" + "/".join(parts[:k]) + "/"
                below[prefix] = below.get(prefix, 0) + n
        return below

    def regions(self):
        regions = self.model.objects.published()
        if self.parents_only:
            regions = regions.filter(
                Exists(self.model.objects.published().filter(parent=OuterRef("pk")))
            )
        return regions

    def labels(self, keys, selected=()):
        """Counts are keyed by region path here."""
        wanted = Q(path__in=keys)
        if selected:
            wanted |= Q(slug__in=list(selected))
        rows = self.regions().filter(wanted).values_list("path", "slug", "name")
        return {path: (str(slug), str(name)) for path, slug, name in rows}


class YearFacet(Facet):
    """Counts per year of a partial date (``<prefix>_on``); a value sets year_from and
    year_to to that year. A date whose source gives no year (day and month only, month
    only) stores year 1, which is not a year: it is counted apart, as "year not stated"."""

    # The key of rows whose date has no year (no real date is in year 0).
    NO_YEAR_KEY = 0
    joins = ONE

    @property
    def own_params(self):
        return ("year_from", "year_to")

    def __init__(self, title, date_field, **kwargs):
        super().__init__("year", title, [date_field], **kwargs)
        self.date_field = date_field
        self.precision_field = date_field.removesuffix("_on") + "_precision"

    def year(self):
        """The row's year as an integer (PostgreSQL's EXTRACT gives a numeric, slower to
        group by); NO_YEAR_KEY for a date without a year, None for no date."""
        from .dates import NO_YEAR

        return Case(
            When(
                Q(**{f"{self.precision_field}__in": NO_YEAR, f"{self.date_field}__isnull": False}),
                then=Value(self.NO_YEAR_KEY),
            ),
            default=Cast(ExtractYear(self.date_field), IntegerField()),
            output_field=IntegerField(),
        )

    def pass_columns(self) -> list:
        return [self.year()]

    def counts_from(self, grouped: list[dict]) -> dict:
        return dict(grouped[0])  # None: rows without a date, counted apart

    def raw_counts(self, queryset):
        """Rows per year, and per None for rows without a date: one query."""
        rows = (
            queryset.order_by()
            .annotate(_year=self.year())
            .values("_year")
            .annotate(n=Count("pk", distinct=True) if self.distinct else Count("*"))
        )
        return {row["_year"]: row["n"] for row in rows}

    def compute(self, queryset, request, counts=None, known_labels=None, size=FACET_SIZE):
        if counts is None:
            counts = self.raw_counts(queryset)
        counts = dict(counts)
        unknown = counts.pop(None, 0)
        no_year = counts.pop(self.NO_YEAR_KEY, 0)
        current = (request.GET.get("year_from"), request.GET.get("year_to"))
        result = FacetResult("year", self.title, joins=ONE)
        # Plain lists, not QueryDict.copy() for each year (see toggle_url).
        others = {key: values for key, values in request.GET.lists() if key != "page"}
        years = sorted(counts, reverse=True)[:size]
        chosen = next((y for y in counts if current == (str(y), str(y))), None)
        if chosen is not None and chosen not in years:
            # The year chosen stays among the values, where it can be seen and taken off.
            years = sorted([*years, chosen], reverse=True)
        for year in years:
            value = str(year)
            selected = current == (value, value)
            query = dict(others)
            if selected:
                query.pop("year_from", None)
                query.pop("year_to", None)
            else:
                query["year_from"] = query["year_to"] = [value]
            url = f"?{urlencode(query, doseq=True)}" if query else request.path
            result.items.append(FacetItem(value, value, counts[year], selected, url))
        if no_year:
            result.items.append(FacetItem("", str(_("Year not stated")), no_year, False, ""))
        if unknown:
            result.items.append(FacetItem("", str(_("Date not reported")), unknown, False, ""))
        result.truncated = size is not None and len(counts) > size
        return result


def places_of(queryset, places) -> list:
    """``places(queryset)``, read once for the queryset object: a list's facets are all
    counted on the same one, and two of them (country, province) count the same places."""
    cache = queryset.__dict__.setdefault("_facet_places", {})
    if places not in cache:
        cache[places] = places(queryset)
    return cache[places]


def _path_ids(path: str) -> list[int]:
    return [int(part) for part in path.split("/") if part]


class PlacesFacet(RelatedFacet):
    """Rows per region of some kinds (countries, provinces) that any of a row's places lies
    in or is: ``places(queryset)`` gives (row key, region path) pairs drawn from several
    relations (an alliance's members, where it was founded, where it meets), and a row
    counts once per region however many of its places lie there, as the region filter
    selects it. Counted in Python from one query of the pairs and one of the published
    regions on their paths: for lists of a few thousand rows at most (alliances)."""

    joins = AND  # an alliance with members in Russia and in China
    one_pass = kept = False  # counted from (row, place) pairs read in Python, with labels

    def __init__(self, param, title, places, kinds):
        from .models import Region

        super().__init__(param, title, [], Region)
        self.places = places
        self.kinds = set(kinds)

    def regions_on_paths(self, queryset, pairs) -> dict:
        """{pk: (kind, slug, name)} of the published regions on the pairs' paths, read once
        for the queryset object (see places_of)."""
        cache = queryset.__dict__.setdefault("_facet_places", {})
        key = (self.places, "regions")
        if key not in cache:
            ids = {pk for _row, path in pairs if path for pk in _path_ids(path)}
            rows = self.model.objects.using(queryset.db).published().filter(pk__in=ids)
            cache[key] = {
                pk: (kind, slug, name)
                for pk, kind, slug, name in rows.values_list("pk", "kind", "slug", "name")
            }
        return cache[key]

    def counts_and_labels(self, queryset) -> tuple[dict, dict]:
        pairs = places_of(queryset, self.places)
        regions = self.regions_on_paths(queryset, pairs)
        rows: dict[int, set] = {}
        for row, path in pairs:
            for pk in _path_ids(path or ""):
                if pk in regions and regions[pk][0] in self.kinds:
                    rows.setdefault(pk, set()).add(row)
        counts = {pk: len(keys) for pk, keys in rows.items()}
        labels = {pk: (str(regions[pk][1]), str(regions[pk][2])) for pk in counts}
        return counts, labels

    def raw_counts(self, queryset) -> dict:
        return self.counts_and_labels(queryset)[0]

    def compute(
        self, queryset, request, counts=None, known_labels=None, size=FACET_SIZE
    ) -> FacetResult:
        counts, labels = self.counts_and_labels(queryset)
        return super().compute(queryset, request, counts, labels, size)

    def labels(self, keys, selected=()):
        return {}  # every counted value's label was read with the counts


class PlacesTreeFacet(TreeFacet):
    """A TreeFacet of rows that have several places (a conference's host city, the places
    also hosting it, the regions named as taking part): ``places(queryset)`` gives (row key,
    region path) pairs, and a row counts once in each region that any of its places is in
    or below, as the region filter selects it."""

    one_pass = False  # counted from (row, place) pairs read in Python

    def __init__(self, param, title, places):
        super().__init__(param, title, "")
        self.places = places

    def raw_counts(self, queryset) -> dict:
        below: dict[str, set] = {}
        for row, path in places_of(queryset, self.places):
            parts = [part for part in (path or "").split("/") if part]
            for k in range(1, len(parts) + 1):
                below.setdefault("/" + "/".join(parts[:k]) + "/", set()).add(row)
        return {path: len(rows) for path, rows in below.items()}


def ran_out_of_time(exc: DatabaseError, what: str) -> bool:
    """Whether ``exc``, raised while counting ``what``, is the facet time limit (the facet is
    then left out); any other database error is for the caller to raise. A statement's own
    error is logged here with the facet's name; an unreachable database is not, as the 503
    page's own record (partnerships.middleware) says it once."""
    if is_query_canceled(exc):
        logger.info("Left out %s: counting ran out of time", what)
        return True
    if is_database_unavailable(exc):
        return False
    # Without the traceback, which the error page's own log record (django.request) has.
    logger.error("Counting %s failed: %s: %s", what, type(exc).__name__, exc)
    return False


def count_together(facets, queryset) -> tuple[dict, int]:
    """PostgreSQL: ({param: counts}, rows) of ``facets`` over ``queryset``, from one scan of
    its rows grouped by every facet's columns at once (GROUP BY GROUPING SETS, with the
    empty set for the number of rows): a list's facets then read the matching rows once, not
    once each (a search's rows are fetched from the table by key, seven times over).

    The inner query is the list's own (its filters, as the ORM writes them), with each
    facet's columns as its only output (Facet.pass_columns)."""
    columns, owners = {}, []
    for facet in facets:
        start = len(columns)
        for expression in facet.pass_columns():
            columns[f"_f{len(columns)}"] = expression
        owners.append((facet, range(start, len(columns))))
    connection = connections[queryset.db]
    inner, params = queryset.order_by().values(**columns).query.sql_with_params()
    names = [connection.ops.quote_name(alias) for alias in columns]
    # Only aliases made here and the ORM's own SQL (its values are parameters) are in it.
    listed, sets = ", ".join(names), ", ".join(f"({name})" for name in names)
    sql = f"SELECT GROUPING({listed}), {listed}, COUNT(*) FROM ({inner}) s GROUP BY GROUPING SETS ({sets}, ())"  # noqa: S608, E501
    # GROUPING() has a bit set for each column a row is not grouped by, the first column's
    # the highest: all set for the empty set, all but the i-th for column i.
    every = (1 << len(names)) - 1
    grouped: list[dict] = [{} for _ in names]
    rows = 0
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for mask, *values, n in cursor.fetchall():
            if mask == every:
                rows = n
            else:
                i = len(names) - (every & ~mask).bit_length()
                grouped[i][values[i]] = n
    return {f.param: f.counts_from([grouped[i] for i in at]) for f, at in owners}, rows


def within_time(db: str, what: str, count, *args, facets: int = 1, limited: bool = True):
    """``count(*args)`` within FACET_TIME_LIMIT_MS per facet it counts (PostgreSQL; not
    ``limited``: within the statement time limit of every query), or None when it ran out of
    time (logged); any other database error is logged and raised."""
    if limited:
        limit = f"{int(settings.FACET_TIME_LIMIT_MS) * facets}ms"
        block = statement_settings(db, statement_timeout=limit)
    else:
        block = contextlib.nullcontext()
    try:
        with block:
            return count(*args)
    except DatabaseError as exc:
        if not ran_out_of_time(exc, what):
            raise
    return None


def compute_facets(
    facets, queryset, request, *, size=FACET_SIZE, counts=None
) -> tuple[list[FacetResult], list[str]]:
    """Every facet of a list for ``queryset``, and the titles of those left out.

    On PostgreSQL each facet is counted within FACET_TIME_LIMIT_MS: a facet that runs out of
    time is left out (as Datasette does) and the page says so. Any other database error is
    logged and raised. ``size``: the values each facet shows (None: all of them).
    ``counts``: {param: counts, or None if they ran out of time} already counted."""
    results, left_out = [], []
    for facet in facets:
        if counts and facet.param in counts:
            found = counts[facet.param]
            result = None if found is None else facet.compute(queryset, request, found, size=size)
        else:
            result = within_time(
                queryset.db,
                f"the facet {facet.param}",
                lambda facet=facet: facet.compute(queryset, request, size=size),
            )
        if result is None:
            left_out.append(str(facet.title))
        else:
            results.append(result)
    return results, left_out


def counted_in_one_pass(facets, queryset) -> tuple[dict, int | None]:
    """({param: counts or None}, rows or None): the facets among ``facets`` that count_together
    can count, over ``queryset`` (PostgreSQL; on SQLite, which has no GROUPING SETS, and for a
    single facet, ({}, None): each is counted alone). Within FACET_TIME_LIMIT_MS per facet;
    out of time, each of them is None (left out, and said so)."""
    together = [facet for facet in facets if facet.one_pass]
    if connections[queryset.db].vendor != "postgresql" or len(together) < 2:
        return {}, None
    found = within_time(
        queryset.db,
        f"the facets {', '.join(f.param for f in together)}",
        count_together,
        together,
        queryset,
        facets=len(together),
    )
    return found or ({facet.param: None for facet in together}, None)


def list_counts(view, filterset, request) -> tuple[dict, tuple]:
    """The raw counts of a list's facets ({param: {key: n}, or None for a facet that ran out
    of time}) and its number of rows as pagination.count_rows gives it, (rows, exact).

    The whole list's (no filter) are counted ahead, by the job worker after each write
    (count_ahead), and read from there while the data has not changed since; otherwise, and
    for a filtered list, counted here (count_list). Those are kept in the cache under the
    data version (pagecache), the list and its filters (not its page, order or page size;
    kept_rows): a change of data is counted anew at once. The overview reads the whole
    partnership list's from here too, so both pages show the same numbers."""
    from .pagecache import data_version, uncommitted_writes

    # Not while this connection holds writes no other request sees (pagecache).
    own_writes = uncommitted_writes()
    filtered = is_filtered(filterset)
    version = data_version()
    if not filtered and not own_writes:
        found = counted_ahead(request.path, version)
        if found is not None:
            return found
    shared = settings.FACET_CACHE_SECONDS > 0 and not own_writes
    key = facet_cache_key(request, version)
    cache = caches["facets"]
    found = cache.get(key) if shared else None
    if found is not None:
        return found["counts"], found["rows"]
    counts, rows = count_list(view, filterset, request, filtered)
    if shared:
        cache.set(key, {"counts": counts, "rows": rows}, settings.FACET_CACHE_SECONDS)
    return counts, rows


def count_list(view, filterset, request, filtered: bool) -> tuple[dict, tuple]:
    """list_counts' numbers, counted now.

    A facet whose values narrow, or with no value chosen, is counted on the list as it is;
    on a filtered list, together with the others so counted, in one statement that reads the
    rows once (counted_in_one_pass); on the whole list, one by one (each from the index that
    holds its columns: 0.9 s against 2.7 s in one statement at 1M partnerships). One whose
    values widen or replace each other, with a value chosen (Facet.counted_apart), is counted
    on the list filtered by everything else: its numbers are then what each click gives.
    A facet that is not ``kept`` is left to compute_facets, on each request. The whole list
    (``filtered`` false) is counted within the statement time limit of every query rather
    than the facets' (FACET_TIME_LIMIT_MS): its counts serve every visitor of the list until
    the data changes (at 1M partnerships the year facet alone took 0.35-0.5 s, more than the
    facets' 0.3 s: it was left out of both the list and the overview)."""
    if filtered:
        together = [f for f in view.facets if not f.counted_apart(request)]
        counts, rows = counted_in_one_pass(together, filterset.qs)
        rows = None if rows is None else (rows, True)
    else:
        counts, rows = {}, None  # each facet alone, below
    for facet in view.facets:
        if facet.param not in counts and facet.kept:
            queryset = filterset.qs
            if facet.counted_apart(request):
                queryset = filterset.qs_without(facet.own_params)
            counts[facet.param] = within_time(
                queryset.db,
                f"the facet {facet.param}",
                facet.raw_counts,
                queryset,
                limited=filtered,
            )
    if rows is None:
        # Here rather than by the paginator, for the cache to keep them with the counts.
        rows = count_rows(filterset.qs, settings.LIST_COUNT_CAP)
    return counts, rows


def is_filtered(filterset) -> bool:
    """Whether a valid filterset narrows its list at all (a search or any filter)."""
    return any(value for value in filterset.form.cleaned_data.values())


def counted_ahead(path: str, version: str) -> tuple[dict, tuple] | None:
    """The whole list's numbers at ``path`` as count_ahead kept them, if the data version is
    still ``version`` (None otherwise)."""
    found = caches["data-version"].get(f"whole-list:{path}")
    if found is None or found["version"] != version:
        return None
    return found["counts"], found["rows"]


def count_ahead(view, filterset, request, version: str) -> None:
    """Count the whole list (``filterset`` unfiltered) and keep its numbers for every visitor
    of ``request.path`` while the data version is ``version`` (counted_ahead).

    The job worker does this after each write (tasks.count_lists), so that no visitor waits
    for the whole list's counts (1.2 s at 1M partnerships). They are kept in the cache that
    holds the data version, which the web server's processes and the worker share in every
    setting (settings.CACHES), under one key per list: a later count replaces it. Numbers
    counted while a write commits are kept under the version before it, which then no longer
    applies."""
    counts, rows = count_list(view, filterset, request, filtered=False)
    entry = {"version": version, "counts": counts, "rows": rows}
    caches["data-version"].set(f"whole-list:{request.path}", entry, timeout=None)


def list_facets(view, filterset, request) -> tuple[list[FacetResult], list[str], tuple]:
    """A list page's facets (``view.facets``), the titles of those left out, and the number
    of rows of the list, (rows, exact): from list_counts."""
    counts, rows = list_counts(view, filterset, request)
    results, left_out = [], []
    for facet in view.facets:
        queryset = filterset.qs
        if facet.counted_apart(request):
            queryset = filterset.qs_without(facet.own_params)
        counted, out = compute_facets([facet], queryset, request, counts=counts)
        results += counted
        left_out += out
    return results, left_out, rows


def kept_rows(request, filterset) -> tuple | None:
    """The number of rows of the list ``request`` asks for, (rows, exact), as list_counts
    keeps it with the counts of its first page (None when it is not kept): a later page shows
    the same total without counting again."""
    from .pagecache import data_version, uncommitted_writes

    if uncommitted_writes():
        return None
    version = data_version()
    if not is_filtered(filterset):
        found = counted_ahead(request.path, version)
        if found is not None:
            return found[1]
    if settings.FACET_CACHE_SECONDS <= 0:
        return None
    found = caches["facets"].get(facet_cache_key(request, version))
    return found["rows"] if found else None


# Parameters that change the page shown, not the rows counted.
NOT_FILTERS = frozenset({"page", "sort", "per_page", "format"})


def facet_cache_key(request, version: str) -> str:
    """The key of a list's facet counts: the list's path and its filters, as sent."""
    filters = sorted(
        (key, sorted(values)) for key, values in request.GET.lists() if key not in NOT_FILTERS
    )
    digest = hashlib.sha256(repr((request.path, filters)).encode()).hexdigest()
    return f"facet-counts:{version}:{digest}"
