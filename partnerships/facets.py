"""Facet counts for list pages, computed in the database with a fixed number of
queries per facet whatever the size of the data (one GROUP BY per counted column,
plus one query for the labels of related values)."""

from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import dataclass, field
from html import escape
from typing import NamedTuple
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.db import DatabaseError, connections
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OrderBy,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.functions import Cast, ExtractYear
from django.utils.formats import get_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .middleware import is_query_canceled
from .pgsettings import rollback_if_failed, statement_settings

logger = logging.getLogger(__name__)

FACET_SIZE = 12


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
    approximate: bool = False

    def items_html(self) -> SafeString:
        """The facet's <li> elements. Written here rather than in includes/facets.html: a
        list page shows up to 6 × FACET_SIZE of them, and the template engine took about
        2 ms a page to render their twenty nodes each (the page's largest loop). Each value
        is escaped as the template escapes it: labels and URLs are plain text, for which
        conditional_escape() is html.escape(), called here directly (conditional_escape's
        checks for lazy and safe text took most of this method's time)."""
        prefix = "≈" if self.approximate else ""
        words = gettext("results, estimated") if self.approximate else gettext("results")
        count_end = f'<span class="visually-hidden"> {escape(words)}</span></span>'
        remove = escape(gettext("Remove filter:"))
        grouped = thousands()
        rows = []
        for item in self.items:
            label = escape(str(item.label))
            if not item.url:
                link = f"<span>{label}</span>"
            elif item.selected:
                link = (
                    f'<a href="{escape(item.url)}" class="selected" '
                    f'aria-current="true"><span class="visually-hidden">{remove} </span>'
                    f"{label}</a>"
                )
            else:
                link = f'<a href="{escape(item.url)}">{label}</a>'
            rows.append(
                f'<li>{link}\n        <span class="count">{prefix}{grouped(item.count)}'
                f"{count_end}</li>\n      "
            )
        return mark_safe("".join(rows))  # noqa: S308 - every value escaped above


def thousands():
    """A function that writes an integer with the active language's thousands separator,
    as the humanize intcomma filter does; Python's own grouping when the language groups
    by threes (5 µs a number less than number_format)."""
    if get_format("NUMBER_GROUPING") == 3:
        separator = str(get_format("THOUSAND_SEPARATOR"))
        return lambda n: f"{n:,}".replace(",", separator)
    return intcomma


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

    def __init__(self, param: str, title, fields: list[str], *, distinct=None):
        self.param = param
        self.title = title
        self.fields = fields
        if distinct is not None:
            self.distinct = distinct

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

    def count_columns(self) -> dict | None:
        """Expressions whose value counts give this facet, for one combined GROUPING SETS
        query (see grouped_counts); None if the facet cannot be counted that way."""
        if self.distinct:
            return None
        columns = {}
        for i, name in enumerate(self.fields):
            value = F(name)
            earlier = self.fields[:i]
            if earlier:
                # A row whose several columns hold the same value counts once.
                same = Q()
                for other in earlier:
                    same |= Q(**{f"{other}__isnull": False, name: F(other)})
                value = Case(When(same, then=Value(None)), default=F(name))
            columns[f"{self.param}_{i}"] = value
        return columns

    def counts_from(self, grouped: dict) -> dict:
        counts: dict = {}
        for alias in self.count_columns():
            for key, n in grouped[alias].items():
                if key is not None:
                    counts[key] = counts.get(key, 0) + n
        return counts

    def labels(self, keys, selected=()) -> dict:
        """{key: (value, label)} for ``keys`` and for the keys whose value is ``selected``,
        leaving out what the public may not see (drafts)."""
        raise NotImplementedError

    def first_keys(self, counts: dict) -> list:
        """The keys whose labels ranked_labels reads first (its first batch)."""
        order = sorted(counts, key=counts.__getitem__, reverse=True)
        return order[: batch_end(order, counts, FACET_SIZE + 9)]

    def ranked_labels(self, counts: dict, selected: set, first: dict | None = None) -> dict:
        """Labels of the keys that can be shown: the selected ones and the most frequent,
        read in growing batches until FACET_SIZE + 1 unselected keys have a label (one more
        tells that the facet is truncated) or every key has been tried. A large facet (the
        provinces of a million rows) thus reads a few dozen labels instead of thousands.

        A batch always ends at the end of a run of equal counts: items are ordered by count,
        then label, so every key tied with the last one read may belong on the list.

        ``first``, when given, holds the labels of the first batch and of the selected keys,
        already read (read_first_labels)."""
        order = sorted(counts, key=counts.__getitem__, reverse=True)
        labels: dict = {}
        done, end = 0, FACET_SIZE + 9
        while done < len(order):
            end = batch_end(order, counts, end)
            if done == 0 and first is not None:
                labels.update(first)  # read beforehand, with other facets' (read_first_labels)
            else:
                labels.update(self.labels(order[done:end], selected if done == 0 else ()))
            done, end = end, end * 4
            unselected = sum(
                1 for key in order[:done] if key in labels and labels[key][0] not in selected
            )
            if unselected > FACET_SIZE:
                break
        return labels

    def compute(self, queryset, request, counts=None, first_labels=None) -> FacetResult:
        if counts is None:
            counts = self.raw_counts(queryset)
        selected = set(request.GET.getlist(self.param))
        labels = self.ranked_labels(counts, selected, first_labels)
        items = []
        for key, n in counts.items():
            if key not in labels:
                continue
            value, label = labels[key]
            items.append(FacetItem(value, label, n, value in selected))
        items.sort(key=lambda item: (-item.count, item.label))
        result = FacetResult(self.param, self.title)
        shown = [i for i in items if i.selected] + [i for i in items if not i.selected]
        result.truncated = len(shown) > FACET_SIZE
        result.items = sorted(shown[:FACET_SIZE], key=lambda i: (-i.count, i.label))
        urls = toggle_urls(request, self.param, [item.value for item in result.items])
        for item in result.items:
            item.url = urls[item.value]
        return result


