"""Spreadsheet import (dry-run preview, all-or-nothing, matching) and export."""

import datetime
import datetime as dt
import io
import re
import tempfile
import uuid
import zipfile

import openpyxl
import pytest
import tablib
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains

from partnerships.jobmodels import ImportJob, JobKind
from partnerships.models import Citation, Organization, SisterSchoolPartnership
from partnerships.resources import BulkImport, OrganizationResource, PartnershipResource
from tests.conftest import ROOT
from tests.jobhelpers import Jobs, last_job

SAMPLES = ROOT / "docs" / "import-samples"


def dataset(text: str) -> tablib.Dataset:
    return tablib.Dataset().load(text, format="csv")


def run(resource_class, text, dry_run=False):
    return resource_class().import_data(dataset(text), dry_run=dry_run, raise_errors=False)


def row_errors(result) -> dict[int, str]:
    """Row number -> every message for that row."""
    errors = {}
    for number, row in enumerate(result.rows, start=1):
        messages = [str(e.error) for e in row.errors]
        if row.validation_error is not None:
            messages += [
                f"{k}: {' '.join(v)}" for k, v in row.validation_error.message_dict.items()
            ]
        if messages:
            errors[number] = " | ".join(messages)
    for error in result.base_errors:
        errors[0] = str(error.error)
    return errors


GOOD_ORGS = """name,kind,region,other_names,source,paragraph
Xuzhou No. 1 Middle School,school,xuzhou,Xuzhou First Middle School,2,6
Suzhou Experimental School,School,Suzhou,,,
"""


def test_a_good_organization_file_imports_every_row(seed):
    before = Organization.objects.count()
    result = run(OrganizationResource, GOOD_ORGS)
    assert row_errors(result) == {}
    assert Organization.objects.count() == before + 2
    school = Organization.objects.get(name="Xuzhou No. 1 Middle School")
    assert school.region.slug == "xuzhou"
    assert school.country.slug == "china"
    assert school.publication == "draft"
    assert list(school.other_names.values_list("name", flat=True)) == ["Xuzhou First Middle School"]
    assert Citation.objects.filter(object_id=school.pk, paragraph=6).exists()


def test_the_dry_run_writes_nothing(seed):
    before = Organization.objects.count()
    result = run(OrganizationResource, GOOD_ORGS, dry_run=True)
    assert [r.import_type for r in result.rows] == ["new", "new"]
    assert Organization.objects.count() == before


@pytest.mark.parametrize(
    ("bad_row", "message"),
    [
        ("Bad School,school,atlantis,,,", "Unknown region: 'atlantis'"),
        ("Bad School,castle,xuzhou,,,", "Unknown kind 'castle'"),
        ("Bad School,school,xuzhou,,99,1", "Unknown source '99'"),
        ("Bad School,school,xuzhou,,2,44", "Paragraph 44 does not exist"),
        (",school,xuzhou,,,", "The name is empty"),
        ("Xuzhou No. 1 Middle School,school,xuzhou,,,", "Duplicate"),
    ],
)
def test_one_bad_organization_row_writes_nothing_and_is_named(seed, bad_row, message):
    before = Organization.objects.count()
    result = run(OrganizationResource, GOOD_ORGS + bad_row + "\n")
    errors = row_errors(result)
    assert list(errors) == [3], errors
    assert message in errors[3]
    assert Organization.objects.count() == before


def test_an_existing_organization_is_matched_by_name_not_duplicated(seed):
    before = Organization.objects.count()
    result = run(
        OrganizationResource, "name,kind,region\nSuihua Institute,university,heilongjiang\n"
    )
    assert row_errors(result) == {}
    assert result.rows[0].import_type in ("update", "skip")
    assert Organization.objects.count() == before


GOOD_PARTNERSHIPS = """party_a,party_b,level,status,established,source,paragraph
xuzhou-no-1,peel-district-school-board,school,active,2023-11,2,6
Suzhou Bureau of Education,Peel District School Board,comprehensive,established,,2,8
"""


@pytest.fixture
def xuzhou_school(seed):
    from partnerships.models import Region

    return Organization.objects.create(
        name="Xuzhou No. 1",
        slug="xuzhou-no-1",
        kind="school",
        region=Region.objects.get(slug="xuzhou"),
    )


