"""Spreadsheet (CSV, XLSX) import and export of organizations and partnerships.

Columns are documented in docs/importing.md, with sample files beside it. An import is
all-or-nothing: the admin shows a dry-run preview with every row's outcome and every row
error, and writes only when no row has an error. Regions, organizations, conferences and
sources in a row are matched by slug or exact name (organizations also by their other
names); a name that matches nothing is an error, never a silently created duplicate.

Files are read here, not by tablib's defaults: a CSV in any common encoding (byte order mark,
then UTF-8, then Windows-1252), an XLSX's first sheet with date cells as dates of the precision
their format shows and formulas as their saved results. Every cell reaches the resources as
text ("" when empty). Exports write every text cell through ``exports.safe_cell``, the rule of
the public CSV export, so that no cell starts a formula. ``SpreadsheetAdminMixin`` puts these in
the admin, with uploads kept under random names between the preview and one confirmation.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import logging
import os
import re
import tempfile
import time
import uuid
from pathlib import Path

import tablib
from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST
from import_export import fields, resources, widgets
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats
from import_export.results import RowResult
from import_export.tmp_storages import BaseStorage

from .dates import DatePrecision, PartialDate
from .exports import FORMULA_START, safe_cell
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

logger = logging.getLogger(__name__)

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


def _model_field(model, name):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


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


# --------------------------------------------------------------------------- reading files


class UnreadableFile(ValueError):
    """A whole file that cannot be read; the message is shown to the staff member as is."""


class CellProblem:
    """An XLSX cell whose value cannot be used (a formula without its saved result, or a
    formula error such as #REF!). It is reported as an error of its row and column when the
    column is one the import reads; in any other column it is ignored."""

    def __init__(self, message: str):
        self.message = message

    def __str__(self) -> str:
        return self.message


def cell_text(value) -> str:
    """A cell as the resources read it: text, "" when empty, surrounding spaces removed.

    Numbers lose a meaningless ".0" (6.0 -> "6"), dates read as YYYY-MM-DD, and the apostrophe
    that exports put before a cell starting with = + - @ (exports.safe_cell) is taken off again,
    so that an exported file imports back unchanged.
    """
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0, 0):
            value = value.date()
        else:
            return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value).strip()
    # "\n" too: XLSX (XML) turns an exported "'\r..." into "'\n...".
    if len(text) > 1 and text[0] == "'" and text[1] in (*FORMULA_START, "\n"):
        text = text[1:].strip()
    return text


def decode_text(data: bytes) -> str:
    """The text of a CSV upload: UTF-8, UTF-16 or UTF-32 with a byte order mark; else UTF-8;
    else Windows-1252 (Excel's "CSV" on Western European Windows), which also reads Latin-1."""
    if data.startswith(b"PK\x03\x04"):
        raise UnreadableFile(
            "This is an XLSX workbook (or another zipped file), not a CSV file: "
            "choose the format xlsx and upload it again."
        )
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableFile(
            "This is an old Excel .xls file: save it as Excel Workbook (.xlsx) or as "
            "CSV UTF-8, then upload it again."
        )
    boms = (
        (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"),
        (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),  # before UTF-16: it starts the same
        (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
        (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
        (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
    )
    for bom, codec, label in boms:
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError as exc:
                raise UnreadableFile(
                    f"The file says it is {label} text but byte {exc.start + 1} is not "
                    f"{label}: save it again as CSV UTF-8 and upload it again."
                ) from None
    if b"\x00" in data[:4096]:
        # UTF-16 without a byte order mark: every other byte of Latin text is zero.
        sample = data[:4096]
        codec = None
        if sample[1::2].count(0) > len(sample) // 4:
            codec = "utf-16-le"
        elif sample[0::2].count(0) > len(sample) // 4:
            codec = "utf-16-be"
        try:
            if codec:
                return data.decode(codec)
        except UnicodeDecodeError:
            pass
        raise UnreadableFile(
            "This file is not text (it holds zero bytes): export it from your spreadsheet "
            "as CSV UTF-8 or as an Excel Workbook (.xlsx)."
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # never fails: every byte is a character


def _delimiter(text: str) -> str:
    """Comma, semicolon (Excel where the decimal mark is a comma) or tab (Excel's "Unicode
    text"), whichever the header line has most of; column names contain none of them."""
    header = text.split("\n", 1)[0]
    return max(",;\t", key=lambda d: (header.count(d), d == ","))


def _blank(cells) -> bool:
    return all(not isinstance(v, CellProblem) and not cell_text(v) for v in cells)


def _dataset(header: list, rows: list[tuple[int, list]], csv_line=False) -> tablib.Dataset:
    """A dataset of the columns the first row names (spaces removed, lower-cased). Cells under
    an empty header are ignored, short rows are padded with empty cells, and trailing empty
    rows (a spreadsheet's formatted but empty rows) are dropped. In a CSV file, a line with
    more values than there are columns is refused: it is almost always a value with a comma
    that is not within quotes, which would put every later value in the wrong column."""
    names = [cell_text(h).lower() for h in header]
    keep = [i for i, name in enumerate(names) if name]
    seen = set()
    for i in keep:
        if names[i] in seen:
            raise UnreadableFile(f"The column '{names[i]}' is named twice in the first row.")
        seen.add(names[i])
    while rows and _blank(rows[-1][1]):
        rows.pop()
    dataset = tablib.Dataset(headers=[names[i] for i in keep])
    for line, cells in rows:
        extra = [cell_text(v) for v in cells[len(names) :] if cell_text(v)]
        if csv_line and extra:
            raise UnreadableFile(
                f"Line {line} of the file has more values than the first line names columns "
                f"(it goes on with '{_short(extra[0], 30)}'). A value that contains a comma "
                "must be within double quotes."
            )
        cells = list(cells) + [None] * (len(names) - len(cells))
        dataset.append([cells[i] for i in keep])
    return dataset


def read_csv(data: bytes | str) -> tablib.Dataset:
    text = decode_text(data) if isinstance(data, bytes) else data
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        lines = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        raise UnreadableFile(
            f"Line {reader.line_num + 1} of the file is not valid CSV ({exc})."
        ) from None
    if not lines:
        raise UnreadableFile("The file is empty.")
    (_, header), rows = lines[0], lines[1:]
    return _dataset(header, rows, csv_line=True)


def _date_precision(number_format: str) -> str:
    """How much of a date an Excel number format shows: 'yyyy-mm-dd' the day, 'mmm-yy' the
    month, 'yyyy' the year. Quoted text, [colours, locales] and escaped characters are left
    out before looking."""
    shown = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", (number_format or "").lower())
    if "d" in shown:
        return DatePrecision.DAY
    if "m" in shown:
        return DatePrecision.MONTH
    if "y" in shown:
        return DatePrecision.YEAR
    return DatePrecision.DAY


def _xlsx_value(value_cell, formula_cell):
    """A cell of the values-only reading, checked against the same cell read with formulas."""
    value = value_cell.value
    coordinate = getattr(value_cell, "coordinate", "")
    if getattr(value_cell, "data_type", None) == "e":
        return CellProblem(
            f"Cell {coordinate} holds the spreadsheet error {value}: correct the formula or "
            "replace it by a value."
        )
    if value is None and getattr(formula_cell, "data_type", None) == "f":
        return CellProblem(
            f"Cell {coordinate} holds a formula ({_short(str(formula_cell.value), 40)}) whose "
            "result is not saved in the file: open the file in Excel or LibreOffice and save "
            "it, or replace the formula by its value."
        )
    if isinstance(value, datetime.datetime) and getattr(value_cell, "is_date", False):
        on = value.date()
        precision = _date_precision(getattr(value_cell, "number_format", ""))
        return render_partial_date(on, precision)
    if isinstance(value, datetime.time | datetime.timedelta):
        return str(value)
    return value


def read_xlsx(data: bytes) -> tablib.Dataset:
    """The first sheet of a workbook: each cell's value, or a formula's saved result."""
    import openpyxl

    try:
        values_book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        formulas_book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # zipfile.BadZipFile, KeyError, InvalidFileException, XML errors...
        if data.startswith(b"\xd0\xcf\x11\xe0"):
            raise UnreadableFile(
                "This is an old Excel .xls file (or a protected workbook): save it as "
                "Excel Workbook (.xlsx) without a password, then upload it again."
            ) from None
        raise UnreadableFile(
            "This file is not an XLSX workbook, or it is damaged. If it is a CSV file, "
            "choose the format csv."
        ) from None
    try:
        if not values_book.worksheets:
            raise UnreadableFile("The workbook has no sheet.")
        values = values_book.worksheets[0].iter_rows()
        formulas = formulas_book.worksheets[0].iter_rows()
        rows = zip(values, formulas, strict=True)
        lines = [
            (number, [_xlsx_value(v, f) for v, f in zip(*pair, strict=True)])
            for number, pair in enumerate(rows, start=1)
        ]
    finally:
        values_book.close()
        formulas_book.close()
    if not lines:
        raise UnreadableFile("The first sheet of the workbook is empty.")
    (_, header), rows = lines[0], lines[1:]
    if any(isinstance(h, CellProblem) for h in header):
        raise UnreadableFile("The first row (the column names) must not hold formulas.")
    return _dataset(header, rows)


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
        # An empty cell is "" (cell_text); a nullable column stores it as NULL.
        model_field = _model_field(type(instance), field.attribute)
        if (
            model_field is not None
            and model_field.null
            and not model_field.is_relation
            and getattr(instance, field.attribute, None) == ""
        ):
            setattr(instance, field.attribute, None)

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
        """Every cell becomes text ("" when empty) before anything reads the row; an XLSX
        cell that cannot be used is an error of its row and column."""
        self._row_number = kwargs.get("row_number")
        columns = {f.column_name for f in self.get_import_fields()}
        problems = {}
        for column, value in row.items():
            if isinstance(value, CellProblem):
                if column in columns:
                    problems[column] = str(value)
                row[column] = ""
            else:
                row[column] = cell_text(value)
        if problems:
            raise ValidationError(problems)

    def import_row(self, row, instance_loader, **kwargs):
        """A row of empty cells is skipped. An error that is not a validation error (a
        database refusal, a bug) becomes a message that names the row; its technical text
        goes to the log, never to the page."""
        if all(not isinstance(v, CellProblem) and not cell_text(v) for v in row.values()):
            result = self.get_row_result_class()()
            result.import_type = RowResult.IMPORT_TYPE_SKIP
            return result
        result = super().import_row(row, instance_loader, **kwargs)
        if result.errors:
            number = kwargs.get("row_number")
            for error in result.errors:
                logger.error("Import row %s failed", number, exc_info=error.error)
            result.errors = []
            result.import_type = RowResult.IMPORT_TYPE_INVALID
            result.validation_error = ValidationError(
                f"Row {number} could not be imported because of an unexpected error (it has "
                "been logged for the site's maintainers). Nothing from this file was saved."
            )
        return result

    def save_instance(self, instance, is_create, row, **kwargs):
        """Saved in a savepoint: if the database still refuses the row after validation (a
        record saved meanwhile by someone else), the refusal is a row error in words."""
        try:
            with transaction.atomic():
                super().save_instance(instance, is_create, row, **kwargs)
        except DatabaseError as exc:
            logger.warning("Import row %s refused by the database: %s", self._row_number, exc)
            raise ValidationError(self.refusal_message(instance)) from None

    def refusal_message(self, instance):
        model = type(instance)
        label = model._meta.verbose_name
        number = self._row_number
        for field in model._meta.concrete_fields:
            value = getattr(instance, field.attname, None)
            if not field.unique or field.primary_key or value in (None, ""):
                continue
            taken = model._default_manager.filter(**{field.attname: value})
            if instance.pk is not None:
                taken = taken.exclude(pk=instance.pk)
            if taken.exists():
                return {
                    field.name: f"Row {number}: another {label} already has the "
                    f"{field.verbose_name} '{_short(str(value))}' (perhaps saved by someone "
                    "else since the preview). Nothing from this file was saved."
                }
        return (
            f"Row {number} could not be saved: it conflicts with what is already in the "
            "database (perhaps a record saved by someone else since the preview). Nothing "
            "from this file was saved; check the row and import the file again."
        )

    def handle_import_error(self, result, error, raise_errors=False):
        """A file-level error is shown as it is only when it is one of our messages."""
        if isinstance(error, ValidationError):
            error = ValueError(" ".join(error.messages))
        elif not isinstance(error, ValueError):
            logger.error("Import failed", exc_info=error)
            error = ValueError(
                "The file could not be imported because of an unexpected error (it has been "
                "logged for the site's maintainers). Nothing was saved."
            )
        super().handle_import_error(result, error, raise_errors)

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


# --------------------------------------------------------------------------- file formats


def export_cell(value):
    """A cell of an exported file: text through exports.safe_cell (the public CSV's rule: an
    apostrophe before a leading = + - @ tab or carriage return), other values unchanged."""
    if isinstance(value, str):
        return safe_cell(value)
    return value


class CSVFormat(base_formats.CSV):
    """CSV read in any common encoding (``decode_text``) with a comma, semicolon or tab
    between values; written as UTF-8 with a byte order mark (so Excel reads it as UTF-8),
    every cell through ``exports.safe_cell`` as the public CSV export does."""

    def is_binary(self):
        return True  # the admin then keeps and passes the upload's bytes, not decoded text

    def get_read_mode(self):
        return "rb"

    def get_content_type(self):
        return "text/csv; charset=utf-8"

    def create_dataset(self, in_stream, **kwargs):
        return read_csv(in_stream)

    def export_data(self, dataset, **kwargs):
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.writer(buffer)
        writer.writerow([safe_cell(h) for h in dataset.headers or []])
        for row in dataset:
            writer.writerow([safe_cell(value) for value in row])
        return buffer.getvalue().encode("utf-8")


class XLSXFormat(base_formats.XLSX):
    """XLSX read by ``read_xlsx``; written with every text cell through
    ``exports.safe_cell``, so that no cell is a formula (openpyxl makes any text starting with
    = a formula), and with characters XLSX cannot hold replaced by U+FFFD."""

    def create_dataset(self, in_stream, **kwargs):
        return read_xlsx(in_stream)

    def export_data(self, dataset, **kwargs):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        def cell(value):
            value = export_cell(value)
            return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value) if isinstance(value, str) else value

        safe = tablib.Dataset(headers=[cell(h) for h in dataset.headers or []])
        for row in dataset:
            safe.append([cell(value) for value in row])
        return safe.export("xlsx")


# --------------------------------------------------------------------------- admin


class UploadGone(Exception):
    def __init__(self, already_confirmed: bool):
        self.already_confirmed = already_confirmed


class UploadStorage(BaseStorage):
    """An uploaded file kept between the preview and its confirmation, in a folder of the
    server's temporary directory.

    Its name is a random token, never a path (it goes into the confirm form). A confirmation
    takes the file by renaming it (atomic: of two confirmations at once, one gets it); after
    the import a marker remains, so that a second confirmation says the import was already
    done. Uploads and markers older than ``MAX_AGE`` are deleted when a file is uploaded.
    """

    MAX_AGE = 24 * 3600  # seconds
    TOKEN = re.compile(r"^[0-9a-f]{32}$")

    @staticmethod
    def folder() -> Path:
        return Path(tempfile.gettempdir()) / "partnerships-imports"

    def _path(self, suffix: str = "") -> Path | None:
        if not self.name or not self.TOKEN.match(str(self.name)):
            return None
        return self.folder() / f"{self.name}{suffix}"

    def save(self, data):
        folder = self.folder()
        folder.mkdir(mode=0o700, exist_ok=True)
        self._purge(folder)
        self.name = uuid.uuid4().hex
        if isinstance(data, str):
            data = data.encode("utf-8")
        descriptor = os.open(self._path(), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)

    def _purge(self, folder: Path) -> None:
        old = time.time() - self.MAX_AGE
        for entry in folder.iterdir():
            try:
                if entry.stat().st_mtime < old:
                    entry.unlink()
            except OSError:
                pass  # removed meanwhile by another process

    def read(self):
        path = self._path()
        if path is None:
            raise UploadGone(already_confirmed=False)
        return path.read_bytes()

    def remove(self):
        for suffix in ("", ".claimed"):
            path = self._path(suffix)
            if path is not None:
                path.unlink(missing_ok=True)

    def claim(self) -> bytes:
        """The upload's bytes, for one confirmation only (else UploadGone)."""
        path, claimed = self._path(), self._path(".claimed")
        if path is None:
            raise UploadGone(already_confirmed=False)
        try:
            os.rename(path, claimed)
        except FileNotFoundError:
            done = self._path(".done").exists() or claimed.exists()
            raise UploadGone(already_confirmed=done) from None
        if claimed.stat().st_mtime < time.time() - self.MAX_AGE:
            claimed.unlink(missing_ok=True)
            raise UploadGone(already_confirmed=False)
        return claimed.read_bytes()

    def finish(self, imported: bool) -> None:
        self._path(".claimed").unlink(missing_ok=True)
        if imported:
            self._path(".done").touch()


ALREADY_CONFIRMED = (
    "This import was already confirmed, so it was not imported a second time. To import the "
    "file again, upload it again."
)
UPLOAD_GONE = (
    "This upload has expired or is no longer available (uploads are kept for a day, until "
    "they are confirmed): upload the file again."
)
READ_FAILED = (
    "This file could not be read as {format}. Check that you chose the right format and that "
    "the file opens in your spreadsheet program."
)


class SpreadsheetAdminMixin(ImportExportMixin):
    """django-import-export's admin import and export, with this module's file formats,
    uploads kept under random names, and messages in words at every step."""

    import_formats = [CSVFormat, XLSXFormat]
    export_formats = [CSVFormat, XLSXFormat]
    tmp_storage_class = UploadStorage

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, UnreadableFile):
            message = str(e)
        else:
            logger.warning("Import file unreadable", exc_info=e)
            formats = self.get_import_formats()
            try:
                name = formats[int(form.cleaned_data["format"])]().get_title().upper()
            except (KeyError, ValueError, IndexError, TypeError):
                name = "the chosen format"
            message = READ_FAILED.format(format=name)
        form.add_error("import_file", message)

    def _import_url(self):
        return reverse("admin:{}_{}_import".format(*self.get_model_info()))

    @method_decorator(require_POST)
    def process_import(self, request, **kwargs):
        """The confirmation: imports the previewed upload once, all or nothing."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        confirm_form = self.create_confirm_form(request)
        if not confirm_form.is_valid():
            messages.error(request, UPLOAD_GONE)
            return HttpResponseRedirect(self._import_url())
        storage = self.get_tmp_storage_class()(
            name=confirm_form.cleaned_data["import_file_name"],
            **self.get_tmp_storage_class_kwargs(),
        )
        try:
            data = storage.claim()
        except UploadGone as gone:
            if gone.already_confirmed:
                messages.warning(request, ALREADY_CONFIRMED)
                changelist = "admin:{}_{}_changelist".format(*self.get_model_info())
                return HttpResponseRedirect(reverse(changelist))
            messages.error(request, UPLOAD_GONE)
            return HttpResponseRedirect(self._import_url())
        imported = False
        try:
            formats = self.get_import_formats()
            input_format = formats[int(confirm_form.cleaned_data["format"])]()
            dataset = input_format.create_dataset(data)
            result = self.process_dataset(dataset, confirm_form, request, **kwargs)
            imported = not (result.has_errors() or result.has_validation_errors())
        except UnreadableFile as exc:
            messages.error(request, str(exc))
            return HttpResponseRedirect(self._import_url())
        except Exception:
            # Not a row's error (those are in the result): a failure when the transaction
            # ended, for instance. The transaction was rolled back.
            logger.exception("Import confirmation failed")
            messages.error(
                request,
                "The import failed and nothing was saved (the error has been logged for the "
                "site's maintainers). Upload the file again to retry.",
            )
            return HttpResponseRedirect(self._import_url())
        finally:
            storage.finish(imported)
        if not imported:
            messages.error(
                request,
                "Nothing was imported: the file has errors now, though its preview had none "
                "(the records it refers to changed meanwhile). Correct the rows below and "
                "upload the file again.",
            )
            return self._import_page(request, result)
        return self.process_result(result, request)

    def _import_page(self, request, result):
        form_class = self.get_import_form_class(request)
        resource_classes = self.get_import_resource_classes(request)
        form = form_class(self.get_import_formats(), resource_classes)
        context = self.get_import_context_data()
        context.update(self.admin_site.each_context(request))
        context.update(
            {
                "title": "Import",
                "form": form,
                "opts": self.model._meta,
                "media": self.media + form.media,
                "result": result,
                "fields_list": [
                    (
                        resource.get_display_name(),
                        [f.column_name for f in resource().get_user_visible_fields()],
                    )
                    for resource in resource_classes
                ],
                "import_error_display": self.import_error_display,
            }
        )
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.import_template_name], context)


__all__ = [
    "OrganizationResource",
    "PartnershipResource",
    "PartialDate",
    "SpreadsheetAdminMixin",
]
