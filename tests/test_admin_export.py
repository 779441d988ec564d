"""The admin's spreadsheet export (CSV, XLSX): no cell may start a formula, by the same rule
as the public CSV export (exports.safe_cell), and an exported file imports back unchanged."""

import csv
import io

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from partnerships.exports import FORMULA_START, safe_cell
from partnerships.models import Organization
from tests.jobhelpers import Jobs

DANGEROUS = [
    "=1+1",
    '==HYPERLINK("http://x","y")',
    "+31 Amsterdam School",
    "-2+3 School",
    "@SUM(A1) School",
    "\tTabbed School",
    "\rReturn School",
]
FIELDS = ("name", "slug", "kind", "region", "other_names", "website", "description")


@pytest.fixture
def publisher(client, django_user_model, seed, django_capture_on_commit_callbacks):
    """A publisher whose imports and exports the worker runs (tests/jobhelpers.py)."""
    django_user_model.objects.create_user("pub", "p@x.org", "pw-long-enough-1")
    call_command("grant_role", "pub", "publisher", stdout=io.StringIO())
    client.force_login(django_user_model.objects.get(username="pub"))
    return Jobs(client, django_capture_on_commit_callbacks)


@pytest.fixture
def dangerous_names(seed):
    """Organizations whose names would start a formula, drafts and published side by side
    with the sourced (published) records."""
    for n, name in enumerate(DANGEROUS):
        Organization.objects.create(
            name=name,
            slug=f"dangerous-{n}",
            kind="school",
            description="=cmd|' /C calc'!A0" if n == 0 else "",
            publication="published" if n % 2 else "draft",
        )
    return DANGEROUS


def admin_export(jobs, fmt: int):
    """The file of an export job, downloaded from its page once the worker ran it."""
    response = jobs.export(
        "organization",
        {"format": fmt, "resource": 0, **{f"organizationresource_{f}": "on" for f in FIELDS}},
    )
    assert response.status_code == 200
    return response


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def admin_import(jobs, content: bytes, filename: str, fmt: int):
    """The preview job's page once the worker ran it."""
    return jobs.preview("organization", content, filename, fmt)


def changed_rows(preview) -> set[str]:
    return {r["name"] for r in preview.context["result"]["rows"] if r["type"] != "skip"}


def xlsx_sheet(response):
    return openpyxl.load_workbook(io.BytesIO(response.content)).active


def test_admin_csv_export_escapes_each_name_like_the_public_csv(publisher, dangerous_names):
    names = [row[0] for row in csv_rows(admin_export(publisher, 0))]
    for name in dangerous_names:
        assert safe_cell(name) in names, name
        assert safe_cell(name) == "'" + name


def test_admin_csv_export_has_no_cell_that_starts_a_formula(publisher, dangerous_names):
    cells = [cell for row in csv_rows(admin_export(publisher, 0)) for cell in row]
    assert "'=cmd|' /C calc'!A0" in cells
    assert [cell for cell in cells if cell.startswith(FORMULA_START)] == []


def test_admin_csv_export_lists_drafts_and_published_records(publisher, dangerous_names):
    slugs = {row[1] for row in csv_rows(admin_export(publisher, 0))[1:]}
    assert {"dangerous-0", "dangerous-1", "bycirklen"} <= slugs


def test_admin_xlsx_export_has_no_formula_cell(publisher, dangerous_names):
    sheet = xlsx_sheet(admin_export(publisher, 1))
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert len(cells) > len(dangerous_names) * len(FIELDS)
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    assert [
        c.coordinate
        for c in cells
        if isinstance(c.value, str) and c.value.startswith(("=", "+", "-", "@", "\t", "\r"))
    ] == []


def test_admin_xlsx_export_writes_the_public_csv_escape(publisher, dangerous_names):
    sheet = xlsx_sheet(admin_export(publisher, 1))
    names = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert '\'==HYPERLINK("http://x","y")' in names
    for name in dangerous_names:
        # XLSX is XML, which stores a carriage return as a line feed.
        assert safe_cell(name).replace("\r", "\n") in names, name


def test_admin_and_public_csv_write_the_same_cell(publisher, dangerous_names):
    public = publisher.client.get(reverse("organization-list") + "?format=csv")
    public_cells = {cell for row in csv_rows(public) for cell in row}
    admin_cells = {row[0] for row in csv_rows(admin_export(publisher, 0))}
    published = [name for n, name in enumerate(dangerous_names) if n % 2]
    for name in published:
        assert safe_cell(name) in public_cells & admin_cells, name


@pytest.mark.parametrize(("fmt", "filename"), [(0, "o.csv"), (1, "o.xlsx")])
def test_an_exported_file_imports_back_with_formula_names_unchanged(
    publisher, dangerous_names, fmt, filename
):
    formula_names = {name for name in dangerous_names if name[0] in "=+-@"}
    preview = admin_import(publisher, admin_export(publisher, fmt).content, filename, fmt)
    assert preview.context["can_confirm"]
    assert changed_rows(preview).isdisjoint(formula_names)
    response = publisher.confirm(preview)
    assert response.status_code == 302
    assert publisher.page(response).context["job"].result["imported"]
    stored = set(Organization.objects.values_list("name", flat=True))
    assert formula_names <= stored
    assert not [name for name in stored if name.startswith("'")]


@pytest.mark.parametrize(("fmt", "filename"), [(0, "o.csv"), (1, "o.xlsx")])
def test_import_trims_the_tab_or_return_before_an_exported_name(
    publisher, dangerous_names, fmt, filename
):
    preview = admin_import(publisher, admin_export(publisher, fmt).content, filename, fmt)
    assert changed_rows(preview) == {"Tabbed School", "Return School"}
