"""A region's page lists the visits that went to or came from it or a region under it (issue
21): visits of a partnership with a party there, and visits whose group came from there, that
name a place there or that an organization there sent. Only visits of public partnerships;
a draft place, sender or party is never named and never puts a visit on a page."""

from __future__ import annotations

import datetime

import pytest
from pytest_django.asserts import assertContains, assertNotContains

from partnerships.models import Publication, RegionKind, Visit, VisitDirection
from tests.test_views import cite, make_org, make_partnership, make_region, make_source

DRAFT = Publication.DRAFT
YEAR = "year"


def visit(partnership, year, **fields):
    return Visit.objects.create(
        partnership=partnership,
        visited_on=datetime.date(year, 1, 1),
        visited_precision=YEAR,
        **fields,
    )


@pytest.fixture
def world(db):
    home = make_region("Visitland")
    city = make_region("Visit City", kind=RegionKind.CITY, parent=home)
    abroad = make_region("Farland")
    elsewhere = make_region("Otherland")
    hidden_city = make_region(
        "Hidden Visit City", kind=RegionKind.CITY, parent=home, publication=DRAFT
    )
    school = make_org("Visit City School", city)
    far = make_org("Far School", abroad)
    other_a, other_b = make_org("Other School A", elsewhere), make_org("Other School B", elsewhere)
    office = make_org("Visit City Office", city)
    hidden_office = make_org("Hidden Office", city, publication=DRAFT)
    draft_party = make_org("Draft Party School", abroad, publication=DRAFT)
    here = make_partnership(school, far)
    other = make_partnership(other_a, other_b)
    return {
        "home": home,
        "city": city,
        "abroad": abroad,
        "elsewhere": elsewhere,
        "hidden_city": hidden_city,
        "here": here,
        "other": other,
        "office": office,
        "hidden_office": hidden_office,
        "draft_partnership": make_partnership(
            school, make_org("Far School Two", abroad), publication=DRAFT
        ),
        "hidden_partnership": make_partnership(school, draft_party),
    }


def page(client, region):
    response = client.get(region.get_absolute_url())
    assert response.status_code == 200
    return response


def test_a_region_page_lists_the_visits_of_partnerships_with_a_party_there(client, world):
    shown = visit(world["here"], 2017, direction=VisitDirection.A_TO_B, teachers=3, students=8)
    cite(shown, make_source("Visit Report"))
    visit(world["other"], 2018)
    for region in (world["home"], world["city"], world["abroad"]):  # either side, or above it
        response = page(client, region)
        assertContains(response, 'id="visits-heading"')
        assertContains(response, f"#visit-{shown.pk}")
        assertContains(response, "Visit City School visited Far School")
        assertContains(response, "3 teachers, 8 students")
        assertContains(response, "Visit Report")
        assert [v.pk for v in response.context["visits"]] == [shown.pk]
    assertNotContains(page(client, world["elsewhere"]), f"#visit-{shown.pk}")


def test_a_region_page_lists_visits_that_came_from_named_or_were_sent_from_there(client, world):
    came = visit(world["other"], 2015, sent_from=world["city"])
    named = visit(world["other"], 2016)
    named.places.add(world["city"])
    sent = visit(world["other"], 2017, sender=world["office"])
    response = page(client, world["home"])
    newest_first = [sent.pk, named.pk, came.pk]
    assert [v.pk for v in response.context["visits"]] == newest_first
    assertContains(response, "the group came from Visit City")
    assertContains(response, "sent by Visit City Office")


def test_a_region_page_leaves_out_visits_of_drafts_and_through_drafts(client, world):
    hidden = [
        visit(world["draft_partnership"], 2010),  # a draft partnership
        visit(world["hidden_partnership"], 2011),  # a partnership with a draft party
        visit(world["other"], 2012, sender=world["hidden_office"]),  # sent by a draft
    ]
    through_draft_place = visit(world["other"], 2013, sent_from=world["hidden_city"])
    named_draft_place = visit(world["other"], 2014)
    named_draft_place.places.add(world["hidden_city"])
    response = page(client, world["home"])  # the draft city and office are in Visitland
    assert list(response.context["visits"]) == []
    assertNotContains(response, 'id="visits-heading"')
    for v in [*hidden, through_draft_place, named_draft_place]:
        assertNotContains(response, f"#visit-{v.pk}")
    # Listed on the page of the parties' region, without the draft's names.
    response = page(client, world["elsewhere"])
    assert {v.pk for v in response.context["visits"]} == {
        hidden[2].pk,
        through_draft_place.pk,
        named_draft_place.pk,
    }
    assertNotContains(response, "Hidden Visit City")
    assertNotContains(response, "Hidden Office")
