"""Reports of a mistake sent by readers from the public site (partnerships/about.py), kept
for staff in the admin (partnerships/feedback_admin.py).

A report holds what the reader wrote, the page it is about (a path on this site, checked by
the form) and an email address if they gave one; not their IP address."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

MESSAGE_MAX_LENGTH = 5000
PAGE_MAX_LENGTH = 2000


class ReportStatus(models.TextChoices):
    NEW = "new", _("New")
    HANDLED = "handled", _("Handled")


class MistakeReport(models.Model):
    page = models.CharField(
        _("page"),
        max_length=PAGE_MAX_LENGTH,
        help_text=_("The page of this site the report is about (its path and query)."),
    )
    message = models.TextField(_("what is wrong"), max_length=MESSAGE_MAX_LENGTH)
    email = models.EmailField(_("reader's email"), blank=True)
    created_at = models.DateTimeField(_("received"), auto_now_add=True, db_index=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ReportStatus,
        default=ReportStatus.NEW,
        db_index=True,
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mistake_reports_handled",
    )
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("report of a mistake")
        verbose_name_plural = _("reports of mistakes")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return _("Report #%(id)s about %(page)s") % {"id": self.pk, "page": self.page}
