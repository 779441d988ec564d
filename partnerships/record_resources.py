"""Spreadsheet (CSV, XLSX) import and export of the other records staff enter: regions,
sources, citations, alliances with their memberships, conferences, people, speeches and
reported figures.

Each resource follows ``resources.OrganizationResource``: human column names; related records
given by slug or exact name (a name that matches nothing, or several records, is an error of
its row and column); choices by value or label; partial dates as ``YYYY``, ``YYYY-MM`` or
``YYYY-MM-DD`` with their precision; required columns checked for the whole file; the same
record twice in a file refused, naming both rows; the model's own validation (``full_clean``,
the rules of the admin's forms) for every row; all-or-nothing (``CitedResource.import_data``).
New records are drafts: publication is never a column. A row that matches a stored record
(by slug, else exact name; for records without a name, by what makes them unique) updates it.

Columns are documented in docs/importing.md, with a sample file per type in
docs/import-samples/. ``RESOURCES_BY_MODEL`` maps each model to its resource, for the admin's
``resource_classes``.
"""

from __future__ import annotations

import re

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import CharField
from django.utils.translation import gettext
from import_export import fields, widgets
from import_export.results import RowResult

from . import revisions
from .models import (
    Alliance,
    AllianceFocus,
    AllianceKind,
    AllianceMembership,
    AttendanceMode,
    Citation,
    Conference,
    ConferenceSeries,
    EventFormat,
    EventKind,
    EventRole,
    FigureOrigin,
    FigurePeriod,
    FigureQualifier,
    FigureStatus,
    MemberRole,
    MembershipFee,
    Metric,
    Organization,
    OrganizationKind,
    Person,
    PersonName,
    Record,
    Region,
    RegionKind,
    ReportedFigure,
    SisterSchoolPartnership,
    Source,
    SourceDateKind,
    SourceReliability,
    Speech,
)
from .resources import (
    MAX_CELL,
    ChoiceWidget,
    CitedResource,
    FigureNumberWidget,
    FullDateWidget,
    LookupWidget,
    WholeNumberWidget,
    YesNoWidget,
    parse_partial_date,
    partial_date_columns,
    partial_date_extras,
    render_partial_date,
)

# Fields every record has that an import never compares or writes from a cell.
_BOOKKEEPING = {"version", "created_at", "updated_at", "search_text", "search_vector", "path"}


def _short(value: str, n: int = 60) -> str:
    return value if len(value) <= n else value[:n] + "…"


def _text(value) -> str:
    return (str(value).strip() if value is not None else "")[:MAX_CELL]


def _parts(text: str) -> list[str]:
    """A cell listing several values, separated by semicolons."""
    return [part.strip() for part in str(text or "").split(";") if part.strip()]


# --------------------------------------------------------------------------- widgets


class SourceWidget(widgets.Widget):
    """A source given by its id (the number in /sources/<id>/) or its exact title."""

    def clean(self, value, row=None, **kwargs):
        text = _text(value)
        if not text:
            return None
        if text.isdigit():
            found = Source.objects.filter(pk=int(text)).first()
            if found:
                return found
        matches = list(Source.objects.filter(title=text[:500])[:2])
        if len(matches) > 1:
            raise ValueError(f"'{_short(text)}' matches several sources; give the id.")
        if not matches:
            raise ValueError(f"Unknown source '{_short(text)}' (no id or title matches).")
        return matches[0]

    def render(self, value, obj=None, **kwargs):
        return value.pk if value is not None else ""


# Records that other rows name by kind and slug or name (citations, reported figures).
# kind -> (model, name field, other lookup)
RECORD_KINDS = {
    "alliance": (Alliance, "name", None),
    "conference": (Conference, "name", None),
    "conference_series": (ConferenceSeries, "name", None),
    "organization": (Organization, "name", "other_names__name"),
    "partnership": (SisterSchoolPartnership, "slug", None),  # by slug only: it has no name
    "person": (Person, "name", None),
    "region": (Region, "name", "other_names__name"),
}


def _kind_key(text: str) -> str:
    return re.sub(r"[\s\-_]+", "_", text.strip().lower())


def _kind_aliases() -> dict[str, str]:
    aliases = {}
    for kind, (model, _, _) in RECORD_KINDS.items():
        for alias in (kind, model._meta.model_name, str(model._meta.verbose_name)):
            aliases[_kind_key(alias)] = kind
    aliases["series"] = "conference_series"
    return aliases


def parse_kind(text: str, label: str) -> str:
    """A kind of record ('conference', 'Conference series', 'sisterschoolpartnership')."""
    kind = _kind_aliases().get(_kind_key(text))
    if kind is None:
        allowed = ", ".join(RECORD_KINDS)
        raise ValueError(f"Unknown {label.lower()} '{_short(text)}'; use one of: {allowed}.")
    return kind


def kind_of(model) -> str:
    for kind, (kind_model, _, _) in RECORD_KINDS.items():
        if kind_model is model:
            return kind
    return model._meta.model_name


def kind_and_record(row, kind_column: str, record_column: str, what: str):
    """The record a row names by kind (``kind_column``) and slug or name (``record_column``);
    None when either cell is empty. Errors are under the column they are about."""
    kind_text, text = _text(row.get(kind_column)), _text(row.get(record_column))
    if not kind_text or not text:
        return None
    try:
        kind = parse_kind(kind_text, f"Kind of {what}")
    except ValueError as exc:
        raise ValidationError({kind_column: [str(exc)]}) from None
    try:
        return find_record(kind, text, what.capitalize())
    except ValueError as exc:
        raise ValidationError({record_column: [str(exc)]}) from None


def find_record(kind: str, text: str, label: str):
    """The record of ``kind`` whose slug, else exact name, is ``text`` (ValueError if none or
    several)."""
    model, name_field, also = RECORD_KINDS[kind]
    widget = LookupWidget(model, label, name_field=name_field, also=also)
    return widget.clean(text)


# --------------------------------------------------------------------------- base


