"""The public site seen through its URLs: lists, detail pages, the dashboard, filters,
facets, sorting, exports, and that nothing in draft ever shows.

The factory at the top (``make_*`` and ``Bulk``) is shared with test_bad_input.py and
test_query_counts.py.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
from contextlib import contextmanager

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, transaction
from pytest_django.asserts import assertContains, assertNotContains

from partnerships.models import (
    Alliance,
    AllianceEvent,
    AllianceFocus,
    AllianceMembership,
    Citation,
    Conference,
    ConferenceSeries,
    Metric,
    Organization,
    OrganizationKind,
    OrganizationName,
    PartnershipLevel,
    Person,
    Publication,
    Qualifier,
    Region,
    RegionKind,
    ReportedFigure,
    SisterSchoolPartnership,
    Source,
    Speech,
)
from tests.conftest import SEED

PUBLISHED = Publication.PUBLISHED
DRAFT = Publication.DRAFT

# --------------------------------------------------------------------------- factory


def make_region(name, kind=RegionKind.COUNTRY, parent=None, publication=PUBLISHED, **fields):
    return Region.objects.create(
        name=name, kind=kind, parent=parent, publication=publication, **fields
    )


def make_org(
    name,
    region=None,
    kind=OrganizationKind.SCHOOL,
    publication=PUBLISHED,
    other_names=(),
    **fields,
):
    org = Organization.objects.create(
        name=name, region=region, kind=kind, publication=publication, **fields
    )
    for alias in other_names:
        OrganizationName.objects.create(organization=org, name=alias)
    return org


def make_source(title, publication=PUBLISHED, language="en", **fields):
    fields.setdefault("published_on", datetime.date(2024, 1, 1))
    return Source.objects.create(
        title=title,
        outlet="Test Gazette",
        summary=f"Our summary of {title}.",
        language=language,
        publication=publication,
        **fields,
    )


def cite(record, source, paragraph=1):
    return Citation.objects.create(
        source=source,
        paragraph=paragraph,
        content_type=ContentType.objects.get_for_model(type(record)),
        object_id=record.pk,
    )


def make_partnership(a, b, level=PartnershipLevel.SCHOOL, publication=PUBLISHED, **fields):
    return SisterSchoolPartnership.objects.create(
        party_a=a, party_b=b, level=level, publication=publication, **fields
    )


def make_series(name, publication=PUBLISHED, **fields):
    return ConferenceSeries.objects.create(name=name, publication=publication, **fields)


def make_conference(
    name, host_region=None, organizers=(), participating=(), publication=PUBLISHED, **fields
):
    fields.setdefault("held_on", datetime.date(2024, 5, 1))
    conference = Conference.objects.create(
        name=name, host_region=host_region, publication=publication, **fields
    )
    conference.organizers.set(organizers)
    conference.participating_regions.set(participating)
    return conference


def make_alliance(name, countries=(), members=(), publication=PUBLISHED, **fields):
    fields.setdefault("focus", AllianceFocus.OTHER)
    alliance = Alliance.objects.create(name=name, publication=publication, **fields)
    alliance.countries.set(countries)
    for org in members:
        AllianceMembership.objects.create(alliance=alliance, organization=org)
    return alliance


def make_person(name, organization=None, position="Principal", publication=PUBLISHED):
    return Person.objects.create(
        name=name, organization=organization, position=position, publication=publication
    )


def make_speech(person, conference, summary="Spoke about exchanges."):
    return Speech.objects.create(person=person, conference=conference, summary=summary)


def make_event(alliance, kind=AllianceEvent.Kind.MEETING, **fields):
    return AllianceEvent.objects.create(alliance=alliance, kind=kind, **fields)


def make_figure(subject, value, metric=Metric.ACTIVITIES, publication=PUBLISHED, **fields):
    fields.setdefault("qualifier", Qualifier.EXACT)
    fields.setdefault("description", f"{value} of something about {subject}")
    return ReportedFigure.objects.create(
        subject_type=ContentType.objects.get_for_model(type(subject)),
        subject_id=subject.pk,
        metric=metric,
        value=value,
        publication=publication,
        **fields,
    )


KINDS = (
    "partnerships",
    "alliances",
    "conferences",
    "organizations",
    "regions",
    "sources",
    "people",
)


class Bulk:
    """Published records of the listed kinds, ``n`` at a time, each with related rows.

    All of them lie in one new country, "<tag> Land", so a filter on it selects exactly
    them. Per row index i: a province, two organizations (one with another name), a source
    in ``language``, a conference held there, a partnership of the two signed at it, an
    alliance of the two founded at it and a person, each cited by the row's source.
    ``only`` makes just what one list needs (faster), with its related rows.
    """

    def __init__(self, tag="Extra", language="da"):
        self.tag = tag
        self.language = language
        self.country = make_region(f"{tag} Land")
        self.count = 0

    def add(self, n: int, only: str | None = None) -> Bulk:
        want = set(KINDS) if only is None else {only}
        tag = self.tag
        for i in range(self.count, self.count + n):
            source = make_source(f"{tag} Source {i:03}", language=self.language)
            records = []
            province = school = board = conference = None
            if want - {"sources", "alliances"}:
                province = make_region(
                    f"{tag} Province {i:03}", kind=RegionKind.PROVINCE, parent=self.country
                )
                records.append(province)
            if want & {"partnerships", "organizations", "people", "alliances"}:
                school = make_org(
                    f"{tag} School {i:03}", province, other_names=[f"{tag} Alias {i:03}"]
                )
                records.append(school)
            if want & {"partnerships", "organizations", "alliances"}:
                board = make_org(
                    f"{tag} Board {i:03}", self.country, kind=OrganizationKind.SCHOOL_BOARD
                )
                records.append(board)
            if want & {"conferences", "partnerships", "alliances"}:
                conference = make_conference(
                    f"{tag} Conference {i:03}",
                    host_region=province,
                    organizers=[school] if school else [],
                    participating=[province] if province else [],
                    held_on=datetime.date(2020, 1, 1) + datetime.timedelta(days=i),
                )
                records.append(conference)
            if "partnerships" in want:
                records.append(
                    make_partnership(
                        school,
                        board,
                        conference=conference,
                        established_on=datetime.date(2000 + i % 20, 1, 1),
                        established_precision="year",
                    )
                )
            if "alliances" in want:
                records.append(
                    make_alliance(
                        f"{tag} Alliance {i:03}",
                        countries=[self.country],
                        members=[school, board],
                        founding_conference=conference,
                    )
                )
            if "people" in want:
                records.append(make_person(f"{tag} Person {i:03}", school))
            for record in records:
                cite(record, source, paragraph=1)
        self.count += n
        return self

    @property
    def slug(self) -> str:
        return self.country.slug


# --------------------------------------------------------------------------- seed, once


@contextmanager
def rolled_back(django_db_blocker):
    """Changes made inside are undone on leaving (a transaction, or a savepoint inside one)."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def seeded_module(django_db_setup, django_db_blocker):
    """The seed, loaded once per test module inside a transaction that is rolled back at the
    end of the module. Each test runs in a savepoint inside it (pytest-django's ``db``), so
    what a test changes is undone as with conftest's ``seed``, at a fraction of the cost."""
    with rolled_back(django_db_blocker):
        call_command("loaddata", SEED, verbosity=0)
        yield


