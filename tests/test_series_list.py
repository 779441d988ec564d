"""/series/: the conference series have a list of their own, found by the site search, with
the number of editions each has, which is what its link to the conference list gives. Until
trial 14 a series could be reached only from one of its editions, and /series/ was a 404."""

from __future__ import annotations

import pytest

from tests.test_views import (
    DRAFT,
    csv_rows,
    make_alliance,
    make_conference,
    make_series,
)

from .test_search_places import found


@pytest.fixture
def series(db):
    forum = make_series("Forum of Test Rectors", frequency="every year", first_held_year=2013)
    for n in (1, 2, 3):
        make_conference(f"Forum of Test Rectors {n}", series=forum)
    make_conference("Forum of Test Rectors 4 (draft)", series=forum, publication=DRAFT)
    make_series("Hidden Test Series", publication=DRAFT)
    return forum


def test_the_series_list_shows_published_series_with_their_editions(client, series):
    response = client.get("/series/")
    assert response.status_code == 200
    assert [s.name for s in response.context["object_list"]] == ["Forum of Test Rectors"]
    assert response.context["object_list"][0].editions_recorded == 3
    assert "Hidden Test Series" not in response.content.decode()


def test_the_editions_count_is_what_its_link_gives(client, series):
    listed = client.get("/conferences/", {"series": series.slug})
    assert listed.context["paginator"].count == 3
    assert (
        f'href="/conferences/?series={series.slug}">3</a>'
        in client.get("/series/").content.decode()
    )


def test_the_site_search_finds_a_series(client, series):
    page = client.get("/search/", {"q": "Test Rectors"}).content.decode()
    assert "Conference series" in page
    assert series.get_absolute_url() in page
    assert found(client, "/series/", "Rectors") == {series.pk}


def test_a_draft_alliance_is_not_named_in_the_series_list(client, series):
    series.alliance = make_alliance("Hidden Draft Alliance", publication=DRAFT)
    series.save()
    assert "Hidden Draft Alliance" not in client.get("/series/").content.decode()


def test_the_series_list_exports_its_rows(client, series):
    [row] = csv_rows(client.get("/series/", {"format": "csv"}))
    assert (row["name"], row["frequency"], row["editions_recorded"]) == (
        "Forum of Test Rectors",
        "every year",
        "3",
    )


def test_a_series_page_leads_back_to_the_series_list(client, series):
    page = client.get(series.get_absolute_url()).content.decode()
    assert 'href="/series/"' in page
