"""Staff workflow: editing with citations, review before publishing, history and undo,
refusal of lost updates, spreadsheet import and export."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.contenttypes.admin import GenericTabularInline
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Alliance,
    AllianceEvent,
    AllianceMembership,
    Citation,
    Conference,
    ConferenceSeries,
    Organization,
    OrganizationName,
    Person,
    Publication,
    Region,
    ReportedFigure,
    SisterSchoolPartnership,
    Source,
    Speech,
    StaleRecordError,
)
from .resources import OrganizationResource, PartnershipResource

admin.site.site_header = _("Partnerships administration")
admin.site.site_title = _("Partnerships admin")
admin.site.index_title = _("Records and sources")

HIDDEN_FIELDS = {"search_text", "updated_at"}


def describe_value(model, field_name, value) -> str:
    field = model._meta.get_field(field_name)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field.is_relation and value is not None:
        related = field.related_model._default_manager.filter(pk=value).first()
        return str(related) if related else str(value)
    text = "" if value is None else str(value)
    return text if len(text) <= 80 else text[:80] + "…"


def changes_since(instance, seen_version, submitted: dict) -> list[str]:
    """What changed in the stored record since version ``seen_version``, field by field.

    With the history of that version: old → new for every changed field. Without it (records
    loaded from fixtures have no history before their first edit): the stored value of every
    field where it differs from what the editor submitted."""
    model = type(instance)
    current = model._default_manager.filter(pk=instance.pk).first()
    if current is None:
        return [gettext("The record has been deleted.")]
    history = model.history.filter(id=instance.pk)
    seen = history.filter(version=seen_version).order_by("-history_date").first()
    latest = history.order_by("-history_date").first()
    lines = []
    if latest is not None and latest.history_user is not None:
        lines.append(
            gettext("Last saved by %(user)s at %(when)s.")
            % {"user": latest.history_user, "when": latest.history_date.strftime("%Y-%m-%d %H:%M")}
        )
    for field in model._meta.concrete_fields:
        if field.name in HIDDEN_FIELDS or field.name in ("version", "id", "created_at"):
            continue
        new = getattr(current, field.attname)
        if seen is not None:
            old = getattr(seen, field.attname)
        elif field.name in submitted:
            old = submitted[field.name]
            old = getattr(old, "pk", old)
        else:
            continue
        if old != new and not (old in (None, "") and new in (None, "")):
            lines.append(
                gettext("%(field)s: “%(old)s” → “%(new)s”")
                % {
                    "field": field.verbose_name,
                    "old": describe_value(model, field.name, old),
                    "new": describe_value(model, field.name, new),
                }
            )
    return lines


class VersionedForm(forms.ModelForm):
    """Carries the version the editor saw; a save over a newer version is refused with a
    message saying what changed meanwhile. The model's save() checks again, atomically."""

    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            # The stored version, also when the form shows an older version to restore.
            self.initial["seen_version"] = (
                type(self.instance)
                ._default_manager.filter(pk=self.instance.pk)
                .values_list("version", flat=True)
                .first()
            )

    def clean(self):
        data = super().clean()
        if not self.instance.pk or self.instance._state.adding:
            return data
        seen = data.get("seen_version")
        stored = (
            type(self.instance)
            ._default_manager.filter(pk=self.instance.pk)
            .values_list("version", flat=True)
            .first()
        )
        if seen is None or seen != stored:
            lines = changes_since(self.instance, seen, data)
            raise ValidationError(
                gettext(
                    "Someone else saved this record after you opened it, so your changes were "
                    "not saved (nothing of theirs was overwritten). Changes since you opened it: "
                    "%(changes)s Reload the page to edit the current version."
                )
                % {"changes": " ".join(f"{line};" for line in lines) or gettext("none visible.")},
                code="stale",
            )
        self.instance.version = seen
        return data


class CitationInline(GenericTabularInline):
    model = Citation
    extra = 0
    autocomplete_fields = ["source"]
    fields = ["source", "paragraph", "note"]
    verbose_name = _("citation")
    verbose_name_plural = _("citations (which source and paragraph support this record)")


def can_publish(request, model) -> bool:
    opts = model._meta
    return request.user.has_perm(f"{opts.app_label}.publish_{opts.model_name}")