@pytest.fixture
def seed(seeded_module, db):
    """Overrides conftest's ``seed``: the same records, loaded once per module."""


# --------------------------------------------------------------------------- helpers

LISTS = {
    "partnerships": "/partnerships/",
    "alliances": "/alliances/",
    "conferences": "/conferences/",
    "organizations": "/organizations/",
    "regions": "/regions/",
    "sources": "/sources/",
    "people": "/people/",
}

# How many published records of each list the seed holds.
SEED_COUNTS = {
    "partnerships": 2,
    "alliances": 1,
    "conferences": 2,
    "organizations": 11,
    "regions": 14,
    "sources": 2,
    "people": 3,
}

PEEL = "Suzhou Bureau of Education – Peel District School Board"
WUXI = "Wuxi Bureau of Education – Bycirklen"
SERIES_SLUG = "jiangsu-international-exchange-and-cooperation-conference-for-principals"
JIANGSU_SOURCE = "Jiangsu strengthens global educational bonds"
XINHUA_SOURCE = (
    "The founding conference of the “Alliance of Special Education Schools of China and "
    "Russia” was held in Heilongjiang Province."
)


def listed(response) -> list[str]:
    """Names (titles for sources) of the rows on the page, in order."""
    return [getattr(obj, "name", None) or str(obj) for obj in response.context["object_list"]]


def listed_partnerships(response) -> set[str]:
    return {str(p) for p in response.context["object_list"]}


def result_count(response) -> int:
    return response.context["paginator"].count


def facet(response, param) -> dict:
    """label -> FacetItem for the facet of ``param`` on a list page."""
    for result in response.context["facets"]:
        if result.param == param:
            return {item.label: item for item in result.items}
    raise AssertionError(f"no facet {param!r} on the page")


def body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8-sig")
    return response.content.decode()


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body(response))))


def json_rows(response) -> list[dict]:
    return json.loads(body(response))


# --------------------------------------------------------------------------- lists


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/partnerships/", PEEL),
        ("/alliances/", "Alliance of Special Education Schools of China and Russia"),
        ("/conferences/", "18th Jiangsu International Exchange and Cooperation Conference"),
        ("/organizations/", "Suihua University"),
        ("/regions/", "Jiangsu"),
        ("/sources/", JIANGSU_SOURCE),
        ("/people/", "Wang Shaosong"),
    ],
)
def test_list_page_answers_200_with_a_seed_record(client, seed, url, expected):
    response = client.get(url)
    assertContains(response, expected)
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(("name", "count"), SEED_COUNTS.items())
def test_list_page_counts_every_published_seed_record(client, seed, name, count):
    response = client.get(LISTS[name])
    assert result_count(response) == count
    assertContains(response, f"{count} result")


@pytest.mark.parametrize("url", LISTS.values())
def test_list_page_offers_csv_and_json_export_links(client, seed, url):
    response = client.get(url + "?q=a")
    assertContains(response, 'href="?q=a&amp;format=csv"')
    assertContains(response, 'href="?q=a&amp;format=json"')


def test_list_page_paginates_at_the_chosen_page_size(client, seed):
    Bulk().add(12, only="organizations")
    response = client.get("/organizations/?per_page=10&page=2")
    assert response.status_code == 200
    assert len(response.context["object_list"]) == 10
    assertContains(response, "Page 2 of 4")


# --------------------------------------------------------------------------- details


def source_pk(title=JIANGSU_SOURCE) -> int:
    return Source.objects.get(title=title).pk


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/partnerships/suzhou-bureau-of-education-peel-district-school-board/", "Peel"),
        ("/alliances/alliance-of-special-education-schools-of-china-and-russia/", "Suihua"),
        (
            "/conferences/18th-jiangsu-international-exchange-and-cooperation-conference-"
            "for-principals/",
            "Xuzhou",
        ),
        (f"/series/{SERIES_SLUG}/", "18th Jiangsu International Exchange"),
        ("/organizations/suihua-university/", "Suihua Institute"),
        ("/regions/jiangsu/", "Suzhou Bureau of Education"),
        ("/people/wang-shaosong/", "Founding conference of the Alliance"),
    ],
)
def test_detail_page_answers_200_with_its_record_and_related_records(client, seed, url, expected):
    response = client.get(url)
    assertContains(response, expected)


@pytest.mark.parametrize(
    "url",
    [
        "/partnerships/wuxi-bureau-of-education-bycirklen/",
        "/alliances/alliance-of-special-education-schools-of-china-and-russia/",
        "/conferences/18th-jiangsu-international-exchange-and-cooperation-conference-for-principals/",
        f"/series/{SERIES_SLUG}/",
        "/organizations/suihua-university/",
        "/people/liu-feng/",
    ],
)
def test_detail_page_cites_its_sources_in_a_reference_list(client, seed, url):
    response = client.get(url)
    assertContains(response, 'id="references-heading"')
    assertContains(response, 'href="#ref-1"')


def test_source_detail_page_groups_the_records_that_cite_it_by_kind(client, seed):
    response = client.get(f"/sources/{source_pk(XINHUA_SOURCE)}/")
    groups = dict(response.context["cited_records"])
    assert set(groups) == {
        "Alliance",
        "Body of the alliance",
        "Member or role",
        "Conference",
        "Governance event",
        "Organization",
        "Person",
        "Region",
        "Reported figure",
        "Person at the event",
    }
    (membership,) = groups["Member or role"]
    assert (
        membership["url"] == "/alliances/alliance-of-special-education-schools-of-china-and-russia/"
    )
    assertContains(response, "Suihua University, member of Alliance of Special Education")


def test_source_list_counts_the_citations_of_each_source(client, seed):
    counts = [s.record_count for s in client.get("/sources/").context["object_list"]]
    assert sum(counts) == Citation.objects.count()
    assert all(counts)


def test_source_detail_page_lists_the_records_that_cite_it(client, seed):
    response = client.get(f"/sources/{source_pk()}/")
    assertContains(response, JIANGSU_SOURCE)
    assertContains(response, "Records that cite this source")
    assertContains(response, PEEL)


def test_partnership_detail_links_both_parties(client, seed):
    response = client.get("/partnerships/wuxi-bureau-of-education-bycirklen/")
    assertContains(response, 'href="/organizations/wuxi-bureau-of-education/"')
    assertContains(response, 'href="/organizations/bycirklen/"')


def test_series_detail_shows_the_figures_sources_report(client, seed):
    response = client.get(f"/series/{SERIES_SLUG}/")
    assertContains(response, "Figures reported by sources")
    assertContains(response, "about 2,000")


def test_region_detail_includes_partnerships_of_its_sub_regions(client, seed):
    response = client.get("/regions/jiangsu/")
    assert {str(p) for p in response.context["partnerships"]} == {PEEL, WUXI}


# --------------------------------------------------------------------------- dashboard


