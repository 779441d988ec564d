"""People's parts in a partnership and its visits (PartnershipPerson, which replaced the
visits' list of people), speeches by an office with no person named, a conference series'
permanent venue, an edition's special partner countries and the bodies that guide an
alliance's body: entered in the admin by the roles that may, shown on the
public pages with their sources, drafts left out, and found by the region filter.

The records are made here, with names that are clearly not sourced facts."""

from __future__ import annotations

import datetime

import pytest
from pytest_django.asserts import assertContains

from partnerships import filters
from partnerships.models import (
    AllianceBody,
    AllianceBodyKind,
    Conference,
    ConferenceSeries,
    EventRole,
    PartnershipPerson,
    PersonRoleInPartnership,
    Publication,
    Revision,
    SisterSchoolPartnership,
    Speech,
    StatusChange,
    Visit,
    VisitDirection,
    VisitStatus,
)
from partnerships.record_resources import SpeechResource
from tests.test_views import (
    DRAFT,
    cite,
    json_rows,
    make_alliance,
    make_conference,
    make_org,
    make_partnership,
    make_person,
    make_region,
    make_series,
    make_source,
)

from .adminforms import add_row, change_url, form_of, messages_of
from .test_detail_sources import plain
from .test_import_records import errors, read

CITATIONS = "partnerships-citation-content_type-object_id"


# --------------------------------------------------------------------------- records


@pytest.fixture
def world(db):
    """A partnership with a visit, a draft partnership with one, a conference in a series, an
    alliance with a body, a few people and organizations, and a source."""
    china = make_region("Testchina")
    us = make_region("Testunion")
    town = make_region("Test Harbour City", kind="city", parent=china)
    a = make_org("Maple Test School", us)
    b = make_org("Lotus Test School", town)
    partnership = make_partnership(a, b)
    visit = Visit.objects.create(
        partnership=partnership,
        direction=VisitDirection.B_TO_A,
        visited_on=datetime.date(2017, 9, 24),
        visited_precision="day",
        teachers=3,
        students=8,
    )
    draft = make_partnership(
        make_org("Draft-side Test School", us), b, publication=Publication.DRAFT
    )
    draft_visit = Visit.objects.create(partnership=draft, direction=VisitDirection.A_TO_B)
    source = make_source("A test page about the exchanges")
    return {
        "china": china,
        "town": town,
        "a": a,
        "b": b,
        "partnership": partnership,
        "visit": visit,
        "draft": draft,
        "draft_visit": draft_visit,
        "source": source,
        "zhu": make_person("Tester Zhu", position="English teacher"),
        "faul": make_person("Tester Faul", position="Maths teacher"),
        "hidden": make_person("Hidden Draft Person", publication=DRAFT),
        "ministry": make_org("Test Ministry of Education", china, kind="government"),
        "hidden_org": make_org(
            "Hidden Draft Ministry", china, kind="government", publication=DRAFT
        ),
    }


def person_row(w, person, role, visit=None, title="", cited=True):
    row = PartnershipPerson.objects.create(
        partnership=w["partnership"], visit=visit, person=person, role=role, title=title
    )
    if cited:
        cite(row, w["source"], paragraph=2)
    return row


# --------------------------------------------------------------------------- the model


def test_a_visit_of_another_partnership_and_going_without_a_visit_are_refused(world):
    w = world
    wrong = PartnershipPerson(
        partnership=w["partnership"], visit=w["draft_visit"], person=w["zhu"], role="went"
    )
    with pytest.raises(Exception, match="this partnership's own visits"):
        wrong.full_clean()
    nowhere = PartnershipPerson(partnership=w["partnership"], person=w["zhu"], role="led")
    with pytest.raises(Exception, match="Say which visit"):
        nowhere.full_clean()
    PartnershipPerson(partnership=w["partnership"], person=w["faul"], role="organized").full_clean()


# --------------------------------------------------------------------------- public pages


