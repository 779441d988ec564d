"""Gaps met by entry trial 20 (helpers entering unseen real reports through the admin)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from partnerships.models import (
    AllianceBody,
    AllianceDocument,
    AllianceEvent,
    ConferenceDocument,
    Organization,
    PartnershipParty,
    PartnershipPerson,
    SisterSchoolPartnership,
    Source,
    Visit,
)
from partnerships.templatetags.partnerships_tags import language_name
from tests.test_detail_sources import text
from tests.test_views import (
    DRAFT,
    make_alliance,
    make_conference,
    make_figure,
    make_org,
    make_partnership,
    make_person,
    make_region,
    make_source,
    make_speech,
)

from .adminforms import add_row, change_url, form_of, messages_of

# ------------------------------------------------- an organization's part in a conference


@pytest.fixture
def ministers_meeting(db):
    astana = make_region("Test Astana")
    meeting = make_conference("Meeting of education ministers", astana)
    ministry = make_org("Test Ministry of Education", astana)
    government = make_org("Test Government of Kazakhstan", astana)
    meeting.organizers.add(ministry)
    meeting.co_organizers.add(government)
    return meeting, ministry, government


def test_a_co_organizer_page_says_it_co_organized_or_supported_the_conference(
    client, ministers_meeting
):
    meeting, _ministry, government = ministers_meeting
    page = text(client.get(government.get_absolute_url()))
    assert f"{meeting.name} {meeting.dates_display} — co-organized or supported it" in page
    assert "— organized it" not in page


def test_an_organizer_page_says_it_organized_the_conference(client, ministers_meeting):
    meeting, ministry, _government = ministers_meeting
    page = text(client.get(ministry.get_absolute_url()))
    assert f"{meeting.name} {meeting.dates_display} — organized it" in page
    assert "co-organized or supported it" not in page


def test_a_venue_that_also_organized_shows_both_parts(client, ministers_meeting):
    meeting, ministry, _government = ministers_meeting
    meeting.venue = ministry
    meeting.save()
    page = text(client.get(ministry.get_absolute_url()))
    assert f"{meeting.name} {meeting.dates_display} — hosted it (venue), organized it" in page


# ------------------------------------------------------------ an intergovernmental body


def test_an_intergovernmental_organization_is_a_kind_of_its_own(client, db):
    sco = make_org("Test Shanghai Cooperation Organisation", kind="intergovernmental")
    sco.full_clean()
    assert "Kind Intergovernmental organization" in text(client.get(sco.get_absolute_url()))


# ----------------------------------------------- where an alliance's event happened (an org)


@pytest.fixture
def founded_at_a_campus(db):
    shenzhen = make_region("Test Shenzhen")
    campus = make_org("Test HIT Shenzhen campus", shenzhen, kind="university")
    alliance = make_alliance("Test Association of Technical Universities")
    event = AllianceEvent.objects.create(
        alliance=alliance,
        kind=AllianceEvent.Kind.FOUNDED,
        occurred_on=datetime.date(2011, 1, 1),
        occurred_precision="year",
        place=shenzhen,
        venue=campus,
    )
    return alliance, event, campus


def test_an_editor_enters_the_organization_an_alliance_was_founded_at(client_as, db):
    campus = make_org("Test HIT Shenzhen campus", kind="university")
    alliance = make_alliance("Test Association of Technical Universities", publication=DRAFT)
    source = make_source("Test report on the association")
    editor = client_as("editor")
    data = form_of(editor.get(change_url(alliance)))
    add_row(
        data,
        "events",
        {
            "kind": "founded",
            "occurred_on": "2011-01-01",
            "occurred_precision": "year",
            "venue": str(campus.pk),
            "source": str(source.pk),
            "paragraph": "4",
        },
    )
    response = editor.post(change_url(alliance), data)
    assert response.status_code == 302, messages_of(response)
    assert alliance.events.get().venue == campus


def test_the_alliance_page_names_the_organization_its_event_was_held_at(
    client, founded_at_a_campus
):
    alliance, _event, campus = founded_at_a_campus
    page = text(client.get(alliance.get_absolute_url()))
    assert "Founded 2011, Test Shenzhen at Test HIT Shenzhen campus" in page


def test_the_organization_page_lists_the_alliance_events_held_there(client, founded_at_a_campus):
    alliance, _event, campus = founded_at_a_campus
    page = text(client.get(campus.get_absolute_url()))
    assert f"Alliances’ governance events held here Founded 2011: {alliance.name}" in page


def test_a_draft_alliance_event_held_at_an_organization_is_not_on_its_page(
    client, founded_at_a_campus
):
    alliance, _event, campus = founded_at_a_campus
    alliance.publication = DRAFT
    alliance.save()
    page = text(client.get(campus.get_absolute_url()))
    assert "governance events held here" not in page
    assert alliance.name not in page


# ------------------------------------------------------- a document everyone signed


def test_a_document_all_members_signed_says_so_on_the_alliance_page(client, db):
    alliance = make_alliance("Test Association of Technical Universities")
    AllianceDocument.objects.create(
        alliance=alliance, kind="declaration", title="Founding declaration", issued_by_all=True
    )
    page = text(client.get(alliance.get_absolute_url()))
    assert "Founding declaration Declaration Issued or signed by all members at the time" in page


def test_a_document_all_participants_signed_says_so_on_the_conference_page(client, db):
    meeting = make_conference("Test meeting of ministers")
    ConferenceDocument.objects.create(
        conference=meeting, kind="declaration", title="Joint communiqué", issued_by_all=True
    )
    page = text(client.get(meeting.get_absolute_url()))
    assert "Joint communiqué Declaration Issued or signed by all taking part" in page


# ------------------------------------------------------------- a source's editors


def test_a_source_page_names_the_editors_and_reviewers(client, db):
    source = make_source("Test news item", editors="edited by Sun Jia, reviewed by Wang Li")
    page = text(client.get(source.get_absolute_url()))
    assert "Editors or reviewers edited by Sun Jia, reviewed by Wang Li" in page


def test_an_editor_enters_a_sources_editors_in_its_form(client_as, db):
    editor = client_as("editor")
    url = reverse("admin:partnerships_source_add")
    data = form_of(editor.get(url))
    data.update(
        title="Test news item",
        outlet="Test University news",
        summary="Our summary.",
        editors="reviewed by Wang Li",
    )
    response = editor.post(url, data)
    assert response.status_code == 302, messages_of(response)
    assert Source.objects.get(title="Test news item").editors == "reviewed by Wang Li"


# ------------------------------------------------ a person tied to a country, no organization


@pytest.fixture
def ambassador(db):
    tajikistan = make_region("Test Tajikistan")
    person = make_person("Test Nazirmad Alizoda", position="Ambassador to Kazakhstan")
    person.country = tajikistan
    person.save()
    return person, tajikistan


def test_a_person_without_an_organization_is_found_under_their_country(client, ambassador):
    person, tajikistan = ambassador
    page = text(client.get(reverse("person-list"), {"region": tajikistan.slug}))
    assert person.name in page
    other = make_region("Test Kyrgyzstan")
    assert person.name not in text(client.get(reverse("person-list"), {"region": other.slug}))


def test_a_person_page_names_their_country(client, ambassador):
    person, tajikistan = ambassador
    assert "Country Test Tajikistan" in text(client.get(person.get_absolute_url()))


def test_a_draft_country_is_not_named_on_a_person_page(client, ambassador):
    person, tajikistan = ambassador
    tajikistan.publication = DRAFT
    tajikistan.save()
    assert "Test Tajikistan" not in text(client.get(person.get_absolute_url()))


def test_a_province_is_refused_as_a_persons_country(ambassador):
    person, tajikistan = ambassador
    person.country = make_region("Test Sughd", kind="province", parent=tajikistan)
    with pytest.raises(ValidationError) as refused:
        person.full_clean()
    assert "country" in refused.value.message_dict


# ------------------------------------------- organizations the source names only together


def test_several_unnamed_organizations_read_as_their_kind_in_the_plural(db):
    kazakhstan = make_region("Test Kazakhstan")
    helpers = Organization(name_not_given=True, several=True, kind="university", region=kazakhstan)
    helpers.full_clean()
    helpers.save()
    assert helpers.name == "Universities and colleges in Test Kazakhstan (names not given)"


def test_ticking_several_later_renames_an_unnamed_organization(db):
    kazakhstan = make_region("Test Kazakhstan")
    helper = Organization(name_not_given=True, kind="university", region=kazakhstan)
    helper.full_clean()
    helper.save()
    assert helper.name == "University or college in Test Kazakhstan (name not given)"
    helper.several = True
    helper.full_clean()
    assert helper.name == "Universities and colleges in Test Kazakhstan (names not given)"


def test_several_with_a_name_given_is_a_form_error(db):
    named = Organization(name="Test Kazakh National University", kind="university", several=True)
    with pytest.raises(ValidationError) as refused:
        named.full_clean()
    assert "several" in refused.value.message_dict


def test_an_editor_adds_several_unnamed_universities_as_co_organizers(client_as, db):
    kazakhstan = make_region("Test Kazakhstan")
    editor = client_as("editor")
    url = reverse("admin:partnerships_organization_add")
    data = form_of(editor.get(url))
    data.update(name="", name_not_given="on", several="on", kind="university")
    data["region"] = str(kazakhstan.pk)
    response = editor.post(url, data)
    assert response.status_code == 302, messages_of(response)
    helpers = Organization.objects.get(several=True)
    meeting = make_conference("Test meeting of ministers")
    meeting.co_organizers.add(helpers)
    helpers.publication = "published"
    helpers.save()
    page = text(Client().get(meeting.get_absolute_url()))
    assert "Universities and colleges in Test Kazakhstan (names not given)" in page


# ------------------------------------------------- a conference's people named in part


def test_a_conference_whose_people_are_named_in_part_says_so(client, db):
    meeting = make_conference("Test meeting of ministers", more_people_unnamed=True)
    make_speech(make_person("Test Olga Vasilyeva"), meeting)
    page = text(client.get(meeting.get_absolute_url()))
    assert "Others took part whom the sources do not name." in page


def test_a_conference_whose_people_are_all_named_does_not_say_so(client, db):
    meeting = make_conference("Test meeting of ministers")
    make_speech(make_person("Test Olga Vasilyeva"), meeting)
    page = text(client.get(meeting.get_absolute_url()))
    assert "whom the sources do not name" not in page


# ------------------------------------------------------ a name written in another script


@pytest.mark.parametrize(
    "code, name",
    [
        ("zh-Latn", "Chinese, Latin script"),
        ("mn-Cyrl", "Mongolian, Cyrillic script"),
        ("zh", "Chinese"),
        ("zh-Hans", "Simplified Chinese"),
        ("ru-RU", "Russian"),
    ],
)
def test_a_language_code_with_a_script_names_the_script(code, name):
    assert language_name(code) == name


# ------------------------------------------------ a school visit's programme (entry trial 21)


def visit_of_kazan(client_as, w, **values):
    """An editor adds the Changsha school's visit to Kazan with its programme."""
    partnership = w["partnership"]
    SisterSchoolPartnership.objects.filter(pk=partnership.pk).update(publication=DRAFT)
    university = make_org("Test Kazan Federal University", kind="university")
    editor = client_as("editor")
    data = form_of(editor.get(change_url(partnership)))
    add_row(
        data,
        "visits",
        {
            "direction": "a_to_b",
            "status": "done",
            "visited_on": "0001-10-27",
            "visited_precision": "day_month",
            "ends_on": "0001-10-31",
            "ordinal": "2",
            "aims": "A joint programme of cultural and academic exchange",
            "programme": "Lesson: Russian language\nMasterclass: Tatar ornament\n"
            "Excursion to Sviyazhsk",
            "organizations_visited": str(university.pk),
            "source": str(w["source"].pk),
            "paragraph": "2",
            **values,
        },
    )
    response = editor.post(change_url(partnership), data)
    assert response.status_code == 302, messages_of(response)
    SisterSchoolPartnership.objects.filter(pk=partnership.pk).update(publication="published")
    return partnership.visits.get(), university


