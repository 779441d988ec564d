"""The About page, the footer's "last updated" date and "how to cite this page", and the
"report a mistake" form (issue 19).

* /about/ says what is recorded and how (dates, figures, synthetic data, licence), with the
  counts of published records the overview shows (``Model.objects.published()``).
* "Last updated" is the latest ``updated_at`` of any published record, kept in Django's cache
  for LAST_UPDATED_TIMEOUT seconds under a key that includes the data version
  (partnerships/pagecache.py), which every committed write changes; saving or deleting a
  record also drops the entry at once, for the rest of its own transaction.
* /report-a-mistake/ stores a MistakeReport for staff (partnerships/feedback_admin.py).
  Without third-party services, it refuses: a filled-in honeypot field, a form sent less than
  REPORT_MIN_SECONDS after it was served or more than REPORT_MAX_AGE after (a timestamp
  signed with django.core.signing), and more than REPORT_RATE_LIMIT reports an hour from one
  client address (counted in Django's cache; the address as django-axes/django-ipware see it,
  see DJANGO_PROXY_COUNT).
"""

from __future__ import annotations

import datetime
import time
from urllib.parse import unquote, urlencode, urlsplit

from axes.helpers import get_client_ip_address
from django import forms
from django.apps import apps
from django.core import signing
from django.core.cache import cache
from django.db.models import Count, Max, Q
from django.db.models.signals import post_delete, post_save
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods
from django.views.generic import TemplateView

from . import pagecache
from .accounts import within_rate
from .dates import DatePrecision, PartialDate
from .feedback import MESSAGE_MAX_LENGTH, PAGE_MAX_LENGTH, MistakeReport
from .models import (
    Alliance,
    AttendanceMode,
    Conference,
    ConferenceSeries,
    FigurePeriod,
    FigureQualifier,
    FigureStatus,
    Metric,
    Organization,
    Person,
    Record,
    Region,
    ReportedFigure,
    SisterSchoolPartnership,
    Source,
)

# --------------------------------------------------------------------------- last updated

LAST_UPDATED_KEY = "partnerships:last-updated"
# Seconds. Every change the site makes or is told of has a new data version, and so a new entry;
# this bounds only changes made behind its back (SQL by hand), which a cached page keeps as long
# (DJANGO_PAGE_CACHE_SECONDS' default). Reading both values takes 0.65 s at 1M partnerships.
LAST_UPDATED_TIMEOUT = 600


def record_models() -> list[type[Record]]:
    """The public record models (every concrete Record: regions to reported figures)."""
    return [m for m in apps.get_app_config("partnerships").get_models() if issubclass(m, Record)]


def latest_change() -> datetime.date | None:
    """The day (in the site's time zone) of the latest change to any published record: one
    query, the latest ``updated_at`` of each model's published rows (grouped by their
    publication, one group) in a UNION ALL."""
    parts = [
        model.objects.published()
        .order_by()
        .values("publication")
        .annotate(latest=Max("updated_at"))
        .values_list("latest", flat=True)
        for model in record_models()
    ]
    values = [value for value in parts[0].union(*parts[1:], all=True) if value is not None]
    return timezone.localdate(max(values)) if values else None


def synthetic_count() -> int:
    """How many published records are synthetic (manage.py generate_synthetic): one query,
    a count of each model's in a UNION ALL."""
    parts = [
        model.objects.published()
        .filter(is_synthetic=True)
        .order_by()
        .values("publication")
        .annotate(n=Count("pk"))
        .values_list("n", flat=True)
        for model in record_models()
    ]
    return sum(parts[0].union(*parts[1:], all=True))


def last_updated_key() -> str:
    """The entry of the current data version: a page stored in the page cache under a new
    version never shows the date read before the change, even one written by another process
    (an import run by the job worker), whose local-memory cache this one does not see."""
    return f"{LAST_UPDATED_KEY}:{pagecache.data_version()}"


