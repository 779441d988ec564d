"""Exports of any size finish or fail before their first byte: the public partnership JSON
(written by PostgreSQL where it runs) is a whole JSON array of every public row or a 503; the
admin export job selects the changelist's rows and writes them as they are read."""

import csv
import io
import json

import openpyxl
import pytest
from django.core.management import call_command
from django.db import connection
from django.http import FileResponse
from django.urls import reverse

from partnerships import copy_export, tasks
from partnerships.jobmodels import JobState
from partnerships.models import Organization, PartnershipLevel, SisterSchoolPartnership
from partnerships.views.partnership_list import PartnershipListView
from partnerships.views.record_list import RecordListView
from tests.jobhelpers import Jobs, last_job
from tests.test_views import body, make_org, make_partnership

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's COPY and statement_timeout"
)
FIELDS = ("party_a", "party_b", "level", "status", "established", "conference", "summary")


@pytest.fixture(params=[2000, 3], ids=["one-chunk", "several-chunks"])
def chunk(request, monkeypatch):
    """An export of fewer rows than a chunk is sent from the view's first read; a larger one
    is streamed after it (PostgreSQL's COPY): both, with a chunk smaller than the seed."""
    monkeypatch.setattr(copy_export, "CHUNK", request.param)


@pytest.fixture
def draft_partnership(seed):
    a, b = make_org("Draft Party A"), make_org("Draft Party B")
    return make_partnership(a, b, publication="draft")


def test_the_json_export_is_a_json_array_of_every_public_row_and_no_draft(
    client, draft_partnership, chunk
):
    response = client.get("/partnerships/?format=json")
    assert response.status_code == 200
    rows = json.loads(body(response))
    public = SisterSchoolPartnership.objects.published()
    assert sorted(row["url"] for row in rows) == sorted(p.get_absolute_url() for p in public)
    assert draft_partnership.get_absolute_url() not in {row["url"] for row in rows}


def slowly(queryset):
    """``queryset`` taking 200 ms a row in PostgreSQL."""
    return queryset.extra(where=["pg_sleep(0.2) IS NOT NULL"])


@on_postgresql
def test_a_json_export_whose_query_hits_the_statement_timeout_answers_503_not_200(
    client, seed, monkeypatch
):
    def refuse(self, queryset):
        raise AssertionError("the Python export ran")

    monkeypatch.setattr(RecordListView, "json_export", refuse)  # PostgreSQL's JSON only
    original = PartnershipListView.get_queryset
    monkeypatch.setattr(PartnershipListView, "get_queryset", lambda self: slowly(original(self)))
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = '50ms'")  # undone with the test's transaction
    response = client.get("/partnerships/?format=json")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"


# --------------------------------------------------------------------------- admin export job


@pytest.fixture
def publisher(client, django_user_model, seed, django_capture_on_commit_callbacks):
    django_user_model.objects.create_user("pub", "p@x.org", "pw-long-enough-1")
    call_command("grant_role", "pub", "publisher", stdout=io.StringIO())
    client.force_login(django_user_model.objects.get(username="pub"))
    return Jobs(client, django_capture_on_commit_callbacks)


@pytest.fixture
def mixed_partnerships(seed):
    """Partnerships of two levels, some named "Harbour", beside the seed's."""
    orgs = [make_org(f"Harbour School {n}") for n in range(4)] + [make_org("Inland School")]
    for n in range(3):
        make_partnership(orgs[n], orgs[n + 1], level=PartnershipLevel.SCHOOL)
    make_partnership(orgs[0], orgs[4], level=PartnershipLevel.SCHOOL)
    make_partnership(orgs[1], orgs[4], level=PartnershipLevel.COMPREHENSIVE)


def export_partnerships(publisher, query="", fmt=0):
    """The download of an export job asked for from the changelist at ``?<query>``."""
    data = {"format": fmt, "resource": 0, **{f"partnershipresource_{f}": "on" for f in FIELDS}}
    url = reverse("admin:partnerships_sisterschoolpartnership_export") + (
        f"?{query}" if query else ""
    )
    response = publisher.post(url, data)
    page = publisher.page(response)
    assert page.context["job"].state == JobState.DONE, page.context["job"].message
    return publisher.client.get(page.context["download_url"])