def test_an_editor_enters_a_visits_programme_aims_and_the_bodies_it_went_to(client_as, visit_world):
    visit, university = visit_of_kazan(client_as, visit_world)
    assert visit.programme_list == [
        "Lesson: Russian language",
        "Masterclass: Tatar ornament",
        "Excursion to Sviyazhsk",
    ]
    assert visit.aims_list == ["A joint programme of cultural and academic exchange"]
    assert (visit.ordinal, list(visit.organizations_visited.all())) == (2, [university])


def test_the_partnership_page_shows_the_visits_programme(client, client_as, visit_world):
    visit_of_kazan(client_as, visit_world)
    page = text(client.get(visit_world["partnership"].get_absolute_url()))
    assert "the 2nd such visit, as the source counts them" in page
    assert "What it was for: A joint programme of cultural and academic exchange" in page
    assert (
        "Programme: Lesson: Russian language; Masterclass: Tatar ornament; Excursion to "
        "Sviyazhsk" in page
    )
    assert "Also visited: Test Kazan Federal University" in page


def test_a_search_for_a_place_on_the_programme_finds_the_partnership(
    client, client_as, visit_world
):
    visit_of_kazan(client_as, visit_world)
    page = text(client.get(reverse("partnership-list"), {"q": "Sviyazhsk"}))
    assert str(visit_world["partnership"]) in page


