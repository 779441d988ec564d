"""The About page, the footer of every public page (last updated, licence, how to cite this
page, report a mistake) and the report-a-mistake form with its defences (issue 19)."""

from __future__ import annotations

import datetime
import html
import json
import re
import time

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from partnerships import about
from partnerships.feedback import MistakeReport, ReportStatus
from partnerships.models import (
    Alliance,
    Conference,
    ConferenceSeries,
    Organization,
    Person,
    Region,
    ReportedFigure,
    SisterSchoolPartnership,
    Source,
)
from tests import test_views
from tests.test_views import make_org, make_partnership

DRAFT = "draft"
REPORT_URL = "/report-a-mistake/"
PUBLISHED_MODELS = {
    "sisterschoolpartnership": SisterSchoolPartnership,
    "alliance": Alliance,
    "conference": Conference,
    "conferenceseries": ConferenceSeries,
    "organization": Organization,
    "region": Region,
    "person": Person,
    "source": Source,
    "reportedfigure": ReportedFigure,
}


# The seed, loaded once for the module (each test's changes are rolled back, as in test_views).
seeded_module = test_views.seeded_module


@pytest.fixture
def seed(seeded_module, db):
    """Overrides conftest's ``seed``: the same records, loaded once per module."""


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Django's cache lives as long as the process: the last-updated date and the report
    counts of one test must not be seen by the next."""
    cache.clear()
    yield
    cache.clear()


def about_counts(response) -> dict[str, int]:
    return {row["kind"]: row["count"] for row in response.context["counts"]}


def footer_date(client, url="/") -> str:
    text = client.get(url).content.decode()
    match = re.search(r'Last updated: <time datetime="([0-9-]+)">', text)
    assert match, "no last-updated date in the footer"
    return match.group(1)


def csl_of(response) -> list:
    match = re.search(
        r'<script id="cite-csl-json" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert match, "no CSL-JSON on the page"
    return json.loads(match.group(1))


def set_all_updated(day: datetime.date) -> None:
    """Every record last changed on ``day`` (an UPDATE, which sends no signal)."""
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
    for model in about.record_models():
        model.objects.update(updated_at=moment)


# --------------------------------------------------------------------------- about page


def test_the_about_page_counts_equal_the_published_counts(client, seed):
    response = client.get("/about/")
    assert response.status_code == 200
    expected = {name: model.objects.published().count() for name, model in PUBLISHED_MODELS.items()}
    assert about_counts(response) == expected
    assert expected["organization"] > 0 and expected["sisterschoolpartnership"] > 0


def test_the_about_page_counts_agree_with_the_overview(client, seed):
    counts = about_counts(client.get("/about/"))
    overview = client.get("/").context
    headline = {h["url"]: h["count"] for h in overview["headlines"]}
    assert counts["sisterschoolpartnership"] == headline["partnership-list"]
    assert counts["alliance"] == headline["alliance-list"]
    assert counts["conference"] == headline["conference-list"]
    assert counts["organization"] == headline["organization-list"]
    assert counts["source"] == overview["source_count"]


def test_a_draft_beside_published_records_is_not_counted_on_the_about_page(client, seed):
    before = about_counts(client.get("/about/"))
    a = make_org("Draft Example School", publication=DRAFT)
    b = Organization.objects.published().first()
    make_partnership(a, b)  # published itself, but a party is a draft: not public
    after = about_counts(client.get("/about/"))
    assert after["organization"] == before["organization"]
    assert after["sisterschoolpartnership"] == before["sisterschoolpartnership"]
    assert Organization.objects.count() == before["organization"] + 1


def test_the_about_page_says_no_synthetic_records_are_loaded(client, seed):
    text = client.get("/about/").content.decode()
    assert "No synthetic records are loaded now" in text


def test_the_about_page_counts_loaded_synthetic_records(client, seed):
    Organization.objects.create(
        name="Synthetic School 1", publication="published", is_synthetic=True
    )
    response = client.get("/about/")
    assert response.context["synthetic_count"] == 1
    assert "1 synthetic record is loaded now" in response.content.decode()


@pytest.mark.parametrize("url", ["/", "/partnerships/", "/regions/jiangsu/", "/search/?q=x"])
def test_no_page_has_the_test_data_banner_without_synthetic_records(client, seed, url):
    assert "synthetic-banner" not in client.get(url).content.decode()


@pytest.mark.parametrize("url", ["/", "/partnerships/", "/regions/jiangsu/", "/search/?q=x"])
def test_every_page_has_the_test_data_banner_while_synthetic_records_are_loaded(client, seed, url):
    for i in (1, 2):
        Organization.objects.create(
            name=f"Synthetic School {i}", publication="published", is_synthetic=True
        )
    Organization.objects.create(name="Synthetic draft", publication="draft", is_synthetic=True)
    text = client.get(url).content.decode()
    assert "synthetic-banner" in text
    assert "2 synthetic records, made up for testing, are counted" in text
    assert 'href="/about/#synthetic"' in text


def test_the_banner_goes_when_the_synthetic_records_are_removed(client, seed):
    made = Organization.objects.create(
        name="Synthetic School 1", publication="published", is_synthetic=True
    )
    assert "synthetic-banner" in client.get("/about/").content.decode()
    made.delete()
    assert "synthetic-banner" not in client.get("/about/").content.decode()


def test_the_about_page_gives_the_data_licence(client, db):
    text = client.get("/about/").content.decode()
    assert 'id="licence"' in text
    assert 'href="https://creativecommons.org/licenses/by/4.0/" rel="license"' in text


def test_the_about_page_shows_dates_as_the_site_writes_them(client, db):
    text = client.get("/about/").content.decode()
    assert "3 December, year not stated" in text
    assert "3 December 2025 (year inferred)" in text
    assert "by 24 November 2023" in text
    assert "<td>2005</td>" in text


# --------------------------------------------------------------------------- last updated


def test_the_footer_gives_the_day_of_the_latest_change_to_a_published_record(client, seed):
    set_all_updated(datetime.date(2024, 1, 2))
    Organization.objects.published().filter(pk=Organization.objects.published().first().pk).update(
        updated_at=timezone.make_aware(datetime.datetime(2024, 3, 5, 9))
    )
    assert footer_date(client) == "2024-03-05"


def test_a_change_to_a_draft_does_not_move_the_footer_date(client, seed):
    set_all_updated(datetime.date(2024, 1, 2))
    assert footer_date(client) == "2024-01-02"
    make_org("Draft Example School", publication=DRAFT)
    assert footer_date(client) == "2024-01-02"


def test_the_footer_date_is_kept_in_the_cache_between_requests(client, seed):
    set_all_updated(datetime.date(2024, 1, 2))
    assert footer_date(client) == "2024-01-02"
    set_all_updated(datetime.date(2024, 6, 7))  # an UPDATE: no signal, the cache keeps its date
    assert footer_date(client, "/partnerships/") == "2024-01-02"


def test_the_footer_date_moves_on_the_next_request_after_a_save(client, seed):
    set_all_updated(datetime.date(2024, 1, 2))
    assert footer_date(client) == "2024-01-02"
    org = Organization.objects.published().first()
    org.save()
    assert footer_date(client) == timezone.localdate().isoformat()


def test_the_footer_date_moves_on_the_next_request_after_a_delete(client, seed):
    set_all_updated(datetime.date(2024, 1, 2))
    newest = make_org("Newest Example School")
    assert footer_date(client) == timezone.localdate().isoformat()
    newest.delete()
    assert footer_date(client) == "2024-01-02"


def test_every_kind_of_public_page_has_the_footer(client, seed):
    partnership = SisterSchoolPartnership.objects.published().first()
    for url in ("/", "/about/", "/partnerships/", partnership.get_absolute_url(), REPORT_URL):
        text = client.get(url).content.decode()
        assert "Last updated:" in text, url
        assert "How to cite this page" in text, url
        assert 'href="/about/#licence">CC BY 4.0</a>' in text, url


def test_the_not_found_page_has_no_date_and_no_citation_but_a_report_link(client, seed):
    response = client.get("/partnerships/no-such-partnership/")
    text = response.content.decode()
    assert response.status_code == 404
    assert "Last updated:" not in text
    assert "How to cite this page" not in text
    assert "/report-a-mistake/?page=/partnerships/no-such-partnership/" in text


# --------------------------------------------------------------------------- cite this page


def test_cite_this_page_gives_the_title_and_full_address_as_text(client, seed):
    partnership = SisterSchoolPartnership.objects.published().first()
    url = partnership.get_absolute_url()
    text = html.unescape(client.get(url).content.decode())
    today = timezone.localdate()
    expected = (
        f"Partnerships: {partnership}. http://testserver{url}. Accessed {today.day} {today:%B %Y}."
    )
    assert expected in text


def test_cite_this_page_keeps_the_filters_of_a_list_in_the_address(client, seed):
    csl = csl_of(client.get("/partnerships/?q=Jiangsu&level=comprehensive"))
    assert csl[0]["URL"] == "http://testserver/partnerships/?q=Jiangsu&level=comprehensive"
    assert csl[0]["title"] == "Partnerships"


def test_cite_this_page_gives_valid_csl_json(client, seed):
    organization = Organization.objects.published().first()
    csl = csl_of(client.get(organization.get_absolute_url()))
    today = timezone.localdate()
    assert isinstance(csl, list) and len(csl) == 1
    item = csl[0]
    assert item["type"] == "webpage"
    assert item["title"] == organization.name
    assert item["URL"] == f"http://testserver{organization.get_absolute_url()}"
    assert item["accessed"] == {"date-parts": [[today.year, today.month, today.day]]}
    assert re.fullmatch(r"[a-z0-9-]+", item["id"])


def test_the_csl_json_readers_copy_is_the_same_valid_json(client, seed):
    response = client.get("/organizations/")
    shown = re.search(
        r'<pre class="cite-code"><code>(\[.*?\])</code></pre>', response.content.decode(), re.S
    )
    assert shown, "no CSL-JSON shown to readers"
    assert json.loads(html.unescape(shown.group(1))) == csl_of(response)


def test_cite_this_page_csl_json_names_the_overview(client, seed):
    assert csl_of(client.get("/"))[0]["title"] == "Overview"


def test_cite_this_page_gives_bibtex_with_the_address(client, seed):
    text = html.unescape(client.get("/partnerships/?level=school").content.decode())
    assert "@misc{partnerships-partnerships," in text
    assert "url = {http://testserver/partnerships/?level=school}," in text
    assert "title = {{Partnerships: Partnerships}}," in text


def test_bibtex_escapes_what_latex_reads_as_commands():
    from partnerships.templatetags.about_tags import bibtex

    assert bibtex("R&D 100% {fun}_#1") == r"R\&D 100\% \{fun\}\_\#1"


# --------------------------------------------------------------------------- report a mistake


def form_of(client, page="/partnerships/"):
    """The form as a reader gets it from a page's link: its fields' values."""
    response = client.get(REPORT_URL, {"page": page})
    assert response.status_code == 200
    text = response.content.decode()
    started = re.search(r'name="started" value="([^"]+)"', text).group(1)
    prefilled = re.search(r'name="page"(?: value="([^"]*)")?', text).group(1) or ""
    return {"started": started, "page": html.unescape(prefilled), "message": "", "email": ""}


@pytest.fixture
def later(monkeypatch):
    """later(seconds): the form's clock moved on by that many seconds (a reader typing)."""

    def move(seconds):
        now = time.time() + seconds
        monkeypatch.setattr(about, "clock", lambda: now)

    return move


