"""Spreadsheet import and export of regions, sources, citations, alliances (with members),
conferences, people, speeches and reported figures (partnerships/record_resources.py).

Files are read by the project's own readers (resources.read_csv / read_xlsx) and imported with
``resource.import_data(dataset, dry_run=False, user=...)``, all-or-nothing; lookups hit the
sourced fixtures (the ``seed`` fixture)."""

import io
from decimal import Decimal

import pytest
from django.contrib import admin
from django.core.management import call_command

from partnerships import resources
from partnerships.models import (
    Alliance,
    AllianceMembership,
    Citation,
    Conference,
    Organization,
    Person,
    Region,
    ReportedFigure,
    Source,
    Speech,
)
from partnerships.record_resources import (
    RESOURCES_BY_MODEL,
    AllianceResource,
    CitationResource,
    ConferenceResource,
    PersonResource,
    RegionResource,
    ReportedFigureResource,
    SourceResource,
    SpeechResource,
)
from tests.conftest import ROOT
from tests.jobhelpers import Jobs, last_job

SAMPLES = ROOT / "docs" / "import-samples"
TEN_KB = "x" * 10_000
HOSTILE = "<script>alert('x')</script> Robert'); DROP TABLE partnerships_region;--"

ALL_RESOURCES = [
    RegionResource,
    SourceResource,
    CitationResource,
    AllianceResource,
    ConferenceResource,
    PersonResource,
    SpeechResource,
    ReportedFigureResource,
]


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_superuser("importer", "i@example.org", "pw-tests-only")


def read(text: str):
    """A CSV file as staff upload it, read by the project's reader."""
    return resources.read_csv(text.encode("utf-8"))


def run(resource_class, text: str, user, dry_run=False):
    return resource_class().import_data(read(text), dry_run=dry_run, user=user)


def errors(result) -> dict:
    """{row number: {column: [messages]}}, and {0: [file messages]} for the whole file."""
    found = {row.number: row.error_dict for row in result.invalid_rows}
    if result.base_errors:
        found[0] = [str(e.error) for e in result.base_errors]
    for number, row in enumerate(result.rows, start=1):
        if row.errors:
            found.setdefault(number, {})["unexpected"] = [str(e.error) for e in row.errors]
    return found


def snapshot() -> dict:
    """Everything an import could write: rows with their versions, links, history."""
    models = [
        Region,
        Source,
        Citation,
        Alliance,
        AllianceMembership,
        Conference,
        Person,
        Speech,
        ReportedFigure,
        Organization,
    ]
    state = {m.__name__: sorted(m.objects.values_list("pk", "version")) for m in models}
    state["history"] = {m.__name__: m.history.count() for m in models if hasattr(m, "history")}
    for through in (
        Alliance.countries.through,
        Conference.organizers.through,
        Conference.participating_regions.through,
    ):
        state[through.__name__] = sorted(through.objects.values_list())
    state["memberships"] = sorted(
        AllianceMembership.objects.values_list("alliance_id", "organization_id", "role")
    )
    return state


def only_error(result, row: int, column: str) -> str:
    """The messages of the one column in error, after checking that it is the only one."""
    found = errors(result)
    assert list(found) == [row], found
    assert list(found[row]) == [column], found[row]
    return " ".join(found[row][column])


# --------------------------------------------------------------------------- valid files

REGIONS = """name,kind,parent,iso_code,source,paragraph
Nantong,city,jiangsu,,2,4
Jiangsu Coast,District or county,Nantong,,,
"""


def test_a_region_file_creates_drafts_with_parent_and_citation(seed, user):
    result = run(RegionResource, REGIONS, user)
    assert errors(result) == {}
    nantong = Region.objects.get(name="Nantong")
    coast = Region.objects.get(name="Jiangsu Coast")
    assert (nantong.publication, nantong.kind, nantong.parent.slug) == ("draft", "city", "jiangsu")
    assert (coast.kind, coast.parent_id) == ("district", nantong.pk)
    assert coast.path == f"{nantong.path}{coast.pk}/"
    cited = Citation.objects.get(object_id=nantong.pk, content_type__model="region")
    assert (cited.source_id, cited.paragraph) == (2, 4)


SOURCES = """title,outlet,published_on,language,is_translation,summary,paragraph_count,url
Nantong signs with Perth,Example News,2024-03-02,en,no,A report in our words.,12,https://example.org/a
"""


