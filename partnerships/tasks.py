"""Background jobs (django-tasks, database backend): an import's preview, its confirmation and
an admin export, run by the worker (``manage.py db_worker``) outside the web request.

``run_job`` is the task; it runs the job as the user who asked for it, checking their
permission again (add for imports, view for exports, as the admin does), writes progress to
the job row while it works and the result when it is done. An import is all-or-nothing
(``resources.BulkImport``): a failed job has written nothing."""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_permission_codename
from django.db import transaction
from django.http import HttpRequest, QueryDict
from django.urls import reverse
from django.utils import timezone

from . import pagecache
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
    if result.get("imported"):
        # bulk_create/bulk_update send no model signal: public pages change version here.
        pagecache.changed()
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


# An export's file is kept in its job's row (ImportJob.output) up to this size, so that the
# web server and the worker need not share a disk; a larger one (a million partnerships make
# 100+ MB of CSV: too much for one value to write, read and hold in memory) is kept in a
# file of its own in JOB_FILES_DIR, which they must then share, for EXPORT_FILE_MAX_AGE.
OUTPUT_IN_DATABASE_MAX = 8 * 1024 * 1024
EXPORT_FILE_MAX_AGE = 7 * 24 * 3600  # seconds
EXPORT_CHUNK = 2000
PROGRESS_EVERY = 10_000
JOB_FILE = re.compile(r"^[0-9a-f-]{36}\.(csv|xlsx)$")


def job_files_dir() -> Path:
    return Path(settings.JOB_FILES_DIR)


def job_file(name: str) -> Path | None:
    """The path of an export's kept file, None if it is gone (or its name is not one)."""
    if not JOB_FILE.match(name):
        return None
    path = job_files_dir() / name
    return path if path.is_file() else None


def export_request(job: ImportJob, model_admin) -> HttpRequest:
    """The changelist's request, as the job's user: its filters, search and order."""
    request = HttpRequest()
    request.method = "GET"
    request.path = request.path_info = reverse(
        f"admin:{model_admin.opts.app_label}_{model_admin.opts.model_name}_changelist"
    )
    request.GET = QueryDict(job.options.get("query") or "")
    request.user = job.user
    return request


def export_queryset(job: ImportJob, model_admin, resource):
    """The rows the changelist showed when the export was asked for (ModelAdmin's
    get_export_queryset, as django-import-export's synchronous export selects them), or
    those of them selected, loaded as the resource loads its own."""
    queryset = model_admin.get_export_queryset(export_request(job, model_admin))
    items = job.options.get("items")
    if items:
        queryset = queryset.filter(pk__in=items)
    like = resource.get_export_queryset()
    if isinstance(like.query.select_related, dict):
        queryset = queryset.select_related(*related_paths(like.query.select_related))
    return resource.filter_export(queryset.prefetch_related(*like._prefetch_related_lookups))


def related_paths(tree: dict, prefix: str = "") -> list[str]:
    paths = []
    for name, subtree in tree.items():
        paths.append(prefix + name)
        paths += related_paths(subtree, f"{prefix}{name}__")
    return paths


def exported_rows(resource, queryset, fields, progress, total):
    """The file's rows as they are read: a chunk of rows (with what they prefetch) at a
    time, from one server-side cursor. Not in a transaction, so that the progress written
    meanwhile shows on the job's page: on PostgreSQL the cursor is then declared WITH HOLD
    and the database computes the whole result before the first row (its memory, not
    ours; about 20 s at a million partnerships, where a job takes minutes)."""
    for n, obj in enumerate(queryset.iterator(chunk_size=EXPORT_CHUNK), start=1):
        yield resource.export_resource(obj, selected_fields=fields)
        if n % PROGRESS_EVERY == 0:
            progress("Writing the file", n, total)


def run_export(job: ImportJob) -> None:
    model_admin = model_admin_for(job)
    progress = progress_writer(job.pk)
    resource = model_admin.resource_classes[job.resource_index]()
    queryset = export_queryset(job, model_admin, resource)
    total = queryset.count()
    progress("Writing the file", 0, total)
    fields = job.options.get("fields")
    file_format = model_admin.get_export_formats()[job.format_index]()
    headers = resource.get_export_headers(selected_fields=fields)
    with tempfile.TemporaryFile() as file:
        file_format.write_rows(
            file, headers, exported_rows(resource, queryset, fields, progress, total)
        )
        values = store_output(job, file, file_format.get_extension())
    finish(
        job,
        JobState.DONE,
        result={"total_rows": total, "file_name": job.file_name, **values.pop("result", {})},
        message=f"{total} rows exported.",
        done_rows=total,
        total_rows=total,
        **values,
    )


def store_output(job: ImportJob, file, extension: str) -> dict:
    """Where the finished file goes: into the job's row (``output``), or, when it is larger
    than OUTPUT_IN_DATABASE_MAX, into JOB_FILES_DIR (the name in ``result["file"]``)."""
    size = file.seek(0, os.SEEK_END)
    file.seek(0)
    if size <= OUTPUT_IN_DATABASE_MAX:
        return {"output": file.read()}
    folder = job_files_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    purge_job_files(folder)
    name = f"{job.pk}.{extension}"
    partial = folder / f".{name}.partial"
    with partial.open("wb") as kept:
        shutil.copyfileobj(file, kept, 1024 * 1024)
    partial.replace(folder / name)  # whole or not at all
    return {"output": b"", "result": {"file": name, "size": size}}


def purge_job_files(folder: Path) -> None:
    old = time.time() - EXPORT_FILE_MAX_AGE
    for entry in folder.iterdir():
        try:
            if entry.stat().st_mtime < old:
                entry.unlink()
        except OSError:
            pass  # removed meanwhile by another worker


# --------------------------------------------------------------------------- whole lists


@task()
def count_lists(version: str) -> str:
    """Count each public list with facets (urls.FACETED_LISTS) as a first visitor would see
    it, with no filter, and keep the numbers for its visitors while the data version is
    ``version`` (facets.count_ahead): queued by pagecache.changed after each write. Stops once
    the data has changed again, since the write that changed it queued a count of its own."""
    from .facets import count_ahead
    from .urls import FACETED_LISTS

    for _prefix, name, list_view in FACETED_LISTS:
        if pagecache.data_version() != version:
            return "data changed"
        count_ahead(*list_view.unfiltered(reverse(f"{name}-list")), version)
    return "counted"


# --------------------------------------------------------------------------- place names


def enqueue_place_refresh(region_id: int) -> None:
    """Queue refresh_place_search for the region once the current transaction commits."""
    transaction.on_commit(lambda: refresh_place_search.enqueue(region_id))


@task()
def refresh_place_search(region_id: int) -> int:
    """Refresh the search text of the records under a region after it was renamed, moved,
    published or unpublished (placesearch.refresh_under, in batches). Returns how many rows
    changed."""
    from .models import Region
    from .placesearch import refresh_under

    region = Region.objects.filter(pk=region_id).first()
    if region is None:
        return 0
    return refresh_under(region)
