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
import copy
import csv
import datetime
import io
import logging
import os
import re
import tempfile
import time
import uuid
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from pathlib import Path

import tablib
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    FieldDoesNotExist,
    PermissionDenied,
    ValidationError,
)
from django.db import DatabaseError, models, transaction
from django.db.models import CharField, Q, prefetch_related_objects
from django.forms import MultipleChoiceField, MultipleHiddenInput
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.text import slugify
from django.views.decorators.http import require_POST
from import_export import fields, resources, widgets
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats
from import_export.results import RowResult
from import_export.tmp_storages import BaseStorage
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from . import revisions, tasks
from .dates import NO_YEAR_SORT_YEAR, DatePrecision, PartialDate
from .exports import (
    FORMULA_START,
    agreements_cell,
    history_prefetches,
    iso_partial,
    safe_cell,
    status_changes_cell,
    visits_cell,
)
from .jobmodels import ImportJob, JobKind, JobState
from .models import (
    NAMED_PEOPLE_PREFETCH,
    Citation,
    Conference,
    ConferenceSeries,
    Organization,
    OrganizationKind,
    OrganizationName,
    Ownership,
    PartnershipLevel,
    PartnershipStatus,
    Publication,
    Region,
    Revision,
    SisterSchoolPartnership,
    Source,
    people_of_organizations,
)
from .placesearch import paths_of, read_place_names, stale_search_texts, with_search_names
from .signals import partnerships_naming, refresh_events_naming, sync_party_columns

logger = logging.getLogger(__name__)

MAX_CELL = 2000


class LookupWidget(widgets.ForeignKeyWidget):
    """A foreign key given as a slug or the exact name of the row it points at."""

    def __init__(self, model, label, name_field="name", also=None):
        super().__init__(model, field="slug")
        self.label = label
        self.name_field = name_field
        self.also = also  # extra lookup for other names, e.g. "other_names__name"
        self.cache = None  # value -> record or error message, filled by prefetch()

    @staticmethod
    def text(value) -> str:
        return (str(value).strip() if value is not None else "")[:MAX_CELL]

    def prefetch(self, values, objects: dict | None = None) -> None:
        """Resolve every value of a file's column at once, a few queries in all, as clean()
        would one by one: by slug first, else by exact name (or other name). ``objects``
        (pk -> record) makes records found twice the same Python object."""
        values = {self.text(v) for v in values} - {""}
        manager = self.model._default_manager
        objects = {} if objects is None else objects
        by_slug = {}
        if "slug" in _field_names(self.model):
            for chunk in _chunks(sorted(values)):
                for obj in manager.filter(slug__in=chunk):
                    by_slug[obj.slug] = objects.setdefault(obj.pk, obj)
        rest = sorted(values - by_slug.keys())
        named: dict[str, set] = {}
        lookups = [self.name_field] + ([self.also] if self.also else [])
        for lookup in lookups:
            for chunk in _chunks(rest):
                pairs = manager.filter(**{f"{lookup}__in": chunk}).values_list(lookup, "pk")
                for text, pk in pairs:
                    named.setdefault(text, set()).add(pk)
        missing = {pk for pks in named.values() for pk in pks} - objects.keys()
        for chunk in _chunks(sorted(missing)):
            for obj in manager.filter(pk__in=chunk):
                objects[obj.pk] = obj
        cache = dict(by_slug)
        for value in rest:
            pks = named.get(value, set())
            if len(pks) == 1:
                cache[value] = objects[next(iter(pks))]
            elif pks:
                cache[value] = (
                    f"{self.label} '{_short(value)}' matches more than one record; use its slug."
                )
            else:
                cache[value] = (
                    f"Unknown {self.label.lower()}: '{_short(value)}' (no slug or name matches)."
                )
        self.cache = cache

    def clean(self, value, row=None, **kwargs):
        value = self.text(value)
        if not value:
            return None
        if self.cache is not None and value in self.cache:
            found = self.cache[value]
            if isinstance(found, str):
                raise ValueError(found)
            return found
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


CHUNK = 500  # values per IN (...) query: far below SQLite's and PostgreSQL's limits


