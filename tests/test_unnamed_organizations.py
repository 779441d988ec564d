"""Organizations a source describes without naming them ("our school", on a school's own news
page): the editor ticks "the source gives no name" and leaves the name empty; the record
reads as its kind and place ("School in Changzhou (name not given)") on every page, and that
follows its kind and place. An entry trial (16) found such a school refused by the admin."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from partnerships.models import Organization
from tests.adminforms import form_of
from tests.test_views import make_org, make_partnership, make_region

ADD = "admin:partnerships_organization_add"


@pytest.fixture
def changzhou(db):
    return make_region("Changzhou")


def add_as_editor(client_as, **fields):
    editor = client_as("editor")
    url = reverse(ADD)
    data = form_of(editor.get(url))
    data.update(slug="", kind="school", **fields)
    return editor.post(url, data)


def test_an_editor_adds_a_school_the_source_does_not_name(client_as, changzhou):
    response = add_as_editor(client_as, name="", name_not_given="on", region=str(changzhou.pk))
    assert response.status_code == 302
    school = Organization.objects.get()
    assert school.name == "School in Changzhou (name not given)"
    assert (school.slug, school.publication) == ("school-in-changzhou-name-not-given", "draft")


def test_an_empty_name_without_the_box_ticked_is_a_form_error_in_words(client_as, changzhou):
    response = add_as_editor(client_as, name="", region=str(changzhou.pk))
    assert response.status_code == 200
    assert "or tick &#x27;the source gives no name&#x27;" in response.content.decode()
    assert not Organization.objects.exists()


def test_a_name_typed_with_the_box_ticked_is_a_form_error(client_as, changzhou):
    response = add_as_editor(
        client_as, name="Changzhou Senior High", name_not_given="on", region=str(changzhou.pk)
    )
    assert response.status_code == 200
    assert "A name is given: untick" in response.content.decode()
    assert not Organization.objects.exists()


def test_the_described_name_follows_a_change_of_place(changzhou):
    school = Organization.objects.create(
        name="", name_not_given=True, kind="school", region=changzhou
    )
    school.region = make_region("Wuxi")
    school.save()
    assert school.name == "School in Wuxi (name not given)"


def test_a_partnership_page_names_the_unnamed_school_by_its_description(client, changzhou):
    school = Organization.objects.create(
        name="", name_not_given=True, kind="school", region=changzhou, publication="published"
    )
    lyceum = make_org("Lyceum No. 5", make_region("Stavropol"))
    partnership = make_partnership(school, lyceum)
    page = client.get(partnership.get_absolute_url()).content.decode()
    assert "School in Changzhou (name not given)" in page


def test_an_organization_without_a_name_is_refused_by_the_database(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        Organization.objects.bulk_create([Organization(name="", slug="nameless", kind="school")])


def test_an_organizations_file_adds_a_school_the_source_does_not_name(changzhou):
    import tablib

    from partnerships.resources import OrganizationResource

    rows = "name,name_not_given,kind,region\n,yes,school,changzhou\n"
    result = OrganizationResource().import_data(
        tablib.Dataset().load(rows, format="csv"), dry_run=False, raise_errors=False
    )
    assert not result.has_errors() and not result.has_validation_errors()
    assert list(Organization.objects.values_list("name", flat=True)) == [
        "School in Changzhou (name not given)"
    ]


def test_an_organizations_row_without_a_name_is_an_error_of_the_name_alone(changzhou):
    import tablib

    from partnerships.resources import OrganizationResource

    rows = "name,name_not_given,kind,region\n,,school,changzhou\n"
    result = OrganizationResource().import_data(
        tablib.Dataset().load(rows, format="csv"), dry_run=True, raise_errors=False
    )
    errors = result.rows[0].validation_error.message_dict
    assert list(errors) == ["name"]
    assert "write yes in name_not_given" in " ".join(errors["name"])
    assert not Organization.objects.exists()
