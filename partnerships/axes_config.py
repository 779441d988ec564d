"""django-axes (the admin sign-in lockout) as INSTALLED_APPS lists it: its own AppConfig under
a name staff can read. In a module of its own: a second AppConfig in partnerships/apps.py
would leave Django unable to tell which one is the app's default, and it would then load
"partnerships" without PartnershipsConfig.ready()."""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _


class LoginAttemptsConfig(AxesAppConfig):
    """django-axes (the admin sign-in lockout) under a name staff can read: its admin
    section was headed "Axes". The label stays "axes", so its tables, migrations and
    permissions are unchanged."""

    verbose_name = _("Login attempts")