def test_a_source_file_creates_a_draft_source(seed, user):
    result = run(SourceResource, SOURCES, user)
    assert errors(result) == {}
    source = Source.objects.get(title="Nantong signs with Perth")
    assert source.publication == "draft"
    assert (source.outlet, source.paragraph_count, source.is_translation) == (
        "Example News",
        12,
        False,
    )
    assert source.published_on.isoformat() == "2024-03-02"


CITATIONS = """record_kind,record,source,paragraph,note
organization,Bycirklen,Jiangsu strengthens global educational bonds,9,Named again.
Conference series,jiangsu-international-exchange-and-cooperation-conference-for-principals,2,5,
"""


def test_a_citation_file_cites_records_named_by_kind_and_name(seed, user):
    before = Citation.objects.count()
    result = run(CitationResource, CITATIONS, user)
    assert errors(result) == {}
    assert Citation.objects.count() == before + 2
    cited = Citation.objects.get(content_type__model="organization", object_id=9, paragraph=9)
    assert (cited.source_id, cited.note) == (2, "Named again.")
    assert Citation.objects.filter(
        content_type__model="conferenceseries", object_id=1, source_id=2, paragraph=5
    ).exists()


ALLIANCES = """name,focus,countries,founded,founding_conference,members,other_names,source,paragraph
Jiangsu–Ontario School Alliance,basic_education,china; Canada,2024-05,,\
Suzhou Bureau of Education (lead); peel-district-school-board (Council vice-chair); \
Wuxi bureau of education,JOSA; Jiangsu Ontario Alliance,2,6
"""


def test_an_alliance_file_creates_a_draft_with_members_roles_and_countries(seed, user):
    result = run(AllianceResource, ALLIANCES, user)
    assert errors(result) == {}
    alliance = Alliance.objects.get(name="Jiangsu–Ontario School Alliance")
    assert alliance.publication == "draft"
    assert (alliance.founded_on.isoformat(), alliance.founded_precision) == ("2024-05-01", "month")
    assert sorted(alliance.countries.values_list("slug", flat=True)) == ["canada", "china"]
    assert alliance.other_names_list == ["JOSA", "Jiangsu Ontario Alliance"]
    roles = dict(alliance.memberships.values_list("organization__slug", "role"))
    assert roles == {
        "suzhou-bureau-of-education": "lead",
        "peel-district-school-board": "vice_chair",
        "wuxi-bureau-of-education": "member",
    }
    assert alliance.citations.filter(source_id=2, paragraph=6).exists()


def test_an_alliance_row_adds_members_and_changes_roles_but_removes_none(seed, user):
    result = run(
        AllianceResource,
        "slug,name,focus,members\n"
        "alliance-of-special-education-schools-of-china-and-russia,"
        "Alliance of Special Education Schools of China and Russia,special_education,"
        "Heilongjiang Provincial Department of Education (chair); Suihua University (lead)\n",
        user,
    )
    assert errors(result) == {}
    assert [r.import_type for r in result.rows] == ["update"]
    roles = dict(
        AllianceMembership.objects.filter(alliance_id=1).values_list("organization__slug", "role")
    )
    assert roles == {
        "heilongjiang-provincial-department-of-education": "chair",
        "suihua-university": "lead",
    }
    assert Alliance.objects.get(pk=1).publication == "published"  # an update keeps it


CONFERENCES = """name,series,edition,held,last_day,host_region,venue,organizers,\
participating_regions,summary,source,paragraph
19th Jiangsu International Exchange and Cooperation Conference for Primary and Secondary \
School Principals,jiangsu-international-exchange-and-cooperation-conference-for-principals,\
19,2024-11-20,2024-11-21,Suzhou,,Jiangsu Provincial Department of Education,canada; Denmark,\
The next edition.,2,4
Heilongjiang special education forum,,,2025,,heilongjiang,Suihua Institute,,,,,
"""


def test_a_conference_file_creates_drafts_with_dates_links_and_lists(seed, user):
    result = run(ConferenceResource, CONFERENCES, user)
    assert errors(result) == {}
    nineteenth = Conference.objects.get(name__startswith="19th Jiangsu")
    assert nineteenth.publication == "draft"
    assert (nineteenth.series_id, nineteenth.edition, nineteenth.host_region.slug) == (
        1,
        19,
        "suzhou",
    )
    assert (nineteenth.held_on.isoformat(), nineteenth.held_precision) == ("2024-11-20", "day")
    assert nineteenth.ends_on.isoformat() == "2024-11-21"
    assert list(nineteenth.organizers.values_list("slug", flat=True)) == [
        "jiangsu-provincial-department-of-education"
    ]
    assert sorted(nineteenth.participating_regions.values_list("slug", flat=True)) == [
        "canada",
        "denmark",
    ]
    assert nineteenth.citations.filter(source_id=2, paragraph=4).exists()
    forum = Conference.objects.get(name="Heilongjiang special education forum")
    assert (forum.held_on.isoformat(), forum.held_precision) == ("2025-01-01", "year")
    assert forum.venue.slug == "suihua-university"  # found by its other name