class RecordResource(CitedResource):
    """What every resource of this module shares, on top of ``CitedResource``.

    Subclasses say which columns are required (``required_columns``, checked for the file;
    ``required_values``, checked for each row), which columns are partial dates
    (``partial_dates``: column -> field prefix), which model fields a column stands for
    (``columns``: field name -> column, so that every message names the column), and how a
    row finds its stored record (``get_instance``) and what makes two rows the same record
    (``identity``)."""

    label = "record"
    required_values: dict[str, str] = {}
    partial_dates: dict[str, str] = {}
    columns: dict[str, str] = {}
    defaults: dict[str, object] = {}
    groups: tuple[tuple[str, ...], ...] = ()  # columns read together (a kind and a record)
    identity_column = "name"

    class Meta:
        import_id_fields = ()
        use_transactions = True
        rollback_on_validation_errors = True
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def save_instance(self, instance, is_create, row, **kwargs):
        """Review before publishing: a row of someone who may not publish that would change a
        published record (or add to, or change, a row of one) is refused with a message; such
        a change is made in the record's own form, where it waits for a publisher's review."""
        user = kwargs.get("user")
        if user is not None:
            record = instance if isinstance(instance, Record) else revisions.parent_of(instance)
            held = record is not None and not (is_create and record is instance)
            if held and revisions.needs_review(user, record):
                raise ValidationError(
                    gettext(
                        "“%(record)s” is published: change it in its own form in the admin, "
                        "where the change waits for a publisher's review."
                    )
                    % {"record": record}
                )
        super().save_instance(instance, is_create, row, **kwargs)

    # ------------------------------------------------------------------ helpers

    def column_for(self, key: str) -> str:
        if key == NON_FIELD_ERRORS:
            return key
        if key in self.columns:
            return self.columns[key]
        if key in self.fields:  # a column of its own (held_not_after)
            return key
        for column, prefix in self.partial_dates.items():
            if key == self.date_field(prefix) or key.startswith(f"{prefix}_"):
                return column
        return key

    def date_field(self, prefix: str) -> str:
        """The field of a partial date's day: ``<prefix>_on``, or ``as_of`` for a figure."""
        names = {f.name for f in self._meta.model._meta.concrete_fields}
        return f"{prefix}_on" if f"{prefix}_on" in names else prefix

    def fields_for(self, column: str) -> set[str]:
        names = {column} | {f for f, c in self.columns.items() if c == column}
        if column == "name":
            names.add("slug")  # made from the name
        prefix = self.partial_dates.get(column)
        if prefix:
            names |= {self.date_field(prefix), f"{prefix}_precision", f"{prefix}_not_after"}
            names |= {f"{prefix}_year_inferred", f"{prefix}_year_basis", f"{prefix}_as_given"}
        for group in self.groups:
            if column in group:
                for other in group:
                    names |= {other} | {f for f, c in self.columns.items() if c == other}
        return names

    def _merge(self, errors: dict, exc: ValidationError) -> dict:
        for key, items in exc.update_error_dict({}).items():
            column = self.column_for(key)
            for item in items:
                messages = item.messages if isinstance(item, ValidationError) else [str(item)]
                target = errors.setdefault(column, [])
                target.extend(m for m in messages if m not in target)
        return errors

    def match_by_slug_or_name(self, row, name_field: str = "name"):
        """The stored record with the row's slug, else with its exact name."""
        model = self._meta.model
        slug = _text(row.get("slug"))
        name = _text(row.get(name_field))
        if slug:
            found = model._default_manager.filter(slug=slug).first()
            if found:
                return found
        if name:
            matches = list(model._default_manager.filter(**{name_field: name})[:2])
            if len(matches) > 1:
                raise ValidationError(
                    {
                        name_field: f"'{_short(name)}' matches several "
                        f"{model._meta.verbose_name_plural}; give the slug to choose."
                    }
                )
            if matches:
                return matches[0]
        return None

    def get_instance(self, instance_loader, row):
        return self.match_by_slug_or_name(row)

    def identity(self, instance, row):
        """What makes two rows of a file the same record (None: not known, not checked)."""
        if instance.pk is not None:
            return ("pk", instance.pk)
        slug = getattr(instance, "slug", "")
        if slug:
            return ("slug", slug)
        name = _text(row.get("name")).lower()
        return ("name", name) if name else None

    def check_same_record(self, instance, row):
        key = self.identity(instance, row)
        if key is None:
            return
        number = self._row_number
        first = self._seen.get(key)
        if first is not None and first != number:
            raise ValidationError(
                {
                    self.identity_column: f"Duplicate: row {number} is the same {self.label} as "
                    f"row {first} of this file; keep one of them."
                }
            )
        self._seen.setdefault(key, number)

    # ------------------------------------------------------------------ import

    def before_import(self, dataset, **kwargs):
        self._seen = {}
        self._file_refused = True
        super().before_import(dataset, **kwargs)  # raises for a missing required column
        self._file_refused = False

    def import_row(self, row, instance_loader, **kwargs):
        """A refused file (a required column missing) reports that alone, not every row's
        consequence of it."""
        if getattr(self, "_file_refused", False):
            result = self.get_row_result_class()()
            result.import_type = RowResult.IMPORT_TYPE_SKIP
            return result
        return super().import_row(row, instance_loader, **kwargs)

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        """A cell too long for its column is an error of that cell alone: the row's other
        cells are still read (and checked)."""
        try:
            super().import_field(field, instance, row, is_m2m=is_m2m, **kwargs)
        except ValidationError as exc:
            raise ValueError(" ".join(exc.messages)) from None

    def import_instance(self, instance, row, **kwargs):
        errors: dict = {}
        for column, message in self.required_values.items():
            if not _text(row.get(column)):
                errors.setdefault(column, []).append(message)
        stored_text = {
            f.attname: getattr(instance, f.attname)
            for f in instance._meta.concrete_fields
            if isinstance(getattr(instance, f.attname), str)
        }
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            self._merge(errors, exc)
        # A cell is read without its surrounding spaces: a stored text that differs only by
        # them is left as it is (an exported file imports back unchanged).
        # An empty slug cell keeps the stored slug (it is made from the name only for a new
        # record).
        for attname, old in stored_text.items():
            new = getattr(instance, attname)
            if instance.pk is None or not isinstance(new, str):
                continue
            if new == old.strip() or (attname == "slug" and not new):
                setattr(instance, attname, old)
        for column, prefix in self.partial_dates.items():
            if column not in row:
                continue
            try:
                on, precision = parse_partial_date(_text(row.get(column)))
            except ValidationError as exc:
                errors.setdefault(column, []).extend(exc.messages)
            else:
                setattr(instance, self.date_field(prefix), on)
                setattr(instance, f"{prefix}_precision", precision)
        for attribute, default in self.defaults.items():
            if getattr(instance, attribute) in (None, ""):
                setattr(instance, attribute, default)
        for field in instance._meta.concrete_fields:
            # An empty cell of a text that may be blank but not NULL (a breakdown left
            # empty: the whole is counted) is the empty text.
            if (
                isinstance(field, CharField)
                and not field.null
                and getattr(instance, field.attname) is None
            ):
                setattr(instance, field.attname, "")
        try:
            self.import_extras(instance, row)
        except ValidationError as exc:
            self._merge(errors, exc)
        if self.identity_column not in errors:
            try:
                self.check_same_record(instance, row)
            except ValidationError as exc:
                self._merge(errors, exc)
        if errors:
            raise ValidationError(errors)

    def import_extras(self, instance, row) -> None:
        """Columns that are not fields of the record (lists, memberships): read and checked
        here, written by ``save_extras`` once the record is saved."""

    def extras_change(self, instance) -> bool:
        """Whether ``save_extras`` would change anything (a row that changes only them is
        not skipped as unchanged)."""
        return False

    def save_extras(self, instance) -> None:
        pass

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """The model's full_clean (the rules of the admin's forms), every message under the
        column it is about."""
        errors: dict = {}
        for column, messages in (import_validation_errors or {}).items():
            errors[column] = list(messages)
        exclude = set()
        for column in errors:
            exclude |= self.fields_for(column)
        try:
            instance.full_clean(exclude=exclude, validate_unique=validate_unique)
        except ValidationError as exc:
            self._merge(errors, exc)
        if errors:
            raise ValidationError(errors)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        """A stored record that the row leaves exactly as it is (fields, citation, lists)."""
        if import_validation_errors or original is None or original.pk is None:
            return False
        for field in instance._meta.concrete_fields:
            if field.name in _BOOKKEEPING or field.attname in _BOOKKEEPING:
                continue
            if getattr(instance, field.attname) != getattr(original, field.attname):
                return False
        citation = getattr(instance, "_import_citation", None)
        if citation and not self._has_citation(instance, *citation):
            return False
        return not self.extras_change(instance)

    @staticmethod
    def _has_citation(instance, source, paragraph, section="") -> bool:
        return Citation.objects.filter(
            content_type=ContentType.objects.get_for_model(type(instance)),
            object_id=instance.pk,
            source=source,
            paragraph=paragraph,
            section=section,
        ).exists()

    def after_save_instance(self, instance, row, **kwargs):
        super().after_save_instance(instance, row, **kwargs)
        key = ("pk", instance.pk)
        self._seen.setdefault(key, self._row_number)
        self.save_extras(instance)

    # ------------------------------------------------------------------ export

    def dehydrate_partial(self, obj, prefix: str) -> str:
        return render_partial_date(
            getattr(obj, self.date_field(prefix)), getattr(obj, f"{prefix}_precision")
        )


