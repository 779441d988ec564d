"""Spreadsheet work done in the background (partnerships/tasks.py): an import's preview, its
confirmation and an admin export. A job is a row in the database, so it outlives the web
process that created it; the worker (``manage.py db_worker``) picks it up and writes its
progress and its result here, and the admin's job page reads them until the job is done.

The upload (and an export's file) is kept in the row itself, so the web server and the worker
need not share a disk."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class JobKind(models.TextChoices):
    PREVIEW = "preview", _("Import preview")
    IMPORT = "import", _("Import")
    EXPORT = "export", _("Export")


class JobState(models.TextChoices):
    QUEUED = "queued", _("Waiting for the worker")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ImportJob(models.Model):
    """An import preview, an import or an export of one model's spreadsheet, run by the worker
    as the user who asked for it (whose permission it checks again when it runs)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=JobKind)
    model = models.CharField(_("model"), max_length=100, help_text=_("app_label.model_name"))
    state = models.CharField(
        _("state"), max_length=10, choices=JobState, default=JobState.QUEUED, db_index=True
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    format_index = models.PositiveSmallIntegerField(_("format"), default=0)
    resource_index = models.PositiveSmallIntegerField(_("resource"), default=0)
    data = models.BinaryField(_("uploaded file"), blank=True, default=b"")
    output = models.BinaryField(_("exported file"), blank=True, default=b"")
    options = models.JSONField(_("options"), default=dict, blank=True)
    preview = models.ForeignKey(
        "self",
        verbose_name=_("confirms the preview"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="confirmations",
    )
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    task_id = models.CharField(_("task"), max_length=64, blank=True)
    phase = models.CharField(_("doing"), max_length=100, blank=True)
    done_rows = models.PositiveIntegerField(_("rows done"), default=0)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    result = models.JSONField(_("result"), default=dict, blank=True)
    message = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("spreadsheet job")
        verbose_name_plural = _("spreadsheet jobs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.model} {self.id}"

    @property
    def finished(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED)

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 0
        return min(100, round(100 * self.done_rows / self.total_rows))

    def model_class(self):
        from django.apps import apps

        return apps.get_model(self.model)