def send(client, data):
    return client.post(REPORT_URL, data)


def refusals(response) -> str:
    return html.unescape(response.content.decode())


def test_the_footer_links_to_the_form_with_the_page_address(client, seed):
    text = client.get("/partnerships/?level=school").content.decode()
    assert 'href="/report-a-mistake/?page=/partnerships/%3Flevel%3Dschool"' in text


def test_the_form_is_prefilled_with_the_page_it_was_opened_from(client, seed):
    assert form_of(client, "/partnerships/?level=school")["page"] == "/partnerships/?level=school"


def test_the_form_is_not_prefilled_with_a_page_of_another_site(client, db):
    assert form_of(client, "https://example.com/")["page"] == ""


def test_a_report_is_stored(client, seed, later):
    data = form_of(client, "/partnerships/?level=school")
    later(20)
    data.update(message="The year is wrong: the source says 2019.", email="reader@example.org")
    response = send(client, data)
    assert response.status_code == 302
    report = MistakeReport.objects.get()
    assert report.page == "/partnerships/?level=school"
    assert report.message == "The year is wrong: the source says 2019."
    assert report.email == "reader@example.org"
    assert report.status == ReportStatus.NEW
    assert report.handled_by is None


def test_after_a_report_the_reader_is_thanked_with_a_link_back(client, seed, later):
    data = form_of(client, "/partnerships/")
    later(20)
    data["message"] = "A name is misspelled."
    response = send(client, data)
    assert response["Location"] == "/report-a-mistake/thanks/?page=%2Fpartnerships%2F"
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200
    assert '<a href="/partnerships/">Back to the page you reported</a>' in thanks.content.decode()


