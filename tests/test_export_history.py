"""A partnership's export carries its history (agreements, changes of status, visits) in
three readable columns, in the CSV and in the JSON (README, "Exports"), with who sent a
visit, where the group came from, who made a change of status, who signed an agreement and
who was named on a visit; a draft is never named. PostgreSQL's COPY writes the same cells
(test_copy_export); on PostgreSQL these tests read COPY's, on SQLite Python's."""

from __future__ import annotations

import datetime

from partnerships.dates import DatePrecision
from partnerships.models import (
    Agreement,
    AgreementKind,
    PartnershipPerson,
    StatusChange,
    Visit,
    VisitDirection,
)
from tests.test_views import (
    csv_rows,
    json_rows,
    make_org,
    make_partnership,
    make_person,
    make_region,
)

YEAR = DatePrecision.YEAR


def test_history_columns_name_who_sent_a_visit_and_who_changed_the_status(client, db):
    land = make_region("Historyland")
    city = make_region("History City", parent=land)
    hidden_city = make_region("Hidden History City", parent=land, publication="draft")
    a, b = make_org("History School A", land), make_org("History School B", land)
    office = make_org("History Office", city)
    hidden_office = make_org("Hidden History Office", city, publication="draft")
    p = make_partnership(a, b)
    Visit.objects.create(
        partnership=p,
        direction=VisitDirection.B_TO_A,
        sender=b,
        sent_from=city,
        visited_on=datetime.date(2018, 1, 1),
        visited_precision=YEAR,
        teachers=2,
    )
    Visit.objects.create(partnership=p, sender=hidden_office, sent_from=hidden_city)
    StatusChange.objects.create(partnership=p, status="ended", by=office)
    StatusChange.objects.create(partnership=p, status="suspended", by=hidden_office)
    visits = (
        "2018: Second party visited the first, sent by History School B, from History City, "
        "2 teachers; date not reported: Not reported"
    )
    changes = "date not reported: Ended, by History Office; date not reported: Suspended"
    [row] = csv_rows(client.get("/partnerships/?format=csv&country=historyland"))
    assert (row["visits"], row["status_changes"]) == (visits, changes)
    [record] = json_rows(client.get("/partnerships/?format=json&country=historyland"))
    assert (record["visits"], record["status_changes"]) == (visits, changes)


def test_history_columns_name_the_signatories_and_the_people_on_each_visit(client, db):
    """An agreement's published signatories by name ("signed by …"), a visit's published
    people with their title and part ("people: …"); a draft person left out, and a part in
    the partnership as a whole is not a visit's."""
    land = make_region("Signland")
    a, b = make_org("Sign School A", land), make_org("Sign School B", land)
    p = make_partnership(a, b)
    zhang, adams = make_person("Zhang Wei"), make_person("Adams, Jo")
    hidden = make_person("Hidden Signer", publication="draft")
    signed = Agreement.objects.create(
        partnership=p,
        kind=AgreementKind.MOU,
        title="Original MOU",
        signed_on=datetime.date(2008, 1, 1),
        signed_precision=YEAR,
        term_start_year=2008,
        term_end_year=2013,
    )
    signed.signatories.add(zhang, hidden, adams)
    Agreement.objects.create(partnership=p, kind=AgreementKind.RENEWAL).signatories.add(hidden)
    visit = Visit.objects.create(
        partnership=p,
        direction=VisitDirection.A_TO_B,
        visited_on=datetime.date(2017, 1, 1),
        visited_precision=YEAR,
        students=8,
        description="Lessons together.",
    )
    for person, role, title in (
        (zhang, "went", ""),
        (adams, "led", "English teacher"),
        (hidden, "led", ""),
    ):
        PartnershipPerson.objects.create(
            partnership=p, visit=visit, person=person, role=role, title=title
        )
    PartnershipPerson.objects.create(partnership=p, person=zhang, role="organized")
    Visit.objects.create(partnership=p).people.create(partnership=p, person=hidden)
    agreements = (
        "2008: Original MOU — Signed, term 2008–2013, signed by Adams, Jo, Zhang Wei; "
        "date not reported: Renewal — Signed"
    )
    visits = (
        "2017: First party visited the second, 8 students, people: Adams, Jo, English "
        "teacher (Led the group), Zhang Wei (Went on the visit) — Lessons together.; "
        "date not reported: Not reported"
    )
    [row] = csv_rows(client.get("/partnerships/?format=csv&country=signland"))
    assert (row["agreements"], row["visits"]) == (agreements, visits)
    [record] = json_rows(client.get("/partnerships/?format=json&country=signland"))
    assert (record["agreements"], record["visits"]) == (agreements, visits)