def test_a_good_partnership_file_imports_and_matches_existing(xuzhou_school):
    before = SisterSchoolPartnership.objects.count()
    result = run(PartnershipResource, GOOD_PARTNERSHIPS)
    assert row_errors(result) == {}
    assert [r.import_type for r in result.rows][0] == "new"
    assert SisterSchoolPartnership.objects.count() == before + 1  # second row is the existing one
    new = SisterSchoolPartnership.objects.get(party_a=xuzhou_school)
    assert (str(new.established), new.level, new.status) == ("November 2023", "school", "active")


@pytest.mark.parametrize(
    ("bad_row", "message"),
    [
        ("xuzhou-no-1,nobody-at-all,school,,,,", "Unknown second party"),
        ("xuzhou-no-1,,school,,,,", "The second party is missing"),
        ("xuzhou-no-1,xuzhou-no-1,school,,,,", "two different organizations"),
        ("xuzhou-no-1,bycirklen,school,,2023-13-45,,", "not a real date"),
        ("xuzhou-no-1,bycirklen,school,,last spring,,", "is not a date"),
        ("xuzhou-no-1,bycirklen,friendship,,,,", "Unknown level"),
        ("peel-district-school-board,xuzhou-no-1,school,,,,", "Duplicate"),
    ],
)
def test_one_bad_partnership_row_writes_nothing_and_is_named(xuzhou_school, bad_row, message):
    before = SisterSchoolPartnership.objects.count()
    result = run(PartnershipResource, GOOD_PARTNERSHIPS + bad_row + "\n")
    errors = row_errors(result)
    assert list(errors) == [3], errors
    assert message in errors[3]
    assert SisterSchoolPartnership.objects.count() == before


def test_missing_columns_are_named_and_nothing_is_written(seed):
    before = SisterSchoolPartnership.objects.count()
    result = run(PartnershipResource, "party_a,level\nsuzhou-bureau-of-education,school\n")
    assert result.has_errors()
    assert "Missing column(s): party_b" in row_errors(result)[0]
    assert SisterSchoolPartnership.objects.count() == before


def test_a_10000_character_cell_is_a_row_error(seed):
    long_name = "x" * 10_000
    result = run(OrganizationResource, f"name,kind,region\n{long_name},school,xuzhou\n")
    assert "too long" in row_errors(result)[1]
    assert not Organization.objects.filter(name__startswith="xxx").exists()


def test_sql_and_html_in_cells_are_stored_as_text(seed):
    text = 'name,kind,region\n"<script>alert(1)</script>\'; DROP TABLE x;--",school,xuzhou\n'
    result = run(OrganizationResource, text)
    assert row_errors(result) == {}
    assert Organization.objects.filter(name__startswith="<script>").count() == 1


@pytest.mark.parametrize("name", ["organizations.csv", "partnerships.csv"])
def test_the_documented_sample_files_import_cleanly(seed, name):
    resource = OrganizationResource if name.startswith("org") else PartnershipResource
    result = run(resource, (SAMPLES / name).read_text(), dry_run=True)
    assert row_errors(result) == {}
    assert len(result.rows) == 2


# Through the admin: the upload becomes a preview job, the confirmation an import job; the
# worker runs them (tests/jobhelpers.py runs django-tasks-db's worker code synchronously).


def login(client, django_user_model, username, role):
    from django.core.management import call_command

    django_user_model.objects.create_user(username, f"{username}@x.org", "pw-long-enough-1")
    call_command("grant_role", username, role, stdout=io.StringIO())
    client.force_login(django_user_model.objects.get(username=username))


@pytest.fixture
def publisher(client, django_user_model, seed, django_capture_on_commit_callbacks):
    login(client, django_user_model, "pub", "publisher")
    return Jobs(client, django_capture_on_commit_callbacks)


def admin_import(jobs, model, content: bytes, filename: str, fmt: int):
    """The page after an upload: the preview job's page once the worker ran it, or the upload
    form again when the file was refused at once."""
    return jobs.preview(model, content, filename, fmt)


def row_types(page) -> list[str]:
    return [r["type"] for r in page.context["result"]["rows"]]


