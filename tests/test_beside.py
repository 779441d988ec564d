"""A search's facets counted on a second connection while the first reads its rows
(partnerships/beside.py): the same page as counted one after the other, and only where a
second connection sees what the first does."""

from __future__ import annotations

import threading

import pytest
from django.db import DatabaseError, connection, connections, transaction
from django.test.utils import override_settings

from partnerships import beside, facets, views
from partnerships.models import SisterSchoolPartnership
from tests.test_bad_input import fuzz_partnership_searches
from tests.test_views import make_conference, make_org, make_partnership, make_region

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a second connection: PostgreSQL only"
)


def make_partnerships():
    china, canada = make_region("China"), make_region("Canada")
    conference = make_conference("Xuzhou Principals Conference")
    harbin = make_org("Harbin Special Education School", china)
    for i in range(30):
        other = make_org(f"Toronto School {i}", canada)
        make_partnership(harbin, other, conference=conference if i % 3 == 0 else None)


@pytest.fixture
def facet_threads(monkeypatch):
    """The names of the threads that counted a search's facets. The partnership table is
    taken to hold the 30 rows make_partnerships writes: facets.table_rows keeps the figure
    of an earlier test's table for a minute, and PostgreSQL's own may be stale."""
    monkeypatch.setattr(facets, "table_rows", lambda queryset: 30.0)
    return _facet_threads(monkeypatch)


class FacetCalls(list):
    """The names of the threads that counted a search's facets, and (firsts) how many of the
    page's first rows each call was asked to find (0: the page reads its rows apart)."""

    def __init__(self):
        super().__init__()
        self.firsts = []


def _facet_threads(monkeypatch):
    names = FacetCalls()
    count = views.search_facets_with_total

    def recorded(*args, **kwargs):
        names.append(threading.current_thread().name)
        names.firsts.append(kwargs.get("first", 0))
        return count(*args, **kwargs)

    monkeypatch.setattr(views, "search_facets_with_total", recorded)
    return names


def page_parts(client, url):
    html = client.get(url).content.decode()
    count = html[html.index('id="result-count"') : html.index("</p>", html.index("result-count"))]
    facets = html[html.index('<aside class="facets"') : html.index("</aside>")]
    table = html[html.index("<tbody>") : html.index("</tbody>")]
    return count, facets, table


@on_postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "url, apart",
    [
        ("/partnerships/?q=harbin", True),
        ("/partnerships/?q=harbin&per_page=10", True),
        # With filters, the rows come from the facet query (rows_read_apart).
        ("/partnerships/?q=harbin&country=canada&level=school", False),
    ],
)
def test_facets_counted_beside_give_the_page_counted_in_turn(client, facet_threads, url, apart):
    make_partnerships()
    beside_page = page_parts(client, url)
    with override_settings(PARALLEL_FACETS=False):
        in_turn_page = page_parts(client, url)
    # Served (outside a transaction, on PostgreSQL), the facets are always counted on the
    # second connection; only with the rows read apart does the page find them meanwhile.
    assert facet_threads[0].startswith("beside")
    assert (facet_threads.firsts[0] == 0) is apart
    assert not facet_threads[1].startswith("beside")
    assert beside_page == in_turn_page
    assert "30 results" in beside_page[0]
    assert "Xuzhou Principals Conference" in beside_page[1]


@pytest.mark.parametrize(
    "estimate, narrowed, filtered, table, apart",
    [
        (None, None, False, 1_000_000, False),  # no search estimate: nothing beside
        (60_000, None, False, 1_000_000, False),  # too broad for search facets
        (11_000, None, False, 1_000_000, True),  # sampled facets: no first rows from them
        (11_000, 9_000, True, 1_000_000, True),  # sampled with its filters too
        (11_000, 105, True, 1_000_000, False),  # filters leave few: exact, rows from them
        (1_100, None, False, 100_000, True),  # dense: 26 x 100,000 / 1,100 = 2,364 rows
        (1_100, None, False, 1_000_000, False),  # sparse: 23,636 rows to walk
        (1_100, None, True, 100_000, False),  # filtered: rows from the facet query
    ],
)
def test_rows_read_apart_when_the_facets_give_no_rows_or_a_walk_is_short(
    monkeypatch, estimate, narrowed, filtered, table, apart
):
    monkeypatch.setattr(facets, "estimated_rows", lambda queryset: narrowed)
    monkeypatch.setattr(facets, "table_rows", lambda queryset: table)
    queryset = SisterSchoolPartnership.objects.all()
    decided, read = facets.rows_read_apart(queryset, estimate, filtered=filtered, first=26)
    assert decided is apart
    # The estimate with the filters is read (and handed on) only for a search large enough
    # to be sampled.
    sampled = estimate is not None and 4_000 < estimate <= 50_000
    assert read == ((narrowed if filtered else estimate) if sampled else None)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_page_1_of_a_search_reads_its_rows_without_a_count_query(client, facet_threads):
    make_partnerships()
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/partnerships/?q=harbin&per_page=10")
    assert response.status_code == 200
    assert facet_threads and facet_threads[0].startswith("beside")
    sql = [q["sql"] for q in queries.captured_queries]
    # This connection: the word check and the rows; the estimate, the count and the facets
    # came from the other one.
    assert not any("COUNT(" in s.upper() for s in sql), sql
    assert response.context["paginator"].count == 30
    assert len(response.context["page_obj"].object_list) == 10
    assert response.context["page_obj"].has_next()


