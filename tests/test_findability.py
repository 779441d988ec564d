"""Findability and exports of the reshaped model (issues 17 and 21): every record is found
by region, country and province, and by search for its other names; partial dates read
the one way everywhere (lists, facets, exports); exports carry a partnership's history;
the new fields go through export and import without loss, and junk in them is a row error.

Runs on SQLite and on PostgreSQL (search there is the word index)."""

from __future__ import annotations

import datetime

import pytest
from pytest_django.asserts import assertContains, assertNotContains

from partnerships import resources
from partnerships.dates import DatePrecision
from partnerships.filters import alliances_in_region, conferences_in_region
from partnerships.models import (
    Agreement,
    AgreementKind,
    AgreementStatus,
    Alliance,
    AllianceBody,
    AllianceBodyKind,
    AllianceMembership,
    Citation,
    Conference,
    EventRole,
    MemberRole,
    PartnershipLevel,
    Person,
    PersonName,
    Region,
    ReportedFigure,
    SisterSchoolPartnership,
    Source,
    Speech,
    StatusChange,
    Visit,
    VisitDirection,
)
from partnerships.record_resources import (
    RESOURCES_BY_MODEL,
    AllianceResource,
    ConferenceResource,
    PersonResource,
    SpeechResource,
)
from partnerships.resources import BulkImport, PartnershipResource
from tests.test_views import (
    DRAFT,
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
    make_series,
)

D = datetime.date


def alliance_urls(places) -> list[str]:
    """The list filtered by the city, by its province and by its country."""
    return [
        f"/alliances/?region={places['city'].slug}",
        f"/alliances/?region={places['province'].slug}",
        f"/alliances/?country={places['country'].slug}",
    ]


# --------------------------------------------------------------------------- alliances by place


@pytest.mark.parametrize("which", [0, 1, 2], ids=["city", "province", "country"])
def test_an_alliance_without_named_members_is_found_where_it_was_founded(client, places, which):
    make_alliance("Steppe Universities Union", founded_in=places["city"])
    make_alliance("Unrelated Union", founded_in=places["elsewhere"])
    response = client.get(alliance_urls(places)[which])
    assert listed(response) == ["Steppe Universities Union"]


@pytest.mark.parametrize("which", [0, 1, 2], ids=["city", "province", "country"])
def test_an_alliance_is_found_where_its_founding_conference_was_held(client, places, which):
    founding = make_conference("Founding Forum", host_region=places["city"])
    make_alliance("Forum Alliance", founding_conference=founding)
    response = client.get(alliance_urls(places)[which])
    assert listed(response) == ["Forum Alliance"]


def test_an_alliance_is_not_found_by_the_place_of_a_draft_founding_conference(client, places):
    founding = make_conference("Secret Forum", host_region=places["city"], publication=DRAFT)
    make_alliance("Quiet Alliance", founding_conference=founding)
    assert listed(client.get(alliance_urls(places)[1])) == []


def test_an_alliance_is_found_where_one_of_its_meetings_was_held(client, places):
    alliance = make_alliance("Meeting Alliance")
    make_conference("Third Annual Meeting", host_region=places["city"], alliance=alliance)
    assert listed(client.get(alliance_urls(places)[1])) == ["Meeting Alliance"]


def test_an_alliance_is_found_where_an_edition_of_its_series_was_held(client, places):
    alliance = make_alliance("Series Alliance")
    series = make_series("Annual Meetings of the Series Alliance", alliance=alliance)
    make_conference("Fifth Meeting", host_region=places["city"], series=series, edition=5)
    assert listed(client.get(alliance_urls(places)[2])) == ["Series Alliance"]


def test_an_alliance_is_found_in_a_place_also_hosting_its_meeting(client, places):
    alliance = make_alliance("Two-City Alliance")
    meeting = make_conference("Video-Linked Meeting", host_region=places["elsewhere"])
    meeting.alliance = alliance
    meeting.save()
    meeting.other_host_regions.set([places["city"]])
    assert listed(client.get(alliance_urls(places)[0])) == ["Two-City Alliance"]