def test_dashboard_shows_recorded_counts(client, seed):
    response = client.get("/")
    # The seed's two partnerships are comprehensive partnerships, not sister-school ones.
    assertContains(
        response,
        "<strong>2</strong> <span>partnerships recorded (all levels)</span>",
        html=False,
    )
    assertContains(
        response, "<strong>2</strong> <span>partnerships between education authorities</span>"
    )
    assertContains(response, "<strong>1</strong> <span>alliance recorded</span>")
    assertContains(response, "<strong>11</strong> <span>organizations recorded</span>")


@pytest.mark.parametrize("figure", ["about 2,000", "nearly 300", "over 10", "over 50,000", "40"])
def test_dashboard_shows_reported_figures_apart_from_recorded_counts(client, seed, figure):
    response = client.get("/")
    assertContains(response, f'<span class="reported-label">reported:</span> <strong>{figure}')


def test_dashboard_has_three_charts_each_with_a_data_table(client, seed):
    html = body(client.get("/"))
    charts = html.split('<figure class="chart"')[1:]
    assert [re.search(r'aria-labelledby="([\w-]+)-title"', c).group(1) for c in charts] == [
        "chart-year",
        "chart-country",
        "chart-province",
    ]
    for chart in charts:
        chart = chart.split("</figure>")[0]
        assert '<table class="chart-table">' in chart
        assert "<svg" in chart


def test_dashboard_country_chart_table_counts_partnerships_per_country(client, seed):
    charts = {c.id: c for c in client.get("/").context["charts"]}
    # The partner countries: China, a party to every partnership of the seed, is left out.
    assert [(b.label, b.value) for b in charts["chart-country"].bars] == [
        ("Canada", 1),
        ("Denmark", 1),
    ]
    assert [(b.label, b.value) for b in charts["chart-province"].bars] == [("Jiangsu", 2)]


def test_dashboard_chart_rows_link_to_the_filtered_list(client, seed):
    response = client.get("/")
    assertContains(response, 'href="/partnerships/?country=canada"')
    assertContains(response, 'href="/partnerships/?region=jiangsu"')


# --------------------------------------------------------------------------- filters


def test_region_filter_lists_both_jiangsu_partnerships(client, seed):
    response = client.get("/partnerships/?region=jiangsu")
    assert listed_partnerships(response) == {PEEL, WUXI}


def test_region_filter_on_a_country_lists_only_its_partnerships(client, seed):
    response = client.get("/partnerships/?region=canada")
    assert listed_partnerships(response) == {PEEL}
    assertContains(response, "1 result")


def test_search_finds_a_partnership_by_a_party_name(client, seed):
    response = client.get("/partnerships/?q=Peel")
    assert listed_partnerships(response) == {PEEL}


def test_search_finds_a_partnership_by_part_of_a_name(client, seed):
    response = client.get("/partnerships/?q=Bycirk")
    assert listed_partnerships(response) == {WUXI}


def test_country_filter_lists_only_that_countrys_partnerships(client, seed):
    response = client.get("/partnerships/?country=denmark")
    assert listed_partnerships(response) == {WUXI}


def test_filter_without_matches_shows_the_empty_state(client, seed):
    response = client.get("/partnerships/?level=school")
    assert response.status_code == 200
    assert result_count(response) == 0
    assertContains(response, "Nothing matches")
    assertContains(response, "No records match these filters")


@pytest.mark.parametrize("name", LISTS)
def test_a_search_that_finds_nothing_offers_no_empty_refine_box(client, seed, name):
    response = client.get(f"{LISTS[name]}?q=zzqqxxnothing")
    assert response.status_code == 200
    assertContains(response, "Nothing matches")
    assertNotContains(response, 'id="facets-heading"')
    assertContains(client.get(LISTS[name]), 'id="facets-heading"')  # the list itself has one


def test_two_regions_chosen_narrow_to_partnerships_with_a_party_in_each(client, seed):
    response = client.get("/partnerships/?region=jiangsu&region=canada")
    assert listed_partnerships(response) == {PEEL}


def test_two_countries_no_partnership_joins_list_nothing(client, seed):
    # Canada and Denmark: each has a partnership with China, none with the other.
    response = client.get("/partnerships/?country=canada&country=denmark")
    assert listed_partnerships(response) == set()


def test_different_filters_are_anded(client, seed):
    response = client.get("/partnerships/?region=jiangsu&country=canada")
    assert listed_partnerships(response) == {PEEL}


def test_year_filters_select_partnerships_established_in_the_range(client, seed):
    Bulk().add(3, only="partnerships")  # established 2000, 2001, 2002
    response = client.get("/partnerships/?year_from=2001&year_to=2002")
    assert {p.established_on.year for p in response.context["object_list"]} == {2001, 2002}


def test_region_filter_on_organizations_includes_sub_regions(client, seed):
    names = listed(client.get("/organizations/?region=china&per_page=50"))
    assert "Suzhou Bureau of Education" in names  # in Suzhou, a city of Jiangsu
    assert "Suihua University" in names  # in Heilongjiang
    assert "Peel District School Board" not in names


def test_region_filter_on_regions_lists_the_region_and_what_lies_in_it(client, seed):
    names = listed(client.get("/regions/?region=jiangsu"))
    assert sorted(names) == ["Jiangsu", "Suzhou", "Wuxi", "Xuzhou"]


def test_region_filter_on_conferences_includes_the_host_city(client, seed):
    names = listed(client.get("/conferences/?region=jiangsu"))
    assert names == [
        "18th Jiangsu International Exchange and Cooperation Conference for Primary and "
        "Secondary School Principals"
    ]


def test_region_filter_on_alliances_includes_alliances_with_members_there(client, seed):
    names = listed(client.get("/alliances/?region=heilongjiang"))
    assert names == ["Alliance of Special Education Schools of China and Russia"]


def test_region_filter_on_people_uses_their_organizations_region(client, seed):
    names = listed(client.get("/people/?region=heilongjiang"))
    assert sorted(names) == ["Liu Feng", "Wang Shaosong"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/organizations/?country=canada", ["Peel District School Board"]),
        (
            "/alliances/?country=russia",
            ["Alliance of Special Education Schools of China and Russia"],
        ),
        (
            "/alliances/?conference=founding-conference-alliance-of-special-education-schools-"
            "of-china-and-russia",
            ["Alliance of Special Education Schools of China and Russia"],
        ),
        (
            f"/conferences/?series={SERIES_SLUG}",
            [
                "18th Jiangsu International Exchange and Cooperation Conference for Primary and "
                "Secondary School Principals"
            ],
        ),
        ("/people/?organization=suihua-university", ["Liu Feng"]),
        ("/regions/?kind=city&sort=name", ["Suzhou", "Wuxi", "Xuzhou"]),
        (
            "/alliances/?focus=special_education",
            ["Alliance of Special Education Schools of China and Russia"],
        ),
        ("/organizations/?kind=school_board", ["Peel District School Board"]),
    ],
)
def test_filter_by_a_related_record_or_a_choice_lists_the_matching_rows(
    client, seed, url, expected
):
    response = client.get(url)
    assert response.status_code == 200
    assert listed(response) == expected


def test_conference_filter_on_partnerships_lists_those_signed_there(client, seed):
    Bulk().add(2, only="partnerships")
    slug = Conference.objects.get(name="Extra Conference 001").slug
    response = client.get(f"/partnerships/?conference={slug}")
    assert listed_partnerships(response) == {"Extra School 001 – Extra Board 001"}