class ChoiceFacet(Facet):
    def __init__(self, param, title, field_name, choices, **kwargs):
        super().__init__(param, title, [field_name], **kwargs)
        self.choices = dict(choices)

    def labels(self, keys, selected=()):
        return {k: (k, str(self.choices.get(k, k))) for k in keys}


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


def read_first_labels(facets, counted: dict, request) -> dict:
    """{param: labels} of the first batch (Facet.first_keys) and of the selected values of
    the related facets in ``counted``, read together instead of one query per facet as
    ranked_labels would: one per model (the country and province facets both name regions),
    and on PostgreSQL one for all the models (related_labels)."""
    groups: dict = {}
    for facet in facets:
        if facet.param in counted and type(facet).labels is RelatedFacet.labels:
            key = (facet.model, facet.key_field, facet.label_field)
            groups.setdefault(key, []).append(facet)
    wanted = []
    for group in groups.values():
        keys = {f.param: set(f.first_keys(counted[f.param])) for f in group}
        selected = {f.param: set(request.GET.getlist(f.param)) for f in group}
        wanted.append((group, keys, selected))
    found = related_labels(
        [(group[0], set().union(*k.values()), set().union(*s.values())) for group, k, s in wanted]
    )
    first = {}
    for (group, keys, selected), rows in zip(wanted, found, strict=True):
        for f in group:
            first[f.param] = {
                pk: label
                for pk, label in rows.items()
                if pk in keys[f.param] or label[0] in selected[f.param]
            }
    return first


