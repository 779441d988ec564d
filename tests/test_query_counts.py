"""Every public page runs a fixed number of queries, whatever the size of the data and of
the page: more rows, more related rows or a bigger page must not add queries (no N+1).

The numbers are exact, so that a query added by a change shows up here; if a change adds
one on purpose, update the number with the reason.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import RequestFactory

from partnerships.facets import facet_cache_key
from partnerships.models import (
    Agreement,
    AllianceBody,
    AllianceEventActor,
    AllianceMembership,
    EventRole,
    Metric,
    OrganizationKind,
    PartnershipPerson,
    PartnershipStatus,
    PersonPosition,
    RegionKind,
    SisterSchoolPartnership,
    Speech,
    StatusChange,
    Visit,
)
from partnerships.pagecache import data_version
from tests import test_views
from tests.test_views import (
    LISTS,
    Bulk,
    bulk_query,
    cite,
    make_alliance,
    make_conference,
    make_event,
    make_figure,
    make_org,
    make_partnership,
    make_person,
    make_region,
    make_series,
    make_source,
    make_speech,
    result_count,
)

# Fixtures shared with test_views: the seed, loaded once per module.
seeded_module = test_views.seeded_module

# Queries per list page (measured): the count, the page of rows, one per prefetched relation
# of the rows but the citations (which the table does not show), the facets (one GROUP BY per
# counted column, one for the labels of related values) and the choices of the form.
#
# On PostgreSQL the count and each facet of a filtered list run with their own time limit,
# and the page's rows with the joins in the written order (pgsettings.statement_settings):
# inside a test's transaction each such block adds four queries (a savepoint, the query that
# sets the setting, the one that puts it back, the release). The whole list (no filter)
# counts its kept facets within the statement limit of every query instead (facets.
# list_counts: no block), leaving two blocks (the count, the rows) and one per facet that is
# not kept (alliances' two place facets). Measured:
PG_BLOCKS = {
    "partnerships": 2,
    "alliances": 4,
    "conferences": 2,
    "organizations": 2,
    "regions": 2,
    "sources": 2,
    "people": 2,
}
PG = {
    name: 4 * blocks if connection.vendor == "postgresql" else 0
    for name, blocks in PG_BLOCKS.items()
}
# Detail pages read their record with joins_as_written too.
PG_DETAIL = 4 if connection.vendor == "postgresql" else 0
# A filtered list: a block for each facet, the count and the rows, measured:
PG_FILTERED_BLOCKS = {
    "partnerships": 8,
    "alliances": 7,
    "conferences": 5,
    "organizations": 5,
    "regions": 4,
    "sources": 4,
    "people": 3,
}
# But a filtered list whose facets read one table without DISTINCT (partnerships,
# organizations) counts them on PostgreSQL in one statement that also counts the rows
# (GROUPING SETS, facets.count_together) inside one time-limited block, instead of a block
# per facet and one for the count; a facet counted apart (one that widens, with a value
# chosen) keeps its own. Measured, over SQLite's: partnerships 2 blocks and 8 queries fewer,
# organizations 3 blocks (that statement, the country facet counted apart, the rows) and 2
# queries fewer.
PG_FILTERED = {
    name: 4 * blocks if connection.vendor == "postgresql" else 0
    for name, blocks in PG_FILTERED_BLOCKS.items()
} | (
    {"partnerships": 4 * 2 - 8, "organizations": 4 * 3 - 2}
    if connection.vendor == "postgresql"
    else {}
)
# Conferences show the places also hosting them, people their other names: a prefetch each.
# Alliances and conferences: one more to read the keys of the rows whose places the place
# facets count (filters.alliance_places, conference_places). Regions: six more to count the
# published records under every region (region_records: partnerships, organizations,
# conference places and alliance places, two each), which the list shows and hides the
# regions without, and one to count the regions it hides.
LIST_QUERIES = {
    "partnerships": 13,
    "alliances": 11,
    "conferences": 10,
    "organizations": 8,
    "regions": 12,
    "sources": 4,
    "people": 5,
}

# The same with the filter of test_views.BULK_FILTERS: one more query to check the slugs
# given (the chips name the records it found); for sources two, to check the language and to
# read the languages' names for its chip.
FILTERED_LIST_QUERIES = {
    "partnerships": 14,
    "alliances": 12,
    "conferences": 10,
    "organizations": 9,
    "regions": 13,
    "sources": 6,
    "people": 6,
}

# Queries per JSON export: the rows and one per prefetched relation (citations, alliance
# member countries and members, conference organizers, who ran it, co-organizers, guides,
# initiators, places
# also hosting and regions taking part, organization and people's other names, a
# partnership's agreements,
# changes of status and visits, the agreements' signatories and the visits' people: the test
# gives every partnership an agreement and a visit, so that the last two are read in every
# export; Django skips them when no partnership exported has any). The CSV has no citations:
# one query fewer. The view reads the first rows (up to 2,000) before it answers, so that a
# failure is a 503 before the first byte; a list this small is sent from that read. Regions:
# six more, for the regions that hold a published record (the export leaves out the others,
# as the list does).
EXPORT_QUERIES = {
    "partnerships": 9,
    "alliances": 4,
    "conferences": 9,
    "organizations": 3,
    "regions": 8,
    "sources": 2,
    "people": 3,
}


def export_queries(name: str, fmt: str) -> int:
    if name == "partnerships" and fmt == "csv" and connection.vendor == "postgresql":
        return 4  # COPY: SAVEPOINT, SET LOCAL, RELEASE, and the EXPLAIN the view runs first
    if name == "partnerships" and fmt == "json" and connection.vendor == "postgresql":
        return 1  # PostgreSQL's JSON (copy_export): fewer rows than a chunk, read in the view
    return EXPORT_QUERIES[name] - (fmt == "csv")


@pytest.fixture(scope="module")
def world(seeded_module, django_db_blocker):
    """The seed, 20 rows of every list ("Small") and 60 more ("Large"), and two hubs with 2
    and 8 related rows of every kind: built once for the module, rolled back after it."""
    with django_db_blocker.unblock():
        built = {
            "small": Bulk("Small", language="da").add(20),
            "large": Bulk("Large", language="sv").add(60),
            "small_hub": Hub("Small").add(2),
            "large_hub": Hub("Large").add(8),
        }
        if connection.vendor == "postgresql":
            # Planner statistics, as autovacuum keeps them on a real database: without them
            # PostgreSQL guesses one row per table and a facet's subquery plan can take
            # longer than the facet time limit, which would leave the facet out.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        return built


def add_histories() -> None:
    """An agreement signed by a person and a visit a person went on, for every partnership
    (rolled back with the test)."""
    person = make_person("History Signer")
    for partnership in SisterSchoolPartnership.objects.all():
        Agreement.objects.create(partnership=partnership, kind="mou").signatories.add(person)
        visit = Visit.objects.create(partnership=partnership, students=3)
        PartnershipPerson.objects.create(partnership=partnership, visit=visit, person=person)


@pytest.fixture
def data(world, db):
    return world


def forget_facets(url):
    """Drop the facet counts the list at ``url`` keeps in the cache (not the rest of the
    cache: in Redis, clear() would empty every alias)."""
    caches["facets"].delete(facet_cache_key(RequestFactory().get(url), data_version()))


def fetch(client, url):
    """GET a page and read all of it (exports stream their rows while being read)."""
    response = client.get(url)
    if response.streaming:
        b"".join(response.streaming_content)
    return response


@pytest.mark.parametrize("name", LISTS)
def test_list_page_queries_do_not_grow_with_page_size(
    client, data, django_assert_num_queries, name
):
    url = LISTS[name]
    fetch(client, url)  # warms the caches that live for the process (content types)
    for per_page in (10, 50):
        forget_facets(f"{url}?per_page={per_page}")  # counted anew, not read from the cache
        with django_assert_num_queries(LIST_QUERIES[name] + PG[name]):
            response = fetch(client, f"{url}?per_page={per_page}")
        assert len(response.context["object_list"]) == per_page


@pytest.mark.parametrize("name", LISTS)
def test_later_pages_of_a_list_run_no_more_queries_than_the_first(
    client, data, django_assert_max_num_queries, name
):
    fetch(client, LISTS[name])
    for page in ("2", "3", "last"):
        with django_assert_max_num_queries(LIST_QUERIES[name] + PG[name]):
            response = fetch(client, f"{LISTS[name]}?per_page=10&page={page}")
        assert response.status_code == 200


def test_partnership_list_counts_and_finds_a_later_page_without_joining_what_it_shows(client, data):
    """The table's values (PartnershipRow) need five joins: only the page's own rows are read
    with them. The count and the keys of a later page come from the partnership table alone
    (joined for up to 10,001 rows, the count took 175 ms instead of 4 at a million rows)."""
    from django.test.utils import CaptureQueriesContext

    fetch(client, "/partnerships/")
    with CaptureQueriesContext(connection) as ctx:
        response = fetch(client, "/partnerships/?per_page=10&page=3")
    assert response.status_code == 200
    assert len(response.context["object_list"]) == 10
    sqls = [
        q["sql"] for q in ctx.captured_queries if "partnerships_sisterschoolpartnership" in q["sql"]
    ]
    counts = [sql for sql in sqls if "COUNT(" in sql]
    keys = [sql for sql in sqls if "OFFSET" in sql]
    rows = [sql for sql in sqls if '"partnerships_organization"."name"' in sql]
    assert len(counts) == len(keys) == len(rows) == 1
    assert "JOIN" not in counts[0] and "JOIN" not in keys[0]
    assert "JOIN" in rows[0]


def test_partnership_search_reads_its_first_page_rows_with_their_joins_in_one_query(client, data):
    """A search's first page reads its rows with the five joins the table's values need, in
    the list's order, in one query limited to the page."""
    from django.test.utils import CaptureQueriesContext

    from partnerships.models import SisterSchoolPartnership

    url = "/partnerships/?q=Large&per_page=10"
    fetch(client, url)
    with CaptureQueriesContext(connection) as ctx:
        response = fetch(client, url)
    joined = [
        q["sql"] for q in ctx.captured_queries if '"partnerships_organization"."name"' in q["sql"]
    ]
    assert len(joined) == 1
    assert "LIMIT 10" in joined[0]
    expected = SisterSchoolPartnership.objects.published().search("Large")
    assert result_count(response) == expected.count() > 10
    assert [row.slug for row in response.context["object_list"]] == list(
        expected.values_list("slug", flat=True)[:10]
    )


