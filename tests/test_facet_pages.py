"""Issue 18, "every value reachable": a facet that shows only its most frequent values links to
its own page, which lists every value for the list's filters, sortable by number and name,
with a box to find one; each number is what the value's link gives."""

import re

import pytest
from pytest_django.asserts import assertContains, assertNotContains

from partnerships.facets import FACET_SIZE
from partnerships.models import Organization
from tests.test_views import make_org, make_partnership, make_region

EXTRA = FACET_SIZE + 3  # more countries than a facet shows


@pytest.fixture
def many_countries(cases):
    """EXTRA countries, each with one school partnered with a Chinese school: the country
    facet of the partnership list can no longer show them all."""
    chinese = Organization.objects.published().filter(country__slug="china").first()
    names = [f"Farland {i:02d}" for i in range(EXTRA)]
    for name in names:
        make_partnership(chinese, make_org(f"School of {name}", make_region(name)))
    return names


def rows(response) -> list[tuple[str, str, int]]:
    """(link, label, number) of each value listed on a facet's page."""
    found = re.findall(
        r'<td><a href="([^"]+)"[^>]*>(?:<span class="visually-hidden">[^<]*</span>)?([^<]+)</a>'
        r'</td>\s*<td class="num">([\d,]+)</td>',
        response.text,
    )
    return [
        (href.replace("&amp;", "&"), label, int(n.replace(",", ""))) for href, label, n in found
    ]


def test_a_truncated_facet_links_to_its_page_of_every_value(client, many_countries):
    response = client.get("/partnerships/?level=school")
    country = next(f for f in response.context["facets"] if f.param == "country")
    assert country.truncated
    assertContains(response, 'href="/partnerships/facets/country/?level=school"')
    page = client.get("/partnerships/facets/country/?level=school")
    assert page.status_code == 200
    labels = {label for _href, label, _n in rows(page)}
    assert set(many_countries) <= labels  # every value, not only the top ones
    assert "China" in labels


def test_each_number_on_a_facet_page_is_what_its_link_gives(client, many_countries):
    page = client.get("/partnerships/facets/country/?level=school&per_page=100")
    listed = rows(page)
    assert len(listed) > FACET_SIZE
    for href, label, n in listed:
        clicked = client.get(href)
        assert clicked.context["paginator"].count == n, label


def test_a_facet_page_names_the_filters_in_force_with_a_way_to_remove_each(client, cases):
    page = client.get("/partnerships/facets/country/?region=jiangsu&level=comprehensive")
    assert page.status_code == 200
    chips = {chip["value"]: chip["url"] for chip in page.context["active_filters"]}
    assert set(chips) == {"Jiangsu", "Between education authorities"}
    assertContains(page, "Region: Jiangsu")
    # Removing one keeps the other, on the same facet page.
    assert chips["Jiangsu"] == "?level=comprehensive"
    assert client.get(f"/partnerships/facets/country/{chips['Jiangsu']}").status_code == 200


def test_every_country_of_the_world_is_on_a_facet_page_s_first_page(client, cases):
    chinese = Organization.objects.published().filter(country__slug="china").first()
    for i in range(200):
        make_partnership(
            chinese, make_org(f"School of Nation {i:03d}", make_region(f"Nation {i:03d}"))
        )
    page = client.get("/partnerships/facets/country/")
    labels = {label for _h, label, _n in rows(page)}
    assert {f"Nation {i:03d}" for i in range(200)} <= labels
    assert not page.context["is_paginated"]


def test_a_facet_page_sorts_by_name_and_by_number(client, many_countries):
    by_name = [
        label for _h, label, _n in rows(client.get("/partnerships/facets/country/?value_sort=name"))
    ]
    assert by_name == sorted(by_name, key=str.casefold)
    by_count = [n for _h, _l, n in rows(client.get("/partnerships/facets/country/"))]
    assert by_count == sorted(by_count, reverse=True)
    response = client.get("/partnerships/facets/country/?value_sort=name")
    assertContains(response, 'aria-sort="ascending"')


def test_the_box_finds_values_by_part_of_their_name(client, many_countries):
    response = client.get("/partnerships/facets/country/?value_q=farland+0")
    labels = [label for _h, label, _n in rows(response)]
    assert labels and all(label.startswith("Farland 0") for label in labels)
    assert len(labels) == 10  # Farland 00 to 09


def test_the_box_finding_nothing_says_so_and_offers_every_value(client, many_countries):
    response = client.get("/partnerships/facets/country/?value_q=zzqq")
    assertContains(response, "No value matches")
    assertContains(response, "Show every value")


@pytest.mark.parametrize(
    "junk", ["<script>alert(1)</script>", "' OR 1=1 --", "x" * 10_000, "%00", "中国"]
)
def test_junk_in_the_box_or_the_sort_is_answered_calmly(client, cases, junk):
    response = client.get(
        "/partnerships/facets/country/", {"value_q": junk, "value_sort": junk, "page": junk}
    )
    assert response.status_code == 200
    assertNotContains(response, "<script>alert(1)</script>")


def test_an_unknown_facet_is_404(client, cases):
    assert client.get("/partnerships/facets/nothing/").status_code == 404


def test_a_facet_page_with_filters_that_cannot_be_used_is_400_with_a_way_back(client, cases):
    response = client.get("/partnerships/facets/country/?year_from=abc")
    assert response.status_code == 400
    assertContains(response, "Some of the filters could not be used.", status_code=400)
    assertContains(response, 'href="/partnerships/?year_from=abc"', status_code=400)


@pytest.mark.parametrize(
    "path",
    [
        "/alliances/facets/country/",
        "/conferences/facets/region/",
        "/organizations/facets/kind/",
        "/regions/facets/kind/",
        "/sources/facets/language/",
        "/people/facets/organization/",
        "/partnerships/facets/year/",
    ],
)
def test_every_list_has_facet_pages(client, cases, path):
    response = client.get(path)
    assert response.status_code == 200
    assert rows(response), path


def test_a_chosen_value_s_number_is_how_many_results_hold_it_and_the_page_says_so(client, cases):
    page = client.get("/partnerships/facets/level/?level=comprehensive")
    chosen = [item for item in page.context["values"] if item.selected]
    assert [item.count for item in chosen] == [
        client.get("/partnerships/?level=comprehensive").context["paginator"].count
    ]
    assertContains(page, "for a value already chosen (its link removes it), how many")