def related_labels(wanted: list) -> list[dict]:
    """``facet.labels(keys, selected)`` for each (facet, keys, selected) in ``wanted``.

    On PostgreSQL, when every model's published() is the plain publication filter, in one
    query: a SELECT per facet, by key or selected value, joined with UNION ALL and written
    here, where the ORM took about 1 ms to build each (two of the 5 ms a search's facets
    took after their counts came back, bench_1m)."""
    from .models import Publication, RecordQuerySet

    if not wanted:
        return []
    using = {facet.model.objects.db for facet, _keys, _selected in wanted}
    plain = all(
        type(facet.model.objects.all()).published is RecordQuerySet.published
        for facet, _keys, _selected in wanted
    )
    connection = connections[using.pop()]
    if using or not plain or connection.vendor != "postgresql":
        return [facet.labels(keys, selected) for facet, keys, selected in wanted]
    selects, params = [], []
    for i, (facet, keys, selected) in enumerate(wanted):
        meta, quote = facet.model._meta, connection.ops.quote_name
        pk, key, label, publication = (
            quote(meta.get_field(name).column)
            for name in (meta.pk.name, facet.key_field, facet.label_field, "publication")
        )
        selects.append(
            f"SELECT {i}, {pk}, {key}, {label} FROM {quote(meta.db_table)} "  # noqa: S608
            f"WHERE {publication} = %s AND ({pk} = ANY(%s) OR {key} = ANY(%s))"
        )
        params += [Publication.PUBLISHED, sorted(keys), sorted(selected)]
    found: list[dict] = [{} for _ in wanted]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(selects), params)
        for i, pk, key, label in cursor.fetchall():
            found[i][pk] = (str(key), str(label))
    return found


class TreeFacet(RelatedFacet):
    """Regions, each with the number of rows in it or in one of its sub-regions: what the
    region filters select, so a value's count is the number of rows its link lists.

    ``field`` is the path from a row to its region ("host_region"); "" is the row itself,
    for the list of regions. With ``parents_only`` only regions that have sub-regions are
    values.
    """

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
        below: dict[str, int] = {}
        for row in rows:
            parts = [part for part in row["_path"].split("/") if part]
            for k in range(1, len(parts) + 1):
                prefix = "/" + "/".join(parts[:k]) + "/"
                below[prefix] = below.get(prefix, 0) + row["_n"]
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

    def raw_counts(self, queryset):
        """Rows per year, and per None for rows without a date: one query."""
        rows = (
            queryset.order_by()
            .annotate(_year=self.year())
            .values("_year")
            .annotate(n=Count("pk", distinct=True) if self.distinct else Count("*"))
        )
        return {row["_year"]: row["n"] for row in rows}

    def count_columns(self):
        return None if self.distinct else {"year_0": self.year()}

    def counts_from(self, grouped):
        return dict(grouped["year_0"])

    def compute(self, queryset, request, counts=None, first_labels=None):
        if counts is None:
            counts = self.raw_counts(queryset)
        counts = dict(counts)
        unknown = counts.pop(None, 0)
        no_year = counts.pop(self.NO_YEAR_KEY, 0)
        current = (request.GET.get("year_from"), request.GET.get("year_to"))
        result = FacetResult("year", self.title)
        # Plain lists, not QueryDict.copy() for each year (see toggle_url).
        others = {key: values for key, values in request.GET.lists() if key != "page"}
        for year in sorted(counts, reverse=True)[:FACET_SIZE]:
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
        result.truncated = len(counts) > FACET_SIZE
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

    def __init__(self, param, title, places, kinds):
        from .models import Region

        super().__init__(param, title, [], Region)
        self.places = places
        self.kinds = set(kinds)

    def count_columns(self):
        return None

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

    def compute(self, queryset, request, counts=None, first_labels=None) -> FacetResult:
        counts, labels = self.counts_and_labels(queryset)
        return super().compute(queryset, request, counts, labels)

    def labels(self, keys, selected=()):
        return {}  # every counted value's label was read with the counts


class PlacesTreeFacet(TreeFacet):
    """A TreeFacet of rows that have several places (a conference's host city, the places
    also hosting it, the regions named as taking part): ``places(queryset)`` gives (row key,
    region path) pairs, and a row counts once in each region that any of its places is in
    or below, as the region filter selects it."""

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


TOTAL = "__total__"
FIRST = "__first__"