def test_admin_preview_names_the_bad_row_and_offers_no_confirm(publisher):
    content = (GOOD_ORGS + "Bad School,school,atlantis,,,\n").encode()
    before = Organization.objects.count()
    response = admin_import(publisher, "organization", content, "orgs.csv", 0)
    assert response.status_code == 200
    assertContains(response, "Unknown region: &#x27;atlantis&#x27;")
    assert not response.context["can_confirm"]
    assert Organization.objects.count() == before


def test_admin_preview_then_confirm_imports_every_row(publisher):
    before = Organization.objects.count()
    preview = admin_import(publisher, "organization", GOOD_ORGS.encode(), "orgs.csv", 0)
    assert preview.status_code == 200
    assert preview.context["can_confirm"]
    assert Organization.objects.count() == before
    response = publisher.confirm(preview)
    assert response.status_code == 302
    assert Organization.objects.count() == before + 2


def test_admin_imports_xlsx(publisher):
    book = openpyxl.Workbook()
    sheet = book.active
    for line in GOOD_ORGS.strip().splitlines():
        sheet.append(line.split(","))
    buffer = io.BytesIO()
    book.save(buffer)
    response = admin_import(publisher, "organization", buffer.getvalue(), "orgs.xlsx", 1)
    assert response.status_code == 200
    assert response.context["can_confirm"]
    assert row_types(response) == ["new", "new"]


def test_admin_refuses_a_file_that_is_not_text_with_a_message(publisher):
    content = bytes(range(256)) * 8  # zero bytes and control characters: not a CSV
    before = Organization.objects.count()
    response = admin_import(publisher, "organization", content, "orgs.csv", 0)
    assert response.status_code == 200
    assert "job" not in response.context
    assert "is not text" in " ".join(response.context["form"].errors["import_file"])
    assert Organization.objects.count() == before


def test_admin_reports_a_broken_xlsx(publisher):
    response = admin_import(publisher, "organization", b"PK\x03\x04 not really a zip", "x.xlsx", 1)
    assert response.status_code == 200
    assert response.context["form"].errors


def test_editor_without_add_permission_cannot_import(client, seed, django_user_model):
    login(client, django_user_model, "v", "viewer")
    response = client.get(reverse("admin:partnerships_organization_import"))
    assert response.status_code == 403


# Ordinary spreadsheets through the admin ------------------------------------------------------


DATABASE_WORDS = ("null value", "NOT NULL", "DETAIL", "Failing row", "constraint", "UNIQUE", "SQL")


@pytest.fixture
def editor(client, django_user_model, seed, django_capture_on_commit_callbacks):
    login(client, django_user_model, "ed", "editor")
    return Jobs(client, django_capture_on_commit_callbacks)


def xlsx(rows, number_formats=None) -> bytes:
    """A workbook whose first sheet holds ``rows``; ``number_formats`` maps cells to formats."""
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    for coordinate, number_format in (number_formats or {}).items():
        sheet[coordinate].number_format = number_format
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def with_saved_result(content: bytes, coordinate: str, result: str) -> bytes:
    """The workbook with the formula in ``coordinate`` given a saved (cached) text result, as
    Excel saves it (openpyxl writes formulas without one)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text, count = re.subn(
                    rf'<c r="{coordinate}"><f>(.*?)</f><v\s*/>',
                    rf'<c r="{coordinate}" t="str"><f>\1</f><v>{result}</v>',
                    data.decode(),
                )
                assert count == 1
                data = text.encode()
            target.writestr(item, data)
    return buffer.getvalue()


def confirm(jobs, preview, model="organization"):
    return jobs.confirm(preview, model)


def page_messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def preview_errors(response) -> str:
    """Every error the preview shows: file errors, and each invalid row's messages."""
    texts = []
    if "form" in response.context:
        texts += [str(e) for errors in response.context["form"].errors.values() for e in errors]
    result = response.context.get("result") or {}
    texts += list(result.get("file_errors", []))
    for row in result.get("rows", []):
        for column, messages in row["errors"]:
            texts += [f"{column}: {m}" for m in messages]
    return " | ".join(texts)


def test_xlsx_empty_optional_cell_imports_as_empty_text(editor):
    content = xlsx(
        [
            ["name", "kind", "region", "website", "description"],
            ["Nanjing Foreign Language School", "school", "jiangsu", None, None],
        ]
    )
    preview = admin_import(editor, "organization", content, "orgs.xlsx", 1)
    assert preview_errors(preview) == ""
    assert confirm(editor, preview).status_code == 302
    school = Organization.objects.get(name="Nanjing Foreign Language School")
    assert (school.website, school.description, school.publication) == ("", "", "draft")


