"""Gaps met by entry trial 25 (helpers entering unseen real reports through the admin): a unit
listed without the body it is part of, a district's city left out of an organization's place,
the admin's words for a visit on a source page, what a person quoted said, chairing and
showing round, a message sent to an event, an organization's founder, ownership and
supervising body."""

from __future__ import annotations

import pytest
from django.urls import reverse

from partnerships.models import (
    Organization,
    PartnershipPerson,
    RegionKind,
    Visit,
)
from tests.test_detail_sources import cite_section, text
from tests.test_views import (
    DRAFT,
    make_conference,
    make_org,
    make_person,
    make_region,
    make_speech,
)

from .adminforms import add_row, change_url, form_of, messages_of

# ------------------------------------------------------- a unit with the body it is part of


def test_the_organization_list_names_the_body_a_unit_is_part_of(client, visit_world):
    page = text(client.get(reverse("organization-list"), {"q": "Maple Test High School"}))
    assert "Maple Test High School (part of Maple Test District)" in page


def test_the_region_page_names_the_body_a_unit_is_part_of(client, visit_world):
    land = visit_world["unit"].region
    page = text(client.get(land.get_absolute_url()))
    assert "Maple Test High School (part of Maple Test District)" in page


def test_a_draft_body_a_unit_is_part_of_is_not_named_in_the_list(client, visit_world):
    Organization.objects.filter(pk=visit_world["district"].pk).update(publication=DRAFT)
    page = text(client.get(reverse("organization-list"), {"q": "Maple Test High School"}))
    assert "Maple Test High School" in page
    assert "part of" not in page


# ------------------------------------------------------------- every place above a district


@pytest.fixture
def new_area(db):
    china = make_region("Test China")
    jilin = make_region("Test Jilin", RegionKind.PROVINCE, parent=china)
    city = make_region("Test Changchun", RegionKind.CITY, parent=jilin)
    district = make_region("Test Changchun New Area", RegionKind.DISTRICT, parent=city)
    return make_org("Test Beihu School", district), city


def test_an_organization_page_names_the_city_of_its_district(client, new_area):
    school, _city = new_area
    page = text(client.get(school.get_absolute_url()))
    assert "Region Test Changchun New Area, Test Changchun, Test Jilin, Test China" in page


def test_an_organization_page_leaves_out_a_draft_place_above_it(client, new_area):
    school, city = new_area
    city.publication = DRAFT
    city.save()
    page = text(client.get(school.get_absolute_url()))
    assert "Region Test Changchun New Area, Test Jilin, Test China" in page


# ---------------------------------------------------------------- a visit on a source page


def test_a_source_page_names_a_visit_as_the_partnership_page_does(client, visit_world):
    partnership, source = visit_world["partnership"], visit_world["source"]
    visit = Visit.objects.create(partnership=partnership, direction="b_to_a")
    cite_section(visit, source, "", paragraph="1")
    page = text(client.get(source.get_absolute_url()))
    assert "Maple Test District visited Lotus Test School" in page
    assert "Second party visited the first" not in page


# ------------------------------------------------------------ people on a partnership's visit


def person_row(client_as, w, role, **values):
    """An editor adds a person with ``role`` to the partnership (a draft: no review)."""
    partnership = w["partnership"]
    partnership.publication = DRAFT
    partnership.save()
    person = make_person("Test Zhao Haiying")
    editor = client_as("editor")
    data = form_of(editor.get(change_url(partnership)))
    add_row(
        data,
        "people",
        {
            "person": str(person.pk),
            "role": role,
            "source": str(w["source"].pk),
            "paragraph": "3",
            **values,
        },
    )
    response = editor.post(change_url(partnership), data)
    assert response.status_code == 302, messages_of(response)
    partnership.publication = "published"
    partnership.save()
    return PartnershipPerson.objects.get(partnership=partnership, person=person)


