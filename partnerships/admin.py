"""Staff workflow: editing with citations, review before publishing, history and undo,
refusal of lost updates, spreadsheet import and export."""

from __future__ import annotations

import dataclasses
import datetime
import functools
from types import SimpleNamespace

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import (
    AutocompleteSelect,
    AutocompleteSelectMultiple,
    RelatedFieldWidgetWrapper,
)
from django.contrib.contenttypes.admin import GenericStackedInline, GenericTabularInline
from django.contrib.contenttypes.forms import BaseGenericInlineFormSet
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    FieldDoesNotExist,
    ObjectDoesNotExist,
    PermissionDenied,
    ValidationError,
)
from django.db import models, router, transaction
from django.forms.formsets import INITIAL_FORM_COUNT, TOTAL_FORM_COUNT, ManagementForm
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from .dates import DatePrecision, PartialDate, datetime_text
from .models import (
    Agreement,
    Alliance,
    AllianceBody,
    AllianceDocument,
    AllianceEvent,
    AllianceEventActor,
    AllianceMembership,
    Citation,
    Conference,
    ConferenceDocument,
    ConferenceSeries,
    Organization,
    OrganizationKind,
    OrganizationName,
    OtherAccount,
    PartnershipParty,
    PartnershipPerson,
    Person,
    PersonName,
    PersonPosition,
    Publication,
    Record,
    Region,
    RegionKind,
    RegionName,
    ReportedFigure,
    Revision,
    RevisionStatus,
    SisterSchoolPartnership,
    Source,
    Speech,
    StaleRecordError,
    StatusChange,
    Versioned,
    Visit,
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
            gettext("Last saved by %(user)s on %(when)s.")
            % {"user": latest.history_user, "when": datetime_text(latest.history_date)}
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


def errors_on_shown_fields(form, errors: ValidationError) -> ValidationError:
    """The model's errors, those about a field the form does not show (a figure's subject,
    a read-only publication) moved to the form's own errors: Django would answer them with a
    500 ("has no field named")."""
    if not hasattr(errors, "error_dict"):
        return errors
    shown: dict = {}
    for field, found in errors.error_dict.items():
        key = field if field in form.fields or field == NON_FIELD_ERRORS else NON_FIELD_ERRORS
        shown.setdefault(key, []).extend(found)
    return ValidationError(shown)


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

    def _update_errors(self, errors):
        super()._update_errors(errors_on_shown_fields(self, errors))


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

    def _update_errors(self, errors):
        super()._update_errors(errors_on_shown_fields(self, errors))


# The fields of a row's own citation in the row's inline form (CitedRowForm).
CITATION_FIELDS = ("source", "paragraph", "section")


class KnownKeysOnly:
    """An autocomplete widget that, when a form comes back with an error, shows only the
    chosen values that can be keys: Django's own looks every posted value up, and a value
    such as "None" or "abc" in a key field raised ValueError there (a 500) where the form
    already says "Select a valid choice"."""

    def optgroups(self, name, value, attr=None):
        target = self.field.target_field
        keys = []
        for v in value:
            try:
                target.to_python(v)
            except ValidationError:
                continue
            keys.append(v)
        return super().optgroups(name, keys, attr)


class KnownKeysAutocompleteSelect(KnownKeysOnly, AutocompleteSelect):
    pass


class KnownKeysAutocompleteSelectMultiple(KnownKeysOnly, AutocompleteSelectMultiple):
    pass


class KnownKeysAutocomplete:
    """Admin and inline mixin: the autocomplete fields use the widgets above."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = KnownKeysAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = KnownKeysAutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


def first_citation(row):
    """The row's first citation (the one its inline form edits), from a prefetch if any."""
    citations = list(row.citations.all())
    return min(citations, key=lambda c: c.pk) if citations else None


class CitedRowForm(VersionedInlineForm):
    """An inline row with the citation that supports it in the same row: source, paragraph,
    section. Saving the row creates, changes or (when the source is emptied) deletes the row's
    first citation, a row of the generic Citation model like every citation; further
    citations of the row are added on the row's own page. The citation is locked like the
    row: changed by someone else since the form was opened, it refuses this save."""

    source = forms.ModelChoiceField(
        queryset=Source.objects.all(),
        required=False,
        label=_("Source"),
        widget=KnownKeysAutocompleteSelect(Citation._meta.get_field("source"), admin.site),
        help_text=_("The source that says it."),
    )
    paragraph = forms.IntegerField(
        label=_("Paragraph"), required=False, min_value=1, max_value=32767
    )
    section = forms.CharField(
        label=_("Section"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"size": 30}),
        help_text=_("When the page has no numbered paragraphs, e.g. 'History'."),
    )
    citation_seen_version = SeenVersionField()

    # A new row of this kind must name its source (a figure: a number no source gives is
    # not a fact).
    citation_required = False
    citation_required_message = _("Give the source that says it, with its paragraph or section.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.citation = first_citation(self.instance) if self.instance.pk else None
        self.citation_untouched = False
        if self.citation is not None:
            # Also for a bound form: what the editor submits is compared with it.
            self.initial.update(
                source=self.citation.source_id,
                paragraph=self.citation.paragraph,
                section=self.citation.section,
            )
            if not self.is_bound:
                self.initial["citation_seen_version"] = self.citation.version

    def citation_changed(self) -> bool:
        return not self.citation_untouched and any(
            name in self.changed_data for name in CITATION_FIELDS
        )

    def has_changed(self):
        if self.untouched:
            return False
        return any(
            not (self.citation_untouched and name in CITATION_FIELDS) for name in self.changed_data
        )

    def clean_section(self):
        return (self.cleaned_data.get("section") or "").strip()

    def clean(self):
        data = super().clean()
        source = data.get("source")
        paragraph, section = data.get("paragraph"), data.get("section") or ""
        if source is None:
            if (paragraph is not None or section) and "source" not in self.errors:
                self.add_error("source", gettext("Give the source of this paragraph or section."))
            elif (
                self.citation_required
                and self.citation is None
                and "source" not in self.errors
                and self.has_changed()
            ):
                self.add_error("source", self.citation_required_message)
        elif "paragraph" not in self.errors and "section" not in self.errors:
            probe = Citation(source=source, paragraph=paragraph, section=section)
            try:
                probe.clean()
            except ValidationError as exc:
                for field, found in exc.message_dict.items():
                    self.add_error(field if field in CITATION_FIELDS else "source", found)
            else:
                self.check_repeated_citation(source, paragraph, section)
        if self.citation is not None and any(n in self.changed_data for n in CITATION_FIELDS):
            self.check_citation_version(data)
        return data

    def check_repeated_citation(self, source, paragraph, section):
        if self.instance.pk is None:
            return
        others = [c for c in self.instance.citations.all() if c != self.citation]
        wanted = (source.pk, paragraph, section)
        if any((c.source_id, c.paragraph, c.section) == wanted for c in others):
            self.add_error(
                "source", gettext("This row cites that paragraph of that source already.")
            )

    def check_citation_version(self, data):
        seen = data.get("citation_seen_version")
        stored = stored_version(Citation, self.citation.pk)
        if seen is not None and seen == stored:
            self.citation.version = seen
            return
        old = (
            self.citation.history.filter(version=seen).order_by("-history_date").first()
            if seen is not None and stored is not None
            else None
        )
        submitted = (
            getattr(data.get("source"), "pk", None),
            data.get("paragraph"),
            data.get("section") or "",
        )
        if old is not None and (old.source_id, old.paragraph, old.section or "") == submitted:
            self.citation_untouched = True  # changed by someone else, not by this editor
            return
        raise ValidationError(stale_message(self.citation, seen, {}, row=True), code="stale")

    def _save_m2m(self):
        super()._save_m2m()
        self.save_citation()

    def save_citation(self):
        if not self.citation_changed():
            return
        source = self.cleaned_data.get("source")
        if source is None:
            if self.citation is not None:
                self.citation.delete()
                self.citation = None
            return
        citation = self.citation or Citation(record=self.instance)
        citation.source = source
        citation.paragraph = self.cleaned_data.get("paragraph")
        citation.section = self.cleaned_data.get("section") or ""
        citation.save()
        self.citation = citation


def edited_since_seen(form, seen_version) -> bool:
    """Whether the editor changed the row, judged against the version they saw (the stored
    row may have been changed by someone else since)."""
    row = form.instance
    seen = row.history.filter(version=seen_version).order_by("-history_date").first()
    if seen is None or not hasattr(form, "cleaned_data"):
        return True
    for name in form.changed_data:
        try:
            field = row._meta.get_field(name)
        except FieldDoesNotExist:
            # A field of the row's citation: the editor's own change, unless it was
            # someone else's change of the citation (CitedRowForm.check_citation_version).
            if name in CITATION_FIELDS and getattr(form, "citation_untouched", False):
                continue
            return True
        if field.many_to_many:
            return True  # history keeps no many-to-many values to compare with
        value = form.cleaned_data.get(name)
        if getattr(value, "pk", value) != getattr(seen, field.attname):
            return True
    return False


class ManagementFormOptional:
    """A POST without an inline's management form (a form opened before that inline existed,
    a client that does not edit it) leaves that inline's rows as they are, instead of
    refusing the whole save as tampered with."""

    @cached_property
    def management_form(self):
        total, initial = self.add_prefix(TOTAL_FORM_COUNT), self.add_prefix(INITIAL_FORM_COUNT)
        if self.is_bound and total not in self.data and initial not in self.data:
            form = ManagementForm(
                {total: "0", initial: "0"},
                auto_id=self.auto_id,
                prefix=self.prefix,
                renderer=self.renderer,
            )
            form.full_clean()
            return form
        return super().management_form


class VersionedInlineFormSetMixin(ManagementFormOptional):
    """Inline rows (citations, other names, speeches, memberships, events, agreements,
    figures, ...) take part in the same optimistic locking: a row this editor changed or
    deleted that someone else saved since the form was opened (in another form, or on the
    row's own page) refuses the whole save with a message. A row this editor left as it was
    is not saved, whatever its version."""

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
    """Rows of a record's form. Two new rows that a conditional unique rule forbids together
    (two "delegates" rows with the same role in one session) are refused in words: Django's
    formsets check unconditional rules only, and on an add form the record does not exist
    yet when the rows are checked, so the database would refuse them with an error page."""

    def clean(self):
        super().clean()
        model, fk = self.model, self.fk.name
        rules = [
            c
            for c in model._meta.constraints
            if isinstance(c, models.UniqueConstraint) and c.fields and c.condition is not None
        ]
        kept = [
            form
            for form in self.forms
            if hasattr(form, "cleaned_data")
            and not form.errors
            and (form.instance.pk is not None or form.has_changed())
            and not (self.can_delete and self._should_delete_form(form))
        ]
        using = router.db_for_write(model)
        for rule in rules:
            seen = set()
            names = [model._meta.get_field(n).attname for n in rule.fields if n != fk]
            for form in kept:
                row = form.instance
                against = row._get_field_expression_map(meta=model._meta, exclude={fk})
                if not rule.condition.check(against, using=using):
                    continue
                key = tuple(getattr(row, name) for name in names)
                if key in seen:
                    form.add_error(None, rule.violation_error_message)
                seen.add(key)


def unique_field_sets(model) -> list[tuple[str, ...]]:
    """The fields of each unconditional unique rule of ``model`` (citation: record, source,
    paragraph, section)."""
    return [
        tuple(c.fields)
        for c in model._meta.constraints
        if isinstance(c, models.UniqueConstraint) and c.fields and c.condition is None
    ]


class VersionedGenericInlineFormSet(VersionedInlineFormSetMixin, BaseGenericInlineFormSet):
    """Rows tied to their record by content type and id (citations, figures, other sources'
    accounts). Each new row knows its record before it is checked (a figure's rules need
    it), and rows repeated in the form or already stored are refused in words: the database
    rule that would refuse them involves the record, which the form leaves out."""

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        if self.instance.pk is not None and form.instance.pk is None:
            ct = ContentType.objects.get_for_model(
                self.instance, for_concrete_model=self.for_concrete_model
            )
            setattr(form.instance, self.ct_field.attname, ct.pk)
            setattr(form.instance, self.ct_fk_field.attname, self.instance.pk)
        return form

    def kept_forms(self):
        return [
            form
            for form in self.forms
            if hasattr(form, "cleaned_data")
            and form.has_changed()
            and not (self.can_delete and self._should_delete_form(form))
        ]

    def row_key(self, form, names):
        opts = self.model._meta
        return tuple(getattr(form.instance, opts.get_field(name).attname) for name in names)

    def clean(self):
        super().clean()
        model = self.model
        for names in unique_field_sets(model):
            shown = [
                str(model._meta.get_field(n).verbose_name)
                for n in names
                if n not in (self.ct_field.name, self.ct_fk_field.name)
            ]
            message = gettext("This %(row)s is there already: the same %(fields)s.") % {
                "row": model._meta.verbose_name,
                "fields": ", ".join(shown),
            }
            seen = set()
            for form in self.kept_forms():
                key = self.row_key(form, names)
                duplicate = key in seen
                if not duplicate and self.instance.pk is not None:
                    where = {
                        model._meta.get_field(n).attname: v for n, v in zip(names, key, strict=True)
                    }
                    duplicate = (
                        model._base_manager.filter(**where)
                        .exclude(pk=form.instance.pk)
                        .exclude(pk__in=self.deleted_pks())
                        .exists()
                    )
                if duplicate:
                    form.add_error(None, message)
                seen.add(key)

    def deleted_pks(self):
        return [
            form.instance.pk
            for form in self.initial_forms
            if self.can_delete and self._should_delete_form(form) and form.instance.pk
        ]


# --------------------------------------------------------------------------- partial dates


@functools.cache
def date_groups(model) -> dict[str, tuple[str, ...]]:
    """The partial dates of ``model`` (dates.py), by prefix: the names of their on, precision,
    not-after, year-inferred and year-basis columns (a source's date has only the first two;
    a figure's as-of date is ``as_of``). Works for a model's history model too."""
    names = {f.name for f in model._meta.concrete_fields}
    groups = {}
    for name in sorted(names):
        if not name.endswith("_precision"):
            continue
        prefix = name.removesuffix("_precision")
        on = f"{prefix}_on" if f"{prefix}_on" in names else prefix
        if on in names:
            groups[prefix] = (
                on,
                name,
                f"{prefix}_not_after",
                f"{prefix}_year_inferred",
                f"{prefix}_year_basis",
                f"{prefix}_as_given",
            )
    return groups


def date_in(obj, columns) -> PartialDate:
    on, precision, not_after, inferred, basis, as_given = columns
    return PartialDate(
        getattr(obj, on),
        getattr(obj, precision) or DatePrecision.DAY,
        getattr(obj, not_after, None),
        bool(getattr(obj, inferred, False)),
        getattr(obj, basis, "") or "",
        as_given=getattr(obj, as_given, "") or "",
    )


def date_text(obj, prefix) -> str:
    """The partial date ``prefix`` of ``obj`` as every page writes it ("2005", "March 2005",
    "12 January, year not stated"), or "" when no date is known."""
    date = date_in(obj, date_groups(type(obj))[prefix])
    return str(date) if date else ""


def date_label(model, prefix) -> str:
    """ "Established", "Held", "As of": the date's name without the storage hint."""
    field = model._meta.get_field(date_groups(model)[prefix][0])
    return capfirst(str(field.verbose_name).split(" (")[0])


def date_column(prefix: str, description):
    """A list column showing a partial date as text, sorted by its stored first day."""

    def column(self, obj):
        return date_text(obj, prefix) or None

    on = prefix if prefix == "as_of" else f"{prefix}_on"
    return admin.display(description=description, ordering=on)(column)


DATE_HELP = _(
    "As the source gives it. Only the year: 1 January of that year, “Year known”. Only the "
    "month: its first day. A day and month with no year printed: year 0001 (never shown) and "
    "“Day and month known, no year”. A year the page does not print but that its own date or "
    "address gives: the full date, “year inferred” ticked, and how. Words of time the date "
    "cannot hold (“summer”, “final week of September”): as the source words it."
)

# Fields that go with a date in its fieldset.
WITH_DATE = {
    "held": ("ends_on", "opening_on"),
    "visited": ("ends_on",),
    "published": ("date_kind",),
}


def date_rows(model, prefix, present) -> list:
    """The fieldset lines of one partial date: the date and its precision, the inferred year
    and how, the source's own words, the "not after" bound, and the fields that go with it
    (a last day)."""
    on, precision, not_after, inferred, basis, as_given = date_groups(model)[prefix]
    lines = [
        (on, precision),
        (inferred, basis),
        (as_given,),
        (not_after,),
        WITH_DATE.get(prefix, ()),
    ]
    rows = []
    for line in lines:
        kept = tuple(name for name in line if name in present)
        if kept:
            rows.append(kept if len(kept) > 1 else kept[0])
    return rows


def date_fieldset(model, prefix, present, help_text=True):
    options = {"fields": date_rows(model, prefix, present)}
    if help_text:
        options["description"] = DATE_HELP
    return (date_label(model, prefix), options)


def with_date_fieldsets(model, fields) -> list:
    """``fields`` in order, each partial date (with what goes with it) in a fieldset of its
    own where its first column stands."""
    groups = date_groups(model)
    member = {}
    for prefix, columns in groups.items():
        for name in (*columns, *WITH_DATE.get(prefix, ())):
            member[name] = prefix
    present = set(fields)
    fieldsets, current, done = [], [], set()
    for name in fields:
        prefix = member.get(name)
        if prefix is None:
            current.append(name)
            continue
        if prefix in done:
            continue
        done.add(prefix)
        if current:
            fieldsets.append((None, {"fields": current}))
            current = []
        fieldsets.append(date_fieldset(model, prefix, present))
    if current:
        fieldsets.append((None, {"fields": current}))
    return fieldsets


def in_declared_order(model, fields) -> list:
    """``fields`` with the model's own fields in the order its class declares them (a partial
    date's columns are made before the class, so Django would put them first), each in one
    of the places those fields had; the others (publication, seen version) stay where they are."""
    shared = {f.name for f in Record._meta.local_fields + Versioned._meta.local_fields}
    declared = {name: i for i, name in enumerate(vars(model)) if name not in shared}
    own = sorted((f for f in fields if f in declared), key=declared.__getitem__)
    slots = iter(own)
    return [next(slots) if f in declared else f for f in fields]


# A read-only line that shows one partial date as text: "partial_date__established".
AS_TEXT = "partial_date__"


def dates_as_text(model, fieldsets) -> list:
    """For a reader who may not change the record: each partial date's columns replaced by
    one line of text ("2005", "24 September 2017 (year inferred: ...)"), where its first
    column stood; the stored first day is never shown as if it were the date."""
    groups = date_groups(model)
    if not groups:
        return fieldsets
    member = {name: prefix for prefix, cols in groups.items() for name in cols}
    firsts = {cols[0]: prefix for prefix, cols in groups.items()}
    shown = []
    for title, options in fieldsets:
        lines = []
        for line in options.get("fields", ()):
            names = line if isinstance(line, (list, tuple)) else (line,)
            kept = [
                f"{AS_TEXT}{firsts[n]}" if n in firsts else n
                for n in names
                if n in firsts or n not in member
            ]
            if kept:
                lines.append(tuple(kept) if len(kept) > 1 else kept[0])
        if lines:
            kept = {k: v for k, v in options.items() if k != "description"}
            shown.append((title, {**kept, "fields": lines}))
    return shown


class DatesAsText:
    """The read-only ``partial_date__<prefix>`` lines of dates_as_text(), on an admin or an
    inline: the date's text, labelled with the date's name."""

    def __getattr__(self, name):
        if not name.startswith(AS_TEXT):
            raise AttributeError(name)
        prefix = name.removeprefix(AS_TEXT)

        def show(obj):
            return date_text(obj, prefix) if obj is not None else ""

        show.short_description = date_label(self.model, prefix)
        return show

    def fieldsets_for(self, request, obj, fieldsets):
        if self.has_change_permission(request, obj):
            return fieldsets
        return dates_as_text(self.model, fieldsets)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if date_groups(self.model) and not self.has_change_permission(request, obj):
            readonly.extend(f"{AS_TEXT}{prefix}" for prefix in date_groups(self.model))
        return readonly


class DateFieldsets(DatesAsText):
    """Admins without declared fieldsets: the fields in the order the model declares them,
    and each partial date in a fieldset of its own (date and precision, inferred year and
    how, bound) where it stands; for a reader, the date as text."""

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if self.fieldsets or len(fieldsets) != 1 or not date_groups(self.model):
            return fieldsets
        fields = [f for f in fieldsets[0][1]["fields"] if not str(f).startswith(AS_TEXT)]
        fields = in_declared_order(self.model, fields)
        return self.fieldsets_for(request, obj, with_date_fieldsets(self.model, fields))


# --------------------------------------------------------------------------- inline rows


def can_publish(request, model) -> bool:
    opts = model._meta
    return request.user.has_perm(f"{opts.app_label}.publish_{opts.model_name}")


SMALL_TEXT = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 40})}}
CITATION_LINE = ("source", "paragraph", "section")
SEEN = ("seen_version", "citation_seen_version")