def test_xlsx_empty_cell_preview_shows_no_database_error(editor):
    content = xlsx([["name", "kind", "website"], ["Empty Web School", "school", None]])
    response = admin_import(editor, "organization", content, "orgs.xlsx", 1)
    page = response.content.decode()
    assert response.context["can_confirm"]
    assert not [word for word in DATABASE_WORDS if word in page]


@pytest.mark.parametrize(
    ("number_format", "established", "precision"),
    [
        ("yyyy-mm-dd", "16 November 2023", "day"),
        ("mmm-yy", "November 2023", "month"),
        ("yyyy", "2023", "year"),
    ],
)
def test_xlsx_date_cell_is_a_date_of_the_precision_its_format_shows(
    editor, xuzhou_school, number_format, established, precision
):
    content = xlsx(
        [
            ["party_a", "party_b", "level", "established"],
            ["xuzhou-no-1", "bycirklen", "school", datetime.datetime(2023, 11, 16)],
        ],
        {"D2": number_format},
    )
    preview = admin_import(editor, "sisterschoolpartnership", content, "p.xlsx", 1)
    assert preview_errors(preview) == ""
    assert confirm(editor, preview, "sisterschoolpartnership").status_code == 302
    new = SisterSchoolPartnership.objects.get(party_a=xuzhou_school)
    assert (str(new.established), new.established_precision) == (established, precision)


def test_xlsx_formula_cell_is_read_as_its_saved_result(editor):
    content = xlsx(
        [["name", "kind", "region"], ["Formula Region School", "school", '=LOWER("XUZHOU")']]
    )
    preview = admin_import(
        editor, "organization", with_saved_result(content, "C2", "xuzhou"), "o.xlsx", 1
    )
    assert preview_errors(preview) == ""
    assert confirm(editor, preview).status_code == 302
    assert Organization.objects.get(name="Formula Region School").region.slug == "xuzhou"


def test_xlsx_formula_without_saved_result_is_refused_naming_row_and_column(editor):
    before = Organization.objects.count()
    content = xlsx(
        [
            ["name", "kind", "region"],
            ["Plain School", "school", "xuzhou"],
            ["Formula School", "school", '=LOWER("XUZHOU")'],
        ]
    )
    response = admin_import(editor, "organization", content, "o.xlsx", 1)
    assert not response.context["can_confirm"]
    [row] = [r for r in response.context["result"]["rows"] if r["errors"]]
    assert row["number"] == 2
    [(column, messages)] = row["errors"]
    message = " ".join(messages)
    assert column == "region"
    assert "Cell C3 holds a formula" in message and "not saved" in message
    assert Organization.objects.count() == before


@pytest.mark.parametrize(
    "encoding", ["latin-1", "cp1252", "utf-16", "utf-16-le", "utf-32", "utf-8-sig", "utf-8"]
)
def test_csv_in_a_common_encoding_is_read_exactly(editor, encoding):
    text = "name,kind,region\nKøbenhavns Skole Ærø,school,denmark\n"
    preview = admin_import(editor, "organization", text.encode(encoding), "o.csv", 0)
    assert preview_errors(preview) == ""
    assert confirm(editor, preview).status_code == 302
    assert Organization.objects.filter(name="Københavns Skole Ærø").count() == 1


def test_semicolon_separated_csv_is_read(editor):
    text = "name;kind;region\nSemicolon School;school;xuzhou\n"
    preview = admin_import(editor, "organization", text.encode("cp1252"), "o.csv", 0)
    assert preview_errors(preview) == ""
    assert row_types(preview) == ["new"]


def test_xlsx_chosen_as_csv_is_refused_with_a_message_naming_the_right_format(editor):
    content = xlsx([["name", "kind"], ["A School", "school"]])
    response = admin_import(editor, "organization", content, "o.xlsx", 0)
    assert "choose the format xlsx" in preview_errors(response)
    assert "UnicodeDecodeError" not in response.content.decode()


