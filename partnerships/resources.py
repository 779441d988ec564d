"""Spreadsheet (CSV, XLSX) import and export of organizations and partnerships.

Columns are documented in docs/importing.md, with sample files beside it. An import is
all-or-nothing: the admin shows a dry-run preview with every row's outcome and every row
error, and writes only when no row has an error. Regions, organizations, conferences and
sources in a row are matched by slug or exact name (organizations also by their other
names); a name that matches nothing is an error, never a silently created duplicate.
"""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError
from django.db.models import Q
from import_export import fields, resources, widgets

from .dates import DatePrecision, PartialDate
from .models import (
    Citation,
    Conference,
    Organization,
    OrganizationKind,
    OrganizationName,
    PartnershipLevel,
    PartnershipStatus,
    Region,
    SisterSchoolPartnership,
    Source,
)

MAX_CELL = 2000


class LookupWidget(widgets.ForeignKeyWidget):
    """A foreign key given as a slug or the exact name of the row it points at."""

    def __init__(self, model, label, name_field="name", also=None):
        super().__init__(model, field="slug")
        self.label = label
        self.name_field = name_field
        self.also = also  # extra lookup for other names, e.g. "other_names__name"

    def clean(self, value, row=None, **kwargs):
        value = (str(value).strip() if value is not None else "")[:MAX_CELL]
        if not value:
            return None
        manager = self.model._default_manager
        found = manager.filter(slug=value).first() if "slug" in _field_names(self.model) else None
        if found:
            return found
        q = Q(**{self.name_field: value})
        if self.also:
            q |= Q(**{self.also: value})
        matches = list(manager.filter(q).distinct()[:2])
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise ValueError(
                f"{self.label} '{_short(value)}' matches more than one record; use its slug."
            )
        raise ValueError(
            f"Unknown {self.label.lower()}: '{_short(value)}' (no slug or name matches)."
        )

    def render(self, value, obj=None, **kwargs):
        return value.slug if value is not None and hasattr(value, "slug") else ""


def _field_names(model) -> set[str]:
    return {f.name for f in model._meta.get_fields()}


def _short(value: str, n: int = 60) -> str:
    return value if len(value) <= n else value[:n] + "…"


class ChoiceWidget(widgets.Widget):
    """A choice given as its stored value (comprehensive) or its label (School to school)."""

    def __init__(self, choices, label):
        self.choices = choices
        self.label = label

    def clean(self, value, row=None, **kwargs):
        text = (str(value).strip() if value is not None else "")[:MAX_CELL]
        if not text:
            return None
        for stored, shown in self.choices:
            if text.lower() in (str(stored).lower(), str(shown).lower()):
                return stored
        allowed = ", ".join(str(stored) for stored, _ in self.choices)
        raise ValueError(f"Unknown {self.label.lower()} '{_short(text)}'; use one of: {allowed}.")

    def render(self, value, obj=None, **kwargs):
        return value or ""


PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


def parse_partial_date(text: str) -> tuple[datetime.date | None, str]:
    """'2023', '2023-11' or '2023-11-16' -> (first day of the period, precision)."""
    text = (text or "").strip()
    if not text:
        return None, DatePrecision.DAY
    match = PARTIAL_DATE.match(text[:20])
    if not match:
        raise ValidationError(
            f"'{_short(text)}' is not a date: write YYYY, YYYY-MM or YYYY-MM-DD (e.g. 2023-11-16)."
        )
    year, month, day = (int(g) if g else None for g in match.groups())
    try:
        date = datetime.date(year, month or 1, day or 1)
    except ValueError as exc:
        raise ValidationError(f"'{text}' is not a real date ({exc}).") from exc
    if not 1900 <= year <= 2100:
        raise ValidationError(f"'{text}': the year should be between 1900 and 2100.")
    precision = DatePrecision.DAY if day else DatePrecision.MONTH if month else DatePrecision.YEAR
    return date, precision


def render_partial_date(on, precision) -> str:
    if on is None:
        return ""
    if precision == DatePrecision.YEAR:
        return f"{on.year:04d}"
    if precision == DatePrecision.MONTH:
        return f"{on.year:04d}-{on.month:02d}"
    return on.isoformat()


