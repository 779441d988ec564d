"""Staff workflow: editing with citations, review before publishing, history and undo,
refusal of lost updates, spreadsheet import and export."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.admin import GenericTabularInline
from django.contrib.contenttypes.forms import BaseGenericInlineFormSet
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import models, transaction
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

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
    Revision,
    RevisionStatus,
    SisterSchoolPartnership,
    Source,
    Speech,
    StaleRecordError,
)
from .record_resources import RESOURCES_BY_MODEL
from .resources import OrganizationResource, PartnershipResource, SpreadsheetAdminMixin
from .revisions import (
    RevisionConflict,
    approve,
    diff,
    name_of,
    needs_review,
    parent_of,
    pending_for,
    propose,
    reject,
    rows_of,
    snapshot,
    tracked_fields,
)

admin.site.site_header = _("Partnerships administration")
admin.site.site_title = _("Partnerships admin")
admin.site.index_title = _("Records and sources")

# A row deleted with its record (cascade) is restored with it when its deletion was recorded
# this close to the record's.
RESTORED_WITH_RECORD = datetime.timedelta(seconds=10)


def safe_str(obj) -> str:
    """str(obj), also for a version whose related record has since been deleted."""
    try:
        return str(obj)
    except ObjectDoesNotExist:
        return gettext("%(kind)s #%(id)s (a related record has been deleted)") % {
            "kind": capfirst(obj._meta.verbose_name),
            "id": obj.pk,
        }


def describe_related(field, value) -> str:
    """The related record's name; for one deleted since, its last recorded name, marked."""
    if value is None:
        return ""
    related_model = field.related_model
    related = related_model._default_manager.filter(pk=value).first()
    if related is not None:
        return safe_str(related)
    history = getattr(related_model, "history", None)
    last = history.filter(id=value).order_by("-history_date").first() if history else None
    if last is not None:
        return gettext("“%(name)s” (deleted)") % {"name": safe_str(last.instance)}
    return gettext("#%(id)s (deleted)") % {"id": value}


def describe_value(model, field_name, value, limit: int | None = 80) -> str:
    field = model._meta.get_field(field_name)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field.is_relation:
        return describe_related(field, getattr(value, "pk", value))
    text = "" if value is None else str(value)
    return text if limit is None or len(text) <= limit else text[:limit] + "…"


def missing_relations(model, instance) -> list[str]:
    """The related records that ``instance`` (e.g. an old version) points to and that have
    been deleted since, each named as "field: record"."""
    lines = []
    for field in model._meta.concrete_fields:
        if not (field.many_to_one or field.one_to_one) or field.related_model is ContentType:
            continue
        value = getattr(instance, field.attname)
        if value is not None and not field.related_model._base_manager.filter(pk=value).exists():
            lines.append(f"{capfirst(field.verbose_name)}: {describe_related(field, value)}")
    return lines


def row_changes_since(model, pk, since) -> list[str]:
    """The rows of a record (citations, other names, ...) added, changed or deleted since."""
    verbs = {"+": gettext("added"), "~": gettext("changed"), "-": gettext("deleted")}
    lines = []
    for row_model, where in rows_of(model, pk):
        for entry in row_model.history.filter(**where, history_date__gt=since).order_by(
            "history_date"
        ):
            lines.append(
                f"{capfirst(row_model._meta.verbose_name)} “{safe_str(entry.instance)}” "
                f"{verbs.get(entry.history_type, '')}"
            )
    return lines


def changes_since(instance, seen_version, submitted: dict) -> list[str]:
    """What changed in the stored record since version ``seen_version``, field by field.

    With the history of that version: old → new for every changed field, and the record's
    rows (citations, other names, ...) changed since. Without it (records loaded from fixtures
    have no history before their first edit): the stored value of every field where it
    differs from what the editor submitted."""
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
    for field in tracked_fields(model):
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
    if seen is not None:
        lines.extend(row_changes_since(model, instance.pk, seen.history_date))
    return lines