@pytest.mark.parametrize("which", [0, 1, 2], ids=["city", "province", "country"])
def test_an_alliance_is_found_where_the_host_of_its_secretariat_is(client, places, which):
    alliance = make_alliance("Seated Alliance")
    host = make_org("Strelsau Technical University", places["city"])
    AllianceBody.objects.create(
        alliance=alliance, kind=AllianceBodyKind.SECRETARIAT, name="Secretariat", host=host
    )
    make_alliance("Unseated Alliance")
    response = client.get(alliance_urls(places)[which])
    assert listed(response) == ["Seated Alliance"]
    assert {label: item.count for label, item in facet(response, "country").items()} == {
        "Ruritania": 1
    }


def test_an_alliance_is_not_found_by_a_secretariat_host_that_is_a_draft(client, places):
    alliance = make_alliance("Quietly Seated Alliance")
    host = make_org("Draft Strelsau College", places["city"], publication=DRAFT)
    AllianceBody.objects.create(
        alliance=alliance, kind=AllianceBodyKind.SECRETARIAT, name="Secretariat", host=host
    )
    assert listed(client.get(alliance_urls(places)[1])) == []


def test_an_alliance_is_found_by_the_side_a_role_is_held_for(client, places):
    alliance = make_alliance("Sided Alliance")
    AllianceMembership.objects.create(
        alliance=alliance,
        person=make_person("Ivan Petrov"),
        role=MemberRole.CHAIR,
        country=places["country"],
    )
    assert listed(client.get(alliance_urls(places)[2])) == ["Sided Alliance"]


def test_the_alliance_list_counts_an_alliance_under_its_founding_province(client, places):
    make_alliance("Steppe Universities Union", founded_in=places["city"])
    response = client.get("/alliances/")
    assert {k: v.count for k, v in facet(response, "region").items()} == {"Strel Province": 1}
    assert {k: v.count for k, v in facet(response, "country").items()} == {"Ruritania": 1}


def test_the_province_facet_of_alliances_links_to_the_alliances_it_counts(client, places):
    make_alliance("Steppe Universities Union", founded_in=places["city"])
    item = facet(client.get("/alliances/"), "region")["Strel Province"]
    assert listed(client.get("/alliances/" + item.url)) == ["Steppe Universities Union"]


def test_an_alliance_counts_once_in_a_province_however_many_places_it_has_there(client, places):
    founding = make_conference("Founding Forum", host_region=places["city"])
    make_alliance(
        "Busy Alliance",
        founded_in=places["city"],
        founding_conference=founding,
        members=[make_org("Strelsau University", places["city"])],
    )
    assert facet(client.get("/alliances/"), "region")["Strel Province"].count == 1


def test_alliances_in_region_is_the_rule_a_region_page_can_use(places):
    make_alliance("Steppe Universities Union", founded_in=places["city"])
    make_alliance("Unrelated Union", founded_in=places["elsewhere"])
    found = alliances_in_region(Alliance.objects.published(), places["province"])
    assert [a.name for a in found] == ["Steppe Universities Union"]


# --------------------------------------------------------------------------- conferences by place


def test_a_conference_is_found_under_a_region_that_took_part(client, places):
    make_conference("Forum Abroad", host_region=places["elsewhere"], participating=[places["city"]])
    assert listed(client.get(f"/conferences/?region={places['country'].slug}")) == ["Forum Abroad"]


def test_a_conference_is_found_under_a_place_also_hosting_it(client, places):
    conference = make_conference("Two-Campus Forum", host_region=places["elsewhere"])
    conference.other_host_regions.set([places["city"]])
    assert listed(client.get(f"/conferences/?region={places['province'].slug}")) == [
        "Two-Campus Forum"
    ]


def test_the_conference_region_facet_counts_a_region_that_took_part(client, places):
    make_conference("Forum Abroad", host_region=places["elsewhere"], participating=[places["city"]])
    counts = {k: v.count for k, v in facet(client.get("/conferences/"), "region").items()}
    assert counts["Strel Province"] == 1
    assert counts["Elsewhere"] == 1