def test_a_full_address_on_this_site_is_stored_as_its_path(client, seed, later):
    data = form_of(client)
    later(20)
    data.update(page="http://testserver/organizations/?q=x", message="Wrong.")
    assert send(client, data).status_code == 302
    assert MistakeReport.objects.get().page == "/organizations/?q=x"


def test_a_filled_in_honeypot_is_refused_with_a_message(client, seed, later):
    data = form_of(client)
    later(20)
    data.update(message="Buy now", website="http://spam.example")
    response = send(client, data)
    assert response.status_code == 200
    assert "The box “Leave this box empty” was filled in" in refusals(response)
    assert not MistakeReport.objects.exists()


def test_a_form_sent_too_fast_is_refused_with_a_message(client, seed, later):
    data = form_of(client)
    later(1)
    data["message"] = "Too quick to be a person."
    response = send(client, data)
    assert "less than 3 seconds after the form was opened" in refusals(response)
    assert not MistakeReport.objects.exists()


def test_a_form_opened_more_than_a_day_ago_is_refused_with_a_message(client, seed, later):
    data = form_of(client)
    later(25 * 3600)
    data["message"] = "Left open overnight."
    response = send(client, data)
    assert "opened more than a day ago" in refusals(response)
    assert not MistakeReport.objects.exists()