def test_an_editor_enters_what_a_person_quoted_said(client, client_as, visit_world):
    row = person_row(
        client_as,
        visit_world,
        "quoted",
        summary="Hoped the visit would widen the cities' cooperation in education",
    )
    assert row.summary.startswith("Hoped the visit")
    page = text(client.get(visit_world["partnership"].get_absolute_url()))
    assert (
        "Test Zhao Haiying — quoted (a statement the source reports): Hoped the visit would "
        "widen the cities' cooperation in education" in page
    )


@pytest.mark.parametrize(
    "role, words",
    [
        ("chaired", "chaired the talks or meeting"),
        ("accompanied", "accompanied the visitors or showed them round"),
    ],
)
def test_a_person_who_chaired_or_showed_the_visitors_round_is_shown_so(
    client, client_as, visit_world, role, words
):
    person_row(client_as, visit_world, role)
    page = text(client.get(visit_world["partnership"].get_absolute_url()))
    assert f"Test Zhao Haiying — {words}" in page


# ------------------------------------------------------------------ a message to an event


def test_a_message_sent_to_a_forum_is_not_listed_as_spoken(client, db):
    forum = make_conference("Test higher education cooperation forum")
    speech = make_speech(make_person("Test President Tokayev"), forum)
    speech.role = "message"
    speech.mode = "message"
    speech.save()
    page = text(client.get(forum.get_absolute_url()))
    assert "Sent a message or greetings Test President Tokayev" in page
    assert "Spoke Test President Tokayev" not in page


# ----------------------------------------------------- who founded it, owns it, supervises it


@pytest.fixture
def state_university(db):
    belarus = make_region("Test Belarus")
    ministry = make_org("Test Ministry of Education of Belarus", belarus, kind="authority")
    university = make_org("Test Baranovichi State University", belarus, kind="university")
    return university, ministry


def test_an_editor_enters_who_founded_an_organization_its_ownership_and_supervisor(
    client, client_as, state_university
):
    university, ministry = state_university
    university.publication = DRAFT
    university.save()
    editor = client_as("editor")
    data = form_of(editor.get(change_url(university)))
    data.update(
        founded_by="by decree of the President of Belarus",
        ownership="public",
        supervised_by=str(ministry.pk),
    )
    response = editor.post(change_url(university), data)
    assert response.status_code == 302, messages_of(response)
    university.refresh_from_db()
    university.publication = "published"
    university.save()
    page = text(client.get(university.get_absolute_url()))
    assert "Founded by by decree of the President of Belarus" in page
    assert "Public or private Public or state" in page
    assert "Supervised by Test Ministry of Education of Belarus" in page


def test_a_draft_supervising_body_is_not_named(client, state_university):
    university, ministry = state_university
    ministry.publication = DRAFT
    ministry.save()
    university.supervised_by = ministry
    university.save()
    page = text(client.get(university.get_absolute_url()))
    assert "Supervised by" not in page
    assert "Test Ministry of Education of Belarus" not in page


def test_an_unknown_ownership_is_a_form_error(client_as, state_university):
    university, _ministry = state_university
    university.publication = DRAFT
    university.save()
    editor = client_as("editor")
    data = form_of(editor.get(change_url(university)))
    data["ownership"] = "co-operative"
    response = editor.post(change_url(university), data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


# ------------------------------------------------------------ a visit found by what it was


def test_a_search_for_what_a_visit_was_finds_the_partnership(client, visit_world):
    partnership = visit_world["partnership"]
    Visit.objects.create(
        partnership=partnership,
        direction="a_to_b",
        aims="Deeper exchanges between key schools",
        description="A friendly visit of the city's education department",
    )
    for words in ("friendly visit", "key schools"):
        page = text(client.get(reverse("partnership-list"), {"q": words}))
        assert str(partnership) in page, words


def test_a_search_for_what_someone_at_an_event_said_finds_the_event(client, db):
    forum = make_conference("Test higher education cooperation forum")
    speech = make_speech(make_person("Test President Tokayev"), forum)
    speech.role = "message"
    speech.summary = "A congratulatory message read out at the opening"
    speech.save()
    page = text(client.get(reverse("conference-list"), {"q": "congratulatory"}))
    assert forum.name in page