class OrderTerm(NamedTuple):
    """One column of a list's order, to be written as SQL on another query's rows."""

    column: str  # the model field's column (attname)
    descending: bool
    nulls: str = ""  # "", "FIRST" or "LAST": where NULL goes, when the order says

    def sql(self, alias: str) -> str:
        return (
            alias
            + (" DESC" if self.descending else "")
            + (f" NULLS {self.nulls}" if self.nulls else "")
        )


def first_rows_order(queryset) -> list[OrderTerm] | None:
    """The list's order as OrderTerms when it can be replayed on the facet query's rows:
    columns of the model's own table (by name, or as F(name).asc()/.desc() with or without
    a NULLS clause), ending with a unique one (so that the order is total and agrees with
    the list's own query). None otherwise."""
    opts = queryset.model._meta
    order = []
    for term in queryset.query.order_by or opts.ordering:
        nulls = ""
        if isinstance(term, str):
            name, descending = term.removeprefix("-"), term.startswith("-")
        elif isinstance(term, OrderBy) and isinstance(term.expression, F):
            name, descending = term.expression.name, term.descending
            nulls = "LAST" if term.nulls_last else "FIRST" if term.nulls_first else ""
        else:
            return None
        field = (
            opts.pk
            if name == "pk"
            else next(
                (f for f in opts.concrete_fields if f.name == name or f.attname == name), None
            )
        )
        if field is None:
            return None
        order.append((field, descending, nulls))
    if not order or not (order[-1][0].primary_key or order[-1][0].unique):
        return None
    return [OrderTerm(field.attname, descending, nulls) for field, descending, nulls in order]


# Partnerships fall into SAMPLE_BUCKETS buckets by a hash of their key. A sample of a search
# is the rows it matches in the first k buckets (InSampleBuckets), for k in
# SAMPLE_INDEX_BUCKETS: migration 0010 gives each such k a search index of the rows in those
# buckets only, so that the sample's rows are found without reading the others.
SAMPLE_BUCKETS = 16
SAMPLE_INDEX_BUCKETS = (1, 2, 4)