def test_conferences_in_region_is_the_rule_a_region_page_can_use(places):
    make_conference("Forum Abroad", host_region=places["elsewhere"], participating=[places["city"]])
    make_conference("Forum Elsewhere", host_region=places["elsewhere"])
    found = conferences_in_region(Conference.objects.published(), places["country"])
    assert [c.name for c in found] == ["Forum Abroad"]


# --------------------------------------------------------------------------- search


def test_search_finds_a_person_by_another_form_of_their_name(client, db):
    person = make_person("Ivan Petrov")
    PersonName.objects.create(person=person, name="Иван Петров", language="ru")
    assert listed(client.get("/people/?q=Петров")) == ["Ivan Petrov"]


def test_search_forgets_a_persons_other_name_once_it_is_deleted(client, db):
    person = make_person("Ivan Petrov")
    name = PersonName.objects.create(person=person, name="Iwan Pietrow")
    name.delete()
    assert listed(client.get("/people/?q=Pietrow")) == []


def test_the_people_list_shows_a_persons_other_names(client, db):
    person = make_person("Ivan Petrov")
    PersonName.objects.create(person=person, name="Iwan Pietrow")
    assertContains(client.get("/people/"), "Iwan Pietrow")


def test_search_finds_a_partnership_by_another_name_of_a_party(client, db):
    ziyun = make_org("Ziyun Middle School", other_names=["Purple Cloud Middle School"])
    make_partnership(make_org("Lakeside School"), ziyun)
    make_partnership(make_org("Hillside School"), make_org("Other Middle School"))
    response = client.get("/partnerships/?q=Purple+Cloud")
    assert listed_partnerships(response) == {"Lakeside School – Ziyun Middle School"}


def test_search_finds_a_partnership_by_the_source_s_own_word_for_it(client, db):
    make_partnership(
        make_org("Liuzhou Test City", kind="government"),
        make_org("Cincinnati Test City", kind="government"),
        level=PartnershipLevel.GOVERNMENT,
        source_label="sister city",
    )
    make_partnership(make_org("Hillside School"), make_org("Other Middle School"))
    response = client.get("/partnerships/?q=sister+city")
    assert listed_partnerships(response) == {"Liuzhou Test City – Cincinnati Test City"}


@pytest.mark.parametrize(
    ("fields", "query"),
    [
        ({"other_names": "Summit of the Two Rivers"}, "Two Rivers"),
        ({"theme": "Green campuses"}, "Green"),
        ({"part_of_occasion": "Years of Science and Innovation"}, "Years of Science"),
    ],
    ids=["other-name", "theme", "occasion"],
)
def test_search_finds_a_conference_by_its_other_name_or_theme(client, db, fields, query):
    make_conference("Annual Forum", **fields)
    make_conference("Another Forum")
    assert listed(client.get(f"/conferences/?q={query}")) == ["Annual Forum"]


def test_search_finds_an_alliance_by_its_other_name(client, db):
    make_alliance("Union of Steppe Universities", other_names="Steppe League\nAUS")
    make_alliance("Another Union")
    assert listed(client.get("/alliances/?q=Steppe+League")) == ["Union of Steppe Universities"]


# --------------------------------------------------------------------------- partial dates


def partnership_on(a, b, **date):
    return make_partnership(make_org(a), make_org(b), **date)


def test_the_year_facet_does_not_count_a_date_without_a_year_as_year_1(client, db):
    partnership_on("North School", "South School", established_on=D(1, 9, 24),
                   established_precision=DatePrecision.DAY_MONTH)  # fmt: skip
    partnership_on("East School", "West School", established_on=D(2019, 1, 1),
                   established_precision=DatePrecision.YEAR)  # fmt: skip
    labels = facet(client.get("/partnerships/"), "year")
    assert "1" not in labels
    assert labels["2019"].count == 1
    assert labels["Year not stated"].count == 1