def test_status_and_language_filters_select_by_value(client, seed):
    assert result_count(client.get("/partnerships/?status=established")) == 2
    assert result_count(client.get("/partnerships/?status=ended")) == 0
    assert result_count(client.get("/sources/?language=en")) == 2


def test_search_finds_an_organization_by_another_name(client, seed):
    response = client.get("/organizations/?q=Suihua+Institute")
    assert listed(response) == ["Suihua University"]


def test_search_finds_a_source_by_its_title(client, seed):
    response = client.get("/sources/?q=global+educational+bonds")
    assert listed(response) == [f"{Source.objects.get(title=JIANGSU_SOURCE)}"]


def test_search_finds_a_person_by_name(client, seed):
    assert listed(client.get("/people/?q=Jiang+Yong")) == ["Jiang Yong"]


def test_active_filter_chip_links_to_the_list_without_it(client, seed):
    response = client.get("/partnerships/?region=jiangsu&country=canada")
    chips = {(c["label"], c["value"]): c["url"] for c in response.context["active_filters"]}
    assert chips[("Country", "Canada")] == "?region=jiangsu"
    assert chips[("Region", "Jiangsu")] == "?country=canada"


# --------------------------------------------------------------------------- facets


def test_list_without_a_querystring_shows_its_facets(client, seed):
    response = client.get("/partnerships/")
    counts = {label: item.count for label, item in facet(response, "country").items()}
    assert counts == {"China": 2, "Canada": 1, "Denmark": 1}
    assertContains(response, 'id="facet-country"')


def test_region_facet_on_regions_counts_each_region_with_what_lies_in_it(client, seed):
    counts = {label: item.count for label, item in facet(client.get("/regions/"), "region").items()}
    # China: itself, 2 provinces, 3 cities, 2 special administrative regions.
    assert counts == {"China": 8, "Jiangsu": 4}


def test_region_facet_on_conferences_counts_conferences_in_or_under_a_region(client, seed):
    response = client.get("/conferences/")
    counts = {label: item.count for label, item in facet(response, "region").items()}
    # Hosts, and the regions the 18th Jiangsu conference names as taking part, each once.
    assert counts == {
        "China": 2,
        "Heilongjiang": 1,
        "Jiangsu": 1,
        "Xuzhou": 1,
        "United States": 1,
        "Australia": 1,
        "United Kingdom": 1,
        "Canada": 1,
        "Hong Kong": 1,
        "Macau": 1,
    }


def test_country_facet_counts_partnerships_per_country_of_a_party(client, seed):
    response = client.get("/partnerships/?region=jiangsu")
    counts = {label: item.count for label, item in facet(response, "country").items()}
    assert counts == {"China": 2, "Canada": 1, "Denmark": 1}


def test_facet_item_link_adds_its_value_to_the_filters(client, seed):
    response = client.get("/partnerships/?region=jiangsu")
    item = facet(response, "country")["Canada"]
    assert not item.selected
    assert item.url == "?region=jiangsu&country=canada"
    # The page lands on the results (#results), where a phone shows them first.
    assertContains(response, 'href="?region=jiangsu&amp;country=canada#results"')


def test_selected_facet_item_link_removes_its_value(client, seed):
    response = client.get("/partnerships/?region=jiangsu&country=canada")
    item = facet(response, "country")["Canada"]
    assert item.selected
    assert item.url == "?region=jiangsu"


def test_removing_the_last_selected_value_links_to_the_bare_list(client, seed):
    response = client.get("/partnerships/?region=jiangsu")
    item = facet(response, "region")["Jiangsu"]
    assert item.selected
    assert item.url == "/partnerships/"


def test_facets_are_counted_on_the_first_page_only(client, seed):
    Bulk().add(12, only="organizations")
    response = client.get("/organizations/?per_page=10&page=2&kind=school")
    assert response.context["facets"] == []
    assertContains(response, 'href="?per_page=10&amp;kind=school"')  # back to page 1


def test_facet_link_drops_the_page_number(client, seed):
    from django.test import RequestFactory

    from partnerships.facets import toggle_url

    request = RequestFactory().get("/organizations/?per_page=10&page=2")
    url = toggle_url(request, "kind", "school")
    assert "per_page=10" in url
    assert not re.search(r"[?&]page=", url)


@pytest.mark.parametrize(
    ("query", "param", "value"),
    [
        ("q=a%20b%26c&kind=school&kind=board&page=3", "kind", "school"),  # removes one of two
        ("q=%E4%B8%AD%E5%9B%BD+x&sort=-name", "kind", "board"),  # adds, after the rest
        ("kind=school", "kind", "school"),  # removes the last: the bare path
        ("country=china&country=canada", "country", "a+b/c?"),
    ],
)
def test_facet_links_encode_the_querystring_as_django_does(query, param, value):
    from django.test import RequestFactory

    from partnerships.facets import toggle_url

    request = RequestFactory().get(f"/partnerships/?{query}")
    expected = request.GET.copy()  # the same link, built the QueryDict way
    expected.pop("page", None)
    values = expected.getlist(param)
    values = [v for v in values if v != value] if value in values else [*values, value]
    expected.setlist(param, values)
    if not values:
        del expected[param]
    encoded = expected.urlencode()
    assert toggle_url(request, param, value) == (f"?{encoded}" if encoded else "/partnerships/")


def test_year_facet_links_set_both_year_bounds(client, seed):
    Bulk().add(2, only="partnerships")
    item = facet(client.get("/partnerships/"), "year")["2001"]
    assert item.count == 1
    assert item.url == "?year_from=2001&year_to=2001"


@pytest.fixture
def nested(seed):
    """Seed plus records at several levels of one region tree (to test "in or under")."""
    jiangsu = Region.objects.get(slug="jiangsu")
    suzhou = Region.objects.get(slug="suzhou")
    district = make_region("Gusu", kind=RegionKind.DISTRICT, parent=suzhou)
    school = make_org("Gusu Experimental School", district)
    make_org("Jiangsu Academy", jiangsu, kind=OrganizationKind.UNIVERSITY)
    make_conference("Jiangsu Province Forum", host_region=jiangsu)
    make_conference("Gusu Forum", host_region=district)
    make_person("Gu Su", school)
    peel = Organization.objects.get(slug="peel-district-school-board")
    make_partnership(school, peel)


@pytest.mark.parametrize("name", LISTS)
def test_every_facet_count_matches_the_rows_its_link_lists(client, nested, name):
    url = LISTS[name]
    response = client.get(url)
    checked = 0
    for result in response.context["facets"]:
        for item in result.items:
            if not item.url or item.selected:
                continue
            target = client.get(url + item.url if item.url.startswith("?") else item.url)
            assert result_count(target) == item.count, (result.param, item.label)
            checked += 1
    assert checked


# --------------------------------------------------------------------------- sorting

SORT_KEYS = {
    "partnerships": "name",
    "alliances": "name",
    "conferences": "name",
    "organizations": "name",
    "regions": "name",
    "sources": "title",
    "people": "name",
}