def test_a_refused_old_form_gets_a_new_timestamp_and_keeps_the_message(client, seed, later):
    data = form_of(client)
    later(25 * 3600)
    data["message"] = "Left open overnight."
    text = send(client, data).content.decode()
    assert re.search(r'name="started" value="([^"]+)"', text).group(1) != data["started"]
    assert "Left open overnight.</textarea>" in text


@pytest.mark.parametrize("started", ["", "12345", "abc:def:ghi"])
def test_a_form_without_a_timestamp_signed_here_is_refused(client, seed, later, started):
    data = form_of(client)
    later(20)
    data.update(message="No token.", started=started)
    response = send(client, data)
    assert "did not come from this site or was changed" in refusals(response)
    assert not MistakeReport.objects.exists()


def test_reports_over_the_hourly_limit_from_one_address_are_refused(client, seed, later):
    data = form_of(client)
    later(20)
    for i in range(about.REPORT_RATE_LIMIT):
        assert send(client, {**data, "message": f"Mistake {i}"}).status_code == 302
    response = send(client, {**data, "message": "One too many"})
    assert response.status_code == 429
    assert "try again in an hour" in refusals(response)
    assert MistakeReport.objects.count() == about.REPORT_RATE_LIMIT
    assert not MistakeReport.objects.filter(message="One too many").exists()


def test_the_limit_is_per_client_address(client, seed, later):
    data = form_of(client)
    later(20)
    for i in range(about.REPORT_RATE_LIMIT):
        send(client, {**data, "message": f"Mistake {i}"})
    response = client.post(
        REPORT_URL, {**data, "message": "Another reader"}, REMOTE_ADDR="10.0.0.9"
    )
    assert response.status_code == 302
    assert MistakeReport.objects.filter(message="Another reader").exists()


JUNK = {
    "a 10 KB message": ({"message": "x" * 10240}, "at most 5000 characters (it has 10240)"),
    "an empty message": ({"message": "   "}, "Please say what is wrong"),
    "HTML as the page": (
        {"page": "<script>alert(1)</script>"},
        "not the address of a page of this site",
    ),
    "SQL as the page": ({"page": "/'; DROP TABLE partnerships;--"}, "not the address of a page"),
    "another site": ({"page": "https://evil.example/partnerships/"}, "not the address of a page"),
    "a protocol-relative address": ({"page": "//evil.example/"}, "not the address of a page"),
    "a javascript address": ({"page": "javascript:alert(1)"}, "not the address of a page"),
    "a 10 KB page": ({"page": "/" + "a" * 10240}, "This address is too long"),
    "SQL as the email": ({"email": "x' OR 1=1 --"}, "This is not an email address"),
    "a NUL character": ({"message": "bad\x00byte"}, "Null characters are not allowed"),
}