def stale_message(instance, seen_version, submitted: dict, row: bool = False) -> str:
    lines = [line.rstrip(".") for line in changes_since(instance, seen_version, submitted)]
    what = (
        f"{instance._meta.verbose_name} “{safe_str(instance)}”" if row else gettext("this record")
    )
    return gettext(
        "Someone else saved %(what)s after you opened it, so your changes were not saved "
        "(nothing of theirs was overwritten; what you typed is still in the form). Changes "
        "since you opened it: %(changes)s. Copy what you need, then reload the page to edit "
        "the current version."
    ) % {"what": what, "changes": "; ".join(lines) or gettext("none visible")}


class SeenVersionField(forms.IntegerField):
    """The version the editor's form was made from (hidden). It never counts as a change of
    the form: an untouched row stays untouched whatever its version is now."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, min_value=0, max_value=2**31 - 1, **kwargs)

    def has_changed(self, initial, data):
        return False


def stored_version(model, pk):
    return model._base_manager.filter(pk=pk).values_list("version", flat=True).first()


class VersionedForm(forms.ModelForm):
    """Carries the version the editor saw; a save over a newer version is refused with a
    message saying what changed meanwhile. The model's save() checks again, atomically."""

    seen_version = SeenVersionField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            # The stored version, also when the form shows an older version to restore.
            self.initial["seen_version"] = stored_version(type(self.instance), self.instance.pk)

    def clean(self):
        data = super().clean()
        if not self.instance.pk or self.instance._state.adding:
            return data
        seen = data.get("seen_version")
        if seen is None or seen != stored_version(type(self.instance), self.instance.pk):
            raise ValidationError(stale_message(self.instance, seen, data), code="stale")
        self.instance.version = seen
        return data


class VersionedInlineForm(forms.ModelForm):
    """An inline row that carries the version the editor saw (see VersionedInlineFormSetMixin)."""

    seen_version = SeenVersionField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.untouched = False
        if self.instance.pk and not self.is_bound:
            self.initial["seen_version"] = self.instance.version

    def has_changed(self):
        # A row that differs from the stored one only because someone else saved it since
        # is not this editor's change: it is left as they saved it.
        return not self.untouched and super().has_changed()


def edited_since_seen(form, seen_version) -> bool:
    """Whether the editor changed the row, judged against the version they saw (the stored
    row may have been changed by someone else since)."""
    row = form.instance
    seen = row.history.filter(version=seen_version).order_by("-history_date").first()
    if seen is None or not hasattr(form, "cleaned_data"):
        return True
    for name in form.changed_data:
        field = row._meta.get_field(name)
        value = form.cleaned_data.get(name)
        if getattr(value, "pk", value) != getattr(seen, field.attname):
            return True
    return False


class VersionedInlineFormSetMixin:
    """Inline rows (citations, other names, speeches, memberships, events) take part in the
    same optimistic locking: a row this editor changed or deleted that someone else saved
    since the form was opened (in another form, or on the row's own page) refuses the whole
    save with a message. A row this editor left as it was is not saved, whatever its version."""

    def clean(self):
        super().clean()
        problems = []
        for form in self.initial_forms:
            row = form.instance
            if row.pk is None:
                continue
            deleting = self.can_delete and self._should_delete_form(form)
            if not (deleting or form.has_changed()):
                continue
            try:
                seen = int(form.data.get(form.add_prefix("seen_version")) or "")
            except ValueError:
                seen = None
            if seen is not None and seen == stored_version(type(row), row.pk):
                row.version = seen
            elif not deleting and seen is not None and not edited_since_seen(form, seen):
                form.untouched = True
            else:
                problems.append(stale_message(row, seen, {}, row=True))
        if problems:
            raise ValidationError(problems, code="stale")


class VersionedInlineFormSet(VersionedInlineFormSetMixin, BaseInlineFormSet):
    pass


class VersionedGenericInlineFormSet(VersionedInlineFormSetMixin, BaseGenericInlineFormSet):
    pass