# The years a form accepts (a term, "since", a first edition): the database would take any
# number up to 2**63 on SQLite, and 32767 on PostgreSQL.
YEARS = (1000, 2999)


def year_bounds(db_field, kwargs: dict) -> dict:
    if isinstance(db_field, models.PositiveSmallIntegerField) and db_field.name.endswith("year"):
        kwargs.setdefault("min_value", YEARS[0])
        kwargs.setdefault("max_value", YEARS[1])
    return kwargs


def only_known_fields(model, form, fieldsets) -> list:
    """``fieldsets`` without the names that are neither the model's fields nor the form's
    own (a layout written for a field the model does not have)."""
    known = {f.name for f in model._meta.get_fields()} | set(form.declared_fields)
    kept = []
    for title, options in fieldsets:
        lines = []
        for line in options.get("fields", ()):
            names = line if isinstance(line, (list, tuple)) else (line,)
            names = tuple(n for n in names if n in known)
            if names:
                lines.append(names if len(names) > 1 else names[0])
        if lines:
            kept.append((title, {**options, "fields": lines}))
    return kept


class RowInline(KnownKeysAutocomplete, DatesAsText):
    """What every inline row shares: its version (optimistic locking), no empty extra rows,
    beside a related record's field only the button to add one (the row stays narrow enough
    for the page), and for a reader its dates as text."""

    form = VersionedInlineForm
    formset = VersionedInlineFormSet
    extra = 0

    def get_fieldsets(self, request, obj=None):
        fieldsets = only_known_fields(self.model, self.form, self.row_fieldsets(request, obj))
        return self.fieldsets_for(request, obj, fieldsets)

    def row_fieldsets(self, request, obj=None):
        return super().get_fieldsets(request, obj)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(
            db_field, request, **year_bounds(db_field, kwargs)
        )
        widget = getattr(formfield, "widget", None)
        if isinstance(widget, RelatedFieldWidgetWrapper):
            widget.can_change_related = widget.can_delete_related = False
            widget.can_view_related = False
        return formfield