@pytest.mark.parametrize("junk", JUNK.values(), ids=JUNK.keys())
def test_junk_gives_a_form_error_in_words_and_stores_nothing(client, seed, later, junk):
    fields, message = junk
    data = form_of(client)
    later(20)
    data.update({"message": "Something is wrong.", **fields})
    response = send(client, data)
    assert response.status_code == 200
    assert message in refusals(response)
    assert 'aria-invalid="true"' in response.content.decode()
    assert not MistakeReport.objects.exists()


def test_html_in_a_message_is_stored_as_text_and_escaped_on_the_form(client, seed, later):
    data = form_of(client)
    later(20)
    data.update(message="<b>bold</b>", page="<i>x</i>")
    text = send(client, data).content.decode()
    assert "<b>bold</b>" not in text and "&lt;b&gt;bold&lt;/b&gt;" in text
    assert "<i>x</i>" not in text


def test_a_get_of_the_form_with_junk_in_the_page_is_not_an_error(client, db):
    response = client.get(REPORT_URL, {"page": "<script>" + "x" * 10000})
    assert response.status_code == 200
    assert "<script>x" not in response.content.decode()


# --------------------------------------------------------------------------- reports in the admin


def a_report(**fields):
    return MistakeReport.objects.create(
        page="/partnerships/", message=fields.pop("message", "A wrong year."), **fields
    )


def change_url(report):
    return reverse("admin:partnerships_mistakereport_change", args=[report.pk])


LIST_URL = "/admin/partnerships/mistakereport/"


def test_an_anonymous_user_cannot_see_reports_in_the_admin(client, db):
    report = a_report()
    for url in (LIST_URL, change_url(report)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_a_viewer_cannot_change_a_report(client_as, db):
    report = a_report()
    viewer = client_as("viewer")
    response = viewer.post(change_url(report), {"status": ReportStatus.HANDLED})
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.status == ReportStatus.NEW


def test_a_viewer_cannot_mark_reports_handled_from_the_list(client_as, db):
    report = a_report()
    viewer = client_as("viewer")
    viewer.post(LIST_URL, {"action": "mark_handled", "_selected_action": [report.pk]})
    report.refresh_from_db()
    assert report.status == ReportStatus.NEW


def test_staff_with_only_the_view_permission_read_reports_without_a_save_button(
    client_as, django_user_model, db
):
    report = a_report()
    reader = client_as("viewer", "reader")
    user = django_user_model.objects.get(username="reader")
    user.user_permissions.add(Permission.objects.get(codename="view_mistakereport"))
    page = reader.get(change_url(report))
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert reader.post(change_url(report), {"status": "handled"}).status_code == 403


def test_the_admin_lists_reports_with_filters_and_escapes_their_html(staff_client, db):
    a_report(message="<script>alert('x')</script> the year is wrong")
    response = staff_client.get(LIST_URL)
    text = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert" not in text
    assert "&lt;script&gt;alert" in text
    assert "?status__exact=new" in text and "?status__exact=handled" in text


def test_the_change_page_escapes_the_message(staff_client, db):
    report = a_report(message="<img src=x onerror=alert(1)>")
    text = staff_client.get(change_url(report)).content.decode()
    assert "<img src=x" not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text


def test_marking_a_report_handled_records_who_did_it(staff_client, django_user_model, db):
    report = a_report()
    response = staff_client.post(change_url(report), {"status": ReportStatus.HANDLED})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.HANDLED
    assert report.handled_by == django_user_model.objects.get(username="admin")
    assert report.handled_at is not None


def test_the_admin_action_marks_reports_handled(staff_client, db):
    reports = [a_report(), a_report(message="Another")]
    staff_client.post(
        LIST_URL, {"action": "mark_handled", "_selected_action": [r.pk for r in reports]}
    )
    assert MistakeReport.objects.filter(status=ReportStatus.HANDLED).count() == 2


def test_nobody_adds_a_report_in_the_admin(staff_client, db):
    assert staff_client.get("/admin/partnerships/mistakereport/add/").status_code == 403