def test_the_partnership_page_names_each_visit_s_people_with_role_and_title(world, client):
    w = world
    person_row(w, w["zhu"], "interpreted", w["visit"], title="English teacher")
    person_row(w, w["hidden"], "went", w["visit"])
    person_row(w, w["faul"], "organized", title="maths teacher; leads the club")
    response = client.get(w["partnership"].get_absolute_url())
    page = plain(response.content.decode())
    assert "People named: Tester Zhu (English teacher) — interpreted" in page
    assert "Hidden Draft Person" not in page
    people = page[page.index("People People named with a part") :]
    assert "Tester Faul (maths teacher; leads the club) — organized or coordinated" in people
    # Each part is cited, and the person linked.
    assertContains(response, w["zhu"].get_absolute_url())
    assert "A test page about the exchanges" in page


def test_a_visit_dated_only_in_words_reads_as_a_visit_with_those_words(world, client):
    w = world
    Visit.objects.filter(pk=w["visit"].pk).update(
        visited_on=None, ends_on=None, visited_as_given="for two weeks"
    )
    person_row(w, w["zhu"], "interpreted", w["visit"])
    page = plain(client.get(w["zhu"].get_absolute_url()).content.decode())
    assert "Interpreted: visit, for two weeks" in page
    assert "visit of for" not in page


def test_a_partnership_with_no_people_has_no_people_part(world, client):
    page = client.get(world["partnership"].get_absolute_url()).content.decode()
    assert 'id="people-heading"' not in page


def test_a_person_s_page_lists_their_parts_in_partnerships_and_visits(world, client):
    w = world
    person_row(w, w["zhu"], "interpreted", w["visit"], title="English teacher")
    person_row(w, w["zhu"], "organized")
    PartnershipPerson.objects.create(
        partnership=w["draft"], visit=w["draft_visit"], person=w["zhu"], role="went"
    )
    response = client.get(w["zhu"].get_absolute_url())
    page = plain(response.content.decode())
    assert "In partnerships and their visits" in page
    assert "Interpreted (English teacher): visit, 24 September 2017" in page
    assert "Organized or coordinated the exchanges: Maple Test School" in page
    url = w["partnership"].get_absolute_url()
    assertContains(response, f'href="{url}#visit-{w["visit"].pk}"')
    assertContains(response, f'href="{url}"')
    assert "Draft-side Test School" not in page  # a draft partnership's visit is not named
    # The visit's anchor on the partnership page.
    assertContains(client.get(url), f'id="visit-{w["visit"].pk}"')


def test_a_conference_page_shows_a_speech_by_an_office_and_its_special_partners(world, client):
    w = world
    switzerland, russia = make_region("Testswitzerland"), make_region("Testrussia")
    hidden_land = make_region("Draftland", publication=DRAFT)
    conference = make_conference("Test Expo 2024", host_region=w["town"])
    conference.partner_regions.set([switzerland, russia, hidden_land])
    office = Speech.objects.create(
        conference=conference,
        organization=w["ministry"],
        role=EventRole.OFFICIATED,
        title="a representative",
    )
    cite(office, w["source"], paragraph=3)
    Speech.objects.create(conference=conference, organization=w["hidden_org"])
    Speech.objects.create(
        conference=conference, person=w["zhu"], organization=w["ministry"], role=EventRole.SPEAKER
    )
    response = client.get(conference.get_absolute_url())
    page = plain(response.content.decode())
    assert "Special partners Testrussia, Testswitzerland" in page or (
        "Special partners Testswitzerland, Testrussia" in page
    )
    assert "Draftland" not in page
    assert "Unveiled or launched Test Ministry of Education, a representative" in page
    assert "Tester Zhu, English teacher, Test Ministry of Education" in page
    assertContains(response, f'href="{w["ministry"].get_absolute_url()}"')
    assert "Hidden Draft Ministry" not in page


def test_a_speech_by_an_office_is_listed_on_the_source_page(world, client):
    w = world
    conference = make_conference("Test Expo 2025")
    office = Speech.objects.create(conference=conference, organization=w["ministry"])
    cite(office, w["source"], paragraph=4)
    row = person_row(w, w["zhu"], "interpreted", w["visit"])
    page = plain(client.get(w["source"].get_absolute_url()).content.decode())
    assert "Test Ministry of Education at Test Expo 2025" in page
    assert f"{row} ({w['partnership']})" in page


