"""A partnership's export carries its history (agreements, changes of status, visits) in
three readable columns, in the CSV and in the JSON (README, "Exports"), with who sent a
visit, where the group came from and who made a change of status; a draft is never named.
PostgreSQL's COPY writes the same cells (test_copy_export)."""

from __future__ import annotations

import datetime

from partnerships.dates import DatePrecision
from partnerships.models import StatusChange, Visit, VisitDirection
from tests.test_views import csv_rows, json_rows, make_org, make_partnership, make_region

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