@pytest.mark.parametrize("name", LISTS)
def test_list_page_queries_do_not_grow_with_matching_rows(
    client, data, django_assert_num_queries, name
):
    """20 rows or 60 rows, 10 or 50 on the page: the same queries."""
    fetch(client, LISTS[name])
    for size, rows in (("small", 20), ("large", 60)):
        url = f"{LISTS[name]}?{bulk_query(name, data[size])}"
        for per_page in (10, 50):
            forget_facets(f"{url}&per_page={per_page}")  # counted anew, not from the cache
            with django_assert_num_queries(FILTERED_LIST_QUERIES[name] + PG_FILTERED[name]):
                response = fetch(client, f"{url}&per_page={per_page}")
            matching = rows * (2 if name == "organizations" else 1)
            assert result_count(response) == matching
            assert len(response.context["object_list"]) == min(per_page, matching)


@pytest.mark.parametrize("fmt", ["csv", "json"])
@pytest.mark.parametrize("name", LISTS)
def test_export_queries_do_not_grow_with_rows(client, data, django_assert_num_queries, name, fmt):
    if name == "partnerships":
        add_histories()
    fetch(client, LISTS[name])
    for size in ("small", "large"):
        url = f"{LISTS[name]}?{bulk_query(name, data[size])}&format={fmt}"
        with django_assert_num_queries(export_queries(name, fmt) + 1):  # + checking the filter
            fetch(client, url)
    with django_assert_num_queries(export_queries(name, fmt)):
        fetch(client, f"{LISTS[name]}?format={fmt}")


