"""How many published records each region holds, itself and its sub-regions: what the
regions list shows beside each region and uses to hide the regions that hold none.

The rules are those of the region's page and of the lists' region filters, so that each
number is what its link gives:

- partnerships: a published partnership (both parties published) with a party whose region
  is in or under the region (PartnershipQuerySet.in_region, the partnership list's
  ``region`` filter), counted once however many of its parties are there;
- organizations: a published organization whose region is in or under it;
- conferences: a published conference held there or naming it as taking part
  (filters.conference_place_q, counted from filters.conference_places);
- alliances: a published alliance with any of its places there (filters.alliance_place_q,
  counted from filters.alliance_places).

Every region's numbers come from four queries whatever the number of regions or rows: a
GROUP BY of the rows' own places (region paths), each added to every region on the path (a
path holds its ancestors: "/36/412/" is in "/36/" and in "/36/412/"), as facets.TreeFacet
counts; they are kept for the current data version, so that the list's pages, facets and
exports share one count until a record changes.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import Alliance, Conference, Organization, SisterSchoolPartnership, path_ids
from .pagecache import data_version, uncommitted_writes

# How long the counts of one data version are kept (a new version makes them unused).
CACHE_SECONDS = 600


@dataclass
class RegionRecords:
    """The published records in a region or below it, by kind."""

    partnerships: int = 0
    organizations: int = 0
    conferences: int = 0
    alliances: int = 0

    # (attribute, URL name of its list), in the order the region's page lists them.
    KINDS = (
        ("partnerships", "partnership-list"),
        ("organizations", "organization-list"),
        ("conferences", "conference-list"),
        ("alliances", "alliance-list"),
    )

    @property
    def total(self) -> int:
        return self.partnerships + self.organizations + self.conferences + self.alliances

    def links(self, slug: str) -> list[tuple[int, str, str]]:
        """(number, "partnerships", link to the list filtered to the region) for each kind
        the region holds."""
        labels = {
            "partnerships": lambda n: ngettext("partnership", "partnerships", n),
            "organizations": lambda n: ngettext("organization", "organizations", n),
            "conferences": lambda n: ngettext("conference", "conferences", n),
            "alliances": lambda n: ngettext("alliance", "alliances", n),
        }
        links = []
        for attr, url_name in self.KINDS:
            n = getattr(self, attr)
            if n:
                links.append((n, labels[attr](n), f"{reverse(url_name)}?region={slug}"))
        return links


@functools.lru_cache(maxsize=16384)
def prefixes(path: str) -> tuple[str, ...]:
    """The paths of a region and of its ancestors: "/1/4/" -> ("/1/", "/1/4/")."""
    ids = path_ids(path)
    return tuple("/" + "/".join(map(str, ids[: k + 1])) + "/" for k in range(len(ids)))


def _below(counts: dict[str, int], path: str, n: int) -> None:
    for prefix in prefixes(path or ""):
        counts[prefix] = counts.get(prefix, 0) + n


def partnership_counts(pairs) -> dict[str, int]:
    """{region path: partnerships in or below it} from (a_path, b_path, partnerships) rows:
    a partnership with both parties in a region counts once there (the regions the two
    paths share are their common first ones)."""
    counts: dict[str, int] = {}
    for a_path, b_path, n in pairs:
        a, b = prefixes(a_path or ""), prefixes(b_path or "")
        for prefix in a:
            counts[prefix] = counts.get(prefix, 0) + n
        shared = 0
        while shared < len(a) and shared < len(b) and a[shared] == b[shared]:
            shared += 1
        for prefix in b[shared:]:
            counts[prefix] = counts.get(prefix, 0) + n
    return counts


def place_counts(pairs) -> dict[str, int]:
    """{region path: rows in or below it} from (row key, place path) pairs: a row counts
    once in each region any of its places is in or below."""
    below: dict[str, set] = {}
    for key, path in pairs:
        for prefix in prefixes(path or ""):
            below.setdefault(prefix, set()).add(key)
    return {prefix: len(keys) for prefix, keys in below.items()}


def count_records(using: str = DEFAULT_DB_ALIAS) -> dict[str, RegionRecords]:
    """{region path: RegionRecords} for every region that holds a published record, itself
    or below it (a region that holds none is not a key). Four queries."""
    from .filters import alliance_places, conference_places

    partnerships = partnership_counts(
        SisterSchoolPartnership.objects.using(using)
        .published()
        .order_by()
        .values_list("a_path", "b_path")
        .annotate(n=Count("*"))
    )
    organizations: dict[str, int] = {}
    for path, n in (
        Organization.objects.using(using)
        .published()
        .filter(region__isnull=False)
        .order_by()
        .values_list("region__path")
        .annotate(n=Count("*"))
    ):
        _below(organizations, path, n)
    conferences = place_counts(conference_places(Conference.objects.using(using).published()))
    alliances = place_counts(alliance_places(Alliance.objects.using(using).published()))
    return {
        path: RegionRecords(
            partnerships.get(path, 0),
            organizations.get(path, 0),
            conferences.get(path, 0),
            alliances.get(path, 0),
        )
        for path in {*partnerships, *organizations, *conferences, *alliances}
    }


def records_by_region(using: str = DEFAULT_DB_ALIAS) -> dict[str, RegionRecords]:
    """count_records(), kept for the current data version (pagecache.data_version: any
    committed write to the records makes a new one) so that the pages, facets and exports of
    the regions list share one count. Counted afresh while this connection holds writes not
    yet committed (what it reads is not what other requests read)."""
    if uncommitted_writes(connections[using]):
        return count_records(using)
    key = f"region-records:{using}:{data_version()}"
    cached = cache.get(key)
    if cached is None:
        cached = count_records(using)
        cache.set(key, cached, CACHE_SECONDS)
    return cached


def region_ids_with_records(counts: dict[str, RegionRecords]) -> list[int]:
    """The keys of the regions that hold a published record (the keys of ``counts``)."""
    return sorted({path_ids(path)[-1] for path in counts})


def with_records(regions, counts: dict[str, RegionRecords]) -> None:
    """Gives each of ``regions`` (a list page's rows) its ``records`` (RegionRecords) and
    ``record_links`` (RegionRecords.links)."""
    for region in regions:
        region.records = counts.get(region.path) or RegionRecords()
        region.record_links = region.records.links(region.slug)


def _query_with(request, **changes) -> str:
    """The list's address with ``changes`` made to its querystring (None removes a
    parameter), from the first page."""
    query = {k: v for k, v in request.GET.lists() if k not in ("page", *changes)}
    query.update({k: [v] for k, v in changes.items() if v is not None})
    encoded = urlencode(query, doseq=True)
    return f"?{encoded}" if encoded else request.path


def hidden_regions_note(request, hidden: int) -> dict | None:
    """What the regions list says about the regions it hides for holding no published
    record, with a link that shows them too; None when it hides none."""
    if not hidden:
        return None
    return {
        "count": hidden,
        "text": ngettext(
            "%(n)s region that holds no published record is hidden.",
            "%(n)s regions that hold no published record are hidden.",
            hidden,
        )
        % {"n": f"{hidden:,}"},
        "link": ngettext("Show it", "Show them", hidden),
        "url": _query_with(request, empty="1"),
    }


def empty_regions_chip(request) -> dict:
    """The chip of the regions list's "Show regions with no records", which removes it."""
    return {
        "label": _("Regions with no records"),
        "value": _("shown"),
        "url": _query_with(request, empty=None),
        "joiner": "",
    }
