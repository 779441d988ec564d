"""Facts of the real cases that sit in fields meant for them (issues 17 and 21): who did what on
a visit, a series' permanent venue, special partner countries, the joint unveiling of a plaque,
the bodies that guide a secretariat, who ended a partnership, the places a delegation came from,
an authorising (not founding) centre, offices at an event with no person named, and the facts
a fact-by-fact audit of the cases found the model could already hold. Each test reads the
stored value through the ORM and, where the public page shows the field, on the page; every new
row cites its source."""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils.html import escape

from partnerships.models import (
    Agreement,
    Alliance,
    AllianceBody,
    AllianceEvent,
    AllianceMembership,
    Citation,
    Conference,
    ConferenceSeries,
    PartnershipParty,
    PartnershipPerson,
    SisterSchoolPartnership,
    Speech,
    StatusChange,
    Visit,
)

pytestmark = pytest.mark.django_db

P_NO1 = "tanggu-no-1-middle-school-delano-public-schools"
P_ZIYUN = "ziyun-high-school-delano-public-schools"
P_NC = "jiangsu-provincial-department-of-education-north-carolina-state-board-of-education"
C3 = "gansu-hundred-schools-pairing-programme"
C5 = "sino-russian-middle-school-alliance"
C5_PROJECT = "russian-youth-chinese-online-classroom"
C7 = "china-africa-consortium-of-universities-exchange-mechanism"
C8_SERIES = "china-asean-education-cooperation-week"

# Source pages by address, as the case file lists them.
C1_D = "chinese-visitors-impressed-at-delano"
C1_E = "chinese-friends-enjoy-visit"
C1_B = "china-club/history"
C1_C = "china-program-schools.html"
C4_B = "k-12-education-partnerships/"
C4_C = "ncconfuciusclassrooms_update_sept2011"
C3_A = "2022-06-22/e5d8d1c1-44e8-4a4d-4f8b-60b634cb1276.html"
C3_B = "20220429/dfbc9956-4684-4f27-47de-24a8a10178d2.html"
C3_D = "2023/02/27/012914853.shtml"
C3_F = "20240716/c6587931-416f-13d0-89f3-eb115cc9244d.html"
C5_B = "sino-russian-high-school-collaborative-alliance/"
C5_D = "2023/0823/84482.html"
C7_A = "education/2023-09/02/c_915981.htm"
C7_D = "es/info/1002/1366.htm"
C8_D = "20160802/6722431.htm"
C8_F = "2017/1231/25849503.shtml"
C8_H = "2021/0916/c90000-9897131.html"
C8_I = "2021/0924/c222152-34929139.html"


def cited(obj) -> list[str]:
    ct = ContentType.objects.get_for_model(obj)
    return list(
        Citation.objects.filter(content_type=ct, object_id=obj.pk).values_list(
            "source__url", flat=True
        )
    )


def cites(obj, url_end: str) -> bool:
    return any(url.endswith(url_end) for url in cited(obj))