# --------------------------------------------------------------------------- detail pages


class Hub:
    """One record of every kind (its names start with ``tag``) with ``k`` related rows of
    every kind, for the detail pages."""

    def __init__(self, tag):
        self.tag = tag
        self.country = make_region(f"{tag} Hub Land")
        self.province = make_region(
            f"{tag} Hub Province", kind=RegionKind.PROVINCE, parent=self.country
        )
        self.org = make_org(f"{tag} Hub University", self.province, other_names=[f"{tag} Hub U"])
        self.partner = make_org(f"{tag} Hub Partner", self.country)
        self.series = make_series(f"{tag} Hub Series", venue_region=self.province)
        self.conference = make_conference(
            f"{tag} Hub Conference",
            host_region=self.province,
            series=self.series,
            edition=1,
            venue=self.org,
            organizers=[self.org],
        )
        self.alliance = make_alliance(
            f"{tag} Hub Alliance",
            countries=[self.country],
            members=[self.org],
            founding_conference=self.conference,
        )
        self.body = AllianceBody.objects.create(
            alliance=self.alliance, kind="secretariat", name=f"{tag} Hub Secretariat"
        )
        self.person = make_person(f"{tag} Hub Person", self.org)
        self.source = make_source(f"{tag} Hub Source")
        self.partnership = make_partnership(
            self.org, self.partner, conference=self.conference, series=self.series
        )
        self.count = 0

    def add(self, k: int) -> Hub:
        tag = self.tag
        for i in range(self.count, self.count + k):
            paragraph = i + 1
            source = make_source(f"{tag} Hub Source {i:03}")
            city = make_region(f"{tag} Hub City {i:03}", kind=RegionKind.CITY, parent=self.province)
            land = make_region(f"{tag} Hub Land {i:03}")
            school = make_org(
                f"{tag} Hub School {i:03}", city, other_names=[f"{tag} Hub Alias {i:03}"]
            )
            abroad = make_org(f"{tag} Hub Abroad {i:03}", land)
            unit = make_org(
                f"{tag} Hub Department {i:03}",
                self.province,
                kind=OrganizationKind.OTHER,
                parent=self.org,
            )
            partnership = make_partnership(
                self.org, school, conference=self.conference, series=self.series
            )
            make_partnership(school, abroad, series=self.series)
            conference = make_conference(
                f"{tag} Hub Edition {i:03}",
                host_region=city,
                series=self.series,
                edition=i + 2,
                venue=self.org,
                organizers=[school, self.org],
                participating=[land],
            )
            self.conference.organizers.add(school)
            self.conference.participating_regions.add(land)
            alliance = make_alliance(
                f"{tag} Hub Alliance {i:03}",
                countries=[land],
                members=[school, self.org],
                founding_conference=self.conference,
            )
            membership = AllianceMembership.objects.create(
                alliance=self.alliance, organization=school
            )
            event = make_event(self.alliance, description=f"Meeting {i}")
            self.alliance.countries.add(land)
            person = make_person(f"{tag} Hub Person {i:03}", school)
            speech = make_speech(person, self.conference)
            own_speech = make_speech(self.person, conference)
            # A speech by an office with no person named, a special partner
            # country, a body's guide, people's parts in the partnership and in others.
            office_speech = Speech.objects.create(conference=self.conference, organization=school)
            self.conference.partner_regions.add(land)
            self.body.guided_by.add(school)
            organizer = PartnershipPerson.objects.create(
                partnership=self.partnership, person=person, role="organized"
            )
            own_part = PartnershipPerson.objects.create(
                partnership=partnership, person=self.person, role="helped"
            )
            # What else names the hub's organization and person: their part in a governance
            # event of another alliance, a visit the organization sent and a change of status
            # it made (in another partnership), a conference it ran, a series it organizes,
            # a body it guides, its part at an event as an office.
            event_part = AllianceEventActor.objects.create(
                alliance=alliance,
                event=make_event(alliance),
                organization=self.org,
                person=self.person,
            )
            visit = Visit.objects.create(partnership=partnership, sender=self.org, sent_from=city)
            change = StatusChange.objects.create(
                partnership=partnership, status=PartnershipStatus.ACTIVE, by=self.org
            )
            conference.run_by.add(self.org)
            make_series(f"{tag} Hub Organized Series {i:03}").organizers.add(self.org)
            AllianceBody.objects.create(
                alliance=alliance, kind="committee", name=f"{tag} Hub Committee {i:03}"
            ).guided_by.add(self.org)
            office_part = Speech.objects.create(
                conference=conference, organization=self.org, role=EventRole.CHAIR
            )
            # Another position the hub's person holds, at each school.
            position = PersonPosition.objects.create(
                person=self.person, position=f"Adviser {i:03}", organization=school
            )
            for record in (event_part, visit, change, office_part, position):
                cite(record, source)
            figures = [
                make_figure(
                    subject,
                    100 + i,
                    metric=metric,
                    as_of=datetime.date(2024, 1, 1) + datetime.timedelta(days=i),
                )
                for subject, metric in (
                    (self.conference, Metric.PARTICIPANTS),
                    (self.series, Metric.SISTER_SCHOOL_PARTNERSHIPS),
                    (self.org, Metric.EXCHANGE_VISITORS),
                    (self.province, Metric.ALLIANCES),
                    (self.alliance, Metric.ACTIVITIES),
                    (self.partnership, Metric.ACTIVITIES),
                    (partnership, Metric.COMPREHENSIVE_PARTNERSHIPS),
                    (self.country, Metric.COUNTRIES),
                )
            ]
            records = [
                city,
                land,
                school,
                abroad,
                unit,
                partnership,
                conference,
                alliance,
                membership,
                event,
                person,
                speech,
                own_speech,
                office_speech,
                organizer,
                own_part,
                *figures,
            ]
            for record in records:
                cite(record, self.source, paragraph=paragraph)
                cite(record, source)
            for record in (
                self.partnership,
                self.org,
                self.conference,
                self.alliance,
                self.person,
                self.series,
                self.province,
                self.country,
            ):
                cite(record, source, paragraph=paragraph)
        self.count += k
        return self


