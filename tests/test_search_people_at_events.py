"""A search for a person finds the conferences they were at (spoke, chaired, signed...) and
the alliances they hold a role in, by every name they have, while they are published: until
now only their own page was found (notes of trials 11 and 12)."""

import pytest

from partnerships.models import AllianceMembership, MemberRole, PersonName
from tests.test_search_places import found
from tests.test_views import make_alliance, make_conference, make_person, make_speech

CONFERENCES, ALLIANCES = "/conferences/", "/alliances/"


@pytest.fixture
def conference(db):
    return make_conference("Forum of Rectors by the River")


@pytest.fixture
def alliance(db):
    return make_alliance("Union of Riverside Colleges")


def chair(alliance, person):
    return AllianceMembership.objects.create(
        alliance=alliance, person=person, role=MemberRole.CHAIR
    )


def test_a_speakers_name_finds_the_conference(client, conference):
    make_speech(make_person("Yelena Voronova"), conference)
    assert found(client, CONFERENCES, "Voronova") == {conference.pk}


def test_a_speakers_other_name_finds_the_conference(client, conference):
    person = make_person("Yelena Voronova")
    make_speech(person, conference)
    PersonName.objects.create(person=person, name="叶莲娜·沃罗诺娃")
    assert found(client, CONFERENCES, "沃罗诺娃") == {conference.pk}


def test_a_draft_speakers_name_does_not_find_the_conference(client, conference):
    make_speech(make_person("Hidden Speaker", publication="draft"), conference)
    assert found(client, CONFERENCES, "Hidden Speaker") == set()


@pytest.mark.parametrize(
    ("change", "found_by_new_name"),
    [({"name": "New Speaker"}, True), ({"publication": "draft"}, False)],
    ids=["renamed", "unpublished"],
)
def test_a_changed_speaker_finds_the_conference_as_they_are_now(
    client, conference, change, found_by_new_name
):
    person = make_person("Old Speaker")
    make_speech(person, conference)
    for field, value in change.items():
        setattr(person, field, value)
    person.save()
    assert found(client, CONFERENCES, "Old Speaker") == set()
    assert found(client, CONFERENCES, "New Speaker") == (
        {conference.pk} if found_by_new_name else set()
    )


def test_a_speech_deleted_no_longer_finds_the_conference(client, conference):
    make_speech(make_person("Removed Speaker"), conference).delete()
    assert found(client, CONFERENCES, "Removed Speaker") == set()


def test_a_deleted_speaker_no_longer_finds_the_conference(client, conference):
    person = make_person("Deleted Speaker")
    make_speech(person, conference)
    person.delete()
    assert found(client, CONFERENCES, "Deleted Speaker") == set()


def test_a_chairs_name_finds_the_alliance(client, alliance):
    chair(alliance, make_person("Pavel Sorokin"))
    assert found(client, ALLIANCES, "Sorokin") == {alliance.pk}


def test_a_chairs_other_name_finds_the_alliance(client, alliance):
    person = make_person("Pavel Sorokin")
    chair(alliance, person)
    PersonName.objects.create(person=person, name="Павел Сорокин")
    assert found(client, ALLIANCES, "Сорокин") == {alliance.pk}


def test_a_draft_chairs_name_does_not_find_the_alliance(client, alliance):
    chair(alliance, make_person("Hidden Chair", publication="draft"))
    assert found(client, ALLIANCES, "Hidden Chair") == set()


def test_a_renamed_chair_finds_the_alliance_by_the_new_name(client, alliance):
    person = make_person("Old Chair")
    chair(alliance, person)
    person.name = "New Chair"
    person.save()
    assert found(client, ALLIANCES, "Old Chair") == set()
    assert found(client, ALLIANCES, "New Chair") == {alliance.pk}


def test_a_role_removed_no_longer_finds_the_alliance(client, alliance):
    chair(alliance, make_person("Former Chair")).delete()
    assert found(client, ALLIANCES, "Former Chair") == set()


def test_a_speech_moved_to_another_conference_leaves_the_first(client, conference):
    """A speech moved on its own admin page: the conference it left no longer names the
    speaker in its search text."""
    other = make_conference("Second Forum by the River")
    speech = make_speech(make_person("Moved Speaker"), conference)
    speech.conference = other
    speech.save()
    assert found(client, CONFERENCES, "Moved Speaker") == {other.pk}


def test_a_role_held_for_a_draft_organization_does_not_find_the_alliance(client, alliance):
    """The page does not show such a role (views.common.shown_memberships), so a search for
    its holder must not find the alliance either, until the organization is published."""
    from partnerships.models import Organization
    from tests.test_views import DRAFT, make_org, make_region

    office = make_org("Draft Riverside Office", make_region("Riverland"), publication=DRAFT)
    AllianceMembership.objects.create(
        alliance=alliance,
        person=make_person("Officeholder Testova"),
        organization=office,
        role=MemberRole.CHAIR,
    )
    assert found(client, ALLIANCES, "Testova") == set()
    office = Organization.objects.get(pk=office.pk)
    office.publication = "published"
    office.save()
    assert found(client, ALLIANCES, "Testova") == {alliance.pk}


# --------------------------------------------------------------------------- organizations


def test_a_conference_is_found_by_its_venue_and_its_organizers(client, conference):
    """Trial 15: "Intellectual Center" (the venue) did not find the forum held there."""
    from tests.test_views import make_org, make_region

    land = make_region("Venueland")
    conference.venue = make_org("Intellectual Test Center", land)
    conference.save()
    conference.organizers.add(make_org("Ministry of Test Training", land))
    assert found(client, CONFERENCES, "Intellectual Test Center") == {conference.pk}
    assert found(client, CONFERENCES, "Test Training") == {conference.pk}


def test_a_renamed_or_unpublished_organizer_is_found_as_it_is_now(client, conference):
    from tests.test_views import make_org, make_region

    ministry = make_org("Old Test Ministry", make_region("Ministryland"))
    conference.run_by.add(ministry)
    ministry.name = "New Test Ministry"
    ministry.save()
    assert found(client, CONFERENCES, "Old Test Ministry") == set()
    assert found(client, CONFERENCES, "New Test Ministry") == {conference.pk}
    ministry.publication = "draft"
    ministry.save()
    assert found(client, CONFERENCES, "New Test Ministry") == set()
