"""Readers' reports of mistakes in the admin: a list to work through (filters by status and
date), each report read-only but for its status. Only staff with the model's permissions see
them (view: read; change: mark handled). Reports come from the public form only: nobody adds
one here. Imported by PartnershipsConfig.ready().

What a reader wrote is shown as text: Django's admin escapes it (no mark_safe here), and the
page is a path on this site (checked by the form), so its link cannot point elsewhere."""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .feedback import MistakeReport, ReportStatus


@admin.register(MistakeReport)
class MistakeReportAdmin(admin.ModelAdmin):
    list_display = ("created_at", "message_start", "page_link", "email", "status", "handled_by")
    list_display_links = ("created_at", "message_start")
    list_filter = ("status", "created_at", ("handled_by", admin.RelatedOnlyFieldListFilter))
    search_fields = ("message", "page", "email")
    date_hierarchy = "created_at"
    list_select_related = ("handled_by",)
    fields = ("created_at", "page_link", "message", "email", "status", "handled_by", "handled_at")
    readonly_fields = ("created_at", "page_link", "message", "email", "handled_by", "handled_at")
    actions = ("mark_handled", "mark_new")

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("what is wrong"))
    def message_start(self, report):
        return Truncator(report.message).chars(120)

    @admin.display(description=_("page"), ordering="page")
    def page_link(self, report):
        if not report.page.startswith("/") or report.page.startswith("//"):
            return report.page
        return format_html('<a href="{}">{}</a>', report.page, report.page)

    def save_model(self, request, obj, form, change):
        if "status" in form.changed_data:
            self._set_status(obj, obj.status, request.user)
        super().save_model(request, obj, form, change)

    @staticmethod
    def _set_status(report, status, user):
        report.status = status
        if status == ReportStatus.HANDLED:
            report.handled_by, report.handled_at = user, timezone.now()
        else:
            report.handled_by, report.handled_at = None, None

    def _mark(self, request, queryset, status):
        changed = 0
        for report in queryset.exclude(status=status):
            self._set_status(report, status, request.user)
            report.save(update_fields=["status", "handled_by", "handled_at"])
            changed += 1
        return changed

    @admin.action(description=_("Mark the selected reports as handled"), permissions=["change"])
    def mark_handled(self, request, queryset):
        n = self._mark(request, queryset, ReportStatus.HANDLED)
        self.message_user(
            request,
            ngettext("%(n)d report marked as handled.", "%(n)d reports marked as handled.", n)
            % {"n": n},
            messages.SUCCESS,
        )

    @admin.action(description=_("Mark the selected reports as new again"), permissions=["change"])
    def mark_new(self, request, queryset):
        n = self._mark(request, queryset, ReportStatus.NEW)
        self.message_user(
            request,
            ngettext("%(n)d report marked as new.", "%(n)d reports marked as new.", n) % {"n": n},
            messages.SUCCESS,
        )