class CitedRowInline(RowInline):
    """A row with its own citation in the same form (CitedRowForm); for a reader, the
    citation's source, paragraph and section as text."""

    form = CitedRowForm

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("citations")

    @admin.display(description=_("Source"))
    def source(self, row):
        citation = first_citation(row) if row is not None and row.pk else None
        return safe_str(citation.source) if citation else None

    @admin.display(description=_("Paragraph"))
    def paragraph(self, row):
        citation = first_citation(row) if row is not None and row.pk else None
        return citation.paragraph if citation else None

    @admin.display(description=_("Section"))
    def section(self, row):
        citation = first_citation(row) if row is not None and row.pk else None
        return citation.section or None if citation else None


class CitationInline(RowInline, GenericTabularInline):
    model = Citation
    formset = VersionedGenericInlineFormSet
    autocomplete_fields = ["source"]
    fields = ["source", "paragraph", "section", "note", "seen_version"]
    verbose_name = _("citation")
    verbose_name_plural = _("citations (which source and paragraph support this record)")


class OtherAccountInline(RowInline, GenericTabularInline):
    model = OtherAccount
    formset = VersionedGenericInlineFormSet
    autocomplete_fields = ["source"]
    fields = ["fact", "value", "source", "paragraph", "section", "seen_version"]
    verbose_name = _("another source's account")
    verbose_name_plural = _(
        "where sources differ (what another source says of a fact this record states "
        "otherwise, with its source)"
    )


