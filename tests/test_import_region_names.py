"""An import finds a region by one of its other names (RegionName, issue 21), as it finds an
organization by its other names: row by row and in bulk alike."""

from __future__ import annotations

import pytest

from partnerships import resources
from partnerships.models import Organization, Region, RegionName
from partnerships.resources import BulkImport, OrganizationResource
from tests.test_imports import row_errors as import_errors
from tests.test_imports import run

FILE = """name,kind,region
Test Region-Name School,school,Testprovinz
"""


@pytest.fixture
def province(db):
    region = Region.objects.create(name="Test Province", kind="province", publication="published")
    RegionName.objects.create(region=region, name="Testprovinz")
    return region


def test_an_organization_row_finds_its_region_by_another_name(province):
    result = run(OrganizationResource, FILE)
    assert import_errors(result) == {}
    assert Organization.objects.get(name="Test Region-Name School").region == province


def test_a_bulk_import_finds_the_region_by_another_name(province):
    report = BulkImport(OrganizationResource).run(resources.read_csv(FILE), dry_run=False)
    assert [r["errors"] for r in report["rows"] if r["errors"]] == []
    assert Organization.objects.get(name="Test Region-Name School").region == province
