"""A search's facets counted on a second connection while the first reads its rows
(partnerships/beside.py): the same page as counted one after the other, and only where a
second connection sees what the first does."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction
from django.test.utils import override_settings

from partnerships import beside, views
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
    """The names of the threads that counted a search's facets."""
    names = []
    count = views.search_facets_with_total

    def recorded(*args, **kwargs):
        names.append(threading.current_thread().name)
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
    "url", ["/partnerships/?q=harbin", "/partnerships/?q=harbin&country=canada&per_page=10"]
)
def test_facets_counted_beside_give_the_page_counted_in_turn(client, facet_threads, url):
    make_partnerships()
    beside_page = page_parts(client, url)
    with override_settings(PARALLEL_FACETS=False):
        in_turn_page = page_parts(client, url)
    assert facet_threads[0].startswith("beside")
    assert not facet_threads[1].startswith("beside")
    assert beside_page == in_turn_page
    assert "30 results" in beside_page[0] or "10" in url
    assert "Xuzhou Principals Conference" in beside_page[1]


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
    # This connection: the word check, the estimate and the rows; the count and the
    # facets came from the other one.
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