def test_a_year_range_leaves_out_dates_without_a_year(client, db):
    partnership_on("North School", "South School", established_on=D(1, 9, 24),
                   established_precision=DatePrecision.DAY_MONTH)  # fmt: skip
    response = client.get("/partnerships/?year_to=2100")
    assert listed_partnerships(response) == set()


def test_the_list_shows_a_date_without_a_year_and_an_inferred_year_as_such(client, db):
    partnership_on("North School", "South School", established_on=D(1, 9, 24),
                   established_precision=DatePrecision.DAY_MONTH)  # fmt: skip
    partnership_on("East School", "West School", established_on=D(2017, 9, 1),
                   established_precision=DatePrecision.MONTH, established_year_inferred=True,
                   established_year_basis="from the page's address")  # fmt: skip
    response = client.get("/partnerships/")
    assertContains(response, "24 September, year not stated")
    assertContains(response, "September 2017 (year inferred: from the page&#x27;s address)")
    assertNotContains(response, "0001")


def test_the_source_list_never_shows_a_year_as_a_full_date(client, db):
    from tests.test_views import make_source

    make_source("Yearly Report", published_on=D(2018, 1, 1), published_precision="year")
    response = client.get("/sources/")
    assertContains(response, "<td>2018</td>", html=True)
    assertNotContains(response, "1 January 2018")


# --------------------------------------------------------------------------- exports


@pytest.fixture
def with_history(db):
    """A partnership with its agreements, a change of status and visits, following on from
    an ended one, and a pairing under it."""
    school, ziyun = make_org("Lakeside School"), make_org("Ziyun Middle School")
    old = make_partnership(school, make_org("Tanggu No. 1 Middle School"), status="ended")
    p = make_partnership(school, ziyun, predecessor=old, source_label="sister school",
                         status="renewed", pairings_reported=3)  # fmt: skip
    Agreement.objects.create(partnership=p, kind=AgreementKind.MOU, title="Original MOU",
                             signed_on=D(2008, 1, 1), signed_precision="year")  # fmt: skip
    Agreement.objects.create(partnership=p, kind=AgreementKind.AGREEMENT,
                             title="Current agreement", signed_on=D(2016, 1, 1),
                             signed_precision="year", term_start_year=2016,
                             term_end_year=2021)  # fmt: skip
    Agreement.objects.create(partnership=p, kind=AgreementKind.RENEWAL,
                             status=AgreementStatus.DUE, signed_on=D(2021, 1, 1),
                             signed_precision="year")  # fmt: skip
    StatusChange.objects.create(partnership=p, status="renewed", changed_on=D(2021, 1, 1),
                                changed_precision="year",
                                note="Renewed for five years")  # fmt: skip
    Visit.objects.create(partnership=p, direction=VisitDirection.B_TO_A, teachers=3,
                         students=8, visited_on=D(2017, 1, 1),
                         visited_precision="year")  # fmt: skip
    Visit.objects.create(partnership=p, direction=VisitDirection.A_TO_B, teachers=2,
                         students=5, visited_on=D(1, 9, 1),
                         visited_precision=DatePrecision.MONTH_ONLY,
                         recurrence="every year in September")  # fmt: skip
    make_partnership(make_org("Pairing School A"), make_org("Pairing School B"), parent=p)
    return p


