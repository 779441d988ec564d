import os
import subprocess
import sys

from tests.conftest import ROOT


def import_settings(**env):
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean_env.update(env)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import partnerships.settings as s; print(s.DEBUG, s.SECRET_KEY[:15])",
        ],
        cwd=ROOT,
        env=clean_env,
        capture_output=True,
        text=True,
    )


def test_debug_off_without_secret_key_refuses_to_start():
    result = import_settings(DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_debug_off_with_secret_key_starts():
    result = import_settings(DJANGO_DEBUG="false", DJANGO_SECRET_KEY="x" * 50)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("False xxxxxxxxxxxxxxx")


def test_debug_on_uses_development_key():
    result = import_settings(DJANGO_DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("True django-insecure")


def test_junk_debug_value_is_a_clear_error():
    result = import_settings(DJANGO_DEBUG="maybe")
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be one of" in result.stderr


def test_whitenoise_comes_right_after_security_middleware(settings):
    assert settings.MIDDLEWARE[:2] == [
        "django.middleware.security.SecurityMiddleware",
        "whitenoise.middleware.WhiteNoiseMiddleware",
    ]


def test_a_gunicorn_worker_freezes_what_its_first_requests_kept(monkeypatch):
    from types import SimpleNamespace

    from partnerships import gunicorn_conf

    calls = []
    monkeypatch.setattr(gunicorn_conf.gc, "collect", lambda: calls.append("collect"))
    monkeypatch.setattr(gunicorn_conf.gc, "freeze", lambda: calls.append("freeze"))
    frozen_after = []
    for nr in range(1, 1_000):
        before = len(calls)
        gunicorn_conf.post_request(SimpleNamespace(nr=nr), None, None, None)
        if len(calls) > before:
            frozen_after.append(nr)
            assert calls[before:] == ["collect", "freeze"]
    assert frozen_after == [1, 10, 100]