class InSampleBuckets(Func):
    """Whether a row lies in the first ``buckets`` sample buckets: its bucket, 0 to
    SAMPLE_BUCKETS - 1, is PostgreSQL's hashint8 of the key (which spreads consecutive keys
    over all buckets) masked to its low bits. The condition of migration 0010's partial
    indexes, written the same way. The number is part of the SQL, not a query parameter:
    PostgreSQL uses a partial index only when it can prove that the query implies the
    index's condition, which it cannot for a parameter of a generic plan."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, expression, buckets: int):
        if not (isinstance(buckets, int) and 1 <= buckets <= SAMPLE_BUCKETS):
            raise ValueError(f"buckets must be 1 to {SAMPLE_BUCKETS}")
        super().__init__(
            expression,
            # SAMPLE_BUCKETS is a power of two: the mask keeps the bucket's bits.
            template=f"(hashint8(%(expressions)s) & {SAMPLE_BUCKETS - 1}) < {buckets}",
        )


def grouped_counts(
    queryset,
    columns: dict,
    sample_percent: float | None = None,
    *,
    with_total: bool = False,
    first: int = 0,
    buckets: int | None = None,
) -> dict[str, dict]:
    """Row counts per value of each column, in one scan: PostgreSQL's GROUP BY GROUPING SETS.

    ``columns`` maps an alias to an expression on the queryset's model. Returns, per alias,
    {value: count} (None counts rows where the expression is NULL). With ``with_total`` the
    empty grouping set adds the number of rows, under TOTAL: {None: count}.

    With ``first`` (and the total, no sample) the same pass also gives the primary keys of the
    first ``first`` rows in the queryset's order, under FIRST: {None: [keys]}, when that order
    can be replayed (first_rows_order); a list's first page then reads only those rows
    instead of finding them again (PostgreSQL would walk an index in list order, checking
    every row it meets against the search and filters).

    With ``buckets`` (1 to SAMPLE_BUCKETS) only the rows in that many sample buckets are
    counted and the counts scaled up: an estimate, from a random sample of the rows."""
    aliases = list(columns)
    exact = sample_percent is None and buckets is None
    order = first_rows_order(queryset) if first and with_total and exact else None
    if buckets is not None:
        queryset = queryset.filter(InSampleBuckets("pk", buckets))
    extra = {}
    if order:
        extra = {"_k": F("pk"), **{f"_o{i}": F(term.column) for i, term in enumerate(order)}}
    inner = queryset.order_by().values(**columns, **extra)
    sql, params = inner.query.sql_with_params()
    scale = 1.0
    if sample_percent is not None:
        # Read a repeatable random sample of the table's pages (TABLESAMPLE SYSTEM) and scale
        # the counts up: an estimate, shown as one.
        table = connections[queryset.db].ops.quote_name(queryset.model._meta.db_table)
        sample = f"{table} TABLESAMPLE SYSTEM ({float(sample_percent):.4f}) REPEATABLE (0)"
        # The table in the FROM clause, not a column reference like EXTRACT(YEAR FROM "t"."c").
        sql, found = re.subn(rf"FROM {re.escape(table)}(?!\.)", f"FROM {sample}", sql, count=1)
        if not found:
            raise DatabaseError("no table to sample in the facet query")
        scale = 100.0 / sample_percent
    elif buckets is not None:
        scale = SAMPLE_BUCKETS / buckets
    names = ", ".join(f'"{a}"' for a in aliases)
    sets = ", ".join([f'("{a}")' for a in aliases] + (["()"] if with_total else []))
    width = len(aliases)
    all_bits = 2**width - 1  # GROUPING() of the empty set
    # The aliases and the order come from code, not from the request; the values stay query
    # parameters.
    if order:
        by = ", ".join(term.sql(f'"_o{i}"') for i, term in enumerate(order))
        outer = (
            f"WITH facet_rows AS MATERIALIZED ({sql}) "  # noqa: S608
            f"SELECT GROUPING({names}), {names}, COUNT(*), "
            f"CASE WHEN GROUPING({names}) = {all_bits} THEN ARRAY("
            f'SELECT "_k" FROM facet_rows ORDER BY {by} LIMIT {int(first)}) END '
            f"FROM facet_rows GROUP BY GROUPING SETS ({sets})"
        )
    else:
        outer = (
            f"SELECT GROUPING({names}), {names}, COUNT(*), NULL "  # noqa: S608
            f"FROM ({sql}) AS facet_rows GROUP BY GROUPING SETS ({sets})"
        )
    result: dict[str, dict] = {a: {} for a in aliases}
    if with_total:
        result[TOTAL] = {None: 0}  # the empty set gives no row when no row matches
    if order:
        result[FIRST] = {None: []}
    # GROUPING() has a 1 bit for each column not grouped in a row's set, the first column
    # the most significant: each set of one column i has all bits but its own; the empty set
    # has them all (no entry here: None).
    grouped_column = {all_bits ^ (1 << (width - 1 - i)): i for i in range(width)}
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(outer, params)
        for grouping, *values, n, keys in cursor.fetchall():
            i = grouped_column.get(grouping)
            if i is None:
                result[TOTAL] = {None: round(n * scale)}
                if order:
                    result[FIRST] = {None: list(keys)}
            else:
                result[aliases[i]][values[i]] = round(n * scale)
    return result


# Rows read for estimated facets: a value with a 40% share comes out within about 1% of its
# count (one standard error), one with 0.5% within about 14%; reading the 2% of the pages of a
# million rows that hold 10,000 takes ~15 ms (20,000: ~30 ms, for errors 1.4 times smaller).
SAMPLE_ROWS = 10_000

# A search past the count cap whose matching rows the planner puts at no more than this gets
# exact facets: the search indexes find those rows, and counting them all costs about what a
# sample does, while a sample of a selective search holds too few matches to estimate from.
EXACT_SEARCH_FACET_ROWS = 50_000


def estimated_rows(queryset) -> float:
    """The planner's estimate of the rows ``queryset`` matches (EXPLAIN, nothing run)."""
    plan = json.loads(queryset.order_by().values("pk").explain(format="json"))
    return float(plan[0]["Plan"]["Plan Rows"])