def test_the_organization_visited_lists_the_visit(client, client_as, visit_world):
    _visit, university = visit_of_kazan(client_as, visit_world)
    page = text(client.get(university.get_absolute_url()))
    assert "Visits that went to it (not as their host)" in page
    assert str(visit_world["a"]) in page


def test_a_visit_number_of_zero_is_a_form_error(client_as, visit_world):
    with pytest.raises(AssertionError, match="Ensure this value is greater than or equal to 1"):
        visit_of_kazan(client_as, visit_world, ordinal="0")


# ------------------------------------- an alliance's meeting (entry trial 21, JSNU's alliance)


@pytest.fixture
def alliance_meeting(db):
    alliance = make_alliance("Test Alliance of Sino-Russian Cooperation Universities")
    meeting = make_conference("Test 4th meeting of the alliance", alliance=alliance)
    return alliance, meeting


def test_a_meeting_of_an_alliance_without_organizers_does_not_say_they_are_not_reported(
    client, alliance_meeting
):
    _alliance, meeting = alliance_meeting
    page = text(client.get(meeting.get_absolute_url()))
    assert "Meeting of Test Alliance of Sino-Russian Cooperation Universities" in page
    assert "Organizers Not reported" not in page


def test_a_conference_without_organizers_or_alliance_says_they_are_not_reported(client, db):
    meeting = make_conference("Test forum")
    assert "Organizers Not reported" in text(client.get(meeting.get_absolute_url()))