class _ListOfRecords:
    """A semicolon-separated list of records (slug or exact name) in one cell."""

    def __init__(self, model, label, also=None):
        self.widget = LookupWidget(model, label, also=also)
        self.label = label

    def clean(self, text) -> list:
        records, problems, seen = [], [], set()
        for part in _parts(text):
            try:
                record = self.widget.clean(part)
            except ValueError as exc:
                problems.append(str(exc))
                continue
            if record.pk in seen:
                problems.append(f"'{_short(part)}' is named twice in this cell.")
                continue
            seen.add(record.pk)
            records.append(record)
        if problems:
            raise ValueError(" ".join(problems))
        return records

    @staticmethod
    def render(records) -> str:
        return "; ".join(sorted(r.slug for r in records))


# --------------------------------------------------------------------------- regions


class RegionResource(RecordResource):
    label = "region"
    required_columns = ("name", "kind")
    required_values = {"name": "The name is empty.", "kind": "The kind is empty."}

    name = fields.Field(attribute="name", column_name="name")
    slug = fields.Field(attribute="slug", column_name="slug")
    kind = fields.Field(
        attribute="kind", column_name="kind", widget=ChoiceWidget(RegionKind.choices, "Kind")
    )
    parent = fields.Field(
        attribute="parent",
        column_name="parent",
        widget=LookupWidget(Region, "Parent region", also="other_names__name"),
    )
    iso_code = fields.Field(attribute="iso_code", column_name="iso_code")

    class Meta(RecordResource.Meta):
        model = Region
        fields = ("name", "slug", "kind", "parent", "iso_code", "source", "paragraph", "section")

    def get_export_queryset(self, request=None, **kwargs):
        return Region.objects.select_related("parent").prefetch_related("citations")


# --------------------------------------------------------------------------- sources


class SourceResource(RecordResource):
    """A source cites nothing: it has no source and paragraph columns. A row matches the
    source with its id, else the one with the same address (url), else, for a row without an
    address, the one with the same exact title and outlet and no address. Its date is a
    partial date (2018, 2018-05, 2018-05-24; --05-24 when no year is printed) with what the
    page says it is (``date_kind``: published, updated, posted, address, copyright)."""

    label = "source"
    required_columns = ("title", "outlet", "summary")
    required_values = {
        "title": "The title is empty.",
        "outlet": "The outlet is empty.",
        "summary": "The summary is empty: say in your own words what the source reports.",
    }
    identity_column = "title"
    partial_dates = {"published_on": "published", "original_on": "original"}

    id = fields.Field(attribute="id", column_name="id", readonly=True)
    title = fields.Field(attribute="title", column_name="title")
    outlet = fields.Field(attribute="outlet", column_name="outlet")
    original_outlet = fields.Field(attribute="original_outlet", column_name="original_outlet")
    original_on = fields.Field(column_name="original_on", attribute=None)
    via = fields.Field(attribute="via", column_name="via")
    url = fields.Field(attribute="url", column_name="url")
    site = fields.Field(attribute="site", column_name="site")
    authors = fields.Field(attribute="authors", column_name="authors")
    editors = fields.Field(attribute="editors", column_name="editors")
    published_on = fields.Field(column_name="published_on", attribute=None)
    date_kind = fields.Field(
        attribute="date_kind",
        column_name="date_kind",
        widget=ChoiceWidget(SourceDateKind.choices, "Date kind"),
    )
    dateline = fields.Field(attribute="dateline", column_name="dateline")
    language = fields.Field(attribute="language", column_name="language")
    is_translation = fields.Field(
        attribute="is_translation", column_name="is_translation", widget=YesNoWidget()
    )
    original_language = fields.Field(attribute="original_language", column_name="original_language")
    mirror_of = fields.Field(attribute="mirror_of", column_name="mirror_of", widget=SourceWidget())
    reliability = fields.Field(
        attribute="reliability",
        column_name="reliability",
        widget=ChoiceWidget(SourceReliability.choices, "Kind of page"),
    )
    reliability_note = fields.Field(attribute="reliability_note", column_name="reliability_note")
    summary = fields.Field(attribute="summary", column_name="summary")
    paragraph_count = fields.Field(
        attribute="paragraph_count",
        column_name="paragraph_count",
        widget=WholeNumberWidget("Number of paragraphs", minimum=1),
    )
    archived_copy = fields.Field(attribute="archived_copy", column_name="archived_copy")

    defaults = {
        "language": "en",
        "date_kind": SourceDateKind.PUBLISHED,
        "reliability": SourceReliability.ORIGINAL,
    }

    class Meta(RecordResource.Meta):
        model = Source
        fields = (
            "id",
            "title",
            "outlet",
            "original_outlet",
            "original_on",
            "via",
            "url",
            "site",
            "authors",
            "editors",
            "published_on",
            "date_kind",
            "dateline",
            "language",
            "is_translation",
            "original_language",
            "mirror_of",
            "reliability",
            "reliability_note",
            "summary",
            "paragraph_count",
            "archived_copy",
        )

    def get_instance(self, instance_loader, row):
        text = _text(row.get("id"))
        if text:
            found = Source.objects.filter(pk=int(text)).first() if text.isdigit() else None
            if found is None:
                raise ValidationError(
                    {"id": f"Unknown source id '{_short(text)}': leave it empty for a new source."}
                )
            return found
        url = _text(row.get("url"))
        if url:
            return Source.objects.filter(url=url[:500]).first()
        title, outlet = _text(row.get("title")), _text(row.get("outlet"))
        if title and outlet:
            return Source.objects.filter(title=title[:500], outlet=outlet[:200], url="").first()
        return None

    def identity(self, instance, row):
        if instance.pk is not None:
            return ("pk", instance.pk)
        url = _text(row.get("url"))
        if url:
            return ("url", url)
        title = _text(row.get("title")).lower()
        return ("title", title, _text(row.get("outlet")).lower()) if title else None

    def dehydrate_published_on(self, obj):
        return self.dehydrate_partial(obj, "published")

    def dehydrate_original_on(self, obj):
        return self.dehydrate_partial(obj, "original")

    def dehydrate_source(self, obj):  # no citation columns
        return ""

    def dehydrate_paragraph(self, obj):
        return ""

    def dehydrate_section(self, obj):
        return ""

    def get_export_queryset(self, request=None, **kwargs):
        return Source.objects.select_related("mirror_of").order_by("pk")


