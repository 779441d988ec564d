"""Issue 19: one date format in the admin.

Every date and time the admin shows is written one way (partnerships/formats): a moment as
"5 December 2026, 08:21", a date as "24 September 2017", and a partial date only as far as
the source gives it ("2005", "March 2005", "24 September, year not stated"), never as the
first day it is stored as. The walk below opens, with records of every kind (a partial date
of each precision on every model that has one), the changelist, a change page and the
history of every registered model that holds rows, the pages of a revision, a reader's
report, a spreadsheet job and the deleted records, as a superuser and as a viewer."""

from __future__ import annotations

import datetime
import html as html_module
import io
import re
import uuid

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.core.management import call_command
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from partnerships.admin import date_groups
from partnerships.dates import NO_YEAR, DatePrecision, PartialDate
from partnerships.feedback import MistakeReport, ReportStatus
from partnerships.jobmodels import ImportJob, JobKind, JobState
from partnerships.models import Organization, Region, Revision

from .adminforms import change_url, form_of

MONTH_NAMES = [datetime.date(2000, month, 1).strftime("%B") for month in range(1, 13)]
MONTHS = "|".join(MONTH_NAMES)
SHORT_MONTHS = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"

# The one way a moment is written.
MOMENT = re.compile(rf"\b\d{{1,2}} (?:{MONTHS}) \d{{4}}, \d{{2}}:\d{{2}}\b(?!:)")
# Every other way Django, Python or a template writes a date or a time: none may show.
OTHER_WAYS = {
    "ISO date": re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),
    "month first": re.compile(rf"\b{SHORT_MONTHS} \d{{1,2}}, \d{{4}}\b"),
    "a.m./p.m.": re.compile(r"\b\d{1,2}(?::\d{2})? ?[ap]\.m\."),
    "midnight or noon": re.compile(r"\b(?:midnight|noon)\b"),
    "relative time": re.compile(
        r"\b\d+\s?(?:minute|hour|day|week|month|year)s?\b[^.]{0,30}\bago\b"
    ),
    "slashes": re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b"),
    "seconds": re.compile(r"\b\d{1,2}:\d{2}:\d{2}\b"),
}
TIME = re.compile(r"\b\d{1,2}:\d{2}\b")


def visible_text(html: str) -> str:
    """What a reader sees in the page's content: no form inputs (an input's value is what
    its widget accepts, Django's), no scripts, no help texts (which explain how a partial
    date is stored: "1 January of that year")."""
    start = html.find('id="content"')
    html = html[start:] if start >= 0 else html
    html = re.sub(r"<(script|style|textarea|select|option)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r'<(div|p|span) class="help"[^>]*>.*?</\1>', " ", html, flags=re.S)
    html = re.sub(r'<div class="description">.*?</div>', " ", html, flags=re.S)
    html = re.sub(r"<input\b[^>]*>", " ", html)
    text = html_module.unescape(re.sub(r"<[^>]+>", " ", html))
    return re.sub(r"\s+", " ", text)


def check_one_format(html: str, where: str) -> int:
    """Asserts that the page writes no date or time but in the one format; returns the
    number of moments it shows."""
    text = visible_text(html)
    for name, pattern in OTHER_WAYS.items():
        found = pattern.findall(text)
        assert not found, f"{where}: {name} {found[:3]}"
    moments = MOMENT.findall(text)
    times = TIME.findall(text)
    assert len(times) == len(moments), f"{where}: a time outside a moment: {times}, {moments}"
    return len(moments)


def full_date_of(date: PartialDate) -> set[str]:
    """How the stored first day of ``date`` would read as a full date."""
    day = date.on
    return {
        f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}",
        day.isoformat(),
        f"{MONTH_NAMES[day.month - 1][:3]}. {day.day}, {day.year}",
    }


def partial(on, precision) -> dict:
    return {"on": on, "precision": precision}