def test_a_speaker_on_behalf_of_the_alliance_is_shown_so(client, alliance_meeting):
    alliance, meeting = alliance_meeting
    speech = make_speech(make_person("Test Zhou Hanmin"), meeting)
    speech.for_alliance = alliance
    speech.save()
    page = text(client.get(meeting.get_absolute_url()))
    assert f"Test Zhou Hanmin, Principal (on behalf of {alliance.name})" in page


def test_a_body_set_up_needs_the_body(alliance_meeting):
    alliance, _meeting = alliance_meeting
    event = AllianceEvent(alliance=alliance, kind=AllianceEvent.Kind.BODY_SET_UP)
    with pytest.raises(ValidationError) as refused:
        event.full_clean()
    assert "body" in refused.value.message_dict


def test_another_alliances_body_is_refused(alliance_meeting):
    alliance, _meeting = alliance_meeting
    other = make_alliance("Test other alliance")
    body = AllianceBody.objects.create(alliance=other, kind="committee", name="Test committee")
    event = AllianceEvent(alliance=alliance, kind=AllianceEvent.Kind.BODY_SET_UP, body=body)
    with pytest.raises(ValidationError) as refused:
        event.full_clean()
    assert refused.value.message_dict["body"] == ["Choose one of this alliance's own bodies."]


def test_the_alliance_page_names_the_body_set_up(client, alliance_meeting):
    alliance, _meeting = alliance_meeting
    body = AllianceBody.objects.create(
        alliance=alliance, kind="committee", name="Test Committee of Experts"
    )
    AllianceEvent.objects.create(
        alliance=alliance,
        kind=AllianceEvent.Kind.BODY_SET_UP,
        body=body,
        occurred_on=datetime.date(2023, 5, 13),
        occurred_precision="day",
    )
    page = text(client.get(alliance.get_absolute_url()))
    assert "Body set up: Test Committee of Experts 13 May 2023" in page


