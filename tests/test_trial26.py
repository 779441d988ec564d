"""Gaps met by entry trial 26 (helpers entering unseen real reports through the admin): a day
known only to lie between two, a network's partners and its bodies' heads and co-chairs, a
partnership found by its agreements' terms, its visits' names and what its people said, and a
group of people quoted where no one is named (a form refused it)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from partnerships.dates import DatePrecision, PartialDate
from partnerships.models import (
    Agreement,
    AllianceMembership,
    PartnershipPerson,
    Visit,
)
from tests.test_detail_sources import text
from tests.test_views import DRAFT, make_alliance, make_org, make_person

from .adminforms import add_row, change_url, form_of, messages_of

# -------------------------------------------------------------- a day between two days


@pytest.mark.parametrize(
    "first, last, words",
    [
        ((2017, 7, 1), (2017, 7, 3), "between 1 and 3 July 2017"),
        ((2017, 6, 30), (2017, 7, 3), "between 30 June and 3 July 2017"),
        ((2016, 12, 30), (2017, 1, 2), "between 30 December 2016 and 2 January 2017"),
    ],
)
def test_a_day_known_to_lie_between_two_reads_between_them(first, last, words):
    date = PartialDate(datetime.date(*first), DatePrecision.DAY, not_after=datetime.date(*last))
    assert str(date) == words


def test_a_day_without_a_later_bound_reads_as_the_day():
    assert str(PartialDate(datetime.date(2017, 7, 1), DatePrecision.DAY)) == "1 July 2017"


# --------------------------------------------------------------- a network's second tier


@pytest.mark.parametrize(
    "role, label",
    [("partner", "Partner (not a member)"), ("head", "Head"), ("co_chair", "Co-chair")],
)
def test_an_alliance_page_shows_partners_heads_and_co_chairs(client, db, role, label):
    alliance = make_alliance("Test BRICS Network University")
    university = make_org("Test University of Campinas", kind="university")
    AllianceMembership.objects.create(alliance=alliance, organization=university, role=role)
    page = text(client.get(alliance.get_absolute_url()))
    assert f"Members and roles Test University of Campinas {label}" in page


# ------------------------------------------------------- found by what its rows say


def test_a_partnership_is_found_by_its_agreements_terms(client, visit_world):
    partnership = visit_world["partnership"]
    Agreement.objects.create(
        partnership=partnership, terms="Teaching on the specialty plus Russian model"
    )
    page = text(client.get(reverse("partnership-list"), {"q": "specialty plus Russian"}))
    assert str(partnership) in page


def test_a_partnership_is_found_by_the_name_of_its_visit(client, visit_world):
    partnership = visit_world["partnership"]
    Visit.objects.create(partnership=partnership, occasion="签字仪式")
    page = text(client.get(reverse("partnership-list"), {"q": "签字仪式"}))
    assert str(partnership) in page


def test_a_partnership_is_found_by_what_its_people_said(client, visit_world):
    partnership = visit_world["partnership"]
    PartnershipPerson.objects.create(
        partnership=partnership,
        person=make_person("Test Rector"),
        role="took_part",
        summary="A chemist known for work on fuel cells",
    )
    page = text(client.get(reverse("partnership-list"), {"q": "fuel cells"}))
    assert str(partnership) in page


# ------------------------------------------------------------------- a group quoted


def post_people_row(client_as, w, **values):
    partnership = w["partnership"]
    partnership.publication = DRAFT
    partnership.save()
    editor = client_as("editor")
    data = form_of(editor.get(change_url(partnership)))
    add_row(
        data,
        "people",
        {"role": "quoted", "source": str(w["source"].pk), "paragraph": "5", **values},
    )
    return editor.post(change_url(partnership), data)


def test_an_editor_enters_a_group_quoted_where_no_one_is_named(client, client_as, visit_world):
    response = post_people_row(
        client_as,
        visit_world,
        group="People in education",
        summary="Called it an important start for training talent",
    )
    assert response.status_code == 302, messages_of(response)
    partnership = visit_world["partnership"]
    partnership.publication = "published"
    partnership.save()
    page = text(client.get(partnership.get_absolute_url()))
    assert (
        "People in education (no one named) — quoted (a statement the source reports): "
        "Called it an important start for training talent" in page
    )


def test_a_row_with_neither_person_nor_group_is_a_form_error(client_as, visit_world):
    response = post_people_row(client_as, visit_world, summary="Said something")
    assert response.status_code == 200
    assert "Give the person, or the group when no one is named." in response.content.decode()


def test_a_row_with_both_person_and_group_is_a_form_error(client_as, visit_world):
    person = make_person("Test Named Teacher")
    response = post_people_row(client_as, visit_world, person=str(person.pk), group="Teachers")
    assert response.status_code == 200
    assert "A group is for when no person is named" in response.content.decode()


# ------------------------------------------------ a figure's breakdown on the overview


def test_the_overview_keeps_a_figures_breakdown(client, db):
    from partnerships.models import Metric
    from tests.test_views import make_conference, make_figure

    round_of_visits = make_conference("Test student exchange week")
    make_figure(round_of_visits, 3, Metric.COUNTRIES, origin="international")
    page = text(client.get("/"))
    assert "reported: 3 countries and regions represented from abroad" in page


def test_the_overview_leaves_out_a_figure_counted_in_a_draft_country(client, db):
    from partnerships.models import Metric
    from tests.test_views import make_conference, make_figure, make_region

    hidden = make_region("Test Draftland", publication=DRAFT)
    make_figure(make_conference("Test forum"), 40, Metric.PARTICIPANTS, country=hidden)
    page = text(client.get("/"))
    assert "Test Draftland" not in page


# ------------------------------------------------ a partnership with many words


def test_a_partnership_with_thousands_of_distinct_words_saves_and_is_found(client, visit_world):
    """Its words no longer go into a btree index (partner_public_date), whose rows hold at
    most 2,704 bytes on PostgreSQL: the fixtures' longest partnership passed that and failed
    to load."""
    partnership = visit_world["partnership"]
    partnership.summary = " ".join(f"lexeme{n}" for n in range(3000))
    partnership.save()
    Visit.objects.create(partnership=partnership, description="A visit to Sviyazhsk")
    page = text(client.get(reverse("partnership-list"), {"q": "lexeme2999"}))
    assert str(partnership) in page