class RecordAdmin(ImportExportMixin, SimpleHistoryAdmin):
    """Shared behaviour of every public record's admin."""

    form = VersionedForm
    inlines = [CitationInline]
    list_per_page = 50
    actions = ["publish", "unpublish"]
    history_list_display = ["publication", "version"]
    resource_classes: list = []
    import_export_change_list_template = "admin/partnerships/record_change_list.html"

    @admin.display(description=_("citations"))
    def citation_count(self, obj):
        return len(obj.citations.all())

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("citations")

    def get_readonly_fields(self, request, obj=None):
        readonly = ["created_at", "updated_at", *super().get_readonly_fields(request, obj)]
        if not can_publish(request, self.model):
            readonly.append("publication")
        return readonly

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not can_publish(request, self.model):
            actions.pop("publish", None)
            actions.pop("unpublish", None)
        return actions

    def has_import_permission(self, request):
        return bool(self.resource_classes) and super().has_import_permission(request)

    def has_export_permission(self, request):
        return bool(self.resource_classes) and super().has_export_permission(request)

    def save_model(self, request, obj, form, change):
        if not change and not can_publish(request, self.model):
            obj.publication = Publication.DRAFT
        super().save_model(request, obj, form, change)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except StaleRecordError as exc:
            # Lost the race between the form's check and the save: nothing was written.
            self.message_user(request, str(exc), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def _set_publication(self, request, queryset, state):
        if not can_publish(request, self.model):
            raise PermissionDenied
        changed = 0
        with transaction.atomic():
            for obj in (
                queryset.select_related(None).prefetch_related(None).select_for_update(of=("self",))
            ):
                if obj.publication != state:
                    obj.publication = state
                    obj._change_reason = f"{state} by admin action"
                    obj.save(update_fields=["publication", "updated_at"])
                    changed += 1
        self.message_user(
            request,
            gettext("%(n)d record(s) now %(state)s.")
            % {"n": changed, "state": Publication(state).label.lower()},
            messages.SUCCESS,
        )

    @admin.action(description=_("Publish the selected records"))
    def publish(self, request, queryset):
        self._set_publication(request, queryset, Publication.PUBLISHED)

    @admin.action(description=_("Unpublish the selected records (back to draft)"))
    def unpublish(self, request, queryset):
        self._set_publication(request, queryset, Publication.DRAFT)

    # ------------------------------------------------------------- deleted records
    def get_urls(self):
        opts = self.model._meta
        name = f"{opts.app_label}_{opts.model_name}"
        return [
            path(
                "deleted/",
                self.admin_site.admin_view(self.deleted_view),
                name=f"{name}_deleted",
            ),
            path(
                "deleted/<int:history_id>/restore/",
                self.admin_site.admin_view(self.restore_view),
                name=f"{name}_restore",
            ),
            *super().get_urls(),
        ]

    def deleted_records(self):
        existing = self.model._default_manager.values("pk")
        return (
            self.model.history.filter(history_type="-")
            .exclude(id__in=existing)
            .select_related("history_user")
            .order_by("-history_date")
        )

    def deleted_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Deleted %(name)s") % {"name": self.model._meta.verbose_name_plural},
            "opts": self.model._meta,
            "records": self.deleted_records()[:200],
        }
        return TemplateResponse(request, "admin/partnerships/deleted_records.html", context)

    def restore_view(self, request, history_id):
        if not self.has_add_permission(request):
            raise PermissionDenied
        opts = self.model._meta
        back = reverse(f"admin:{opts.app_label}_{opts.model_name}_deleted")
        if request.method != "POST":
            return HttpResponseRedirect(back)
        historical = self.deleted_records().filter(history_id=history_id).first()
        if historical is None:
            self.message_user(request, gettext("Nothing to restore."), messages.WARNING)
            return HttpResponseRedirect(back)
        obj = historical.instance
        obj.publication = Publication.DRAFT
        obj.version = 1
        try:
            with transaction.atomic():
                obj._change_reason = "restored after deletion"
                obj.save(force_insert=True)
        except Exception as exc:  # e.g. a slug now used by another record
            self.message_user(
                request, gettext("Could not restore: %(error)s") % {"error": exc}, messages.ERROR
            )
            return HttpResponseRedirect(back)
        self.message_user(
            request,
            format_html(
                gettext("Restored “{}” as a draft."),
                obj,
            ),
            messages.SUCCESS,
        )
        return HttpResponseRedirect(
            reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        )