# A partial date of each precision that is not a whole day (and a whole day, to compare).
PARTIAL = [
    partial(datetime.date(2005, 1, 1), DatePrecision.YEAR),
    partial(datetime.date(2011, 3, 1), DatePrecision.MONTH),
    partial(datetime.date(1, 9, 25), DatePrecision.DAY_MONTH),
    partial(datetime.date(1, 8, 1), DatePrecision.MONTH_ONLY),
    partial(datetime.date(2017, 9, 24), DatePrecision.DAY),
]


def give_partial_dates(model) -> list[tuple[object, str, PartialDate]]:
    """The first rows of ``model`` given each date of PARTIAL in each of its partial dates:
    (row, date prefix, the date)."""
    given = []
    names = {f.name for f in model._meta.concrete_fields}
    rows = list(model._default_manager.order_by("pk")[: len(PARTIAL)])
    for prefix, columns in date_groups(model).items():
        on, precision, not_after, inferred, basis, _as_given = columns
        for row, date in zip(rows, PARTIAL, strict=False):
            values = {on: date["on"], precision: date["precision"]}
            for name, empty in ((not_after, None), (inferred, False), (basis, "")):
                if name in names:
                    values[name] = empty
            for name in ("ends_on", "opening_on"):  # a last day needs a date to the day
                if prefix == "held" and name in names:
                    values[name] = None
            model._default_manager.filter(pk=row.pk).update(**values)
            given.append((row, prefix, PartialDate(date["on"], date["precision"])))
    return given


def url_of(model, view, *args) -> str | None:
    opts = model._meta
    try:
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)
    except NoReverseMatch:
        return None


def row_html(page: str, obj) -> str:
    """The changelist row (``<tr>``) that links to ``obj``."""
    link = change_url(obj)
    at = page.index(f'href="{link}')
    start = page.rindex("<tr", 0, at)
    return page[start : page.index("</tr>", at)]


@pytest.fixture
def admin_world(cases, client_as):
    """Every kind of record with history, partial dates of each precision, a revision
    waiting for review, a handled report of a mistake, sign-in attempts, a spreadsheet job
    and its task, and a deleted record."""
    call_command("populate_history", auto=True, stdout=io.StringIO())
    dated = []
    for model in admin.site._registry:
        if date_groups(model) and model._default_manager.exists():
            dated += give_partial_dates(model)
    editor = client_as("editor")
    bycirklen = Organization.objects.get(slug="bycirklen")
    data = form_of(editor.get(change_url(bycirklen)))
    data["description"] = "Changed by an editor, waiting for review."
    assert editor.post(change_url(bycirklen), data).status_code == 302
    assert Revision.objects.filter(status="pending").exists()
    publisher = client_as("publisher")
    MistakeReport.objects.create(page="/", message="A wrong date on the overview.")
    MistakeReport.objects.create(
        page="/about/",
        message="Handled already.",
        status=ReportStatus.HANDLED,
        handled_at=timezone.now(),
    )
    who = {"ip_address": "192.0.2.1", "username": "someone", "user_agent": "test"}
    AccessAttempt.objects.create(**who, path_info="/admin/", failures_since_start=1)
    AccessLog.objects.create(**who, path_info="/admin/")
    AccessFailureLog.objects.create(**who, path_info="/admin/")
    from partnerships.tasks import run_job

    run_job.enqueue(str(uuid.uuid4()))
    job = ImportJob.objects.create(
        kind=JobKind.EXPORT,
        model="partnerships.region",
        state=JobState.RUNNING,
        user=publisher_user(),
        started_at=timezone.now(),
    )
    doomed = Region.objects.create(name="Gone-away Land", kind="country")
    delete = reverse("admin:partnerships_region_delete", args=[doomed.pk])
    assert publisher.post(delete, {"post": "yes"}).status_code == 302
    return {"dated": dated, "job": job, "publisher": publisher}


def publisher_user():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="publisher")


