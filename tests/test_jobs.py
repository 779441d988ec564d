"""Imports and exports as background jobs: the admin creates a job and redirects to its page,
the worker runs it (here synchronously, through django-tasks-db's own worker code), the page
shows progress and then the result."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from partnerships.jobmodels import ImportJob, JobKind, JobState
from partnerships.models import Organization, Publication, Revision, RevisionStatus
from tests.jobhelpers import Jobs, last_job, run_worker

GOOD_ORGS = """name,kind,region,other_names,source,paragraph
Xuzhou No. 1 Middle School,school,xuzhou,Xuzhou First Middle School,2,6
Suzhou Experimental School,School,Suzhou,,,
"""


def login_as(client, django_user_model, role):
    django_user_model.objects.create_user(role, f"{role}@x.org", "pw-long-enough-1")
    call_command("grant_role", role, role, stdout=io.StringIO())
    user = django_user_model.objects.get(username=role)
    client.force_login(user)
    return user


@pytest.fixture
def publisher(client, django_user_model, seed, django_capture_on_commit_callbacks):
    login_as(client, django_user_model, "publisher")
    return Jobs(client, django_capture_on_commit_callbacks)


@pytest.fixture
def editor(client, django_user_model, seed, django_capture_on_commit_callbacks):
    login_as(client, django_user_model, "editor")
    return Jobs(client, django_capture_on_commit_callbacks)


def test_upload_creates_a_queued_preview_job_and_redirects_to_its_page(publisher):
    response = publisher.upload("organization", GOOD_ORGS.encode(), "orgs.csv", 0, run=False)
    job = last_job()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:partnerships_organization_job", args=[job.pk])
    assert (job.kind, job.state, job.file_name) == (JobKind.PREVIEW, JobState.QUEUED, "orgs.csv")


def test_job_page_refreshes_itself_without_script_until_the_job_is_done(publisher):
    response = publisher.upload("organization", GOOD_ORGS.encode(), "orgs.csv", 0, run=False)
    waiting = publisher.page(response)
    assert '<meta http-equiv="refresh" content="2">' in waiting.content.decode()
    run_worker()
    done = publisher.page(response)
    assert 'http-equiv="refresh"' not in done.content.decode()


def test_import_end_to_end_upload_preview_confirm_result_page(publisher):
    before = Organization.objects.count()
    preview = publisher.preview("organization", GOOD_ORGS.encode(), "orgs.csv", 0)
    assert preview.context["can_confirm"]
    assert preview.context["result"]["totals"]["new"] == 2
    assert Organization.objects.count() == before
    confirm = publisher.confirm(preview)
    result_page = publisher.page(confirm)
    job = result_page.context["job"]
    assert (job.kind, job.state, job.message) == (JobKind.IMPORT, JobState.DONE, "Import finished.")
    assert job.result["imported"] and job.result["totals"]["new"] == 2
    assert '<td class="total-new">2</td>' in result_page.content.decode()
    assert Organization.objects.count() == before + 2


def test_preview_page_names_the_bad_row_and_column_and_offers_no_confirm(publisher):
    content = (GOOD_ORGS + "Bad School,school,atlantis,,,\n").encode()
    page = publisher.preview("organization", content, "orgs.csv", 0)
    assert not page.context["can_confirm"]
    [bad] = [r for r in page.context["result"]["rows"] if r["errors"]]
    assert bad["number"] == 3
    assert bad["errors"] == [["region", ["Unknown region: 'atlantis' (no slug or name matches)."]]]
    assert "Confirm import" not in page.content.decode()


def test_a_failing_row_at_confirmation_writes_nothing_and_names_the_row(publisher):
    from partnerships.models import Region

    Region.objects.create(name="Atlantis", slug="atlantis", kind="city")
    content = "name,kind,region\nFirst School,school,xuzhou\nSecond School,school,atlantis\n"
    before = Organization.objects.count()
    preview = publisher.preview("organization", content.encode(), "o.csv", 0)
    assert preview.context["can_confirm"]
    Region.objects.filter(slug="atlantis").delete()
    page = publisher.page(publisher.confirm(preview))
    job = page.context["job"]
    assert job.state == JobState.DONE and not job.result["imported"]
    assert "Nothing was imported" in job.message
    [bad] = [r for r in job.result["rows"] if r["errors"]]
    assert bad["number"] == 2 and bad["errors"][0][0] == "region"
    assert Organization.objects.count() == before


def test_a_job_survives_in_the_database_until_a_worker_runs_it(publisher):
    publisher.upload("organization", GOOD_ORGS.encode(), "orgs.csv", 0, run=False)
    job_id = last_job().pk
    # Nothing of the job lives in the web process: a new process reads it back from the
    # database, as does the worker when it starts.
    stored = ImportJob.objects.get(pk=job_id)
    assert stored.state == JobState.QUEUED and bytes(stored.data) == GOOD_ORGS.encode()
    assert run_worker() == 1
    stored.refresh_from_db()
    assert stored.state == JobState.DONE and stored.result["totals"]["new"] == 2


def test_a_job_runs_once_even_if_its_task_is_run_again(publisher):
    from partnerships.tasks import run_job

    preview = publisher.preview("organization", GOOD_ORGS.encode(), "orgs.csv", 0)
    publisher.confirm(preview)
    job = last_job(kind=JobKind.IMPORT)
    before = Organization.objects.count()
    assert run_job.call(str(job.pk)) == "not queued"
    assert Organization.objects.count() == before


def test_confirming_twice_imports_once_and_says_already_confirmed(publisher):
    before = Organization.objects.count()
    preview = publisher.preview("organization", GOOD_ORGS.encode(), "orgs.csv", 0)
    publisher.confirm(preview)
    again = publisher.confirm(preview)
    page = publisher.client.get(again["Location"])
    assert any("already confirmed" in str(m) for m in page.context["messages"])
    assert ImportJob.objects.filter(kind=JobKind.IMPORT).count() == 1
    assert Organization.objects.count() == before + 2


def test_the_worker_checks_the_users_permission_again(publisher, django_user_model):
    publisher.upload("organization", GOOD_ORGS.encode(), "orgs.csv", 0, run=False)
    user = django_user_model.objects.get(username="publisher")
    user.groups.clear()  # no longer a publisher when the worker runs the job
    run_worker()
    job = last_job()
    assert job.state == JobState.FAILED and "no longer" in job.message


def test_another_users_job_page_is_not_found(publisher, client, django_user_model):
    publisher.upload("organization", GOOD_ORGS.encode(), "orgs.csv", 0)
    job = last_job()
    login_as(client, django_user_model, "editor")
    response = client.get(reverse("admin:partnerships_organization_job", args=[job.pk]))
    assert response.status_code == 404


def test_editor_renaming_a_published_organization_leaves_it_and_creates_a_pending_revision(
    editor,
):
    org = Organization.objects.get(slug="peel-district-school-board")
    assert org.publication == Publication.PUBLISHED
    version, name = org.version, org.name
    content = f"name,slug,kind\nPeel Board Renamed,{org.slug},{org.kind}\n".encode()
    preview = editor.preview("organization", content, "o.csv", 0)
    assert preview.context["result"]["totals"]["review"] == 1
    page = editor.page(editor.confirm(preview))
    assert page.context["job"].result["imported"]
    org.refresh_from_db()
    assert (org.name, org.version) == (name, version)
    [revision] = Revision.objects.filter(object_id=org.pk, origin="import")
    assert revision.status == RevisionStatus.PENDING
    assert revision.changes["fields"] == {"name": "Peel Board Renamed"}
    assert revision.author.username == "editor"
    assert revision.base_version == version


def test_publisher_renaming_a_published_organization_changes_it(publisher):
    org = Organization.objects.get(slug="peel-district-school-board")
    content = f"name,slug,kind\nPeel Board Renamed,{org.slug},{org.kind}\n".encode()
    publisher.page(publisher.confirm(publisher.preview("organization", content, "o.csv", 0)))
    org.refresh_from_db()
    assert org.name == "Peel Board Renamed"
    assert not Revision.objects.filter(object_id=org.pk).exists()
    assert org.history.first().history_user.username == "publisher"


def test_export_job_gives_a_download_link_with_the_file(publisher):
    fields = ("name", "slug", "kind", "region", "other_names", "website", "description")
    data = {"format": 0, "resource": 0, **{f"organizationresource_{f}": "on" for f in fields}}
    response = publisher.post(reverse("admin:partnerships_organization_export"), data)
    page = publisher.page(response)
    job = page.context["job"]
    assert job.state == JobState.DONE and job.kind == JobKind.EXPORT
    assert page.context["download_url"] in page.content.decode()
    download = publisher.client.get(page.context["download_url"])
    assert download["Content-Disposition"].startswith('attachment; filename="Organization-')
    lines = download.content.decode("utf-8-sig").splitlines()
    assert lines[0].split(",") == list(fields)
    assert len(lines) == Organization.objects.count() + 1