PEOPLE = """name,position,organization,source,paragraph
Zhang Wei,Principal,Suihua University,1,9
"""


def test_a_person_file_creates_a_draft_person(seed, user):
    result = run(PersonResource, PEOPLE, user)
    assert errors(result) == {}
    person = Person.objects.get(name="Zhang Wei")
    assert (person.publication, person.slug, person.position) == ("draft", "zhang-wei", "Principal")
    assert person.organization.slug == "suihua-university"
    assert person.citations.filter(source_id=1, paragraph=9).exists()


SPEECHES = """conference,person,mode,summary,source,paragraph
18th-jiangsu-international-exchange-and-cooperation-conference-for-principals,Liu Feng,\
In person,Spoke about exchanges.,2,7
"""


def test_a_speech_file_creates_a_speech_with_its_citation(seed, user):
    result = run(SpeechResource, SPEECHES, user)
    assert errors(result) == {}
    speech = Speech.objects.get(conference_id=2, person__slug="liu-feng")
    assert (speech.mode, speech.summary) == ("in_person", "Spoke about exchanges.")
    assert speech.citations.filter(source_id=2, paragraph=7).exists()


FIGURES = """subject_kind,subject,metric,value,qualifier,since_year,as_of,description,\
source,paragraph
region,Jiangsu,sister_school_partnerships,1200,over,2010,2023-11-24,\
Partnerships of Jiangsu schools,2,8
alliance,alliance-of-special-education-schools-of-china-and-russia,participants,120,,,,\
Schools at the founding,1,6
"""


def test_a_reported_figure_file_names_its_subject_by_kind_and_name(seed, user):
    result = run(ReportedFigureResource, FIGURES, user)
    assert errors(result) == {}
    jiangsu = ReportedFigure.objects.get(
        subject_type__model="region", subject_id=4, metric="sister_school_partnerships"
    )
    assert jiangsu.publication == "draft"
    assert (jiangsu.metric, jiangsu.value, jiangsu.qualifier, jiangsu.since_year) == (
        "sister_school_partnerships",
        1200,
        "over",
        2010,
    )
    assert jiangsu.citations.filter(source_id=2, paragraph=8).exists()
    alliance = ReportedFigure.objects.get(
        subject_type__model="alliance", subject_id=1, metric="participants"
    )
    assert (alliance.qualifier, alliance.as_of) == ("exact", None)


def test_a_reported_figure_keeps_the_decimals_its_source_gives(seed, user):
    text = (
        "subject_kind,subject,metric,value,description,source,paragraph\n"
        'region,Jiangsu,area_m2,"9,290.3",Floor space of a new building,2,8\n'
    )
    result = run(ReportedFigureResource, text, user)
    assert errors(result) == {}
    figure = ReportedFigure.objects.get(subject_type__model="region", metric="area_m2")
    assert figure.value == Decimal("9290.3")
    assert figure.value_display == "9,290.3"


@pytest.mark.parametrize("resource_class", ALL_RESOURCES, ids=lambda r: r.__name__)
def test_the_sample_file_imports_without_errors_and_again_changes_nothing(
    seed, user, resource_class
):
    name = resource_class._meta.model._meta.model_name
    data = (SAMPLES / f"{SAMPLE_NAMES[name]}.csv").read_bytes()
    first = resource_class().import_data(resources.read_csv(data), dry_run=False, user=user)
    assert errors(first) == {}
    after_first = snapshot()
    again = resource_class().import_data(resources.read_csv(data), dry_run=False, user=user)
    assert errors(again) == {}
    assert {r.import_type for r in again.rows} == {"skip"}
    assert snapshot() == after_first


SAMPLE_NAMES = {
    "region": "regions",
    "source": "sources",
    "citation": "citations",
    "alliance": "alliances",
    "conference": "conferences",
    "person": "people",
    "speech": "speeches",
    "reportedfigure": "reported-figures",
}