@admin.register(Region)
class RegionAdmin(RecordAdmin):
    list_display = ["name", "kind", "iso_code", "parent", "publication", "citation_count"]
    list_filter = ["publication", "kind"]
    search_fields = ["name", "slug", "iso_code"]
    autocomplete_fields = ["parent"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["parent"]


class OrganizationNameInline(admin.TabularInline):
    model = OrganizationName
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(RecordAdmin):
    list_display = ["name", "kind", "region", "publication", "citation_count"]
    list_filter = ["publication", "kind", ("country", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "slug", "other_names__name", "description"]
    autocomplete_fields = ["region", "parent"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["region"]
    inlines = [OrganizationNameInline, CitationInline]
    resource_classes = [OrganizationResource]


@admin.register(Person)
class PersonAdmin(RecordAdmin):
    list_display = ["name", "position", "organization", "publication"]
    list_filter = ["publication"]
    search_fields = ["name", "position", "organization__name"]
    autocomplete_fields = ["organization"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["organization"]


@admin.register(ConferenceSeries)
class ConferenceSeriesAdmin(RecordAdmin):
    list_display = ["name", "first_held_year", "publication"]
    list_filter = ["publication"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}


class SpeechInline(admin.StackedInline):
    model = Speech
    extra = 0
    autocomplete_fields = ["person"]


@admin.register(Conference)
class ConferenceAdmin(RecordAdmin):
    list_display = ["name", "series", "edition", "held_on", "host_region", "publication"]
    list_filter = ["publication", "series", "held_precision"]
    search_fields = ["name", "summary", "series__name"]
    autocomplete_fields = ["series", "host_region", "venue", "organizers", "participating_regions"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["series", "host_region"]
    date_hierarchy = "held_on"
    inlines = [SpeechInline, CitationInline]


class AllianceMembershipInline(admin.TabularInline):
    model = AllianceMembership
    extra = 0
    autocomplete_fields = ["organization"]


class AllianceEventInline(admin.StackedInline):
    model = AllianceEvent
    extra = 0
    autocomplete_fields = ["conference"]


@admin.register(Alliance)
class AllianceAdmin(RecordAdmin):
    list_display = ["name", "focus", "founded_on", "founding_conference", "publication"]
    list_filter = ["publication", "focus"]
    search_fields = ["name", "other_names", "summary"]
    autocomplete_fields = ["countries", "founding_conference"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["founding_conference"]
    inlines = [AllianceMembershipInline, AllianceEventInline, CitationInline]


@admin.register(SisterSchoolPartnership)
class SisterSchoolPartnershipAdmin(RecordAdmin):
    list_display = ["__str__", "level", "status", "established_on", "conference", "publication"]
    list_filter = ["publication", "level", "status"]
    search_fields = ["party_a__name", "party_b__name", "summary", "slug"]
    autocomplete_fields = ["party_a", "party_b", "conference", "series"]
    list_select_related = ["party_a", "party_b", "conference"]
    resource_classes = [PartnershipResource]


@admin.register(Source)
class SourceAdmin(RecordAdmin):
    list_display = ["title", "outlet", "published_on", "language", "publication"]
    list_filter = ["publication", "language", "outlet"]
    search_fields = ["title", "outlet", "original_outlet", "summary"]
    inlines = []


@admin.register(ReportedFigure)
class ReportedFigureAdmin(RecordAdmin):
    list_display = ["__str__", "subject", "qualifier", "as_of", "publication"]
    list_filter = ["publication", "metric", "qualifier", "subject_type"]
    search_fields = ["description"]


class SubordinateAdmin(SimpleHistoryAdmin):
    """Rows that belong to a record (citations, speeches, memberships, events)."""


@admin.register(Citation)
class CitationAdmin(SubordinateAdmin):
    list_display = ["record", "source", "paragraph", "note"]
    list_filter = ["source", "content_type"]
    search_fields = ["note", "source__title"]
    autocomplete_fields = ["source"]
    list_select_related = ["source", "content_type"]


@admin.register(Speech)
class SpeechAdmin(SubordinateAdmin):
    list_display = ["person", "conference", "mode"]
    list_filter = ["mode", "conference"]
    search_fields = ["person__name", "conference__name", "summary"]
    autocomplete_fields = ["person", "conference"]
    inlines = [CitationInline]


@admin.register(AllianceMembership)
class AllianceMembershipAdmin(SubordinateAdmin):
    list_display = ["organization", "alliance", "role"]
    list_filter = ["role", "alliance"]
    search_fields = ["organization__name", "alliance__name"]
    autocomplete_fields = ["organization", "alliance"]
    inlines = [CitationInline]


@admin.register(AllianceEvent)
class AllianceEventAdmin(SubordinateAdmin):
    list_display = ["alliance", "kind", "occurred_on", "occurred_precision"]
    list_filter = ["kind"]
    search_fields = ["alliance__name", "description"]
    autocomplete_fields = ["alliance", "conference"]
    inlines = [CitationInline]