def _through_cache(key: str, compute, use_cache: bool):
    """compute(), kept under ``key`` for LAST_UPDATED_TIMEOUT seconds. The entry holds a
    one-item list so that None is cached too."""
    if use_cache:
        cached = cache.get(key)
        if cached is not None:
            return cached[0]
    value = compute()
    if use_cache:
        cache.set(key, [value], LAST_UPDATED_TIMEOUT)
    return value


def last_updated(*, use_cache: bool = True) -> datetime.date | None:
    """latest_change(), through the cache."""
    return _through_cache(last_updated_key(), latest_change, use_cache)


def synthetic_loaded(*, use_cache: bool = True) -> int:
    """synthetic_count(), through the cache (under the same data version as last_updated):
    every page shows a banner while it is not 0."""
    return _through_cache(f"{last_updated_key()}:synthetic", synthetic_count, use_cache)


def forget_last_updated(sender, **kwargs) -> None:
    """post_save / post_delete of a record: the next page reads the date again. Dropped now
    (for this request and its transaction); at commit the data version, part of the key,
    changes (partnerships/signals.py)."""
    cache.delete(last_updated_key())
    cache.delete(f"{last_updated_key()}:synthetic")


for _model in record_models():
    post_save.connect(
        forget_last_updated, sender=_model, dispatch_uid=f"last-updated-save-{_model}"
    )
    post_delete.connect(
        forget_last_updated, sender=_model, dispatch_uid=f"last-updated-delete-{_model}"
    )


# --------------------------------------------------------------------------- about page

# What the About page counts, in the overview's order, each linking to its list (figures
# have no list of their own: they are shown on the records they are about).
COUNTED = [
    (
        SisterSchoolPartnership,
        "partnership-list",
        lambda n: ngettext("partnership", "partnerships", n),
    ),
    (Alliance, "alliance-list", lambda n: ngettext("alliance", "alliances", n)),
    (Conference, "conference-list", lambda n: ngettext("conference", "conferences", n)),
    (
        ConferenceSeries,
        "series-list",
        lambda n: ngettext("conference series", "conference series", n),
    ),
    (Organization, "organization-list", lambda n: ngettext("organization", "organizations", n)),
    (
        Region,
        "region-list",
        lambda n: ngettext(
            "region (country, province or city)", "regions (countries, provinces, cities)", n
        ),
    ),
    (Person, "person-list", lambda n: ngettext("person", "people", n)),
    (Source, "source-list", lambda n: ngettext("source", "sources", n)),
    (
        ReportedFigure,
        None,
        lambda n: ngettext("figure reported by a source", "figures reported by sources", n),
    ),
]


def date_examples() -> list[tuple[str, PartialDate]]:
    """How each kind of partial date reads, written by the class that writes every date."""
    return [
        (_("the day is known"), PartialDate(datetime.date(2023, 11, 16), DatePrecision.DAY)),
        (_("only the month"), PartialDate(datetime.date(2023, 11, 1), DatePrecision.MONTH)),
        (_("only the year"), PartialDate(datetime.date(2005, 1, 1), DatePrecision.YEAR)),
        (
            _("a day and month, the source gives no year"),
            PartialDate(datetime.date(1, 12, 3), DatePrecision.DAY_MONTH),
        ),
        (
            _("the year is not printed but follows from the source (for instance its date)"),
            PartialDate(datetime.date(2025, 12, 3), DatePrecision.DAY, year_inferred=True),
        ),
        (
            _("only a latest possible day is known"),
            PartialDate(None, not_after=datetime.date(2023, 11, 24)),
        ),
        (
            _("a year, and a day before which it happened"),
            PartialDate(
                datetime.date(2025, 1, 1), DatePrecision.YEAR, not_after=datetime.date(2025, 12, 3)
            ),
        ),
    ]