@pytest.mark.parametrize("name", LISTS)
def test_sort_by_name_and_its_reverse_give_opposite_orders(client, seed, name):
    Bulk().add(3, only=name)
    key = SORT_KEYS[name]
    up = [o.pk for o in client.get(f"{LISTS[name]}?sort={key}&per_page=100").context["object_list"]]
    down = [
        o.pk for o in client.get(f"{LISTS[name]}?sort=-{key}&per_page=100").context["object_list"]
    ]
    assert len(up) > 2
    assert down == list(reversed(up))


@pytest.mark.parametrize(
    ("sort", "years"),
    [
        ("", [2002, 2001, 2000]),
        ("-established", [2002, 2001, 2000]),
        ("established", [2000, 2001, 2002]),
    ],
)
def test_partnerships_whose_date_is_unknown_come_last_in_either_date_order(
    client, seed, sort, years
):
    # PostgreSQL sorts NULL as the largest value: newest first put them at the top there.
    extra = Bulk().add(4, only="partnerships")
    undated = SisterSchoolPartnership.objects.filter(established_on__year=2003)
    assert undated.update(established_on=None) == 1
    response = client.get(f"/partnerships/?country={extra.slug}&sort={sort}")
    listed_years = [
        p.established_on and p.established_on.year for p in response.context["object_list"]
    ]
    assert listed_years == [*years, None]


@pytest.mark.parametrize("sort", ["", "-held", "held"])
def test_conferences_whose_date_is_unknown_come_last_in_either_date_order(client, seed, sort):
    make_conference("Undated Conference", held_on=None)
    names = listed(client.get(f"/conferences/?sort={sort}&per_page=100"))
    assert len(names) > 2
    assert names[-1] == "Undated Conference"


def test_sort_by_name_orders_organizations_alphabetically(client, seed):
    names = listed(client.get("/organizations/?sort=name&per_page=50"))
    assert names == sorted(names)


@pytest.mark.parametrize("name", LISTS)
def test_unknown_sort_is_a_visible_form_error(client, seed, name):
    response = client.get(LISTS[name] + "?sort=password")
    assert response.status_code == 200
    assertContains(response, "Some filters could not be used")
    assertContains(response, "password is not one of the available choices")
    assertContains(response, "Correct the filters above")


# --------------------------------------------------------------------------- exports

# A filter per list that selects exactly the Bulk rows, and how many per Bulk row index.
BULK_FILTERS = {
    "partnerships": ("country={slug}", 1),
    "alliances": ("country={slug}", 1),
    "conferences": ("region={slug}", 1),
    "organizations": ("country={slug}", 2),
    "regions": ("region={slug}&kind=province", 1),
    "sources": ("language={language}", 1),
    "people": ("region={slug}", 1),
}


def bulk_query(name, bulk) -> str:
    return BULK_FILTERS[name][0].format(slug=bulk.slug, language=bulk.language)


FIRST_COLUMN = {
    "partnerships": "name",
    "alliances": "name",
    "conferences": "name",
    "organizations": "name",
    "regions": "name",
    "sources": "id",
    "people": "name",
}


@pytest.fixture(scope="class")
def many_rows(seeded_module, django_db_blocker):
    with rolled_back(django_db_blocker):
        yield Bulk().add(12)


@pytest.fixture
def bulk(many_rows, db):
    return many_rows


class TestExportsOfManyRows:
    """Exports of lists with more rows than a page (12 Bulk rows of every kind)."""

    @pytest.mark.parametrize("fmt", ["csv", "json"])
    @pytest.mark.parametrize("name", LISTS)
    def test_export_returns_every_matching_row_not_one_page(self, client, bulk, name, fmt):
        query = bulk_query(name, bulk)
        expected = 12 * BULK_FILTERS[name][1]
        page = client.get(f"{LISTS[name]}?{query}&per_page=10")
        assert result_count(page) == expected
        assert len(page.context["object_list"]) == 10
        response = client.get(f"{LISTS[name]}?{query}&per_page=10&format={fmt}")
        assert response.status_code == 200
        rows = csv_rows(response) if fmt == "csv" else json_rows(response)
        assert len(rows) == expected

    @pytest.mark.parametrize("fmt", ["csv", "json"])
    @pytest.mark.parametrize("name", LISTS)
    def test_export_applies_the_filters(self, client, bulk, name, fmt):
        """The same rows as the list, and none of the seed's records outside the filter."""
        query = bulk_query(name, bulk)
        page = client.get(f"{LISTS[name]}?{query}&per_page=100")
        response = client.get(f"{LISTS[name]}?{query}&format={fmt}")
        rows = csv_rows(response) if fmt == "csv" else json_rows(response)
        key = FIRST_COLUMN[name]
        objects = page.context["object_list"]
        if key == "id":
            expected = [str(o.pk) for o in objects]
        else:
            expected = [getattr(o, "name", None) or str(o) for o in objects]
        assert len(expected) == 12 * BULK_FILTERS[name][1]
        assert [str(row[key]) for row in rows] == expected

    @pytest.mark.parametrize("fmt", ["csv", "json"])
    @pytest.mark.parametrize("name", LISTS)
    def test_export_of_the_whole_list_includes_the_seed(self, client, bulk, name, fmt):
        response = client.get(f"{LISTS[name]}?format={fmt}")
        rows = csv_rows(response) if fmt == "csv" else json_rows(response)
        assert len(rows) == SEED_COUNTS[name] + 12 * BULK_FILTERS[name][1] + (name == "regions")

    @pytest.mark.parametrize("name", LISTS)
    def test_json_export_includes_the_citations_of_every_row(self, client, bulk, name):
        rows = json_rows(client.get(f"{LISTS[name]}?{bulk_query(name, bulk)}&format=json"))
        if name == "sources":
            assert all(row["citations"] == [] for row in rows)
            return
        for row in rows:
            (citation,) = row["citations"]
            assert re.fullmatch(r"Extra Source \d{3}", citation["source"])
            assert citation["paragraph"] == 1
            assert citation["outlet"] == "Test Gazette"


@pytest.mark.parametrize(
    ("name", "headers"),
    [
        (
            "partnerships",
            ["name", "party_a", "party_a_region", "party_a_country", "party_b", "level"],
        ),
        ("alliances", ["name", "focus", "member_countries", "founded", "founded_at"]),
        ("conferences", ["name", "series", "dates", "host_region", "organizers"]),
        ("organizations", ["name", "other_names", "kind", "region", "country", "part_of"]),
        ("regions", ["name", "kind", "iso_code", "part_of"]),
        ("sources", ["id", "title", "outlet", "published_on", "language", "url"]),
        ("people", ["name", "position", "organization"]),
    ],
)
def test_csv_export_has_a_header_row_of_readable_column_names(client, seed, name, headers):
    response = client.get(f"{LISTS[name]}?format=csv")
    header = next(csv.reader(io.StringIO(body(response))))
    assert set(headers) <= set(header)
    assert not [h for h in header if h.endswith("_id") or h == "pk"]


def test_csv_export_starts_with_a_byte_order_mark_for_spreadsheets(client, seed):
    response = client.get("/partnerships/?format=csv")
    assert b"".join(response.streaming_content).startswith("\ufeff".encode())
    assert response["Content-Type"] == "text/csv; charset=utf-8"


