"""A record's search text names related records only while they are published: a search must
not reveal a draft organization or series through the published records that refer to it
(issue point 10). Runs on SQLite (substring match) and PostgreSQL (word index, trigram)."""

import pytest
from django.urls import reverse

from partnerships.models import (
    Conference,
    ConferenceSeries,
    Organization,
    Person,
    Publication,
    SisterSchoolPartnership,
)
from tests.test_views import (
    listed,
    listed_partnerships,
    make_conference,
    make_org,
    make_partnership,
    make_person,
    make_series,
)

DRAFT = Publication.DRAFT
PUBLISHED = Publication.PUBLISHED


def set_publication(record, state):
    """What the admin's publish and unpublish actions do (admin._set_publication)."""
    record.publication = state
    record.save(update_fields=["publication", "updated_at"])


def search(client, url, text):
    response = client.get(url, {"q": text})
    assert response.status_code == 200
    return listed(response)


@pytest.fixture
def draft_org_person(db):
    org = make_org("Zephyrine Quillfeather Academy", publication=DRAFT, other_names=["ZQA"])
    person = make_person("Odalys Brightwater", organization=org)
    return org, person


# --------------------------------------------------------------------------- people


def test_a_draft_organizations_name_does_not_find_the_person_who_works_there(
    client, draft_org_person
):
    org, person = draft_org_person
    assert "Zephyrine" not in Person.objects.get(pk=person.pk).search_text
    assert search(client, "/people/", "Zephyrine") == []
    assert search(client, "/people/", "Zephyrine Quillfeather Academy") == []
    assert search(client, "/people/", "Quillfeath") == []  # inside a word (trigram on PG)
    # The person is still found by their own name and position.
    assert search(client, "/people/", "Odalys Brightwater") == ["Odalys Brightwater"]


def test_publishing_the_organization_makes_it_find_the_person_and_unpublishing_undoes_it(
    client, draft_org_person
):
    org, person = draft_org_person
    set_publication(org, PUBLISHED)
    assert "Zephyrine Quillfeather Academy" in Person.objects.get(pk=person.pk).search_text
    assert search(client, "/people/", "Zephyrine") == ["Odalys Brightwater"]
    assert search(client, "/people/", "Quillfeath") == ["Odalys Brightwater"]

    set_publication(org, DRAFT)
    assert "Zephyrine" not in Person.objects.get(pk=person.pk).search_text
    assert search(client, "/people/", "Zephyrine") == []
    assert search(client, "/people/", "Quillfeath") == []


def test_the_admin_publish_and_unpublish_actions_refresh_the_people(
    staff_client, client, draft_org_person
):
    org, person = draft_org_person
    url = reverse("admin:partnerships_organization_changelist")
    response = staff_client.post(url, {"action": "publish", "_selected_action": [org.pk]})
    assert response.status_code == 302
    assert Organization.objects.get(pk=org.pk).publication == PUBLISHED
    assert search(client, "/people/", "Zephyrine") == ["Odalys Brightwater"]

    response = staff_client.post(url, {"action": "unpublish", "_selected_action": [org.pk]})
    assert response.status_code == 302
    assert Organization.objects.get(pk=org.pk).publication == DRAFT
    assert search(client, "/people/", "Zephyrine") == []


def test_a_new_person_at_a_draft_organization_is_not_found_by_its_name(client, db):
    org = make_org("Wrenfield Lantern College", publication=DRAFT)
    make_person("Teodora Vance", organization=org)
    assert search(client, "/people/", "Wrenfield") == []
    set_publication(org, PUBLISHED)
    assert search(client, "/people/", "Wrenfield") == ["Teodora Vance"]


def test_an_organizations_own_other_names_stay_in_its_search_text(db):
    org = make_org("Marrowgate Institute", publication=DRAFT, other_names=["Marrow Tech"])
    assert "Marrow Tech" in Organization.objects.get(pk=org.pk).search_text


# --------------------------------------------------------------------------- conferences


@pytest.fixture
def draft_series_conference(db):
    series = make_series("Halcyrion Principals Forum", publication=DRAFT)
    conference = make_conference("Autumn Exchange Meeting 2024", series=series, edition=3)
    return series, conference