AGREEMENTS = (
    "2008: Original MOU — Signed; "
    "2016: Current agreement — Signed, term 2016–2021; "
    "2021: Renewal — Due (not reported as done)"
)
VISITS = (
    "2017: Second party visited the first, 3 teachers, 8 students; "
    "September, year not stated: First party visited the second, 2 teachers, 5 students, "
    "every year in September"
)


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_a_partnership_export_has_its_agreements_and_visits(client, with_history, fmt):
    response = client.get(f"/partnerships/?format={fmt}")
    rows = csv_rows(response) if fmt == "csv" else json_rows(response)
    row = {r["name"]: r for r in rows}[str(with_history)]
    assert row["agreements"] == AGREEMENTS
    assert row["visits"] == VISITS
    assert row["status_changes"] == "2021: Renewed — Renewed for five years"


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_a_partnership_export_names_its_predecessor_label_and_parent(client, with_history, fmt):
    response = client.get(f"/partnerships/?format={fmt}")
    rows = {r["name"]: r for r in (csv_rows(response) if fmt == "csv" else json_rows(response))}
    row = rows[str(with_history)]
    assert row["predecessor"] == "Lakeside School – Tanggu No. 1 Middle School"
    assert row["source_label"] == "sister school"
    assert row["status"] == "Renewed"
    assert row["pairings_reported"] == "3"
    assert rows["Pairing School A – Pairing School B"]["parent"] == str(with_history)


def test_a_partnership_export_leaves_out_a_predecessor_that_is_not_public(client, with_history):
    predecessor = with_history.predecessor
    predecessor.publication = DRAFT
    predecessor.save()
    rows = {r["name"]: r for r in csv_rows(client.get("/partnerships/?format=csv"))}
    assert rows[str(with_history)]["predecessor"] == ""


def test_the_admin_partnership_export_has_the_history(with_history):
    resource = PartnershipResource()
    dataset = resource.export(queryset=resource.get_export_queryset())
    rows = [dict(zip(dataset.headers, values, strict=True)) for values in dataset]
    (row,) = [r for r in rows if r["party_b"] == "ziyun-middle-school"]
    assert row["agreements"] == AGREEMENTS
    assert row["visits"] == VISITS
    assert row["predecessor"] == with_history.predecessor.slug


def test_an_export_writes_a_date_without_a_year_in_words(client, db):
    partnership_on("North School", "South School", established_on=D(1, 9, 24),
                   established_precision=DatePrecision.DAY_MONTH)  # fmt: skip
    (row,) = csv_rows(client.get("/partnerships/?format=csv"))
    assert row["established"] == "24 September, year not stated"


def test_an_export_writes_words_of_time_and_marks_a_planned_visit(client, db):
    p = partnership_on("North School", "South School", established_on=D(2006, 1, 1),
                       established_precision="year",
                       established_as_given="the 2006–07 school year")  # fmt: skip
    Visit.objects.create(partnership=p, status="planned", visited_on=D(2026, 1, 1),
                         visited_precision="year", visited_as_given="summer")  # fmt: skip
    (row,) = csv_rows(client.get("/partnerships/?format=csv"))
    assert row["established"] == "2006 (the 2006–07 school year)"
    assert row["visits"] == "2026 (summer): Not reported (Planned or announced)"


# --------------------------------------------------------------------------- import


def admin_file(resource_class, file_format=resources.CSVFormat) -> bytes:
    resource = resource_class()
    dataset = resource.export(queryset=resource.get_export_queryset())
    return file_format().export_data(dataset)


def bulk(resource_class, data: bytes, dry_run=False) -> dict:
    return BulkImport(resource_class).run(resources.read_csv(data), dry_run=dry_run)


def row_errors(report) -> dict:
    return {r["number"]: dict(r["errors"]) for r in report["rows"] if r["errors"]}


def partnership_state():
    return sorted(
        SisterSchoolPartnership.objects.values_list(
            "pk", "version", "source_label", "status", "established_on",
            "established_precision", "established_not_after", "established_year_inferred",
            "established_year_basis", "predecessor", "parent", "pairings_reported", "series",
        )
    )  # fmt: skip


def test_a_partnership_file_imports_back_with_its_new_fields_unchanged(with_history):
    with_history.established_on = D(2005, 9, 1)
    with_history.established_precision = DatePrecision.MONTH
    with_history.established_year_inferred = True
    with_history.established_year_basis = "from the report's date"
    with_history.established_not_after = D(2005, 12, 31)
    with_history.save()
    before = partnership_state()
    report = bulk(PartnershipResource, admin_file(PartnershipResource))
    assert row_errors(report) == {}
    assert report["totals"]["skip"] == report["total_rows"]
    assert partnership_state() == before