def test_a_publication_column_is_ignored_and_new_records_are_drafts(seed, user):
    result = run(PersonResource, "name,publication\nZhang Wei,published\n", user)
    assert errors(result) == {}
    assert Person.objects.get(name="Zhang Wei").publication == "draft"


def test_a_row_with_an_existing_name_updates_that_record(seed, user):
    before = Person.objects.count()
    result = run(PersonResource, "name,position\nLiu Feng,Party Secretary of Suihua\n", user)
    assert errors(result) == {}
    assert [r.import_type for r in result.rows] == ["update"]
    assert Person.objects.count() == before
    liu = Person.objects.get(slug="liu-feng")
    assert (liu.position, liu.publication) == ("Party Secretary of Suihua", "published")


def test_a_row_with_an_existing_slug_updates_that_record_and_may_rename_it(seed, user):
    result = run(RegionResource, "slug,name,kind\nwuxi,Wuxi City,city\n", user)
    assert errors(result) == {}
    assert Region.objects.get(slug="wuxi").name == "Wuxi City"


def test_a_name_that_matches_several_records_asks_for_the_slug(seed, user):
    Person.objects.create(name="Liu Feng", slug="liu-feng-2")
    result = run(PersonResource, "name,position\nLiu Feng,Teacher\n", user)
    message = only_error(result, 1, "name")
    assert "'Liu Feng' matches several people; give the slug" in message


@pytest.mark.parametrize(
    ("resource_class", "text", "column"),
    [
        (RegionResource, f"name,kind\n{HOSTILE},city\n", "name"),
        (PersonResource, f'name,position\nZhang Wei,"{HOSTILE}"\n', "position"),
        (
            SpeechResource,
            f"conference,person,summary\n18th-jiangsu-international-exchange-and-cooperation-"
            f'conference-for-principals,liu-feng,"{HOSTILE}"\n',
            "summary",
        ),
        (
            CitationResource,
            f'record_kind,record,source,paragraph,note\nregion,wuxi,2,9,"{HOSTILE}"\n',
            "note",
        ),
    ],
    ids=["region-name", "person-position", "speech-summary", "citation-note"],
)
def test_html_and_sql_in_a_cell_are_stored_as_plain_text(seed, user, resource_class, text, column):
    result = run(resource_class, text, user)
    assert errors(result) == {}
    model = resource_class._meta.model
    attribute = {"note": "note"}.get(column, column)
    assert model.objects.filter(**{attribute: HOSTILE}).count() == 1
    assert Region.objects.filter(slug="jiangsu").exists()  # the table is still there


# --------------------------------------------------------------------------- junk files

