"""Keep the names of places in search text in step with the regions.

A record's search text holds the names of the published places its region filter counts
(models.place_names): a partnership's parties' places, an organization's, a conference's
hosts and participants, an alliance's own places, each with the places above it. When a
region is renamed, moved, published or unpublished, every record under it has to be
refreshed: a country can hold a million partnerships, so that is a background job
(tasks.refresh_place_search, enqueued by signals.region_saved once the save commits), which
refreshes them here in batches of BATCH rows: one query for the rows, one for their parties'
other names, one for the names of the regions on their paths and one UPDATE of the rows
whose text changed, per batch.
"""

from __future__ import annotations

from django.db.models import Prefetch, Q

from . import pagecache
from .filters import conference_place_q
from .models import (
    NAMED_PEOPLE_PREFETCH,
    Alliance,
    Conference,
    Organization,
    PartnershipParty,
    Region,
    SisterSchoolPartnership,
    path_ids,
    published_region_names,
)

BATCH = 1000


def with_search_names(partnerships):
    """``partnerships`` with what their search text names read in a few queries a batch:
    the parties, further parties, the people it names and their other names."""
    return partnerships.select_related("party_a", "party_b").prefetch_related(
        "party_a__other_names",
        "party_b__other_names",
        *NAMED_PEOPLE_PREFETCH,
        Prefetch(
            "other_parties",
            queryset=PartnershipParty.objects.select_related("organization").prefetch_related(
                "organization__other_names"
            ),
        ),
    )


def partnerships_under(path: str):
    return with_search_names(
        SisterSchoolPartnership.objects.filter(
            Q(a_path__startswith=path) | Q(b_path__startswith=path)
        )
    )


def organizations_under(path: str):
    return (
        Organization.objects.filter(region__path__startswith=path)
        .select_related("region")
        .prefetch_related("other_names")
    )


def conferences_under(region: Region):
    return (
        Conference.objects.filter(conference_place_q([region]))
        .select_related("series", "host_region")
        .prefetch_related("speeches__person__other_names")
    )


def alliances_under(path: str):
    keys = Alliance.objects.filter(
        Q(founded_in__path__startswith=path)
        | Q(countries__path__startswith=path)
        | Q(memberships__country__path__startswith=path)
        | Q(events__place__path__startswith=path)
    ).values("pk")
    return (
        Alliance.objects.filter(pk__in=keys)
        .select_related("founded_in")
        .prefetch_related("memberships__person__other_names", "memberships__organization", "bodies")
    )


def read_place_names(records, paths_of) -> None:
    """Read the names of the published regions on the paths of ``records`` in one query, for
    their compute_search_text() (instead of one query each)."""
    names = published_region_names(
        pk for record in records for path in paths_of(record) for pk in path_ids(path)
    )
    for record in records:
        record._region_names = names


def paths_of(record) -> list[str]:
    """The region paths whose names a record's search text may hold (a superset)."""
    if isinstance(record, SisterSchoolPartnership):
        return [record.a_path, record.b_path]
    place_paths = getattr(record, "place_paths", None)
    return place_paths() if place_paths else []


def stale_search_texts(records) -> list:
    """The records whose search text, computed again, differs from the stored one; each is
    given its new text (to be written with bulk_update)."""
    stale = []
    for record in records:
        text = record.compute_search_text()
        if text != record.search_text:
            record.search_text = text
            stale.append(record)
    return stale


def refresh_batches(queryset, paths_of, using=None) -> int:
    """Recompute the search text of every row of ``queryset``, BATCH rows at a time in key
    order; ``paths_of(row)``: the region paths whose names its text holds. Returns how
    many rows changed."""
    model = queryset.model
    queryset = queryset.order_by("pk")
    if using:
        queryset = queryset.using(using)
    changed = 0
    last = None
    while True:
        batch_qs = queryset if last is None else queryset.filter(pk__gt=last)
        rows = list(batch_qs[:BATCH])
        if not rows:
            return changed
        last = rows[-1].pk
        read_place_names(rows, paths_of)
        stale = stale_search_texts(rows)
        if stale:
            model._base_manager.using(queryset.db).bulk_update(stale, ["search_text"])
            changed += len(stale)


def refresh_under(region: Region) -> int:
    """Refresh the search text of every record whose text may name ``region`` (the records
    in it or under it, by its current path). Returns how many rows changed."""
    path = region.path
    changed = refresh_batches(partnerships_under(path), lambda p: [p.a_path, p.b_path])
    changed += refresh_batches(organizations_under(path), Organization.place_paths)
    # Conferences and alliances are few (thousands): their own place_paths() query each.
    for conference in conferences_under(region).iterator(chunk_size=BATCH):
        before = conference.search_text
        conference.refresh_search_text()
        changed += conference.search_text != before
    for alliance in alliances_under(path).iterator(chunk_size=BATCH):
        before = alliance.search_text
        alliance.refresh_search_text()
        changed += alliance.search_text != before
    if changed:
        pagecache.changed()
    return changed