# --------------------------------------------------------------------------- citations


class CitationResource(RecordResource):
    """One citation a row: the record it supports (``record_kind`` and ``record``), the
    source and where in it (``paragraph``, or ``section`` for a page whose paragraphs are not
    numbered, or both), and what it supports (``note``). Unlike the other resources, its
    ``source``, ``paragraph`` and ``section`` columns are the citation itself, not a citation
    to add. A row matches the stored citation of the same record, source, paragraph and
    section (and may then change its note)."""

    label = "citation"
    required_columns = ("record_kind", "record", "source")
    required_values = {
        "record_kind": "The kind of record is empty.",
        "record": "The record is empty.",
        "source": "The source is empty.",
    }
    columns = {"content_type": "record_kind", "object_id": "record"}
    groups = (("record_kind", "record"),)
    identity_column = "record"

    record_kind = fields.Field(column_name="record_kind", attribute=None)
    record = fields.Field(column_name="record", attribute=None)
    source = fields.Field(attribute="source", column_name="source", widget=SourceWidget())
    paragraph = fields.Field(
        attribute="paragraph",
        column_name="paragraph",
        widget=WholeNumberWidget("Paragraph", minimum=1),
    )
    section = fields.Field(attribute="section", column_name="section")
    note = fields.Field(attribute="note", column_name="note")

    class Meta(RecordResource.Meta):
        model = Citation
        fields = ("record_kind", "record", "source", "paragraph", "section", "note")

    def before_import(self, dataset, **kwargs):
        headers = [str(h or "").strip() for h in (dataset.headers or [])]
        if "paragraph" not in headers and "section" not in headers:
            self._file_refused = True
            raise ValueError(
                "Missing column(s): paragraph or section. The first row must name the "
                "columns; see docs/importing.md."
            )
        super().before_import(dataset, **kwargs)

    def citation_from_row(self, row):
        return None  # the row is the citation

    def where(self, row):
        """(paragraph or None, section) of the row (ValueError for a bad paragraph)."""
        paragraph = self.fields["paragraph"].widget.clean(row.get("paragraph"))
        return paragraph, _text(row.get("section"))

    def after_save_instance(self, instance, row, **kwargs):
        self._seen.setdefault(("pk", instance.pk), self._row_number)

    def get_instance(self, instance_loader, row):
        try:
            record = kind_and_record(row, "record_kind", "record", "record")
            source = self.fields["source"].widget.clean(row.get("source"))
            paragraph, section = self.where(row)
        except (ValueError, ValidationError):
            return None  # reported when the row is read
        if record is None or source is None or (paragraph is None and not section):
            return None
        return Citation.objects.filter(
            content_type=ContentType.objects.get_for_model(type(record)),
            object_id=record.pk,
            source=source,
            paragraph=paragraph,
            section=section,
        ).first()

    def import_extras(self, instance, row):
        record = kind_and_record(row, "record_kind", "record", "record")
        if record is not None:
            instance.content_type = ContentType.objects.get_for_model(type(record))
            instance.object_id = record.pk

    def identity(self, instance, row):
        if not (instance.content_type_id and instance.object_id and instance.source_id):
            return None
        return (
            instance.content_type_id,
            instance.object_id,
            instance.source_id,
            instance.paragraph,
            instance.section.lower(),
        )

    def dehydrate_record_kind(self, obj):
        return kind_of(obj.content_type.model_class())

    def dehydrate_record(self, obj):
        record = obj.record
        return getattr(record, "slug", "") if record is not None else ""

    def dehydrate_source(self, obj):
        return obj.source_id

    def dehydrate_paragraph(self, obj):
        return "" if obj.paragraph is None else obj.paragraph

    def dehydrate_section(self, obj):
        return obj.section

    def get_export_queryset(self, request=None, **kwargs):
        kinds = [ContentType.objects.get_for_model(model) for model, _, _ in RECORD_KINDS.values()]
        return (
            Citation.objects.filter(content_type__in=kinds)
            .select_related("content_type", "source")
            .prefetch_related("record")
            .order_by("content_type_id", "object_id", "source_id", "paragraph", "section", "pk")
        )


# --------------------------------------------------------------------------- people


class PersonResource(RecordResource):
    """A person, with the other forms of their name (``other_names``: another script,
    another transliteration, separated by ``;``). A name in the cell that the person does
    not have yet is added; none is removed (that is done in the person's form)."""

    label = "person"
    required_columns = ("name",)
    required_values = {"name": "The name is empty."}

    name = fields.Field(attribute="name", column_name="name")
    slug = fields.Field(attribute="slug", column_name="slug")
    other_names = fields.Field(column_name="other_names", attribute=None)
    honorific = fields.Field(attribute="honorific", column_name="honorific")
    position = fields.Field(attribute="position", column_name="position")
    organization = fields.Field(
        attribute="organization",
        column_name="organization",
        widget=LookupWidget(Organization, "Organization", also="other_names__name"),
    )
    country = fields.Field(
        attribute="country",
        column_name="country",
        widget=LookupWidget(Region, "Country", also="other_names__name"),
    )

    class Meta(RecordResource.Meta):
        model = Person
        fields = (
            "name",
            "slug",
            "other_names",
            "honorific",
            "position",
            "organization",
            "country",
            "source",
            "paragraph",
            "section",
        )

    def import_extras(self, instance, row):
        names = _parts(row.get("other_names")) if "other_names" in row else []
        limit = PersonName._meta.get_field("name").max_length
        too_long = [name for name in names if len(name) > limit]
        if too_long:
            raise ValidationError(
                {
                    "other_names": f"'{_short(too_long[0])}' is too long for a name (at most "
                    f"{limit} characters)."
                }
            )
        instance._import_names = [name for name in dict.fromkeys(names) if name != instance.name]

    def _new_names(self, instance) -> list[str]:
        names = getattr(instance, "_import_names", [])
        if not names:
            return []
        stored = set(instance.other_names.values_list("name", flat=True)) if instance.pk else set()
        return [name for name in names if name not in stored]

    def extras_change(self, instance):
        return bool(self._new_names(instance))

    def save_extras(self, instance):
        for name in self._new_names(instance):
            PersonName.objects.create(person=instance, name=name)

    def dehydrate_other_names(self, obj):
        return "; ".join(n.name for n in obj.other_names.all())

    def get_export_queryset(self, request=None, **kwargs):
        return Person.objects.select_related("organization", "country").prefetch_related(
            "other_names", "citations"
        )