def test_partnership_export_names_related_records_instead_of_ids(client, seed):
    rows = {row["name"]: row for row in csv_rows(client.get("/partnerships/?format=csv"))}
    peel = rows[PEEL]
    assert peel["party_a_region"] == "Suzhou"
    assert peel["party_a_country"] == "China"
    assert peel["party_b_country"] == "Canada"
    assert peel["conference_series"] == ""  # the report does not credit it to the series
    assert peel["level"] == "Between education authorities"
    assert peel["url"] == "/partnerships/suzhou-bureau-of-education-peel-district-school-board/"


def test_organization_export_names_region_country_and_other_names(client, seed):
    rows = {row["name"]: row for row in csv_rows(client.get("/organizations/?format=csv"))}
    suihua = rows["Suihua University"]
    assert suihua["region"] == "Heilongjiang"
    assert suihua["country"] == "China"
    assert "Suihua Institute" in suihua["other_names"]
    assert suihua["kind"] == "University or college"


def test_alliance_export_names_member_countries_and_founding_conference(client, seed):
    (row,) = json_rows(client.get("/alliances/?format=json"))
    assert row["member_countries"] == "China; Russia"
    assert row["founded_at"].startswith("Founding conference of the Alliance")


def test_conference_export_names_series_host_region_and_organizers(client, seed):
    rows = {row["name"][:4]: row for row in json_rows(client.get("/conferences/?format=json"))}
    row = rows["18th"]
    assert row["host_region"] == "Xuzhou"
    assert row["series"].startswith("Jiangsu International Exchange")
    assert "Jiangsu Provincial Department of Education" in row["organizers"]


def test_region_and_person_exports_name_the_parent_and_organization(client, seed):
    regions = {row["name"]: row for row in csv_rows(client.get("/regions/?format=csv"))}
    assert regions["Suzhou"]["part_of"] == "Jiangsu"
    people = {row["name"]: row for row in csv_rows(client.get("/people/?format=csv"))}
    assert people["Liu Feng"]["organization"] == "Suihua University"


def test_json_export_cites_the_seed_source_paragraph(client, seed):
    rows = {row["name"]: row for row in json_rows(client.get("/partnerships/?format=json"))}
    assert {(c["source"], c["paragraph"]) for c in rows[PEEL]["citations"]} == {(JIANGSU_SOURCE, 8)}


@pytest.mark.parametrize("fmt", ["csv", "json"])
@pytest.mark.parametrize("name", LISTS)
def test_export_is_an_attachment_with_a_dated_file_name(client, seed, name, fmt):
    response = client.get(f"{LISTS[name]}?format={fmt}")
    assert re.fullmatch(
        rf'attachment; filename="{name}-\d{{8}}\.{fmt}"', response["Content-Disposition"]
    )


def test_json_export_is_json_with_a_utf8_content_type(client, seed):
    response = client.get("/partnerships/?format=json")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert {row["name"] for row in json_rows(response)} == {PEEL, WUXI}


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_csv_export_quotes_cells_that_would_start_a_formula(client, seed, start):
    evil = f'{start}HYPERLINK("http://evil.example/","x")'
    make_org(evil, Region.objects.get(slug="canada"), description=f"{start}1+1")
    rows = csv_rows(client.get("/organizations/?country=canada&format=csv"))
    row = next(r for r in rows if "HYPERLINK" in r["name"])
    assert row["name"] == "'" + evil
    assert row["description"] == f"'{start}1+1"


def test_json_export_keeps_values_that_start_like_a_formula_as_they_are(client, seed):
    make_org("=SUM(A1)", Region.objects.get(slug="denmark"))
    rows = json_rows(client.get("/organizations/?country=denmark&format=json"))
    assert "=SUM(A1)" in [row["name"] for row in rows]


def test_export_with_invalid_filters_is_refused_with_the_errors(client, seed):
    response = client.get("/partnerships/?region=nowhere&format=csv")
    assert response.status_code == 400
    assert "Content-Disposition" not in response
    assertContains(response, "nowhere", status_code=400)


def test_export_uses_the_chosen_sort(client, seed):
    rows = csv_rows(client.get("/organizations/?sort=-name&format=csv"))
    names = [row["name"] for row in rows]
    assert names == sorted(names, reverse=True)


# --------------------------------------------------------------------------- drafts

DRAFT_NAMES = [
    "Draftshire",
    "Draft Academy",
    "Hidden Conference",
    "Hidden Alliance",
    "Zorblat Person",
    "Unpublished Report",
    "Covert Series",
]


def create_drafts() -> dict:
    """Draft records of every kind next to the seed, and published records tied to them."""
    china = Region.objects.get(slug="china")
    jiangsu = Region.objects.get(slug="jiangsu")
    suzhou_bureau = Organization.objects.get(slug="suzhou-bureau-of-education")
    suihua = Organization.objects.get(slug="suihua-university")
    peel = Organization.objects.get(slug="peel-district-school-board")
    source = Source.objects.get(title=JIANGSU_SOURCE)

    region = make_region("Draftshire", kind=RegionKind.PROVINCE, parent=china, publication=DRAFT)
    academy = make_org(
        "Draft Academy", jiangsu, publication=DRAFT, other_names=["Academy Incognito"]
    )
    series = make_series("Covert Series", publication=DRAFT)
    conference = make_conference(
        "Hidden Conference", host_region=region, series=series, publication=DRAFT
    )
    alliance = make_alliance(
        "Hidden Alliance", countries=[china], members=[suihua], publication=DRAFT
    )
    person = make_person("Zorblat Person", suihua, publication=DRAFT)
    report = make_source("Unpublished Report", publication=DRAFT, language="xx")
    with_draft_party = make_partnership(suzhou_bureau, academy)
    draft_partnership = make_partnership(
        suihua, peel, publication=DRAFT, established_on=datetime.date(1999, 1, 1)
    )
    draft_figure = make_figure(conference, 777777, metric=Metric.PARTICIPANTS, publication=DRAFT)
    figure_about_draft = make_figure(
        conference, 888888, metric=Metric.PARTICIPANTS, as_of=datetime.date(2024, 2, 2)
    )
    speech = make_speech(person, Conference.objects.get(slug__startswith="18th"))
    membership = AllianceMembership.objects.get(alliance=alliance)
    for record in (
        region,
        academy,
        conference,
        alliance,
        person,
        with_draft_party,
        speech,
        membership,
        draft_figure,
        figure_about_draft,
    ):
        cite(record, source, paragraph=3)
    cite(draft_partnership, report)
    return {
        "region": region,
        "academy": academy,
        "series": series,
        "conference": conference,
        "alliance": alliance,
        "person": person,
        "report": report,
        "with_draft_party": with_draft_party,
        "draft_partnership": draft_partnership,
        "draft_figure": draft_figure,
        "figure_about_draft": figure_about_draft,
    }


@pytest.fixture(scope="class")
def drafts_once(seeded_module, django_db_blocker):
    with rolled_back(django_db_blocker):
        yield create_drafts()