def test_the_event_form_offers_only_the_alliances_own_bodies(client_as, alliance_meeting):
    alliance, _meeting = alliance_meeting
    own = AllianceBody.objects.create(alliance=alliance, kind="committee", name="Own committee")
    other = make_alliance("Test other alliance")
    AllianceBody.objects.create(alliance=other, kind="committee", name="Foreign committee")
    form = client_as("editor").get(change_url(alliance)).content.decode()
    events_part = form[form.index('id="events-group"') :]
    assert f'value="{own.pk}">Own committee' in events_part
    assert "Foreign committee" not in events_part


def test_the_history_says_where_entries_without_a_date_go(client, client_as, visit_world):
    visit_of_kazan(client_as, visit_world)
    page = text(client.get(visit_world["partnership"].get_absolute_url()))
    assert "oldest first (those the sources do not date last)" in page


# ------------------------------------------- a contest, an alliance's clusters (entry trial 22)


@pytest.fixture
def contest(db):
    return make_conference(
        "Test 6th Chinese Bridge contest for Russian students",
        kind="contest",
        programme="Speeches on a theme\nTalent show\nCollective conversation",
    )


def test_a_contest_says_what_kind_of_event_it_is(client, contest):
    page = text(client.get(contest.get_absolute_url()))
    assert "Kind of event Contest, competition or olympiad" in page


def test_an_event_of_no_reported_kind_shows_none(client, db):
    meeting = make_conference("Test forum")
    assert "Kind of event" not in text(client.get(meeting.get_absolute_url()))


def test_a_search_for_an_item_of_the_programme_finds_the_event(client, contest):
    found = text(client.get(reverse("conference-list"), {"q": "talent show"}))
    assert contest.name in found
    assert contest.name not in text(client.get(reverse("conference-list"), {"q": "karaoke"}))


def test_places_named_in_part_are_followed_by_others(client, contest):
    contest.participating_regions.add(make_region("Test Kazan"), make_region("Test Moscow"))
    contest.more_regions_unnamed = True
    contest.save()
    page = text(client.get(contest.get_absolute_url()))
    assert "Test Kazan, Test Moscow, and others the sources do not name" in page


def test_a_judge_on_the_jury_is_shown_so(client, contest):
    speech = make_speech(make_person("Test Ramil Khairutdinov"), contest)
    speech.role = "judge"
    speech.save()
    page = text(client.get(contest.get_absolute_url()))
    assert "Judged (on the jury) Test Ramil Khairutdinov" in page


def test_an_audience_is_counted_apart_from_participants(client, contest):
    make_figure(contest, 600, metric="audience", qualifier="over", description="")
    page = text(client.get(contest.get_absolute_url()))
    assert "over 600 audience or viewers" in page


def test_an_alliance_is_found_by_the_name_of_one_of_its_bodies(client, db):
    alliance = make_alliance("Test China-Belarus University Alliance")
    AllianceBody.objects.create(
        alliance=alliance, kind="cluster", name="Cluster of digital technology"
    )
    found = text(client.get(reverse("alliance-list"), {"q": "digital technology"}))
    assert alliance.name in found
    page = text(client.get(alliance.get_absolute_url()))
    assert "Cluster of digital technology Cluster or working group" in page


def test_a_joint_institute_lists_its_tasks(client, db):
    institute = make_org(
        "Test Confucius Institute at Gomel State University",
        kind="joint_institute",
        aims="Teaching Chinese\nHolding HSK examinations",
    )
    page = text(client.get(institute.get_absolute_url()))
    assert "Aims or tasks Teaching Chinese Holding HSK examinations" in page
    found = text(client.get(reverse("organization-list"), {"q": "HSK examinations"}))
    assert institute.name in found


# ------------------------------------------------------------------ entry trial 23


def test_a_partnership_between_education_authorities_is_not_called_comprehensive(client, db):
    gyeonggi = make_org("Test Gyeonggi Office of Education", kind="authority")
    shandong = make_org("Test Shandong Department of Education", kind="authority")
    pair = make_partnership(gyeonggi, shandong, level="comprehensive")
    page = text(client.get(pair.get_absolute_url()))
    assert "Level Between education authorities" in page
    assert "omprehensive" not in page