def test_a_partnership_file_sets_the_new_fields(db):
    a, b = make_org("Lakeside School"), make_org("Ziyun Middle School")
    old = make_partnership(a, make_org("Tanggu No. 1 Middle School"))
    text = (
        "party_a,party_b,level,status,source_label,established,established_year_inferred,"
        "established_year_basis,predecessor,pairings_reported\n"
        f"{a.slug},{b.slug},school,renewed,friendship school,XXXX-09-24,no,,{old.slug},10\n"
    )
    report = bulk(PartnershipResource, text.encode())
    assert row_errors(report) == {}
    p = SisterSchoolPartnership.objects.get(party_b=b)
    assert (p.status, p.source_label, p.predecessor, p.pairings_reported) == (
        "renewed", "friendship school", old, 10,
    )  # fmt: skip
    assert str(p.established) == "24 September, year not stated"


JUNK = [
    ("status", "frozen", "status", "Unknown status 'frozen'"),
    ("source_label", "x" * 10_000, "source_label", "10000 characters is too long"),
    (
        "established_year_inferred",
        "yes",
        "established_year_inferred",
        "the precision says no year is known",
    ),
    ("established", "0001-09-24", "established", "between 1900 and 2100"),
    ("predecessor", "no-such-partnership", "predecessor", "Unknown predecessor"),
]


@pytest.mark.parametrize(("column", "value", "in_error", "message"), JUNK,
                         ids=[case[0] for case in JUNK])  # fmt: skip
def test_junk_in_a_new_partnership_column_is_a_row_error_and_nothing_is_written(
    db, column, value, in_error, message
):
    a, b = make_org("Lakeside School"), make_org("Ziyun Middle School")
    cells = {"party_a": a.slug, "party_b": b.slug, "level": "school", "established": "XXXX-09-24"}
    cells[column] = value
    text = ",".join(cells) + "\n" + ",".join(cells.values()) + "\n"
    before = partnership_state()
    report = bulk(PartnershipResource, text.encode())
    errors = row_errors(report)
    assert list(errors) == [1]
    assert message in " ".join(errors[1][in_error])
    assert not report["imported"]
    assert partnership_state() == before


def test_a_person_file_adds_other_names_and_imports_back_unchanged(db, django_user_model):
    user = django_user_model.objects.create_superuser("importer", "i@x.org", "pw-tests-only")
    text = "name,other_names\nIvan Petrov,Иван Петров; Iwan Pietrow\n"
    result = PersonResource().import_data(
        resources.read_csv(text.encode()), dry_run=False, user=user
    )
    assert not result.has_validation_errors()
    person = Person.objects.get(name="Ivan Petrov")
    assert sorted(person.other_names.values_list("name", flat=True)) == [
        "Iwan Pietrow",
        "Иван Петров",
    ]
    again = PersonResource().import_data(
        resources.read_csv(admin_file(PersonResource)), dry_run=False, user=user
    )
    assert {r.import_type for r in again.rows} == {"skip"}


def test_a_conference_file_with_the_new_fields_imports_back_unchanged(places, django_user_model):
    user = django_user_model.objects.create_superuser("importer", "i@x.org", "pw-tests-only")
    alliance = make_alliance("Meeting Alliance", kind="mechanism", founded_in=places["city"],
                             founded_on=D(2017, 1, 1), founded_precision="year",
                             founded_year_inferred=True,
                             founded_year_basis="from the URL")  # fmt: skip
    conference = make_conference("Second Meeting", host_region=places["city"], alliance=alliance,
                                 other_names="Two Rivers Forum", theme="Green campuses",
                                 format="hybrid", held_on=D(1, 9, 24),
                                 held_precision=DatePrecision.DAY_MONTH)  # fmt: skip
    conference.other_host_regions.set([places["elsewhere"]])
    person = make_person("Ivan Petrov")
    Speech.objects.create(conference=conference, person=person, role=EventRole.CHAIR,
                          title="Rector")  # fmt: skip
    for resource_class in (AllianceResource, ConferenceResource, SpeechResource):
        result = resource_class().import_data(
            resources.read_csv(admin_file(resource_class)), dry_run=False, user=user
        )
        assert not result.has_validation_errors(), resource_class
        assert {r.import_type for r in result.rows} == {"skip"}, resource_class


