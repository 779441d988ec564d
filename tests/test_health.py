from unittest import mock

from django.db import OperationalError


def test_healthz_touches_the_database_and_answers_200(client, db, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_is_unreachable(client, db):
    with mock.patch(
        "partnerships.views.health.connection.cursor", side_effect=OperationalError("down")
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


def test_healthz_is_not_cached(client, db):
    response = client.get("/healthz")
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_503_against_a_real_unreachable_server():
    """No mock: a settings module pointed at a closed port on loopback."""
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = (
        "import django; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/healthz'); print(r.status_code, r.content.decode())"
    )
    env = dict(
        os.environ,
        DATABASE_URL="postgres://postgres@127.0.0.1:1/nothing",
        DJANGO_SETTINGS_MODULE="partnerships.settings",
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.startswith("503 "), result.stdout + result.stderr