class FigureInlineForm(CitedRowForm):
    """A reported figure inside the form of the record it is about. Its source is required;
    the kind "other" is not offered in a breakdown (a figure must say what it counts)."""

    citation_required = True
    citation_required_message = _(
        "Give the source that reports this figure, with its paragraph or section."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        currency = self.fields.get("currency")
        if currency is not None:
            currency.widget.attrs["size"] = 4
        kind = self.fields.get("organization_kind")
        if kind is not None:
            kind.choices = [(v, label) for v, label in kind.choices if v != OrganizationKind.OTHER]

    def clean_currency(self):
        return (self.cleaned_data.get("currency") or "").strip().upper()


class FigureFormSet(VersionedGenericInlineFormSet):
    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        if index is None or index >= self.initial_form_count():
            # A new row (also the template "Add another" copies): a figure of a published
            # record is published unless set otherwise (who may not publish has no field).
            publication = self.instance.publication or Publication.DRAFT
            kwargs["initial"] = {**kwargs.get("initial", {}), "publication": publication}
        return kwargs

    def clean(self):
        super().clean()
        identity = [n for n in ReportedFigure.IDENTITY if not n.startswith("subject")]
        seen = set()
        for form in self.kept_forms():
            key = tuple(getattr(form.instance, name) for name in identity)
            if key in seen:
                form.add_error(
                    None,
                    gettext("This figure is in the form twice (%(text)s).")
                    % {"text": safe_str(form.instance)},
                )
            seen.add(key)


class FigureInline(CitedRowInline, GenericStackedInline):
    """The figures sources report about this record, each with its source."""

    model = ReportedFigure
    form = FigureInlineForm
    formset = FigureFormSet
    ct_field = "subject_type"
    ct_fk_field = "subject_id"
    autocomplete_fields = ["country", "given_by"]
    verbose_name = _("reported figure")
    verbose_name_plural = _(
        "reported figures (numbers a source gives about this record, not counts of records we hold)"
    )

    def row_fieldsets(self, request, obj=None):
        present = {f.name for f in ReportedFigure._meta.concrete_fields}
        return [
            (
                None,
                {
                    "fields": [
                        ("qualifier", "value", "metric"),
                        ("currency", "period", "status"),
                        "given_by",
                        "description",
                        "publication",
                    ]
                },
            ),
            (
                _("Breakdown: only part of the whole (leave empty for the whole)"),
                {"fields": [("country", "organization_kind"), ("mode", "origin"), "since_year"]},
            ),
            date_fieldset(ReportedFigure, "as_of", present, help_text=False),
            (_("Source"), {"fields": [CITATION_LINE, SEEN]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not can_publish(request, ReportedFigure):
            readonly.append("publication")
        return readonly


class OrganizationNameInline(RowInline, admin.TabularInline):
    model = OrganizationName


class RegionNameInline(RowInline, admin.TabularInline):
    model = RegionName
    verbose_name_plural = _(
        "other names (other scripts and languages, spellings sources use; a search finds the "
        "region and the records in it by them)"
    )


class PersonNameInline(RowInline, admin.TabularInline):
    model = PersonName
    verbose_name_plural = _("other names (other scripts, other transliterations)")


class PersonPositionInline(CitedRowInline, admin.StackedInline):
    model = PersonPosition
    autocomplete_fields = ["organization"]
    fieldsets = [
        (
            None,
            {"fields": [("position", "organization"), ("since_year", "until_year", "former")]},
        ),
        (_("Source"), {"fields": [CITATION_LINE, SEEN]}),
    ]


class SpeechInline(CitedRowInline, admin.StackedInline):
    model = Speech
    autocomplete_fields = ["person", "organization", "side", "for_alliance"]
    formfield_overrides = SMALL_TEXT
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("person", "organization"),
                    "group",
                    ("role", "mode"),
                    ("side", "for_alliance"),
                    "session",
                    "title",
                    "summary",
                ]
            },
        ),
        (_("Source"), {"fields": [CITATION_LINE, SEEN]}),
    ]