def test_a_series_page_shows_its_permanent_venue(world, client):
    w = world
    venue = make_org("Test Exhibition Centre", w["town"], kind="other")
    series = make_series("Test Expo series", venue_region=w["town"], venue=venue)
    page = plain(client.get(series.get_absolute_url()).content.decode())
    assert "Permanent venue Test Exhibition Centre, Test Harbour City" in page
    ConferenceSeries.objects.filter(pk=series.pk).update(venue=w["hidden_org"])
    page = plain(client.get(series.get_absolute_url()).content.decode())
    assert "Permanent venue Test Harbour City" in page
    assert "Hidden Draft Ministry" not in page


def test_an_alliance_page_shows_whom_a_body_works_under(world, client):
    w = world
    alliance = make_alliance("Test Alliance of Schools", countries=[w["china"]])
    body = AllianceBody.objects.create(
        alliance=alliance, kind=AllianceBodyKind.SECRETARIAT, name="Test Secretariat"
    )
    body.guided_by.set([w["ministry"], w["hidden_org"]])
    response = client.get(alliance.get_absolute_url())
    page = plain(response.content.decode())
    assert "Works under the guidance of Test Ministry of Education" in page
    assert "Hidden Draft Ministry" not in page


def test_who_ended_a_partnership_shows_unless_a_draft(world, client):
    w = world
    partnership = w["partnership"]
    StatusChange.objects.create(
        partnership=partnership,
        status="ended",
        changed_on=datetime.date(2005, 1, 1),
        changed_precision="year",
        by=w["a"],
    )
    StatusChange.objects.create(
        partnership=partnership,
        status="renewed",
        changed_on=datetime.date(2003, 1, 1),
        changed_precision="year",
        by=w["hidden_org"],
    )
    page = plain(client.get(partnership.get_absolute_url()).content.decode())
    assert "Status: Ended; made or announced by Maple Test School" in page
    assert "Status: Renewed" in page
    assert "Hidden Draft Ministry" not in page


def test_the_places_of_a_visit_show_unless_a_draft(world, client):
    w = world
    w["visit"].places.set(
        [
            make_region("Test Port Town", kind="city", parent=w["china"]),
            make_region("Draftburg", publication=DRAFT),
        ]
    )
    page = plain(client.get(w["partnership"].get_absolute_url()).content.decode())
    assert "places: Test Port Town" in page
    assert "Draftburg" not in page


# --------------------------------------------------------------------------- region filter


def test_a_special_partner_country_finds_the_conference(world, client):
    w = world
    guest = make_region("Testguestland")
    province = make_region("Guest Province", kind="province", parent=guest)
    conference = make_conference("Test Fair with a guest", host_region=w["town"])
    make_conference("Test Fair without a guest", host_region=w["town"])
    assert not filters.conferences_in_region(Conference.objects.all(), guest).exists()
    conference.partner_regions.add(province)
    found = filters.conferences_in_region(Conference.objects.all(), guest)
    assert list(found) == [conference]  # a partner under the region counts, once
    assert list(filters.conferences_in_region(Conference.objects.all(), [guest, w["china"]]))
    # The region's page lists it, as for a region taking part.
    assertContains(client.get(guest.get_absolute_url()), "Test Fair with a guest")


def test_the_conference_place_facet_counts_a_special_partner_as_its_click_does(world, client):
    guest = make_region("Testguestland")
    conference = make_conference("Test Fair with a guest", host_region=world["town"])
    conference.partner_regions.add(guest)
    response = client.get("/conferences/")
    shown = {
        item.label: (item.count, item.url)
        for result in response.context["facets"]
        if result.param == "region"
        for item in result.items
    }
    count, url = shown["Testguestland"]
    clicked = client.get(url if url.startswith("/") else f"/conferences/{url}")
    assert count == clicked.context["paginator"].count == 1
    assert [row.pk for row in clicked.context["object_list"]] == [conference.pk]


# --------------------------------------------------------------------------- admin


@pytest.fixture
def staff_world(records, world):
    return world


def people_row(w, **values):
    row = {
        "person": str(w["zhu"].pk),
        "role": "interpreted",
        "visit": str(w["visit"].pk),
        "title": "English teacher",
        "source": str(w["source"].pk),
        "paragraph": "2",
    }
    row.update(values)
    return row


def draft_of(w) -> SisterSchoolPartnership:
    SisterSchoolPartnership.objects.filter(pk=w["partnership"].pk).update(
        publication=Publication.DRAFT
    )
    return SisterSchoolPartnership.objects.get(pk=w["partnership"].pk)


