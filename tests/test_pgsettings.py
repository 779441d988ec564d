"""Settings for the statements of a block (pgsettings): one path, in a request outside a
transaction as in a test or an admin action inside one."""

import pytest
from django.db import OperationalError, connection, transaction

from partnerships.pgsettings import statement_settings
from tests.test_facets import result_count, slow_facets  # noqa: F401 (a fixture)

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's settings and statement_timeout"
)


def show(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {name}")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_a_setting_holds_for_the_block_only():
    before = show("join_collapse_limit")
    with statement_settings("default", join_collapse_limit=1):
        inside = show("join_collapse_limit")
    assert (before, inside) == ("8", "1")
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
def test_inside_a_transaction_a_canceled_statement_rolls_the_block_back_and_the_rest_goes_on():
    before = show("statement_timeout")
    with (
        pytest.raises(OperationalError),
        statement_settings("default", statement_timeout="50ms"),
        connection.cursor() as cursor,
    ):
        cursor.execute("SELECT pg_sleep(1)")
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
def test_a_list_page_leaves_no_setting_behind(client, seed):
    response = client.get("/partnerships/?q=Jiangsu")
    assert response.status_code == 200
    assert result_count(response) == 2
    assert show("statement_timeout") == "0"  # the test settings' default: no limit
    assert show("join_collapse_limit") == "8"
    assert show("enable_memoize") == "on"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("slow_facets")
def test_outside_a_transaction_facets_that_run_out_of_time_are_left_out(client, seed):
    response = client.get("/partnerships/?q=Jiangsu")
    assert response.status_code == 200
    assert "Country" in response.context["facets_left_out"]
    assert "Country" not in [f.title for f in response.context["facets"]]
    assert result_count(response) == 2


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
