"""A search for a person finds the partnerships that name them: the signatories of its
agreements and the people on it and its visits, by every name they have, while they are
published (entry trial 12 searched for a signatory and found only her page)."""

import pytest

from partnerships.models import Agreement, PartnershipPerson, PersonName, Visit
from tests.test_search_places import found
from tests.test_views import make_org, make_partnership, make_person, make_region

URL = "/partnerships/"


@pytest.fixture
def partnership(db):
    land = make_region("Signatoryland")
    return make_partnership(make_org("Gymnasium Fourteen", land), make_org("Oyster School", land))


@pytest.fixture
def agreement(partnership):
    return Agreement.objects.create(partnership=partnership, kind="mou")


def test_a_signatorys_name_finds_the_partnership(client, partnership, agreement):
    agreement.signatories.add(make_person("Marina Sludnaya"))
    assert found(client, URL, "Sludnaya") == {partnership.pk}


def test_a_person_on_a_visit_finds_the_partnership(client, partnership):
    visit = Visit.objects.create(partnership=partnership)
    PartnershipPerson.objects.create(
        partnership=partnership, visit=visit, person=make_person("Laura Rogers"), role="led"
    )
    assert found(client, URL, "Laura Rogers") == {partnership.pk}


def test_a_persons_other_name_finds_the_partnership(client, partnership, agreement):
    person = make_person("Marina Sludnaya")
    agreement.signatories.add(person)
    PersonName.objects.create(person=person, name="Марина Слудная")
    assert found(client, URL, "Слудная") == {partnership.pk}


def test_a_draft_persons_name_finds_nothing(client, partnership, agreement):
    agreement.signatories.add(make_person("Hidden Signer", publication="draft"))
    assert found(client, URL, "Hidden Signer") == set()


@pytest.mark.parametrize(
    ("change", "found_by_new_name"),
    [({"name": "New Surname"}, True), ({"publication": "draft"}, False)],
    ids=["renamed", "unpublished"],
)
def test_a_changed_person_is_found_as_they_are_now(
    client, partnership, agreement, change, found_by_new_name
):
    person = make_person("Old Surname")
    agreement.signatories.add(person)
    for field, value in change.items():
        setattr(person, field, value)
    person.save()
    assert found(client, URL, "Old Surname") == set()
    expected = {partnership.pk} if found_by_new_name else set()
    assert found(client, URL, "New Surname") == expected


def test_a_signatory_removed_is_no_longer_found(client, partnership, agreement):
    person = make_person("Removed Signer")
    agreement.signatories.add(person)
    agreement.signatories.remove(person)
    assert found(client, URL, "Removed Signer") == set()


def test_a_deleted_person_is_no_longer_found(client, partnership, agreement):
    person = make_person("Deleted Signer")
    agreement.signatories.add(person)
    person.delete()
    assert found(client, URL, "Deleted Signer") == set()


def test_an_agreement_deleted_takes_its_signatories_out_of_the_search(
    client, partnership, agreement
):
    agreement.signatories.add(make_person("Gone Signer"))
    agreement.delete()
    assert found(client, URL, "Gone Signer") == set()


def test_a_person_renamed_by_an_import_is_found_by_the_new_name(
    client, partnership, agreement, django_user_model
):
    from partnerships import resources
    from partnerships.record_resources import PersonResource

    person = make_person("Old Surname")
    agreement.signatories.add(person)
    user = django_user_model.objects.create_superuser("importer", "i@x.org", "pw-tests-only")
    text = f"slug,name,position\n{person.slug},New Surname,Principal\n"
    result = PersonResource().import_data(resources.read_csv(text.encode()), user=user)
    assert not result.has_errors() and not result.has_validation_errors()
    assert found(client, URL, "New Surname") == {partnership.pk}


def test_an_agreements_title_finds_the_partnership(client, partnership):
    Agreement.objects.create(
        partnership=partnership, kind="agreement", title="Accord on Lyceum Exchanges"
    )
    assert found(client, URL, "Lyceum Exchanges") == {partnership.pk}


def test_an_agreement_retitled_is_found_by_its_new_title(client, partnership, agreement):
    agreement.title = "Accord on Lyceum Exchanges"
    agreement.save()
    assert found(client, URL, "Lyceum Exchanges") == {partnership.pk}


def test_a_partnerships_aims_find_it(client, partnership):
    """Trial 15: "Sino-Russian joint campus", in the aims, did not find the partnership."""
    partnership.aims = "Build the Sino-Russian joint test campus together"
    partnership.save()
    assert found(client, URL, "joint test campus") == {partnership.pk}