@pytest.fixture
def drafts(drafts_once, db):
    return drafts_once


def tie_to_drafts(drafts):
    """Published records whose related record (region, conference, organization) is a draft."""
    region = drafts["region"]
    school = make_org("Open School", region)
    canada = Region.objects.get(slug="canada")
    board = make_org("Maple Board", canada, parent=drafts["academy"])
    make_partnership(school, board, conference=drafts["conference"], series=drafts["series"])
    make_person("Open Person", drafts["academy"])
    make_conference(
        "Open Forum",
        host_region=region,
        series=drafts["series"],
        venue=drafts["academy"],
        organizers=[drafts["academy"]],
    )
    make_alliance(
        "Open Alliance",
        countries=[region],
        members=[drafts["academy"]],
        founding_conference=drafts["conference"],
    )
    make_region("Open City", kind=RegionKind.CITY, parent=region)


@pytest.fixture(scope="class")
def tied_once(seeded_module, django_db_blocker):
    with rolled_back(django_db_blocker):
        drafts = create_drafts()
        tie_to_drafts(drafts)
        yield drafts


@pytest.fixture
def tied_to_drafts(tied_once, db):
    return tied_once


class TestDrafts:
    """Draft records of every kind next to the seed (create_drafts), made once for the class."""

    @pytest.mark.parametrize(("name", "count"), SEED_COUNTS.items())
    def test_drafts_are_not_listed_nor_counted(self, client, drafts, name, count):
        response = client.get(LISTS[name] + "?per_page=100")
        assert result_count(response) == count
        for draft in DRAFT_NAMES:
            assertNotContains(response, draft)

    def test_partnership_with_a_draft_party_is_not_listed(self, client, drafts):
        response = client.get("/partnerships/?q=Suzhou")
        assert listed_partnerships(response) == {PEEL}

    @pytest.mark.parametrize("name", LISTS)
    def test_search_does_not_find_drafts(self, client, drafts, name):
        for q in ("Draft", "Hidden", "Zorblat", "Covert", "Unpublished", "Incognito"):
            assert result_count(client.get(f"{LISTS[name]}?q={q}")) == 0

    def test_partnership_facets_do_not_offer_values_only_drafts_have(self, client, drafts):
        response = client.get("/partnerships/")
        assert "School to school" not in facet(response, "level")
        assert "1999" not in facet(response, "year")
        assert "Draft Academy" not in body(response)

    def test_filtering_by_a_draft_region_is_an_error_not_a_result(self, client, drafts):
        response = client.get("/organizations/?region=draftshire")
        assertContains(response, "Some filters could not be used")
        assert result_count(response) == 0

    @pytest.mark.parametrize("fmt", ["csv", "json"])
    @pytest.mark.parametrize("name", LISTS)
    def test_exports_leave_drafts_out(self, client, drafts, name, fmt):
        response = client.get(f"{LISTS[name]}?format={fmt}")
        rows = csv_rows(response) if fmt == "csv" else json_rows(response)
        assert len(rows) == SEED_COUNTS[name]
        text = json.dumps(rows)
        for draft in DRAFT_NAMES:
            assert draft not in text

    @pytest.mark.parametrize(
        "url",
        [
            "/regions/draftshire/",
            "/organizations/draft-academy/",
            "/conferences/hidden-conference/",
            "/alliances/hidden-alliance/",
            "/people/zorblat-person/",
            "/series/covert-series/",
            "/partnerships/suihua-university-peel-district-school-board/",
            "/partnerships/suzhou-bureau-of-education-draft-academy/",
        ],
    )
    def test_draft_detail_pages_are_not_found(self, client, drafts, url):
        response = client.get(url)
        assert response.status_code == 404

    def test_draft_source_detail_page_is_not_found(self, client, drafts):
        response = client.get(f"/sources/{drafts['report'].pk}/")
        assert response.status_code == 404

    def test_dashboard_counts_and_charts_leave_drafts_out(self, client, drafts):
        response = client.get("/")
        headlines = {h["url"]: h["count"] for h in response.context["headlines"]}
        assert headlines == {
            "partnership-list": 2,
            "alliance-list": 1,
            "conference-list": 2,
            "organization-list": 11,
        }
        charts = {c.id: c for c in response.context["charts"]}
        assert sum(b.value for b in charts["chart-year"].bars) == 2
        assert ("Canada", 1) in [(b.label, b.value) for b in charts["chart-country"].bars]

    def test_dashboard_leaves_out_draft_figures_and_figures_about_drafts(self, client, drafts):
        response = client.get("/")
        assertNotContains(response, "777,777")
        assertNotContains(response, "888,888")
        for draft in DRAFT_NAMES:
            assertNotContains(response, draft)

    def test_source_page_leaves_out_draft_records_that_cite_it(self, client, drafts):
        response = client.get(f"/sources/{source_pk()}/")
        assertContains(response, PEEL)
        for draft in DRAFT_NAMES:
            assertNotContains(response, draft)
        assertNotContains(response, "hidden-conference")  # a figure's link to its subject
        assertNotContains(response, "Suzhou Bureau of Education – Draft Academy")

    def test_source_list_count_leaves_out_citations_of_drafts(self, client, drafts):
        response = client.get("/sources/")
        counts = {s.title: s.record_count for s in response.context["object_list"]}
        source = Source.objects.get(title=JIANGSU_SOURCE)
        assert counts[JIANGSU_SOURCE] == source.citations_made.exclude(paragraph=3).count()

    def test_related_page_of_a_published_record_leaves_out_its_draft_partner(self, client, drafts):
        response = client.get("/organizations/suzhou-bureau-of-education/")
        assert {str(p) for p in response.context["partnerships"]} == {PEEL}
        assertNotContains(response, "Draft Academy")

    @pytest.mark.parametrize(
        "url",
        [
            "/alliances/alliance-of-special-education-schools-of-china-and-russia/",
            "/organizations/suihua-university/",
            "/regions/china/",
            "/regions/jiangsu/",
            "/conferences/18th-jiangsu-international-exchange-and-cooperation-conference-for-principals/",
            f"/series/{SERIES_SLUG}/",
            "/people/liu-feng/",
        ],
    )
    def test_published_detail_pages_do_not_name_drafts(self, client, drafts, url):
        response = client.get(url)
        assert response.status_code == 200
        for draft in DRAFT_NAMES:
            assertNotContains(response, draft)


def facet_counts(response) -> dict:
    return {r.param: {(i.label, i.count) for i in r.items} for r in response.context["facets"]}


@pytest.mark.parametrize("name", LISTS)
def test_facets_do_not_count_drafts(client, seed, name):
    before = facet_counts(client.get(LISTS[name]))
    create_drafts()
    assert facet_counts(client.get(LISTS[name])) == before


def test_source_list_citation_count_leaves_out_draft_records(client, seed):
    before = {s.title: s.record_count for s in client.get("/sources/").context["object_list"]}
    source = Source.objects.get(title=JIANGSU_SOURCE)
    cite(make_org("Draft Academy", publication=DRAFT), source)
    cite(make_alliance("Hidden Alliance", publication=DRAFT), source)
    after = {s.title: s.record_count for s in client.get("/sources/").context["object_list"]}
    assert after == before