class CitedResource(resources.ModelResource):
    """Shared behaviour: required columns, a citation per row, drafts by default."""

    required_columns: tuple[str, ...] = ()

    source = fields.Field(column_name="source", attribute=None, readonly=False)
    paragraph = fields.Field(column_name="paragraph", attribute=None, readonly=False)

    def import_data(self, dataset, *args, **kwargs):
        """All-or-nothing: any row error or validation error rolls the whole file back."""
        kwargs["use_transactions"] = True
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(dataset, *args, **kwargs)

    def before_import(self, dataset, **kwargs):
        headers = [str(h or "").strip() for h in (dataset.headers or [])]
        missing = [c for c in self.required_columns if c not in headers]
        if missing:
            raise ValueError(
                "Missing column(s): "
                + ", ".join(missing)
                + ". The first row must name the columns; see docs/importing.md."
            )
        self._seen_keys = {}

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        if field.attribute is None:
            return
        value = row.get(field.column_name)
        if (
            isinstance(value, str)
            and len(value) > MAX_CELL
            and field.column_name
            not in (
                "summary",
                "description",
            )
        ):
            raise ValidationError(
                {field.column_name: f"{len(value)} characters is too long for this column."}
            )
        super().import_field(field, instance, row, is_m2m=is_m2m, **kwargs)

    def citation_from_row(self, row):
        source_text = str(row.get("source") or "").strip()
        paragraph_text = str(row.get("paragraph") or "").strip()
        if not source_text and not paragraph_text:
            return None
        if not source_text:
            raise ValidationError({"source": "A paragraph was given without its source."})
        source = None
        if source_text.isdigit():
            source = Source.objects.filter(pk=int(source_text)).first()
        if source is None:
            source = Source.objects.filter(title=source_text[:500]).first()
        if source is None:
            raise ValidationError({"source": f"Unknown source '{_short(source_text)}'."})
        try:
            paragraph = int(float(paragraph_text))
        except ValueError:
            raise ValidationError(
                {"paragraph": f"'{_short(paragraph_text)}' is not a paragraph number."}
            ) from None
        if paragraph < 1 or (source.paragraph_count and paragraph > source.paragraph_count):
            raise ValidationError(
                {"paragraph": f"Paragraph {paragraph} does not exist in '{source.title}'."}
            )
        return source, paragraph

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        try:
            instance._import_citation = self.citation_from_row(row)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def after_save_instance(self, instance, row, **kwargs):
        citation = getattr(instance, "_import_citation", None)
        if citation:
            source, paragraph = citation
            Citation.objects.get_or_create(
                source=source,
                paragraph=paragraph,
                content_type_id=_content_type_id(type(instance)),
                object_id=instance.pk,
            )

    def check_duplicate(self, key, label):
        row_number = getattr(self, "_row_number", None)
        if key in self._seen_keys:
            raise ValidationError(
                f"Duplicate: the same {label} is already in row {self._seen_keys[key]} "
                "of this file."
            )
        self._seen_keys[key] = row_number

    def before_import_row(self, row, **kwargs):
        self._row_number = kwargs.get("row_number")

    def dehydrate_source(self, obj):
        first = next(iter(obj.citations.all()), None)
        return first.source_id if first else ""

    def dehydrate_paragraph(self, obj):
        first = next(iter(obj.citations.all()), None)
        return first.paragraph if first else ""


def _content_type_id(model) -> int:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(model).pk


class OrganizationResource(CitedResource):
    required_columns = ("name", "kind")

    name = fields.Field(attribute="name", column_name="name")
    slug = fields.Field(attribute="slug", column_name="slug")
    kind = fields.Field(
        attribute="kind",
        column_name="kind",
        widget=ChoiceWidget(OrganizationKind.choices, "Kind"),
    )
    region = fields.Field(
        attribute="region", column_name="region", widget=LookupWidget(Region, "Region")
    )
    other_names = fields.Field(column_name="other_names", attribute=None)
    website = fields.Field(attribute="website", column_name="website")
    description = fields.Field(attribute="description", column_name="description")

    class Meta:
        model = Organization
        fields = (
            "name",
            "slug",
            "kind",
            "region",
            "other_names",
            "website",
            "description",
            "source",
            "paragraph",
        )
        import_id_fields = ()
        use_transactions = True
        rollback_on_validation_errors = True
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def get_instance(self, instance_loader, row):
        """Match by slug, else by exact name or other name; never create a duplicate."""
        slug = str(row.get("slug") or "").strip()
        name = str(row.get("name") or "").strip()[:MAX_CELL]
        if slug:
            found = Organization.objects.filter(slug=slug).first()
            if found:
                return found
        if name:
            matches = list(
                Organization.objects.filter(Q(name=name) | Q(other_names__name=name)).distinct()[:2]
            )
            if len(matches) > 1:
                raise ValidationError(
                    f"'{_short(name)}' matches several organizations; give the slug to choose."
                )
            if matches:
                return matches[0]
        return None

    def import_instance(self, instance, row, **kwargs):
        name = str(row.get("name") or "").strip()
        if not name:
            raise ValidationError({"name": "The name is empty."})
        self.check_duplicate(name.lower(), "organization")
        super().import_instance(instance, row, **kwargs)

    def after_save_instance(self, instance, row, **kwargs):
        super().after_save_instance(instance, row, **kwargs)
        text = str(row.get("other_names") or "")
        for other in [part.strip() for part in text.split(";") if part.strip()]:
            OrganizationName.objects.get_or_create(organization=instance, name=other[:300])

    def dehydrate_other_names(self, obj):
        return "; ".join(n.name for n in obj.other_names.all())

    def get_export_queryset(self, request=None, **kwargs):
        return (
            Organization.objects.select_related("region")
            .prefetch_related("other_names", "citations")
            .order_by("name")
        )


