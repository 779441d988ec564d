"""Facts from trial entry of real cases that had no field or read wrongly: founding and joining
years, a joint institute set up under a partnership, a conference's wider occasion and topics,
members not named, dashes in searches, an organization's province. Kept apart from
test_findability, whose later tests share its module-wide real-case fixtures."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from partnerships.models import (
    AllianceMembership,
    MemberRole,
    Organization,
    PartnershipLevel,
)
from tests.test_detail_sources import plain
from tests.test_views import (
    csv_rows,
    facet,
    json_rows,
    listed,
    listed_partnerships,
    make_alliance,
    make_conference,
    make_org,
    make_partnership,
    make_person,
    make_region,
)

# ------------------------------------------------------------ founding and joining years


def test_an_organization_page_shows_the_year_it_was_founded(client, places):
    org = make_org("Strelsau Polytechnic", places["city"], founded_year=1896)
    page = client.get(org.get_absolute_url()).content.decode()
    assert "<dt>Founded</dt><dd>1896" in page


def test_an_alliance_page_shows_the_year_a_member_joined(client, places):
    alliance = make_alliance("Joined Alliance")
    member = make_org("Strelsau University", places["city"])
    AllianceMembership.objects.create(
        alliance=alliance, organization=member, role=MemberRole.MEMBER, since_year=2011
    )
    page = client.get(alliance.get_absolute_url()).content.decode()
    assert "Member, since 2011" in page


@pytest.mark.parametrize("year", [99, 3000])
def test_a_founding_year_out_of_range_is_refused_in_words(db, places, year):
    org = Organization(name="Odd School", kind="school", region=places["city"], founded_year=year)
    with pytest.raises(ValidationError) as caught:
        org.full_clean()
    assert "founded_year" in caught.value.message_dict


def test_a_joint_institute_set_up_under_a_partnership_is_linked_both_ways(client, places):
    from partnerships.models import PartnershipParty, PartyRole

    a = make_org("Strelsau University", places["city"], kind="university")
    b = make_org("Elsewhere University", places["elsewhere"], kind="university")
    partnership = make_partnership(a, b, level=PartnershipLevel.UNIVERSITY)
    institute = make_org("Strelsau–Elsewhere Institute", places["city"], kind="university")
    PartnershipParty.objects.create(
        partnership=partnership, organization=institute, role=PartyRole.SET_UP
    )
    institute_page = client.get(institute.get_absolute_url()).content.decode()
    partnership_page = client.get(partnership.get_absolute_url()).content.decode()
    assert partnership.get_absolute_url() in institute_page
    assert "set up under it (a joint institute or centre; not a party)" in institute_page
    assert institute.get_absolute_url() in partnership_page


def test_a_conference_page_says_what_wider_occasion_it_was_held_as_part_of(client, db):
    forum = make_conference("Rector Forum", part_of_occasion="Years of Science and Innovation")
    page = client.get(forum.get_absolute_url()).content.decode()
    assert "<dt>Held as part of</dt><dd>Years of Science and Innovation" in page


def test_the_conference_export_carries_the_wider_occasion(client, db):
    make_conference("Rector Forum", part_of_occasion="Years of Science and Innovation")
    (row,) = csv_rows(client.get("/conferences/?format=csv"))
    assert row["held_as_part_of"] == "Years of Science and Innovation"


def test_an_alliance_page_says_when_some_members_are_not_named(client, places):
    member = make_org("Strelsau University", places["city"])
    alliance = make_alliance("Partly Named Alliance", members=[member], more_members_unnamed=True)
    page = client.get(alliance.get_absolute_url()).content.decode()
    assert "And other members that the sources do not name." in page


def test_the_alliance_export_says_when_some_members_are_not_named(client, places):
    make_alliance("Partly Named Alliance", more_members_unnamed=True)
    (row,) = json_rows(client.get("/alliances/?format=json"))
    assert row["more_members_unnamed"] is True


@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("China–ASEAN Education Cooperation Week", "11th China-ASEAN"),
        ("China-ASEAN Education Cooperation Week", "China–ASEAN week"),
        ("China—ASEAN Education Cooperation Week", "china-asean"),
    ],
    ids=["en-dash-name-hyphen-query", "hyphen-name-en-dash-query", "em-dash-name"],
)
def test_a_search_treats_dashes_and_hyphens_alike(client, db, name, query):
    make_conference(f"11th {name}")
    make_conference("Another Forum")
    assert listed(client.get("/conferences/", {"q": query})) == [f"11th {name}"]


def test_a_conference_without_figures_does_not_point_to_figures_above(client, db):
    forum = make_conference("Figureless Forum")
    page = client.get(forum.get_absolute_url()).content.decode()
    assert "No alliance or partnership founded here is recorded." in page
    assert "reported figures above" not in page


def test_a_conference_s_topics_are_on_its_page_in_its_export_and_searched(client, db):
    forum = make_conference("Rector Dialogue", topics="Joint laboratories\nStudent <exchange>")
    make_conference("Another Forum")
    page = client.get(forum.get_absolute_url()).content.decode()
    assert "<dt>Topics</dt><dd>Joint laboratories; Student &lt;exchange&gt;</dd>" in page
    assert listed(client.get("/conferences/", {"q": "laboratories"})) == ["Rector Dialogue"]
    rows = {row["name"]: row for row in csv_rows(client.get("/conferences/?format=csv"))}
    assert rows["Rector Dialogue"]["topics"] == "Joint laboratories; Student <exchange>"


def test_an_organization_page_names_its_city_province_and_country(client, places):
    org = make_org("Strelsau Grammar School", places["city"])
    page = plain(client.get(org.get_absolute_url()).content.decode())
    assert "Region Strelsau, Strel Province, Ruritania" in page


@pytest.mark.parametrize(
    "query",
    [
        "City of Tacoma – City of Fuzhou",
        "Tacoma-Fuzhou",
        "Tacoma—Fuzhou",
        "Tacoma/Fuzhou",
        "(Tacoma) & Fuzhou",
    ],
)
def test_a_search_for_a_partnership_s_title_as_written_finds_it(client, db, query):
    make_partnership(
        make_org("City of Tacoma", kind="government"),
        make_org("City of Fuzhou", kind="government"),
        level=PartnershipLevel.GOVERNMENT,
    )
    make_partnership(make_org("Hillside School"), make_org("Other Middle School"))
    response = client.get("/partnerships/", {"q": query})
    assert {str(p) for p in response.context["object_list"]} == {"City of Tacoma – City of Fuzhou"}


def test_a_word_after_a_minus_is_left_out_of_a_search(client, db):
    make_conference("Jiangsu Forum on Canada")
    make_conference("Jiangsu Forum on Russia")
    assert listed(client.get("/conferences/", {"q": "Jiangsu Forum -Canada"})) == [
        "Jiangsu Forum on Russia"
    ]


# ------------------------------------------------------------ conferences by country


def test_the_conference_list_filters_by_country_as_the_other_lists_do(client, places):
    make_conference("Strelsau Forum", host_region=places["city"])
    make_conference("Forum Elsewhere", host_region=places["elsewhere"])
    response = client.get("/conferences/", {"country": places["country"].slug})
    assert response.status_code == 200
    assert listed(response) == ["Strelsau Forum"]


# ------------------------------------------------------------ trials 5 and 6 (2026-12-07)


def test_a_joint_event_of_both_parties_does_not_read_as_visits_both_ways(client, places):
    from partnerships.models import Visit, VisitDirection

    a = make_org("Strelsau University", places["city"], kind="university")
    b = make_org("Elsewhere University", places["elsewhere"], kind="university")
    partnership = make_partnership(a, b, level=PartnershipLevel.UNIVERSITY)
    Visit.objects.create(
        partnership=partnership,
        direction=VisitDirection.JOINT,
        occasion="online anniversary meeting",
        visited_on=datetime.date(2022, 4, 1),
        visited_precision="month",
    )
    page = plain(client.get(partnership.get_absolute_url()).content.decode())
    assert "Joint event of Strelsau University and Elsewhere University" in page
    assert "Visits both ways" not in page


def test_co_organizers_are_named_apart_from_who_carried_it_out(client, places):
    host = make_org("Strelsau University", places["city"], kind="university")
    helper = make_org("Strel Forestry University", places["city"], kind="university")
    forum = make_conference("Strelsau Network Forum", places["city"], organizers=[host])
    forum.co_organizers.set([helper])
    page = plain(client.get(forum.get_absolute_url()).content.decode())
    assert "Co-organized or supported by Strel Forestry University" in page
    assert "Carried out by" not in page
    (row,) = csv_rows(client.get("/conferences/?format=csv"))
    assert row["co_organizers"] == "Strel Forestry University"
    assert "Strelsau Network Forum" in plain(client.get(helper.get_absolute_url()).content.decode())


def test_a_conference_s_aims_are_on_its_page_in_its_export_and_searched(client, db):
    make_conference("Rector Forum", aims="mutual understanding between universities")
    forum_page = plain(client.get("/conferences/rector-forum/").content.decode())
    assert "Aims mutual understanding between universities" in forum_page
    (row,) = csv_rows(client.get("/conferences/?format=csv"))
    assert row["aims"] == "mutual understanding between universities"
    assert listed(client.get("/conferences/", {"q": "mutual understanding"})) == ["Rector Forum"]


@pytest.mark.parametrize(
    ("values", "text"),
    [
        (
            {"metric": "participants", "qualifier": "up_to", "value": 12, "period": "per_country"},
            "up to 12 participants per country",
        ),
        ({"metric": "students", "value": 2, "period": "per_member"}, "2 students per member"),
        (
            {"metric": "working_groups", "value": 11},
            "11 working groups, communities or sub-networks",
        ),
    ],
)
def test_a_figure_per_country_and_a_count_of_working_groups_read_as_the_source_says(
    db, values, text
):
    from partnerships.models import ReportedFigure

    assert ReportedFigure(**values).text == text


def test_an_alliance_event_says_where_it_happened(client, places):
    from partnerships.models import AllianceEvent

    alliance = make_alliance("Signed Alliance")
    AllianceEvent.objects.create(
        alliance=alliance,
        kind=AllianceEvent.Kind.FOUNDED,
        occurred_on=datetime.date(2015, 11, 18),
        place=places["city"],
    )
    page = plain(client.get(alliance.get_absolute_url()).content.decode())
    assert "18 November 2015, Strelsau" in page


def test_a_term_in_an_alliance_reads_from_year_to_year(client, places):
    alliance = make_alliance("Rotating Alliance")
    seat = make_org("Strelsau University", places["city"], kind="university")
    AllianceMembership.objects.create(
        alliance=alliance, organization=seat, role=MemberRole.HOST, since_year=2023, until_year=2025
    )
    page = plain(client.get(alliance.get_absolute_url()).content.decode())
    assert "Host, 2023–2025" in page
    assert "2023–2025" in plain(client.get(seat.get_absolute_url()).content.decode())


def test_a_term_ending_before_it_starts_is_refused_in_words(db, places):
    alliance = make_alliance("Rotating Alliance")
    seat = make_org("Strelsau University", places["city"], kind="university")
    row = AllianceMembership(alliance=alliance, organization=seat, since_year=2025, until_year=2023)
    with pytest.raises(ValidationError) as caught:
        row.full_clean()
    assert caught.value.message_dict["until_year"] == ["The role ends before it starts."]


def test_a_unit_set_up_under_a_partnership_shows_since_when(client, places):
    from partnerships.models import PartnershipParty, PartyRole

    a = make_org("Strelsau University", places["city"], kind="university")
    b = make_org("Elsewhere University", places["elsewhere"], kind="university")
    partnership = make_partnership(a, b, level=PartnershipLevel.UNIVERSITY)
    centre = make_org("Joint Energy Centre", places["city"], kind="research")
    PartnershipParty.objects.create(
        partnership=partnership, organization=centre, role=PartyRole.SET_UP, since_year=2009
    )
    page = plain(client.get(partnership.get_absolute_url()).content.decode())
    assert "Joint Energy Centre (since 2009)" in page


def test_a_search_for_a_document_s_title_finds_the_meeting_and_the_alliance_that_issued_it(
    client, db
):
    from partnerships.models import AllianceDocument, ConferenceDocument

    forum = make_conference("Silk Road Forum")
    alliance = make_alliance("Silk Road Alliance")
    ConferenceDocument.objects.create(conference=forum, kind="declaration", title="Xian Accord")
    AllianceDocument.objects.create(
        alliance=alliance, kind="declaration", title="Charter", other_titles="Xian Accord"
    )
    assert listed(client.get("/conferences/", {"q": "Xian Accord"})) == ["Silk Road Forum"]
    assert listed(client.get("/alliances/", {"q": "Xian Accord"})) == ["Silk Road Alliance"]


def test_a_deleted_document_s_title_no_longer_finds_the_meeting(client, db):
    from partnerships.models import ConferenceDocument

    forum = make_conference("Silk Road Forum")
    document = ConferenceDocument.objects.create(
        conference=forum, kind="declaration", title="Xian Accord"
    )
    document.delete()
    assert listed(client.get("/conferences/", {"q": "Xian Accord"})) == []


def test_a_visit_s_length_without_a_last_day_is_on_the_page_and_in_the_exports(client, places):
    from partnerships.models import Visit

    a = make_org("Strelsau High School", places["city"])
    b = make_org("Elsewhere High School", places["elsewhere"])
    partnership = make_partnership(a, b)
    Visit.objects.create(
        partnership=partnership, visited_on=datetime.date(2013, 1, 1), visited_precision="month",
        days=14, students=15,
    )  # fmt: skip
    page = plain(client.get(partnership.get_absolute_url()).content.decode())
    assert "for 14 days" in page
    (row,) = csv_rows(client.get("/partnerships/?format=csv"))
    assert "January 2013: Not reported, for 14 days, 15 students" in row["visits"]
    (record,) = json_rows(client.get("/partnerships/?format=json"))
    assert record["history"]["visits"][0]["days"] == 14


@pytest.mark.parametrize("days", ["0", "99999", "two weeks"])
def test_a_visit_length_out_of_range_is_refused_in_words(db, places, days):
    from partnerships.models import Visit

    a = make_org("Strelsau High School", places["city"])
    b = make_org("Elsewhere High School", places["elsewhere"])
    visit = Visit(partnership=make_partnership(a, b), days=days)
    with pytest.raises(ValidationError) as caught:
        visit.full_clean()
    assert "days" in caught.value.message_dict


def test_an_alliance_is_found_where_one_of_its_events_happened_by_filter_facet_and_search(
    client, places
):
    from partnerships.models import AllianceEvent

    alliance = make_alliance("Volga Rivers Alliance")
    make_alliance("Alliance Elsewhere", founded_in=places["elsewhere"])
    AllianceEvent.objects.create(
        alliance=alliance, kind=AllianceEvent.Kind.MEETING, place=places["city"]
    )
    response = client.get("/alliances/", {"country": places["country"].slug})
    assert listed(response) == ["Volga Rivers Alliance"]
    assert facet(client.get("/alliances/"), "country")["Ruritania"].count == 1
    assert (
        alliance.get_absolute_url()
        in client.get(places["city"].get_absolute_url()).content.decode()
    )
    assert listed(client.get("/alliances/", {"q": "Strelsau"})) == ["Volga Rivers Alliance"]


def test_a_person_who_spoke_at_two_sessions_keeps_both_and_the_page_names_them(client, db):
    from partnerships.models import Speech

    forum = make_conference("Rectors Forum")
    rector = make_person("Sergey Rector")
    Speech.objects.create(conference=forum, person=rector, session="opening ceremony")
    second = Speech(conference=forum, person=rector, session="main forum")
    second.full_clean()
    second.save()
    page = plain(client.get(forum.get_absolute_url()).content.decode())
    assert "(session: opening ceremony)" in page
    assert "(session: main forum)" in page
    twice = Speech(conference=forum, person=rector, session="main forum")
    with pytest.raises(ValidationError) as caught:
        twice.full_clean()
    assert "already has this role at this event" in str(caught.value)


def _three_party_agreement(places, third_publication="published"):
    from partnerships.models import PartnershipParty, PartyRole

    a = make_org("Strelsau University", places["city"], kind="university")
    b = make_org("Elsewhere University", places["elsewhere"], kind="university")
    third = make_org("Harbour Science University", publication=third_publication)
    partnership = make_partnership(a, b, level=PartnershipLevel.UNIVERSITY)
    row = PartnershipParty.objects.create(
        partnership=partnership, organization=third, role=PartyRole.PARTY
    )
    return partnership, third, row


def test_a_search_for_the_third_party_of_an_agreement_finds_it(client, places):
    _three_party_agreement(places)
    response = client.get("/partnerships/", {"q": "Harbour Science"})
    assert listed_partnerships(response) == {"Strelsau University – Elsewhere University"}


def test_a_renamed_third_party_is_found_by_its_new_name_and_not_its_old(client, places):
    _partnership, third, _row = _three_party_agreement(places)
    third.name = "Harbour University of Technology"
    third.save()
    assert listed_partnerships(client.get("/partnerships/", {"q": "Technology"}))
    assert not listed_partnerships(client.get("/partnerships/", {"q": "Harbour Science"}))


def test_a_removed_third_party_no_longer_finds_the_agreement(client, places):
    _partnership, _third, row = _three_party_agreement(places)
    row.delete()
    assert not listed_partnerships(client.get("/partnerships/", {"q": "Harbour Science"}))


def test_a_draft_third_party_is_not_named_in_the_search_text(client, places):
    _three_party_agreement(places, third_publication="draft")
    assert not listed_partnerships(client.get("/partnerships/", {"q": "Harbour Science"}))


def test_a_region_page_says_the_language_of_each_of_its_other_names(client, places):
    from partnerships.models import RegionName

    RegionName.objects.create(region=places["city"], name="Штрельзау", language="ru")
    RegionName.objects.create(region=places["city"], name="Strelsow", note="a misspelling")
    page = client.get(places["city"].get_absolute_url()).content.decode()
    assert '<span lang="ru">Штрельзау</span> <span class="muted">(Russian)</span>' in page
    assert '<span lang="und">Strelsow</span> <span class="muted">(a misspelling)</span>' in page


# ------------------------------------------------------------ trials 9 and 10 (2026-12-07)


def test_figures_of_units_the_source_names_read_as_it_counts_them_and_are_not_duplicates(
    client, places
):
    from partnerships.models import ReportedFigure

    workshop = make_org("Strelsau Workshop", places["city"], kind="vocational")
    equipment = ReportedFigure(
        subject=workshop,
        metric="units",
        value=16,
        description="pieces of equipment",
        publication="published",
    )
    equipment.full_clean()
    equipment.save()
    areas = ReportedFigure(
        subject=workshop,
        metric="units",
        value=16,
        description="training areas",
        publication="published",
    )
    areas.full_clean()  # not "this record already has this figure"
    areas.save()
    assert (equipment.text, areas.text) == ("16 pieces of equipment", "16 training areas")
    page = plain(client.get(workshop.get_absolute_url()).content.decode())
    assert "16 pieces of equipment" in page and "16 training areas" in page
    assert "the sources differ" not in page


def test_a_figure_of_units_without_saying_what_is_counted_is_refused_in_words(db, places):
    from partnerships.models import ReportedFigure

    workshop = make_org("Strelsau Workshop", places["city"], kind="vocational")
    figure = ReportedFigure(subject=workshop, metric="units", value=16)
    with pytest.raises(ValidationError) as caught:
        figure.full_clean()
    assert "Say what is counted" in caught.value.message_dict["description"][0]


def test_a_conference_says_under_whose_guidance_it_was_held(client, places):
    ministry = make_org("Ruritanian Ministry of Education", places["country"], kind="ministry")
    forum = make_conference("Guided Forum", places["city"])
    forum.guided_by.set([ministry])
    page = plain(client.get(forum.get_absolute_url()).content.decode())
    assert "Under the guidance of Ruritanian Ministry of Education" in page
    (row,) = csv_rows(client.get("/conferences/?format=csv"))
    assert row["guided_by"] == "Ruritanian Ministry of Education"


def test_an_alliance_whose_focus_no_source_gives_says_so(client, db):
    alliance = make_alliance("Unfocused Alliance", focus="not_reported")
    page = plain(client.get(alliance.get_absolute_url()).content.decode())
    assert "focus: not reported" in page
    assert "focus: other" not in page


@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("Xi'an Gaoxin No. 1 High School", "Xi’an Gaoxin"),
        ("Xi’an Jiaotong University", "Xi'an Jiaotong"),
        ("Xiʼan Normal School", "xi'an normal"),
    ],
    ids=["straight-name-curly-query", "curly-name-straight-query", "modifier-letter-name"],
)
def test_a_search_treats_curly_and_straight_apostrophes_alike(client, places, name, query):
    make_org(name, places["city"])
    make_org("Another School", places["city"])
    assert listed(client.get("/organizations/", {"q": query})) == [name]
    assert name in plain(client.get("/search/", {"q": query}).content.decode())


# ------------------------------------------------------------ trial 16


def _initiated_at(conference, publication="published"):
    from partnerships.models import AllianceEvent

    alliance = make_alliance("Initiated Alliance", publication=publication)
    AllianceEvent.objects.create(
        alliance=alliance,
        kind=AllianceEvent.Kind.OTHER,
        occurred_on=datetime.date(2016, 3, 1),
        occurred_precision="month",
        conference=conference,
        description="Initiated by a member university",
    )
    return alliance


def test_an_alliance_event_at_a_conference_links_the_conference(client, db):
    forum = make_conference("Boao Style Forum")
    alliance = _initiated_at(forum)
    page = client.get(alliance.get_absolute_url()).content.decode()
    assert f'at <a href="{forum.get_absolute_url()}">Boao Style Forum</a>' in page


def test_a_conference_page_names_the_alliance_that_records_an_event_there(client, db):
    forum = make_conference("Boao Style Forum")
    alliance = _initiated_at(forum)
    page = plain(client.get(forum.get_absolute_url()).content.decode())
    assert (
        "In the history of an alliance Other: Initiated Alliance Initiated by a member university"
        in page
    )
    assert alliance.get_absolute_url() in client.get(forum.get_absolute_url()).content.decode()


def test_a_meeting_an_alliance_records_at_a_conference_is_not_read_as_founded_there(client, db):
    """Trial 17: a forum recorded as a "Meeting held" event of an association was listed
    under "Founded or signed here"."""
    forum = make_conference("Boao Style Forum")
    _initiated_at(forum)
    page = plain(client.get(forum.get_absolute_url()).content.decode())
    founded = page.split("Founded or signed here", 1)[1].split("In the history of", 1)[0]
    assert "Initiated Alliance" not in founded
    assert "No alliance or partnership founded here is recorded." in founded


def test_a_conference_page_does_not_name_a_draft_alliance_s_event(client, db):
    forum = make_conference("Boao Style Forum")
    _initiated_at(forum, publication="draft")
    page = plain(client.get(forum.get_absolute_url()).content.decode())
    assert "Initiated Alliance" not in page
    assert "No alliance or partnership founded here is recorded." in page


def test_a_bound_whose_year_is_inferred_says_so_on_the_page(client, places):
    a = make_org("Changzhou Host School", places["city"])
    b = make_org("Lyceum Five", places["elsewhere"])
    partnership = make_partnership(
        a,
        b,
        established_on=None,
        established_not_after=datetime.date(2016, 12, 16),
        established_year_inferred=True,
        established_year_basis="the page was released in January 2017",
    )
    page = plain(client.get(partnership.get_absolute_url()).content.decode())
    assert "by 16 December 2016 (year inferred: the page was released in January 2017)" in page


def _alliance_of(members):
    return make_alliance("Far Asian Alliance", members=members)


def found(client, query) -> list[str]:
    return listed(client.get("/alliances/", {"q": query}))


def test_an_alliance_is_found_by_a_member_s_name_and_other_name(client, places):
    from partnerships.models import OrganizationName

    member = make_org("Chulalongkorn University", places["elsewhere"], kind="university")
    OrganizationName.objects.create(organization=member, name="CU Bangkok")
    _alliance_of([member])
    assert found(client, "Chulalongkorn") == ["Far Asian Alliance"]
    assert found(client, "CU Bangkok") == ["Far Asian Alliance"]


def test_a_draft_member_s_name_does_not_find_the_alliance(client, places):
    member = make_org("Chulalongkorn University", places["elsewhere"], publication="draft")
    _alliance_of([member])
    assert found(client, "Chulalongkorn") == []


def test_a_renamed_member_finds_the_alliance_by_its_new_name_only(client, places):
    member = make_org("Chulalongkorn University", places["elsewhere"])
    _alliance_of([member])
    member.name = "Mahidol University"
    member.save()
    assert found(client, "Mahidol") == ["Far Asian Alliance"]
    assert found(client, "Chulalongkorn") == []


def test_a_member_that_left_no_longer_finds_the_alliance(client, places):
    member = make_org("Chulalongkorn University", places["elsewhere"])
    _alliance_of([member])
    AllianceMembership.objects.filter(organization=member).delete()
    assert found(client, "Chulalongkorn") == []


def test_an_activity_is_told_apart_from_the_visit_it_was_part_of_in_the_admin(places):
    from partnerships.models import Visit

    partnership = make_partnership(
        make_org("Changzhou Host School", places["city"]),
        make_org("Lyceum Five", places["elsewhere"]),
    )
    day = datetime.date(2016, 12, 16)
    visit = Visit.objects.create(partnership=partnership, direction="b_to_a", visited_on=day)
    ceremony = Visit.objects.create(
        partnership=partnership, direction="b_to_a", visited_on=day, occasion="Welcome ceremony"
    )
    assert str(ceremony) == f"Welcome ceremony: {visit}"


@pytest.mark.parametrize(
    ("position", "query"),
    [
        ("Level Ⅱ Bureau Rank Official", "Level II"),
        ("Level II Bureau Rank Official", "Level Ⅱ"),
        ("Director of ＪＳＮＵ", "JSNU"),
        ("Director of JSNU", "ＪＳＮＵ"),
    ],
)
def test_a_search_folds_compatibility_forms_as_a_keyboard_types_them(client, db, position, query):
    make_person("Zhou Jiuhua", position=position)
    assert listed(client.get("/people/", {"q": query})) == ["Zhou Jiuhua"]


# ------------------------------------------------------------ trial 17


def test_a_source_dated_by_day_and_month_with_its_year_from_its_address_says_so(client, db):
    from partnerships.models import Source

    source = Source.objects.create(
        title="Forum of universities underway",
        outlet="News agency",
        summary="A forum of universities.",
        published_on=datetime.date(2020, 12, 14),
        published_year_inferred=True,
        published_year_basis="the page's address holds 2020",
        publication="published",
    )
    page = plain(client.get(source.get_absolute_url()).content.decode())
    assert "Published 14 December 2020 (year inferred: the page's address holds 2020)" in page


def test_a_source_year_inferred_with_no_year_in_its_precision_is_refused_in_words(db):
    from partnerships.models import Source

    source = Source(
        title="Forum",
        outlet="News agency",
        summary="A forum.",
        published_on=datetime.date(1, 12, 14),
        published_precision="day_month",
        published_year_inferred=True,
    )
    with pytest.raises(ValidationError) as caught:
        source.full_clean()
    assert "published_year_inferred" in caught.value.message_dict


def test_a_centre_agreed_but_not_yet_set_up_reads_as_to_be_set_up(client, places):
    from partnerships.models import PartnershipParty, PartyRole

    a = make_org("Moscow University", places["city"], kind="university")
    b = make_org("Tehran University", places["elsewhere"], kind="university")
    partnership = make_partnership(a, b, level=PartnershipLevel.UNIVERSITY)
    centre = make_org("Razi Centre", places["city"])
    PartnershipParty.objects.create(
        partnership=partnership, organization=centre, role=PartyRole.TO_SET_UP
    )
    page = plain(client.get(partnership.get_absolute_url()).content.decode())
    assert "To be set up under it (agreed, not yet done; not a party)" in page
    assert "Set up under it (a joint institute" not in page


def test_a_conference_held_on_the_initiative_of_universities_names_them_apart(client, places):
    msu = make_org("Lomonosov University", places["city"], kind="university")
    tehran = make_org("Tehran University", places["elsewhere"], kind="university")
    forum = make_conference("First Rectors Forum", organizers=[msu])
    forum.initiated_by.set([msu, tehran])
    page = plain(client.get(forum.get_absolute_url()).content.decode())
    assert "On the initiative of Lomonosov University; Tehran University" in page
    organizers = page.split("Organizers", 1)[1].split("On the initiative of", 1)[0]
    assert "Lomonosov University" in organizers and "Tehran" not in organizers
    assert listed(client.get("/conferences/", {"q": "Tehran University"})) == [
        "First Rectors Forum"
    ]
    assert forum.get_absolute_url() in client.get(tehran.get_absolute_url()).content.decode()


def test_an_alliance_of_an_area_spanning_provinces_is_found_by_it_and_its_country(client, places):
    from partnerships.models import RegionKind

    area = make_region("Northern Ruritania", kind=RegionKind.AREA, parent=places["country"])
    make_alliance("Northern Universities Alliance", founded_in=area)
    by_area = listed(client.get("/alliances/", {"region": area.slug}))
    by_country = listed(client.get("/alliances/", {"country": places["country"].slug}))
    assert by_area == by_country == ["Northern Universities Alliance"]


def test_an_area_spanning_provinces_inside_a_province_is_refused_in_words(places):
    from partnerships.models import Region, RegionKind

    area = Region(name="Odd Area", kind=RegionKind.AREA, parent=places["province"])
    with pytest.raises(ValidationError) as caught:
        area.full_clean()
    assert "is part of a country" in caught.value.message_dict["parent"][0]


def test_a_conference_s_programme_is_on_its_page_and_in_its_export(client, db):
    """Trial 17: an opening ceremony, a signing ceremony, keynote speeches, parallel forums
    and project negotiations had no place but the summary."""
    forum = make_conference(
        "Presidents Forum", programme="Opening ceremony\nSigning ceremony\nParallel forums"
    )
    page = client.get(forum.get_absolute_url()).content.decode()
    assert "<dt>Programme</dt><dd>Opening ceremony; Signing ceremony; Parallel forums</dd>" in page
    rows = csv_rows(client.get("/conferences/", {"format": "csv"}))
    assert [r["programme"] for r in rows if r["name"] == "Presidents Forum"] == [
        "Opening ceremony; Signing ceremony; Parallel forums"
    ]


def test_who_signed_for_which_side_is_on_the_conference_and_alliance_pages(client, places):
    """Trial 17: "he signed for the Russian side and Nili Ahmadabadi for the Iranian side"
    had no place but a title's text."""
    from partnerships.models import AllianceEvent, AllianceEventActor, Speech

    forum = make_conference("First Rectors Forum")
    rector = make_person("Viktor Sadovnichy")
    Speech.objects.create(conference=forum, person=rector, role="signatory", side=places["country"])
    alliance = make_alliance("Rectors Association")
    event = AllianceEvent.objects.create(alliance=alliance, kind=AllianceEvent.Kind.FOUNDED)
    AllianceEventActor.objects.create(
        alliance=alliance, event=event, person=rector, role="signed", side=places["country"]
    )
    conference_page = plain(client.get(forum.get_absolute_url()).content.decode())
    alliance_page = plain(client.get(alliance.get_absolute_url()).content.decode())
    assert "(for Ruritania)" in conference_page
    assert "signed for Ruritania" in alliance_page


def test_a_draft_side_is_not_named(client, places):
    from partnerships.models import Speech

    forum = make_conference("First Rectors Forum")
    hidden = make_region("Hiddenland", publication="draft")
    Speech.objects.create(
        conference=forum, person=make_person("Viktor Sadovnichy"), role="signatory", side=hidden
    )
    assert "Hiddenland" not in client.get(forum.get_absolute_url()).content.decode()


def test_a_document_says_who_issued_it_and_what_it_says(client, places):
    """Trial 16: a joint statement of all 15 founding members, and its four areas, had no
    place but its summary."""
    from partnerships.models import AllianceDocument

    alliance = make_alliance("Asian Universities")
    statement = AllianceDocument.objects.create(
        alliance=alliance,
        kind="declaration",
        title="Joint Statement",
        points="Student and staff mobility\nJoint research",
    )
    tsinghua = make_org("Tsinghua", places["city"], kind="university")
    hidden = make_org("Hidden University", places["city"], publication="draft")
    statement.issuers.set([tsinghua, hidden])
    page = plain(client.get(alliance.get_absolute_url()).content.decode())
    assert (
        "Issued or signed by Tsinghua What it says: Student and staff mobility; Joint research"
        in page
    )
    assert "Hidden University" not in page