def test_csv_line_with_an_unquoted_comma_is_refused_naming_the_line(editor):
    text = "name,kind,region\nGood School,school,xuzhou\nNo. 1, Middle School,school,xuzhou\n"
    response = admin_import(editor, "organization", text.encode(), "o.csv", 0)
    assert "Line 3 of the file has more values" in preview_errors(response)


def test_confirming_twice_imports_once_and_says_already_confirmed(editor):
    before = Organization.objects.count()
    preview = admin_import(editor, "organization", GOOD_ORGS.encode(), "orgs.csv", 0)
    assert confirm(editor, preview).status_code == 302
    second = confirm(editor, preview)
    page = editor.client.get(second["Location"])
    assert page.status_code == 200
    assert any("already confirmed" in m for m in page_messages(page))
    assert Organization.objects.count() == before + 2


def test_confirming_an_upload_older_than_a_day_says_it_expired(editor):
    before = Organization.objects.count()
    preview = admin_import(editor, "organization", GOOD_ORGS.encode(), "orgs.csv", 0)
    two_days_ago = timezone.now() - dt.timedelta(days=2)
    ImportJob.objects.filter(pk=preview.context["job"].pk).update(created_at=two_days_ago)
    response = confirm(editor, preview)
    page = editor.client.get(response["Location"])
    assert any("expired" in m for m in page_messages(page))
    assert Organization.objects.count() == before


def test_confirming_an_unknown_upload_is_not_found(editor):
    url = reverse("admin:partnerships_organization_job_confirm", args=[uuid.uuid4()])
    assert editor.client.post(url).status_code == 404


def test_the_former_confirm_address_says_upload_again(editor):
    response = editor.client.post(
        reverse("admin:partnerships_organization_process_import"),
        {"import_file_name": "0" * 32, "original_file_name": "o.csv", "format": "0"},
        follow=True,
    )
    assert response.status_code == 200
    assert any("upload the file again" in m for m in page_messages(response))


def test_no_server_path_appears_in_the_preview(editor):
    preview = admin_import(editor, "organization", GOOD_ORGS.encode(), "orgs.csv", 0)
    page = preview.content.decode()
    assert tempfile.gettempdir() not in page
    assert "partnerships-imports" not in page


def test_file_error_page_shows_no_traceback_or_path(editor):
    response = admin_import(editor, "organization", b"name,region\nA,xuzhou\n", "o.csv", 0)
    page = response.content.decode()
    assert "Missing column(s): kind" in page
    assert "Traceback" not in page and "site-packages" not in page and ".py" not in page


def test_a_row_the_database_refuses_is_a_row_error_in_words(editor, monkeypatch):
    """Someone else saves an organization with the same slug between the check and the write."""
    text = "name,kind,region\nRace School,school,xuzhou\n"
    preview = admin_import(editor, "organization", text.encode(), "o.csv", 0)
    assert preview.context["can_confirm"]
    original = BulkImport.check

    def check_then_race(self, resource, dataset):
        outcomes, accepted = original(self, resource, dataset)
        Organization.objects.create(name="Someone else", slug="race-school", kind="school")
        return outcomes, accepted

    monkeypatch.setattr(BulkImport, "check", check_then_race)
    before = Organization.objects.count()
    response = editor.page(confirm(editor, preview))
    page = response.content.decode()
    assert "Row 1: another organization already has the slug &#x27;race-school&#x27;" in page
    assert not [word for word in DATABASE_WORDS if word in page]
    assert Organization.objects.count() == before + 1  # only the other person's
    assert not Organization.objects.filter(name="Race School").exists()


def test_confirm_after_the_data_changed_writes_nothing_and_shows_the_row(editor):
    from partnerships.models import Region

    Region.objects.create(name="Atlantis", slug="atlantis", kind="city")
    before = Organization.objects.count()
    text = "name,kind,region\nFirst School,school,xuzhou\nSecond School,school,atlantis\n"
    preview = admin_import(editor, "organization", text.encode(), "o.csv", 0)
    assert preview_errors(preview) == ""
    Region.objects.filter(slug="atlantis").delete()
    response = editor.page(confirm(editor, preview))
    assert response.status_code == 200
    assert "Nothing was imported" in response.context["job"].message
    assert "Unknown region: 'atlantis'" in preview_errors(response)
    assert Organization.objects.count() == before
    assert last_job(kind=JobKind.IMPORT).result["imported"] is False