def figure_examples() -> list[tuple[str, str]]:
    """How reported figures read, written by ReportedFigure.text itself (unsaved figures)."""
    return [
        (
            _("a qualifier the source uses"),
            ReportedFigure(
                metric=Metric.PARTNERSHIPS, value=300, qualifier=FigureQualifier.NEARLY
            ).text,
        ),
        (
            _("a part of the whole (here, those who took part online)"),
            ReportedFigure(
                metric=Metric.PARTICIPANTS,
                value=5000,
                qualifier=FigureQualifier.OVER,
                mode=AttendanceMode.ONLINE,
            ).text,
        ),
        (
            _("a yearly figure that is planned, not yet done"),
            ReportedFigure(
                metric=Metric.STUDENTS,
                value=2000,
                qualifier=FigureQualifier.ABOUT,
                period=FigurePeriod.PER_YEAR,
                status=FigureStatus.TARGET,
            ).text,
        ),
        (
            _("an order of magnitude, when the source gives no number"),
            ReportedFigure(
                metric=Metric.PARTICIPANTS, value=100, qualifier=FigureQualifier.HUNDREDS
            ).text,
        ),
    ]


class AboutView(TemplateView):
    template_name = "partnerships/about.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        counts = []
        synthetic = 0
        for model, url_name, label in COUNTED:
            # One query a kind: the count the overview shows and how many of them are
            # synthetic (Count with a filter; the overview's count() is the same rows).
            row = model.objects.published().aggregate(
                total=Count("pk"), synthetic=Count("pk", filter=Q(is_synthetic=True))
            )
            synthetic += row["synthetic"]
            counts.append(
                {
                    "kind": model._meta.model_name,
                    "count": row["total"],
                    "label": label(row["total"]),
                    "url_name": url_name,
                    # The regions list hides the regions that hold no published record
                    # unless asked: the link to all of them, which this number counts.
                    "query": "?empty=1" if model is Region else "",
                }
            )
        context.update(
            title=_("About this directory and how it is made"),
            counts=counts,
            synthetic_count=synthetic,
            date_examples=date_examples(),
            figure_examples=figure_examples(),
        )
        return context


# --------------------------------------------------------------------------- report a mistake

REPORT_SALT = "partnerships.about.report-mistake"
REPORT_MIN_SECONDS = 3  # a person does not read, type and send in less
REPORT_MAX_AGE = 24 * 3600  # a form served more than a day ago is refused
REPORT_RATE_LIMIT = 5  # reports stored per client address ...
REPORT_RATE_WINDOW = 3600  # ... per hour


def clock() -> float:
    """Seconds since the epoch (a function of its own, so that a test can move time on)."""
    return time.time()


def issue_token() -> str:
    """The signed time at which the form was served, for its hidden ``started`` field."""
    return signing.dumps(clock(), salt=REPORT_SALT)


