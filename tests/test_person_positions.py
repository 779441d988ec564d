"""What sources say of a person beyond one position: an academic title or rank ("Prof. Dr",
"Admiral"), other positions held at the same time or before (a university president who is
also vice-president of an association), each cited; and two roles trial 13 met: an alliance's
executive director and a person quoted by the source about a partnership."""

from __future__ import annotations

import pytest
from django.urls import reverse

from partnerships.models import (
    AllianceMembership,
    MemberRole,
    PartnershipPerson,
    Person,
    PersonPosition,
    PersonRoleInPartnership,
    Revision,
)
from tests.test_search_places import found
from tests.test_views import (
    DRAFT,
    make_alliance,
    make_org,
    make_partnership,
    make_person,
    make_region,
    make_source,
)

from .adminforms import add_row, change_url, form_of, messages_of
from .test_model_gaps import text_of


@pytest.fixture
def world(db):
    land = make_region("Postland")
    return {
        "university": make_org("Postland University", land),
        "association": make_org("Postland Association of Higher Education", land),
        "hidden": make_org("Hidden Draft Academy", land, publication=DRAFT),
        "source": make_source("A page about the first meeting"),
        "land": land,
    }


def position_row(w, position, **values):
    return {"position": position, "source": str(w["source"].pk), "paragraph": "5", **values}


def test_an_editor_enters_a_rank_and_other_positions_in_the_person_form(client_as, world):
    w = world
    editor = client_as("editor")
    url = reverse("admin:partnerships_person_add")
    data = form_of(editor.get(url))
    data.update(
        name="Xu Testsheng",
        position="President",
        organization=str(w["university"].pk),
        honorific="Prof. Dr",
    )
    add_row(
        data,
        "other_positions",
        position_row(w, "Vice-president", organization=str(w["association"].pk)),
    )
    add_row(data, "other_positions", position_row(w, "Dean of physics", former="on"))
    response = editor.post(url, data)
    assert response.status_code == 302, messages_of(response)
    person = Person.objects.get(name="Xu Testsheng")
    assert person.honorific == "Prof. Dr"
    rows = list(person.other_positions.order_by("pk"))
    assert [(r.position, r.organization, r.former) for r in rows] == [
        ("Vice-president", w["association"], False),
        ("Dean of physics", None, True),
    ]
    assert [c.paragraph for r in rows for c in r.citations.all()] == [5, 5]


def test_a_position_ending_before_it_began_is_a_form_error(client_as, world):
    w = world
    person = make_person("Year Testperson", publication=DRAFT)
    editor = client_as("editor")
    data = form_of(editor.get(change_url(person)))
    add_row(
        data, "other_positions", position_row(w, "Adviser", since_year="2020", until_year="2018")
    )
    response = editor.post(change_url(person), data)
    assert response.status_code == 200
    assert "The last year is before the first." in response.content.decode()
    assert not PersonPosition.objects.exists()


def test_the_person_page_shows_the_rank_and_the_other_positions(client, world):
    w = world
    person = make_person("Xu Testsheng", organization=w["university"], position="President")
    Person.objects.filter(pk=person.pk).update(honorific="Admiral")
    PersonPosition.objects.create(
        person=person, position="Vice-president", organization=w["association"], since_year=2015
    )
    PersonPosition.objects.create(person=person, position="Consultant", former=True)
    PersonPosition.objects.create(person=person, position="Fellow", organization=w["hidden"])
    page = text_of(client, person)
    assert "Title, rank or honours Admiral" in page
    assert "Vice-president, Postland Association of Higher Education, since 2015" in page
    assert "Consultant (former)" in page
    assert "Fellow" in page
    assert "Hidden Draft Academy" not in page


def test_a_search_for_another_position_finds_the_person(client, world):
    person = make_person("Xu Testsheng", position="President")
    PersonPosition.objects.create(person=person, position="Vice-president of the rowing league")
    assert found(client, "/people/", "rowing league") == {person.pk}


def test_a_position_deleted_no_longer_finds_the_person(client, world):
    person = make_person("Xu Testsheng", position="President")
    PersonPosition.objects.create(person=person, position="Chair of the rowing league").delete()
    assert found(client, "/people/", "rowing league") == set()


def test_an_alliance_shows_its_executive_director(client, world):
    alliance = make_alliance("Postland Universities Union", countries=[world["land"]])
    AllianceMembership.objects.create(
        alliance=alliance,
        person=make_person("Kang Testkai"),
        role=MemberRole.EXECUTIVE_DIRECTOR,
    )
    assert "Kang Testkai Executive director" in text_of(client, alliance)


def test_a_person_the_source_quotes_is_shown_as_quoted(client, world):
    w = world
    partnership = make_partnership(w["university"], make_org("Lyceum Test One", w["land"]))
    PartnershipPerson.objects.create(
        partnership=partnership,
        person=make_person("Elena Testkova"),
        role=PersonRoleInPartnership.QUOTED,
    )
    page = text_of(client, partnership)
    assert "Elena Testkova — quoted (a statement the source reports)" in page


def test_an_editors_new_position_for_a_published_person_waits_for_review(client_as, world):
    w = world
    person = make_person("Review Testperson", position="President")
    editor = client_as("editor")
    data = form_of(editor.get(change_url(person)))
    add_row(data, "other_positions", position_row(w, "Treasurer of the rowing league"))
    response = editor.post(change_url(person), data, follow=True)
    assert "waits for a publisher" in messages_of(response)
    assert not PersonPosition.objects.exists()
    revision = Revision.objects.get(status="pending")
    url = reverse("admin:partnerships_revision_change", args=[revision.pk])
    client_as("publisher").post(url, {"_approve": "1", "comment": ""}, follow=True)
    [row] = PersonPosition.objects.all()
    assert (row.person, row.position) == (person, "Treasurer of the rowing league")
    assert [c.paragraph for c in row.citations.all()] == [5]


def test_the_source_page_lists_the_person_whose_position_it_supports(client, world):
    from tests.test_views import cite

    person = make_person("Cited Testperson", position="President")
    position = PersonPosition.objects.create(person=person, position="Treasurer")
    cite(position, world["source"], paragraph=5)
    page = client.get(world["source"].get_absolute_url()).content.decode()
    section = page[page.index('id="cited-heading"') :]
    assert person.get_absolute_url() in section
