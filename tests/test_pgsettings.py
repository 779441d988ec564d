"""Settings that travel with the statements of a block (pgsettings): outside a transaction,
as the public pages run in production, and inside one, as in a test or an admin action."""

import pytest
from django.db import OperationalError, connection, transaction
from django.test.utils import CaptureQueriesContext

from partnerships.pgsettings import rollback_if_failed, statement_settings
from tests.test_facets import result_count, slow_facets  # noqa: F401 (a fixture)

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's settings and statement_timeout"
)


def show(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {name}")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_a_setting_is_sent_with_each_statement_and_ends_with_it():
    before = show("join_collapse_limit")
    with (
        CaptureQueriesContext(connection) as ctx,
        statement_settings("default", join_collapse_limit=1),
    ):
        inside = show("join_collapse_limit")
    assert (before, inside) == ("8", "1")
    assert [q["sql"] for q in ctx.captured_queries] == [
        "SET LOCAL join_collapse_limit = '1'; SHOW join_collapse_limit"
    ]
    assert show("join_collapse_limit") == "8"


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_a_canceled_statement_leaves_the_connection_as_it_was():
    before = show("statement_timeout")
    with (
        pytest.raises(OperationalError),
        statement_settings("default", statement_timeout="50ms"),
        connection.cursor() as cursor,
    ):
        cursor.execute("SELECT pg_sleep(1)")
    assert show("statement_timeout") == before
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


@pytest.mark.django_db
def test_inside_a_transaction_the_settings_hold_for_the_block_and_are_put_back():
    with statement_settings("default", join_collapse_limit=1, enable_seqscan="off"):
        inside = (show("join_collapse_limit"), show("enable_seqscan"))
    assert inside == ("1", "off")
    assert (show("join_collapse_limit"), show("enable_seqscan")) == ("8", "on")


@pytest.mark.django_db
def test_inside_a_transaction_a_canceled_statement_is_rolled_back_with_the_block():
    before = show("statement_timeout")
    with statement_settings("default", statement_timeout="50ms"):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_sleep(1)")
        except OperationalError:
            rollback_if_failed("default")
    assert show("statement_timeout") == before  # and the transaction takes queries again


@pytest.mark.django_db
@pytest.mark.parametrize(
    "setting",
    [{"statement_timeout": "1'; DROP TABLE x; --"}, {"work_mem; RESET ALL": "1"}, {"a": ""}],
)
def test_a_setting_that_is_not_a_plain_name_and_value_is_refused(setting):
    with pytest.raises(ValueError), statement_settings("default", **setting):
        pass


@pytest.mark.django_db(transaction=True)
def test_a_search_page_spends_no_query_on_its_settings_and_leaves_none_behind(client, seed):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/partnerships/?q=Jiangsu")
    assert response.status_code == 200
    assert result_count(response) == 2
    sqls = [q["sql"] for q in ctx.captured_queries]
    assert not any("set_config" in sql or sql in ("BEGIN", "COMMIT") for sql in sqls)
    assert any(sql.startswith("SET LOCAL statement_timeout") for sql in sqls)  # the facets
    rows = "SET LOCAL join_collapse_limit = '1'; SET LOCAL enable_memoize = 'off'; SELECT"
    assert any(sql.startswith(rows) for sql in sqls)
    assert show("statement_timeout") == "0"  # the test settings' default: no limit
    assert show("join_collapse_limit") == "8"
    assert show("enable_memoize") == "on"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("slow_facets")
def test_outside_a_transaction_facets_that_run_out_of_time_are_left_out(client, seed):
    response = client.get("/partnerships/?q=Jiangsu")
    assert response.status_code == 200
    assert response.context["facets"] == []
    assert "Country" in response.context["facets_left_out"]
    assert result_count(response) == 2


@pytest.mark.django_db(transaction=True)
def test_with_server_side_binding_the_settings_fall_back_to_queries_of_their_own(monkeypatch):
    # Server-side binding cannot send several statements at once.
    options = {**connection.settings_dict.get("OPTIONS", {}), "server_side_binding": True}
    monkeypatch.setitem(connection.settings_dict, "OPTIONS", options)
    with (
        CaptureQueriesContext(connection) as ctx,
        statement_settings("default", join_collapse_limit=1),
    ):
        inside = show("join_collapse_limit")
    assert inside == "1"
    sqls = [q["sql"] for q in ctx.captured_queries]
    assert "SHOW join_collapse_limit" in sqls
    assert not any(sql.startswith("SET LOCAL") for sql in sqls)
    assert show("join_collapse_limit") == "8"


@pytest.mark.django_db(transaction=True)
def test_in_a_transaction_opened_by_hand_the_settings_are_put_back_after_the_block():
    transaction.set_autocommit(False)  # a transaction without atomic()
    try:
        with statement_settings("default", join_collapse_limit=1):
            inside = show("join_collapse_limit")
        after = show("join_collapse_limit")
    finally:
        transaction.rollback()
        transaction.set_autocommit(True)
    assert (inside, after) == ("1", "8")