def page(client, obj) -> str:
    response = client.get(obj.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def visit_item(html: str, visit_pk: int) -> str:
    """The timeline item of one visit on a partnership page."""
    match = re.search(rf'<li><span class="muted" id="visit-{visit_pk}">(.*?)</li>', html, re.S)
    assert match, visit_pk
    return match.group(1)


# --------------------------------------------------------------------------- people on visits


@pytest.mark.parametrize(
    ("partnership", "visit", "name", "role", "source"),
    [
        (P_NO1, 1000, "Honglian Ren", "went", C1_B),
        (P_NO1, 1000, "Cathy Gunderson", "helped", C1_B),
        (P_NO1, 1001, "Honglian Ren", "hosted", C1_B),
        (P_ZIYUN, 1008, "Zhu Lili", "interpreted", C1_D),
        (P_ZIYUN, 1009, "Li Li", "went", C1_E),
        (P_NC, 1010, "徐为民", "led", C4_C),
        (P_NC, 1010, "魏巨龙", "went", C4_C),
    ],
)
def test_a_person_on_a_visit_has_the_role_the_page_gives(
    client, cases, partnership, visit, name, role, source
):
    row = PartnershipPerson.objects.get(
        partnership__slug=partnership, visit_id=visit, person__name=name
    )
    assert row.role == role
    assert cites(row, source)
    item = visit_item(page(client, row.partnership), visit)
    assert f">{escape(name)}</a>" in item
    assert f"— {row.get_role_display().lower()}" in item


def test_faul_organizes_the_ziyun_visits_as_a_part_in_the_partnership(client, cases):
    row = PartnershipPerson.objects.get(
        partnership__slug=P_ZIYUN, person__name="Lanette Faul", role="organized"
    )
    assert row.visit is None
    assert cites(row, C1_D)
    html = page(client, row.partnership)
    people = html.split('id="people-heading"', 1)[1]
    assert ">Lanette Faul</a>" in people
    assert "organized or coordinated the exchanges" in people


# --------------------------------------------------------------------------- C8 series and guests


def test_the_cooperation_week_has_its_permanent_venue_in_guian(client, cases):
    week = ConferenceSeries.objects.get(slug=C8_SERIES)
    assert week.venue_region.slug == "guian-new-area"
    assert week.venue is None  # no venue building or organization is named
    assert cites(week, C8_I)
    html = page(client, week)
    assert "Permanent venue" in html
    venue = html.split("Permanent venue", 1)[1].split("</dd>", 1)[0]
    assert escape("Gui'an New Area") in venue


def test_special_and_invited_partner_countries_are_partner_regions(client, cases):
    tenth = Conference.objects.get(slug="china-asean-education-cooperation-week-2017")
    assert {r.name for r in tenth.partner_regions.all()} == {"Switzerland", "Russia"}
    assert cites(tenth, C8_F)
    y2021 = Conference.objects.get(slug="china-asean-education-cooperation-week-2021")
    invited = {
        "Belarus",
        "Germany",
        "Mexico",
        "Kazakhstan",
        "Russia",
        "Switzerland",
        "Ukraine",
        "Mongolia",
        "Uzbekistan",
    }
    assert {r.name for r in y2021.partner_regions.all()} == invited
    # Guests were expected from China and from ASEAN (a group of countries) too: taking
    # part, not partner countries.
    assert {r.name for r in y2021.participating_regions.all()} == invited | {"China", "ASEAN"}
    assert cites(y2021, C8_H)
    for conference, names in ((tenth, {"Switzerland", "Russia"}), (y2021, invited)):
        html = page(client, conference)
        shown = html.split("Special partners", 1)[1].split("</dd>", 1)[0]
        assert all(f">{name}</a>" in shown for name in names)


def test_the_ministers_roundtable_is_the_second_of_its_series(client, cases):
    roundtable = Conference.objects.get(slug="china-asean-education-ministers-roundtable-2016")
    assert roundtable.edition == 2
    series = roundtable.series
    assert series.slug == "china-asean-education-ministers-roundtable"
    assert series.first_held_year is None  # not stated
    assert cites(series, C8_D)
    html = page(client, roundtable)
    assert f">{escape(series.name)}</a> · edition 2" in html


# --------------------------------------------------------------------------- C7


def test_six_people_unveiled_the_secretariats_plaque(client, cases):
    unveiling = Conference.objects.get(
        slug="unveiling-chinese-secretariat-china-africa-universities-exchange-mechanism"
    )
    six = {"Du Yubo", "Zhang Daliang", "Olusola Oyewole", "Wang Dinghua", "Yang Dan"}
    six.add("Hao Qingjie")
    officiated = unveiling.speeches.filter(role="officiated")
    assert {s.person.name for s in officiated} == six
    assert all(cites(s, C7_A) for s in officiated)
    # Oyewole also spoke, on how the mechanism came about.
    assert unveiling.speeches.get(person__name="Olusola Oyewole", role="speaker")
    assert not unveiling.speeches.filter(role="attendee").exists()
    html = page(client, unveiling)
    section = html.split("Unveiled or launched", 1)[1].split("<h3>", 1)[0]
    assert all(f">{name}</a>" in section for name in six)


def test_the_chinese_secretariat_works_under_the_guidance_of_the_ministry_and_cahe(client, cases):
    body = AllianceBody.objects.get(alliance__slug=C7, name="Chinese Secretariat")
    assert {o.slug for o in body.guided_by.all()} == {
        "ministry-of-education-of-china",
        "china-association-of-higher-education",
    }
    assert cites(body, C7_D)
    html = page(client, body.alliance)
    guided = html.split("Works under the guidance of", 1)[1].split("</li>", 1)[0]
    assert ">Ministry of Education of the People&#x27;s Republic of China</a>" in guided
    assert ">China Association of Higher Education</a>" in guided


# --------------------------------------------------------------------------- C1 and C4 rows


def test_no_1_middle_school_ended_the_tie(client, cases):
    ended = StatusChange.objects.get(partnership__slug=P_NO1, status="ended")
    assert ended.by.name == "Tanggu No. 1 Middle School"
    assert ended.changed.year == 2005
    assert cites(ended, C1_B)
    html = page(client, ended.partnership)
    assert (
        f'made or announced by <a href="{ended.by.get_absolute_url()}">'
        "Tanggu No. 1 Middle School</a>"
    ) in html


def test_the_2011_delegation_came_from_five_named_cities(client, cases):
    visit = Visit.objects.get(pk=1010)
    places = visit.places.all()
    assert {r.name for r in places} == {"Nanjing", "Yancheng", "Nantong", "Suqian", "Xuzhou"}
    assert {r.parent.name for r in places} == {"Jiangsu"}
    assert all(cites(r, C4_C) for r in places if r.name != "Xuzhou")
    item = visit_item(page(client, visit.partnership), visit.pk)
    for place in places:
        assert f'<a href="{place.get_absolute_url()}">{place.name}</a>' in item


def test_the_next_year_of_june_2009_is_2010_inferred(client, cases):
    visit = Visit.objects.get(pk=1013)
    assert (visit.visited_on, visit.visited_precision) == (datetime.date(2010, 1, 1), "year")
    assert visit.visited_year_inferred
    assert "22 June 2009" in visit.visited_year_basis
    assert visit.visited_as_given == "the next year (said in June 2009)"
    assert visit.status == "planned"
    assert cites(visit, C1_C)
    assert "2010" in visit_item(page(client, visit.partnership), visit.pk)


def test_delano_high_school_is_named_as_the_sister_school_on_the_2018_page(client, cases):
    party = PartnershipParty.objects.get(
        partnership__slug=P_ZIYUN, organization__name="Delano High School"
    )
    assert party.role == "party"
    assert cites(party, C1_E)
    parties = page(client, party.partnership).split("<dt>Parties</dt>", 1)[1]
    assert ">Delano High School</a>" in parties.split("</dd>", 1)[0]


def test_the_mou_signing_announced_for_the_2008_summit_is_an_announced_agreement(client, cases):
    summit = Conference.objects.get(slug="summit-on-us-china-k-12-education-partnerships-2008")
    announced = Agreement.objects.get(partnership__slug=P_NC, status="announced")
    assert announced.conference == summit
    assert (announced.signed_on, announced.signed_precision) == (datetime.date(2008, 5, 1), "day")
    assert announced.signed_year_inferred
    assert "Thursday, May 1" in announced.signed_as_given
    assert cites(announced, C4_B)
    # The signing itself stays as NCDPI lists it (2008, year only), and the summit's own date
    # stays the year: the day was announced, not reported.
    original = Agreement.objects.get(partnership__slug=P_NC, title="Original MOU")
    assert (original.status, original.signed_precision, original.conference) == (
        "signed",
        "year",
        None,
    )
    assert summit.held_precision == "year"
    html = page(client, announced.partnership)
    assert "announced, not yet signed" in html
    assert f'href="{summit.get_absolute_url()}"' in html


# --------------------------------------------------------------------------- C3 and C5 rows


def test_the_language_centre_authorised_the_online_classroom_and_did_not_found_it(client, cases):
    project = Alliance.objects.get(slug=C5_PROJECT)
    row = AllianceMembership.objects.get(
        alliance=project, organization__slug="center-for-language-education-and-cooperation"
    )
    assert row.role == "authorizer"
    assert not project.memberships.filter(role="initiator").exists()
    assert cites(row, C5_D)
    assert "Authorised it (not a member)" in page(client, project)


@pytest.mark.parametrize(
    ("conference", "organization", "title", "source"),
    [
        (
            "dunhuang-no-3-chirchiq-no-18-online-signing-2022",
            "Ministry of Education of Uzbekistan",
            "deputy director of the international department",
            C3_B,
        ),
        (
            "gansu-hundred-schools-training-meeting-2024",
            "Gansu Hundred Schools Pairing consortium of primary and secondary schools",
            "heads of the consortium&#x27;s council schools",
            C3_F,
        ),
    ],
)
def test_an_office_at_an_event_with_no_person_named(
    client, cases, conference, organization, title, source
):
    speech = Speech.objects.get(conference__slug=conference, person=None)
    assert speech.organization.name == organization
    assert speech.role == "attendee"
    assert cites(speech, source)
    html = page(client, speech.conference)
    shown = html.split(f">{escape(organization)}</a>", 1)[1].split("</li>", 1)[0]
    assert title in shown
    assert "no person named" in shown


def test_the_gansu_programmes_start_is_kept_as_each_page_gives_it(client, cases):
    events = AllianceEvent.objects.filter(alliance__slug=C3, kind="founded")
    dated = {(e.occurred_on, e.occurred_precision): e for e in events}
    assert set(dated) == {
        (datetime.date(2019, 6, 1), "month"),
        (datetime.date(2019, 1, 1), "year"),
    }
    assert cites(dated[(datetime.date(2019, 1, 1), "year")], C3_D)
    assert "June 2019" in page(client, Alliance.objects.get(slug=C3))


def test_each_lanzhou_minsk_pair_held_an_online_exchange_after_signing(client, cases):
    pairs = SisterSchoolPartnership.objects.filter(
        slug__in=[
            "lanzhou-foreign-languages-senior-high-school-minsk-secondary-school-no-23",
            "lanzhou-no-33-middle-school-minsk-secondary-school-no-33",
        ]
    )
    assert pairs.count() == 2
    for pair in pairs:
        (visit,) = pair.visits.all()
        assert (visit.visited_on, visit.direction, visit.status) == (
            datetime.date(2022, 6, 21),
            "joint",
            "done",
        )
        assert cites(visit, C3_A)
        item = visit_item(page(client, pair), visit.pk)
        assert "online" in item
        assert "Joint event of" in item and "Visits both ways" not in item


def test_the_january_agreement_of_the_english_page_is_an_event_without_a_year(client, cases):
    event = AllianceEvent.objects.get(alliance__slug=C5, occurred_precision="month_only")
    assert event.occurred_on.month == 1
    assert not event.occurred_year_inferred
    assert cites(event, C5_B)
    assert "20 Russian schools" in page(client, event.alliance)
