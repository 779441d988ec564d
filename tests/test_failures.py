"""Clean failures: the database unreachable or too slow answers 503 with Retry-After on every
page, an export fails before its first byte rather than after a 200, a facet is left out only
for running out of time, and errors are logged as JSON lines naming their request."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import sys

import pytest
from django.db import OperationalError, connection
from django.test import Client, RequestFactory
from django.urls import include, path

from partnerships import exports
from partnerships.middleware import DatabaseFailureMiddleware
from partnerships.models import SisterSchoolPartnership
from partnerships.views.lists import OrganizationListView
from partnerships.views.overview import DashboardView
from partnerships.views.partnership_detail import PartnershipDetailView
from partnerships.views.partnership_list import PartnershipListView
from partnerships.views.record_list import streamed
from tests.conftest import ROOT

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's statement_timeout"
)

# Every kind of page: the overview, a list, a detail page, exports (COPY on PostgreSQL and
# Python's CSV and JSON), the admin.
PAGES = [
    "/",
    "/partnerships/",
    "/partnerships/some-partnership/",
    "/partnerships/?format=csv",
    "/partnerships/?format=json",
    "/organizations/?format=csv",
    "/admin/",
    "/admin/login/",
]

# --------------------------------------------------------------------------- test URLs


def failing_view(request, **kwargs):
    raise RuntimeError("a bug in a view")


def view_reading_the_user_then_failing(request):
    request.user.is_authenticated  # noqa: B018 - loads the user, as most admin views do
    raise RuntimeError("a bug after the user was read")


# For ROOT_URLCONF = __name__: the site, and views that fail.
urlpatterns = [
    path("fail/", failing_view),
    path("fail-with-user/", view_reading_the_user_then_failing),
    path("reset/<uidb64>/<token>/", failing_view),
    path("", include("partnerships.urls")),
]

# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def database_down(transactional_db):
    """The database cannot be reached, as in production: the live connection is set aside
    (SQLite's in-memory test database would not survive closing it) and the settings point
    at a database that does not answer, so the next query's connect() fails in the driver."""
    settings_dict = connection.settings_dict
    saved = {key: settings_dict.get(key) for key in ("NAME", "HOST", "PORT")}
    if connection.vendor == "postgresql":
        settings_dict.update(HOST="127.0.0.1", PORT="1")  # nobody listens on port 1
    else:
        settings_dict["NAME"] = str(ROOT / "no-such-directory" / "db.sqlite3")
    live, connection.connection = connection.connection, None
    try:
        yield
    finally:
        settings_dict.update(saved)
        connection.connection = live
        connection.errors_occurred = False


@pytest.fixture
def quiet_client():
    """A client that gets the 500 page of an unhandled error instead of the exception."""
    return Client(raise_request_exception=False)


@pytest.fixture
def log_output():
    """What the configured console handler writes (JSON lines), read as a list of dicts."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    stream = io.StringIO()
    previous = handler.setStream(stream)

    def lines() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    lines.text = stream.getvalue
    yield lines
    handler.setStream(previous)


@pytest.fixture
def statement_timeout():
    """PostgreSQL stops any statement after 50 ms, as DJANGO_STATEMENT_TIMEOUT_MS does for
    the web processes (inside the test's transaction, which undoes it)."""
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = '50ms'")


def slowly(queryset):
    """``queryset`` taking 200 ms a row in PostgreSQL."""
    return queryset.extra(where=["pg_sleep(0.2) IS NOT NULL"])


# --------------------------------------------------------------------------- database down


@pytest.mark.parametrize("url", PAGES)
def test_every_page_answers_503_with_retry_after_when_the_database_is_down(
    client, database_down, url
):
    response = client.get(url)
    assert response.status_code == 503
    assert response["Retry-After"] == "60"


def test_the_503_page_says_the_site_is_temporarily_unavailable(client, database_down):
    response = client.get("/partnerships/")
    text = response.content.decode()
    assert "temporarily unavailable" in text
    assert "try again in a minute" in text
    assert "took too long" not in text


def test_the_503_page_renders_without_the_database(db, django_db_blocker):
    request = RequestFactory().get("/partnerships/")
    request.request_id = "abcdef0123456789"
    exc = OperationalError("connection failed")
    exc.__cause__ = type("DriverError", (Exception,), {"sqlstate": None})()
    with django_db_blocker.block():  # any query would raise
        response = DatabaseFailureMiddleware(None).process_exception(request, exc)
    assert response.status_code == 503
    assert "abcdef0123456789" in response.content.decode()


def test_the_database_down_is_logged_once_as_an_error_with_its_cause(
    client, database_down, log_output
):
    client.get("/partnerships/")
    errors = [line for line in log_output() if line["level"] == "ERROR"]
    assert len(errors) == 1
    assert errors[0]["message"] == "Database unavailable"
    assert errors[0]["exc_type"] == "OperationalError"
    assert errors[0]["path"] == "/partnerships/"


def test_a_password_posted_while_the_database_is_down_is_not_logged(
    client, database_down, log_output
):
    response = client.post(
        "/admin/login/?next=/admin/&token=QUERYSECRET",
        {"username": "admin", "password": "PASSWORDSECRET"},
        HTTP_COOKIE="sessionid=COOKIESECRET",
    )
    assert response.status_code == 503
    text = log_output.text()
    assert "PASSWORDSECRET" not in text
    assert "QUERYSECRET" not in text
    assert "COOKIESECRET" not in text


def test_a_database_bug_stays_a_500(quiet_client, db, monkeypatch):
    def bad_sql(self, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table")  # SQLite: an OperationalError too

    monkeypatch.setattr(DashboardView, "get_context_data", bad_sql)
    response = quiet_client.get("/")
    assert response.status_code == 500
    assert "Retry-After" not in response


def test_a_database_bug_is_logged_by_django_with_its_traceback(
    quiet_client, db, monkeypatch, log_output
):
    def bad_sql(self, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table")

    monkeypatch.setattr(DashboardView, "get_context_data", bad_sql)
    response = quiet_client.get("/")
    [error] = [line for line in log_output() if line["level"] == "ERROR"]
    assert error["logger"] == "django.request"
    assert error["status"] == 500
    assert "no_such_table" in error["exc"]
    assert error["request_id"] == response["X-Request-ID"]


def test_pages_answer_503_against_a_real_unreachable_server():
    """No mock: a process whose DATABASE_URL names a port nobody listens on."""
    code = (
        "import django; django.setup();"
        "from django.test import Client; c = Client();"
        "urls = ['/', '/partnerships/', '/partnerships/x/', '/partnerships/?format=csv',"
        " '/admin/'];"
        "print(' '.join(f'{c.get(u).status_code}:{c.get(u).get(\"Retry-After\")}' for u in urls))"
    )
    env = dict(
        os.environ,
        DATABASE_URL="postgres://postgres@127.0.0.1:1/nothing",
        DJANGO_SETTINGS_MODULE="partnerships.settings",
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split() == ["503:60"] * 5, result.stdout + result.stderr


def test_pages_answer_503_when_another_writer_holds_the_sqlite_file(tmp_path):
    """No mock: a process serving an SQLite file that another connection (a worker's long
    write, say) keeps locked past the busy timeout answers 503, not 500 "database is locked"."""
    import sqlite3

    path = tmp_path / "locked.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    code = (
        "import django; django.setup();"
        "from django.test import Client; c = Client();"
        "urls = ['/', '/partnerships/', '/admin/login/'];"
        "print(' '.join(str(c.get(u).status_code) for u in urls))"
    )
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{path}",
        DJANGO_SQLITE_BUSY_TIMEOUT="0.2",
        DJANGO_SETTINGS_MODULE="partnerships.settings",
    )
    try:
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        holder.rollback()
        holder.close()
    assert result.stdout.split() == ["503"] * 3, result.stdout + result.stderr[-2000:]


# --------------------------------------------------------------------------- statement timeout


@on_postgresql
def test_a_page_whose_query_hits_the_statement_timeout_answers_503(
    client, seed, statement_timeout, monkeypatch
):
    slug = SisterSchoolPartnership.objects.values_list("slug", flat=True).first()
    original = PartnershipDetailView.get_queryset
    monkeypatch.setattr(PartnershipDetailView, "get_queryset", lambda self: slowly(original(self)))
    response = client.get(f"/partnerships/{slug}/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "took too long" in response.content.decode()


@on_postgresql
@pytest.mark.parametrize(
    ("view", "url"),
    [
        (PartnershipListView, "/partnerships/?format=json"),
        (PartnershipListView, "/partnerships/?format=csv"),  # Python's CSV: see below
        (OrganizationListView, "/organizations/?format=csv"),
    ],
)
def test_an_export_whose_query_hits_the_statement_timeout_answers_503_not_200(
    client, seed, statement_timeout, monkeypatch, view, url
):
    original = view.get_queryset
    monkeypatch.setattr(view, "get_queryset", lambda self: slowly(original(self)))
    monkeypatch.setattr("partnerships.views.partnership_list.copy_csv_response", lambda *args: None)
    response = client.get(url)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"


@on_postgresql
def test_a_copy_export_whose_statement_cannot_run_is_a_500_not_a_200(
    quiet_client, seed, monkeypatch
):
    broken = "COPY (SELECT no_such_column FROM partnerships_sisterschoolpartnership) TO STDOUT"
    monkeypatch.setattr(
        "partnerships.copy_export.copy_sql",
        lambda queryset: (broken + " WITH (FORMAT csv)", []),
    )
    response = quiet_client.get("/partnerships/?format=csv")
    assert response.status_code == 500


@on_postgresql
def test_a_copy_export_that_fails_while_being_sent_is_logged_with_the_request_id(
    client, seed, monkeypatch, log_output
):
    # PostgreSQL cancels the COPY once it runs (57014, as a statement timeout would), after
    # the view has answered: the server then answers 500 itself, and the log says why.
    canceled = (
        "COPY (SELECT pg_cancel_backend(pg_backend_pid()), pg_sleep(1)) TO STDOUT WITH (FORMAT csv)"
    )
    monkeypatch.setattr("partnerships.copy_export.copy_sql", lambda queryset: (canceled, []))
    response = client.get("/partnerships/?format=csv")
    with pytest.raises(OperationalError):
        b"".join(response.streaming_content)
    [error] = [line for line in log_output() if line["level"] == "ERROR"]
    assert error["message"] == "Response stream failed before its first bytes"
    assert error["request_id"] == response["X-Request-ID"]


def test_an_export_of_fewer_rows_than_a_chunk_is_read_once_in_the_view(
    seed, django_assert_num_queries
):
    queryset = SisterSchoolPartnership.objects.published().order_by("pk")
    expected = list(queryset.all())
    with django_assert_num_queries(1):
        rows = streamed(queryset, chunk_size=10)
    with django_assert_num_queries(0):
        assert list(rows) == expected


def test_an_export_of_a_chunk_or_more_is_read_again_as_it_is_sent(seed, django_assert_num_queries):
    queryset = SisterSchoolPartnership.objects.published().order_by("pk")
    with django_assert_num_queries(1):  # its first chunk, in the view
        rows = streamed(queryset, chunk_size=1)
    assert list(rows) == list(queryset)


def test_an_export_still_sends_every_row(client, seed):
    response = client.get("/partnerships/?format=json")
    assert response.status_code == 200
    rows = json.loads(b"".join(response.streaming_content))
    assert len(rows) == SisterSchoolPartnership.objects.published().count()


def test_an_empty_export_is_still_a_whole_file(client, seed):
    response = client.get("/partnerships/?format=json&q=nothingmatchesthis")
    assert json.loads(b"".join(response.streaming_content)) == []


def test_an_error_after_the_first_bytes_is_logged_with_the_request_id(
    client, seed, monkeypatch, log_output
):
    calls = []

    def citations_failing_on_the_second_row(obj):
        calls.append(obj)
        if len(calls) == 2:
            raise OperationalError("the connection broke")
        return []

    monkeypatch.setattr(exports, "citations_of", citations_failing_on_the_second_row)
    # (Organizations: on PostgreSQL the partnership JSON is not made in Python.)
    response = client.get("/organizations/?format=json")
    assert response.status_code == 200  # sent before the error: nothing else to do
    with pytest.raises(OperationalError):
        b"".join(response.streaming_content)
    [error] = [line for line in log_output() if line["level"] == "ERROR"]
    assert error["message"] == "Response stream broken after its first bytes"
    assert error["request_id"] == response["X-Request-ID"]
    assert error["path"] == "/organizations/"


# --------------------------------------------------------------------------- facets


def slow_facet(monkeypatch, settings, param):
    """Counting the facet ``param`` of the partnership list takes 2 s, against a time limit
    of 50 ms: PostgreSQL cancels it."""
    settings.FACET_TIME_LIMIT_MS = 50
    [facet] = [f for f in PartnershipListView.facets if f.param == param]

    def slow(queryset):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(2)")
        return {}

    monkeypatch.setattr(facet, "raw_counts", slow)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_facet_that_runs_out_of_time_is_the_only_one_left_out(
    client, seed, monkeypatch, settings
):
    # A filtered list, whose facets are time-limited (the whole list's are not); the level
    # chosen is counted apart, alone (facets.list_counts).
    slow_facet(monkeypatch, settings, "level")
    response = client.get("/partnerships/?level=comprehensive")
    assert response.status_code == 200
    assert response.context["facets_left_out"] == ["Level"]
    shown = [f.param for f in response.context["facets"]]
    assert shown == ["country", "region", "status", "conference", "year"]


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_facet_that_runs_out_of_time_is_logged(client, seed, monkeypatch, settings, log_output):
    slow_facet(monkeypatch, settings, "level")
    client.get("/partnerships/?level=comprehensive")
    messages = [line["message"] for line in log_output()]
    assert "Left out the facet level: counting ran out of time" in messages


def broken_facet(monkeypatch, param):
    [facet] = [f for f in PartnershipListView.facets if f.param == param]

    def broken(queryset):
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table")
        return {}

    monkeypatch.setattr(facet, "raw_counts", broken)


def test_a_facet_whose_query_fails_otherwise_is_a_500_not_a_left_out_facet(
    quiet_client, seed, monkeypatch
):
    broken_facet(monkeypatch, "level")
    response = quiet_client.get("/partnerships/")
    assert response.status_code == 500


@on_postgresql
def test_a_facet_whose_query_fails_otherwise_is_logged_with_the_facet(
    quiet_client, seed, monkeypatch, log_output
):
    broken_facet(monkeypatch, "level")
    quiet_client.get("/partnerships/")
    errors = [line for line in log_output() if line["level"] == "ERROR"]
    assert errors[0]["message"].startswith("Counting the facet level failed: ProgrammingError")
    assert errors[1]["logger"] == "django.request"


# --------------------------------------------------------------------------- request ids and logs


def test_every_response_carries_a_new_request_id(client, db):
    first, second = client.get("/healthz"), client.get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{32}", first["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_a_sane_incoming_request_id_is_kept(client, db):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="f81d4fae-7dec-11d0-a765-00a0c91e6bf6")
    assert response["X-Request-ID"] == "f81d4fae-7dec-11d0-a765-00a0c91e6bf6"


@pytest.mark.parametrize(
    "given",
    ["short", "x" * 65, "abc def ghi", 'abcdefgh", "level": "INFO', "abcdefgh\nforged line"],
)
def test_an_incoming_request_id_that_is_not_a_short_token_is_replaced(client, db, given):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=given)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_an_unhandled_error_is_one_json_line_naming_its_request(
    quiet_client, db, log_output, settings
):
    settings.ROOT_URLCONF = __name__
    response = quiet_client.get("/fail/", HTTP_X_REQUEST_ID="req-0123456789")
    assert response.status_code == 500
    [line] = log_output.text().splitlines()
    error = json.loads(line)
    assert error["logger"] == "django.request"
    assert error["level"] == "ERROR"
    assert error["request_id"] == "req-0123456789"
    assert error["method"] == "GET"
    assert error["path"] == "/fail/"
    assert error["user_id"] is None
    assert error["exc_type"] == "RuntimeError"
    assert "a bug in a view" in error["exc"]


def test_an_error_status_django_logs_after_the_middleware_names_its_request(client, db, log_output):
    response = client.get("/no-such-page/")
    [warning] = log_output()
    assert warning["message"] == "Not Found: /no-such-page/"
    assert warning["request_id"] == response["X-Request-ID"]


def test_the_log_names_the_signed_in_user(quiet_client, admin_user, log_output, settings):
    settings.ROOT_URLCONF = __name__
    quiet_client.force_login(admin_user)
    quiet_client.get("/fail-with-user/")
    [error] = log_output()
    assert error["user_id"] == admin_user.pk


def test_the_log_has_no_querystring_or_cookie(quiet_client, db, log_output, settings):
    settings.ROOT_URLCONF = __name__
    quiet_client.cookies["sessionid"] = "COOKIESECRET"
    quiet_client.get("/fail/?token=QUERYSECRET")
    text = log_output.text()
    assert "/fail/" in text
    assert "QUERYSECRET" not in text
    assert "COOKIESECRET" not in text


def test_a_token_in_the_path_is_not_logged(quiet_client, db, log_output, settings):
    settings.ROOT_URLCONF = __name__
    quiet_client.get("/reset/MQ/cdmbf4-PATHSECRET/")
    [error] = log_output()
    assert "PATHSECRET" not in log_output.text()
    assert error["path"] == "/reset/MQ/[redacted]/"
    assert error["message"] == "Internal Server Error: /reset/MQ/[redacted]/"


def test_a_record_outside_a_request_has_no_request_fields(log_output):
    logging.getLogger("partnerships.test").warning("outside")
    [record] = log_output()
    assert record["message"] == "outside"
    assert record["request_id"] is None and record["path"] is None


def test_the_log_level_comes_from_django_log_level():
    """A process of its own: the level is read once, at start-up."""
    code = (
        "import django, logging; django.setup();"
        "logging.getLogger('partnerships.x').info('hidden');"
        "logging.getLogger('django.request').error('shown')"
    )
    env = dict(
        os.environ, DJANGO_LOG_LEVEL="warning", DJANGO_SETTINGS_MODULE="partnerships.settings"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert [(line["logger"], line["message"]) for line in lines] == [("django.request", "shown")]


def test_a_streamed_response_carries_its_request_id(client, seed):
    response = client.get("/partnerships/?format=csv", HTTP_X_REQUEST_ID="export-0123456789")
    assert response.streaming
    assert response["X-Request-ID"] == "export-0123456789"