class ConferenceDocumentInline(CitedRowInline, admin.StackedInline):
    model = ConferenceDocument
    formfield_overrides = SMALL_TEXT
    autocomplete_fields = ["issuers"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("kind", "title"),
                    "other_titles",
                    ("issuers", "more_issuers_unnamed", "issued_by_all"),
                    "points",
                    "summary",
                ]
            },
        ),
        (_("Source"), {"fields": [CITATION_LINE, SEEN]}),
    ]


class AllianceDocumentInline(ConferenceDocumentInline):
    """Documents the alliance issued outside a meeting we record (a meeting's own go on the
    meeting's page)."""

    model = AllianceDocument


class AllianceBodyInline(CitedRowInline, admin.TabularInline):
    model = AllianceBody
    autocomplete_fields = ["country", "host", "guided_by"]
    formfield_overrides = SMALL_TEXT
    fields = [
        "kind",
        "name",
        "country",
        "host",
        "guided_by",
        "description",
        *CITATION_LINE,
        *SEEN,
    ]


class OwnRows:
    """An inline whose ``own_field`` (a partnership row's visit, an alliance row's body)
    offers only rows of the record being edited (a new record's, once it is saved): those
    whose ``own_parent`` is that record."""

    own_field = ""
    own_parent = ""
    own_help = ""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        field = formset.form.base_fields.get(self.own_field)
        if field is not None:
            record = obj if obj and obj.pk else None
            field.queryset = field.queryset.model.objects.filter(**{self.own_parent: record})
            if self.own_help:
                field.help_text = self.own_help
        return formset


class OwnBodies(OwnRows):
    own_field, own_parent = "body", "alliance"


class AllianceMembershipInline(OwnBodies, CitedRowInline, admin.TabularInline):
    model = AllianceMembership
    autocomplete_fields = ["organization", "person", "country"]
    fields = [
        "organization",
        "person",
        "body",
        "role",
        "country",
        "since_year",
        "until_year",
        "title",
        *CITATION_LINE,
        *SEEN,
    ]

    own_help = _(
        "One of this alliance's bodies (add the body above and save first); empty for the "
        "alliance itself."
    )


class AllianceEventInline(OwnBodies, CitedRowInline, admin.StackedInline):
    model = AllianceEvent
    autocomplete_fields = ["conference", "place", "venue"]
    formfield_overrides = SMALL_TEXT

    def row_fieldsets(self, request, obj=None):
        present = {f.name for f in AllianceEvent._meta.concrete_fields}
        return [
            (
                None,
                {"fields": [("kind", "body"), ("conference", "place", "venue"), "description"]},
            ),
            date_fieldset(AllianceEvent, "occurred", present, help_text=False),
            (_("Source"), {"fields": [CITATION_LINE, SEEN]}),
        ]


def event_label(event) -> str:
    """An alliance's event as a choice: what happened, when, and the start of its text (two
    events of one kind are told apart)."""
    words = f"{event.get_kind_display()} — {event.occurred}"
    if event.description:
        text = event.description
        words = f"{words} — {text[:60]}{'…' if len(text) > 60 else ''}"
    return words


class AllianceEventActorInline(CitedRowInline, admin.TabularInline):
    """Who carried out the alliance's governance events (an organization, a person, or a
    person for their organization) and how, each with its source; entered here, beside the
    events, as people on a visit are entered in a partnership's form."""

    model = AllianceEventActor
    autocomplete_fields = ["organization", "person", "side"]
    fields = ["event", "organization", "person", "role", "side", "title", *CITATION_LINE, *SEEN]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        event = formset.form.base_fields.get("event")
        if event is not None:
            # Only this alliance's events (a new alliance's, once it is saved).
            event.queryset = AllianceEvent.objects.filter(alliance=obj if obj and obj.pk else None)
            event.label_from_instance = event_label
            event.help_text = _(
                "One of this alliance's governance events (add the event above and save first)."
            )
        return formset


class PartnershipPartyInline(CitedRowInline, admin.TabularInline):
    model = PartnershipParty
    autocomplete_fields = ["organization"]
    fields = ["organization", "role", "since_year", *CITATION_LINE, *SEEN]


class OwnVisits(OwnRows):
    own_field, own_parent = "visit", "partnership"


class AgreementInline(OwnVisits, CitedRowInline, admin.StackedInline):
    model = Agreement
    autocomplete_fields = ["conference", "place", "signed_at", "signatories", "signed_by"]
    formfield_overrides = SMALL_TEXT

    def row_fieldsets(self, request, obj=None):
        present = {f.name for f in Agreement._meta.concrete_fields}
        return [
            (None, {"fields": [("kind", "status"), "title"]}),
            date_fieldset(Agreement, "signed", present, help_text=False),
            (
                _("Term, terms, where, signatories"),
                {
                    "fields": [
                        ("term_start_year", "term_end_year"),
                        ("term_length_years", "renewal"),
                        "terms",
                        ("conference", "place", "signed_at"),
                        "visit",
                        "signatories",
                        "signed_by",
                        "summary",
                    ]
                },
            ),
            (_("Source"), {"fields": [CITATION_LINE, SEEN]}),
        ]


class StatusChangeInline(CitedRowInline, admin.StackedInline):
    model = StatusChange
    autocomplete_fields = ["by"]

    def row_fieldsets(self, request, obj=None):
        present = {f.name for f in StatusChange._meta.concrete_fields}
        return [
            (None, {"fields": [("status", "by"), "note"]}),
            date_fieldset(StatusChange, "changed", present, help_text=False),
            (_("Source"), {"fields": [CITATION_LINE, SEEN]}),
        ]


class VisitInline(CitedRowInline, admin.StackedInline):
    model = Visit
    formfield_overrides = SMALL_TEXT
    autocomplete_fields = [
        "sender",
        "other_senders",
        "hosts",
        "sent_from",
        "places",
        "organizations_visited",
    ]

    def row_fieldsets(self, request, obj=None):
        present = {f.name for f in Visit._meta.concrete_fields}
        return [
            (
                None,
                {
                    "fields": [
                        ("occasion", "ordinal"),
                        ("direction", "status", "format"),
                        ("sender", "sent_from"),
                        ("other_senders", "hosts"),
                        ("days", "recurrence"),
                    ]
                },
            ),
            date_fieldset(Visit, "visited", present, help_text=False),
            (
                _("Who went"),
                {
                    "fields": [
                        ("headcount_qualifier", "teachers", "students", "others", "people_in_all"),
                        ("places", "organizations_visited"),
                        "aims",
                        "programme",
                        "topics",
                        "description",
                    ]
                },
            ),
            (_("Source"), {"fields": [CITATION_LINE, SEEN]}),
        ]


