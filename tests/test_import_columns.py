"""What an editor fills in a record's form travels through the spreadsheet files too: every
field the admin's export writes comes back from its import, so a file exported, corrected in
a spreadsheet and imported again loses nothing (a source's original date, a person's title,
an alliance's terms and fee, a partnership's other names and aims, ...)."""

import datetime

import pytest

from partnerships import record_resources, resources
from partnerships.models import (
    Alliance,
    Conference,
    Organization,
    Person,
    ReportedFigure,
    SisterSchoolPartnership,
    Source,
)

# Fields of a model that no column stands for, and why: kept by save() or the database,
# bookkeeping, or written by other columns (a partial date's column holds its day and
# precision; a figure's subject_kind and subject its content type and id; a citation's
# record_kind and record likewise).
NOT_COLUMNS = {
    "id",
    "search_text",
    "search_vector",
    "publication",
    "is_public",
    "is_synthetic",
    "version",
    "created_at",
    "updated_at",
    "published_at",
}
WRITTEN_BY_OTHER_COLUMNS = {
    "Region": {"path", "depth"},
    "Source": {"published_precision", "original_precision"},
    "Citation": {"content_type", "object_id"},
    "Conference": {"held_on", "held_precision", "ends_on", "opening_on"},
    "Alliance": {"founded_on", "founded_precision"},
    "ReportedFigure": {"as_of_precision", "subject_type", "subject_id"},
    # A partnership's slug is made from its parties' names.
    "SisterSchoolPartnership": {"established_on", "established_precision", "slug"},
}
# Kept by save() from the region, or not yet a column (an organization's parent body is
# entered in its form: the organizations file matches rows in bulk and has no lookup of one
# organization from another yet).
ORGANIZATION_NOT_COLUMNS = {"country", "province", "parent", "supervised_by"}

ALL = [
    *record_resources.RESOURCES_BY_MODEL.values(),
    resources.OrganizationResource,
    resources.PartnershipResource,
]


@pytest.mark.parametrize("resource_class", ALL, ids=lambda r: r.__name__)
def test_every_field_an_editor_fills_has_a_column(resource_class):
    model = resource_class._meta.model
    columns = {
        field.attribute or name
        for name, field in resource_class().fields.items()
        if not getattr(field, "readonly", False)
    } | set(resource_class._meta.fields)
    skipped = NOT_COLUMNS | WRITTEN_BY_OTHER_COLUMNS.get(model.__name__, set())
    if model is Organization:
        skipped |= ORGANIZATION_NOT_COLUMNS
    missing = [
        f.name
        for f in model._meta.concrete_fields
        if f.editable
        and f.name not in skipped
        and f.name not in columns
        and not f.name.startswith(("a_", "b_"))  # the parties' places, kept by save()
        and not f.name.endswith(("_not_after", "_year_inferred", "_year_basis", "_as_given"))
    ]
    assert missing == []


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_superuser("importer", "i@example.org", "pw-tests-only")


def first(model):
    return model.objects.order_by("pk").first()


CASES = [
    (
        record_resources.SourceResource,
        Source,
        {"original_on": datetime.date(2017, 11, 6), "original_precision": "day"},
        {"original_on": None, "original_precision": "day"},
    ),
    (
        record_resources.SourceResource,
        Source,
        {"original_on": datetime.date(2017, 11, 1), "original_precision": "month"},
        {"original_on": None, "original_precision": "day"},
    ),
    (record_resources.PersonResource, Person, {"honorific": "Prof. Dr"}, {"honorific": ""}),
    (
        record_resources.ConferenceResource,
        Conference,
        {
            "topics": "Joint degree programmes\nTeacher training",
            "aims": "Deepen exchanges between universities",
            "part_of_occasion": "Years of Science and Technology Innovation",
        },
        {"topics": "", "aims": "", "part_of_occasion": ""},
    ),
    (
        record_resources.AllianceResource,
        Alliance,
        {
            "aims": "Share courses\nExchange students",
            "membership_terms": "Open to universities of member countries",
            "membership_fee": "fee",
            "more_members_unnamed": True,
        },
        {"aims": "", "membership_terms": "", "membership_fee": "", "more_members_unnamed": False},
    ),
    (
        resources.PartnershipResource,
        SisterSchoolPartnership,
        {"other_names": "Purple Cloud exchange", "aims": "Yearly visits of students"},
        {"other_names": "", "aims": ""},
    ),
    (
        resources.OrganizationResource,
        Organization,
        {"founded_year": 1902},
        {"founded_year": None},
    ),
    (
        resources.OrganizationResource,
        Organization,
        {"founded_by": "by decree of the president", "ownership": "public"},
        {"founded_by": "", "ownership": ""},
    ),
    (
        record_resources.ReportedFigureResource,
        ReportedFigure,
        lambda: {"given_by_id": first(Organization).pk},
        {"given_by_id": None},
    ),
]


@pytest.mark.parametrize(
    ("resource_class", "model", "values", "blank"),
    CASES,
    ids=[f"{c[1].__name__}-{'-'.join(c[3])}" for c in CASES],
)
def test_an_exported_file_puts_back_what_was_blanked_since(
    seed, user, resource_class, model, values, blank
):
    record = first(model)
    values = values() if callable(values) else values
    model.objects.filter(pk=record.pk).update(**values)
    resource = resource_class()
    exported = resources.read_csv(
        resources.CSVFormat().export_data(resource.export(queryset=resource.get_export_queryset()))
    )
    model.objects.filter(pk=record.pk).update(**blank)

    result = resource_class().import_data(exported, dry_run=False, user=user)

    assert not result.has_errors() and not result.has_validation_errors()
    record.refresh_from_db()
    assert {name: getattr(record, name) for name in values} == values
