"""Spreadsheet import (dry-run preview, all-or-nothing, matching) and export."""

import io

import openpyxl
import pytest
import tablib
from django.urls import reverse
from pytest_django.asserts import assertContains

from partnerships.models import Citation, Organization, SisterSchoolPartnership
from partnerships.resources import OrganizationResource, PartnershipResource
from tests.conftest import ROOT

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


# Through the admin ---------------------------------------------------------------------------


@pytest.fixture
def publisher(client, django_user_model, seed):
    from django.core.management import call_command

    django_user_model.objects.create_user("pub", "p@x.org", "pw-long-enough-1")
    call_command("grant_role", "pub", "publisher", stdout=io.StringIO())
    client.force_login(django_user_model.objects.get(username="pub"))
    return client


def admin_import(client, model, content: bytes, filename: str, fmt: int):
    url = reverse(f"admin:partnerships_{model}_import")
    upload = io.BytesIO(content)
    upload.name = filename
    return client.post(url, {"import_file": upload, "format": fmt, "resource": 0})


def test_admin_preview_names_the_bad_row_and_offers_no_confirm(publisher):
    content = (GOOD_ORGS + "Bad School,school,atlantis,,,\n").encode()
    before = Organization.objects.count()
    response = admin_import(publisher, "organization", content, "orgs.csv", 0)
    assert response.status_code == 200
    assertContains(response, "Unknown region: &#x27;atlantis&#x27;")
    assert "confirm_form" not in response.context
    assert Organization.objects.count() == before


def test_admin_preview_then_confirm_imports_every_row(publisher):
    before = Organization.objects.count()
    preview = admin_import(publisher, "organization", GOOD_ORGS.encode(), "orgs.csv", 0)
    assert preview.status_code == 200
    confirm = preview.context["confirm_form"]
    assert Organization.objects.count() == before
    response = publisher.post(
        reverse("admin:partnerships_organization_process_import"), confirm.initial
    )
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
    assert "confirm_form" in response.context
    assert [r.import_type for r in response.context["result"].rows] == ["new", "new"]


def test_admin_reports_a_file_in_the_wrong_encoding(publisher):
    content = "name,kind,region\nKøbenhavn Skole,school,denmark\n".encode("utf-16")
    before = Organization.objects.count()
    response = admin_import(publisher, "organization", content, "orgs.csv", 0)
    assert response.status_code == 200
    assert "confirm_form" not in response.context
    assert response.context["form"].errors or response.context["result"].has_errors()
    assert Organization.objects.count() == before


def test_admin_reports_a_broken_xlsx(publisher):
    response = admin_import(publisher, "organization", b"PK\x03\x04 not really a zip", "x.xlsx", 1)
    assert response.status_code == 200
    assert response.context["form"].errors


def test_export_escapes_formulas(publisher):
    Organization.objects.filter(slug="bycirklen").update(description='=HYPERLINK("http://x","y")')
    response = publisher.post(
        reverse("admin:partnerships_organization_export"),
        {
            "format": 0,
            "resource": 0,
            **{
                f"organizationresource_{f}": "on"
                for f in (
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
            },
        },
    )
    assert response.status_code == 200
    body = response.content.decode("utf-8-sig")
    assert 'HYPERLINK("http://x","y")' in body.replace('""', '"')
    assert "=HYPERLINK" not in body  # the leading = that would make it a formula is gone


def test_editor_without_add_permission_cannot_import(client, seed, django_user_model):
    from django.core.management import call_command

    django_user_model.objects.create_user("v", "v@x.org", "pw-long-enough-1")
    call_command("grant_role", "v", "viewer", stdout=io.StringIO())
    client.force_login(django_user_model.objects.get(username="v"))
    response = client.get(reverse("admin:partnerships_organization_import"))
    assert response.status_code == 403