@pytest.mark.parametrize(
    "resource_class",
    [
        PartnershipResource,
        AllianceResource,
        ConferenceResource,
        PersonResource,
        SpeechResource,
        *(RESOURCES_BY_MODEL[model] for model in (Region, Source, Citation, ReportedFigure)),
    ],
    ids=lambda r: r.__name__,
)
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_real_cases_export_and_import_back_unchanged(
    cases, django_user_model, resource_class, file_format
):
    user = django_user_model.objects.create_superuser("importer", "i@x.org", "pw-tests-only")
    if file_format == "csv":
        data = resources.read_csv(admin_file(resource_class))
    else:
        data = resources.read_xlsx(admin_file(resource_class, resources.XLSXFormat))
    if resource_class is PartnershipResource:
        report = BulkImport(resource_class, user).run(data, dry_run=False)
        assert row_errors(report) == {}
        assert report["totals"]["skip"] == report["total_rows"]
        return
    result = resource_class().import_data(data, dry_run=False, user=user)
    assert [row.error_dict for row in result.invalid_rows] == []
    assert {r.import_type for r in result.rows} == {"skip"}


def test_a_region_page_lists_an_alliance_found_only_where_it_was_founded(client, db):
    from partnerships.models import Alliance, Region

    land = Region.objects.create(name="Testland", kind="country", publication="published")
    province = Region.objects.create(
        name="Rail Province", kind="province", parent=land, publication="published"
    )
    alliance = Alliance.objects.create(
        name="Rail Transit Training Alliance",
        focus="vocational",
        founded_in=province,
        publication="published",
    )
    page = client.get(province.get_absolute_url()).content.decode()
    listed = client.get(f"/alliances/?region={province.slug}").content.decode()
    assert alliance.name in page
    assert alliance.name in listed


def test_a_region_page_lists_a_conference_the_region_took_part_in(client, db):
    from partnerships.models import Conference, Region

    land = Region.objects.create(name="Partnerland", kind="country", publication="published")
    conference = Conference.objects.create(name="Online signing", publication="published")
    conference.participating_regions.add(land)
    page = client.get(land.get_absolute_url()).content.decode()
    assert "Online signing" in page


def test_an_organization_hosting_a_secretariat_does_not_say_none_recorded(client, db):
    from tests.test_views import make_region

    alliance = make_alliance("Hosted Alliance")
    host = make_org("Strelsau Host University", make_region("Hostland"))
    AllianceBody.objects.create(
        alliance=alliance, kind=AllianceBodyKind.SECRETARIAT, name="Secretariat", host=host
    )
    page = client.get(host.get_absolute_url()).content.decode()
    section = page[page.index('id="memberships-heading"') :]
    assert "None recorded." not in section[: section.index("Bodies of alliances hosted here")]
    assert "the bodies it hosts or guides are below" in section


def test_a_further_party_s_page_does_not_say_it_has_no_partnerships(client, db):
    """Trial 14: the holding group that is a third party read "No partnerships recorded"."""
    from partnerships.models import PartnershipParty
    from tests.test_views import make_partnership, make_region

    land = make_region("Thirdpartyland")
    group = make_org("Strel Education Holding Group", land)
    partnership = make_partnership(
        make_org("Strelsau South College", land), make_org("Elsewhere U", land)
    )
    PartnershipParty.objects.create(partnership=partnership, organization=group, role="party")
    page = client.get(group.get_absolute_url()).content.decode()
    section = page[page.index('id="partnerships-heading"') :]
    assert "No partnerships recorded." not in section[: section.index("Further roles")]
    assert "None as one of its two parties" in section
    assert partnership.get_absolute_url() in section
