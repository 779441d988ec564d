"""django-axes (the admin sign-in lockout) as INSTALLED_APPS lists it: its own AppConfig under
a name staff can read. In a module of its own: a second AppConfig in partnerships/apps.py
would leave Django unable to tell which one is the app's default, and it would then load
"partnerships" without PartnershipsConfig.ready()."""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _

from .dates import datetime_text


class LoginAttemptsConfig(AxesAppConfig):
    """django-axes (the admin sign-in lockout) under a name staff can read: its admin
    section was headed "Axes". The label stays "axes", so its tables, migrations and
    permissions are unchanged."""

    verbose_name = _("Login attempts")

    def ready(self):
        super().ready()
        from axes.models import AccessAttempt, AccessFailureLog, AccessLog

        # Their names (page titles, breadcrumbs, history) wrote the time as Python does
        # ("2026-12-05 08:20:43.123456+00:00"): the admin's one format instead.
        AccessAttempt.__str__ = attempt_name
        AccessLog.__str__ = log_name
        AccessFailureLog.__str__ = failure_name


def attempt_name(attempt) -> str:
    return _("Attempted access: %(when)s") % {"when": datetime_text(attempt.attempt_time)}


def log_name(log) -> str:
    return _("Access log for %(user)s, %(when)s") % {
        "user": log.username,
        "when": datetime_text(log.attempt_time),
    }


def failure_name(failure) -> str:
    return _("Failed access: user %(user)s%(locked)s, %(when)s, from %(address)s") % {
        "user": failure.username,
        "locked": _(" (locked out)") if failure.locked_out else "",
        "when": datetime_text(failure.attempt_time),
        "address": failure.ip_address,
    }