# --------------------------------------------------------------------------- conferences


class ConferenceResource(RecordResource):
    """A conference, with its other names (``other_names``, separated by ``;``), the places
    also hosting it (``other_host_regions``), the alliance it is a meeting of (``alliance``),
    who carried it out for the organizers (``run_by``), who co-organized it
    (``co_organizers``), who guided it (``guided_by``) and the regions named as taking part."""

    label = "conference"
    required_columns = ("name",)
    required_values = {"name": "The name is empty."}
    partial_dates = {"held": "held"}
    columns = {"ends_on": "last_day"}

    name = fields.Field(attribute="name", column_name="name")
    slug = fields.Field(attribute="slug", column_name="slug")
    other_names = fields.Field(column_name="other_names", attribute=None)
    theme = fields.Field(attribute="theme", column_name="theme")
    topics = fields.Field(attribute="topics", column_name="topics")
    programme = fields.Field(attribute="programme", column_name="programme")
    aims = fields.Field(attribute="aims", column_name="aims")
    part_of_occasion = fields.Field(attribute="part_of_occasion", column_name="part_of_occasion")
    held_within = fields.Field(
        attribute="held_within",
        column_name="held_within",
        widget=LookupWidget(Conference, "Conference"),
    )
    alliance = fields.Field(
        attribute="alliance", column_name="alliance", widget=LookupWidget(Alliance, "Alliance")
    )
    series = fields.Field(
        attribute="series",
        column_name="series",
        widget=LookupWidget(ConferenceSeries, "Conference series"),
    )
    edition = fields.Field(
        attribute="edition", column_name="edition", widget=WholeNumberWidget("Edition", 1)
    )
    held = fields.Field(column_name="held", attribute=None)
    held_not_after, held_year_inferred, held_year_basis, held_as_given = partial_date_extras(
        "held", "Held"
    )
    opening_day = fields.Field(
        attribute="opening_on", column_name="opening_day", widget=FullDateWidget("Opening day")
    )
    last_day = fields.Field(
        attribute="ends_on", column_name="last_day", widget=FullDateWidget("Last day")
    )
    format = fields.Field(
        attribute="format", column_name="format", widget=ChoiceWidget(EventFormat.choices, "Format")
    )
    host_region = fields.Field(
        attribute="host_region",
        column_name="host_region",
        widget=LookupWidget(Region, "Host region", also="other_names__name"),
    )
    other_host_regions = fields.Field(column_name="other_host_regions", attribute=None)
    venue = fields.Field(
        attribute="venue",
        column_name="venue",
        widget=LookupWidget(Organization, "Venue", also="other_names__name"),
    )
    organizers = fields.Field(column_name="organizers", attribute=None)
    participating_regions = fields.Field(column_name="participating_regions", attribute=None)
    summary = fields.Field(attribute="summary", column_name="summary")

    run_by = fields.Field(column_name="run_by", attribute=None)
    co_organizers = fields.Field(column_name="co_organizers", attribute=None)
    guided_by = fields.Field(column_name="guided_by", attribute=None)
    initiated_by = fields.Field(column_name="initiated_by", attribute=None)

    LISTS = {
        "other_host_regions": _ListOfRecords(Region, "Host region", also="other_names__name"),
        "organizers": _ListOfRecords(Organization, "Organizer", also="other_names__name"),
        "run_by": _ListOfRecords(Organization, "Carried out by", also="other_names__name"),
        "co_organizers": _ListOfRecords(Organization, "Co-organizer", also="other_names__name"),
        "guided_by": _ListOfRecords(Organization, "Guided by", also="other_names__name"),
        "initiated_by": _ListOfRecords(Organization, "Initiated by", also="other_names__name"),
        "participating_regions": _ListOfRecords(
            Region, "Participating region", also="other_names__name"
        ),
    }
    more_people_unnamed = fields.Field(
        attribute="more_people_unnamed", column_name="more_people_unnamed", widget=YesNoWidget()
    )
    more_regions_unnamed = fields.Field(
        attribute="more_regions_unnamed", column_name="more_regions_unnamed", widget=YesNoWidget()
    )
    kind = fields.Field(
        attribute="kind",
        column_name="kind",
        widget=ChoiceWidget(EventKind.choices, "Kind of event"),
    )
    defaults = {"format": EventFormat.UNKNOWN}

    class Meta(RecordResource.Meta):
        model = Conference
        fields = (
            "name",
            "slug",
            "other_names",
            "kind",
            "theme",
            "topics",
            "programme",
            "aims",
            "part_of_occasion",
            "held_within",
            "alliance",
            "series",
            "edition",
            *partial_date_columns("held"),
            "last_day",
            "opening_day",
            "format",
            "host_region",
            "other_host_regions",
            "venue",
            "organizers",
            "run_by",
            "co_organizers",
            "guided_by",
            "initiated_by",
            "participating_regions",
            "more_regions_unnamed",
            "more_people_unnamed",
            "summary",
            "source",
            "paragraph",
            "section",
        )

    def import_extras(self, instance, row):
        _read_other_names(instance, row)
        _read_lists(self.LISTS, instance, row)

    def dehydrate_other_names(self, obj):
        return "; ".join(obj.other_names_list)

    def dehydrate_other_host_regions(self, obj):
        return _ListOfRecords.render(obj.other_host_regions.all())

    def dehydrate_run_by(self, obj):
        return _ListOfRecords.render(obj.run_by.all())

    def dehydrate_co_organizers(self, obj):
        return _ListOfRecords.render(obj.co_organizers.all())

    def dehydrate_guided_by(self, obj):
        return _ListOfRecords.render(obj.guided_by.all())

    def dehydrate_initiated_by(self, obj):
        return _ListOfRecords.render(obj.initiated_by.all())

    def extras_change(self, instance):
        return _lists_change(instance)

    def save_extras(self, instance):
        _save_lists(instance)

    def dehydrate_held(self, obj):
        return self.dehydrate_partial(obj, "held")

    def dehydrate_organizers(self, obj):
        return _ListOfRecords.render(obj.organizers.all())

    def dehydrate_participating_regions(self, obj):
        return _ListOfRecords.render(obj.participating_regions.all())

    def get_export_queryset(self, request=None, **kwargs):
        return Conference.objects.select_related(
            "series", "host_region", "venue", "alliance"
        ).prefetch_related(
            "organizers",
            "run_by",
            "co_organizers",
            "guided_by",
            "initiated_by",
            "other_host_regions",
            "participating_regions",
            "citations",
        )


