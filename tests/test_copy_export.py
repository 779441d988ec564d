"""The partnership CSV and JSON that PostgreSQL writes (COPY) hold exactly the cells and values
of the ones Python writes, for every kind of date, draft relation and awkward text."""

import csv
import datetime
import io
import json

import pytest
from django.db import connection
from django.test import RequestFactory

from partnerships import copy_export
from partnerships.copy_export import copy_sql
from partnerships.dates import DatePrecision
from partnerships.models import Citation, PartnershipStatus, SisterSchoolPartnership, Source
from partnerships.views.partnership_list import PartnershipListView
from partnerships.views.record_list import RecordListView
from tests.test_views import (  # seeded_module: the seed, loaded once per module
    body,
    create_drafts,
    make_conference,
    make_org,
    make_partnership,
    make_region,
    make_series,
    seeded_module,  # noqa: F401
    tie_to_drafts,
)

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")

D = datetime.date
DAY, MONTH, YEAR = DatePrecision.DAY, DatePrecision.MONTH, DatePrecision.YEAR


@pytest.fixture
def awkward(seed):
    """Partnerships with every form of date and text a CSV cell can trip on."""
    land = make_region("Testland")
    city = make_region("Comma, City", parent=land)
    series = make_series('Series "Quoted"')
    conference = make_conference("=Forum", series=series)
    names = [
        "=cmd|' /C calc'!A0",
        'Back\\slash "JSON" School \\n',
        "Control\x01\x02\x1f School",
        "+Plus School",
        "-Minus School",
        "@At School",
        "\tTab School",
        "Line\nbreak School",
        'Quote "School"',
        "Comma, School",
        "École Ünïcode 学校",
        "Plain School",
        "Another School",
        "Third School",
    ]
    orgs = [make_org(name, city if i % 2 else land) for i, name in enumerate(names)]
    dates = [
        {},  # not reported
        {"established_not_after": D(2023, 11, 24)},  # by …
        {"established_on": D(2019, 3, 5), "established_precision": DAY},
        {"established_on": D(2019, 3, 1), "established_precision": MONTH},
        {"established_on": D(2019, 1, 1), "established_precision": YEAR},
        {
            "established_on": D(2019, 1, 1),
            "established_precision": YEAR,
            "established_not_after": D(2019, 6, 30),
        },
        {
            "established_on": D(2018, 12, 1),
            "established_precision": MONTH,
            "established_not_after": D(2019, 2, 1),
        },
        {
            "established_on": D(2020, 7, 9),
            "established_precision": DAY,
            "established_not_after": D(2020, 7, 9),
        },
    ]
    for i in range(len(orgs) - 1):
        make_partnership(
            orgs[i],
            orgs[i + 1],
            status=list(PartnershipStatus)[i % 3],
            summary=["", "=1+1", "Plain summary.", 'Multi\r\nline, "quoted"'][i % 4],
            conference=conference if i % 2 else None,
            series=series if i % 3 else None,
            **dates[i % len(dates)],
        )


def cite_some(partnerships) -> None:
    """Citations of published and draft sources, several on one partnership."""
    published = Source.objects.create(
        title='Report "A" \\ 1',
        outlet="Outlet",
        published_on=D(2020, 2, 3),
        publication="published",
    )
    undated = Source.objects.create(title="Undated", outlet="X", publication="published")
    draft = Source.objects.create(title="Draft source", outlet="Y", publication="draft")
    for i, partnership in enumerate(partnerships):
        for paragraph, source in ((3, published), (1, published), (2, undated), (1, draft))[
            : i % 5
        ]:
            Citation.objects.create(record=partnership, source=source, paragraph=paragraph)