def downloaded(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def csv_pairs(response) -> list[tuple[str, str]]:
    rows = list(csv.reader(io.StringIO(downloaded(response).decode("utf-8-sig"))))
    assert rows[0] == list(FIELDS)
    return sorted((row[0], row[1]) for row in rows[1:])


def slug_pairs(queryset) -> list[tuple[str, str]]:
    return sorted(queryset.values_list("party_a__slug", "party_b__slug"))


def test_the_admin_export_job_exports_the_changelists_filtered_and_searched_rows(
    publisher, mixed_partnerships
):
    response = export_partnerships(publisher, "level__exact=school&q=Harbour")
    expected = SisterSchoolPartnership.objects.filter(level=PartnershipLevel.SCHOOL).filter(
        party_a__name__icontains="Harbour"
    ) | SisterSchoolPartnership.objects.filter(
        level=PartnershipLevel.SCHOOL, party_b__name__icontains="Harbour"
    )
    assert csv_pairs(response) == slug_pairs(expected.distinct())
    assert len(csv_pairs(response)) == 4


def test_the_admin_export_job_without_filters_exports_every_row(publisher, mixed_partnerships):
    response = export_partnerships(publisher)
    assert csv_pairs(response) == slug_pairs(SisterSchoolPartnership.objects.all())


def test_a_large_export_is_kept_in_a_file_and_downloaded_from_it(
    publisher, mixed_partnerships, monkeypatch, settings, tmp_path
):
    monkeypatch.setattr(tasks, "OUTPUT_IN_DATABASE_MAX", 100)
    settings.JOB_FILES_DIR = tmp_path
    response = export_partnerships(publisher)
    job = last_job()
    assert isinstance(response, FileResponse)
    assert bytes(job.output) == b""
    assert (tmp_path / job.result["file"]).stat().st_size == job.result["size"]
    assert csv_pairs(response) == slug_pairs(SisterSchoolPartnership.objects.all())


def test_a_large_xlsx_export_is_a_whole_workbook_of_the_filtered_rows(
    publisher, mixed_partnerships, monkeypatch, settings, tmp_path
):
    monkeypatch.setattr(tasks, "OUTPUT_IN_DATABASE_MAX", 100)
    settings.JOB_FILES_DIR = tmp_path
    response = export_partnerships(publisher, "level__exact=comprehensive", fmt=1)
    sheet = openpyxl.load_workbook(io.BytesIO(downloaded(response))).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == list(FIELDS)
    wide = SisterSchoolPartnership.objects.filter(level=PartnershipLevel.COMPREHENSIVE)
    assert sorted((r[0], r[1]) for r in rows[1:]) == slug_pairs(wide)


def test_an_export_file_that_is_no_longer_kept_is_a_404(
    publisher, mixed_partnerships, monkeypatch, settings, tmp_path
):
    monkeypatch.setattr(tasks, "OUTPUT_IN_DATABASE_MAX", 100)
    settings.JOB_FILES_DIR = tmp_path
    export_partnerships(publisher)
    job = last_job()
    (tmp_path / job.result["file"]).unlink()
    url = reverse("admin:partnerships_sisterschoolpartnership_job_download", args=[job.pk])
    assert publisher.client.get(url).status_code == 404


def test_organizations_export_job_respects_the_changelist_search(publisher, seed):
    make_org("Zebra Crossing Academy")
    fields = ("name", "slug")
    data = {"format": 0, "resource": 0, **{f"organizationresource_{f}": "on" for f in fields}}
    url = reverse("admin:partnerships_organization_export") + "?q=Zebra"
    page = publisher.page(publisher.post(url, data))
    download = publisher.client.get(page.context["download_url"])
    rows = list(csv.reader(io.StringIO(downloaded(download).decode("utf-8-sig"))))
    assert rows == [
        list(fields),
        ["Zebra Crossing Academy", Organization.objects.get(name__startswith="Zebra").slug],
    ]