def test_the_json_export_nests_the_history_as_records(client, db):
    """The JSON export also carries the history as lists of records (README, "Exports"):
    each entry's date as the page prints it and in ISO 8601's reduced forms, choices by
    their labels, head-counts as numbers; a draft sender, place, organization or person is
    null or left out; a partnership without history has empty lists."""
    land = make_region("Nestland")
    city = make_region("Nest City", parent=land)
    hidden_city = make_region("Hidden Nest City", parent=land, publication="draft")
    a, b = make_org("Nest School A", land), make_org("Nest School B", city)
    office = make_org("Nest Office", city)
    hidden_office = make_org("Hidden Nest Office", city, publication="draft")
    p = make_partnership(a, b)
    make_partnership(b, make_org("Nest School C", land))  # no history
    signer, hidden = make_person("Nest Signer"), make_person("Hidden Nester", publication="draft")
    agreement = Agreement.objects.create(
        partnership=p,
        kind=AgreementKind.MOU,
        title="Original MOU",
        signed_on=datetime.date(2008, 5, 1),
        signed_precision=DatePrecision.MONTH,
        term_start_year=2008,
    )
    agreement.signatories.add(signer, hidden)
    StatusChange.objects.create(partnership=p, status="ended", by=office, note="Closed")
    StatusChange.objects.create(partnership=p, status="suspended", by=hidden_office)
    visit = Visit.objects.create(
        partnership=p,
        direction=VisitDirection.A_TO_B,
        status="planned",
        sender=office,
        sent_from=city,
        visited_on=datetime.date(2017, 1, 1),
        visited_precision=YEAR,
        teachers=3,
        students=8,
        recurrence="every year",
    )
    visit.people.create(partnership=p, person=signer, role="led", title="Head")
    visit.people.create(partnership=p, person=hidden, role="went")
    Visit.objects.create(partnership=p, sender=hidden_office, sent_from=hidden_city)
    records = json_rows(client.get("/partnerships/?format=json&country=nestland"))
    by_name = {record["name"]: record for record in records}
    assert by_name["Nest School B – Nest School C"]["history"] == {
        "agreements": [],
        "status_changes": [],
        "visits": [],
    }
    history = by_name["Nest School A – Nest School B"]["history"]
    assert history["agreements"] == [
        {
            "date": "May 2008",
            "date_iso": "2008-05",
            "kind": "Memorandum of understanding",
            "title": "Original MOU",
            "status": "Signed",
            "term_start_year": 2008,
            "term_end_year": None,
            "term_length_years": None,
            "renewal": None,
            "signed_at": None,
            "signed_in": None,
            "signatories": ["Nest Signer"],
        }
    ]
    assert history["status_changes"] == [
        {
            "date": "date not reported",
            "date_iso": None,
            "status": "Ended",
            "by": "Nest Office",
            "note": "Closed",
        },
        {
            "date": "date not reported",
            "date_iso": None,
            "status": "Suspended",
            "by": None,
            "note": "",
        },
    ]
    assert history["visits"] == [
        {
            "date": "2017",
            "date_iso": "2017",
            "last_date_iso": None,
            "occasion": "",
            "direction": "First party visited the second",
            "status": "Planned or announced",
            "format": "Not reported",
            "sent_by": "Nest Office",
            "also_sent_by": [],
            "hosted_by": [],
            "came_from": "Nest City",
            "headcounts_are": "exactly",
            "teachers": 3,
            "students": 8,
            "others": None,
            "people_in_all": None,
            "days": None,
            "recurrence": "every year",
            "description": "",
            "people": [{"name": "Nest Signer", "title": "Head", "role": "Led the group"}],
        },
        {
            "date": "date not reported",
            "date_iso": None,
            "last_date_iso": None,
            "occasion": "",
            "direction": "Not reported",
            "status": "Reported as done",
            "format": "Not reported",
            "sent_by": None,
            "also_sent_by": [],
            "hosted_by": [],
            "came_from": None,
            "headcounts_are": "exactly",
            "teachers": None,
            "students": None,
            "others": None,
            "people_in_all": None,
            "days": None,
            "recurrence": "",
            "description": "",
            "people": [],
        },
    ]


def test_a_visit_s_last_date_is_in_both_exports(client, db):
    from partnerships.models import Visit

    land = make_region("Stayland")
    partnership = make_partnership(make_org("Stay School A", land), make_org("Stay School B", land))
    Visit.objects.create(
        partnership=partnership,
        visited_on=datetime.date(1990, 7, 1),
        visited_precision="month",
        ends_on=datetime.date(2012, 6, 1),
    )
    (record,) = json_rows(client.get("/partnerships/?format=json&country=stayland"))
    (visit,) = record["history"]["visits"]
    assert (visit["date"], visit["date_iso"], visit["last_date_iso"]) == (
        "July 1990 to June 2012",
        "1990-07",
        "2012-06",
    )
    (row,) = csv_rows(client.get("/partnerships/?format=csv&country=stayland"))
    assert "July 1990 to June 2012: " in row["visits"]


def test_an_established_status_change_reads_as_an_event(client, db):
    """Trial 14: a dated change "established 2000" read "Established (current state not
    reported)" in the history, though the current state (renewed) was reported."""
    from partnerships.models import StatusChange
    from tests.test_views import make_org, make_partnership, make_region

    land = make_region("Eventland")
    p = make_partnership(make_org("Event School A", land), make_org("Event School B", land))
    StatusChange.objects.create(partnership=p, status="established")
    [row] = csv_rows(client.get("/partnerships/?format=csv&country=eventland"))
    assert row["status_changes"] == "date not reported: Established"
    page = client.get(p.get_absolute_url()).content.decode()
    history = page[page.index('id="history-heading"') :]
    assert "Status: Established" in history
    assert "current state not reported" not in history