# Queries per detail page (measured), with 2 or 8 related rows of every kind. Every page
# reads what other sources say of the record (OtherAccount, one query). A relation with no
# rows skips the citations of its rows (the hubs' partnership has no agreements, changes of
# status or visits; their citations would be three more).
DETAIL_QUERIES = {
    # + further parties, agreements (and their signatories), changes of status, visits,
    # successors, pairings; people's parts in it and its visits, and their citations.
    "partnership": 13 + PG_DETAIL,
    # + bodies (their citations, whom they work under), parts, meeting series, meetings,
    # who carried out its events, documents it issued.
    "alliance": 18 + PG_DETAIL,
    # + other host places, special partner countries, who carried it out, co-organizers,
    # who guided it, who initiated it, documents issued, agreements signed there, alliances'
    # events held there, the events held within it.
    "conference": 21 + PG_DETAIL,
    # + the series' organizers (its permanent venue is joined).
    "series": 8 + PG_DETAIL,
    # + bodies of alliances hosted, further roles in partnerships; bodies it guides, series
    # it seats or organizes, its parts at events, in alliances' governance events, visits
    # it sent, visits it hosted and changes of status it made (with their citations),
    # alliances' governance events held there, visits that went to it as a stop; the
    # regions above its own (every place of its line, issue 17); agreements it signed or that
    # were signed at it.
    "org": 28 + PG_DETAIL,
    # + its other names; a country's also the groups of countries it belongs to; the visits
    # that went to or came from it and their citations (two more, issue 21).
    "province": 14 + PG_DETAIL,
    "country": 14 + PG_DETAIL,
    # + other names, other positions and their citations, roles in alliances, agreements
    # signed, parts in partnerships and their citations; parts in alliances' governance
    # events and their citations.
    "person": 15 + PG_DETAIL,
    # One per kind of record citing it (a generic relation) and one per relation that
    # names those records (parties, members, speakers and the offices speaking, people in
    # partnerships, figure subjects); + its mirrors and the other accounts it gives of
    # records' facts.
    "source": 35 + PG_DETAIL,
}