def table_rows(queryset) -> float:
    """The rows of ``queryset``'s table, as the planner's statistics put them (0 unknown).
    An estimate that moves only when PostgreSQL analyzes the table: read at most once every
    TABLE_ROWS_SECONDS per process and table."""
    key = (queryset.db, queryset.model._meta.db_table)
    now = time.monotonic()
    known = _table_rows.get(key)
    if known is not None and now - known[0] < TABLE_ROWS_SECONDS:
        return known[1]
    rows = _read_table_rows(queryset)
    _table_rows[key] = (now, rows)
    return rows


TABLE_ROWS_SECONDS = 60
_table_rows: dict[tuple[str, str], tuple[float, float]] = {}


def _read_table_rows(queryset) -> float:
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = %s::regclass",
            [queryset.model._meta.db_table],
        )
        row = cursor.fetchone()
    return row[0] if row and row[0] and row[0] > 0 else 0


def sample_percent_for(queryset) -> float:
    """The share of the table to sample to read about SAMPLE_ROWS rows (planner's estimate)."""
    total = table_rows(queryset)
    return 100.0 if total <= SAMPLE_ROWS else max(0.01, 100.0 * SAMPLE_ROWS / total)


def table_sample_percent(queryset) -> float | None:
    """The share of the table to read for estimated facets, or None when the whole table is
    no bigger than the sample (count it exactly)."""
    percent = sample_percent_for(queryset)
    return None if percent >= 100 else percent


def combined_counts(
    facets,
    queryset,
    sample_percent: float | None = None,
    *,
    with_total: bool = False,
    first: int = 0,
    buckets: int | None = None,
) -> dict:
    """{param: counts} for the facets that can be counted together (count_columns), from one
    GROUPING SETS query, on a sample of the table when ``sample_percent`` is given, on the
    rows in ``buckets`` sample buckets when that is. With ``with_total``, also {TOTAL:
    number of rows}, and with ``first`` maybe {FIRST: keys} (see grouped_counts)."""
    columns = {}
    for facet in facets:
        columns.update(facet.count_columns() or {})
    if not columns:
        return {}
    grouped = grouped_counts(
        queryset, columns, sample_percent, with_total=with_total, first=first, buckets=buckets
    )
    counted = {f.param: f.counts_from(grouped) for f in facets if f.count_columns()}
    for key in (TOTAL, FIRST):
        if key in grouped:
            counted[key] = grouped[key][None]
    return counted


@dataclass
class Faceted:
    results: list[FacetResult]
    left_out: list[str]  # titles of the facets that ran out of time
    total: int | None = None  # the number of matching rows, when it was counted on the way
    first_keys: list | None = None  # primary keys of the first rows, in the list's order
    estimated: bool = False  # total and facets come from a sample of the rows


# A search that matches more rows than this gets its facets and its number of rows estimated
# from the rows in a few sample buckets, about SEARCH_SAMPLE_ROWS of them: reading and
# counting every row it matches (10,652 for a 1% search of a million partnerships, each on
# its own page of the table) took most of the page's time. Up to this many rows, counting
# them all costs about what the sample does and the page shows exact figures.
EXACT_SEARCH_ROWS = 4_000
SEARCH_SAMPLE_ROWS = 1_000
# A sample takes at most this many buckets (a quarter of the rows): the largest of
# SAMPLE_INDEX_BUCKETS.
MAX_SAMPLE_BUCKETS = SAMPLE_INDEX_BUCKETS[-1]
# A sample that finds fewer rows than this is too small to estimate from (the planner
# expected more rows than the search has): the search is counted exactly instead.
MIN_SAMPLED_ROWS = 500


def samples_search(queryset, estimate: float) -> bool:
    """Whether a search the planner expects to match ``estimate`` rows may have its facets
    estimated from sample buckets (the model has the sample indexes, and the search is past
    EXACT_SEARCH_ROWS)."""
    return sample_buckets_for(estimate) is not None and getattr(
        queryset.model, "search_sample_index", False
    )