class TestPublishedRecordsTiedToDrafts:
    """Published records whose region, conference, series, parent or organization is a draft."""

    @pytest.mark.parametrize("name", LISTS)
    def test_lists_do_not_name_draft_records_that_published_rows_point_to(
        self, client, tied_to_drafts, name
    ):
        response = client.get(LISTS[name] + "?per_page=100")
        assert response.status_code == 200
        for draft in DRAFT_NAMES:
            assertNotContains(response, draft)

    @pytest.mark.parametrize("fmt", ["csv", "json"])
    @pytest.mark.parametrize("name", LISTS)
    def test_exports_do_not_name_draft_records_that_published_rows_point_to(
        self, client, tied_to_drafts, name, fmt
    ):
        text = body(client.get(f"{LISTS[name]}?format={fmt}"))
        for draft in DRAFT_NAMES:
            assert draft not in text

    @pytest.mark.parametrize(
        "url",
        [
            "/partnerships/open-school-maple-board/",
            "/organizations/open-school/",
            "/organizations/maple-board/",
            "/people/open-person/",
            "/conferences/open-forum/",
            "/alliances/open-alliance/",
            "/regions/open-city/",
            "/regions/china/",
            "/",
        ],
    )
    def test_detail_pages_do_not_name_draft_records_they_point_to(
        self, client, tied_to_drafts, url
    ):
        response = client.get(url)
        assert response.status_code == 200
        for draft in DRAFT_NAMES:
            assertNotContains(response, draft)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="statement_timeout")
def test_count_rows_past_its_time_limit_counts_up_to_the_cap_and_says_not_exact(seed, settings):
    from django.db.models.expressions import RawSQL

    from partnerships.pagination import count_rows

    settings.COUNT_TIME_LIMIT_MS = 20
    slow = SisterSchoolPartnership.objects.filter(
        pk__in=RawSQL("SELECT id FROM partnerships_sisterschoolpartnership, pg_sleep(0.2)", [])
    )
    assert count_rows(slow, cap=1) == (2, False)  # cap + 1: "more than 1"
    assert count_rows(SisterSchoolPartnership.objects.all(), cap=1) == (2, True)


def test_a_list_whose_count_ran_out_of_time_says_more_than_the_cap(
    client, seed, settings, monkeypatch
):
    from partnerships import facets, pagination

    settings.LIST_COUNT_CAP = 1
    # As count_rows answers when the exact count runs out of time (the list's first page
    # counts with its facets, facets.list_facets; another page with its paginator).
    for module in (facets, pagination):
        monkeypatch.setattr(module, "count_rows", lambda queryset, cap: (cap + 1, False))
    response = client.get("/partnerships/")
    assertContains(response, "more than 1 results")
    assertContains(response, "counting them all took too long")


def test_the_search_and_the_year_range_in_force_have_chips_that_remove_them(client, seed):
    response = client.get("/partnerships/?q=Suzhou&year_from=2000&year_to=2030")
    chips = {chip["label"]: chip for chip in response.context["active_filters"]}
    assert chips["Search"]["value"] == "“Suzhou”"
    assert chips["Search"]["url"] == "?year_from=2000&year_to=2030"
    assert chips["Years"]["value"] == "2000–2030"
    assert chips["Years"]["url"] == "?q=Suzhou"
    assertContains(response, "Filters (2)")


@pytest.mark.parametrize(
    ("query", "years"),
    [
        ("year_from=2005", "from 2005"),
        ("year_to=2005", "to 2005"),
        ("year_from=2005&year_to=2005", "2005"),
    ],
)
def test_a_year_range_open_at_one_end_reads_as_such_in_its_chip(client, seed, query, years):
    response = client.get(f"/conferences/?{query}")
    chips = {chip["label"]: chip["value"] for chip in response.context["active_filters"]}
    assert chips["Years"] == years


def test_a_page_past_the_end_of_an_uncounted_list_is_a_400_that_says_so(
    client, seed, settings, monkeypatch
):
    from partnerships import pagination

    settings.LIST_COUNT_CAP = 1
    monkeypatch.setattr(pagination, "count_rows", lambda queryset, cap: (cap + 1, False))
    response = client.get("/partnerships/?page=500")
    assertContains(response, "Page 500 of this list holds no results", status_code=400)


def test_a_large_list_is_counted_exactly_past_the_old_cap(client, seed, settings):
    settings.LIST_COUNT_CAP = 1  # the two sourced partnerships are more than the cap
    response = client.get("/partnerships/")
    assert result_count(response) == 2
    assertContains(response, "2 results")
    assertNotContains(response, "more than")


def test_dashboard_country_chart_draws_the_top_countries_and_says_how_many_are_left_out(
    client, seed
):
    from partnerships.charts import TOP_BARS

    school = Organization.objects.get(slug="suzhou-bureau-of-education")
    for i in range(TOP_BARS + 2):
        country = make_region(f"Country {i:02d}")
        make_partnership(school, make_org(f"School {i:02d}", country))
    response = client.get("/")
    chart = next(c for c in response.context["charts"] if c.id == "chart-country")
    assert len(chart.bars) == TOP_BARS
    assert "China" not in [bar.label for bar in chart.bars]  # partner countries only
    # Canada, Denmark and 17 new countries: 19 partner countries with partnerships.
    assert chart.left_out == 19 - TOP_BARS
    assertContains(
        response, f"The {TOP_BARS} with the most partnerships; {19 - TOP_BARS} more are not shown."
    )


def test_dashboard_country_bars_are_the_counts_their_links_give(client, seed):
    response = client.get("/")
    chart = next(c for c in response.context["charts"] if c.id == "chart-country")
    assert chart.bars
    for bar in chart.bars:
        listed = client.get(f"/partnerships/?country={bar.slug}")
        assert result_count(listed) == bar.value, bar.label
    assertNotContains(response, "≈")


def test_facets_are_exact_and_say_nothing_of_samples(client, seed, settings):
    settings.LIST_COUNT_CAP = 1
    response = client.get("/partnerships/")
    country = next(f for f in response.context["facets"] if f.param == "country")
    assert {item.label: item.count for item in country.items} == {
        "China": 2,
        "Canada": 1,
        "Denmark": 1,
    }
    assertNotContains(response, "≈")
    assertNotContains(response, "sample")


def test_a_partys_place_reads_city_province_country_each_once(client, seed):
    page = client.get("/partnerships/suzhou-bureau-of-education-peel-district-school-board/")
    text = re.sub(r"<[^>]+>", "", page.content.decode())
    assert "Suzhou Bureau of Education (Suzhou, Jiangsu, China)" in text
    assert "Peel District School Board (Canada)" in text


def test_a_partys_place_never_names_a_draft_province(client, seed):
    from partnerships.models import Region

    Region.objects.filter(slug="jiangsu").update(publication=DRAFT)
    page = client.get("/partnerships/suzhou-bureau-of-education-peel-district-school-board/")
    text = re.sub(r"<[^>]+>", "", page.content.decode())
    assert "Suzhou Bureau of Education (Suzhou, China)" in text
    assert "Jiangsu" not in text.split("Parties", 1)[1].split("Level", 1)[0]