@pytest.mark.parametrize("kind", DETAIL_QUERIES)
def test_detail_page_queries_do_not_grow_with_related_rows(
    client, data, django_assert_num_queries, kind
):
    """A record with 2 related rows of every kind and one with 8: the same queries."""
    fetch(client, getattr(data["small_hub"], kind).get_absolute_url())
    for hub in ("small_hub", "large_hub"):
        url = getattr(data[hub], kind).get_absolute_url()
        with django_assert_num_queries(DETAIL_QUERIES[kind]):
            response = fetch(client, url)
        assert response.status_code == 200


def test_detail_pages_show_the_related_rows_counted(client, data):
    response = fetch(client, data["large_hub"].org.get_absolute_url())
    assert len(response.context["partnerships"]) == 9
    assert len(response.context["people"]) == 1
    assert len(response.context["units"]) == 8
    for name in ("visits_sent", "status_changes_made", "event_roles", "alliance_event_parts"):
        assert len(response.context[name]) == 8, name
    assert len(response.context["bodies_guided"]) == 8
    assert len(response.context["series"]) == 8
    response = fetch(client, data["large_hub"].person.get_absolute_url())
    assert len(response.context["alliance_event_parts"]) == 8


# The headline and the charts: the whole partnership list's counts as its first page makes
# them (facets.list_counts: one GROUP BY per facet column, seven, and its rows), exact on
# both databases. Here the test's writes are not committed, so nothing is read from the
# facet cache (test_pagecache shows the overview reading the list's counts from there).
DASHBOARD_QUERIES = 28 + (4 if connection.vendor == "postgresql" else 0)  # the count's block


def test_dashboard_queries_do_not_grow_with_records(client, data, django_assert_num_queries):
    fetch(client, "/")
    with django_assert_num_queries(DASHBOARD_QUERIES):
        fetch(client, "/")
    Hub("More").add(3)
    Bulk("More").add(5)
    # The change dropped the footer's cached "last updated" date: the next request reads it
    # again (one query), as the first request above did; measure with it cached, as above.
    fetch(client, "/")
    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = fetch(client, "/")
    assert response.status_code == 200
