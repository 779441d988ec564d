"""Background jobs (django-tasks, database backend): an import's preview, its confirmation and
an admin export, run by the worker (``manage.py db_worker``) outside the web request.

``run_job`` is the task; it runs the job as the user who asked for it, checking their
permission again (add for imports, view for exports, as the admin does), writes progress to
the job row while it works and the result when it is done. An import is all-or-nothing
(``resources.BulkImport``): a failed job has written nothing."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_permission_codename
from django.db import transaction
from django.utils import timezone

from .jobmodels import ImportJob, JobKind, JobState

try:  # Django 6 has the framework built in; the backport until then.
    from django.tasks import task
except ImportError:  # pragma: no cover - Django 5.2
    from django_tasks import task

logger = logging.getLogger(__name__)

FAILED = (
    "The job failed and nothing was saved (the error has been logged for the site's "
    "maintainers). Upload the file again to retry."
)


def model_admin_for(job: ImportJob):
    from django.contrib import admin

    return admin.site._registry[job.model_class()]


def may_run(job: ImportJob) -> bool:
    """The job's user may still do what it does: add (import) or view (export) records."""
    user = job.user
    if user is None or not user.is_active or not user.is_staff:
        return False
    opts = job.model_class()._meta
    if job.kind == JobKind.EXPORT:
        code = getattr(settings, "IMPORT_EXPORT_EXPORT_PERMISSION_CODE", "view")
    else:
        code = getattr(settings, "IMPORT_EXPORT_IMPORT_PERMISSION_CODE", "add")
    return user.has_perm(f"{opts.app_label}.{get_permission_codename(code, opts)}")


def progress_writer(job_id):
    def progress(phase: str, done: int, total: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(
            phase=phase[:100], done_rows=done, total_rows=total
        )

    return progress


def enqueue(job: ImportJob) -> ImportJob:
    """Queue the job for the worker once the current transaction commits."""

    def send():
        result = run_job.enqueue(str(job.pk))
        ImportJob.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])

    transaction.on_commit(send)
    return job


@task()
def run_job(job_id: str) -> str:
    """Run one job; it is claimed first, so that a job is never run twice."""
    claimed = ImportJob.objects.filter(pk=job_id, state=JobState.QUEUED).update(
        state=JobState.RUNNING, started_at=timezone.now(), phase="Starting"
    )
    if not claimed:
        return "not queued"
    job = ImportJob.objects.select_related("user", "preview").get(pk=job_id)
    try:
        if not may_run(job):
            finish(job, JobState.FAILED, message="You may no longer do this: nothing was done.")
        elif job.kind == JobKind.EXPORT:
            run_export(job)
        else:
            run_import(job)
    except Exception:
        logger.exception("Job %s failed", job_id)
        finish(job, JobState.FAILED, message=FAILED)
    return job.state


def finish(job: ImportJob, state: str, **values) -> None:
    values.update(state=state, finished_at=timezone.now())
    for name, value in values.items():
        setattr(job, name, value)
    ImportJob.objects.filter(pk=job.pk).update(**values)


def run_import(job: ImportJob) -> None:
    from .resources import (
        BulkImport,
        OrganizationResource,
        PartnershipResource,
        RowByRowImport,
        UnreadableFile,
    )

    model_admin = model_admin_for(job)
    progress = progress_writer(job.pk)
    progress("Reading the file", 0, 0)
    input_format = model_admin.get_import_formats()[job.format_index]()
    try:
        if job.kind == JobKind.IMPORT and job.preview.options.get("headers"):
            dataset = stored_dataset(job.preview.options)
        else:
            data = bytes(job.preview.data if job.kind == JobKind.IMPORT else job.data)
            dataset = input_format.create_dataset(data)
    except UnreadableFile as exc:
        result = {"file_errors": [str(exc)], "rows": [], "totals": {}, "total_rows": 0}
        finish(job, JobState.DONE, result=result, message=str(exc))
        return
    resource_class = model_admin.resource_classes[job.resource_index]
    # Organizations and partnerships (files of tens of thousands of rows) in bulk; the other
    # record types row by row, through django-import-export's own path.
    bulk = resource_class in (
        OrganizationResource,
        PartnershipResource,
    )
    importer = (BulkImport if bulk else RowByRowImport)(
        resource_class, user=job.user, progress=progress
    )
    result = importer.run(dataset, dry_run=job.kind == JobKind.PREVIEW)
    errors = result["file_errors"] or result["totals"].get("invalid")
    if job.kind == JobKind.IMPORT and result["imported"]:
        message = "Import finished."
    elif job.kind == JobKind.IMPORT:
        message = (
            "Nothing was imported: the file has errors now, though its preview had none (the "
            "records it refers to changed meanwhile). Correct the rows below and upload the "
            "file again."
            if errors
            else "Nothing was imported."
        )
    else:
        message = "" if errors else "The preview found no error: confirm to import."
    if job.kind == JobKind.IMPORT:  # imported once: the upload is not kept
        ImportJob.objects.filter(pk=job.preview_id).update(data=b"", options={})
    elif not errors:
        # The confirmation checks the rows again but need not read the file again (an XLSX
        # workbook takes longer to read than its rows to check).
        job.options = {"headers": list(dataset.headers), "rows": storable_rows(dataset)}
        ImportJob.objects.filter(pk=job.pk).update(options=job.options)
    finish(
        job,
        JobState.DONE,
        result=result,
        message=message,
        done_rows=result["total_rows"],
        total_rows=result["total_rows"],
    )


def storable_rows(dataset) -> list[list]:
    """The cells of a file read without error, as JSON: text, numbers and empty cells as they
    are; dates as the text the import reads them as; a cell the import could not use (only
    in a column it ignores, since the preview had no error) as empty."""
    import datetime

    from .resources import CellProblem, cell_text

    def cell(value):
        if isinstance(value, CellProblem):
            return ""
        if isinstance(value, datetime.date | datetime.time | datetime.timedelta):
            return cell_text(value) if isinstance(value, datetime.date) else str(value)
        return value

    return [[cell(v) for v in row] for row in dataset]


def stored_dataset(options: dict):
    import tablib

    dataset = tablib.Dataset(headers=options["headers"])
    for row in options["rows"]:
        dataset.append(row)
    return dataset


def run_export(job: ImportJob) -> None:
    model_admin = model_admin_for(job)
    progress = progress_writer(job.pk)
    resource = model_admin.resource_classes[job.resource_index]()
    queryset = resource.get_export_queryset()
    items = job.options.get("items")
    if items:
        queryset = queryset.filter(pk__in=items)
    total = queryset.count()
    progress("Writing the file", 0, total)
    dataset = resource.export(queryset=queryset, export_fields=job.options.get("fields"))
    file_format = model_admin.get_export_formats()[job.format_index]()
    output = file_format.export_data(dataset)
    if isinstance(output, str):
        output = output.encode("utf-8")
    finish(
        job,
        JobState.DONE,
        output=output,
        result={"total_rows": total, "file_name": job.file_name},
        message=f"{total} rows exported.",
        done_rows=total,
        total_rows=total,
    )