@pytest.mark.django_db
def test_inside_a_transaction_the_facets_run_on_the_request_connection(client, facet_threads):
    make_partnerships()
    with transaction.atomic():
        assert not beside.can_run_beside("default")
        response = client.get("/partnerships/?q=harbin")
    assert response.status_code == 200
    assert all(not name.startswith("beside") for name in facet_threads)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_an_error_before_the_decision_reaches_the_request_instead_of_a_wait(client, monkeypatch):
    """When reading the planner's estimate fails beside the request (a time limit, a lost
    connection), the request gets that error instead of waiting for a decision that never
    comes (views.RecordListView.count_search)."""
    make_partnerships()

    def fails(*args, **kwargs):
        raise DatabaseError("estimate failed")

    monkeypatch.setattr(views, "rows_read_apart", fails)
    raised = []

    def request():
        try:
            client.get("/partnerships/?q=harbin")
        except DatabaseError as exc:
            raised.append(str(exc))
        finally:
            connections.close_all()

    thread = threading.Thread(target=request, daemon=True)  # a failure must not hang the run
    thread.start()
    thread.join(timeout=60)
    assert not thread.is_alive()
    assert raised == ["estimate failed"]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite")
@pytest.mark.django_db(transaction=True)
def test_sqlite_never_runs_beside():
    assert not beside.can_run_beside("default")


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_an_error_beside_reaches_the_request():
    def fails():
        raise ValueError("facets failed")

    future = beside.run_beside("default", fails)
    with pytest.raises(ValueError, match="facets failed"):
        future.result()


@on_postgresql
@pytest.mark.django_db(transaction=True)
@override_settings(PARALLEL_FACETS=False)
def test_turned_off_it_runs_now():
    ran_on = []
    beside.run_beside("default", lambda: ran_on.append(threading.current_thread().name))
    assert ran_on == [threading.current_thread().name]


@pytest.mark.django_db
def test_table_rows_are_read_once_a_minute(monkeypatch):
    reads = []
    monkeypatch.setattr(facets, "_table_rows", {})
    monkeypatch.setattr(facets, "_read_table_rows", lambda queryset: reads.append(1) or 42.0)
    queryset = SisterSchoolPartnership.objects.all()
    assert facets.table_rows(queryset) == facets.table_rows(queryset) == 42.0
    assert len(reads) == 1
    clock = iter([1000.0, 1000.0 + facets.TABLE_ROWS_SECONDS + 1])
    monkeypatch.setattr(facets.time, "monotonic", lambda: next(clock))
    monkeypatch.setattr(facets, "_table_rows", {})
    facets.table_rows(queryset)
    facets.table_rows(queryset)
    assert len(reads) == 3


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_in_request_thread_keeps_the_decisions_but_sends_on_one_connection(client, facet_threads):
    from django.test.utils import CaptureQueriesContext

    make_partnerships()
    with beside.in_request_thread(), CaptureQueriesContext(connection) as queries:
        response = client.get("/partnerships/?q=harbin&per_page=10")
    assert response.status_code == 200
    assert facet_threads == [threading.current_thread().name]
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "GROUPING" in sql  # the facets, on this connection
    assert response.context["paginator"].first_keys is None  # rows read apart, as served


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_fuzzed_querystrings_of_a_search_counted_beside_make_no_server_error(client, monkeypatch):
    """tests/test_bad_input.py's junk, outside a transaction as a served page is: a search's
    facets run on a second connection while the page reads its rows. (Here, not there: that
    module's tests run inside one transaction, test_views.seeded_module.)"""
    monkeypatch.setattr(facets, "EXACT_SEARCH_ROWS", 0)
    monkeypatch.setattr(facets, "MIN_SAMPLED_ROWS", 1)
    make_partnerships()
    threads = _facet_threads(monkeypatch)
    fuzz_partnership_searches(client, ["Harbin", "Toronto", "School", "Xuzhou"])
    assert any(name.startswith("beside") for name in threads)  # the junk met that path