def test_an_exchange_online_does_not_read_as_a_visit(client, visit_world):
    partnership = visit_world["partnership"]
    Visit.objects.create(
        partnership=partnership, direction="a_to_b", format="online", occasion="first contact"
    )
    page = text(client.get(partnership.get_absolute_url()))
    assert f"First contact (From {partnership.party_a} to {partnership.party_b})" in page
    assert f"{partnership.party_a} visited" not in page


def test_a_tie_under_discussion_is_not_said_to_be_announced(client, visit_world):
    partnership = visit_world["partnership"]
    partnership.status = "planned"
    partnership.save()
    page = text(client.get(partnership.get_absolute_url()))
    assert "Status Planned or announced, not yet signed" in page


def test_a_body_that_permitted_it_is_shown_as_not_a_party(client, visit_world):
    partnership = visit_world["partnership"]
    board = make_org("Test township board of education", kind="school_board")
    PartnershipParty.objects.create(partnership=partnership, organization=board, role="approved")
    page = text(client.get(partnership.get_absolute_url()))
    assert "Approved or permitted it (not a party) Test township board of education" in page


def test_a_president_who_received_the_guests_is_shown_so(client, db):
    ceremony = make_conference("Test founding ceremony of a transport alliance")
    speech = make_speech(make_person("Test Sha Aimin"), ceremony)
    speech.role = "received"
    speech.save()
    page = text(client.get(ceremony.get_absolute_url()))
    assert "Received or met the guests Test Sha Aimin" in page


def test_an_alliance_can_be_about_engineering_and_infrastructure(client, db):
    alliance = make_alliance("Test alliance for transport talent", focus="engineering")
    alliance.full_clean()
    page = text(client.get(alliance.get_absolute_url()))
    assert "Engineering and infrastructure" in page


def test_the_leader_of_a_visit_is_named_before_its_members(client, visit_world):
    partnership = visit_world["partnership"]
    visit = Visit.objects.create(partnership=partnership, direction="a_to_b")
    for name, role in (("Test Member One", "went"), ("Test Leader", "led")):
        PartnershipPerson.objects.create(
            partnership=partnership, visit=visit, person=make_person(name), role=role
        )
    page = text(client.get(partnership.get_absolute_url()))
    assert page.index("Test Leader") < page.index("Test Member One")


def test_the_people_list_filters_by_country_as_the_other_lists_do(client, ambassador):
    person, tajikistan = ambassador
    in_china = make_person("Test Xi Person", make_org("Test Ministry", make_region("Test China")))
    page = text(client.get(reverse("person-list"), {"country": tajikistan.slug}))
    assert person.name in page
    assert in_china.name not in page


def test_a_campus_area_in_hectares_reads_as_land(client, db):
    campus = make_org("Test Shenzhen MSU-BIT University", kind="university")
    make_figure(campus, 33.4, metric="area_ha", qualifier="exact", description="")
    page = text(client.get(campus.get_absolute_url()))
    assert "33.4 hectares of land" in page


def test_a_visit_the_organization_hosted_is_not_listed_again_as_a_stop(
    client, client_as, visit_world
):
    visit, university = visit_of_kazan(client_as, visit_world)
    visit.hosts.add(university)
    page = text(client.get(university.get_absolute_url()))
    assert "Visits it hosted" in page
    assert "Visits that went to it (not as their host)" not in page


def test_the_organization_page_names_the_body_set_up_there(client, alliance_meeting):
    alliance, _meeting = alliance_meeting
    campus = make_org("Test Shenzhen MSU-BIT University", kind="university")
    body = AllianceBody.objects.create(alliance=alliance, kind="committee", name="Test Committee")
    AllianceEvent.objects.create(
        alliance=alliance,
        kind=AllianceEvent.Kind.BODY_SET_UP,
        body=body,
        venue=campus,
        occurred_on=datetime.date(2023, 5, 13),
        occurred_precision="day",
    )
    page = text(client.get(campus.get_absolute_url()))
    assert f"Body set up: Test Committee 13 May 2023: {alliance.name}" in page