def sample_buckets_for(rows: float) -> int | None:
    """How many sample buckets to count for a search expected to match ``rows`` rows, or
    None to count every row it matches."""
    if rows <= EXACT_SEARCH_ROWS:
        return None
    wanted = SAMPLE_BUCKETS * SEARCH_SAMPLE_ROWS / rows
    # The fewest buckets that hold SEARCH_SAMPLE_ROWS, among those that have an index.
    return next((k for k in SAMPLE_INDEX_BUCKETS if k >= wanted), MAX_SAMPLE_BUCKETS)


# A search's first page may read its rows beside its facet query (beside.py) instead of
# taking the keys of its first rows from it, when walking the list's index in its order finds
# them after reading about (rows per page × rows in the table ÷ rows matched) rows: up to this
# many, that walk costs less than the facet query it runs beside.
WALK_ROWS = 5_000


def rows_read_apart(queryset, estimate, *, filtered: bool, first: int) -> tuple[bool, float | None]:
    """Whether a search's first ``first`` rows are better read on their own, beside its
    facet query (search_facets_with_total), than found by it; and the planner's estimate of
    the rows the search matches with its filters, when that was read to decide (for
    search_facets_with_total's ``narrowed``).

    Yes when the facets will be counted on a sample (no first rows come from that), and when
    a search without filters matches densely enough for the walk above. With filters, the
    planner's estimate of their share among the search's rows can be far off (105 for 3,927
    at a million partnerships): the rows then come from the facet query, which reads all
    of them anyway."""
    if estimate is None or estimate > EXACT_SEARCH_FACET_ROWS:
        return False, None  # no facets with the search: the list counts on its own
    narrowed = None
    if samples_search(queryset, estimate):
        narrowed = estimated_rows(queryset) if filtered else estimate
        if sample_buckets_for(narrowed) is not None:
            return True, narrowed
    if filtered:
        return False, narrowed
    return first * table_rows(queryset) <= WALK_ROWS * max(estimate, 1.0), narrowed


