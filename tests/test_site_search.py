"""The site-wide search (/search/, the box in every page's header; issue 19): every kind of
public record, grouped by kind, each number the number of results its link gives."""

import re

import pytest
from pytest_django.asserts import assertContains, assertNotContains

from tests.test_views import DRAFT, make_org, make_region

QUERIES = ["Jiangsu", "Harbin", "Purple Cloud", "education", "Tianjin"]


def groups(response):
    return response.context["found"] + response.context["not_found"]


@pytest.mark.parametrize("text", QUERIES)
def test_each_kinds_number_is_what_its_link_gives(client, cases, text):
    response = client.get("/search/", {"q": text})
    assert response.status_code == 200
    assert response.context["found"], f"{text!r} finds nothing"
    for group in groups(response):
        listed = client.get(group.url)
        assert listed.status_code == 200
        assert listed.context["paginator"].count == group.count, (text, group.title)
        shown = [row.get_absolute_url() for row in group.rows]
        first = [row.get_absolute_url() for row in listed.context["object_list"]][: len(shown)]
        assert shown == first, (text, group.title)


def test_a_place_name_finds_its_region_and_the_records_named_after_it(client, cases):
    response = client.get("/search/", {"q": "Harbin"})
    titles = {group.title for group in response.context["found"]}
    assert {"Regions", "Organizations", "Alliances"} <= titles


def test_a_draft_is_never_found(client, cases):
    make_org("Quokkaville Draft Academy", publication=DRAFT)
    response = client.get("/search/", {"q": "Quokkaville"})
    assert response.context["found"] == []
    assertNotContains(response, "Draft Academy")  # the words searched for are marked
    make_org("Quokkaville Public Academy", make_region("Quokkaland"))
    response = client.get("/search/", {"q": "Quokkaville"})
    assert [(g.title, g.count) for g in response.context["found"]] == [("Organizations", 1)]


def test_nothing_found_says_so_and_offers_every_list(client, cases):
    response = client.get("/search/", {"q": "zzqxj"})
    assertContains(response, "Nothing matches “zzqxj”.")
    for group in response.context["not_found"]:
        assertContains(response, f'<a href="{group.list_url}">{group.title}</a>', html=True)
    assert len(response.context["not_found"]) == 8  # seven kinds of record and the series


@pytest.mark.parametrize(
    "junk",
    ["x" * 10_000, "<script>alert(1)</script>", "' OR 1=1 --", "%", "\\", "   ", "日本" * 50],
)
def test_junk_is_answered_with_a_page_not_an_error(client, cases, junk):
    response = client.get("/search/", {"q": junk})
    assert response.status_code == 200
    assertNotContains(response, "<script>alert(1)</script>")
    if len(junk) > 200:
        assertContains(response, "Ensure this value has at most 200 characters")


def test_every_page_has_the_search_box_in_its_header(client, cases):
    for url in ["/", "/partnerships/", "/about/", "/regions/jiangsu/"]:
        page = client.get(url).content.decode()
        header = re.search(r'<header class="site-header">(.*?)</header>', page, re.S).group(1)
        assert 'action="/search/"' in header and 'name="q"' in header, url


def test_two_chinese_characters_of_an_other_name_find_the_alliance(client, cases):
    response = client.get("/alliances/", {"q": "中俄"})
    names = [row.name for row in response.context["object_list"]]
    assert names == ["Sino-Russian High School Collaborative Alliance"]


def test_site_search_for_two_chinese_characters_finds_the_alliance(client, cases):
    response = client.get("/search/", {"q": "中俄"})
    assert "Alliances" in {group.title for group in response.context["found"]}
