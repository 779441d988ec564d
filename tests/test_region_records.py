"""Issue 19: the regions list shows the published records each region holds (itself and its
sub-regions), each number linked to the list that gives it, and hides the regions that hold
none unless the visitor asks for them."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pytest_django.asserts import assertContains, assertNotContains

from partnerships.models import OrganizationKind, Region, RegionKind
from tests.test_views import (
    DRAFT,
    csv_rows,
    json_rows,
    listed,
    make_alliance,
    make_conference,
    make_org,
    make_partnership,
    make_region,
    result_count,
)

KINDS = ("partnerships", "organizations", "conferences", "alliances")


def drafts_beside_published(region: Region) -> None:
    """A draft of every kind counted, in ``region`` (a province with a city), beside its
    published records: none of them may be counted. A published partnership with a draft
    party is not public either."""
    city = Region.objects.filter(parent=region).first() or region
    draft_org = make_org("Draft Academy", city, publication=DRAFT)
    published = make_org("Published Academy", city)
    abroad = make_org("Overseas Academy", Region.objects.get(slug="canada"))
    make_partnership(published, abroad, publication=DRAFT)
    make_partnership(draft_org, abroad)  # published, but a party is a draft
    make_conference("Draft Forum", host_region=city, publication=DRAFT)
    make_alliance("Draft Alliance", founded_in=city, members=[published], publication=DRAFT)


def records_on_page(response) -> dict[str, dict[str, tuple[int, str]]]:
    """{region slug: {kind: (number, link)}} of the regions on a regions list page."""
    rows = {}
    for region in response.context["object_list"]:
        rows[region.slug] = {}
        for n, _label, url in region.record_links:
            kind = url.split("/")[1]
            rows[region.slug][kind] = (n, url)
    return rows


def test_every_number_is_what_its_link_and_the_region_page_give(client, cases):
    jiangsu = Region.objects.get(slug="jiangsu")
    before = records_on_page(client.get("/regions/?per_page=100"))
    drafts_beside_published(jiangsu)
    response = client.get("/regions/?per_page=100")
    assert response.status_code == 200
    rows = records_on_page(response)
    # The drafts, and the published partnership with a draft party, count nowhere; the one
    # published organization they stand beside counts in Jiangsu and in China.
    assert rows["jiangsu"]["organizations"][0] == before["jiangsu"]["organizations"][0] + 1
    for kind in ("partnerships", "conferences", "alliances"):
        assert rows["jiangsu"].get(kind) == before["jiangsu"].get(kind), kind
    assert len(rows) == result_count(response) > 40
    checked = 0
    for slug, kinds in rows.items():
        assert kinds, f"{slug} is listed with no published record"
        page = client.get(f"/regions/{slug}/").context
        for kind in KINDS:
            n, url = kinds.get(kind, (0, f"/{kind}/?region={slug}"))
            clicked = client.get(url)
            assert clicked.status_code == 200
            assert result_count(clicked) == n, f"{slug}: {n} {kind}, the link gives another"
            assert page[kind].count == n, f"{slug}: {n} {kind}, its page says another"
            checked += 1
    assert checked == 4 * len(rows)


def test_a_number_links_to_the_list_filtered_to_the_region(client, cases):
    response = client.get("/regions/?q=jiangsu")
    n = response.context["object_list"][0].records.partnerships
    assertContains(response, f'<a href="/partnerships/?region=jiangsu">{n} partnerships</a>')
    assert n == result_count(client.get("/partnerships/?region=jiangsu")) > 1


@pytest.fixture
def empty_regions(cases):
    """A published country that holds nothing, one whose only records are drafts, and a
    draft country (never listed)."""
    nothing = make_region("Emptyland")
    drafts_only = make_region("Draftsland")
    make_org("Draftsland Draft School", drafts_only, publication=DRAFT)
    make_conference("Draftsland Draft Forum", host_region=drafts_only, publication=DRAFT)
    make_region("Unpublishedland", publication=DRAFT)
    return nothing, drafts_only


def test_regions_with_no_published_record_are_hidden_and_said_so(client, empty_regions):
    response = client.get("/regions/?per_page=100")
    names = listed(response)
    assert "Emptyland" not in names and "Draftsland" not in names
    published = Region.objects.published().count()
    hidden = published - result_count(response)
    assert hidden >= 2
    assert response.context["hidden_rows"]["count"] == hidden
    assertContains(response, f"{hidden} regions that hold no published record are hidden.")
    assertContains(response, '<a href="?per_page=100&amp;empty=1">Show them</a>')
    assertNotContains(response, "Regions with no records: shown")


def test_regions_with_no_published_record_are_shown_when_asked(client, empty_regions):
    for asked in ("empty=1", "empty=on", "empty=true"):
        response = client.get(f"/regions/?per_page=100&{asked}")
        names = listed(response)
        assert "Emptyland" in names and "Draftsland" in names, asked
        assert "Unpublishedland" not in names
        assert result_count(response) == Region.objects.published().count()
        assert response.context.get("hidden_rows") is None
        chips = {(c["label"], c["value"]): c["url"] for c in response.context["active_filters"]}
        assert chips[("Regions with no records", "shown")] == "?per_page=100"
        empty = next(r for r in response.context["object_list"] if r.name == "Emptyland")
        assert empty.records.total == 0
    assertContains(response, "No published records")
    assertContains(response, 'name="empty" id="id_empty" checked')
    for unticked in ("empty=0", "empty=", "empty=off"):
        assert "Emptyland" not in listed(client.get(f"/regions/?per_page=100&{unticked}"))


def test_the_hidden_count_follows_the_other_filters(client, empty_regions):
    response = client.get("/regions/?kind=country&per_page=100")
    countries = Region.objects.published().filter(kind=RegionKind.COUNTRY).count()
    assert response.context["hidden_rows"]["count"] == countries - result_count(response)
    response = client.get("/regions/?region=jiangsu&per_page=100")
    everything = client.get("/regions/?region=jiangsu&per_page=100&empty=1")
    hidden = result_count(everything) - result_count(response)
    assert response.context["hidden_rows"]["count"] == hidden > 0
    for city in Region.objects.filter(path__startswith=Region.objects.get(slug="jiangsu").path):
        make_org(f"School in {city.name}", city)
    response = client.get("/regions/?region=jiangsu&per_page=100")
    assert result_count(response) == result_count(everything)
    assert response.context.get("hidden_rows") is None  # every region in Jiangsu holds one
    assertNotContains(response, 'class="hidden-rows"')
    response = client.get("/regions/?q=Emptyland")
    assert result_count(response) == 0
    assert response.context["hidden_rows"]["count"] == 1
    assertContains(response, "1 region that holds no published record is hidden.")
    assertContains(response, '<a href="?q=Emptyland&amp;empty=1">Show it</a>')


def test_the_facets_count_the_regions_the_list_shows(client, empty_regions):
    response = client.get("/regions/")
    kinds = {f.param: f for f in response.context["facets"]}["kind"]
    country = next(item for item in kinds.items if item.value == "country")
    shown = client.get("/regions/?kind=country")
    assert country.count == result_count(shown)
    assert "Emptyland" not in listed(client.get("/regions/?kind=country&per_page=100"))


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_exports_follow_the_same_filter(client, empty_regions, fmt):
    read = csv_rows if fmt == "csv" else json_rows
    default = {row["name"] for row in read(client.get(f"/regions/?format={fmt}"))}
    asked = {row["name"] for row in read(client.get(f"/regions/?format={fmt}&empty=1"))}
    shown = client.get("/regions/?per_page=100")
    assert default == set(listed(shown))
    assert asked - default == {"Emptyland", "Draftsland"} | {
        r.name for r in Region.objects.published() if r.name not in default
    }
    assert "Emptyland" in asked and "Unpublishedland" not in asked


def test_the_about_pages_number_of_regions_is_what_its_link_gives(client, empty_regions):
    response = client.get("/about/")
    html = response.content.decode()
    link = re.search(r'<li data-kind="region"><a href="([^"]+)"><strong>([\d,]+)</strong>', html)
    assert link, "the About page does not link its number of regions"
    url, number = link.groups()
    assert url == "/regions/?empty=1"
    assert result_count(client.get(url)) == int(number.replace(",", "")) > 40


def page_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def add_regions_with_records(first: int, n: int) -> None:
    """``n`` countries, each with a province holding records of every kind."""
    for i in range(first, first + n):
        country = make_region(f"Countland {i}")
        province = make_region(f"Countshire {i}", kind=RegionKind.PROVINCE, parent=country)
        school = make_org(f"Count School {i}", province)
        board = make_org(f"Count Board {i}", country, kind=OrganizationKind.SCHOOL_BOARD)
        make_partnership(school, make_org(f"Count Partner {i}", Region.objects.get(slug="wuxi")))
        make_conference(f"Count Forum {i}", host_region=province, participating=[country])
        make_alliance(f"Count Alliance {i}", members=[school, board])


def test_the_number_of_queries_does_not_grow_with_regions_or_records(client, cases):
    # One region written first: every page below is then read as while writes wait for a
    # commit (no cached facet counts, no cached record counts), the same way each time.
    add_regions_with_records(0, 1)
    client.get("/regions/")  # warms what lives for the process (content types, the footer)
    small = page_queries(client, "/regions/?per_page=10")
    assert page_queries(client, "/regions/?per_page=100") == small
    # Fifteen more regions, each with records of every kind, two levels deep.
    add_regions_with_records(1, 15)
    client.get("/regions/")  # the footer's "last updated", read again after the writes
    assert page_queries(client, "/regions/?per_page=100") == small
    response = client.get("/regions/?q=Countshire&per_page=100")
    assert result_count(response) == 16
    for region in response.context["object_list"]:
        assert re.fullmatch(r"Countshire \d+", region.name)
        assert (region.records.partnerships, region.records.organizations) == (1, 1)
        assert (region.records.conferences, region.records.alliances) == (1, 1)


def test_counts_are_kept_for_a_data_version(cases, monkeypatch):
    """The counts are read once per data version (which a committed write changes): the
    pages, facets and exports of the list read no count again until then."""
    from partnerships import pagecache, region_records

    # As outside a test's transaction: no write waits for a commit.
    monkeypatch.setattr(region_records, "uncommitted_writes", lambda connection: False)
    pagecache.bump()
    first = region_records.records_by_region()
    with CaptureQueriesContext(connection) as ctx:
        assert region_records.records_by_region() == first
    assert ctx.captured_queries == []
    land = make_region("Versionland")
    make_org("Version School", land)
    assert land.path not in region_records.records_by_region()
    pagecache.bump()  # what the commit of those writes does
    assert region_records.records_by_region()[land.path].organizations == 1