def site_path(value: str, host: str) -> str | None:
    """``value`` as a path (and query) of a page of this site, or None if it is not one:
    a path starting with one "/", or a full http(s) address on ``host``, that this site's URLs
    answer. Whatever else a reader or a robot may send (HTML, SQL, another site) is None."""
    value = (value or "").strip()
    if not value or any(ch.isspace() or ord(ch) < 32 for ch in value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. an unbalanced "[" in the host
        return None
    if (parts.scheme or parts.netloc) and (
        parts.scheme not in ("http", "https") or parts.netloc.lower() != host.lower()
    ):
        return None
    path = parts.path or "/"
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return None
    try:
        resolve(unquote(path))
    except Resolver404:
        return None
    return f"{path}?{parts.query}" if parts.query else path


class MistakeReportForm(forms.Form):
    message = forms.CharField(
        label=_("What is wrong?"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8, "cols": 60}),
        help_text=_(
            "Say what is wrong and, if you can, what is right and where you read it (the "
            "address of a source helps us most). At most 5,000 characters."
        ),
        error_messages={
            "required": _("Please say what is wrong: this box is empty."),
            "max_length": _(
                "Please shorten your message to at most %(limit_value)d characters "
                "(it has %(show_value)d)."
            ),
        },
    )
    page = forms.CharField(
        label=_("Page"),
        max_length=PAGE_MAX_LENGTH,
        help_text=_("The address of the page with the mistake, on this site."),
        error_messages={
            "required": _("Please give the address of the page with the mistake."),
            "max_length": _(
                "This address is too long: at most %(limit_value)d characters "
                "(it has %(show_value)d)."
            ),
        },
    )
    email = forms.EmailField(
        label=_("Your email address"),
        required=False,
        help_text=_("Only if you would like an answer; we use it for nothing else."),
        error_messages={
            "invalid": _(
                "This is not an email address (name@example.org). Correct it, or leave the "
                "box empty."
            )
        },
    )
    # The honeypot: hidden from people (off-screen, out of the tab order, hidden from screen
    # readers) but filled in by robots that fill in every field.
    website = forms.CharField(
        label=_("Leave this box empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    started = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, host: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.host = host
        self.token_refused = False

    def clean_page(self):
        path = site_path(self.cleaned_data["page"], self.host)
        if path is None:
            raise forms.ValidationError(
                _(
                    "This is not the address of a page of this site. Copy the address of the "
                    "page from your browser (it starts with this site's name), or leave the "
                    "one the link filled in."
                )
            )
        return path

    def clean_message(self):
        message = self.cleaned_data["message"].strip()
        if not message:
            raise forms.ValidationError(_("Please say what is wrong: this box is empty."))
        return message

    def clean(self):
        cleaned = super().clean()
        if self.data.get("website"):
            raise forms.ValidationError(
                _(
                    "The box “Leave this box empty” was filled in, "
                    "which automated programs do. Empty it and send the report again."
                ),
                code="honeypot",
            )
        self.check_token(self.data.get("started", ""))
        return cleaned

    def check_token(self, token: str) -> None:
        try:
            started = float(signing.loads(token, salt=REPORT_SALT))
        except (signing.BadSignature, TypeError, ValueError):
            self.token_refused = True
            raise forms.ValidationError(
                _(
                    "This form did not come from this site or was "
                    "changed. Send it again from this page."
                ),
                code="bad_token",
            ) from None
        elapsed = clock() - started
        if elapsed > REPORT_MAX_AGE:
            self.token_refused = True
            raise forms.ValidationError(
                _("This form was opened more than a day ago. Check it and send it again."),
                code="expired",
            )
        if elapsed < REPORT_MIN_SECONDS:
            raise forms.ValidationError(
                _(
                    "The report came less than %(seconds)d seconds after the "
                    "form was opened, which only automated programs do. Wait a moment and "
                    "send it again."
                )
                % {"seconds": REPORT_MIN_SECONDS},
                code="too_fast",
            )


@require_http_methods(["GET", "HEAD", "POST"])
def report_mistake(request):
    host = request.get_host()
    status = 200
    if request.method == "POST":
        form = MistakeReportForm(request.POST, host=host)
        if form.is_valid():
            address = get_client_ip_address(request) or "unknown"
            if within_rate(
                f"report-mistake:address:{address}", REPORT_RATE_LIMIT, REPORT_RATE_WINDOW
            ):
                report = MistakeReport.objects.create(
                    page=form.cleaned_data["page"],
                    message=form.cleaned_data["message"],
                    email=form.cleaned_data["email"],
                )
                done = reverse("report-mistake-done")
                return HttpResponseRedirect(f"{done}?{urlencode({'page': report.page})}")
            form.add_error(
                None,
                forms.ValidationError(
                    _(
                        "We have received %(limit)d reports from "
                        "your address in the last hour, which is as many as we take. Please "
                        "try again in an hour."
                    )
                    % {"limit": REPORT_RATE_LIMIT},
                    code="rate_limited",
                ),
            )
            status = 429
        if form.token_refused:
            # Keep what was typed, with a new timestamp: the next send can go through.
            form.data = form.data.copy()
            form.data["started"] = issue_token()
    else:
        page = site_path(request.GET.get("page", ""), host) or ""
        form = MistakeReportForm(initial={"page": page, "started": issue_token()}, host=host)
    return render(
        request,
        "partnerships/report_mistake.html",
        {"form": form, "title": _("Report a mistake")},
        status=status,
    )


def report_mistake_done(request):
    """The thank-you page after a report (Post/Redirect/Get), with a link back to the page."""
    page = site_path(request.GET.get("page", ""), request.get_host())
    return render(
        request,
        "partnerships/report_mistake_done.html",
        {"page": page, "title": _("Thank you for your report")},
    )