# (resource, file whose row 1 is good, bad row 2, column in error, part of the message)
JUNK = [
    (
        RegionResource,
        "name,kind,parent,iso_code\nNantong,city,jiangsu,\n",
        "Yancheng,city,atlantis,",
        "parent",
        "Unknown parent region: 'atlantis'",
    ),
    (
        RegionResource,
        "name,kind,parent,iso_code\nNantong,city,jiangsu,\n",
        "Yancheng,castle,jiangsu,",
        "kind",
        "Unknown kind 'castle'",
    ),
    (
        RegionResource,
        "name,kind,parent,iso_code\nNantong,city,jiangsu,\n",
        f"{TEN_KB},city,jiangsu,",
        "name",
        "10000 characters is too long",
    ),
    (
        RegionResource,
        "name,kind,parent,iso_code\nNantong,city,jiangsu,\n",
        "Freedonia,country,,FRE",
        "iso_code",
        "two capital letters",
    ),
    (
        RegionResource,
        "name,kind,parent,iso_code\nNantong,city,jiangsu,\n",
        "Yancheng,country,jiangsu,",
        "parent",
        "A country is not part of another region",
    ),
    (
        SourceResource,
        "title,outlet,summary,published_on,url\nA,B,C,2024-01-02,\n",
        "D,E,F,2023-13-45,",
        "published_on",
        "'2023-13-45' is not a real date",
    ),
    (
        SourceResource,
        "title,outlet,summary,published_on,url\nA,B,C,2024-01-02,\n",
        "D,E,F,next spring,",
        "published_on",
        "'next spring' is not a date",
    ),
    (
        SourceResource,
        "title,outlet,summary,published_on,url\nA,B,C,2024-01-02,\n",
        "D,E,F,,not a web address",
        "url",
        "Enter a valid URL",
    ),
    (
        SourceResource,
        "title,outlet,summary,published_on,url\nA,B,C,2024-01-02,\n",
        f"D,{TEN_KB},F,,",
        "outlet",
        "10000 characters is too long",
    ),
    (
        SourceResource,
        "id,title,outlet,summary\n,A,B,C\n",
        "999,D,E,F",
        "id",
        "Unknown source id '999'",
    ),
    (
        CitationResource,
        "record_kind,record,source,paragraph,note\nregion,wuxi,2,9,\n",
        "region,atlantis,2,9,",
        "record",
        "Unknown record: 'atlantis'",
    ),
    (
        CitationResource,
        "record_kind,record,source,paragraph,note\nregion,wuxi,2,9,\n",
        "planet,wuxi,2,9,",
        "record_kind",
        "Unknown kind of record 'planet'",
    ),
    (
        CitationResource,
        "record_kind,record,source,paragraph,note\nregion,wuxi,2,9,\n",
        "region,suzhou,99,9,",
        "source",
        "Unknown source '99'",
    ),
    (
        CitationResource,
        "record_kind,record,source,paragraph,note\nregion,wuxi,2,9,\n",
        "region,suzhou,2,44,",
        "paragraph",
        "paragraph 44 does not exist",
    ),
    (
        CitationResource,
        "record_kind,record,source,paragraph,note\nregion,wuxi,2,9,\n",
        f"region,suzhou,2,9,{TEN_KB}",
        "note",
        "10000 characters is too long",
    ),
    (
        AllianceResource,
        "name,focus,members,countries,founded\nA,other,,,\n",
        "B,other,Atlantis School,,",
        "members",
        "Unknown member: 'Atlantis School'",
    ),
    (
        AllianceResource,
        "name,focus,members,countries,founded\nA,other,,,\n",
        "B,other,Suihua University (castle),,",
        "members",
        "If '(castle)' is a role",
    ),
    (
        AllianceResource,
        "name,focus,members,countries,founded\nA,other,,,\n",
        "B,other,bycirklen; Bycirklen,,",
        "members",
        "is named twice",
    ),
    (
        AllianceResource,
        "name,focus,members,countries,founded\nA,other,,,\n",
        "B,other,,Atlantis,",
        "countries",
        "Unknown country: 'Atlantis'",
    ),
    (
        AllianceResource,
        "name,focus,members,countries,founded\nA,other,,,\n",
        "B,knitting,,,",
        "focus",
        "Unknown focus 'knitting'",
    ),
    (
        AllianceResource,
        "name,focus,members,countries,founded\nA,other,,,\n",
        "B,other,,,last spring",
        "founded",
        "'last spring' is not a date",
    ),
    (
        AllianceResource,
        "name,focus,members,countries,founded\nA,other,,,\n",
        f"{TEN_KB},other,,,",
        "name",
        "10000 characters is too long",
    ),
    (
        ConferenceResource,
        "name,series,edition,held,last_day,host_region\nA,,,2024,,\n",
        "B,,,2024,,atlantis",
        "host_region",
        "Unknown host region: 'atlantis'",
    ),
    (
        ConferenceResource,
        "name,series,edition,held,last_day,host_region\nA,,,2024,,\n",
        "B,,,2024-02-30,,",
        "held",
        "'2024-02-30' is not a real date",
    ),
    (
        ConferenceResource,
        "name,series,edition,held,last_day,host_region\nA,,,2024,,\n",
        "B,,,2024-05-02,2024-05-01,",
        "last_day",
        "The last day is before the first day",
    ),
    (
        ConferenceResource,
        "name,series,edition,held,last_day,host_region\nA,,,2024,,\n",
        "B,,7,2024,,",
        "series",
        "An edition number needs the series",
    ),
    (
        ConferenceResource,
        "name,series,edition,held,last_day,host_region\nA,,,2024,,\n",
        "B,,seventh,2024,,",
        "edition",
        "'seventh' is not a whole number",
    ),
    (
        ConferenceResource,
        "name,series,edition,held,last_day,host_region\nA,,,2024,,\n",
        f"{TEN_KB},,,2024,,",
        "name",
        "10000 characters is too long",
    ),
    (
        PersonResource,
        "name,position,organization\nZhang Wei,,\n",
        "Li Na,,Atlantis School",
        "organization",
        "Unknown organization: 'Atlantis School'",
    ),
    (
        PersonResource,
        "name,position,organization\nZhang Wei,,\n",
        f"Li Na,{TEN_KB},",
        "position",
        "10000 characters is too long",
    ),
    (
        SpeechResource,
        "conference,person,mode\n18th-jiangsu-international-exchange-and-cooperation-conference-for-principals,liu-feng,video\n",
        "atlantis-summit,liu-feng,video",
        "conference",
        "Unknown conference: 'atlantis-summit'",
    ),
    (
        SpeechResource,
        "conference,person,mode\n18th-jiangsu-international-exchange-and-cooperation-conference-for-principals,liu-feng,video\n",
        "18th-jiangsu-international-exchange-and-cooperation-conference-for-principals,Nobody,video",
        "person",
        "Unknown person: 'Nobody'",
    ),
    (
        SpeechResource,
        "conference,person,mode\n18th-jiangsu-international-exchange-and-cooperation-conference-for-principals,liu-feng,video\n",
        "founding-conference-alliance-of-special-education-schools-of-china-and-russia,jiang-yong,telepathy",
        "mode",
        "Unknown mode 'telepathy'",
    ),
    (
        ReportedFigureResource,
        "subject_kind,subject,metric,value,as_of,description\nregion,jiangsu,participants,5,,D\n",
        "region,atlantis,participants,5,,D",
        "subject",
        "Unknown subject: 'atlantis'",
    ),
    (
        ReportedFigureResource,
        "subject_kind,subject,metric,value,as_of,description\nregion,jiangsu,participants,5,,D\n",
        "12,jiangsu,participants,5,,D",
        "subject_kind",
        "Unknown kind of subject '12'",
    ),
    (
        ReportedFigureResource,
        "subject_kind,subject,metric,value,as_of,description\nregion,jiangsu,participants,5,,D\n",
        "region,wuxi,happiness,5,,D",
        "metric",
        "Unknown metric 'happiness'",
    ),
    (
        ReportedFigureResource,
        "subject_kind,subject,metric,value,as_of,description\nregion,jiangsu,participants,5,,D\n",
        "region,wuxi,participants,lots,,D",
        "value",
        "'lots' is not a number",
    ),
    *(
        (
            ReportedFigureResource,
            "subject_kind,subject,metric,value,as_of,description\n"
            "region,jiangsu,participants,5,,D\n",
            f"region,wuxi,area_m2,{value},,D",
            "value",
            message,
        )
        for value, message in (
            ("9290.333", "The value has more than two decimals."),
            ("1e30", "The value is too large (at most 18 digits)."),
            ("-3", "The value cannot be negative."),
            ("NaN", "'NaN' is not a number."),
        )
    ),
    (
        ReportedFigureResource,
        "subject_kind,subject,metric,value,as_of,description\nregion,jiangsu,participants,5,,D\n",
        "region,wuxi,participants,5,XXXX-02-30,D",
        "as_of",
        "'XXXX-02-30' is not a real day and month",
    ),
    (
        ReportedFigureResource,
        "subject_kind,subject,metric,value,as_of,description\nregion,jiangsu,participants,5,,D\n",
        f"region,wuxi,participants,5,,{TEN_KB}",
        "description",
        "at most 300 characters",
    ),
]