def _read_other_names(instance, row):
    """Other names in a cell, separated by ``;``, kept one per line (a record's
    ``other_names`` field). A cell listing the stored names, with other spaces around them,
    changes nothing."""
    if "other_names" not in row:
        return
    names = _parts(row.get("other_names"))
    if names != instance.other_names_list:
        instance.other_names = "\n".join(names)


def _read_lists(lists, instance, row):
    """Lists of records in a cell (many-to-many): a non-empty cell is the whole list; an
    empty cell leaves the stored list as it is."""
    pending, errors = {}, {}
    for column, reader in lists.items():
        text = _text(row.get(column)) if column in row else ""
        if not text:
            continue
        try:
            pending[column] = reader.clean(row.get(column))
        except ValueError as exc:
            errors[column] = [str(exc)]
    instance._import_lists = pending
    if errors:
        raise ValidationError(errors)


def _lists_change(instance) -> bool:
    for column, records in getattr(instance, "_import_lists", {}).items():
        stored = set(getattr(instance, column).values_list("pk", flat=True))
        if stored != {r.pk for r in records}:
            return True
    return False


def _save_lists(instance) -> None:
    for column, records in getattr(instance, "_import_lists", {}).items():
        getattr(instance, column).set(records)


# --------------------------------------------------------------------------- alliances


ROLE_IN_PARENTHESES = re.compile(r"^(?P<name>.*?)\s*\((?P<role>[^()]*)\)\s*$")

# Labels of roles in files written before roles were held in bodies of their own.
OLD_ROLE_LABELS = {
    "council_chair": MemberRole.CHAIR,
    "council_vice_chair": MemberRole.VICE_CHAIR,
    "permanent_council_member": MemberRole.PERMANENT,
}


def _role(text: str):
    key = _kind_key(text)
    for stored, shown in MemberRole.choices:
        if key in (_kind_key(str(stored)), _kind_key(str(shown))):
            return stored
    return OLD_ROLE_LABELS.get(key)


class AllianceResource(RecordResource):
    """An alliance, with its member countries (``countries``) and its member organizations
    (``members``: organizations separated by ``;``, each optionally followed by its role in
    parentheses, e.g. ``Suihua University (lead); Heilongjiang University``; an
    organization with two roles is named once for each). Roles held in a body of the
    alliance or by a person, and a role's side and title, are entered in the alliance's
    form: this column neither shows nor changes them."""

    label = "alliance"
    required_columns = ("name", "focus")
    required_values = {"name": "The name is empty.", "focus": "The focus is empty."}
    partial_dates = {"founded": "founded"}

    name = fields.Field(attribute="name", column_name="name")
    slug = fields.Field(attribute="slug", column_name="slug")
    other_names = fields.Field(column_name="other_names", attribute=None)
    kind = fields.Field(
        attribute="kind", column_name="kind", widget=ChoiceWidget(AllianceKind.choices, "Kind")
    )
    focus = fields.Field(
        attribute="focus", column_name="focus", widget=ChoiceWidget(AllianceFocus.choices, "Focus")
    )
    part_of = fields.Field(
        attribute="part_of", column_name="part_of", widget=LookupWidget(Alliance, "Part of")
    )
    countries = fields.Field(column_name="countries", attribute=None)
    founded = fields.Field(column_name="founded", attribute=None)
    founded_not_after, founded_year_inferred, founded_year_basis, founded_as_given = (
        partial_date_extras("founded", "Founded")
    )
    founded_in = fields.Field(
        attribute="founded_in",
        column_name="founded_in",
        widget=LookupWidget(Region, "Founded in", also="other_names__name"),
    )
    founding_conference = fields.Field(
        attribute="founding_conference",
        column_name="founding_conference",
        widget=LookupWidget(Conference, "Founding conference"),
    )
    members = fields.Field(column_name="members", attribute=None)
    more_members_unnamed = fields.Field(
        attribute="more_members_unnamed", column_name="more_members_unnamed", widget=YesNoWidget()
    )
    aims = fields.Field(attribute="aims", column_name="aims")
    membership_terms = fields.Field(attribute="membership_terms", column_name="membership_terms")
    membership_fee = fields.Field(
        attribute="membership_fee",
        column_name="membership_fee",
        widget=ChoiceWidget(MembershipFee.choices, "Membership fee"),
    )
    summary = fields.Field(attribute="summary", column_name="summary")

    LISTS = {"countries": _ListOfRecords(Region, "Country", also="other_names__name")}
    MEMBER = LookupWidget(Organization, "Member", also="other_names__name")
    defaults = {"kind": AllianceKind.ALLIANCE}

    class Meta(RecordResource.Meta):
        model = Alliance
        fields = (
            "name",
            "slug",
            "other_names",
            "kind",
            "focus",
            "part_of",
            "countries",
            *partial_date_columns("founded"),
            "founded_in",
            "founding_conference",
            "members",
            "more_members_unnamed",
            "aims",
            "membership_terms",
            "membership_fee",
            "summary",
            "source",
            "paragraph",
            "section",
        )

    def import_extras(self, instance, row):
        errors = {}
        _read_other_names(instance, row)
        try:
            _read_lists(self.LISTS, instance, row)
        except ValidationError as exc:
            self._merge(errors, exc)
        try:
            instance._import_members = self.read_members(row.get("members"))
        except ValueError as exc:
            errors["members"] = [str(exc)]
        if errors:
            raise ValidationError(errors)

    def read_members(self, text) -> list[tuple]:
        members, problems, seen = [], [], set()
        for part in _parts(text):
            name, role = part, MemberRole.MEMBER
            match = ROLE_IN_PARENTHESES.match(part)
            if match:
                found_role = _role(match.group("role"))
                if found_role is not None:
                    name, role = match.group("name"), found_role
            try:
                org = self.MEMBER.clean(name)
            except ValueError as exc:
                if match and name == part:  # parentheses that are not a known role
                    allowed = ", ".join(MemberRole.values)
                    problems.append(
                        f"{exc} If '({_short(match.group('role'), 30)})' is a role, use one "
                        f"of: {allowed}."
                    )
                else:
                    problems.append(str(exc))
                continue
            if (org.pk, role) in seen:
                problems.append(f"'{_short(name)}' is named twice in members.")
                continue
            seen.add((org.pk, role))
            members.append((org, role))
        if problems:
            raise ValueError(" ".join(problems))
        return members

    @staticmethod
    def _alliance_level(memberships) -> list:
        """The roles this column shows: organizations' roles in the alliance itself (not in
        one of its bodies, not held by a person)."""
        return [
            m
            for m in memberships
            if m.organization_id is not None and m.person_id is None and m.body_id is None
        ]

    def _membership_changes(self, instance) -> list[tuple]:
        """(membership or None, organization, role) for each member role to add or change.
        An organization named with a role it does not hold takes it over from one of its
        roles that the cell does not name (a changed role), else gains it."""
        members = getattr(instance, "_import_members", [])
        if not members:
            return []
        stored: dict[int, list] = {}
        if instance.pk is not None:
            for membership in self._alliance_level(instance.memberships.all()):
                stored.setdefault(membership.organization_id, []).append(membership)
        wanted: dict[int, set] = {}
        for org, role in members:
            wanted.setdefault(org.pk, set()).add(role)
        changes = []
        for org, role in members:
            held = stored.get(org.pk, [])
            if any(m.role == role for m in held):
                continue
            free = [m for m in held if m.role not in wanted[org.pk]]
            if free:
                membership = free[0]
                held.remove(membership)
                changes.append((membership, org, role))
            else:
                changes.append((None, org, role))
        return changes

    def extras_change(self, instance):
        return _lists_change(instance) or bool(self._membership_changes(instance))

    def save_extras(self, instance):
        _save_lists(instance)
        for membership, org, role in self._membership_changes(instance):
            if membership is None:
                membership = AllianceMembership(alliance=instance, organization=org)
            membership.role = role
            membership.full_clean()
            membership.save()

    def dehydrate_other_names(self, obj):
        return "; ".join(obj.other_names_list)

    def dehydrate_countries(self, obj):
        return _ListOfRecords.render(obj.countries.all())

    def dehydrate_founded(self, obj):
        return self.dehydrate_partial(obj, "founded")

    def dehydrate_members(self, obj):
        parts = []
        memberships = self._alliance_level(obj.memberships.all())
        for membership in sorted(memberships, key=lambda m: (m.organization.slug, m.role)):
            text = membership.organization.slug
            if membership.role != MemberRole.MEMBER:
                text += f" ({membership.role})"
            parts.append(text)
        return "; ".join(parts)

    def get_export_queryset(self, request=None, **kwargs):
        return Alliance.objects.select_related(
            "founding_conference", "founded_in", "part_of"
        ).prefetch_related("countries", "memberships__organization", "citations")