def test_a_draft_series_name_does_not_find_its_published_conference(
    client, draft_series_conference
):
    series, conference = draft_series_conference
    assert "Halcyrion" not in Conference.objects.get(pk=conference.pk).search_text
    assert search(client, "/conferences/", "Halcyrion") == []
    assert search(client, "/conferences/", "Halcyrion Principals Forum") == []
    assert search(client, "/conferences/", "Autumn Exchange") == ["Autumn Exchange Meeting 2024"]


def test_publishing_the_series_makes_it_find_the_conference_and_unpublishing_undoes_it(
    client, draft_series_conference
):
    series, conference = draft_series_conference
    set_publication(series, PUBLISHED)
    assert search(client, "/conferences/", "Halcyrion") == ["Autumn Exchange Meeting 2024"]

    set_publication(series, DRAFT)
    assert "Halcyrion" not in Conference.objects.get(pk=conference.pk).search_text
    assert search(client, "/conferences/", "Halcyrion") == []


def test_the_admin_actions_on_a_series_refresh_its_conferences(
    staff_client, client, draft_series_conference
):
    series, conference = draft_series_conference
    url = reverse("admin:partnerships_conferenceseries_changelist")
    staff_client.post(url, {"action": "publish", "_selected_action": [series.pk]})
    assert ConferenceSeries.objects.get(pk=series.pk).publication == PUBLISHED
    assert search(client, "/conferences/", "Halcyrion") == ["Autumn Exchange Meeting 2024"]
    staff_client.post(url, {"action": "unpublish", "_selected_action": [series.pk]})
    assert search(client, "/conferences/", "Halcyrion") == []


# --------------------------------------------------------------------------- partnerships


def test_a_partnership_names_only_its_published_parties(client, db):
    a = make_org("Kestrelmoor Grammar School", other_names=["Kestrel Grammar"])
    b = make_org("Ulvenhold Middle School", publication=DRAFT, other_names=["Ulven Middle"])
    partnership = make_partnership(a, b)
    text = SisterSchoolPartnership.objects.get(pk=partnership.pk).search_text
    assert "Kestrelmoor" in text and "Kestrel Grammar" in text
    assert "Ulvenhold" not in text and "Ulven Middle" not in text
    # Not public while a party is a draft, whatever the search.
    assert listed_partnerships(client.get("/partnerships/", {"q": "Kestrelmoor"})) == set()

    set_publication(b, PUBLISHED)
    text = SisterSchoolPartnership.objects.get(pk=partnership.pk).search_text
    assert "Ulvenhold" in text and "Ulven Middle" in text
    expected = {str(partnership)}
    assert listed_partnerships(client.get("/partnerships/", {"q": "Ulvenhold"})) == expected
    assert listed_partnerships(client.get("/partnerships/", {"q": "Ulven Middle"})) == expected
    assert listed_partnerships(client.get("/partnerships/", {"q": "lvenhol"})) == expected

    set_publication(b, DRAFT)
    text = SisterSchoolPartnership.objects.get(pk=partnership.pk).search_text
    assert "Ulvenhold" not in text
    assert listed_partnerships(client.get("/partnerships/", {"q": "Ulvenhold"})) == set()


def test_the_partnership_list_search_finds_by_either_published_party(client, db):
    a = make_org("Brindlecombe Primary School")
    b = make_org("Thornquist Lyceum")
    partnership = make_partnership(a, b, summary="Exchange of art teachers.")
    expected = {str(partnership)}
    for text in ("Brindlecombe", "Thornquist Lyceum", "art teachers", "ornquis"):
        assert listed_partnerships(client.get("/partnerships/", {"q": text})) == expected, text
    assert listed_partnerships(client.get("/partnerships/", {"q": "Quagmirelle"})) == set()


@pytest.mark.parametrize(
    "text", ["Maplewood Lakeside", "Lakeside Maplewood", "lakeside   MAPLEWOOD"]
)
def test_two_words_find_a_partnership_whose_parties_hold_one_each_in_any_order(client, db, text):
    found = make_partnership(make_org("Maplewood Academy"), make_org("Lakeside School"))
    make_partnership(make_org("Maplewood College"), make_org("Hillside School"))
    assert search(client, reverse("partnership-list"), text) == [str(found)]