@pytest.mark.parametrize(
    ("resource_class", "good", "bad_row", "column", "message"),
    JUNK,
    ids=[f"{case[0].__name__}-{case[3]}-{n}" for n, case in enumerate(JUNK)],
)
def test_a_bad_row_is_named_by_row_and_column_and_nothing_is_written(
    seed, user, resource_class, good, bad_row, column, message
):
    before = snapshot()
    result = run(resource_class, good + bad_row + "\n", user)
    assert message in only_error(result, 2, column)
    assert snapshot() == before


# (resource, file of two good rows, a third row that repeats the first, column)
DUPLICATES = [
    (RegionResource, "name,kind\nNantong,city\nYancheng,city\nNantong,city\n", "name"),
    (
        RegionResource,
        "name,kind,slug\nNantong,city,nt\nYancheng,city,\nNantong City,city,nt\n",
        "name",
    ),
    (SourceResource, "title,outlet,summary\nA,B,C\nA,E,F\nA,B,other\n", "title"),
    (
        CitationResource,
        "record_kind,record,source,paragraph\nregion,wuxi,2,9\nregion,suzhou,2,9\nRegion,Wuxi,2,9\n",
        "record",
    ),
    (AllianceResource, "name,focus\nA,other\nB,other\nA,special_education\n", "name"),
    (ConferenceResource, "name,held\nA,2024\nB,2024\nA,2025\n", "name"),
    (PersonResource, "name\nZhang Wei\nLi Na\nZhang Wei\n", "name"),
    (PersonResource, "name,slug\nLiu Feng,\nLi Na,\nFeng Liu,liu-feng\n", "name"),
    (
        SpeechResource,
        "conference,person\n18th-jiangsu-international-exchange-and-cooperation-conference-for-"
        "principals,liu-feng\n18th-jiangsu-international-exchange-and-cooperation-conference-for-"
        "principals,wang-shaosong\n18th Jiangsu International Exchange and Cooperation Conference "
        "for Primary and Secondary School Principals,Liu Feng\n",
        "person",
    ),
    (
        ReportedFigureResource,
        "subject_kind,subject,metric,value,description\nregion,wuxi,participants,5,D\n"
        "region,suzhou,participants,5,D\nregion,Wuxi,participants,5,E\n",
        "metric",
    ),
]


