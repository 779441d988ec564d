"""Detail pages list a bounded number of related rows: a region such as China holds most of
a million partnerships, which no page can show. They say how many there are and link to
the list that shows them all."""

import pytest
from pytest_django.asserts import assertContains, assertNotContains

from partnerships.models import RegionKind
from partnerships.views import record_detail
from tests.test_views import (  # seeded_module: the seed, loaded once per module
    make_conference,
    make_org,
    make_partnership,
    make_region,
    seeded_module,  # noqa: F401
)


@pytest.fixture
def busy_region(seed, monkeypatch):
    """A country with 5 organizations in a chain of 4 partnerships, 4 conferences held there;
    detail pages list 3 related rows at most."""
    monkeypatch.setattr(record_detail, "RELATED_ROWS", 3)
    land = make_region("Busyland")
    province = make_region("Busy Province", kind=RegionKind.PROVINCE, parent=land)
    orgs = [make_org(f"Busy School {i}", province) for i in range(5)]
    for a, b in zip(orgs, orgs[1:], strict=False):
        make_partnership(a, b)
    for i in range(4):
        make_conference(f"Busy Forum {i}", host_region=province)
    return land


def test_region_page_lists_the_first_rows_and_says_how_many_there_are(client, busy_region):
    response = client.get(busy_region.get_absolute_url())
    assert len(response.context["partnerships"]) == 3
    assert len(response.context["organizations"]) == 3
    assertContains(response, "The first 3 of 4.", count=2)  # partnerships, conferences
    assertContains(response, "The first 3 of 5.")  # organizations
    assertContains(response, 'href="/partnerships/?region=busyland"')
    assertContains(response, 'href="/organizations/?region=busyland"')
    assertContains(response, 'href="/conferences/?region=busyland"')


def test_region_page_counts_exactly_past_the_cap_within_the_time_limit(
    client, busy_region, settings
):
    settings.LIST_COUNT_CAP = 3
    response = client.get(busy_region.get_absolute_url())
    assertContains(response, "The first 3 of 4.", count=2)
    assertNotContains(response, "more than")


def test_region_page_whose_count_ran_out_of_time_says_more_than_the_cap(
    client, busy_region, settings, monkeypatch
):
    settings.LIST_COUNT_CAP = 3
    # As pagination.count_rows answers when the exact count runs out of time.
    monkeypatch.setattr(record_detail, "count_rows", lambda queryset, cap: (cap + 1, False))
    response = client.get(busy_region.get_absolute_url())
    assertContains(response, "The first 3 of more than 3.", count=3)


def test_region_page_with_few_rows_says_nothing_about_more(client, seed):
    response = client.get("/regions/jiangsu/")
    assert response.status_code == 200
    assertNotContains(response, "The first ")


def test_conference_page_links_to_all_its_partnerships_in_the_list(client, busy_region):
    conference = make_conference("Signing Forum")
    orgs = [make_org(f"Signing School {i}") for i in range(5)]
    for a, b in zip(orgs, orgs[1:], strict=False):
        make_partnership(a, b, conference=conference)
    response = client.get(conference.get_absolute_url())
    assertContains(response, "Partnership:", count=3)
    assertContains(response, "The first 3 of 4.")
    assertContains(response, f'href="/partnerships/?conference={conference.slug}"')
