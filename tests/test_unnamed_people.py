"""People a source describes without naming them ("the principal of Uiwang High School"): the
name stays empty and the position and organization say who, on every page and export that
names people (an entry trial found such a signatory refused by the admin)."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from partnerships.dates import DatePrecision
from partnerships.models import Agreement, AgreementKind, Person
from tests.adminforms import form_of
from tests.test_views import csv_rows, json_rows, make_org, make_partnership, make_region

UNNAMED = "Principal, Uiwang School (name not given)"


@pytest.fixture
def signed(db):
    """A partnership whose agreement two people signed: one named, one the source describes
    only as the principal of a school."""
    land = make_region("Unnamedland")
    school, other = make_org("Uiwang School", land), make_org("Xishan School", land)
    partnership = make_partnership(school, other)
    principal = Person.objects.create(
        name="", position="Principal", organization=school, publication="published"
    )
    named = Person.objects.create(name="Kim Ji", position="Teacher", publication="published")
    agreement = Agreement.objects.create(
        partnership=partnership,
        kind=AgreementKind.MOU,
        signed_on=datetime.date(2019, 1, 1),
        signed_precision=DatePrecision.YEAR,
    )
    agreement.signatories.add(principal, named)
    return partnership, principal


def test_an_unnamed_person_reads_as_position_and_organization(signed):
    _, principal = signed
    assert str(principal) == UNNAMED
    assert principal.slug == "principal-uiwang-school"


def test_a_draft_organization_is_left_out_of_an_unnamed_persons_label(db):
    office = make_org("Hidden Office", make_region("Draftland"), publication="draft")
    person = Person.objects.create(name="", position="Director", organization=office)
    assert str(person) == "Director (name not given)"
    assert "hidden" not in person.slug


def test_the_partnership_page_shows_an_unnamed_signatory_by_position(client, signed):
    partnership, principal = signed
    page = client.get(partnership.get_absolute_url()).content.decode()
    assert f'<a href="{principal.get_absolute_url()}">{UNNAMED}</a>' in page


def test_the_person_page_and_list_of_an_unnamed_person(client, signed):
    _, principal = signed
    page = client.get(principal.get_absolute_url())
    assert page.status_code == 200
    assert f"<h1>{UNNAMED}" in page.content.decode()
    listing = client.get("/people/?q=principal").content.decode()
    assert f'<a href="{principal.get_absolute_url()}">name not given</a>' in listing


def test_exports_name_an_unnamed_signatory_by_position(client, signed):
    """On PostgreSQL the partnership export is COPY's, on SQLite Python's: both say the same."""
    text = f"2019: Memorandum of understanding — Signed, signed by {UNNAMED}, Kim Ji"
    [row] = csv_rows(client.get("/partnerships/?format=csv&country=unnamedland"))
    assert row["agreements"] == text
    [record] = json_rows(client.get("/partnerships/?format=json&country=unnamedland"))
    assert record["agreements"] == text
    assert record["history"]["agreements"][0]["signatories"] == [UNNAMED, "Kim Ji"]


def test_a_person_with_neither_name_nor_position_is_refused_by_the_database(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.create(name="", position="", slug="nobody")


def test_an_editor_adds_a_person_the_source_does_not_name(client_as, db):
    school = make_org("Uiwang School", make_region("Unnamedland"))
    editor = client_as("editor")
    url = reverse("admin:partnerships_person_add")
    data = form_of(editor.get(url))
    data.update(name="", slug="", position="Principal", organization=str(school.pk))
    response = editor.post(url, data, follow=True)
    assert response.status_code == 200
    person = Person.objects.get(position="Principal")
    assert (person.name, person.organization, person.publication) == ("", school, "draft")
    assert person.slug == "principal-uiwang-school"


def test_a_person_with_neither_name_nor_position_is_a_form_error(client_as, db):
    editor = client_as("editor")
    url = reverse("admin:partnerships_person_add")
    data = form_of(editor.get(url))
    data.update(name="", slug="", position="")
    response = editor.post(url, data)
    assert response.status_code == 200
    assert "when the source does not name them, their position" in response.content.decode()
    assert not Person.objects.exists()


def test_the_admin_list_shows_an_unnamed_person_by_position(client_as, signed):
    _, principal = signed
    page = client_as("editor").get(reverse("admin:partnerships_person_changelist"))
    assert f">{UNNAMED}</a>" in page.content.decode()
