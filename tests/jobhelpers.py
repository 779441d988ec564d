"""Running spreadsheet jobs in tests the way the worker (`manage.py db_worker`) runs them."""

import io

from django.urls import reverse

from partnerships.jobmodels import ImportJob


def run_worker() -> int:
    """Run every queued task as django-tasks-db's worker does (claim it, run it, record its
    result): the production path, synchronously. Returns how many tasks ran."""
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="tests",
        excluded_queue_names=[],
    )
    ran = 0
    while (task := DBTaskResult.objects.ready().first()) is not None:
        task.claim("tests")
        worker.run_task(task)
        ran += 1
    return ran


class Jobs:
    """Posts to the admin with the queued tasks sent (the test runs in a transaction, so
    on_commit callbacks are captured and executed), then runs the worker."""

    def __init__(self, client, capture):
        self.client = client
        self.capture = capture

    def post(self, url, data, run=True):
        with self.capture(execute=True):
            response = self.client.post(url, data)
        if run and response.status_code == 302:
            run_worker()
        return response

    def upload(self, model, content: bytes, filename: str, fmt: int, run=True):
        upload = io.BytesIO(content)
        upload.name = filename
        url = reverse(f"admin:partnerships_{model}_import")
        return self.post(url, {"import_file": upload, "format": fmt, "resource": 0}, run=run)

    def page(self, response):
        """The job page a response redirected to."""
        assert response.status_code == 302, response.status_code
        return self.client.get(response["Location"])

    def preview(self, model, content: bytes, filename: str, fmt: int):
        """Upload, let the worker preview it, and return the job page (or the upload form
        when the file was refused at once)."""
        response = self.upload(model, content, filename, fmt)
        return self.page(response) if response.status_code == 302 else response

    def confirm(self, preview_page, model="organization", run=True):
        job = preview_page.context["job"]
        url = reverse(f"admin:partnerships_{model}_job_confirm", args=[job.pk])
        return self.post(url, {}, run=run)

    def export(self, model, data):
        response = self.post(reverse(f"admin:partnerships_{model}_export"), data)
        page = self.page(response)
        job = page.context["job"]
        url = reverse(f"admin:partnerships_{model}_job_download", args=[job.pk])
        return self.client.get(url)


def last_job(**filters) -> ImportJob:
    return ImportJob.objects.filter(**filters).order_by("-created_at").first()
