"""The bulk import (what jobs run) stores exactly what the row-by-row import stores, at small
scale. Its speed is measured by bench/import_speed.py, never in a timed unit test."""

import pytest
from django.db import transaction

from partnerships.models import (
    Citation,
    Organization,
    OrganizationName,
    Person,
    SisterSchoolPartnership,
)
from partnerships.resources import BulkImport, OrganizationResource, PartnershipResource, read_csv

SKIP = {"id", "created_at", "updated_at", "search_vector"}


def rows_of(model, key="slug"):
    """Every stored row of the model, ids replaced by the slug of what they point at."""
    fields = [f for f in model._meta.concrete_fields if f.name not in SKIP]
    rows = {}
    for obj in model._base_manager.all():
        values = {}
        for field in fields:
            value = getattr(obj, field.attname)
            if field.is_relation and value is not None:
                target = getattr(obj, field.name)
                value = getattr(target, "slug", str(target))
            values[field.name] = value
        rows[getattr(obj, key)] = values
    return rows


def snapshot():
    from django.contrib.contenttypes.models import ContentType

    orgs = {o.pk: o.slug for o in Organization.objects.all()}
    slugs = {}  # (content type, id) -> slug: ids differ between runs on PostgreSQL
    for model in (Organization, SisterSchoolPartnership):
        content_type = ContentType.objects.get_for_model(model).pk
        for pk, slug in model.objects.values_list("pk", "slug"):
            slugs[(content_type, pk)] = slug
    return {
        "organizations": rows_of(Organization),
        "partnerships": rows_of(SisterSchoolPartnership),
        "people": rows_of(Person),
        "other names": sorted(
            (orgs[n.organization_id], n.name) for n in OrganizationName.objects.all()
        ),
        "citations": sorted(
            (c.content_type.model, slugs.get((c.content_type_id, c.object_id), c.object_id))
            + (c.source_id, c.paragraph)
            for c in Citation.objects.all()
        ),
        "history": sorted((h.slug, h.history_type, h.name) for h in Organization.history.all()),
        "partnership history": sorted(
            (h.slug, h.history_type) for h in SisterSchoolPartnership.history.all()
        ),
        "name history": sorted(
            (orgs.get(h.organization_id), h.name, h.history_type)
            for h in OrganizationName.history.all()
        ),
    }


HEILONGJIANG = "heilongjiang-provincial-department-of-education"  # a person's organization


def both_ways(resource_class, text):
    text = text.replace("HEILONGJIANG", HEILONGJIANG)
    """What the row-by-row import stores, then (from the same start) what the bulk one does."""
    stored = {}
    for way in ("row by row", "bulk"):
        with transaction.atomic():
            if way == "row by row":
                result = resource_class().import_data(read_csv(text.encode()), dry_run=False)
                assert not result.has_errors() and not result.has_validation_errors()
            else:
                report = BulkImport(resource_class).run(read_csv(text.encode()), dry_run=False)
                assert report["imported"], report
            stored[way] = snapshot()
            transaction.set_rollback(True)
    return stored["row by row"], stored["bulk"]


ORGS = """\
name,slug,kind,region,other_names,website,description,source,paragraph
Xuzhou No. 1 Middle School,,school,xuzhou,Xuzhou First Middle School; XZ1,https://x.cn,A school,2,6
Suzhou Experimental School,,School,Suzhou,,,,,
Nanjing School,,school,jiangsu,,,Nanjing's,2,8
Nanjing School B,,school,jiangsu,,,,,
Peel District School Board,,school_board,canada,Peel Schools,,Renamed description,2,6
Suihua Institute,,university,heilongjiang,,,,,
Heilongjiang Education Department,HEILONGJIANG,authority,heilongjiang,,,,,
"""


def test_bulk_organization_import_stores_the_same_rows_as_row_by_row(seed):
    row_by_row, bulk = both_ways(OrganizationResource, ORGS)
    for part in row_by_row:
        assert bulk[part] == row_by_row[part], part


PARTNERSHIPS = """\
party_a,party_b,level,status,established,conference,summary,source,paragraph
xuzhou-no-1,peel-district-school-board,school,active,2023-11,,A summary,2,6
Suzhou Bureau of Education,Peel District School Board,comprehensive,ended,,,Changed,2,8
xuzhou-no-1,bycirklen,school,,2024,,,,
"""


@pytest.fixture
def xuzhou_school(seed):
    from partnerships.models import Region

    return Organization.objects.create(
        name="Xuzhou No. 1",
        slug="xuzhou-no-1",
        kind="school",
        region=Region.objects.get(slug="xuzhou"),
        publication="published",
    )


def test_bulk_partnership_import_stores_the_same_rows_as_row_by_row(xuzhou_school):
    row_by_row, bulk = both_ways(PartnershipResource, PARTNERSHIPS)
    for part in row_by_row:
        assert bulk[part] == row_by_row[part], part


def many_orgs(n, bad_row=None):
    lines = ["name,kind,region,other_names,source,paragraph"]
    for i in range(1, n + 1):
        region = "atlantis" if i == bad_row else ("xuzhou", "suzhou", "canada")[i % 3]
        other = f"Other {i}" if i % 5 == 0 else ""
        lines.append(f"Generated School {i},school,{region},{other},2,{1 + i % 6}")
    return "\n".join(lines) + "\n"


def test_bulk_import_of_many_rows_creates_each_with_its_derived_columns(seed):
    before = Organization.objects.count()
    report = BulkImport(OrganizationResource).run(read_csv(many_orgs(600).encode()), False)
    assert report["imported"] and report["totals"]["new"] == 600
    assert Organization.objects.count() == before + 600
    school = Organization.objects.get(slug="generated-school-15")
    assert (school.country.slug, school.province.slug) == ("china", "jiangsu")
    # Its name, its other name, then the names of its place and the places above it.
    assert school.search_text == "Generated School 15 Other 15 China Jiangsu Xuzhou"
    assert school.search_text == school.compute_search_text()
    assert school.history.count() == 1
    assert Citation.objects.filter(object_id=school.pk, paragraph=4).exists()


def test_a_bad_row_near_the_end_writes_nothing_and_names_the_row(seed):
    before = Organization.objects.count()
    report = BulkImport(OrganizationResource).run(
        read_csv(many_orgs(600, bad_row=599).encode()), False
    )
    assert not report["imported"]
    assert [(r["number"], r["errors"]) for r in report["rows"] if r["errors"]] == [
        (599, [["region", ["Unknown region: 'atlantis' (no slug or name matches)."]]])
    ]
    assert Organization.objects.count() == before


def test_bulk_import_reads_lookups_in_a_few_queries_whatever_the_row_count(
    seed, django_assert_max_num_queries
):
    dataset = read_csv(many_orgs(600).encode())
    with django_assert_max_num_queries(30):
        report = BulkImport(OrganizationResource).run(dataset, dry_run=True)
    assert report["totals"]["new"] == 600