class PartnershipPersonInline(OwnVisits, CitedRowInline, admin.TabularInline):
    """Named people's parts in the partnership, or in one of its visits (who went, led the
    group, interpreted, organized the exchanges...), each with its source."""

    model = PartnershipPerson
    autocomplete_fields = ["person"]
    fields = ["person", "group", "role", "visit", "title", "summary", *CITATION_LINE, *SEEN]
    own_help = _(
        "One of this partnership's visits (add the visit above and save first); empty for a "
        "part in the partnership as a whole (organized the exchanges, helped bring it about)."
    )


class DescribedChanges(HistoricalRecordContextHelper):
    """History's "Changes" column: a related record by name, "(deleted)" when it is gone, and
    a partial date as one line in words ("2004" → "2005"), never its stored columns."""

    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if field.many_to_one or field.one_to_one:
            return describe_related(field, value)
        return super().prepare_delta_change_value(change, value)

    def context_for_delta_changes(self, delta):
        groups = date_groups(self.model)
        member = {name: prefix for prefix, cols in groups.items() for name in cols}
        dated = {member[c.field] for c in delta.changes if c.field in member}
        delta = dataclasses.replace(
            delta, changes=[c for c in delta.changes if c.field not in member]
        )
        lines = super().context_for_delta_changes(delta)
        for prefix in sorted(dated):
            lines.append(
                {
                    "field": date_label(self.model, prefix),
                    "old": str(date_in(delta.old_record, groups[prefix])),
                    "new": str(date_in(delta.new_record, groups[prefix])),
                }
            )
        return lines


class StaffHistoryAdmin(KnownKeysAutocomplete, SimpleHistoryAdmin):
    """History, revert and optimistic locking, shared by records and the rows inside them.

    Reading history needs the view permission; reverting to an old version is a change and
    needs the change permission (django-simple-history checks only view-history, even on
    POST). An old version whose related records have since been deleted can be read, and
    reverting to it says what cannot come back."""

    form = VersionedForm
    object_history_list_template = "admin/partnerships/object_history_list.html"

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        return super().formfield_for_dbfield(db_field, request, **year_bounds(db_field, kwargs))

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


# The inlines every record's form ends with: the figures sources report about it, where
# sources differ, its citations.
RECORD_INLINES = [FigureInline, OtherAccountInline, CitationInline]


