"""Column headers sort the list (issue 19): a header with a sort order is a link to the list
sorted by it, the sorted one says which way (aria-sort) and links to the other way, and the
link keeps the filters and goes back to the first page."""

import re

import pytest

HEADERS = [
    ("/partnerships/", "Partnership", "name"),
    ("/partnerships/", "Established", "established"),
    ("/alliances/", "Founded", "founded"),
    ("/conferences/", "Dates", "held"),
    ("/organizations/", "Kind", "kind"),
    ("/regions/", "ISO code", "iso"),
    ("/sources/", "Published", "published"),
    ("/people/", "Name", "name"),
]


def header(page: str, label: str) -> str:
    found = re.search(rf'<th scope="col"[^>]*><a class="sort"[^>]*>{re.escape(label)}<', page)
    assert found, f"no sorting header {label!r}"
    start = found.start()
    return page[start : page.index("</th>", start)]


@pytest.mark.parametrize("url,label,key", HEADERS)
def test_a_header_links_to_the_list_sorted_by_it(client, cases, url, label, key):
    th = header(client.get(url).content.decode(), label)
    assert f'href="?sort={key}#results"' in th
    assert "aria-sort" not in th


@pytest.mark.parametrize("url,label,key", HEADERS)
def test_the_sorted_header_says_so_and_links_to_the_other_way(client, cases, url, label, key):
    page = client.get(url, {"sort": key}).content.decode()
    assert 'aria-sort="ascending"' in header(page, label)
    assert f'href="?sort=-{key}#results"' in header(page, label)
    page = client.get(url, {"sort": f"-{key}"}).content.decode()
    assert 'aria-sort="descending"' in header(page, label)
    assert f'href="?sort={key}#results"' in header(page, label)


def test_a_header_link_keeps_the_filters_and_leaves_the_page_number(client, cases):
    page = client.get("/partnerships/", {"country": "china", "page": "1", "per_page": "10"})
    th = header(page.content.decode(), "Status")
    assert 'href="?country=china&amp;per_page=10&amp;sort=status#results"' in th


def test_a_header_link_gives_the_order_it_names(client, cases):
    names = [
        row.name for row in client.get("/alliances/", {"sort": "-name"}).context["object_list"]
    ]
    assert len(names) > 1 and names == sorted(names, reverse=True)