def _chunks(items, size: int = CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


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
# A date whose source prints no year: XXXX-MM-DD (a day and month), XXXX-MM (a month), as
# the Extended Date/Time Format (ISO 8601-2) writes an unspecified year; ISO 8601's --MM-DD
# and --MM are read too.
NO_YEAR_DATE = re.compile(r"^(?:XXXX|-)-(\d{1,2})(?:-(\d{1,2}))?$", re.IGNORECASE)
DATE_FORMS = (
    "write YYYY, YYYY-MM or YYYY-MM-DD (e.g. 2023-11-16), or XXXX-MM-DD or XXXX-MM when the "
    "source gives no year"
)


def parse_partial_date(text: str) -> tuple[datetime.date | None, str]:
    """'2023', '2023-11' or '2023-11-16' -> (first day of the period, precision);
    'XXXX-11-16' or 'XXXX-11' (no year printed; also '--11-16', '--11') -> (that day or
    month in year 1, which is never shown)."""
    text = (text or "").strip()
    if not text:
        return None, DatePrecision.DAY
    no_year = NO_YEAR_DATE.match(text[:20])
    if no_year:
        month, day = (int(g) if g else None for g in no_year.groups())
        try:
            date = datetime.date(NO_YEAR_SORT_YEAR, month, day or 1)
        except ValueError as exc:
            raise ValidationError(f"'{text}' is not a real day and month ({exc}).") from exc
        return date, DatePrecision.DAY_MONTH if day else DatePrecision.MONTH_ONLY
    match = PARTIAL_DATE.match(text[:20])
    if not match:
        raise ValidationError(f"'{_short(text)}' is not a date: {DATE_FORMS}.")
    year, month, day = (int(g) if g else None for g in match.groups())
    try:
        date = datetime.date(year, month or 1, day or 1)
    except ValueError as exc:
        raise ValidationError(f"'{text}' is not a real date ({exc}).") from exc
    if not 1900 <= year <= 2100:
        raise ValidationError(
            f"'{text}': the year should be between 1900 and 2100 (write XXXX-MM-DD or XXXX-MM "
            "when the source gives no year)."
        )
    precision = DatePrecision.DAY if day else DatePrecision.MONTH if month else DatePrecision.YEAR
    return date, precision


def render_partial_date(on, precision) -> str:
    """The cell parse_partial_date reads back: 2023, 2023-11, 2023-11-16, XXXX-11-16,
    XXXX-11 (exports.iso_partial)."""
    return iso_partial(on, precision) or ""


class FullDateWidget(widgets.Widget):
    """A day, YYYY-MM-DD (an XLSX date cell reads as such); empty is none."""

    def __init__(self, label: str):
        self.label = label

    def clean(self, value, row=None, **kwargs):
        text = (str(value).strip() if value is not None else "")[:MAX_CELL]
        if not text:
            return None
        try:
            on, precision = parse_partial_date(text)
        except ValidationError as exc:
            raise ValueError(" ".join(exc.messages)) from None
        if precision != DatePrecision.DAY:
            raise ValueError(f"'{_short(text)}' is not a full date: write YYYY-MM-DD.")
        return on

    def render(self, value, obj=None, **kwargs):
        return value.isoformat() if value else ""


class YesNoWidget(widgets.Widget):
    YES = {"yes", "y", "true", "1", "x"}
    NO = {"no", "n", "false", "0", ""}

    def clean(self, value, row=None, **kwargs):
        text = (str(value).strip() if value is not None else "")[:MAX_CELL].lower()
        if text in self.YES:
            return True
        if text in self.NO:
            return False
        raise ValueError(f"'{_short(text)}' is not yes or no.")

    def render(self, value, obj=None, **kwargs):
        return "yes" if value else "no"


class WholeNumberWidget(widgets.Widget):
    """A whole number (6, "6", 6.0); empty is none."""

    def __init__(self, label: str, minimum: int = 0):
        self.label = label
        self.minimum = minimum

    def clean(self, value, row=None, **kwargs):
        text = (str(value).strip() if value is not None else "")[:MAX_CELL]
        if not text:
            return None
        try:
            number = float(text)
        except ValueError:
            number = None
        if number is None or not number.is_integer():
            raise ValueError(f"'{_short(text)}' is not a whole number.")
        number = int(number)
        if number < self.minimum:
            raise ValueError(f"The {self.label.lower()} must be at least {self.minimum}.")
        return number

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value


class FigureNumberWidget(widgets.Widget):
    """A reported figure's value: a number of at most two decimals and 18 digits before the
    point (6, "6", "9290.3", "1,010"); empty is none."""

    def __init__(self, label: str):
        self.label = label

    def clean(self, value, row=None, **kwargs):
        text = (str(value).strip() if value is not None else "")[:MAX_CELL]
        if not text:
            return None
        try:
            number = Decimal(text.replace(",", ""))
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            raise ValueError(f"'{_short(text)}' is not a number.")
        if number < 0:
            raise ValueError(f"The {self.label.lower()} cannot be negative.")
        if number >= Decimal(10) ** 18:
            raise ValueError(f"The {self.label.lower()} is too large (at most 18 digits).")
        if number != number.quantize(Decimal("0.01"), rounding=ROUND_DOWN):
            raise ValueError(f"The {self.label.lower()} has more than two decimals.")
        return number.quantize(Decimal("0.01"))

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else number_plain(value)


def number_plain(value) -> str:
    """A number for a spreadsheet cell: no separators, no trailing decimal zeros."""
    value = Decimal(value)
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def partial_date_extras(column: str, label: str) -> tuple[fields.Field, ...]:
    """The columns beside a partial date ``column`` (whose fields are ``<column>_…``), for a
    resource's class body (``held_not_after, held_year_inferred, held_year_basis,
    held_as_given = …``): the latest possible day (YYYY-MM-DD), whether the year is inferred
    from context (yes or no) and how, and words of time the date cannot hold ("summer"). A
    column missing from a file leaves the stored value as it is."""
    return (
        fields.Field(
            attribute=f"{column}_not_after",
            column_name=f"{column}_not_after",
            widget=FullDateWidget(f"{label}: not after"),
        ),
        fields.Field(
            attribute=f"{column}_year_inferred",
            column_name=f"{column}_year_inferred",
            widget=YesNoWidget(),
        ),
        fields.Field(attribute=f"{column}_year_basis", column_name=f"{column}_year_basis"),
        fields.Field(attribute=f"{column}_as_given", column_name=f"{column}_as_given"),
    )


def partial_date_columns(column: str) -> tuple[str, ...]:
    """A partial date's column and the columns of partial_date_extras, in a file's order."""
    return (
        column,
        f"{column}_not_after",
        f"{column}_year_inferred",
        f"{column}_year_basis",
        f"{column}_as_given",
    )


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
    """Shared behaviour: required columns, a citation per row, drafts by default.

    ``import_data`` imports row by row (django-import-export's path). ``BulkImport`` (what the
    admin's jobs use) calls the same per-row methods with ``_bulk`` set: lookups are then
    answered from caches filled once for the whole file (``bulk_prepare``), and the checks
    that would query the database for each row (unique values, the slug) are made by
    ``BulkImport`` for all rows at once."""

    required_columns: tuple[str, ...] = ()
    _bulk = False

    def bulk_prepare(self, rows: list[dict]) -> None:
        """Fill the lookup caches for the rows (their cells already text)."""

    def bulk_register(self, instance, row) -> None:
        """A valid new record of the file, which later rows may match as the row-by-row path
        would find it saved."""

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        if not self._bulk:
            return super().validate_instance(instance, import_validation_errors, validate_unique)
        errors = dict(import_validation_errors or {})
        # A link to a record this import has just read (a region, a party) exists: its
        # field is not checked again with a query per row.
        exclude = set(errors) | {
            f.name
            for f in instance._meta.concrete_fields
            if f.is_relation and getattr(instance, f.attname) is not None and f.is_cached(instance)
        }
        try:
            # Model.full_clean, not Record.full_clean: BulkImport gives slugs and checks
            # unique values for all rows at once instead of a query per row.
            models.Model.full_clean(
                instance,
                exclude=exclude,
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    source = fields.Field(column_name="source", attribute=None, readonly=False)
    paragraph = fields.Field(column_name="paragraph", attribute=None, readonly=False)
    # Where in the source, for a page whose paragraphs are not numbered (Citation.section).
    section = fields.Field(column_name="section", attribute=None, readonly=False)

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
        # An empty cell is "" (cell_text); a nullable column stores it as NULL, and a text
        # that is not nullable the empty text (a choice left empty: ChoiceWidget gives None).
        model_field = _model_field(type(instance), field.attribute)
        if model_field is None or model_field.is_relation:
            return
        value = getattr(instance, field.attribute, None)
        if model_field.null and value == "":
            setattr(instance, field.attribute, None)
        elif not model_field.null and value is None and isinstance(model_field, CharField):
            setattr(instance, field.attribute, "")

    def _find_source(self, source_text: str):
        """The source a row names (its id or exact title), looked up once per import."""
        sources = self.__dict__.setdefault("_sources", {})
        if source_text not in sources:
            source = None
            if source_text.isdigit():
                source = Source.objects.filter(pk=int(source_text)).first()
            if source is None:
                source = Source.objects.filter(title=source_text[:500]).first()
            sources[source_text] = source
        return sources[source_text]

    def citation_from_row(self, row):
        """(source, paragraph or None, section) of the row's citation, None without one: a
        source and its paragraph, its section (a page without numbered paragraphs), or both."""
        source_text = str(row.get("source") or "").strip()
        paragraph_text = str(row.get("paragraph") or "").strip()
        section = str(row.get("section") or "").strip()
        if not source_text and not paragraph_text and not section:
            return None
        if not source_text:
            where = "paragraph" if paragraph_text else "section"
            raise ValidationError({"source": f"A {where} was given without its source."})
        source = self._find_source(source_text)
        if source is None:
            raise ValidationError({"source": f"Unknown source '{_short(source_text)}'."})
        section_field = Citation._meta.get_field("section")
        if len(section) > section_field.max_length:
            raise ValidationError(
                {
                    "section": f"{len(section)} characters is too long for a section (at most "
                    f"{section_field.max_length})."
                }
            )
        if not paragraph_text:
            if not section:
                raise ValidationError(
                    {"paragraph": "Give the paragraph (or the section) of the source cited."}
                )
            return source, None, section
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
        return source, paragraph, section

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
            source, paragraph, section = citation
            Citation.objects.get_or_create(
                source=source,
                paragraph=paragraph,
                section=section,
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
        return first.paragraph if first and first.paragraph is not None else ""

    def dehydrate_section(self, obj):
        first = next(iter(obj.citations.all()), None)
        return first.section if first else ""


def _content_type_id(model) -> int:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(model).pk


class OrganizationResource(CitedResource):
    required_columns = ("name", "kind")

    name = fields.Field(attribute="name", column_name="name")
    name_not_given = fields.Field(
        attribute="name_not_given", column_name="name_not_given", widget=YesNoWidget()
    )
    several = fields.Field(attribute="several", column_name="several", widget=YesNoWidget())
    slug = fields.Field(attribute="slug", column_name="slug")
    kind = fields.Field(
        attribute="kind",
        column_name="kind",
        widget=ChoiceWidget(OrganizationKind.choices, "Kind"),
    )
    region = fields.Field(
        attribute="region",
        column_name="region",
        widget=LookupWidget(Region, "Region", also="other_names__name"),
    )
    other_names = fields.Field(column_name="other_names", attribute=None)
    website = fields.Field(attribute="website", column_name="website")
    aims = fields.Field(attribute="aims", column_name="aims")
    founded_year = fields.Field(
        attribute="founded_year",
        column_name="founded_year",
        widget=WholeNumberWidget("Year founded", 1),
    )
    founded_by = fields.Field(attribute="founded_by", column_name="founded_by")
    ownership = fields.Field(
        attribute="ownership",
        column_name="ownership",
        widget=ChoiceWidget(Ownership.choices, "Public or private"),
    )
    description = fields.Field(attribute="description", column_name="description")

    class Meta:
        model = Organization
        fields = (
            "name",
            "name_not_given",
            "several",
            "slug",
            "kind",
            "region",
            "other_names",
            "website",
            "founded_year",
            "founded_by",
            "ownership",
            "aims",
            "description",
            "source",
            "paragraph",
            "section",
        )
        import_id_fields = ()
        use_transactions = True
        rollback_on_validation_errors = True
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def bulk_prepare(self, rows):
        self._objects = {}
        self.fields["region"].widget.prefetch(row.get("region") for row in rows)
        slugs = {str(row.get("slug") or "").strip() for row in rows} - {""}
        names = {str(row.get("name") or "").strip()[:MAX_CELL] for row in rows} - {""}
        self._by_slug, self._by_name = {}, {}
        manager = Organization.objects.select_related("region")
        for chunk in _chunks(sorted(slugs)):
            for org in manager.filter(slug__in=chunk):
                self._by_slug[org.slug] = self._objects.setdefault(org.pk, org)
        for lookup in ("name", "other_names__name"):
            for chunk in _chunks(sorted(names)):
                for text, pk in manager.filter(**{f"{lookup}__in": chunk}).values_list(
                    lookup, "pk"
                ):
                    self._by_name.setdefault(text, set()).add(pk)
        missing = {pk for pks in self._by_name.values() for pk in pks} - self._objects.keys()
        for chunk in _chunks(sorted(missing)):
            for org in manager.filter(pk__in=chunk):
                self._objects[org.pk] = org
        self._pending_slug, self._pending_name = {}, {}

    def bulk_register(self, instance, row):
        if instance.slug:
            self._pending_slug.setdefault(instance.slug, instance)
        names = [instance.name] + [
            part.strip()[:300]
            for part in str(row.get("other_names") or "").split(";")
            if part.strip()
        ]
        for name in names:
            self._pending_name.setdefault(name, set()).add(id(instance))
            self.__dict__.setdefault("_pending_by_id", {})[id(instance)] = instance

    def _bulk_instance(self, slug, name):
        if slug:
            found = self._by_slug.get(slug) or self._pending_slug.get(slug)
            if found is not None:
                return found
        if name:
            matches = [self._objects[pk] for pk in self._by_name.get(name, ())]
            pending = self.__dict__.get("_pending_by_id", {})
            matches += [pending[i] for i in self._pending_name.get(name, ())]
            matches = list({id(m): m for m in matches}.values())
            if len(matches) > 1:
                raise ValidationError(
                    f"'{_short(name)}' matches several organizations; give the slug to choose."
                )
            if matches:
                return matches[0]
        return None

    def get_instance(self, instance_loader, row):
        """Match by slug, else by exact name or other name; never create a duplicate."""
        slug = str(row.get("slug") or "").strip()
        name = str(row.get("name") or "").strip()[:MAX_CELL]
        if self._bulk:
            return self._bulk_instance(slug, name)
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
        try:
            unnamed = YesNoWidget().clean(row.get("name_not_given"))
        except ValueError:
            unnamed = False  # reported as that column's error by the import of the field
        if name:  # two schools a source leaves unnamed in one city are two schools
            self.check_duplicate(name.lower(), "organization")
        elif not unnamed:
            # The row's other cells are still read, so that their own errors are the ones
            # shown (not "kind cannot be blank" for a kind that is there).
            super().import_instance(instance, row, **kwargs)
            raise ValidationError(
                {
                    "name": "The name is empty: give it, or write yes in name_not_given when "
                    "the source names no organization."
                }
            )
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
    """A partnership: its two parties and level (which identify it), status, the source's own
    word for it, its date as the source gives it, where it was signed or which series
    facilitated it, the partnership it follows on from (``predecessor``) or the agreement it
    is a pairing under (``parent``), both by slug. Its history (agreements, changes of
    status, visits) is exported in three readable columns, which an import ignores: history
    is entered in the partnership's own form."""

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
    source_label = fields.Field(attribute="source_label", column_name="source_label")
    other_names = fields.Field(attribute="other_names", column_name="other_names")
    status = fields.Field(
        attribute="status",
        column_name="status",
        widget=ChoiceWidget(PartnershipStatus.choices, "Status"),
    )
    established = fields.Field(column_name="established", attribute=None)
    (
        established_not_after,
        established_year_inferred,
        established_year_basis,
        established_as_given,
    ) = partial_date_extras("established", "Established")
    conference = fields.Field(
        attribute="conference",
        column_name="conference",
        widget=LookupWidget(Conference, "Conference"),
    )
    series = fields.Field(
        attribute="series",
        column_name="series",
        widget=LookupWidget(ConferenceSeries, "Conference series"),
    )
    predecessor = fields.Field(
        attribute="predecessor",
        column_name="predecessor",
        widget=LookupWidget(SisterSchoolPartnership, "Predecessor", name_field="slug"),
    )
    parent = fields.Field(
        attribute="parent",
        column_name="parent",
        widget=LookupWidget(SisterSchoolPartnership, "Parent agreement", name_field="slug"),
    )
    pairings_reported = fields.Field(
        attribute="pairings_reported",
        column_name="pairings_reported",
        widget=WholeNumberWidget("Pairings reported"),
    )
    aims = fields.Field(attribute="aims", column_name="aims")
    summary = fields.Field(attribute="summary", column_name="summary")
    agreements = fields.Field(
        column_name="agreements", attribute=None, readonly=True, dehydrate_method=agreements_cell
    )
    status_changes = fields.Field(
        column_name="status_changes",
        attribute=None,
        readonly=True,
        dehydrate_method=status_changes_cell,
    )
    visits = fields.Field(
        column_name="visits", attribute=None, readonly=True, dehydrate_method=visits_cell
    )

    # A model field whose errors belong to another column.
    COLUMNS = {"established_on": "established", "established_precision": "established"}

    class Meta:
        model = SisterSchoolPartnership
        fields = (
            "party_a",
            "party_b",
            "level",
            "source_label",
            "other_names",
            "status",
            *partial_date_columns("established"),
            "conference",
            "series",
            "predecessor",
            "parent",
            "pairings_reported",
            "aims",
            "summary",
            "agreements",
            "status_changes",
            "visits",
            "source",
            "paragraph",
            "section",
        )
        import_id_fields = ()
        use_transactions = True
        rollback_on_validation_errors = True
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def bulk_prepare(self, rows):
        objects: dict = {}
        for column in ("party_a", "party_b"):
            self.fields[column].widget.prefetch((row.get(column) for row in rows), objects)
        for column in ("conference", "series", "predecessor", "parent"):
            self.fields[column].widget.prefetch(row.get(column) for row in rows)
        orgs = list(objects.values())
        regions = {r.pk: r for r in Region.objects.filter(pk__in={o.region_id for o in orgs})}
        for org in orgs:
            if org.region_id:
                org.region = regions[org.region_id]
        prefetch_related_objects(orgs, "other_names")
        self._pairs = {}
        for chunk in _chunks(sorted(objects)):
            for p in SisterSchoolPartnership.objects.filter(
                Q(party_a__in=chunk) | Q(party_b__in=chunk)
            ):
                if p.party_a_id in objects and p.party_b_id in objects:
                    p.party_a, p.party_b = objects[p.party_a_id], objects[p.party_b_id]
                    key = (min(p.party_a_id, p.party_b_id), max(p.party_a_id, p.party_b_id))
                    self._pairs[(*key, p.level)] = p

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
        if self._bulk:
            return self._pairs.get((min(a.pk, b.pk), max(a.pk, b.pk), level))
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

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """The model's messages, each under the column it is about (a date's day under
        ``established``)."""
        try:
            super().validate_instance(instance, import_validation_errors, validate_unique)
        except ValidationError as exc:
            errors: dict = {}
            for key, items in exc.update_error_dict({}).items():
                target = errors.setdefault(self.COLUMNS.get(key, key), [])
                target.extend(m for m in ValidationError(items).messages if m not in target)
            raise ValidationError(errors) from None

    def dehydrate_established(self, obj):
        return render_partial_date(obj.established_on, obj.established_precision)

    def get_export_queryset(self, request=None, **kwargs):
        # The admin's export job copies the prefetches (tasks.export_queryset): the rows a
        # partnership names by slug are among them.
        return SisterSchoolPartnership.objects.select_related(
            "party_a", "party_b", "conference"
        ).prefetch_related("series", "predecessor", "parent", "citations", *history_prefetches())


# --------------------------------------------------------------------------- bulk import

ROW_TYPES = ("new", "update", "review", "skip", "invalid")


class Refused(Exception):
    """The database (or a version check) refused a row while writing: nothing is kept."""

    def __init__(self, number: int | None, message: str):
        super().__init__(message)
        self.number = number
        self.message = message


def error_list(error: ValidationError) -> list[list]:
    """A row's ValidationError as [[column, [messages]], ...]; "" for the row as a whole."""
    if hasattr(error, "error_dict"):
        return [
            ["" if column == NON_FIELD_ERRORS else column, ValidationError(items).messages]
            for column, items in error.error_dict.items()
        ]
    return [["", error.messages]]


class BulkImport:
    """The import the admin's jobs run: the same rows, matches, checks and messages as the
    row-by-row path (``CitedResource.import_data``), in one validation pass and a few set-wise
    writes.

    ``run(dataset, dry_run=True)`` is the preview: it checks every row and writes nothing.
    ``run(dataset, dry_run=False)`` checks again (the records a file refers to may have changed
    since the preview) and, only when no row has an error, writes everything in one
    transaction: ``bulk_create``/``bulk_update`` with their history
    (``simple_history.utils``), citations and other names, the derived columns computed as
    ``save()`` and the signals compute them (country and province, search text, the columns
    partnerships copy from their parties). A row that would change a published record of
    someone who may not publish it becomes a pending ``Revision`` instead (review before
    publishing). The result is a JSON-ready report: counts, the rows with errors by column,
    and the first rows."""

    SHOWN_ROWS = 200  # rows listed in the report besides those with errors
    SHOWN_ERRORS = 1000  # rows with errors listed (all are counted)
    PROGRESS_EVERY = 2000
    BATCH = 1000

    def __init__(self, resource_class, user=None, progress=None):
        self.resource_class = resource_class
        self.model = resource_class._meta.model
        self.user = user
        self.progress = progress or (lambda phase, done, total: None)
        self._places: dict = {}

    # ----------------------------------------------------------------------- checking

    @staticmethod
    def empty_report(dataset, dry_run: bool) -> dict:
        return {
            "dry_run": dry_run,
            "total_rows": len(dataset),
            "totals": dict.fromkeys(ROW_TYPES, 0),
            "file_errors": [],
            "rows": [],
            "rows_left_off": 0,
            "imported": False,
        }

    def run(self, dataset, dry_run: bool = True) -> dict:
        started = time.monotonic()
        report = self.empty_report(dataset, dry_run)
        resource = self.resource_class()
        resource._bulk = True
        try:
            resource.before_import(dataset)
        except ValueError as exc:
            report["file_errors"].append(str(exc))
            return report
        outcomes, accepted = self.check(resource, dataset)
        if not any(o[1] == "invalid" for o in outcomes) and not dry_run:
            self.progress("Writing", len(dataset), len(dataset))
            try:
                with transaction.atomic():
                    self.write(resource, accepted)
                report["imported"] = True
            except Refused as exc:
                report["file_errors"].append(exc.message)
            except DatabaseError as exc:
                logger.warning("Import refused by the database: %s", exc)
                report["file_errors"].append(self.refusal(resource, accepted))
        self.fill_report(report, outcomes)
        report["seconds"] = round(time.monotonic() - started, 3)
        return report

    def check(self, resource, dataset):
        """Every row's outcome: (number, type, name, errors); and the rows to write:
        (number, type, instance, original, row)."""
        headers = dataset.headers
        rows = [
            (n, dict(zip(headers, values, strict=False))) for n, values in enumerate(dataset, 1)
        ]
        total = len(rows)
        self.progress("Checking rows", 0, total)
        resource.bulk_prepare(
            [
                {k: "" if isinstance(v, CellProblem) else cell_text(v) for k, v in row.items()}
                for _, row in rows
            ]
        )
        # No user (a script, the benchmark): nothing waits for review.
        may_publish = self.user is None or revisions.can_publish(self.user, self.model)
        outcomes, accepted = [], []
        for number, row in rows:
            if number % self.PROGRESS_EVERY == 0:
                self.progress("Checking rows", number, total)
            if all(not isinstance(v, CellProblem) and not cell_text(v) for v in row.values()):
                outcomes.append((number, "skip", "", None))
                continue
            instance = None
            try:
                resource.before_import_row(row, row_number=number)
                instance, new = resource.get_or_init_instance(None, row)
                original = copy.copy(instance)
                errors = {}
                try:
                    resource.import_instance(instance, row, row_number=number)
                except ValidationError as exc:
                    errors = exc.update_error_dict(errors)
                if resource.skip_row(instance, original, row, errors):
                    outcomes.append((number, "skip", str(instance), None))
                    continue
                resource.validate_instance(instance, errors)
            except ValidationError as exc:
                outcomes.append((number, "invalid", "", error_list(exc)))
                continue
            except Exception:
                logger.exception("Import row %s failed", number)
                message = (
                    f"Row {number} could not be imported because of an unexpected error (it "
                    "has been logged for the site's maintainers). Nothing from this file was "
                    "saved."
                )
                outcomes.append((number, "invalid", "", [["", [message]]]))
                continue
            if new:
                kind = "new"
                resource.bulk_register(instance, row)
            elif not may_publish and original.publication == Publication.PUBLISHED:
                # revisions.needs_review, for the record as loaded for this import
                kind = "review"
            else:
                kind = "update"
            accepted.append([number, kind, instance, original, row])
            outcomes.append((number, kind, instance, None))
        self.progress("Checking rows", total, total)
        problems = self.check_slugs(accepted)
        if problems:
            outcomes = [
                (n, "invalid", "", problems[n]) if n in problems else (n, kind, name, errors)
                for n, kind, name, errors in outcomes
            ]
            accepted = [a for a in accepted if a[0] not in problems]
        outcomes = [
            (n, kind, str(name) if not isinstance(name, str) else name, errors)
            for n, kind, name, errors in outcomes
        ]
        return outcomes, accepted

    def check_slugs(self, accepted) -> dict:
        """Give a slug to each record without one, as ``unique_slug`` would row after row
        (free in the database and among the file's earlier rows), and check that no slug is
        taken: the unique check of ``full_clean``, made for all rows at once."""
        model = self.model
        field = model._meta.get_field("slug")
        manager = model._base_manager
        bases = {}
        for _, _, instance, _, _ in accepted:
            if not instance.slug:
                text = instance.slug_text()
                if text:
                    bases[id(instance)] = slugify(text)[: field.max_length].strip("-") or "record"
        taken: dict[str, int] = {}
        for chunk in _chunks(sorted(set(bases.values()))):
            taken.update(manager.filter(slug__in=chunk).values_list("slug", "pk"))
        for base in {b for b in bases.values() if b in taken}:
            taken.update(manager.filter(slug__startswith=f"{base}-").values_list("slug", "pk"))
        in_file: dict[str, int] = {}
        for _, _, instance, _, _ in accepted:
            base = bases.get(id(instance))
            if base is None:
                continue
            slug, n = base, 2

            def busy(slug, instance=instance):
                return (slug in taken and taken[slug] != instance.pk) or (
                    slug in in_file and in_file[slug] != id(instance)
                )

            while busy(slug):
                suffix = f"-{n}"
                slug = f"{base[: field.max_length - len(suffix)]}{suffix}"
                n += 1
            instance.slug = slug
            in_file[slug] = id(instance)
        # Unique: no other record (in the database or earlier in the file) has the slug.
        changed = [a for a in accepted if a[2].pk is None or a[2].slug != a[3].slug]
        stored: dict[str, int] = {}
        for chunk in _chunks(sorted({a[2].slug for a in changed})):
            stored.update(manager.filter(slug__in=chunk).values_list("slug", "pk"))
        problems, seen = {}, {}
        for number, _, instance, _, _ in accepted:
            owner = seen.setdefault(instance.slug, id(instance))
            other = stored.get(instance.slug)
            if owner != id(instance) or (other is not None and other != instance.pk):
                message = instance.unique_error_message(model, ("slug",)).messages
                problems[number] = [["slug", message]]
        return problems

    def fill_report(self, report, outcomes) -> None:
        shown = errors_shown = 0
        for number, kind, name, errors in outcomes:
            report["totals"][kind] += 1
            if kind == "invalid":
                if errors_shown >= self.SHOWN_ERRORS:
                    report["rows_left_off"] += 1
                    continue
                errors_shown += 1
            elif shown >= self.SHOWN_ROWS:
                report["rows_left_off"] += 1
                continue
            else:
                shown += 1
            report["rows"].append(
                {"number": number, "type": kind, "name": name, "errors": errors or []}
            )

    # ----------------------------------------------------------------------- writing

    def write(self, resource, accepted) -> None:
        model = self.model
        now = timezone.now()
        user = self.user
        unique = {}
        for number, kind, instance, original, row in accepted:
            unique.setdefault(id(instance), [number, kind, instance, original, []])[4].append(row)
        entries = list(unique.values())
        creates = [e for e in entries if e[1] == "new"]
        updates = [e for e in entries if e[1] == "update"]
        reviews = [e for e in entries if e[1] == "review"]
        # Optimistic locking, as Versioned.save: a record changed since it was read is refused.
        stored = {}
        existing = updates + reviews
        for chunk in _chunks(sorted(e[2].pk for e in existing)):
            stored.update(
                model._base_manager.select_for_update()
                .filter(pk__in=chunk)
                .values_list("pk", "version")
            )
        for number, _, instance, _, _ in existing:
            if stored.get(instance.pk) != instance.version:
                raise Refused(
                    number,
                    f"Row {number}: “{instance}” was changed or deleted by someone else since "
                    "the file was checked. Nothing from this file was saved; import it again.",
                )
        is_org = model is Organization
        records = [e[2] for e in creates + updates]
        if is_org:
            for org in records:
                org.country, org.province = self.places(org)
            prefetch_related_objects([e[2] for e in updates], "other_names")
        else:
            for p in records:
                for name, value in p.derived_fields().items():
                    setattr(p, name, value)
            if model is SisterSchoolPartnership:  # the people they name, for the search text
                prefetch_related_objects([e[2] for e in updates], *NAMED_PEOPLE_PREFETCH)
        for chunk in _chunks(records):  # the names of their places: one query a chunk
            read_place_names(chunk, paths_of)
        for record in records:
            record.search_text = record.compute_search_text()
        self.progress("Writing records", 0, len(records))
        bulk_create_with_history(
            [e[2] for e in creates], model, batch_size=self.BATCH, default_user=user
        )
        for _, _, instance, _, _ in updates:
            instance.version += 1
            instance.updated_at = now
        fields = [
            f.name
            for f in model._meta.concrete_fields
            if not f.primary_key and f.name not in ("created_at", "search_vector")
        ]
        if updates:
            bulk_update_with_history(
                [e[2] for e in updates], model, fields, batch_size=self.BATCH, default_user=user
            )
        self.progress("Writing citations and other names", 0, len(records))
        added = self.write_rows(resource, creates + updates, reviews)
        self.write_reviews(reviews, added)
        touched = [e[2] for e in creates + updates]
        if is_org:
            self.refresh_search_text(
                [org for org in touched if org.pk in added["names_for"]], model
            )
            updated_ids = [e[2].pk for e in updates]
            for chunk in _chunks(updated_ids):
                sync_party_columns(chunk)
            self.refresh_named_by(updated_ids)

    def places(self, org):
        if not org.region_id:
            return None, None
        if org.region_id not in self._places:
            region = org.region
            self._places[org.region_id] = (region.country(), region.province())
        return self._places[org.region_id]

    def write_rows(self, resource, written, reviews) -> dict:
        """Citations and other names that the rows add (get_or_create, set-wise); for records
        under review they are returned for their revision instead of written."""
        model = self.model
        content_type = ContentType.objects.get_for_model(model)
        ids = [e[2].pk for e in written + reviews if e[2].pk is not None]
        have_citation = set()
        for chunk in _chunks(ids):
            have_citation.update(
                Citation.objects.filter(content_type=content_type, object_id__in=chunk).values_list(
                    "object_id", "source_id", "paragraph", "section"
                )
            )
        have_name = set()
        if model is Organization:
            for chunk in _chunks(ids):
                have_name.update(
                    OrganizationName.objects.filter(organization__in=chunk).values_list(
                        "organization_id", "name"
                    )
                )
        citations, names = [], []
        proposed = {}  # id(instance) -> rows for its revision
        names_for = set()
        for _number, kind, instance, _original, rows in written + reviews:
            for row in rows:
                citation = self.citation(resource, row)
                if citation is not None:
                    key = (instance.pk, citation[0].pk, citation[1], citation[2])
                    if key not in have_citation:
                        have_citation.add(key)
                        if kind == "review":
                            proposed.setdefault(id(instance), []).append(
                                {
                                    "model": "partnerships.citation",
                                    "pk": None,
                                    "action": "add",
                                    "fields": {
                                        "source_id": citation[0].pk,
                                        "paragraph": citation[1],
                                        "section": citation[2],
                                        "content_type_id": content_type.pk,
                                        "object_id": instance.pk,
                                        "note": "",
                                    },
                                }
                            )
                        else:
                            citations.append(
                                Citation(
                                    source=citation[0],
                                    paragraph=citation[1],
                                    section=citation[2],
                                    content_type=content_type,
                                    object_id=instance.pk,
                                )
                            )
                if model is not Organization:
                    continue
                text = str(row.get("other_names") or "")
                for other in [part.strip() for part in text.split(";") if part.strip()]:
                    key = (instance.pk, other[:300])
                    if key in have_name:
                        continue
                    have_name.add(key)
                    if kind == "review":
                        proposed.setdefault(id(instance), []).append(
                            {
                                "model": "partnerships.organizationname",
                                "pk": None,
                                "action": "add",
                                "fields": {
                                    "organization_id": instance.pk,
                                    "name": other[:300],
                                    "language": "",
                                    "note": "",
                                },
                            }
                        )
                    else:
                        names.append(OrganizationName(organization=instance, name=other[:300]))
                        names_for.add(instance.pk)
        user = self.user
        if citations:
            bulk_create_with_history(citations, Citation, batch_size=self.BATCH, default_user=user)
        if names:
            bulk_create_with_history(
                names, OrganizationName, batch_size=self.BATCH, default_user=user
            )
        return {"proposed": proposed, "names_for": names_for}

    def citation(self, resource, row):
        try:
            return resource.citation_from_row(row)
        except ValidationError:  # checked already; cannot happen after a clean check
            return None

    def write_reviews(self, reviews, added) -> None:
        """Pending revisions for the rows that would change a published record."""
        proposals = []
        model = self.model
        fields = revisions.tracked_fields(model)
        for _, _, instance, original, _ in reviews:
            values = {f.attname: getattr(instance, f.attname) for f in fields}
            proposal = revisions.proposal_for(original, values, self.user, origin="import")
            rows = added["proposed"].get(id(instance), [])
            if rows:
                if proposal is None:
                    proposal = Revision(
                        content_type=ContentType.objects.get_for_model(model),
                        object_id=original.pk,
                        base_version=original.version,
                        changes={"fields": {}, "was": {}, "rows": []},
                        origin="import",
                        author=self.user,
                    )
                proposal.changes["rows"].extend(rows)
                proposal.summary = revisions.describe(model, proposal.changes)
            if proposal is not None:
                proposals.append(proposal)
        if proposals:
            Revision.objects.bulk_create(proposals, batch_size=self.BATCH)

    def refresh_search_text(self, records, model) -> None:
        """The search text of records whose other names the import added (as the
        OrganizationName signal does), reading the names back in the database's order."""
        for chunk in _chunks(records):
            for record in chunk:
                getattr(record, "_prefetched_objects_cache", {}).pop("other_names", None)
            prefetch_related_objects(chunk, "other_names")
            read_place_names(chunk, paths_of)
            model.objects.bulk_update(stale_search_texts(chunk), ["search_text"])

    def refresh_named_by(self, org_ids) -> None:
        """signals.refresh_organization for many organizations: the search text of the
        partnerships, people, conferences and alliances that name them."""
        for chunk in _chunks(org_ids):
            partnerships = with_search_names(partnerships_naming(chunk))
            refresh_events_naming(chunk)
            people = people_of_organizations(chunk).select_related("organization__parent")
            for queryset in (partnerships, people):
                changed = []
                records = list(queryset)
                read_place_names(records, paths_of)
                for record in records:
                    text = record.compute_search_text()
                    if text != record.search_text:
                        record.search_text = text
                        changed.append(record)
                queryset.model.objects.bulk_update(changed, ["search_text"], batch_size=500)

    def refusal(self, resource, accepted) -> str:
        """The database refused the write (a slug taken meanwhile, say): the transaction is
        rolled back; name the row in words, never the database's message."""
        for _, _, instance, _, _ in accepted:
            if instance._state.adding:
                instance.pk = None
        model = self.model
        stored: dict[str, int] = {}
        for chunk in _chunks(sorted({a[2].slug for a in accepted if a[2].slug})):
            stored.update(model._base_manager.filter(slug__in=chunk).values_list("slug", "pk"))
        for number, _, instance, _, _ in accepted:
            other = stored.get(instance.slug)
            if other is not None and other != instance.pk:
                resource._row_number = number
                message = resource.refusal_message(instance)
                if isinstance(message, dict):
                    message = " ".join(message.values())
                return message
        return (
            "The file could not be saved: it conflicts with what is already in the database "
            "(perhaps a record saved by someone else since the preview). Nothing from this "
            "file was saved; check it and import it again."
        )


# --------------------------------------------------------------------------- file formats


def export_cell(value):
    """A cell of an exported file: text through exports.safe_cell (the public CSV's rule: an
    apostrophe before a leading = + - @ tab or carriage return), other values unchanged."""
    if isinstance(value, str):
        return safe_cell(value)
    return value


class WrittenByRows:
    """An export format whose file is written by its ``write_rows`` (the job's way, a row at a
    time); ``export_data`` writes a whole dataset the same way."""

    def export_data(self, dataset, **kwargs):
        buffer = io.BytesIO()
        self.write_rows(buffer, dataset.headers or [], dataset)
        return buffer.getvalue()


class CSVFormat(WrittenByRows, base_formats.CSV):
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

    @staticmethod
    def write_rows(file, headers, rows) -> None:
        """The file of ``rows`` (an iterable, read once) written into the binary ``file`` as
        they come: an export job's rows are never all in memory."""
        text = io.TextIOWrapper(file, encoding="utf-8", newline="", write_through=False)
        text.write("\ufeff")
        writer = csv.writer(text)
        writer.writerow([safe_cell(h) for h in headers])
        for row in rows:
            writer.writerow([safe_cell(value) for value in row])
        text.flush()
        text.detach()  # the caller's file stays open


class XLSXFormat(WrittenByRows, base_formats.XLSX):
    """XLSX read by ``read_xlsx``; written with every text cell through
    ``exports.safe_cell``, so that no cell is a formula (openpyxl makes any text starting with
    = a formula), and with characters XLSX cannot hold replaced by U+FFFD."""

    def create_dataset(self, in_stream, **kwargs):
        return read_xlsx(in_stream)

    @staticmethod
    def write_rows(file, headers, rows) -> None:
        """The workbook of ``rows`` (an iterable, read once) written into the binary ``file``
        as they come, by openpyxl's write-only mode (a row at a time, not a sheet in memory):
        as tablib wrote it, a bold header row frozen above the others and text with line
        breaks wrapped."""
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
        from openpyxl.styles import Alignment, Font

        def cell(value):
            value = export_cell(value)
            return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value) if isinstance(value, str) else value

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("Export")
        sheet.freeze_panes = "A2"
        bold, wrap = Font(bold=True), Alignment(wrap_text=True)
        header_cells = []
        for header in headers:
            header_cell = WriteOnlyCell(sheet, value=cell(header))
            header_cell.font = bold
            header_cells.append(header_cell)
        sheet.append(header_cells)
        for row in rows:
            values = [cell(value) for value in row]
            if any(isinstance(v, str) and "\n" in v for v in values):
                values = [wrapped(sheet, v, wrap) for v in values]
            sheet.append(values)
        workbook.save(file)


def wrapped(sheet, value, alignment):
    """A write-only cell of text with a line break, wrapped (as tablib's export did)."""
    from openpyxl.cell import WriteOnlyCell

    if not (isinstance(value, str) and "\n" in value):
        return value
    text_cell = WriteOnlyCell(sheet, value=value)
    text_cell.alignment = alignment
    return text_cell


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

    # Imports and exports run as background jobs (partnerships/tasks.py): the views below
    # create a job and redirect to its page, which refreshes itself until the job is done.

    def get_urls(self):
        info = self.get_model_info()
        view = self.admin_site.admin_view
        return [
            path("jobs/<uuid:job_id>/", view(self.job_view), name="{}_{}_job".format(*info)),
            path(
                "jobs/<uuid:job_id>/confirm/",
                view(self.job_confirm_view),
                name="{}_{}_job_confirm".format(*info),
            ),
            path(
                "jobs/<uuid:job_id>/download/",
                view(self.job_download_view),
                name="{}_{}_job_download".format(*info),
            ),
            *super().get_urls(),
        ]

    def _job_url(self, job) -> str:
        return reverse("admin:{}_{}_job".format(*self.get_model_info()), args=[job.pk])

    def _quick_check(self, data: bytes, input_format) -> None:
        """What can be said at once about an upload, before its job: a file that is not text
        (CSV), or not a workbook (XLSX). Everything else the job reports."""
        if isinstance(input_format, XLSXFormat):
            import openpyxl

            try:
                openpyxl.load_workbook(io.BytesIO(data), read_only=True).close()
            except Exception:
                read_xlsx(data)  # raises UnreadableFile with the message for this file
        else:
            decode_text(data)

    def import_action(self, request, **kwargs):
        """The upload: checked for what can be said at once, then previewed by a job."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            form = self.create_import_form(request)
            if form.is_valid():
                upload = form.cleaned_data["import_file"]
                data = b"".join(upload.chunks())
                index = int(form.cleaned_data["format"])
                try:
                    self._quick_check(data, self.get_import_formats()[index]())
                except UnreadableFile as exc:
                    form.add_error("import_file", str(exc))
                else:
                    job = ImportJob.objects.create(
                        kind=JobKind.PREVIEW,
                        model=self.opts.label_lower,
                        user=request.user,
                        file_name=str(upload.name)[-255:],
                        format_index=index,
                        resource_index=self.get_resource_index(form),
                        data=data,
                    )
                    self._purge_uploads()
                    tasks.enqueue(job)
                    return HttpResponseRedirect(self._job_url(job))
                return self._import_form_page(request, form)
        return super().import_action(request, **kwargs)

    def _purge_uploads(self) -> None:
        """Uploads are kept a day at most (until confirmed, then not at all)."""
        old = timezone.now() - datetime.timedelta(seconds=UploadStorage.MAX_AGE)
        ImportJob.objects.filter(created_at__lt=old).exclude(data=b"").update(data=b"")

    def _import_form_page(self, request, form):
        resource_classes = self.get_import_resource_classes(request)
        context = self.get_import_context_data()
        context.update(self.admin_site.each_context(request))
        context.update(
            {
                "title": "Import",
                "form": form,
                "opts": self.model._meta,
                "media": self.media + form.media,
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

    @method_decorator(require_POST)
    def process_import(self, request, **kwargs):
        """The former synchronous confirmation: confirmations are jobs now."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        messages.error(request, UPLOAD_GONE)
        return HttpResponseRedirect(self._import_url())

    def _own_job(self, request, job_id, **filters):
        # (An upload or an export's file is read only where it is used.)
        jobs = ImportJob.objects.defer("data", "output")
        job = jobs.filter(pk=job_id, model=self.opts.label_lower, **filters).first()
        if job is None or (job.user_id != request.user.pk and not request.user.is_superuser):
            raise Http404("No such job.")
        return job

    def job_view(self, request, job_id):
        """A job's progress (the page refreshes itself until it is done: a meta refresh, no
        script) and then its result: counts, rows with errors by column, the confirm button
        of a clean preview, an export's download link."""
        job = self._own_job(request, job_id)
        if job.kind == JobKind.EXPORT:
            if not self.has_export_permission(request):
                raise PermissionDenied
        elif not self.has_import_permission(request):
            raise PermissionDenied
        result = job.result or {}
        errors = bool(result.get("file_errors")) or bool(
            (result.get("totals") or {}).get("invalid")
        )
        can_confirm = (
            job.kind == JobKind.PREVIEW
            and job.state == JobState.DONE
            and not errors
            and job.confirmed_at is None
        )
        confirmation = job.confirmations.first() if job.kind == JobKind.PREVIEW else None
        context = {
            **self.admin_site.each_context(request),
            "title": f"{job.get_kind_display()}: {self.opts.verbose_name_plural}",
            "opts": self.opts,
            "job": job,
            "result": result,
            "has_errors": errors,
            "can_confirm": can_confirm,
            "confirmation": confirmation,
            "refresh_seconds": None if job.finished else 2,
            "changelist_url": reverse("admin:{}_{}_changelist".format(*self.get_model_info())),
            "import_url": self._import_url(),
            "confirm_url": reverse(
                "admin:{}_{}_job_confirm".format(*self.get_model_info()), args=[job.pk]
            ),
            "download_url": reverse(
                "admin:{}_{}_job_download".format(*self.get_model_info()), args=[job.pk]
            ),
            "row_types": ROW_TYPES,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, ["admin/partnerships/jobs/job.html"], context)

    @method_decorator(require_POST)
    def job_confirm_view(self, request, job_id):
        """Confirm a clean preview: its upload is imported once, by a new job."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        preview = self._own_job(request, job_id, kind=JobKind.PREVIEW)
        age = (timezone.now() - preview.created_at).total_seconds()
        if preview.confirmed_at is not None:
            messages.warning(request, ALREADY_CONFIRMED)
            done = preview.confirmations.first()
            return HttpResponseRedirect(self._job_url(done or preview))
        if age > UploadStorage.MAX_AGE:
            messages.error(request, UPLOAD_GONE)
            return HttpResponseRedirect(self._import_url())
        result = preview.result or {}
        if (
            preview.state != JobState.DONE
            or result.get("file_errors")
            or (result.get("totals") or {}).get("invalid")
        ):
            messages.error(request, "Only a preview without errors can be confirmed.")
            return HttpResponseRedirect(self._job_url(preview))
        with transaction.atomic():
            claimed = ImportJob.objects.filter(pk=preview.pk, confirmed_at__isnull=True).update(
                confirmed_at=timezone.now()
            )
            if not claimed:  # a second click, at the same time
                messages.warning(request, ALREADY_CONFIRMED)
                return HttpResponseRedirect(self._job_url(preview))
            job = ImportJob.objects.create(
                kind=JobKind.IMPORT,
                model=preview.model,
                user=request.user,
                file_name=preview.file_name,
                format_index=preview.format_index,
                resource_index=preview.resource_index,
                preview=preview,
            )
            tasks.enqueue(job)
        return HttpResponseRedirect(self._job_url(job))

    def job_download_view(self, request, job_id):
        if not self.has_export_permission(request):
            raise PermissionDenied
        job = self._own_job(request, job_id, kind=JobKind.EXPORT, state=JobState.DONE)
        file_format = self.get_export_formats()[job.format_index]()
        content_type = file_format.get_content_type()
        stored = (job.result or {}).get("file")
        if stored:  # a large export, in a file of its own (tasks.store_output)
            path = tasks.job_file(stored)
            if path is None:
                raise Http404("This export's file is no longer kept: export again.")
            return FileResponse(
                path.open("rb"),
                as_attachment=True,
                filename=job.file_name,
                content_type=content_type,
            )
        response = HttpResponse(bytes(job.output), content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{job.file_name}"'
        return response

    def export_action(self, request):
        """The export form; its submission becomes an export job."""
        if not self.has_export_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            formats = self.get_export_formats()
            form = self.get_export_form_class()(
                formats, self.get_export_resource_classes(request), data=request.POST
            )
            if "export_items" in request.POST:
                form.fields["export_items"] = MultipleChoiceField(
                    widget=MultipleHiddenInput,
                    required=False,
                    choices=[
                        (pk, pk)
                        for pk in self.get_export_queryset(request).values_list("pk", flat=True)
                    ],
                )
            if form.is_valid():
                index = int(form.cleaned_data["format"])
                file_format = formats[index]()
                items = (
                    form.cleaned_data.get("export_items") if "export_items" in form.fields else None
                )
                job = ImportJob.objects.create(
                    kind=JobKind.EXPORT,
                    model=self.opts.label_lower,
                    user=request.user,
                    file_name=self.get_export_filename(request, None, file_format),
                    format_index=index,
                    resource_index=self.get_resource_index(form),
                    options={
                        "fields": self.get_export_resource_fields_from_form(form),
                        "items": [int(pk) for pk in items] if items else None,
                        # The changelist's filters, search and order, as the export form
                        # was reached from it (its querystring): the worker selects the
                        # rows through get_export_queryset, as the synchronous export did.
                        "query": request.GET.urlencode(),
                    },
                )
                tasks.enqueue(job)
                return HttpResponseRedirect(self._job_url(job))
        return super().export_action(request)


__all__ = [
    "OrganizationResource",
    "PartnershipResource",
    "PartialDate",
    "SpreadsheetAdminMixin",
]


class RowByRowImport(BulkImport):
    """The import the jobs run for the record types other than organizations and partnerships
    (partnerships/record_resources.py): django-import-export's own row-by-row path
    (``import_data``, all or nothing), reported like ``BulkImport``. Those resources refuse,
    row by row, a change to a published record by someone who may not publish it
    (``RecordResource.save_instance``): such a change is made in the record's form, where it
    waits for review."""

    KINDS = {
        RowResult.IMPORT_TYPE_NEW: "new",
        RowResult.IMPORT_TYPE_UPDATE: "update",
        RowResult.IMPORT_TYPE_DELETE: "update",
        RowResult.IMPORT_TYPE_SKIP: "skip",
        RowResult.IMPORT_TYPE_INVALID: "invalid",
        RowResult.IMPORT_TYPE_ERROR: "invalid",
    }

    def run(self, dataset, dry_run: bool = True) -> dict:
        started = time.monotonic()
        report = self.empty_report(dataset, dry_run)
        self.progress("Checking rows" if dry_run else "Writing", 0, len(dataset))
        result = self.resource_class().import_data(
            dataset, dry_run=dry_run, raise_errors=False, user=self.user
        )
        report["file_errors"] = [str(error.error) for error in result.base_errors]
        outcomes = []
        for number, row in enumerate(result.rows, 1):
            kind = self.KINDS.get(row.import_type, "invalid")
            errors = None
            if row.validation_error is not None:
                errors = error_list(row.validation_error)
            elif row.errors:
                for error in row.errors:
                    logger.error("Import row %s failed", number, exc_info=error.error)
                errors = [["", ["An unexpected error (logged for the site's maintainers)."]]]
            outcomes.append((number, kind, row.object_repr or "", errors))
        failed = result.has_errors() or result.has_validation_errors() or report["file_errors"]
        report["imported"] = not dry_run and not failed
        self.fill_report(report, outcomes)
        report["seconds"] = round(time.monotonic() - started, 3)
        return report