class RecordAdmin(DateFieldsets, SpreadsheetAdminMixin, StaffHistoryAdmin):
    """Shared behaviour of every public record's admin."""

    inlines = RECORD_INLINES
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

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Published in this save (a new record, or a draft): so are the figures in its form.
        obj = form.instance
        if (
            obj.publication == Publication.PUBLISHED
            and (not change or "publication" in form.changed_data)
            and can_publish(request, self.model)
        ):
            ReportedFigure.publish_drafts_about(obj, "published with its record")

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
                held_for_review=needs_review(request.user, obj)
                and self.has_change_permission(request, obj),
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
                    if state == Publication.PUBLISHED:
                        ReportedFigure.publish_drafts_about(obj, obj._change_reason)
                    changed += 1
        self.message_user(
            request,
            ngettext("%(n)d record now %(state)s.", "%(n)d records now %(state)s.", changed)
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

    def may_restore(self, request) -> bool:
        """Whether the user may bring a deleted record back (as a draft): who may add one."""
        return self.has_add_permission(request)

    def deleted_view(self, request):
        if not self.may_restore(request):
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
        if not self.may_restore(request):
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


class RegionForm(VersionedForm):
    def clean(self):
        data = super().clean()
        if data.get("members") and data.get("kind") != RegionKind.GROUP:
            self.add_error(
                "members",
                gettext(
                    "Only a group of countries has member countries: set the kind to “%(kind)s”"
                    " or leave the members empty."
                )
                % {"kind": RegionKind.GROUP.label},
            )
        return data


@admin.register(Region)
class RegionAdmin(RecordAdmin):
    form = RegionForm
    list_display = ["name", "kind", "iso_code", "parent", "publication", "citation_count"]
    list_filter = ["publication", "kind"]
    search_fields = ["name", "slug", "iso_code", "other_names__name"]
    autocomplete_fields = ["parent", "members"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["parent"]
    inlines = [RegionNameInline, *RECORD_INLINES]
    resource_classes = [RESOURCES_BY_MODEL[Region]]


@admin.register(Organization)
class OrganizationAdmin(RecordAdmin):
    list_display = ["name", "kind", "region", "publication", "citation_count"]
    list_filter = ["publication", "kind", ("country", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "slug", "other_names__name", "description"]
    autocomplete_fields = ["region", "parent", "supervised_by"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["region"]
    inlines = [OrganizationNameInline, *RECORD_INLINES]
    resource_classes = [OrganizationResource]


@admin.register(Person)
class PersonAdmin(RecordAdmin):
    list_display = ["label", "position", "organization", "publication"]
    list_filter = ["publication"]
    search_fields = ["name", "other_names__name", "position", "organization__name"]
    autocomplete_fields = ["organization", "country"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["organization"]
    inlines = [PersonNameInline, PersonPositionInline, *RECORD_INLINES]
    resource_classes = [RESOURCES_BY_MODEL[Person]]

    @admin.display(description=_("name"), ordering="name")
    def label(self, obj):
        # "Principal, Uiwang High School (name not given)" for a person the source does
        # not name, rather than an empty first column.
        return str(obj)


@admin.register(ConferenceSeries)
class ConferenceSeriesAdmin(RecordAdmin):
    list_display = ["name", "first_held_year", "frequency", "alliance", "publication"]
    list_filter = ["publication"]
    search_fields = ["name", "other_names", "description"]
    autocomplete_fields = ["alliance", "organizers", "venue_region", "venue"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["alliance"]


@admin.register(Conference)
class ConferenceAdmin(RecordAdmin):
    list_display = ["name", "series", "edition", "held", "host_region", "format", "publication"]
    list_filter = ["publication", "format", "series", "held_precision"]
    search_fields = ["name", "other_names", "theme", "summary", "series__name"]
    autocomplete_fields = [
        "series",
        "held_within",
        "host_region",
        "other_host_regions",
        "venue",
        "alliance",
        "organizers",
        "run_by",
        "co_organizers",
        "guided_by",
        "initiated_by",
        "participating_regions",
        "partner_regions",
    ]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["series", "host_region"]
    inlines = [SpeechInline, ConferenceDocumentInline, *RECORD_INLINES]
    resource_classes = [RESOURCES_BY_MODEL[Conference]]
    held = date_column("held", _("held"))


@admin.register(Alliance)
class AllianceAdmin(RecordAdmin):
    list_display = ["name", "kind", "focus", "founded", "founding_conference", "publication"]
    list_filter = ["publication", "kind", "focus"]
    search_fields = ["name", "other_names", "summary"]
    autocomplete_fields = ["part_of", "founded_in", "countries", "founding_conference"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["founding_conference"]
    inlines = [
        AllianceBodyInline,
        AllianceMembershipInline,
        AllianceEventInline,
        AllianceEventActorInline,
        AllianceDocumentInline,
        *RECORD_INLINES,
    ]
    resource_classes = [RESOURCES_BY_MODEL[Alliance]]
    founded = date_column("founded", _("founded"))


@admin.register(SisterSchoolPartnership)
class SisterSchoolPartnershipAdmin(RecordAdmin):
    list_display = ["__str__", "level", "status", "established", "conference", "publication"]
    list_filter = ["publication", "level", "status"]
    search_fields = [
        "party_a__name",
        "party_b__name",
        "source_label",
        "other_names",
        "summary",
        "slug",
    ]
    autocomplete_fields = ["party_a", "party_b", "conference", "series", "predecessor", "parent"]
    list_select_related = ["party_a", "party_b", "conference"]
    inlines = [
        PartnershipPartyInline,
        AgreementInline,
        StatusChangeInline,
        VisitInline,
        PartnershipPersonInline,
        *RECORD_INLINES,
    ]
    resource_classes = [PartnershipResource]
    established = date_column("established", _("established"))


@admin.register(Source)
class SourceAdmin(RecordAdmin):
    list_display = ["title", "outlet", "date", "language", "publication"]
    list_filter = ["publication", "language", "reliability", "outlet"]
    search_fields = ["title", "outlet", "original_outlet", "authors", "editors", "summary"]
    autocomplete_fields = ["mirror_of"]
    # A source is what citations point to; it is not cited itself.
    inlines = [FigureInline, OtherAccountInline]
    resource_classes = [RESOURCES_BY_MODEL[Source]]
    date = date_column("published", _("date"))


@admin.register(ReportedFigure)
class ReportedFigureAdmin(RecordAdmin):
    """Figures are added in the form of the record they are about; here they are listed and
    can be changed, but what they are about is not a field: it links to that record."""

    list_display = ["__str__", "about", "as_of_date", "publication"]
    list_filter = ["publication", "metric", "qualifier", "status", "subject_type"]
    search_fields = ["description"]
    exclude = ["subject_type", "subject_id"]
    inlines = [OtherAccountInline, CitationInline]
    resource_classes = [RESOURCES_BY_MODEL[ReportedFigure]]
    as_of_date = date_column("as_of", _("as of"))

    def get_readonly_fields(self, request, obj=None):
        return ["about", *super().get_readonly_fields(request, obj)]

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return ["about", *(f for f in fields if f != "about")]

    @admin.display(description=_("about"))
    def about(self, obj):
        return record_link(obj, "subject")

    def has_add_permission(self, request):
        # A figure is added in the form of the record it is about.
        return False

    def add_view(self, request, form_url="", extra_context=None):
        return added_elsewhere(
            self,
            request,
            gettext(
                "A figure is added on the page of the record it is about, in its “reported "
                "figures” part, with the source that reports it."
            ),
        )

    def may_restore(self, request) -> bool:
        return super().has_add_permission(request)


class SubordinateAdmin(StaffHistoryAdmin):
    """Rows that belong to a record (citations, speeches, memberships, events, agreements...),
    on their own pages: the same history and optimistic locking as in the record's form.

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
    """Citations are added in the form of the record (or row) they support; here they are
    listed and can be changed, but what they support is not a field: it links to it."""

    list_display = ["record", "source", "paragraph", "section", "note"]
    list_filter = ["source", "content_type"]
    search_fields = ["note", "section", "source__title"]
    autocomplete_fields = ["source"]
    list_select_related = ["source", "content_type"]
    exclude = ["content_type", "object_id"]
    readonly_fields = ["supports"]
    resource_classes = [RESOURCES_BY_MODEL[Citation]]

    @admin.display(description=_("supports"))
    def supports(self, obj):
        return record_link(obj, "record")

    def has_add_permission(self, request):
        return False

    def add_view(self, request, form_url="", extra_context=None):
        return added_elsewhere(
            self,
            request,
            gettext(
                "A citation is added on the page of the record it supports, in its "
                "“citations” part (or, for an agreement, a visit or a figure, in its row there)."
            ),
        )


def record_link(obj, field: str):
    """The record a generic relation points to, linked to its admin page."""
    target = getattr(obj, field) if obj is not None and obj.pk else None
    if target is None:
        return gettext("(a record that no longer exists)")
    opts = target._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[target.pk])
    return format_html(
        '<a href="{}">{} “{}”</a>', url, capfirst(opts.verbose_name), safe_str(target)
    )


def added_elsewhere(model_admin, request, message):
    """The add page of a row that is added in another record's form: back to the list,
    saying where."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    model_admin.message_user(request, message, messages.INFO)
    opts = model_admin.model._meta
    return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))


@admin.register(Speech)
class SpeechAdmin(SpreadsheetAdminMixin, SubordinateAdmin):
    list_display = ["person", "organization", "conference", "role", "mode"]
    list_filter = ["role", "mode", "conference"]
    search_fields = ["person__name", "organization__name", "conference__name", "title", "summary"]
    autocomplete_fields = ["person", "organization", "conference", "side"]
    inlines = [CitationInline]
    resource_classes = [RESOURCES_BY_MODEL[Speech]]


@admin.register(AllianceMembership)
class AllianceMembershipAdmin(SubordinateAdmin):
    list_display = ["__str__", "alliance", "body", "role", "country"]
    list_filter = ["role", "alliance"]
    search_fields = ["organization__name", "person__name", "title", "alliance__name"]
    autocomplete_fields = ["organization", "person", "alliance", "country"]
    inlines = [CitationInline]


@admin.register(AllianceEvent)
class AllianceEventAdmin(DateFieldsets, SubordinateAdmin):
    list_display = ["alliance", "kind", "occurred"]
    list_filter = ["kind"]
    search_fields = ["alliance__name", "description"]
    autocomplete_fields = ["alliance", "conference"]
    inlines = [CitationInline]
    occurred = date_column("occurred", _("date"))


@admin.register(AllianceEventActor)
class AllianceEventActorAdmin(SubordinateAdmin):
    list_display = ["__str__", "event", "alliance"]
    list_filter = ["role"]
    search_fields = ["organization__name", "person__name", "title", "alliance__name"]
    autocomplete_fields = ["alliance", "organization", "person"]
    list_select_related = ["organization", "person", "event__alliance", "alliance"]
    inlines = [CitationInline]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        event = form.base_fields.get("event")
        if event is not None and obj is not None and obj.alliance_id:
            # Only the events of the row's alliance (the model's rule, as choices).
            event.queryset = AllianceEvent.objects.filter(alliance=obj.alliance_id)
            event.label_from_instance = event_label
        return form


@admin.register(AllianceBody)
class AllianceBodyAdmin(SubordinateAdmin):
    list_display = ["name", "kind", "alliance", "country"]
    list_filter = ["kind"]
    search_fields = ["name", "alliance__name", "description"]
    autocomplete_fields = ["alliance", "country", "host"]
    inlines = [CitationInline]


@admin.register(ConferenceDocument)
class ConferenceDocumentAdmin(SubordinateAdmin):
    list_display = ["title", "kind", "conference"]
    list_filter = ["kind"]
    search_fields = ["title", "other_titles", "conference__name"]
    autocomplete_fields = ["conference", "issuers"]
    inlines = [CitationInline]


@admin.register(AllianceDocument)
class AllianceDocumentAdmin(SubordinateAdmin):
    list_display = ["title", "kind", "alliance"]
    list_filter = ["kind"]
    search_fields = ["title", "other_titles", "alliance__name"]
    autocomplete_fields = ["alliance", "issuers"]
    inlines = [CitationInline]


@admin.register(PartnershipParty)
class PartnershipPartyAdmin(SubordinateAdmin):
    list_display = ["organization", "role", "partnership"]
    list_filter = ["role"]
    search_fields = ["organization__name"]
    autocomplete_fields = ["partnership", "organization"]
    inlines = [CitationInline]


@admin.register(PartnershipPerson)
class PartnershipPersonAdmin(SubordinateAdmin):
    list_display = ["person", "role", "title", "visit", "partnership"]
    list_filter = ["role"]
    search_fields = ["person__name", "title"]
    autocomplete_fields = ["partnership", "person"]
    list_select_related = ["person", "visit", "partnership__party_a", "partnership__party_b"]
    inlines = [CitationInline]

    def held_for_review(self, request, obj) -> bool:
        # The row's record is its partnership (whose form it is edited in).
        if obj is not None and obj.partnership_id:
            return needs_review(request.user, obj.partnership)
        return super().held_for_review(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        visit = form.base_fields.get("visit")
        if visit is not None and obj is not None and obj.partnership_id:
            # Only the visits of the row's partnership (the model's rule, as choices).
            visit.queryset = Visit.objects.filter(partnership=obj.partnership_id)
        return form


@admin.register(Agreement)
class AgreementAdmin(DateFieldsets, SubordinateAdmin):
    list_display = ["__str__", "kind", "status", "signed", "partnership"]
    list_filter = ["kind", "status", "signed_precision"]
    search_fields = ["title", "summary"]
    autocomplete_fields = ["partnership", "conference", "place", "signed_at", "signatories"]
    inlines = [CitationInline]
    signed = date_column("signed", _("signed"))


@admin.register(StatusChange)
class StatusChangeAdmin(DateFieldsets, SubordinateAdmin):
    list_display = ["status", "changed", "partnership"]
    list_filter = ["status"]
    search_fields = ["note"]
    autocomplete_fields = ["partnership"]
    inlines = [CitationInline]
    changed = date_column("changed", _("date"))


@admin.register(Visit)
class VisitAdmin(DateFieldsets, SubordinateAdmin):
    list_display = ["direction", "visited", "headcount_display", "partnership"]
    list_filter = ["direction"]
    search_fields = ["occasion", "description", "recurrence"]
    autocomplete_fields = ["partnership", "sender", "sent_from"]
    inlines = [CitationInline]
    visited = date_column("visited", _("date"))


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


def proposed_value(model, field, value):
    return field.to_python(value) if value is not None else None


def describe_changes(model, current, values: dict, links=None, skip=()) -> list[dict]:
    """Each changed field in words, the value now (``current``, None for a new row) and the
    proposed one; a partial date as one line in words; a field pointing to a row added in the
    same change says so."""
    links = links or {}
    groups = date_groups(model)
    member = {name: prefix for prefix, cols in groups.items() for name in cols}
    lines, dated = [], []
    for attname, value in values.items():
        name = name_of(model, attname)
        if name in skip:
            continue
        if name in member:
            if member[name] not in dated:
                dated.append(member[name])
            continue
        field = model._meta.get_field(name)
        if field.many_to_many:
            related = field.related_model._base_manager
            now = (
                "; ".join(safe_str(r) for r in getattr(current, field.name).all())
                if current
                else ""
            )
            proposed = "; ".join(safe_str(r) for r in related.filter(pk__in=value or []))
        else:
            now = describe_value(model, name, getattr(current, attname), None) if current else ""
            if attname in links:
                target = apps.get_model(links[attname].split(":")[0])
                proposed = gettext("the new %(row)s in this change") % {
                    "row": target._meta.verbose_name
                }
            else:
                proposed = describe_value(model, name, proposed_value(model, field, value), None)
        lines.append({"field": capfirst(field.verbose_name), "now": now, "proposed": proposed})
    for prefix in dated:
        columns = groups[prefix]
        proposed = {}
        for column in columns:
            try:
                field = model._meta.get_field(column)
            except FieldDoesNotExist:
                continue
            if column in values:
                proposed[column] = proposed_value(model, field, values[column])
            elif current is not None:
                proposed[column] = getattr(current, column)
            else:
                proposed[column] = field.get_default()
        lines.append(
            {
                "field": date_label(model, prefix),
                "now": str(date_in(current, columns)) if current is not None else "",
                "proposed": str(date_in(SimpleNamespace(**proposed), columns)),
            }
        )
    return lines


def describe_fields(revision) -> list[dict]:
    """Field by field: the value now (published) and the proposed one, in words."""
    model = revision.content_type.model_class()
    return describe_changes(model, revision.record, revision.changes.get("fields", {}))


def new_row_label(model, values: dict, links: dict) -> str:
    """What a row added by the revision will be called ("over 5,000 participants online")."""
    row = model()
    for attname, value in values.items():
        field = model._meta.get_field(name_of(model, attname))
        if field.many_to_many or attname in links:
            continue
        setattr(row, attname, proposed_value(model, field, value))
    try:
        return str(row)
    except (ObjectDoesNotExist, AttributeError, TypeError, ValueError):
        return ""


def describe_rows(revision) -> list[dict]:
    record_model = revision.content_type.model_class()
    verbs = {"add": gettext("Add"), "change": gettext("Change"), "delete": gettext("Delete")}
    rows = []
    for row in revision.changes.get("rows", []):
        model = apps.get_model(row["model"])
        current = model._base_manager.filter(pk=row["pk"]).first() if row["pk"] else None
        links = row.get("links", {})
        # What ties the row to this record is not a change of it.
        skip = {"content_type", "object_id", "subject_type", "subject_id"}
        if row["action"] == "add":
            skip.update(
                f.name
                for f in model._meta.concrete_fields
                if f.many_to_one and f.related_model is record_model
            )
        changes = describe_changes(model, current, row["fields"], links, skip)
        if row["action"] == "add":  # a new row: only what it says
            changes = [
                c for c in changes if c["proposed"] not in ("", gettext("date not reported"))
            ]
        if model is Citation and row["action"] == "add":
            changes.insert(0, describe_cited(row, links, record_model, revision.object_id))
        label = safe_str(current) if current is not None else ""
        if row["action"] == "add":
            label = new_row_label(model, row["fields"], links)
        rows.append(
            {
                "action": verbs[row["action"]],
                "kind": capfirst(model._meta.verbose_name),
                "label": f"“{label}”" if label else "",
                "changes": [c for c in changes if c is not None],
            }
        )
    return rows


def describe_cited(row, links, record_model, record_id) -> dict | None:
    """Which row a new citation supports, when it is not the record itself."""
    ct_id, object_id = row["fields"].get("content_type_id"), row["fields"].get("object_id")
    cited_model = ContentType.objects.get_for_id(ct_id).model_class() if ct_id else None
    if cited_model is None or (cited_model is record_model and object_id == record_id):
        return None
    if "object_id" in links:
        what = gettext("the new %(row)s in this change") % {"row": cited_model._meta.verbose_name}
    else:
        cited = cited_model._base_manager.filter(pk=object_id).first()
        what = f"{cited_model._meta.verbose_name} “{safe_str(cited)}”" if cited else "?"
    return {"field": gettext("Supports"), "now": "", "proposed": what}