# --------------------------------------------------------------------------- speeches


class SpeechResource(RecordResource):
    """A person's part at a conference (``role``: spoke, chaired, signed, attended…; spoke
    when the cell is empty); a row matches the stored part of the same person at the same
    conference in the same role and session (``session``, empty for none). When the source
    names an office or organization but no person, ``person`` is left empty and
    ``organization`` names it (with a person,
    ``organization`` is the organization they spoke for); the row then matches the stored
    part of that organization, with no person, at the conference in that role."""

    label = "speech"
    # The file names both columns; a row gives the person, or the organization alone.
    required_columns = ("conference", "person")
    required_values = {"conference": "The conference is empty."}
    identity_column = "person"
    defaults = {"mode": Speech.Mode.UNKNOWN, "role": EventRole.SPEAKER}

    conference = fields.Field(
        attribute="conference",
        column_name="conference",
        widget=LookupWidget(Conference, "Conference"),
    )
    person = fields.Field(
        attribute="person", column_name="person", widget=LookupWidget(Person, "Person")
    )
    organization = fields.Field(
        attribute="organization",
        column_name="organization",
        widget=LookupWidget(Organization, "Organization", also="other_names__name"),
    )
    role = fields.Field(
        attribute="role", column_name="role", widget=ChoiceWidget(EventRole.choices, "Role")
    )
    mode = fields.Field(
        attribute="mode", column_name="mode", widget=ChoiceWidget(Speech.Mode.choices, "Mode")
    )
    group = fields.Field(attribute="group", column_name="group")
    side = fields.Field(
        attribute="side",
        column_name="side",
        widget=LookupWidget(Region, "Side", also="other_names__name"),
    )
    for_alliance = fields.Field(
        attribute="for_alliance",
        column_name="for_alliance",
        widget=LookupWidget(Alliance, "Alliance"),
    )
    session = fields.Field(attribute="session", column_name="session")
    title = fields.Field(attribute="title", column_name="title")
    summary = fields.Field(attribute="summary", column_name="summary")

    class Meta(RecordResource.Meta):
        model = Speech
        fields = (
            "conference",
            "person",
            "organization",
            "group",
            "role",
            "side",
            "for_alliance",
            "mode",
            "session",
            "title",
            "summary",
            "source",
            "paragraph",
            "section",
        )

    def get_instance(self, instance_loader, row):
        try:
            conference = self.fields["conference"].widget.clean(row.get("conference"))
            person = self.fields["person"].widget.clean(row.get("person"))
            organization = (
                self.fields["organization"].widget.clean(row.get("organization"))
                if person is None
                else None
            )
            role = self.fields["role"].widget.clean(row.get("role")) or EventRole.SPEAKER
        except ValueError:
            return None  # reported when the row is read
        if conference is None:
            return None
        same = {"conference": conference, "role": role, "session": _text(row.get("session"))}
        if person is not None:
            return Speech.objects.filter(person=person, **same).first()
        group = _text(row.get("group"))
        if group:
            return Speech.objects.filter(person=None, group=group, **same).first()
        if organization is not None:
            return Speech.objects.filter(
                person=None, group="", organization=organization, **same
            ).first()
        return None

    def import_extras(self, instance, row):
        super().import_extras(instance, row)
        person, organization = _text(row.get("person")), _text(row.get("organization"))
        if not person and not organization and not _text(row.get("group")):
            raise ValidationError(
                {
                    "person": "The person is empty (or give the organization or the group, when "
                    "no one is named)."
                }
            )

    def identity(self, instance, row):
        if instance.conference_id and instance.person_id:
            return (instance.conference_id, instance.person_id, instance.role, instance.session)
        if instance.conference_id and instance.group:
            return (
                instance.conference_id,
                "group",
                instance.group,
                instance.role,
                instance.session,
            )
        if instance.conference_id and instance.organization_id:
            return (
                instance.conference_id,
                "organization",
                instance.organization_id,
                instance.role,
                instance.session,
            )
        return None

    def after_save_instance(self, instance, row, **kwargs):
        super().after_save_instance(instance, row, **kwargs)
        self._seen.setdefault(self.identity(instance, row), self._row_number)

    def get_export_queryset(self, request=None, **kwargs):
        return Speech.objects.select_related(
            "conference", "person", "organization", "side"
        ).prefetch_related("citations")


# --------------------------------------------------------------------------- reported figures


