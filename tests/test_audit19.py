"""Defects found by the issue 19 browser audit (audit19): each test fails before its fix."""

import re

import pytest


@pytest.mark.django_db
def test_chart_table_link_names_use_the_singular_for_one_partnership(client, seed):
    """A chart row's number link is named "<n> partnerships: <label>" for screen readers;
    a country with one partnership read "1 partnerships: Canada"."""
    html = client.get("/").content.decode()
    hidden = re.findall(r'<span class="visually-hidden"> ([^<]*)</span></a>', html)
    assert hidden, "no chart link names found"
    # Pair each number with its hidden text: "1" must read "partnership", others "partnerships".
    pairs = re.findall(r'>(\d[\d,]*)<span class="visually-hidden"> ([^<:]*):', html)
    assert ("1", "partnership") in pairs, pairs
    assert not [p for p in pairs if p[0] == "1" and p[1] != "partnership"], pairs
    assert not [p for p in pairs if p[0] != "1" and p[1] != "partnerships"], pairs


@pytest.mark.django_db
def test_not_found_page_does_not_blame_page_numbers(client):
    """A page number past the end of a list now leads to the last page (and a bad one to a
    400), so the 404 page must not give "a page number may be past the end" as a reason."""
    assert client.get("/partnerships/?page=99999").status_code == 302
    response = client.get("/partnerships/no-such-record/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert "page number" not in html