def test_every_admin_page_writes_dates_and_times_one_way(admin_client, admin_world):
    moments, pages = 0, 0
    for model in admin.site._registry:
        if not model._default_manager.exists():
            continue
        first = model._default_manager.order_by("pk").first()
        for view, args in (("changelist", ()), ("change", (first.pk,)), ("history", (first.pk,))):
            url = url_of(model, view, *args)
            if url is None:
                continue
            response = admin_client.get(url)
            assert response.status_code == 200, url
            moments += check_one_format(response.content.decode(), url)
            pages += 1
    revision = Revision.objects.filter(status="pending").first()
    job = admin_world["job"]
    publisher = admin_world["publisher"]
    for client, url in (
        (admin_client, url_of(Revision, "change", revision.pk)),
        (publisher, url_of(Region, "job", job.pk)),
        (admin_client, url_of(Region, "deleted")),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        found = check_one_format(response.content.decode(), url)
        assert found, f"{url} shows no moment"
        moments += found
        pages += 1
    # Every registered model with rows was walked (3 pages each), and what was shown
    # included moments: saves, reports, sign-in attempts, tasks, revisions, jobs.
    assert pages > 3 * 20
    assert moments > 50


def test_partial_dates_show_only_what_the_source_gives_in_every_changelist(
    admin_client, admin_world, client_as
):
    viewer = client_as("viewer")
    pages: dict = {}
    checked = set()
    for row, prefix, date in admin_world["dated"]:
        model = type(row)
        if model not in pages:
            pages[model] = admin_client.get(url_of(model, "changelist") + "?all=").content.decode()
        try:
            html = row_html(pages[model], row)
        except ValueError:
            continue  # the changelist does not show this row's link (its own name has none)
        text = visible_text(html)
        if date.precision != DatePrecision.DAY:
            for full in full_date_of(date):
                assert full not in text, f"{model.__name__} {prefix}: {full} for {date}"
        if date.precision in NO_YEAR:
            assert "0001" not in text and "year not stated" in text
        if str(date) in text:
            checked.add((model.__name__, date.precision))
        # Read-only (a viewer): the date in words, one line, never its stored first day.
        page = viewer.get(change_url(row)).content.decode()
        assert str(date) in visible_text(page) or prefix not in date_groups(model)
        if date.precision != DatePrecision.DAY:
            for full in full_date_of(date):
                assert full not in visible_text(page), f"{model.__name__} {prefix} read-only"
    shown = {precision for _name, precision in checked}
    assert shown == {p["precision"] for p in PARTIAL}
    assert len({name for name, _p in checked}) >= 8  # the changelists that list a date


def test_a_year_only_date_reads_as_its_year_in_the_list_and_the_history(admin_client, admin_world):
    from partnerships.models import SisterSchoolPartnership

    partnership = SisterSchoolPartnership.objects.order_by("pk").first()
    assert partnership.established_precision == DatePrecision.YEAR
    page = admin_client.get(url_of(SisterSchoolPartnership, "changelist")).content.decode()
    assert ">2005<" in row_html(page, partnership)
    for year in (2004, 2003):
        data = form_of(admin_client.get(change_url(partnership)))
        data["established_on"] = f"{year}-01-01"
        assert admin_client.post(change_url(partnership), data).status_code == 302
    history = admin_client.get(url_of(SisterSchoolPartnership, "history", partnership.pk))
    text = visible_text(history.content.decode())
    assert "2004 → 2003" in text
    assert "1 January 2004" not in text and "1 January 2003" not in text
    check_one_format(history.content.decode(), "history")


def test_a_moment_is_written_one_way(admin_client, admin_world):
    report = MistakeReport.objects.get(status=ReportStatus.HANDLED)
    when = timezone.localtime(report.handled_at)
    expected = f"{when.day} {MONTH_NAMES[when.month - 1]} {when.year}, {when:%H:%M}"
    page = admin_client.get(url_of(MistakeReport, "change", report.pk)).content.decode()
    assert expected in visible_text(page)
    attempt = AccessAttempt.objects.get()
    page = admin_client.get(url_of(AccessAttempt, "change", attempt.pk)).content.decode()
    assert f"Attempted access: {MOMENT.search(visible_text(page)).group()}" in visible_text(page)