class ReportedFigureResource(RecordResource):
    """A figure a source reports about a record (``subject_kind`` and ``subject``: its slug
    or name): what is counted, the value and its qualifier, money's currency, per year or in
    all, done or planned, the part of the whole counted (``country``, ``organization_kind``,
    ``mode``, ``origin``), since when and as of when. A row matches the stored figure of the
    same subject and metric that counts the same part of the whole, in the same way, as of
    the same date (get_instance: and may then change its value)."""

    label = "reported figure"
    required_columns = ("subject_kind", "subject", "metric", "value")
    required_values = {
        "subject_kind": "The kind of subject is empty.",
        "subject": "The subject is empty.",
        "metric": "What is counted (metric) is empty.",
        "value": "The value is empty.",
    }
    columns = {"subject_type": "subject_kind", "subject_id": "subject"}
    groups = (("subject_kind", "subject"),)
    identity_column = "metric"
    partial_dates = {"as_of": "as_of"}
    defaults = {
        "qualifier": FigureQualifier.EXACT,
        "period": FigurePeriod.TOTAL,
        "status": FigureStatus.ACHIEVED,
    }

    subject_kind = fields.Field(column_name="subject_kind", attribute=None)
    subject = fields.Field(column_name="subject", attribute=None)
    metric = fields.Field(
        attribute="metric", column_name="metric", widget=ChoiceWidget(Metric.choices, "Metric")
    )
    value = fields.Field(attribute="value", column_name="value", widget=FigureNumberWidget("Value"))
    qualifier = fields.Field(
        attribute="qualifier",
        column_name="qualifier",
        widget=ChoiceWidget(FigureQualifier.choices, "Qualifier"),
    )
    currency = fields.Field(attribute="currency", column_name="currency")
    period = fields.Field(
        attribute="period", column_name="period", widget=ChoiceWidget(FigurePeriod.choices, "Per")
    )
    status = fields.Field(
        attribute="status",
        column_name="status",
        widget=ChoiceWidget(FigureStatus.choices, "Done or planned"),
    )
    country = fields.Field(
        attribute="country",
        column_name="country",
        widget=LookupWidget(Region, "Country", also="other_names__name"),
    )
    organization_kind = fields.Field(
        attribute="organization_kind",
        column_name="organization_kind",
        widget=ChoiceWidget(OrganizationKind.choices, "Organization kind"),
    )
    mode = fields.Field(
        attribute="mode", column_name="mode", widget=ChoiceWidget(AttendanceMode.choices, "Mode")
    )
    origin = fields.Field(
        attribute="origin",
        column_name="origin",
        widget=ChoiceWidget(FigureOrigin.choices, "Origin"),
    )
    since_year = fields.Field(
        attribute="since_year", column_name="since_year", widget=WholeNumberWidget("Year", 1900)
    )
    given_by = fields.Field(
        attribute="given_by",
        column_name="given_by",
        widget=LookupWidget(Organization, "Given by", also="other_names__name"),
    )
    as_of = fields.Field(column_name="as_of", attribute=None)
    as_of_not_after, as_of_year_inferred, as_of_year_basis, as_of_as_given = partial_date_extras(
        "as_of", "As of"
    )
    description = fields.Field(attribute="description", column_name="description")

    class Meta(RecordResource.Meta):
        model = ReportedFigure
        fields = (
            "subject_kind",
            "subject",
            "metric",
            "value",
            "qualifier",
            "currency",
            "period",
            "status",
            "country",
            "organization_kind",
            "mode",
            "origin",
            "since_year",
            "given_by",
            *partial_date_columns("as_of"),
            "description",
            "source",
            "paragraph",
            "section",
        )

    def _subject(self, row):
        return kind_and_record(row, "subject_kind", "subject", "subject")

    # What says which figure a row is (beside its subject and metric): the part of the whole
    # it counts and how, and its date. Column -> (field, value when the cell is empty).
    SAME_FIGURE = {
        "currency": ("currency", ""),
        "period": ("period", FigurePeriod.TOTAL),
        "status": ("status", FigureStatus.ACHIEVED),
        "country": ("country", None),
        "organization_kind": ("organization_kind", ""),
        "mode": ("mode", ""),
        "origin": ("origin", ""),
    }

    def get_instance(self, instance_loader, row):
        """The stored figure this row is: the one with the same value and qualifier too if
        there is one; else the only one counting the same thing the same way (the row
        changes its value). Where several do (sources that differ, each value kept), a row
        with yet another value is a figure of its own."""
        try:
            subject = self._subject(row)
            metric = self.fields["metric"].widget.clean(row.get("metric"))
            as_of, precision = parse_partial_date(_text(row.get("as_of")))
            same = {}
            for column, (field, empty) in self.SAME_FIGURE.items():
                value = self.fields[column].widget.clean(row.get(column)) if column in row else None
                same[field] = empty if value in (None, "") else value
            value = self.fields["value"].widget.clean(row.get("value"))
            qualifier = self.fields["qualifier"].widget.clean(row.get("qualifier"))
        except (ValueError, ValidationError):
            return None  # reported when the row is read
        if subject is None or not metric:
            return None
        dated = {"as_of": as_of, "as_of_precision": precision} if as_of else {"as_of__isnull": True}
        candidates = list(
            ReportedFigure.objects.filter(
                subject_type=ContentType.objects.get_for_model(type(subject)),
                subject_id=subject.pk,
                metric=metric,
                **dated,
                **same,
            ).order_by("pk")
        )
        qualifier = qualifier or FigureQualifier.EXACT
        exact = [f for f in candidates if (f.value, f.qualifier) == (value, qualifier)]
        if exact:
            return exact[0]
        return candidates[0] if len(candidates) == 1 else None

    def import_extras(self, instance, row):
        subject = self._subject(row)
        if subject is not None:
            instance.subject_type = ContentType.objects.get_for_model(type(subject))
            instance.subject_id = subject.pk

    def identity(self, instance, row):
        if not (instance.subject_type_id and instance.subject_id and instance.metric):
            return None
        return (
            instance.subject_type_id,
            instance.subject_id,
            instance.metric,
            instance.as_of,
            instance.value,
            instance.qualifier,
            *(getattr(instance, field) for field, _empty in self.SAME_FIGURE.values()),
        )

    def after_save_instance(self, instance, row, **kwargs):
        super().after_save_instance(instance, row, **kwargs)
        self._seen.setdefault(self.identity(instance, row), self._row_number)

    def dehydrate_subject_kind(self, obj):
        return kind_of(obj.subject_type.model_class())

    def dehydrate_subject(self, obj):
        subject = obj.subject
        return getattr(subject, "slug", "") if subject is not None else ""

    def dehydrate_as_of(self, obj):
        return self.dehydrate_partial(obj, "as_of")

    def get_export_queryset(self, request=None, **kwargs):
        return (
            ReportedFigure.objects.select_related("subject_type", "country", "given_by")
            .prefetch_related("subject", "citations")
            .order_by("pk")
        )


RESOURCES_BY_MODEL = {
    Region: RegionResource,
    Source: SourceResource,
    Citation: CitationResource,
    Alliance: AllianceResource,
    Conference: ConferenceResource,
    Person: PersonResource,
    Speech: SpeechResource,
    ReportedFigure: ReportedFigureResource,
}

__all__ = [
    "RESOURCES_BY_MODEL",
    "AllianceResource",
    "CitationResource",
    "ConferenceResource",
    "PersonResource",
    "RegionResource",
    "ReportedFigureResource",
    "SourceResource",
    "SpeechResource",
]