def search_facets_with_total(
    facets,
    queryset,
    request,
    estimate=None,
    first: int = 0,
    *,
    filtered: bool = True,
    narrowed: float | None = None,
) -> Faceted | None:
    """Facets of a search and its number of rows, from one pass over the rows it matches
    (the empty grouping set counts them): the list need not count them again.

    Only on PostgreSQL, for a search the planner expects to match at most
    EXACT_SEARCH_FACET_ROWS rows; None otherwise, and the list counts and computes its
    facets as usual. ``estimate``, when given, is that expectation already read (for the
    search without its filters, which match no more rows than it; ``filtered=False`` says
    that there are none).

    Up to EXACT_SEARCH_ROWS expected rows the figures are exact, and with ``first`` the keys
    of the list's first ``first`` rows come from the same pass (Faceted.first_keys, None if
    they could not). Past it they are estimated from the rows in a few sample buckets
    (Faceted.estimated), unless the sample holds fewer than MIN_SAMPLED_ROWS rows.
    ``narrowed``, when given, is the planner's estimate for the search with its filters,
    already read (rows_read_apart)."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    if estimate is None:
        estimate = estimated_rows(queryset)
    if estimate > EXACT_SEARCH_FACET_ROWS:
        return None
    if samples_search(queryset, estimate):
        # The filters may leave far fewer rows than the search alone: sample on that figure.
        if narrowed is None:
            narrowed = estimated_rows(queryset) if filtered else estimate
        buckets = sample_buckets_for(narrowed)
        if buckets is not None:
            faceted = compute_facets(
                facets, queryset, request, combine=True, with_total=True, buckets=buckets
            )
            sampled = (faceted.total or 0) * buckets / SAMPLE_BUCKETS
            if faceted.total is not None and sampled >= MIN_SAMPLED_ROWS:
                faceted.estimated = True
                return faceted
    return compute_facets(facets, queryset, request, combine=True, with_total=True, first=first)


def ran_out_of_time(exc: DatabaseError, what: str) -> bool:
    """Whether ``exc``, raised while counting ``what``, is the facet time limit (the facet is
    then left out); any other database error is logged here, for the caller to raise."""
    if is_query_canceled(exc):
        logger.info("Left out %s: counting ran out of time", what)
        return True
    # Without the traceback, which the error page's own log record (django.request) has.
    logger.error("Counting %s failed: %s: %s", what, type(exc).__name__, exc)
    return False


def compute_facets(
    facets,
    queryset,
    request,
    *,
    combine=False,
    estimate=False,
    with_total=False,
    first=0,
    buckets=None,
):
    """Every facet of a list for ``queryset``, with the titles of facets left out.

    On PostgreSQL each facet query is bounded by FACET_TIME_LIMIT_MS: a facet that runs out
    of time is left out (as Datasette does) and the page says so. With ``combine`` the facets
    that can be are counted together in one GROUPING SETS query: one pass over the matching
    rows, which pays off when finding them is the expensive part (a search); over a whole
    large table, separate index-only scans of the covering index are faster.

    With ``estimate`` (the list is larger than its count cap) the facets that can be are
    counted on a random sample of the table's pages, scaled up and marked approximate: a few
    tens of milliseconds instead of a scan of every matching row. A search the planner expects
    to match at most EXACT_SEARCH_FACET_ROWS rows is counted exactly all the same.

    With ``with_total`` (and ``combine``, exact counts) the combined query also counts the
    matching rows: Faceted.total, None if that query ran out of time.

    With ``buckets`` (and ``combine``) the combined query counts only the rows in that many
    sample buckets and scales up (see grouped_counts): facets marked approximate, and the
    total an estimate too."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return Faceted([f.compute(queryset, request) for f in facets], [])
    results, left_out = [], []
    # A facet query stopped by the time limit leaves that facet out. Outside a transaction (a
    # public request) the connection takes the next query as usual; inside one (a test's, an
    # admin action's) the savepoint accepts no more queries, and the facets not yet counted
    # are left out too. Any other database error is logged and raised.
    timed_out, stopped = False, False
    limit = f"{int(settings.FACET_TIME_LIMIT_MS)}ms"
    with statement_settings(queryset.db, statement_timeout=limit):
        counted = {}
        sample = table_sample_percent(queryset) if estimate else None
        if sample is not None and combine and estimated_rows(queryset) <= EXACT_SEARCH_FACET_ROWS:
            sample = None
        if sample is not None:
            combine, buckets = True, None
        combined_out = set()  # the facets of a combined query that ran out of time
        if combine:
            try:
                counted = combined_counts(
                    facets,
                    queryset,
                    sample,
                    with_total=with_total and sample is None,
                    first=first,
                    buckets=buckets,
                )
            except DatabaseError as exc:
                combined_out = {f.param for f in facets if f.count_columns()}
                if not ran_out_of_time(exc, "the facets " + ", ".join(sorted(combined_out))):
                    raise
                timed_out, stopped = True, connection.in_atomic_block
        first_labels = {}
        if counted and not stopped:
            try:
                first_labels = read_first_labels(facets, counted, request)
            except DatabaseError as exc:
                # Each facet then reads its own labels.
                if not ran_out_of_time(exc, "the labels of the facets"):
                    raise
                timed_out, stopped = True, connection.in_atomic_block
        for facet in facets:
            if stopped or facet.param in combined_out:
                left_out.append(str(facet.title))
                continue
            try:
                if facet.param in counted:
                    result = facet.compute(
                        queryset, request, counted[facet.param], first_labels.get(facet.param)
                    )
                    result.approximate = sample is not None or buckets is not None
                    results.append(result)
                else:
                    results.append(facet.compute(queryset, request))
            except DatabaseError as exc:
                if not ran_out_of_time(exc, f"the facet {facet.param}"):
                    raise
                timed_out, stopped = True, connection.in_atomic_block
                left_out.append(str(facet.title))
        if timed_out:
            rollback_if_failed(queryset.db)
    return Faceted(results, left_out, counted.get(TOTAL), counted.get(FIRST))
