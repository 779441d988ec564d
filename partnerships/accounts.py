"""Staff sign-in: login throttling (django-axes) and the password reset by email.

Two caps on failed sign-ins, both within the cool-off window (settings.AXES_COOLOFF_TIME):

* ``AXES_FAILURE_LIMIT`` (DJANGO_LOGIN_FAILURE_LIMIT, 5) failures for one username from one
  client address lock that pair: one bad typist does not lock the account for everyone else;
* ``LOGIN_USERNAME_FAILURE_LIMIT`` (DJANGO_LOGIN_USERNAME_FAILURE_LIMIT, 20) failures for one
  username from all addresses together lock the username everywhere: guessing from many
  addresses gets no more tries than that.

django-axes has one failure limit, compared with the largest count of its lockout parameters
(``AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]``), so the handler below
counts the username alone against its own, higher cap.

The password reset is Django's own views (django.contrib.auth.views), wired under
/admin/password_reset/ as Django's admin documentation describes, with three changes: only
active staff users get an email, requests are limited per client address and per email address
(a few an hour, Django's cache), and setting a new password lifts a sign-in lockout of that
username.
"""

import hashlib

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import (
    get_client_ip_address,
    get_client_username,
    get_failure_limit,
    get_lockout_parameters,
)
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.core.cache import cache
from django.db.models import Sum
from django.http import HttpResponseRedirect


def _is_username_alone(parameter) -> bool:
    return parameter == "username" or (
        not isinstance(parameter, str) and list(parameter) == ["username"]
    )


class LoginThrottle(AxesDatabaseHandler):
    """Axes' database handler with a separate cap for a username across all addresses."""

    def get_failures(self, request, credentials=None) -> int:
        limit = get_failure_limit(request, credentials)
        username_limit = settings.LOGIN_USERNAME_FAILURE_LIMIT
        has_username = get_client_username(request, credentials) is not None
        failures = 0
        for parameter, attempts in zip(
            get_lockout_parameters(request, credentials),
            self.get_user_attempts(request, credentials),
            strict=True,
        ):
            count = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            if _is_username_alone(parameter):
                if not has_username:
                    continue
                # Reaching the cap across addresses counts as reaching the limit; below it
                # the username alone locks nothing.
                count = limit if count >= username_limit else 0
            failures = max(failures, count)
        return failures

    def reset_user_attempts(self, request, credentials=None) -> int:
        """A successful sign-in clears the failures of its own (username, address) pair only:
        failures of the same username from other addresses still count against the cap."""
        attempts_list = self.filter_user_attempts(request, credentials)
        parameters = get_lockout_parameters(request, credentials)
        count = 0
        for parameter, attempts in zip(parameters, attempts_list, strict=True):
            if not _is_username_alone(parameter):
                count += attempts.delete()[0]
        return count


# --------------------------------------------------------------------------- password reset


def within_rate(key: str, limit: int, window: int) -> bool:
    """Count one more use of ``key`` in a fixed window of ``window`` seconds; False past
    ``limit``. Django's cache: with the default local-memory cache each server process counts
    on its own."""
    cache.add(key, 0, window)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, window)
        used = 1
    return used <= limit


class StaffPasswordResetForm(PasswordResetForm):
    """Django's form, mailing only active staff users with a usable password (Django's own
    form already leaves out inactive users and unusable passwords)."""

    def get_users(self, email):
        return (user for user in super().get_users(email) if user.is_staff)


class AdminLookMixin:
    """The admin's header, title and "View site" link on the reset pages."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(admin.site.each_context(self.request))
        return context


class StaffPasswordResetView(AdminLookMixin, auth_views.PasswordResetView):
    form_class = StaffPasswordResetForm
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.html"
    subject_template_name = "registration/password_reset_subject.txt"

    def post(self, request, *args, **kwargs):
        address = get_client_ip_address(request) or "unknown"
        if not within_rate(
            f"password-reset:address:{address}",
            settings.PASSWORD_RESET_RATE_LIMIT,
            settings.PASSWORD_RESET_RATE_WINDOW,
        ):
            context = self.get_context_data(form=self.get_form(), throttled=True)
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        # The same answer whether or not the address is a staff user's, and whether or not
        # this address has had too many emails this hour (then none is sent).
        email = form.cleaned_data["email"].strip().lower()
        digest = hashlib.sha256(email.encode()).hexdigest()
        if not within_rate(
            f"password-reset:email:{digest}",
            settings.PASSWORD_RESET_RATE_LIMIT,
            settings.PASSWORD_RESET_RATE_WINDOW,
        ):
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


class StaffPasswordResetDoneView(AdminLookMixin, auth_views.PasswordResetDoneView):
    pass


class StaffPasswordResetConfirmView(AdminLookMixin, auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        response = super().form_valid(form)
        # Whoever set a new password through the emailed link controls the account's
        # mailbox: a sign-in lockout of the username (perhaps someone else's guessing) ends.
        axes_reset(username=self.user.get_username())
        return response


class StaffPasswordResetCompleteView(AdminLookMixin, auth_views.PasswordResetCompleteView):
    pass
