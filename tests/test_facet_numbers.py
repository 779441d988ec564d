"""Issue 18, "one rule for numbers": the number beside a facet value is the number of results
its click gives, on every list, with filters chosen or not, and the page says how the values
of a facet combine ("and" narrows, "or" widens)."""

import datetime

import pytest

from partnerships.models import SisterSchoolPartnership
from tests.test_views import make_org, make_partnership, make_region

# Lists, each with querystrings that choose values of different kinds of facet: none, a value
# that narrows (a country, a place), a value that widens (a level, a status, a kind), both,
# and a year.
STARTS = {
    "/partnerships/": [
        "",
        "country=china",
        "country=united-states",
        "region=jiangsu",
        "level=school",
        "level=comprehensive",
        "status=active",
        "status=active&country=united-states",
        "level=school&region=tianjin",
        "year_from=2005&year_to=2005",
    ],
    "/alliances/": ["", "country=china", "country=russia", "focus=basic_education"],
    "/conferences/": ["", "region=china", "region=guizhou"],
    "/organizations/": ["", "country=china", "kind=school", "kind=school&country=china"],
    "/regions/": ["", "kind=province"],
    "/sources/": [""],
    "/people/": [""],
}
CASES = [(path, query) for path, queries in STARTS.items() for query in queries]


def total(response) -> int:
    paginator = response.context["paginator"]
    assert not paginator.is_capped, "these lists are small enough to be counted exactly"
    return paginator.count


def facet_links(response):
    """(facet param, label, number shown, link) of every value with a link on the page."""
    for result in response.context["facets"]:
        for item in result.items:
            if item.url:
                yield result.param, item.label, item.count, item.url, item.selected


@pytest.mark.parametrize(("path", "query"), CASES)
def test_each_value_not_chosen_shows_the_number_of_results_its_click_gives(
    client, cases, path, query
):
    response = client.get(f"{path}?{query}" if query else path)
    assert response.status_code == 200
    checked = 0
    for param, label, shown, url, selected in facet_links(response):
        if selected:
            continue
        clicked = client.get(url if url.startswith("/") else f"{path}{url}")
        assert clicked.status_code == 200
        assert total(clicked) == shown, f"{param}: {label} shows {shown} at {path}?{query}"
        checked += 1
    if not query:
        assert checked > 0, f"{path} offers no facet value to check"


def test_two_countries_narrow_to_the_partnerships_between_them(client, cases):
    both = client.get("/partnerships/?country=china&country=united-states")
    assert total(both) > 0
    listed = SisterSchoolPartnership.objects.filter(
        pk__in=[row.pk for row in both.context["object_list"]]
    ).select_related("a_country", "b_country")
    for partnership in listed:
        assert {partnership.a_country.slug, partnership.b_country.slug} == {
            "china",
            "united-states",
        }


def test_a_country_chosen_offers_only_partner_countries_it_has(client, cases):
    response = client.get("/partnerships/?country=united-states")
    countries = next(r for r in response.context["facets"] if r.param == "country")
    labels = {item.label for item in countries.items if not item.selected}
    expected = {
        str(c)
        for p in SisterSchoolPartnership.objects.published().filter(b_country__slug="united-states")
        for c in (p.a_country,)
    } | {
        str(c)
        for p in SisterSchoolPartnership.objects.published().filter(a_country__slug="united-states")
        for c in (p.b_country,)
    }
    assert labels == expected - {"United States"}


def test_two_levels_widen_and_the_second_shows_the_sum(client, cases):
    school = total(client.get("/partnerships/?level=school"))
    comprehensive = total(client.get("/partnerships/?level=comprehensive"))
    assert school and comprehensive
    response = client.get("/partnerships/?level=school")
    levels = next(r for r in response.context["facets"] if r.param == "level")
    shown = {item.value: item.count for item in levels.items}
    assert shown["school"] == school  # the value chosen: its own number
    assert shown["comprehensive"] == school + comprehensive  # what adding it gives
    assert total(client.get("/partnerships/?level=school&level=comprehensive")) == (
        school + comprehensive
    )


def test_a_year_chosen_still_offers_the_other_years_with_their_own_numbers(client, cases):
    response = client.get("/partnerships/?year_from=2005&year_to=2005")
    years = next(r for r in response.context["facets"] if r.param == "year")
    others = [item for item in years.items if item.url and not item.selected]
    assert others, "the other years are still offered"


def test_the_page_says_how_values_combine(client, cases):
    response = client.get("/partnerships/")
    assert "Each value you add narrows the list (and)." in response.text
    assert "Each value you add widens the list (or)." in response.text


def test_chips_say_and_between_countries_and_or_between_levels(client, cases):
    response = client.get(
        "/partnerships/?country=china&country=united-states&level=school&level=comprehensive"
    )
    chips = response.context["active_filters"]
    joiners = [(chip["label"], str(chip["joiner"])) for chip in chips]
    assert ("Country", "and") in joiners
    assert ("Level", "or") in joiners
    assert '<span class="joiner">and</span>' in response.text
    assert '<span class="joiner">or</span>' in response.text


def test_a_year_chosen_older_than_the_years_shown_stays_among_the_values(client, db):
    country = make_region("Narnia")
    for year in range(2001, 2015):  # 14 years: more than a facet shows
        a, b = make_org(f"North School {year}", country), make_org(f"South School {year}", country)
        make_partnership(a, b, established_on=datetime.date(year, 1, 1))
    response = client.get("/partnerships/?year_from=2001&year_to=2001")
    years = next(r for r in response.context["facets"] if r.param == "year")
    chosen = [(item.label, item.count) for item in years.items if item.selected]
    assert chosen == [("2001", 1)]


def test_a_value_with_one_result_says_result_not_results_to_a_screen_reader(client, db):
    country = make_region("Narnia")
    make_partnership(make_org("North School", country), make_org("South School", country))
    response = client.get("/partnerships/")
    assert '"count">1<span class="visually-hidden"> result</span>' in response.text
    assert '"count">1<span class="visually-hidden"> results</span>' not in response.text