class CitationInline(GenericTabularInline):
    model = Citation
    form = VersionedInlineForm
    formset = VersionedGenericInlineFormSet
    extra = 0
    autocomplete_fields = ["source"]
    fields = ["source", "paragraph", "note", "seen_version"]
    verbose_name = _("citation")
    verbose_name_plural = _("citations (which source and paragraph support this record)")


def can_publish(request, model) -> bool:
    opts = model._meta
    return request.user.has_perm(f"{opts.app_label}.publish_{opts.model_name}")


class DescribedChanges(HistoricalRecordContextHelper):
    """History's "Changes" column: a related record by name, "(deleted)" when it is gone."""

    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if field.many_to_one or field.one_to_one:
            return describe_related(field, value)
        return super().prepare_delta_change_value(change, value)


class StaffHistoryAdmin(SimpleHistoryAdmin):
    """History, revert and optimistic locking, shared by records and the rows inside them.

    Reading history needs the view permission; reverting to an old version is a change and
    needs the change permission (django-simple-history checks only view-history, even on
    POST). An old version whose related records have since been deleted can be read, and
    reverting to it says what cannot come back."""

    form = VersionedForm
    object_history_list_template = "admin/partnerships/object_history_list.html"

    def get_history_queryset(self, request, history_manager, pk_name, object_id):
        # No select_related of related records: one deleted since must not break the page.
        return history_manager.filter(**{pk_name: object_id}).select_related("history_user")

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        for record in historical_records:
            record.label = safe_str(record.instance)
        super().set_history_delta_changes(request, historical_records, foreign_keys_are_objs=False)

    def get_historical_record_context_helper(self, request, historical_record):
        return DescribedChanges(self.model, historical_record)

    def revert_disabled(self, request, obj=None):
        return not self.has_change_permission(request, obj) or super().revert_disabled(request, obj)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        object_id = unquote(object_id)
        try:
            historical = self.model.history.filter(
                **{self.model._meta.pk.attname: int(object_id), "history_id": int(version_id)}
            ).first()
        except ValueError:
            historical = None
        if historical is None:
            raise Http404(gettext("No such version."))
        current = self.get_object(request, object_id)
        if request.method == "POST":
            if current is None:
                self.message_user(
                    request,
                    gettext(
                        "This record has been deleted since; restore it from the list's "
                        "deleted records instead."
                    ),
                    messages.ERROR,
                )
                return HttpResponseRedirect(request.get_full_path())
            if not self.has_change_permission(request, current):
                raise PermissionDenied
        missing = missing_relations(self.model, historical)
        try:
            response = super().history_form_view(request, object_id, version_id, extra_context)
        except StaleRecordError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
        if missing and (request.method != "POST" or response.status_code == 302):
            lines = "; ".join(missing)
            self.message_user(
                request,
                gettext(
                    "Not restored: %(lines)s. Those records have been deleted since this "
                    "version; the fields are left empty (or as you chose)."
                )
                % {"lines": lines}
                if request.method == "POST"
                else gettext(
                    "This version refers to records deleted since: %(lines)s. Reverting "
                    "cannot bring them back; those fields will be empty unless you choose "
                    "another record."
                )
                % {"lines": lines},
                messages.WARNING,
            )
        return response

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except StaleRecordError as exc:
            # Lost the race between the form's check and the save: nothing was written.
            self.message_user(request, str(exc), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        # A save that changes only inline rows leaves the record (and its version) alone, so
        # that it does not make every other open form of the record stale: the rows have
        # versions of their own.
        if change and not differs_from_stored(obj):
            return
        super().save_model(request, obj, form, change)


def differs_from_stored(obj) -> bool:
    model = type(obj)
    names = [f.attname for f in tracked_fields(model)]
    stored = model._base_manager.filter(pk=obj.pk).values(*names).first()
    return stored is None or any(stored[name] != getattr(obj, name) for name in names)


class RecordAdmin(SpreadsheetAdminMixin, StaffHistoryAdmin):
    """Shared behaviour of every public record's admin."""

    inlines = [CitationInline]
    list_per_page = 50
    actions = ["publish", "unpublish", "request_deletion"]
    history_list_display = ["publication", "version"]
    resource_classes: list = []
    import_export_change_list_template = "admin/partnerships/record_change_list.html"
    change_form_template = "admin/partnerships/change_form.html"

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
        if self.has_delete_permission(request) or not self.has_change_permission(request):
            actions.pop("request_deletion", None)
        return actions

    def has_import_permission(self, request):
        return bool(self.resource_classes) and super().has_import_permission(request)

    def has_export_permission(self, request):
        return bool(self.resource_classes) and super().has_export_permission(request)

    def save_model(self, request, obj, form, change):
        # Whoever may not publish never changes the publication state, by any form: a new
        # record is a draft, and a change (also a revert to an old version) keeps the stored
        # state.
        if not can_publish(request, self.model):
            stored = (
                self.model._base_manager.filter(pk=obj.pk)
                .values_list("publication", flat=True)
                .first()
                if change
                else None
            )
            obj.publication = stored or Publication.DRAFT
        super().save_model(request, obj, form, change)

    # ------------------------------------------------------------- review before publishing
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and object_id:
            obj = self.get_object(request, unquote(object_id))
            if needs_review(request.user, obj) and self.has_change_permission(request, obj):
                return self.hold_for_review(
                    request,
                    obj,
                    lambda: super(RecordAdmin, self).changeform_view(
                        request, object_id, form_url, extra_context
                    ),
                )
        return super().changeform_view(request, object_id, form_url, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            obj = self.get_object(request, unquote(object_id))
            if needs_review(request.user, obj) and self.has_change_permission(request, obj):
                return self.hold_for_review(
                    request,
                    obj,
                    lambda: super(RecordAdmin, self).history_form_view(
                        request, object_id, version_id, extra_context
                    ),
                )
        return super().history_form_view(request, object_id, version_id, extra_context)

    def hold_for_review(self, request, obj, save):
        """Run the admin's own save (form, inline rows, optimistic locking) in a transaction,
        keep what it changed as a pending revision, and roll the save back: the published
        record stays as it is until a publisher approves."""
        before = snapshot(obj)
        after = None
        request._held_for_review = True
        try:
            with transaction.atomic():
                response = save()
                if response.status_code == 302:
                    after = snapshot(self.model._base_manager.get(pk=obj.pk))
                transaction.set_rollback(True)
        finally:
            request._held_for_review = False
        if after is None:  # the form had errors (or a conflict): nothing to keep
            return response
        changes = diff(before, after)
        if not changes:
            self.message_user(request, gettext("Nothing was changed."), messages.INFO)
            return response
        revision = propose(obj, changes, request.user, base_version=before["version"])
        self.message_user(
            request,
            format_html(
                gettext(
                    "Your change to “{}” waits for a publisher's review; the public site shows "
                    'the published version until then. <a href="{}">See the change</a> or '
                    '<a href="{}">preview it</a>.'
                ),
                safe_str(obj),
                reverse("admin:partnerships_revision_change", args=[revision.pk]),
                reverse("preview-revision", args=[revision.pk]),
            ),
            messages.SUCCESS,
        )
        return HttpResponseRedirect(
            reverse(f"admin:{self.model._meta.app_label}_{self.model._meta.model_name}_changelist")
        )

    def message_user(self, request, message, level=messages.INFO, *args, **kwargs):
        # While a change is held for review, the admin's "changed successfully" is not true.
        if getattr(request, "_held_for_review", False) and level in (
            messages.SUCCESS,
            messages.INFO,
        ):
            return
        super().message_user(request, message, level, *args, **kwargs)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        """The change form also shows the record's pending revisions, whether this user's save
        will wait for review, and a preview link."""
        if obj is not None and obj.pk:
            context.update(
                pending_revisions=list(pending_for(obj).select_related("author")),
                held_for_review=needs_review(request.user, obj),
                preview_url=reverse(
                    "preview-record",
                    args=[ContentType.objects.get_for_model(self.model).pk, obj.pk],
                ),
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.action(description=_("Ask a publisher to delete the selected records"))
    def request_deletion(self, request, queryset):
        made = 0
        if not can_publish(request, self.model):
            for obj in queryset.filter(publication=Publication.PUBLISHED):
                propose(obj, {}, request.user, base_version=obj.version, kind=Revision.Kind.DELETE)
                made += 1
        self.message_user(
            request,
            gettext(
                "%(n)d deletion(s) wait for a publisher's review (drafts you may not delete are "
                "left as they are)."
            )
            % {"n": made},
            messages.SUCCESS,
        )

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
        records = list(self.deleted_records()[:200])
        for record in records:
            record.label = safe_str(record.instance)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Deleted %(name)s") % {"name": self.model._meta.verbose_name_plural},
            "opts": self.model._meta,
            "records": records,
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
            self.message_user(
                request,
                gettext("Nothing to restore: it has been restored already or is not deleted."),
                messages.WARNING,
            )
            return HttpResponseRedirect(back)
        obj = historical.instance
        obj.publication = Publication.DRAFT
        obj.version = 1
        problems = restore_problems(obj)
        if problems:
            self.message_user(
                request,
                gettext("Could not restore “%(record)s”: %(problems)s")
                % {"record": safe_str(obj), "problems": " ".join(problems)},
                messages.ERROR,
            )
            return HttpResponseRedirect(back)
        with transaction.atomic():
            obj._change_reason = "restored after deletion"
            obj._history_user = request.user
            obj.save(force_insert=True)
            restored, left_out = restore_rows(obj, historical.history_date, request.user)
        text = gettext("Restored “%(record)s” as a draft.") % {"record": safe_str(obj)}
        if restored:
            text += " " + gettext("With it: %(rows)s.") % {"rows": "; ".join(restored)}
        level = messages.SUCCESS
        if left_out:
            text += " " + gettext("Not restored: %(rows)s.") % {"rows": "; ".join(left_out)}
            level = messages.WARNING
        self.message_user(request, text, level)
        return HttpResponseRedirect(
            reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        )


def restore_problems(obj) -> list[str]:
    """Why a deleted record (or row) cannot be put back as it was, in words staff understand:
    a related record deleted too, or a name/slug taken by another record since."""
    model = type(obj)
    problems = [
        gettext("%(line)s — restore that first.") % {"line": line}
        for line in missing_relations(model, obj)
    ]
    if problems:
        return problems
    try:
        obj.validate_unique()
        obj.validate_constraints()
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            label = (
                capfirst(model._meta.get_field(field).verbose_name) if field != "__all__" else ""
            )
            problems.extend(f"{label}: {e}" if label else e for e in errors)
    return problems


def restore_rows(obj, deleted_at, user) -> tuple[list[str], list[str]]:
    """Put back the rows deleted together with ``obj`` (other names, citations, speeches,
    memberships, events): those whose deletion was recorded within RESTORED_WITH_RECORD of
    the record's and that are still missing. Returns (restored, left out), each described."""
    restored, left_out = [], []
    for row_model, where in rows_of(type(obj), obj.pk):
        entries = row_model.history.filter(
            **where,
            history_type="-",
            history_date__gte=deleted_at - RESTORED_WITH_RECORD,
            history_date__lte=deleted_at + RESTORED_WITH_RECORD,
        ).order_by("id", "-history_date")
        seen = set()
        for entry in entries:
            if entry.id in seen:
                continue
            seen.add(entry.id)
            row = entry.instance
            label = f"{row_model._meta.verbose_name} “{safe_str(row)}”"
            if row_model._base_manager.filter(pk=row.pk).exists():
                continue
            row.version = 1
            problems = restore_problems(row)
            if problems:
                left_out.append(f"{label} ({' '.join(problems)})")
                continue
            row._change_reason = "restored with its record"
            row._history_user = user
            row.save(force_insert=True)
            restored.append(label)
    return restored, left_out


@admin.register(Region)
class RegionAdmin(RecordAdmin):
    list_display = ["name", "kind", "iso_code", "parent", "publication", "citation_count"]
    list_filter = ["publication", "kind"]
    search_fields = ["name", "slug", "iso_code"]
    autocomplete_fields = ["parent"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["parent"]
    resource_classes = [RESOURCES_BY_MODEL[Region]]


class OrganizationNameInline(admin.TabularInline):
    model = OrganizationName
    form = VersionedInlineForm
    formset = VersionedInlineFormSet
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
    resource_classes = [RESOURCES_BY_MODEL[Person]]


@admin.register(ConferenceSeries)
class ConferenceSeriesAdmin(RecordAdmin):
    list_display = ["name", "first_held_year", "publication"]
    list_filter = ["publication"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}


class SpeechInline(admin.StackedInline):
    model = Speech
    form = VersionedInlineForm
    formset = VersionedInlineFormSet
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
    resource_classes = [RESOURCES_BY_MODEL[Conference]]


class AllianceMembershipInline(admin.TabularInline):
    model = AllianceMembership
    form = VersionedInlineForm
    formset = VersionedInlineFormSet
    extra = 0
    autocomplete_fields = ["organization"]


class AllianceEventInline(admin.StackedInline):
    model = AllianceEvent
    form = VersionedInlineForm
    formset = VersionedInlineFormSet
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
    resource_classes = [RESOURCES_BY_MODEL[Alliance]]


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
    resource_classes = [RESOURCES_BY_MODEL[Source]]


@admin.register(ReportedFigure)
class ReportedFigureAdmin(RecordAdmin):
    list_display = ["__str__", "subject", "qualifier", "as_of", "publication"]
    list_filter = ["publication", "metric", "qualifier", "subject_type"]
    search_fields = ["description"]
    resource_classes = [RESOURCES_BY_MODEL[ReportedFigure]]


class SubordinateAdmin(StaffHistoryAdmin):
    """Rows that belong to a record (citations, speeches, memberships, events), on their own
    pages: the same history and optimistic locking as in the record's form.

    A row of a published record is changed, by whoever may not publish that record, only in
    the record's own form, where the change waits for review: here it is read-only."""

    def held_for_review(self, request, obj) -> bool:
        parent = parent_of(obj) if obj is not None else None
        return parent is not None and needs_review(request.user, parent)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self.held_for_review(
            request, obj
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self.held_for_review(
            request, obj
        )

    def save_model(self, request, obj, form, change):
        if self.held_for_review(request, obj):  # a new row for a published record
            raise PermissionDenied
        super().save_model(request, obj, form, change)


@admin.register(Citation)
class CitationAdmin(SpreadsheetAdminMixin, SubordinateAdmin):
    list_display = ["record", "source", "paragraph", "note"]
    list_filter = ["source", "content_type"]
    search_fields = ["note", "source__title"]
    autocomplete_fields = ["source"]
    list_select_related = ["source", "content_type"]
    resource_classes = [RESOURCES_BY_MODEL[Citation]]


@admin.register(Speech)
class SpeechAdmin(SpreadsheetAdminMixin, SubordinateAdmin):
    list_display = ["person", "conference", "mode"]
    list_filter = ["mode", "conference"]
    search_fields = ["person__name", "conference__name", "summary"]
    autocomplete_fields = ["person", "conference"]
    inlines = [CitationInline]
    resource_classes = [RESOURCES_BY_MODEL[Speech]]


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


# --------------------------------------------------------------------------- review queue


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    """The publishers' queue: each change waiting for review with its field-by-field
    difference (inline rows included), a preview, and approve or reject with a comment.
    Every staff member sees the queue; approving or rejecting needs the permission to publish
    that kind of record."""

    list_display = ["__str__", "summary", "author", "created_at", "status", "reviewer"]
    list_filter = ["status", "content_type", "origin"]
    list_select_related = ["author", "reviewer", "content_type"]
    search_fields = ["summary", "author__username"]
    change_form_template = "admin/partnerships/revision_review.html"

    def get_queryset(self, request):
        pending_first = models.Case(models.When(status=RevisionStatus.PENDING, then=0), default=1)
        return super().get_queryset(request).order_by(pending_first, "-created_at")

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def may_review(self, request, revision) -> bool:
        model = revision.content_type.model_class()
        if model is None or not can_publish(request, model):
            return False
        if revision.kind == Revision.Kind.DELETE:
            return request.user.has_perm(f"{model._meta.app_label}.delete_{model._meta.model_name}")
        return True

    def change_view(self, request, object_id, form_url="", extra_context=None):
        revision = self.get_object(request, unquote(object_id))
        if revision is None:
            raise Http404(gettext("No such revision."))
        if request.method == "POST":
            return self.review(request, revision)
        context = {
            **self.admin_site.each_context(request),
            "title": str(revision),
            "opts": self.model._meta,
            "original": revision,
            "revision": revision,
            "record": revision.record,
            "rows": describe_rows(revision),
            "fields": describe_fields(revision),
            "may_review": revision.status == RevisionStatus.PENDING
            and self.may_review(request, revision),
            "preview_url": reverse("preview-revision", args=[revision.pk]),
        }
        return TemplateResponse(request, self.change_form_template, context)

    def review(self, request, revision):
        if not self.may_review(request, revision):
            raise PermissionDenied
        comment = (request.POST.get("comment") or "").strip()[:2000]
        back = reverse("admin:partnerships_revision_change", args=[revision.pk])
        try:
            if "_approve" in request.POST:
                approve(revision, request.user, comment)
                text = gettext("Approved: the change is now public.")
            elif "_reject" in request.POST:
                reject(revision, request.user, comment)
                text = gettext("Rejected: nothing public changed.")
            else:
                return HttpResponseRedirect(back)
        except (RevisionConflict, StaleRecordError) as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return HttpResponseRedirect(back)
        except ValidationError as exc:
            self.message_user(
                request,
                gettext("Could not approve: %(errors)s") % {"errors": " ".join(exc.messages)},
                messages.ERROR,
            )
            return HttpResponseRedirect(back)
        self.message_user(request, text, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:partnerships_revision_changelist"))


def describe_fields(revision) -> list[dict]:
    """Field by field: the value now (published) and the proposed one, in words."""
    model = revision.content_type.model_class()
    record = revision.record
    lines = []
    for attname, value in revision.changes.get("fields", {}).items():
        field = model._meta.get_field(name_of(model, attname))
        if field.many_to_many:
            related = field.related_model._base_manager
            now = getattr(record, field.name).all() if record is not None else []
            lines.append(
                {
                    "field": capfirst(field.verbose_name),
                    "now": "; ".join(safe_str(r) for r in now),
                    "proposed": "; ".join(safe_str(r) for r in related.filter(pk__in=value)),
                }
            )
            continue
        lines.append(
            {
                "field": capfirst(field.verbose_name),
                "now": describe_value(model, field.name, getattr(record, attname, None), None)
                if record is not None
                else "",
                "proposed": describe_value(model, field.name, field.to_python(value), None),
            }
        )
    return lines


def describe_rows(revision) -> list[dict]:
    from django.apps import apps

    verbs = {"add": gettext("Add"), "change": gettext("Change"), "delete": gettext("Delete")}
    rows = []
    for row in revision.changes.get("rows", []):
        model = apps.get_model(row["model"])
        current = model._base_manager.filter(pk=row["pk"]).first() if row["pk"] else None
        changes = []
        for attname, value in row["fields"].items():
            field = model._meta.get_field(name_of(model, attname))
            if field.name in ("content_type", "object_id") or (
                row["action"] == "add" and field.many_to_one and field.name in PARENT_NAMES
            ):
                continue
            changes.append(
                {
                    "field": capfirst(field.verbose_name),
                    "now": describe_value(model, field.name, getattr(current, attname), None)
                    if current is not None
                    else "",
                    "proposed": describe_value(model, field.name, field.to_python(value), None),
                }
            )
        rows.append(
            {
                "action": verbs[row["action"]],
                "kind": capfirst(model._meta.verbose_name),
                "label": safe_str(current) if current is not None else "",
                "changes": changes,
            }
        )
    return rows


PARENT_NAMES = {"organization", "conference", "alliance"}
