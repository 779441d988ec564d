"""Security for a public deployment: deploy checks, headers, CSP, login throttling."""

import os
import subprocess
import sys

import pytest
from django.urls import reverse

from tests.conftest import ROOT

PRODUCTION_ENV = {
    # The production environment the README documents.
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "k" * 20 + "9f8e7d6c5b4a3" + "Z" * 20 + "x1y2z3",
    "DJANGO_ALLOWED_HOSTS": "partnerships.example.org",
    "DJANGO_SECURE_HSTS_PRELOAD": "1",
}


def test_check_deploy_prints_no_warnings_with_the_documented_environment():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(PRODUCTION_ENV)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_with_debug_on():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(PRODUCTION_ENV, DJANGO_DEBUG="1")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "security.W018" in result.stdout + result.stderr


@pytest.mark.parametrize("url", ["/", "/partnerships/", "/admin/login/"])
def test_csp_forbids_inline_scripts_on_public_pages_and_admin(client, db, url):
    response = client.get(url)
    policy = response["Content-Security-Policy"]
    script_src = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
    assert "'self'" in script_src
    assert "unsafe-inline" not in script_src
    assert "unsafe-eval" not in script_src
    assert "frame-ancestors 'none'" in policy


def test_public_pages_send_referrer_and_opener_policies(client, db):
    response = client.get("/")
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_admin_login_locks_out_after_repeated_failures(client, django_user_model, settings):
    django_user_model.objects.create_superuser("admin", "a@x.org", "the-right-password-1")
    url = reverse("admin:login")
    statuses = [
        client.post(url, {"username": "admin", "password": "wrong"}).status_code
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    # The login form again for the first failures; the last one that hits the limit locks.
    assert statuses == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
    locked = client.post(url, {"username": "admin", "password": "the-right-password-1"})
    assert locked.status_code == 429
    assert b"Too many failed sign-ins" in locked.content
    assert "_auth_user_id" not in client.session


def test_a_few_failures_then_the_right_password_still_works(client, django_user_model, settings):
    django_user_model.objects.create_superuser("admin", "a@x.org", "the-right-password-1")
    url = reverse("admin:login")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(url, {"username": "admin", "password": "wrong"})
    response = client.post(
        url, {"username": "admin", "password": "the-right-password-1", "next": "/admin/"}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_public_pages_never_show_staff_names_or_history(client, seed, django_user_model):
    from partnerships.models import Organization

    staff = django_user_model.objects.create_superuser("secret-editor", "e@x.org", "pw-long-1x")
    org = Organization.objects.get(slug="bycirklen")
    org._history_user = staff
    org.description = "Edited by staff."
    org.save()
    page = client.get(org.get_absolute_url())
    assert b"Edited by staff." in page.content
    assert b"secret-editor" not in page.content
    assert b"history" not in page.content.lower()


def test_static_files_are_served_compressed_with_far_future_cache_headers(tmp_path):
    """DEBUG off: collectstatic with the manifest storage, then WhiteNoise serves a hashed file."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(PRODUCTION_ENV, DJANGO_STATIC_ROOT=str(tmp_path), DJANGO_SECURE_SSL_REDIRECT="0")
    collect = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert collect.returncode == 0, collect.stderr
    code = (
        "import django; django.setup();"
        "from django.templatetags.static import static;"
        "from django.test import Client;"
        "url = static('css/site.css');"
        "r = Client().get(url, HTTP_ACCEPT_ENCODING='gzip', HTTP_HOST='partnerships.example.org',"
        " secure=True);"
        "print(url, r.status_code, r['Cache-Control'], r.get('Content-Encoding'), sep='|')"
    )
    env["DJANGO_SETTINGS_MODULE"] = "partnerships.settings"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    url, status, cache, encoding = result.stdout.strip().split("|")
    assert url.startswith("/static/css/site.") and url != "/static/css/site.css"  # hashed
    assert status == "200"
    assert "max-age=315360000" in cache and "immutable" in cache
    assert encoding == "gzip"