class PartnershipResource(CitedResource):
    required_columns = ("party_a", "party_b", "level")

    party_a = fields.Field(
        attribute="party_a",
        column_name="party_a",
        widget=LookupWidget(Organization, "First party", also="other_names__name"),
    )
    party_b = fields.Field(
        attribute="party_b",
        column_name="party_b",
        widget=LookupWidget(Organization, "Second party", also="other_names__name"),
    )
    level = fields.Field(
        attribute="level",
        column_name="level",
        widget=ChoiceWidget(PartnershipLevel.choices, "Level"),
    )
    status = fields.Field(
        attribute="status",
        column_name="status",
        widget=ChoiceWidget(PartnershipStatus.choices, "Status"),
    )
    established = fields.Field(column_name="established", attribute=None)
    conference = fields.Field(
        attribute="conference",
        column_name="conference",
        widget=LookupWidget(Conference, "Conference"),
    )
    summary = fields.Field(attribute="summary", column_name="summary")

    class Meta:
        model = SisterSchoolPartnership
        fields = (
            "party_a",
            "party_b",
            "level",
            "status",
            "established",
            "conference",
            "summary",
            "source",
            "paragraph",
        )
        import_id_fields = ()
        use_transactions = True
        rollback_on_validation_errors = True
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def get_instance(self, instance_loader, row):
        """The same two parties at the same level, in either order, are the same partnership."""
        try:
            a = self.fields["party_a"].widget.clean(row.get("party_a"))
            b = self.fields["party_b"].widget.clean(row.get("party_b"))
            level = self.fields["level"].widget.clean(row.get("level"))
        except ValueError:
            return None  # reported as a row error when the fields are imported
        if not (a and b and level):
            return None
        return SisterSchoolPartnership.objects.filter(
            Q(party_a=a, party_b=b) | Q(party_a=b, party_b=a), level=level
        ).first()

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        for column, label in (("party_a", "first party"), ("party_b", "second party")):
            if not str(row.get(column) or "").strip():
                errors.setdefault(column, []).append(f"The {label} is missing.")
        if not str(row.get("level") or "").strip():
            errors.setdefault("level", []).append("The level is missing.")
        try:
            on, precision = parse_partial_date(str(row.get("established") or ""))
            instance.established_on, instance.established_precision = on, precision
        except ValidationError as exc:
            errors.setdefault("established", []).extend(exc.messages)
        if not instance.status:
            instance.status = PartnershipStatus.ESTABLISHED
        if instance.party_a_id and instance.party_b_id and instance.level:
            pair = tuple(sorted((instance.party_a_id, instance.party_b_id)))
            try:
                self.check_duplicate((*pair, instance.level), "partnership")
            except ValidationError as exc:
                errors.setdefault("party_b", []).extend(exc.messages)
        if errors:
            raise ValidationError(errors)

    def dehydrate_established(self, obj):
        return render_partial_date(obj.established_on, obj.established_precision)

    def get_export_queryset(self, request=None, **kwargs):
        return SisterSchoolPartnership.objects.select_related(
            "party_a", "party_b", "conference"
        ).prefetch_related("citations")


__all__ = ["OrganizationResource", "PartnershipResource", "PartialDate"]