def parsed(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def both_exports(client, query=""):
    """(rows PostgreSQL wrote, rows Python wrote) for /partnerships/?format=csv&<query>."""
    response = client.get(f"/partnerships/?format=csv&{query}")
    assert response.status_code == 200
    view = PartnershipListView()
    view.request = RequestFactory().get("/partnerships/")
    view.request.GET = response.wsgi_request.GET
    filterset = view.get_filterset(view.get_filterset_class())
    assert filterset.is_valid()
    python = view.python_csv_export(filterset.qs)
    return parsed(body(response)), parsed(body(python))


def both_json_exports(client, query=""):
    """(rows PostgreSQL wrote, rows Python wrote) for /partnerships/?format=json&<query>."""
    response = client.get(f"/partnerships/?format=json&{query}")
    assert response.status_code == 200
    view = PartnershipListView()
    view.request = RequestFactory().get("/partnerships/")
    view.request.GET = response.wsgi_request.GET
    filterset = view.get_filterset(view.get_filterset_class())
    assert filterset.is_valid()
    python = RecordListView.json_export(view, filterset.qs)
    return json.loads(body(response)), json.loads(body(python))


def test_postgresql_writes_the_cells_python_writes(client, awkward):
    copied, written = both_exports(client)
    assert len(copied) == SisterSchoolPartnership.objects.published().count() + 1
    assert copied == written


def test_postgresql_writes_the_cells_python_writes_for_a_filtered_sorted_list(client, awkward):
    copied, written = both_exports(client, "q=School&sort=-level&country=testland")
    assert len(copied) > 2
    assert copied == written


def test_postgresql_leaves_out_draft_names_as_python_does(client, seed):
    tie_to_drafts(create_drafts())
    copied, written = both_exports(client)
    assert copied == written
    assert any(row[0] == "Open School – Maple Board" for row in copied)


def test_the_export_on_postgresql_does_not_go_through_python(client, awkward, monkeypatch):
    def refuse(self, queryset):
        raise AssertionError("the Python export ran")

    monkeypatch.setattr(PartnershipListView, "python_csv_export", refuse)
    text, _params = copy_sql(SisterSchoolPartnership.objects.published().order_by("-pk"))
    assert text.startswith("COPY (SELECT ")
    assert len(parsed(body(client.get("/partnerships/?format=csv")))) > 10


def test_an_order_that_cannot_be_replayed_falls_back_to_python(db):
    queryset = SisterSchoolPartnership.objects.published().order_by("party_a__name", "pk")
    assert copy_sql(queryset) is None


# --------------------------------------------------------------------------- JSON


@pytest.fixture
def cited(awkward):
    cite_some(SisterSchoolPartnership.objects.order_by("pk"))


@pytest.fixture(params=[2000, 3], ids=["read-in-the-view", "copied"])
def chunk(request, monkeypatch):
    """Exports of fewer rows than a chunk are sent from the view's first read; larger ones
    are copied: both are checked, with a chunk smaller than the test's rows."""
    monkeypatch.setattr(copy_export, "CHUNK", request.param)
    return request.param


def test_postgresql_writes_the_json_python_writes(client, cited, chunk):
    copied, written = both_json_exports(client)
    assert len(copied) == SisterSchoolPartnership.objects.published().count()
    assert copied == written
    assert any(row["citations"] for row in copied)


def test_postgresql_writes_the_json_python_writes_for_a_filtered_sorted_list(client, cited, chunk):
    copied, written = both_json_exports(client, "q=School&sort=-level&country=testland")
    assert len(copied) > 3
    assert copied == written


def test_postgresql_json_leaves_out_draft_names_as_python_does(client, seed, chunk):
    tie_to_drafts(create_drafts())
    copied, written = both_json_exports(client)
    assert copied == written
    assert any(row["name"] == "Open School – Maple Board" for row in copied)


def test_the_json_export_on_postgresql_does_not_go_through_python(client, cited, monkeypatch):
    def refuse(self, queryset):
        raise AssertionError("the Python export ran")

    monkeypatch.setattr(RecordListView, "json_export", refuse)
    monkeypatch.setattr(copy_export, "CHUNK", 3)
    rows = json.loads(body(client.get("/partnerships/?format=json")))
    assert len(rows) == SisterSchoolPartnership.objects.published().count()


# --------------------------------------------------------------------------- the new model


@pytest.fixture
def lives(seed):
    """Partnerships with every kind of partial date (no year, inferred year with and without
    its reason, bounds), the history tables in every shape, a public and a draft
    predecessor, a parent, and citations by section."""
    from partnerships.models import (
        Agreement,
        AgreementKind,
        AgreementStatus,
        EventFormat,
        Qualifier,
        Region,
        Renewal,
        StatusChange,
        Visit,
        VisitDirection,
    )

    land = make_region("Lifeland")
    orgs = [make_org(f"Life School {i:02}", land) for i in range(12)]
    dates = [
        {"established_on": D(1, 9, 24), "established_precision": DatePrecision.DAY_MONTH},
        {"established_on": D(1, 9, 1), "established_precision": DatePrecision.MONTH_ONLY},
        {
            "established_on": D(2017, 9, 1),
            "established_precision": MONTH,
            "established_year_inferred": True,
            "established_year_basis": "from the page's address",
        },
        {
            "established_on": D(2017, 1, 1),
            "established_precision": YEAR,
            "established_year_inferred": True,
            "established_not_after": D(2018, 3, 1),
        },
        {"established_on": D(2020, 7, 9), "established_year_inferred": True},
        {"established_on": D(2017, 9, 1), "established_precision": MONTH,
         "established_as_given": "final week"},
        {"established_on": D(2014, 1, 1), "established_precision": YEAR,
         "established_year_inferred": True, "established_year_basis": "report of 2014",
         "established_as_given": "this autumn"},
        {"established_as_given": "recently"},
        {"established_not_after": D(2019, 5, 1), "established_as_given": "spring"},
    ]  # fmt: skip
    made = []
    for i in range(len(orgs) - 1):
        made.append(
            make_partnership(
                orgs[i],
                orgs[i + 1],
                source_label=["", "friendship school", "=MOU"][i % 3],
                pairings_reported=[None, 0, 10][i % 3],
                status=list(PartnershipStatus)[i % len(PartnershipStatus)],
                **dates[i % len(dates)],
            )
        )
    draft = make_partnership(orgs[0], orgs[5], publication="draft")
    made[1].predecessor, made[2].predecessor, made[3].parent = made[0], draft, made[0]
    made[2].other_names = "  Purple Cloud exchange \r\n\n  Ziyun pairing\t\n"
    for p in made[1:4]:
        p.save()
    first = made[0]
    signed_in = Region.objects.filter(publication="published").order_by("pk").first()
    Agreement.objects.create(partnership=first, kind=AgreementKind.MOU, title="Original MOU",
                             signed_on=D(2008, 1, 1), signed_precision=YEAR,
                             place=signed_in)  # fmt: skip
    Agreement.objects.create(partnership=first, kind=AgreementKind.RENEWAL,
                             status=AgreementStatus.DUE, term_start_year=2021)  # fmt: skip
    Agreement.objects.create(partnership=first, kind=AgreementKind.LETTER, term_end_year=2030,
                             signed_on=D(1, 5, 1),
                             signed_precision=DatePrecision.MONTH_ONLY)  # fmt: skip
    Agreement.objects.create(partnership=made[4], kind=AgreementKind.AGREEMENT,
                             title="Current", term_start_year=2016, term_end_year=2021,
                             signed_on=D(2016, 3, 5), signed_year_inferred=True,
                             signed_year_basis="from the URL", term_length_years=5,
                             renewal=Renewal.BY_AGREEMENT, signed_at=orgs[1])  # fmt: skip
    hidden_venue = make_org("Hidden Life Venue", land, publication="draft")
    Agreement.objects.create(partnership=made[4], kind=AgreementKind.LETTER,
                             signed_at=hidden_venue)  # fmt: skip
    StatusChange.objects.create(partnership=first, status="ending", changed_on=D(2005, 3, 1),
                                changed_precision=MONTH, changed_not_after=D(2005, 6, 30),
                                note="=Announced; effective in June")  # fmt: skip
    StatusChange.objects.create(partnership=first, status="ended")  # fmt: skip
    Visit.objects.create(partnership=first, direction=VisitDirection.BOTH, teachers=0,
                         others=4, description="Line\nbreak, \"quoted\"")  # fmt: skip
    Visit.objects.create(partnership=first, visited_on=D(2011, 5, 2), recurrence="every May",
                         students=12, teachers=2, headcount_qualifier=Qualifier.OVER)  # fmt: skip
    Visit.objects.create(partnership=made[6], direction=VisitDirection.A_TO_B,
                         visited_on=D(1, 9, 24),
                         visited_precision=DatePrecision.DAY_MONTH)  # fmt: skip
    Visit.objects.create(partnership=made[6], teachers=1, students=1, others=1,
                         format=EventFormat.ONLINE)  # fmt: skip
    Visit.objects.create(partnership=made[6], status="planned", visited_on=D(2026, 1, 1),
                         visited_precision=YEAR, visited_as_given="summer")  # fmt: skip
    Visit.objects.create(partnership=made[7], people_in_all=21, headcount_qualifier="over")
    Visit.objects.create(partnership=made[7], days=14, direction=VisitDirection.JOINT)
    Visit.objects.create(partnership=made[7], days=1, students=3)
    ceremony = Visit.objects.create(partnership=made[6], occasion="groundbreaking ceremony",
                                    students=1010, visited_on=D(2019, 3, 1), ends_on=D(2021, 6, 1),
                                    visited_precision=MONTH)  # fmt: skip
    ceremony.other_senders.set(
        [orgs[9], orgs[3], make_org("Draft Sender", land, publication="draft")]
    )
    ceremony.hosts.set([orgs[8]])
    source = Source.objects.create(title="Sectioned page", outlet="Web", publication="published",
                                   published_on=D(2019, 1, 1),
                                   published_precision=YEAR)  # fmt: skip
    Citation.objects.create(record=first, source=source, section="History")
    Citation.objects.create(record=first, source=source, paragraph=2, section="Visits")
    return made


def test_postgresql_writes_the_new_dates_history_and_links_python_writes(client, lives):
    copied, written = both_exports(client, "country=lifeland")
    assert len(copied) == 12
    assert copied == written
    header = copied[0]
    first = dict(zip(header, next(r for r in copied if r[0] == str(lives[0])), strict=True))
    assert first["agreements"].startswith("2008: Original MOU — Signed, signed in China; ")
    assert "'=Announced" not in first["status_changes"]  # only a cell's start is escaped
    assert "over 2 teachers, over 12 students" in first["visits"]
    third = dict(zip(header, next(r for r in copied if r[0] == str(lives[2])), strict=True))
    assert third["other_names"] == "Purple Cloud exchange; Ziyun pairing"
    fifth = dict(zip(header, next(r for r in copied if r[0] == str(lives[4])), strict=True))
    assert (
        "Current — Signed, term 2016–2021, 5 years, may be renewed if the parties agree, "
        "signed at Life School 01" in (fifth["agreements"])
    )
    assert "Hidden Life Venue" not in fifth["agreements"]


@pytest.mark.parametrize("size", [2000, 3], ids=["read-in-the-view", "copied"])
def test_postgresql_writes_the_new_model_json_python_writes(client, lives, monkeypatch, size):
    monkeypatch.setattr(copy_export, "CHUNK", size)
    copied, written = both_json_exports(client, "country=lifeland")
    assert len(copied) == 11
    assert copied == written
    sections = {c["section"] for row in copied for c in row["citations"]}
    assert sections == {"History", "Visits"}
    history = [row["history"] for row in copied]
    assert sum(len(h["agreements"]) for h in history) == 5
    current = next(a for h in history for a in h["agreements"] if a["title"] == "Current")
    assert (current["term_length_years"], current["renewal"]) == (
        5,
        "May be renewed if the parties agree",
    )
    assert current["signed_at"] == "Life School 01"
    assert {a["signed_at"] for h in history for a in h["agreements"]} == {None, "Life School 01"}
    assert {a["renewal"] for h in history for a in h["agreements"]} == {
        None,
        "May be renewed if the parties agree",
    }
    assert sum(len(h["visits"]) for h in history) == 9
    assert {c["published_on"] for row in copied for c in row["citations"]} == {"2019"}


def test_postgresql_writes_who_sent_a_visit_and_who_changed_the_status_as_python_does(client, seed):
    """A visit's sender and the place the group came from, who made a change of status, who
    signed an agreement and the people on a visit, in the history cells; a draft one left
    out; both exports alike."""
    from partnerships.models import Agreement, StatusChange, Visit, VisitDirection
    from tests.test_views import make_person

    land = make_region("Senderland")
    city = make_region("Sender City", parent=land)
    hidden_city = make_region("Hidden Sender City", parent=land, publication="draft")
    a, b = make_org("Sender School A", land), make_org("Sender School B", land)
    office = make_org("Sender Office", city)
    hidden_office = make_org("Hidden Sender Office", city, publication="draft")
    p = make_partnership(a, b)
    Visit.objects.create(partnership=p, direction=VisitDirection.A_TO_B, sender=office,
                         sent_from=city, visited_on=D(2018, 1, 1), visited_precision=YEAR,
                         students=3)  # fmt: skip
    Visit.objects.create(partnership=p, sender=hidden_office, sent_from=hidden_city,
                         visited_on=D(2019, 1, 1), visited_precision=YEAR)  # fmt: skip
    StatusChange.objects.create(partnership=p, status="ended", by=office, note="Closed")
    StatusChange.objects.create(partnership=p, status="active", by=hidden_office,
                                changed_on=D(2010, 1, 1), changed_precision=YEAR)  # fmt: skip
    lee, ortiz = make_person("Lee, Min"), make_person("Ortiz")
    hidden_person = make_person("Hidden Person", publication="draft")
    agreement = Agreement.objects.create(partnership=p, kind="mou", term_end_year=2030)
    agreement.signatories.add(ortiz, hidden_person, lee)
    Agreement.objects.create(partnership=p, kind="renewal").signatories.add(hidden_person)
    visit = p.visits.get(sender=office)
    visit.people.create(partnership=p, person=lee, role="went", title='Teacher, "Art"')
    visit.people.create(partnership=p, person=ortiz, role="led")
    visit.people.create(partnership=p, person=hidden_person, role="interpreted")
    p.visits.get(sender=hidden_office).people.create(partnership=p, person=hidden_person)
    p.people.create(person=lee, role="helped")
    copied, written = both_exports(client, "country=senderland")
    assert copied == written
    row = dict(zip(copied[0], copied[1], strict=True))
    assert row["visits"] == (
        "2018: First party visited the second, sent by Sender Office, from Sender City, "
        '3 students, people: Ortiz (Led the group), Lee, Min, Teacher, "Art" (Went on the '
        "visit); 2019: Not reported"
    )
    assert row["agreements"] == (
        "date not reported: Memorandum of understanding — Signed, term to 2030, signed by "
        "Lee, Min, Ortiz; date not reported: Renewal — Signed"
    )
    assert (
        row["status_changes"] == "2010: Active; date not reported: Ended, by Sender Office — Closed"
    )
    copied_json, written_json = both_json_exports(client, "country=senderland")
    assert copied_json == written_json
    assert copied_json[0]["visits"] == row["visits"]
    assert copied_json[0]["agreements"] == row["agreements"]
    history = copied_json[0]["history"]
    assert [a["signatories"] for a in history["agreements"]] == [["Lee, Min", "Ortiz"], []]
    assert [[p["name"] for p in v["people"]] for v in history["visits"]] == [
        ["Ortiz", "Lee, Min"],
        [],
    ]