@pytest.mark.parametrize(
    ("resource_class", "text", "column"),
    DUPLICATES,
    ids=[f"{case[0].__name__}-{n}" for n, case in enumerate(DUPLICATES)],
)
def test_the_same_record_twice_in_a_file_names_both_rows_and_writes_nothing(
    seed, user, resource_class, text, column
):
    before = snapshot()
    result = run(resource_class, text, user)
    message = only_error(result, 3, column)
    assert "Duplicate: row 3 is the same" in message
    assert "as row 1 of this file" in message
    assert snapshot() == before


@pytest.mark.parametrize(
    ("resource_class", "text", "missing"),
    [
        (RegionResource, "name\nNantong\n", "kind"),
        (SourceResource, "title,outlet\nA,B\n", "summary"),
        (
            CitationResource,
            "record_kind,record,source\nregion,wuxi,2\n",
            "paragraph or section",
        ),
        (AllianceResource, "name\nA\n", "focus"),
        (ConferenceResource, "held\n2024\n", "name"),
        (PersonResource, "position\nPrincipal\n", "name"),
        (SpeechResource, "conference,mode\natlantis,video\n", "person"),
        (
            ReportedFigureResource,
            "subject_kind,subject,value,description\nregion,wuxi,5,D\n",
            "metric",
        ),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else None,
)
def test_a_missing_required_column_refuses_the_file(seed, user, resource_class, text, missing):
    before = snapshot()
    result = run(resource_class, text, user)
    found = errors(result)
    assert list(found) == [0], found
    assert f"Missing column(s): {missing}." in found[0][0]
    assert snapshot() == before


@pytest.mark.parametrize(
    ("resource_class", "text", "column", "message"),
    [
        (RegionResource, "name,kind\n,city\n", "name", "The name is empty."),
        (AllianceResource, "name,focus\nA,\n", "focus", "The focus is empty."),
        (
            SpeechResource,
            "conference,person\n,liu-feng\n",
            "conference",
            "The conference is empty.",
        ),
    ],
    ids=["region-name", "alliance-focus", "speech-conference"],
)
def test_an_empty_required_cell_is_an_error_of_its_column(
    seed, user, resource_class, text, column, message
):
    result = run(resource_class, text, user)
    assert only_error(result, 1, column) == message


def test_a_dry_run_writes_nothing(seed, user):
    before = snapshot()
    result = run(AllianceResource, ALLIANCES, user, dry_run=True)
    assert errors(result) == {}
    assert [r.import_type for r in result.rows] == ["new"]
    assert snapshot() == before


def test_a_reported_figure_row_matching_subject_metric_and_date_updates_it(seed, user):
    text = (
        "subject_kind,subject,metric,value,qualifier,as_of,description\n"
        "conference,18th-jiangsu-international-exchange-and-cooperation-conference-for-principals,"
        "participants,310,nearly,2023-11-24,Participants\n"
    )
    before = ReportedFigure.objects.count()
    result = run(ReportedFigureResource, text, user)
    assert errors(result) == {}
    assert ReportedFigure.objects.count() == before
    assert ReportedFigure.objects.get(pk=5).value == 310


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
@pytest.mark.parametrize("resource_class", ALL_RESOURCES, ids=lambda r: r.__name__)
def test_an_exported_file_imports_back_without_changing_anything(
    seed, user, resource_class, file_format
):
    resource = resource_class()
    dataset = resource.export(queryset=resource.get_export_queryset())
    assert len(dataset) > 0
    if file_format == "csv":
        data = resources.CSVFormat().export_data(dataset)
        read_back = resources.read_csv(data)
    else:
        data = resources.XLSXFormat().export_data(dataset)
        read_back = resources.read_xlsx(data)
    before = snapshot()
    result = resource_class().import_data(read_back, dry_run=False, user=user)
    assert errors(result) == {}
    assert {r.import_type for r in result.rows} == {"skip"}
    assert snapshot() == before


def test_a_round_trip_keeps_partial_dates_and_their_precision(seed, user):
    dataset = ConferenceResource().export(queryset=ConferenceResource().get_export_queryset())
    held = dict(zip(dataset["slug"], dataset["held"], strict=True))
    assert held[
        "founding-conference-alliance-of-special-education-schools-of-china-and-russia"
    ] == ("2025")
    assert held[
        "18th-jiangsu-international-exchange-and-cooperation-conference-for-principals"
    ] == ("2023-11-16")


def test_resources_by_model_covers_every_new_type():
    assert set(RESOURCES_BY_MODEL) == {
        Region,
        Source,
        Citation,
        Alliance,
        Conference,
        Person,
        Speech,
        ReportedFigure,
    }
    for model, resource_class in RESOURCES_BY_MODEL.items():
        assert resource_class._meta.model is model
        assert "publication" not in [f.column_name for f in resource_class().get_import_fields()]


# --------------------------------------------------------------------------- the admin

# The admin's ModelAdmins get these resources from the lead (partnerships/admin.py); until
# then the tests set resource_classes themselves.


@pytest.fixture
def publisher(client, django_user_model, seed, django_capture_on_commit_callbacks):
    django_user_model.objects.create_user("pub", "p@x.org", "pw-long-enough-1")
    call_command("grant_role", "pub", "publisher", stdout=io.StringIO())
    client.force_login(django_user_model.objects.get(username="pub"))
    return Jobs(client, django_capture_on_commit_callbacks)


@pytest.fixture
def region_admin_with_resource():
    """The regions' admin imports and exports with RegionResource."""
    assert admin.site._registry[Region].resource_classes == [RegionResource]


def test_the_admin_export_job_writes_the_region_columns(publisher, region_admin_with_resource):
    columns = ("name", "slug", "kind", "parent", "iso_code", "source", "paragraph")
    response = publisher.export(
        "region", {"format": 0, "resource": 0, **{f"regionresource_{c}": "on" for c in columns}}
    )
    assert response.status_code == 200
    dataset = resources.read_csv(
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    assert list(dataset.headers) == list(columns)
    assert ("jiangsu", "china") in list(zip(dataset["slug"], dataset["parent"], strict=True))


def test_the_admin_preview_job_reports_region_row_errors_by_column(
    publisher, region_admin_with_resource
):
    publisher.preview("region", b"name,kind,parent\nNantong,city,atlantis\n", "r.csv", 0)
    result = last_job().result
    assert result["totals"]["invalid"] == 1
    assert result["rows"][0]["errors"] == [
        ["parent", ["Unknown parent region: 'atlantis' (no slug or name matches)."]]
    ]


def test_the_admin_confirmation_job_imports_a_region(publisher, region_admin_with_resource):
    page = publisher.preview("region", b"name,kind,parent\nNantong,city,jiangsu\n", "r.csv", 0)
    publisher.confirm(page, model="region")
    assert last_job().state == "done"
    assert Region.objects.filter(name="Nantong", publication="draft").exists()


def test_an_editors_region_row_changing_a_published_region_is_refused_for_review(
    client, django_user_model, seed, django_capture_on_commit_callbacks
):
    from partnerships.models import Revision

    from .jobhelpers import Jobs

    django_user_model.objects.create_user("ed", "ed@x.org", "a-long-test-password-1")
    call_command("grant_role", "ed", "editor", stdout=io.StringIO())
    client.force_login(django_user_model.objects.get(username="ed"))
    jobs = Jobs(client, django_capture_on_commit_callbacks)
    jiangsu = Region.objects.get(slug="jiangsu")
    assert jiangsu.publication == "published"
    jobs.preview("region", b"name,kind,slug,iso_code\nJiangsu,province,jiangsu,CN-XX\n", "r.csv", 0)
    result = last_job().result
    assert result["totals"]["invalid"] == 1
    assert "waits for a publisher" in str(result["rows"][0]["errors"])
    assert Region.objects.get(slug="jiangsu").iso_code == jiangsu.iso_code
    assert not Revision.objects.exists()