def test_the_people_inline_offers_only_this_partnership_s_visits(staff_world, client_as):
    w = staff_world
    page = client_as("editor").get(change_url(w["partnership"]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "add the visit above and save first" in text
    # The visit select of the empty row lists this partnership's visit only.
    template = text[text.index('name="people-__prefix__-visit"') :]
    template = template[: template.index("</select>")]
    assert f'value="{w["visit"].pk}"' in template
    assert f'value="{w["draft_visit"].pk}"' not in template


def test_an_editor_adds_a_person_on_a_visit_with_its_citation(staff_world, client_as):
    w = staff_world
    partnership = draft_of(w)
    editor = client_as("editor")
    data = form_of(editor.get(change_url(partnership)))
    add_row(data, "people", people_row(w))
    response = editor.post(change_url(partnership), data)
    assert response.status_code == 302, messages_of(response)
    row = PartnershipPerson.objects.get(person=w["zhu"])
    assert (row.visit, row.role, row.title) == (w["visit"], "interpreted", "English teacher")
    assert list(row.citations.values_list("source_id", "paragraph")) == [(w["source"].pk, 2)]


def test_an_editor_s_person_on_a_published_partnership_waits_for_review(staff_world, client_as):
    w = staff_world
    partnership = w["partnership"]
    editor = client_as("editor")
    data = form_of(editor.get(change_url(partnership)))
    add_row(data, "people", people_row(w, role="organized", visit=""))
    response = editor.post(change_url(partnership), data, follow=True)
    assert "waits for a publisher" in messages_of(response), messages_of(response)
    assert not PartnershipPerson.objects.exists()
    revision = Revision.objects.get(status="pending")
    client_as("publisher").post(change_url(revision), {"_approve": "1"})
    row = PartnershipPerson.objects.get()
    assert (row.person, row.role, row.visit) == (w["zhu"], "organized", None)
    assert row.citations.get().paragraph == 2


def test_a_viewer_cannot_add_a_person(staff_world, client_as):
    w = staff_world
    partnership = draft_of(w)
    data = form_of(client_as("publisher", "reader").get(change_url(partnership)))
    add_row(data, "people", people_row(w))
    response = client_as("viewer").post(change_url(partnership), data)
    assert response.status_code == 403
    assert not PartnershipPerson.objects.exists()


def test_a_visit_of_another_partnership_is_refused_in_the_form(staff_world, client_as):
    w = staff_world
    partnership = draft_of(w)
    editor = client_as("editor")
    data = form_of(editor.get(change_url(partnership)))
    add_row(data, "people", people_row(w, visit=str(w["draft_visit"].pk)))
    response = editor.post(change_url(partnership), data)
    assert response.status_code == 200
    assert "Select a valid choice" in messages_of(response)
    assert not PartnershipPerson.objects.exists()


def test_going_on_no_visit_is_refused_in_words(staff_world, client_as):
    w = staff_world
    partnership = draft_of(w)
    editor = client_as("editor")
    data = form_of(editor.get(change_url(partnership)))
    add_row(data, "people", people_row(w, role="went", visit=""))
    response = editor.post(change_url(partnership), data)
    assert response.status_code == 200
    assert "Say which visit" in messages_of(response)
    assert not PartnershipPerson.objects.exists()


def test_a_person_row_s_own_page_is_held_for_review_like_the_partnership_s_rows(
    staff_world, client_as
):
    w = staff_world
    row = person_row(w, w["zhu"], "interpreted", w["visit"])
    data = form_of(client_as("publisher", "reader").get(change_url(row)))
    data["title"] = "Changed behind the review"
    assert client_as("editor").post(change_url(row), data).status_code == 403
    row.refresh_from_db()
    assert row.title == ""
    # A citation of the row links to the row's page.
    citation = row.citations.get()
    page = client_as("viewer").get(change_url(citation))
    assert page.status_code == 200
    assertContains(page, change_url(row))


@pytest.fixture
def conference_form(staff_world, client_as):
    conference = make_conference("Test Expo (admin)", publication=Publication.DRAFT)
    client = client_as("editor")
    return conference, client, form_of(client.get(change_url(conference)))


def test_a_speech_by_an_office_is_entered_in_the_conference_form(staff_world, conference_form):
    w = staff_world
    conference, client, data = conference_form
    guest = make_region("Testswitzerland")
    data["partner_regions"] = [str(guest.pk)]
    add_row(
        data,
        "speeches",
        {"organization": str(w["ministry"].pk), "role": "officiated", "mode": "in_person"},
    )
    response = client.post(change_url(conference), data)
    assert response.status_code == 302, messages_of(response)
    speech = conference.speeches.get()
    assert (speech.person, speech.who, speech.role) == (None, w["ministry"], "officiated")
    assert list(conference.partner_regions.all()) == [guest]


def test_a_speech_with_neither_person_nor_organization_is_refused_in_words(
    staff_world, conference_form
):
    conference, client, data = conference_form
    add_row(data, "speeches", {"role": "chair", "mode": "video", "title": "Someone"})
    response = client.post(change_url(conference), data)
    assert response.status_code == 200
    assert "Give the person, or the organization" in messages_of(response)
    assert not Speech.objects.filter(conference=conference).exists()


def test_a_series_venue_and_a_body_s_guides_are_entered_in_their_forms(staff_world, client_as):
    w = staff_world
    client = client_as("editor")
    series = make_series("Test Expo series (admin)", publication=Publication.DRAFT)
    data = form_of(client.get(change_url(series)))
    data.update(venue_region=str(w["town"].pk), venue=str(w["b"].pk))
    response = client.post(change_url(series), data)
    assert response.status_code == 302, messages_of(response)
    series.refresh_from_db()
    assert (series.venue_region, series.venue) == (w["town"], w["b"])

    alliance = make_alliance("Test Alliance (admin)", publication=Publication.DRAFT)
    data = form_of(client.get(change_url(alliance)))
    add_row(
        data,
        "bodies",
        {"kind": "secretariat", "name": "Test Secretariat", "guided_by": [str(w["ministry"].pk)]},
    )
    response = client.post(change_url(alliance), data)
    assert response.status_code == 302, messages_of(response)
    body = alliance.bodies.get()
    assert list(body.guided_by.all()) == [w["ministry"]]


# --------------------------------------------------------------------------- import


def run_import(text: str, user):
    return SpeechResource().import_data(read(text), dry_run=False, user=user)


@pytest.fixture
def importer(django_user_model):
    return django_user_model.objects.create_superuser("imp", "imp@x.org", "pw-for-tests-only")


def test_a_speech_file_row_may_name_an_office_and_no_person(world, importer):
    w = world
    conference = make_conference("Test Expo (import)", publication=Publication.DRAFT)
    text = (
        "conference,person,organization,role,summary\n"
        f"{conference.slug},,{w['ministry'].slug},officiated,Opened the fair.\n"
        f"{conference.slug},{w['zhu'].slug},{w['ministry'].slug},speaker,Spoke.\n"
    )
    result = run_import(text, importer)
    assert errors(result) == {}
    office = Speech.objects.get(conference=conference, person=None)
    assert (office.organization, office.role) == (w["ministry"], "officiated")
    assert Speech.objects.get(conference=conference, person=w["zhu"]).organization == w["ministry"]
    # The same file again changes nothing: each row finds its speech.
    run_import(text, importer)
    assert Speech.objects.filter(conference=conference).count() == 2


def test_a_speech_row_with_neither_person_nor_organization_is_an_error(world, importer):
    conference = make_conference("Test Expo (import 2)", publication=Publication.DRAFT)
    result = run_import(f"conference,person,organization\n{conference.slug},,\n", importer)
    found = errors(result)
    assert list(found) == [1], found
    assert "The person is empty" in " ".join(found[1]["person"])
    assert not Speech.objects.filter(conference=conference).exists()


def test_the_same_part_twice_is_refused(world):
    w = world
    person_row(w, w["faul"], "organized", cited=False)
    duplicate = PartnershipPerson(partnership=w["partnership"], person=w["faul"], role="organized")
    with pytest.raises(Exception, match="already has this role"):
        duplicate.full_clean()


def test_a_visit_whose_direction_is_not_reported_names_both_parties(world, client):
    w = world
    Visit.objects.filter(pk=w["visit"].pk).update(direction=VisitDirection.UNKNOWN)
    page = plain(client.get(w["partnership"].get_absolute_url()).content.decode())
    assert "Visit or activity between Maple Test School and " in page
    assert "which way not reported" not in page


def test_an_activity_named_by_its_source_reads_by_that_name_on_both_pages(world, client):
    w = world
    Visit.objects.filter(pk=w["visit"].pk).update(occasion="groundbreaking ceremony")
    person_row(w, w["zhu"], PersonRoleInPartnership.TOOK_PART, w["visit"])
    partnership_page = plain(client.get(w["partnership"].get_absolute_url()).content.decode())
    person_page = plain(client.get(w["zhu"].get_absolute_url()).content.decode())
    assert "Groundbreaking ceremony (" in partnership_page
    assert "Took part: Groundbreaking ceremony, 24 September 2017" in person_page


def test_a_planned_visit_reads_as_one_still_to_come(world, client):
    w = world
    Visit.objects.filter(pk=w["visit"].pk).update(
        direction=VisitDirection.A_TO_B, status=VisitStatus.PLANNED
    )
    page = plain(client.get(w["partnership"].get_absolute_url()).content.decode())
    assert "Maple Test School to visit " in page
    assert "Maple Test School visited " not in page


def several_schools(w):
    """Two published schools and a draft one sending the visit, two hosting it."""
    senders = [make_org(f"Harbour Sender School {n}", w["town"]) for n in (1, 2)]
    draft_sender = make_org("Draft Sender School", w["town"], publication=DRAFT)
    hosts = [make_org(f"Maple Host School {n}", w["a"].region) for n in (1, 2)]
    w["visit"].other_senders.set([*senders, draft_sender])
    w["visit"].hosts.set(hosts)
    return senders, hosts


def test_a_visit_sent_by_several_schools_and_hosted_by_others_names_them_all(world, client):
    w = world
    several_schools(w)
    page = plain(client.get(w["partnership"].get_absolute_url()).content.decode())
    assert "sent by Harbour Sender School 1, Harbour Sender School 2; hosted by Maple Host" in page
    assert "Maple Host School 1, Maple Host School 2" in page
    assert "Draft Sender School" not in page


def test_a_school_that_hosted_or_sent_a_visit_lists_it_on_its_page(world, client):
    w = world
    senders, hosts = several_schools(w)
    sent = plain(client.get(senders[1].get_absolute_url()).content.decode())
    hosted = plain(client.get(hosts[0].get_absolute_url()).content.decode())
    assert "Visits it sent" in sent
    assert "Visits it hosted" in hosted
    assert (
        w["partnership"].get_absolute_url()
        in client.get(hosts[0].get_absolute_url()).content.decode()
    )


def test_the_exports_name_every_sender_and_host_of_a_visit(world, client):
    w = world
    several_schools(w)
    url = "/partnerships/?format=json&country=testunion"
    (record,) = [r for r in json_rows(client.get(url)) if r["name"] == str(w["partnership"])]
    (visit,) = record["history"]["visits"]
    assert visit["also_sent_by"] == ["Harbour Sender School 1", "Harbour Sender School 2"]
    assert visit["hosted_by"] == ["Maple Host School 1", "Maple Host School 2"]


def test_a_speaker_s_organization_is_not_repeated_when_the_title_names_it(world, client):
    w = world
    conference = make_conference("Test Dialogue", host_region=w["town"])
    Speech.objects.create(
        conference=conference,
        person=w["faul"],
        organization=w["ministry"],
        title="head of the Test Ministry of Education",
    )
    Speech.objects.create(conference=conference, person=w["zhu"], organization=w["ministry"])
    page = plain(client.get(conference.get_absolute_url()).content.decode())
    assert "Tester Faul, head of the Test Ministry of Education Tester Zhu" in page
    assert "Test Ministry of Education, Test Ministry of Education" not in page
    assert "Tester Zhu, English teacher, Test Ministry of Education" in page


# --------------------------------------------------------------------------- titles at events


@pytest.fixture
def speaker(db):
    land = make_region("Titleland")
    person = make_person("Du Testbo", organization=make_org("Association of Higher Study", land))
    person.position = "Former deputy minister"
    person.save()
    return person


def speech_row_text(client, conference) -> str:
    page = plain(client.get(conference.get_absolute_url()).content.decode())
    return page[page.index("People at the event") :]


def test_a_title_as_the_source_gives_it_stands_without_the_persons_other_organization(
    client, speaker
):
    """Trial 13: the row showed an organization from the person's record that this source
    never gave them."""
    conference = make_conference("Title Test Meeting")
    Speech.objects.create(
        conference=conference, person=speaker, title="deputy minister of education, retired"
    )
    row = speech_row_text(client, conference)
    assert "Du Testbo, deputy minister of education, retired" in row
    assert "Association of Higher Study" not in row


def test_without_a_title_of_its_own_the_row_shows_the_persons_position(client, speaker):
    conference = make_conference("Title Test Meeting")
    Speech.objects.create(conference=conference, person=speaker)
    row = speech_row_text(client, conference)
    assert "Du Testbo, Former deputy minister, Association of Higher Study" in row


@pytest.mark.parametrize("titled", [False, True], ids=["position", "title-at-the-event"])
def test_a_draft_organization_is_not_named_beside_a_person_at_an_event(client, db, titled):
    land = make_region("Hiddenorgland")
    person = make_person("Shown Testspeaker", organization=make_org("Draft Test Academy", land))
    person.organization.publication = DRAFT
    person.organization.save()
    conference = make_conference("Draft Org Test Meeting")
    Speech.objects.create(
        conference=conference,
        person=person,
        title="rector" if titled else "",
        organization=person.organization if titled else None,
    )
    row = speech_row_text(client, conference)
    assert "Shown Testspeaker" in row
    assert "Draft Test Academy" not in row


def test_a_message_sent_to_an_event_reads_so(client, db):
    """Trial 15: two welcome speeches were sent to the forum, not given there."""
    conference = make_conference("Message Test Forum")
    Speech.objects.create(
        conference=conference, person=make_person("Sent Testmessage"), mode=Speech.Mode.MESSAGE
    )
    assert "Sent Testmessage, Principal (by a message sent)" in speech_row_text(client, conference)


def test_the_people_on_a_visit_are_listed_without_a_space_before_the_semicolons(client, world):
    w = world
    person_row(w, w["zhu"], "interpreted", w["visit"], title="English teacher")
    person_row(w, w["faul"], "went", w["visit"])
    page = client.get(w["partnership"].get_absolute_url()).content.decode()
    assert " ;" not in plain(page)


# ------------------------------------------------------------ a group at an event (trial 17)


def test_a_group_the_source_names_without_anyone_is_entered_in_the_conference_form(
    staff_world, conference_form, client
):
    conference, editor, data = conference_form
    add_row(
        data,
        "speeches",
        {"group": "heads of Russian universities", "role": "attendee", "mode": "video"},
    )
    response = editor.post(change_url(conference), data)
    assert response.status_code == 302, messages_of(response)
    speech = conference.speeches.get()
    assert (speech.person, speech.organization, speech.group) == (
        None,
        None,
        "heads of Russian universities",
    )
    Conference.objects.filter(pk=conference.pk).update(publication=Publication.PUBLISHED)
    page = client.get(conference.get_absolute_url()).content.decode()
    assert (
        'heads of Russian universities <span class="muted">(no one named)</span> '
        '<span class="muted">(by video link)</span>'
    ) in page


def test_a_group_beside_a_person_is_refused_in_words(staff_world, conference_form):
    w = staff_world
    conference, editor, data = conference_form
    add_row(
        data,
        "speeches",
        {"person": str(w["zhu"].pk), "group": "rectors", "role": "attendee", "mode": "video"},
    )
    response = editor.post(change_url(conference), data)
    assert response.status_code == 200
    assert "A group is for when no person is named" in messages_of(response)
    assert not Speech.objects.filter(conference=conference).exists()


def test_an_organization_page_names_its_group_at_an_event(client, db):
    from tests.test_views import make_org

    university = make_org("Minsk Radio University", make_region("Minsk"), kind="university")
    forum = make_conference("Union Forum")
    Speech.objects.create(
        conference=forum, organization=university, group="teachers", role="attendee"
    )
    page = client.get(university.get_absolute_url()).content.decode()
    assert 'Union Forum</a> <span class="muted">1 May 2024</span> — teachers' in page
