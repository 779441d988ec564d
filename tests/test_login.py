"""Staff sign-in (issue point 9): a cap on failed sign-ins per username across addresses as
well as per (username, address), the client address behind proxies (DJANGO_PROXY_COUNT,
django-ipware), and the password reset by email."""

import re
import runpy

import pytest
from axes.helpers import get_client_ip_address
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.test import RequestFactory, override_settings
from django.urls import reverse

from tests.conftest import ROOT

SETTINGS_FILE = ROOT / "partnerships" / "settings.py"
PASSWORD = "the-right-password-1"
NEW_PASSWORD = "a-brand-new-passphrase-7"
IPWARE_SETTINGS = (
    "AXES_IPWARE_PROXY_COUNT",
    "AXES_IPWARE_PROXY_ORDER",
    "AXES_IPWARE_META_PRECEDENCE_ORDER",
    "IPWARE_STRICT",
)


@pytest.fixture(autouse=True)
def _empty_cache():
    """The password reset limits count in Django's cache, which outlives a test."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Dozens of sign-ins per test: a quick hasher (tests only)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_superuser("admin", "admin@example.org", PASSWORD)


def settings_with_env(monkeypatch, **env) -> dict:
    """The settings module's values for this environment (what a server started with it
    gets), read by running settings.py afresh."""
    for name in ("DJANGO_DEBUG", "DJANGO_PROXY_COUNT", "DJANGO_EMAIL_BACKEND", "DJANGO_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))


def ipware_settings(monkeypatch, proxy_count: int):
    values = settings_with_env(monkeypatch, DJANGO_PROXY_COUNT=str(proxy_count))
    return override_settings(**{name: values[name] for name in IPWARE_SETTINGS})


def login(client, password, address="127.0.0.1", **headers):
    return client.post(
        reverse("admin:login"),
        {"username": "admin", "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
        **headers,
    )


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


# --------------------------------------------------------------------------- lockout


def test_forty_guesses_from_ten_addresses_lock_the_username(client, admin_user, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.LOGIN_USERNAME_FAILURE_LIMIT == 20
    statuses = [
        login(client, f"guess-{n}", address=f"203.0.113.{i}").status_code
        for i in range(1, 11)
        for n in range(4)
    ]
    # No address reaches its limit of 5; the 20th failure of the username locks it.
    assert statuses == [200] * 19 + [429] * 21
    # The right password, from an address that never failed, is refused as well.
    locked = login(client, PASSWORD, address="198.51.100.77")
    assert locked.status_code == 429
    assert b"Too many failed sign-ins" in locked.content
    assert not signed_in(client)
    call_command("axes_reset", verbosity=0)
    assert login(client, PASSWORD, address="198.51.100.77").status_code == 302
    assert signed_in(client)


def test_failures_from_one_address_do_not_lock_the_user_out_elsewhere(client, admin_user):
    for _ in range(5):
        response = login(client, "wrong", address="203.0.113.1")
    assert response.status_code == 429
    assert login(client, PASSWORD, address="203.0.113.1").status_code == 429
    assert login(client, PASSWORD, address="203.0.113.2").status_code == 302
    assert signed_in(client)


def test_a_sign_in_clears_only_its_own_addresss_failures(client, admin_user):
    for i in range(1, 5):
        for _ in range(4):
            login(client, "wrong", address=f"203.0.113.{i}")
    # 16 failures; the user signs in from the first address, which clears its 4.
    assert login(client, PASSWORD, address="203.0.113.1").status_code == 302
    client.logout()
    statuses = [
        login(client, "wrong", address=f"198.51.100.{i}").status_code
        for i in (1, 2)
        for _ in range(4)
    ]
    # 12 + 8 = 20: the cap counts the other addresses' failures still.
    assert statuses == [200] * 7 + [429]


@pytest.mark.parametrize(
    ("env", "per_address", "per_username"),
    [
        ({}, 5, 20),
        ({"DJANGO_LOGIN_FAILURE_LIMIT": "3", "DJANGO_LOGIN_USERNAME_FAILURE_LIMIT": "9"}, 3, 9),
    ],
)
def test_limits_come_from_the_environment(monkeypatch, env, per_address, per_username):
    for name in ("DJANGO_LOGIN_FAILURE_LIMIT", "DJANGO_LOGIN_USERNAME_FAILURE_LIMIT"):
        monkeypatch.delenv(name, raising=False)
    values = settings_with_env(monkeypatch, **env)
    assert values["AXES_FAILURE_LIMIT"] == per_address
    assert values["LOGIN_USERNAME_FAILURE_LIMIT"] == per_username
    assert values["AXES_LOCKOUT_PARAMETERS"] == [["username", "ip_address"], "username"]


def test_a_bad_limit_is_a_clear_error(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="DJANGO_PROXY_COUNT"):
        settings_with_env(monkeypatch, DJANGO_PROXY_COUNT="one")


# --------------------------------------------------------------------------- client address


def address_of(remote_addr, forwarded=None) -> str:
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    request = RequestFactory().post("/admin/login/", REMOTE_ADDR=remote_addr, **headers)
    return get_client_ip_address(request)


def test_django_ipware_is_installed_so_axes_uses_the_proxy_settings():
    from axes import helpers

    assert helpers.IPWARE_INSTALLED


def test_without_proxies_x_forwarded_for_is_ignored(monkeypatch):
    with ipware_settings(monkeypatch, 0):
        assert address_of("203.0.113.9") == "203.0.113.9"
        assert address_of("203.0.113.9", "198.51.100.1") == "203.0.113.9"
        assert address_of("203.0.113.9", "198.51.100.1, 198.51.100.2") == "203.0.113.9"
        # Nor any other header a client could send (ipware knows thirty of them).
        request = RequestFactory().post(
            "/admin/login/",
            REMOTE_ADDR="203.0.113.9",
            HTTP_X_REAL_IP="198.51.100.3",
            HTTP_CF_CONNECTING_IP="198.51.100.4",
            HTTP_FORWARDED="for=198.51.100.5",
        )
        assert get_client_ip_address(request) == "203.0.113.9"


def test_behind_one_proxy_the_client_is_the_right_most_entry(monkeypatch):
    with ipware_settings(monkeypatch, 1):
        assert address_of("10.0.0.1", "203.0.113.10") == "203.0.113.10"
        # What the client sent itself is left of what the proxy appended: ignored.
        assert address_of("10.0.0.1", "198.51.100.66, 203.0.113.10") == "203.0.113.10"
        assert address_of("10.0.0.1", "junk, 198.51.100.66, 203.0.113.10") == "203.0.113.10"
        # Not through the proxy (no header): the connecting address.
        assert address_of("203.0.113.50") == "203.0.113.50"


def test_behind_two_proxies_the_client_is_the_second_entry_from_the_right(monkeypatch):
    with ipware_settings(monkeypatch, 2):
        assert address_of("10.0.0.2", "203.0.113.10, 10.0.0.1") == "203.0.113.10"
        assert address_of("10.0.0.2", "198.51.100.66, 203.0.113.10, 10.0.0.1") == "203.0.113.10"


def test_two_clients_behind_one_proxy_are_throttled_apart(client, admin_user, monkeypatch):
    proxy = "10.0.0.1"
    with ipware_settings(monkeypatch, 1):
        statuses = [
            login(
                client, "wrong", proxy, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.10"
            ).status_code
            for n in range(5)  # a different spoofed entry each time changes nothing
        ]
        assert statuses == [200] * 4 + [429]
        # The other client behind the same proxy signs in.
        other = login(client, PASSWORD, proxy, HTTP_X_FORWARDED_FOR="203.0.113.20")
        assert other.status_code == 302
        assert signed_in(client)


def test_without_proxies_a_spoofed_header_does_not_escape_the_limit(
    client, admin_user, monkeypatch
):
    with ipware_settings(monkeypatch, 0):
        statuses = [
            login(client, "wrong", "203.0.113.9", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").status_code
            for n in range(5)
        ]
        assert statuses == [200] * 4 + [429]


# --------------------------------------------------------------------------- password reset


def reset_request(client, email, address="127.0.0.1"):
    return client.post(reverse("admin_password_reset"), {"email": email}, REMOTE_ADDR=address)


def reset_link(message) -> str:
    match = re.search(r"https?://testserver(/admin/reset/[^/\s]+/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def assert_no_inline_script_or_style(response):
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    html = response.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    assert " style=" not in html, "inline style"


def test_the_admin_login_page_links_to_the_password_reset(client, db):
    response = client.get(reverse("admin:login"))
    assert 'href="/admin/password_reset/"' in response.content.decode()


def test_reset_page_has_the_admin_look_and_no_inline_scripts(client, db):
    response = client.get("/admin/password_reset/")
    assert response.status_code == 200
    assert "Partnerships administration" in response.content.decode()
    assert_no_inline_script_or_style(response)


def test_a_staff_user_resets_the_password_by_email(client, admin_user):
    response = reset_request(client, "admin@example.org")
    assert response.status_code == 302
    assert response["Location"] == "/admin/password_reset/done/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["admin@example.org"]
    assert "admin" in message.body

    done = client.get(response["Location"])
    assert done.status_code == 200
    assert_no_inline_script_or_style(done)

    # Django moves the token out of the address, then shows the form.
    first = client.get(reset_link(message))
    assert first.status_code == 302
    form_url = first["Location"]
    assert form_url.endswith("/set-password/")
    page = client.get(form_url)
    assert page.status_code == 200
    assert page.context["validlink"]
    assert_no_inline_script_or_style(page)

    saved = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert saved.status_code == 302
    assert saved["Location"] == "/admin/reset/done/"
    complete = client.get(saved["Location"])
    assert complete.status_code == 200
    assert 'href="/admin/login/"' in complete.content.decode()
    assert_no_inline_script_or_style(complete)

    assert login(client, PASSWORD).status_code == 200  # the old one no longer works
    assert login(client, NEW_PASSWORD).status_code == 302
    assert signed_in(client)
    # The link works once.
    client.logout()
    again = client.get(reset_link(message))
    assert again.status_code == 200
    assert not again.context["validlink"]


def test_non_staff_inactive_and_unknown_addresses_get_no_mail_and_the_same_answer(
    client, admin_user, django_user_model
):
    django_user_model.objects.create_user("reader", "reader@example.org", PASSWORD)
    django_user_model.objects.create_user(
        "gone", "gone@example.org", PASSWORD, is_staff=True, is_active=False
    )
    staff = reset_request(client, "admin@example.org")
    assert len(mail.outbox) == 1
    for email in ("reader@example.org", "gone@example.org", "nobody@example.org"):
        response = reset_request(client, email)
        assert response.status_code == staff.status_code == 302
        assert response["Location"] == staff["Location"]
    assert len(mail.outbox) == 1


def test_reset_requests_are_limited_per_address(client, db, settings):
    assert settings.PASSWORD_RESET_RATE_LIMIT == 5
    statuses = [
        reset_request(client, f"n{n}@example.org", "203.0.113.5").status_code for n in range(6)
    ]
    assert statuses == [302] * 5 + [429]
    throttled = reset_request(client, "x@example.org", "203.0.113.5")
    assert throttled.status_code == 429
    assert "Too many password reset requests" in throttled.content.decode()
    assert reset_request(client, "x@example.org", "203.0.113.6").status_code == 302


def test_reset_mails_to_one_address_are_limited_without_saying_so(client, admin_user):
    responses = [reset_request(client, "admin@example.org", f"203.0.113.{n}") for n in range(1, 8)]
    assert {r.status_code for r in responses} == {302}
    assert {r["Location"] for r in responses} == {"/admin/password_reset/done/"}
    assert len(mail.outbox) == 5


def test_setting_a_new_password_lifts_a_lockout(client, admin_user):
    for i in range(1, 6):
        for _ in range(4):
            login(client, "wrong", address=f"203.0.113.{i}")
    assert login(client, PASSWORD, address="198.51.100.1").status_code == 429
    reset_request(client, "admin@example.org")
    form_url = client.get(reset_link(mail.outbox[0]))["Location"]
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert login(client, NEW_PASSWORD, address="198.51.100.1").status_code == 302


def test_lockout_page_offers_the_password_reset(client, admin_user):
    for _ in range(5):
        response = login(client, "wrong")
    assert response.status_code == 429
    assert 'href="/admin/password_reset/"' in response.content.decode()


# --------------------------------------------------------------------------- email settings


def test_email_goes_to_the_console_while_debugging(monkeypatch):
    values = settings_with_env(monkeypatch, DJANGO_DEBUG="1")
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"


def test_email_settings_come_from_the_environment(monkeypatch):
    values = settings_with_env(
        monkeypatch,
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="s" * 50,
        EMAIL_HOST="smtp.example.org",
        EMAIL_PORT="587",
        EMAIL_HOST_USER="mailer",
        EMAIL_HOST_PASSWORD="mail-secret",  # noqa: S106
        EMAIL_USE_TLS="1",
        DEFAULT_FROM_EMAIL="Partnerships <noreply@example.org>",
    )
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (values["EMAIL_HOST"], values["EMAIL_PORT"]) == ("smtp.example.org", 587)
    assert (values["EMAIL_HOST_USER"], values["EMAIL_HOST_PASSWORD"]) == ("mailer", "mail-secret")
    assert values["EMAIL_USE_TLS"] is True
    assert values["DEFAULT_FROM_EMAIL"] == "Partnerships <noreply@example.org>"
    other = settings_with_env(
        monkeypatch, DJANGO_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"
    )
    assert other["EMAIL_BACKEND"] == "django.core.mail.backends.locmem.EmailBackend"
