"""The gaps a fact-by-fact audit of the six real cases named (683 of 758 facts in fields meant
for them): other names of regions, found by search as the region's own name is; who carried
out an alliance's governance event; who sent a visit; a contact's role in a partnership; groups
of countries such as ASEAN. Here each rule on made-up records (names that are clearly not
sourced facts): the model, the admin by role, the public pages with drafts never named. The
cases' own facts in these fields: tests/test_model_gaps_cases.py."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from partnerships import filters
from partnerships.models import (
    AllianceEvent,
    AllianceEventActor,
    Conference,
    Organization,
    PartnershipParty,
    PartnershipPerson,
    Publication,
    Region,
    RegionKind,
    RegionName,
    Revision,
    Visit,
    VisitDirection,
)
from partnerships.roles import grant_models, role_permissions
from tests.jobhelpers import run_worker
from tests.test_views import (
    DRAFT,
    cite,
    make_alliance,
    make_conference,
    make_event,
    make_org,
    make_partnership,
    make_person,
    make_region,
    make_source,
)

from .adminforms import add_row, change_url, form_of, messages_of
from .test_detail_sources import plain

PUBLISHED = Publication.PUBLISHED


def text_of(client, obj) -> str:
    response = client.get(obj.get_absolute_url())
    assert response.status_code == 200
    return plain(response.content.decode())


def found(client, url, text) -> set[int]:
    response = client.get(url, {"q": text})
    assert response.status_code == 200
    return set(response.context["paginator"].object_list.values_list("pk", flat=True))


def approve(client_as, revision):
    response = client_as("publisher", "approver").post(
        change_url(revision), {"_approve": "1", "comment": ""}, follow=True
    )
    assert response.status_code == 200
    revision.refresh_from_db()
    assert revision.status == "approved", messages_of(response)


@pytest.fixture
def places(db):
    """A country with a province and a city, a school in the city and its partnership with a
    school abroad, and a conference held in the city."""
    land = make_region("Norland")
    province = make_region("Westmark", RegionKind.PROVINCE, parent=land)
    city = make_region("Kelby", RegionKind.CITY, parent=province)
    school = make_org("Lakeside Collegiate", region=city)
    abroad = make_org("Riverside High School", region=make_region("Eastria"))
    return {
        "land": land,
        "province": province,
        "city": city,
        "school": school,
        "partnership": make_partnership(school, abroad),
        "conference": make_conference("Forum of Schools", host_region=city),
        "source": make_source("A test page about the places"),
    }


# =========================================================================== a. other names


def name_region(capture, region, name, **fields) -> RegionName:
    """Add an other name as a save does: the records under the region are refreshed by the
    job queued once the save commits (run here as the worker runs it)."""
    with capture(execute=True):
        alias = RegionName.objects.create(region=region, name=name, **fields)
    run_worker()
    return alias


def test_a_regions_other_name_finds_the_records_its_name_finds(
    client, places, django_capture_on_commit_callbacks
):
    name_region(django_capture_on_commit_callbacks, places["province"], "Vestmarka")
    for url, record in (
        ("/partnerships/", "partnership"),
        ("/organizations/", "school"),
        ("/conferences/", "conference"),
        ("/regions/", "province"),
    ):
        assert found(client, url, "Westmark") == {places[record].pk}, url
        assert found(client, url, "Vestmarka") == {places[record].pk}, url
    # Two words: a party's name and its province's other name.
    assert found(client, "/partnerships/", "Lakeside Vestmarka") == {places["partnership"].pk}


def test_a_draft_regions_other_name_finds_nothing(
    client, places, django_capture_on_commit_callbacks
):
    hidden = make_region("Zorvania", publication=DRAFT)
    town = make_region("Quellport", RegionKind.CITY, parent=hidden)
    make_partnership(make_org("Harbour School", region=town), places["school"])
    name_region(django_capture_on_commit_callbacks, hidden, "Zorvanija")
    for url in ("/partnerships/", "/organizations/", "/regions/"):
        assert found(client, url, "Zorvanija") == set(), url


def test_an_other_name_deleted_is_no_longer_found(
    client, places, django_capture_on_commit_callbacks
):
    alias = name_region(django_capture_on_commit_callbacks, places["city"], "Kelbystad")
    assert found(client, "/partnerships/", "Kelbystad") == {places["partnership"].pk}
    with django_capture_on_commit_callbacks(execute=True):
        alias.delete()
    run_worker()
    assert found(client, "/partnerships/", "Kelbystad") == set()
    assert found(client, "/organizations/", "Kelbystad") == set()


def test_the_region_page_gives_its_other_names_with_their_notes(client, places):
    RegionName.objects.create(
        region=places["province"], name="Vestmarka", language="xx", note="test spelling"
    )
    assert "Also called Vestmarka (xx; test spelling)" in text_of(client, places["province"])


def region_form(client, region) -> dict:
    return form_of(client.get(change_url(region)))


def test_the_admin_adds_an_other_name_and_the_job_refreshes_the_records_under_it(
    client_as, places, django_capture_on_commit_callbacks
):
    publisher = client_as("publisher")
    data = region_form(publisher, places["city"])
    add_row(data, "other_names", {"name": "Kelbystad", "language": "xx", "note": "test"})
    with django_capture_on_commit_callbacks(execute=True):
        response = publisher.post(change_url(places["city"]), data)
    assert response.status_code == 302, messages_of(response)
    assert run_worker() >= 1
    assert found(publisher, "/partnerships/", "Kelbystad") == {places["partnership"].pk}
    assert found(publisher, "/organizations/", "Kelbystad") == {places["school"].pk}


def test_an_editors_other_name_of_a_published_region_waits_for_review(
    client, client_as, places, django_capture_on_commit_callbacks
):
    editor = client_as("editor")
    data = region_form(editor, places["city"])
    add_row(data, "other_names", {"name": "Kelbystad", "language": "", "note": ""})
    response = editor.post(change_url(places["city"]), data, follow=True)
    assert "waits for a publisher" in messages_of(response), messages_of(response)
    assert not RegionName.objects.exists()
    assert "Kelbystad" not in text_of(client, places["city"])
    revision = Revision.objects.get(status="pending")
    review = client_as("publisher", "reviewer").get(change_url(revision))
    assert "Kelbystad" in review.content.decode()  # the review shows the row
    with django_capture_on_commit_callbacks(execute=True):
        approve(client_as, revision)
    run_worker()
    assert RegionName.objects.get().name == "Kelbystad"
    assert found(client, "/partnerships/", "Kelbystad") == {places["partnership"].pk}


def test_a_viewer_cannot_add_an_other_name(client_as, places):
    data = region_form(client_as("publisher", "reader"), places["city"])
    add_row(data, "other_names", {"name": "Kelbystad", "language": "", "note": ""})
    assert client_as("viewer").post(change_url(places["city"]), data).status_code == 403
    assert not RegionName.objects.exists()


# =========================================================================== b. event actors


@pytest.fixture
def alliance_world(db):
    land = make_region("Testland")
    alliance = make_alliance("Test Alliance of Schools", countries=[land])
    event = make_event(
        alliance,
        kind=AllianceEvent.Kind.FOUNDED,
        occurred_on=datetime.date(2022, 11, 1),
        occurred_precision="month",
        description="A test founding.",
    )
    other = make_alliance("Other Test Alliance")
    return {
        "alliance": alliance,
        "event": event,
        "other_event": make_event(other, description="Another alliance's meeting."),
        "assoc": make_org("Test Association of Schools", land, kind="network"),
        "hidden_org": make_org("Hidden Draft Association", land, publication=DRAFT),
        "person": make_person("Tester Wang", position="Test president"),
        "hidden": make_person("Hidden Draft Person", publication=DRAFT),
        "source": make_source("A test page about the alliance"),
    }


def actor(w, role="launched", cited=True, **holder):
    row = AllianceEventActor.objects.create(
        alliance=w["alliance"], event=w["event"], role=role, **holder
    )
    if cited:
        cite(row, w["source"], paragraph=3)
    return row


def test_an_actor_needs_a_holder_and_an_event_of_its_own_alliance(alliance_world):
    w = alliance_world
    nobody = AllianceEventActor(alliance=w["alliance"], event=w["event"], role="held")
    with pytest.raises(ValidationError, match="organization or the person who did it"):
        nobody.full_clean()
    elsewhere = AllianceEventActor(
        alliance=w["alliance"], event=w["other_event"], organization=w["assoc"]
    )
    with pytest.raises(ValidationError, match="this alliance's own events"):
        elsewhere.full_clean()
    AllianceEventActor(
        alliance=w["alliance"], event=w["event"], organization=w["assoc"]
    ).full_clean()


def test_the_same_part_twice_is_refused(alliance_world):
    w = alliance_world
    actor(w, organization=w["assoc"])
    with pytest.raises(IntegrityError), transaction.atomic():
        actor(w, organization=w["assoc"], cited=False)
    actor(w, role="held", organization=w["assoc"])  # another part is another row


def test_the_alliance_page_says_who_did_each_event_and_cites_it(client, alliance_world):
    w = alliance_world
    actor(w, organization=w["assoc"])
    actor(w, role="announced", person=w["person"], organization=w["assoc"], title="Test title")
    page = text_of(client, w["alliance"])
    assert "Who: Test Association of Schools launched or unveiled it" in page
    assert "Tester Wang (Test Association of Schools) announced it; as the source puts it" in page
    assert "A test page about the alliance" in page


def test_a_draft_actor_is_never_named(client, alliance_world):
    w = alliance_world
    actor(w, organization=w["hidden_org"])
    actor(w, role="held", person=w["hidden"])
    actor(w, role="signed", person=w["person"], organization=w["hidden_org"])
    page = text_of(client, w["alliance"])
    assert "Hidden Draft" not in page
    assert "Tester Wang" not in page  # with a draft organization the row is left out
    assert "Who:" not in page
    source_page = text_of(client, w["source"])
    assert "Hidden Draft" not in source_page and "Tester Wang" not in source_page


def test_the_source_page_lists_the_actor_it_supports(client, alliance_world):
    w = alliance_world
    actor(w, organization=w["assoc"])
    page = text_of(client, w["source"])
    assert (
        "Test Association of Schools (launched or unveiled it) (Test Alliance of Schools)" in page
    )


def actor_row(w, **values):
    row = {
        "event": str(w["event"].pk),
        "organization": str(w["assoc"].pk),
        "person": "",
        "role": "launched",
        "title": "",
        "source": str(w["source"].pk),
        "paragraph": "3",
    }
    row.update(values)
    return row


def test_the_actor_inline_offers_only_this_alliances_events(client_as, alliance_world):
    w = alliance_world
    text = client_as("editor").get(change_url(w["alliance"])).content.decode()
    template = text[text.index('name="event_actors-__prefix__-event"') :]
    template = template[: template.index("</select>")]
    assert f'value="{w["event"].pk}"' in template
    assert "A test founding." in template  # an event is told apart by its text
    assert f'value="{w["other_event"].pk}"' not in template


def test_an_editor_adds_who_did_an_event_of_a_draft_alliance_with_its_citation(
    client_as, alliance_world
):
    w = alliance_world
    alliance = w["alliance"]
    type(alliance).objects.filter(pk=alliance.pk).update(publication=DRAFT)
    editor = client_as("editor")
    data = form_of(editor.get(change_url(alliance)))
    add_row(data, "event_actors", actor_row(w))
    response = editor.post(change_url(alliance), data)
    assert response.status_code == 302, messages_of(response)
    row = AllianceEventActor.objects.get()
    assert (row.event, row.organization, row.role) == (w["event"], w["assoc"], "launched")
    assert list(row.citations.values_list("source_id", "paragraph")) == [(w["source"].pk, 3)]


def test_an_event_of_another_alliance_is_refused_in_the_form(client_as, alliance_world):
    w = alliance_world
    editor = client_as("publisher")
    data = form_of(editor.get(change_url(w["alliance"])))
    add_row(data, "event_actors", actor_row(w, event=str(w["other_event"].pk)))
    response = editor.post(change_url(w["alliance"]), data)
    assert response.status_code == 200
    assert "Select a valid choice" in messages_of(response)
    assert not AllianceEventActor.objects.exists()


def test_an_editors_actor_on_a_published_alliance_waits_for_review(
    client, client_as, alliance_world
):
    w = alliance_world
    editor = client_as("editor")
    data = form_of(editor.get(change_url(w["alliance"])))
    add_row(data, "event_actors", actor_row(w))
    response = editor.post(change_url(w["alliance"]), data, follow=True)
    assert "waits for a publisher" in messages_of(response), messages_of(response)
    assert not AllianceEventActor.objects.exists()
    assert "Who:" not in text_of(client, w["alliance"])
    revision = Revision.objects.get(status="pending")
    review = client_as("publisher", "reviewer").get(change_url(revision))
    assert "Test Association of Schools" in review.content.decode()
    approve(client_as, revision)
    row = AllianceEventActor.objects.get()
    assert (row.organization, row.citations.get().paragraph) == (w["assoc"], 3)
    assert "Who: Test Association of Schools" in text_of(client, w["alliance"])


def test_a_viewer_cannot_add_who_did_an_event(client_as, alliance_world):
    w = alliance_world
    data = form_of(client_as("publisher", "reader").get(change_url(w["alliance"])))
    add_row(data, "event_actors", actor_row(w))
    assert client_as("viewer").post(change_url(w["alliance"]), data).status_code == 403
    assert not AllianceEventActor.objects.exists()


def test_an_actor_rows_own_page_is_held_for_review_like_the_alliances_rows(
    client_as, alliance_world
):
    w = alliance_world
    row = actor(w, organization=w["assoc"])
    data = form_of(client_as("publisher", "reader").get(change_url(row)))
    data["title"] = "Changed behind the review"
    assert client_as("editor").post(change_url(row), data).status_code == 403
    row.refresh_from_db()
    assert row.title == ""


# =========================================================================== c. visit senders


def visit(w, direction=VisitDirection.A_TO_B, **fields):
    return Visit.objects.create(
        partnership=w["partnership"],
        direction=direction,
        visited_on=datetime.date(2011, 9, 18),
        **fields,
    )


def test_a_party_sending_a_visit_is_the_party_the_direction_says_went(visit_world):
    w = visit_world
    wrong = Visit(partnership=w["partnership"], direction=VisitDirection.B_TO_A, sender=w["a"])
    with pytest.raises(ValidationError, match="the party that was visited"):
        wrong.full_clean()
    Visit(partnership=w["partnership"], direction=VisitDirection.A_TO_B, sender=w["a"]).full_clean()
    # A body that is no party may send a group either way (a school of the district).
    Visit(
        partnership=w["partnership"], direction=VisitDirection.B_TO_A, sender=w["unit"]
    ).full_clean()


def test_the_partnership_page_says_who_sent_the_group_and_where_from(client, visit_world):
    w = visit_world
    visit(w, sent_from=w["province"])
    visit(w, direction=VisitDirection.B_TO_A, sender=w["unit"])
    page = text_of(client, w["partnership"])
    assert "Lotus Test School visited Maple Test District; the group came from Test Province" in (
        page
    )
    assert "Maple Test District visited Lotus Test School; sent by Maple Test High School" in page


def test_a_draft_sender_or_place_is_never_named(client, visit_world):
    w = visit_world
    visit(w, sender=w["hidden_org"], sent_from=w["hidden_place"])
    page = text_of(client, w["partnership"])
    assert "Hidden Draft School" not in page and "Draftburg" not in page
    assert "sent by" not in page and "came from" not in page


def test_an_editor_enters_the_sender_in_the_visit_form(client_as, visit_world):
    w = visit_world
    partnership = w["partnership"]
    type(partnership).objects.filter(pk=partnership.pk).update(publication=DRAFT)
    editor = client_as("editor")
    data = form_of(editor.get(change_url(partnership)))
    add_row(
        data,
        "visits",
        {
            "direction": "b_to_a",
            "status": "done",
            "sender": str(w["unit"].pk),
            "sent_from": "",
            "visited_on": "2011-09-18",
            "visited_precision": "day",
            "source": str(w["source"].pk),
            "paragraph": "1",
        },
    )
    response = editor.post(change_url(partnership), data)
    assert response.status_code == 302, messages_of(response)
    assert Visit.objects.get().sender == w["unit"]


# =========================================================================== d. contacts


def test_a_body_and_a_person_given_as_contacts_are_shown_as_such(client, visit_world):
    w = visit_world
    committee = make_org("Test Steering Committee", kind="other", parent=w["district"])
    party = PartnershipParty.objects.create(
        partnership=w["partnership"], organization=committee, role="contact"
    )
    cite(party, w["source"])
    person = PartnershipPerson.objects.create(
        partnership=w["partnership"],
        person=make_person("Tester Contact"),
        role="contact",
        title="exchange coordinator",
    )
    cite(person, w["source"])
    page = text_of(client, w["partnership"])
    assert "Contact for it (not a party) Test Steering Committee" in page
    assert "Tester Contact (exchange coordinator) — contact person" in page


# =========================================================================== e. groups


@pytest.fixture
def group_world(db):
    north = make_region("Norland", iso_code="XN")
    east = make_region("Eastria", iso_code="XE")
    hidden = make_region("Zorvania", publication=DRAFT)
    group = make_region("Test Union of Nations", RegionKind.GROUP)
    group.members.set([north, east, hidden])
    city = make_region("Kelby", RegionKind.CITY, parent=north)
    conference = make_conference("Forum of the Union", host_region=city)
    conference.participating_regions.add(group)
    return {
        "north": north,
        "east": east,
        "hidden": hidden,
        "group": group,
        "city": city,
        "conference": conference,
        "other": make_conference("Forum of Norland", host_region=city),
    }


def test_a_group_is_outside_the_hierarchy(group_world):
    w = group_world
    with pytest.raises(ValidationError, match="not part of another region"):
        Region(name="Test Bloc", kind=RegionKind.GROUP, parent=w["north"], slug="bloc").full_clean()
    with pytest.raises(ValidationError, match="no ISO 3166 code"):
        Region(name="Test Bloc", kind=RegionKind.GROUP, iso_code="TB", slug="bloc").full_clean()
    with pytest.raises(ValidationError, match="not part of a group of countries"):
        Region(name="Test Town", kind=RegionKind.CITY, parent=w["group"], slug="t").full_clean()
    with pytest.raises(ValidationError, match="not in a group of countries"):
        Organization(name="Test School", kind="school", region=w["group"]).full_clean()


def test_a_conference_naming_the_group_is_found_under_the_group_not_its_members(
    client, group_world
):
    w = group_world
    union = Conference.objects.all()
    assert list(filters.conferences_in_region(union, w["group"])) == [w["conference"]]
    # Under a member only as far as its own places go: the group is not its members.
    assert set(filters.conferences_in_region(union, w["east"])) == set()
    assert found(client, "/conferences/", "Test Union of Nations") == {w["conference"].pk}


def test_the_group_counts_in_the_place_facet_as_its_click_does(client, group_world):
    response = client.get("/conferences/")
    shown = {
        item.label: (item.count, item.url)
        for result in response.context["facets"]
        if result.param == "region"
        for item in result.items
    }
    count, url = shown["Test Union of Nations"]
    clicked = client.get(url if url.startswith("/") else f"/conferences/{url}")
    assert count == clicked.context["paginator"].count == 1
    # No country facet of another list offers the group.
    for url in ("/partnerships/", "/alliances/", "/organizations/"):
        labels = {
            item.label
            for result in client.get(url).context["facets"]
            if result.param == "country"
            for item in result.items
        }
        assert "Test Union of Nations" not in labels, url


def test_the_group_page_lists_its_published_members_and_a_member_names_its_group(
    client, group_world
):
    w = group_world
    page = text_of(client, w["group"])
    assert "Member countries Eastria, Norland" in page
    assert "Zorvania" not in page
    assert "records that name the group itself" in page
    assert "Forum of the Union" in page and "Forum of Norland" not in page
    assert "Member of Test Union of Nations" in text_of(client, w["north"])


def test_a_draft_group_is_not_named_on_its_members_page(client, group_world):
    w = group_world
    Region.objects.filter(pk=w["group"].pk).update(publication=DRAFT)
    assert "Test Union of Nations" not in text_of(client, w["north"])


def test_the_region_form_takes_members_for_a_group_only_and_countries_only(client_as, group_world):
    w = group_world
    publisher = client_as("publisher")
    data = region_form(publisher, w["north"])
    data["members"] = [str(w["east"].pk)]
    response = publisher.post(change_url(w["north"]), data)
    assert response.status_code == 200
    assert "Only a group of countries has member countries" in messages_of(response) or (
        "Only a group of countries has member countries" in response.content.decode()
    )
    data = region_form(publisher, w["group"])
    data["members"] = [str(w["north"].pk), str(w["city"].pk)]
    response = publisher.post(change_url(w["group"]), data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert set(w["group"].members.all()) == {w["north"], w["east"], w["hidden"]}


def test_the_organization_form_does_not_offer_a_group_as_its_region(client_as, group_world):
    w = group_world
    publisher = client_as("publisher")
    school = make_org("Test School", w["city"])
    data = form_of(publisher.get(change_url(school)))
    data["region"] = str(w["group"].pk)
    response = publisher.post(change_url(school), data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    school.refresh_from_db()
    assert school.region == w["city"]


# =========================================================================== roles


def test_the_migration_adds_the_new_models_permissions_and_keeps_the_groups_own(db):
    editors = Group.objects.get(name="Editors")
    wanted = {c for c in role_permissions()["Editors"] if c.endswith("regionname")}
    editors.permissions.remove(*Permission.objects.filter(codename__in=wanted))
    extra = Permission.objects.get(codename="delete_organization")
    editors.permissions.add(extra)  # given by hand in the admin
    grant_models(Group, Permission, ["regionname", "historicalregionname"])
    codenames = set(editors.permissions.values_list("codename", flat=True))
    assert wanted <= codenames
    assert "delete_organization" in codenames
    assert "publish_region" not in codenames


def test_an_event_of_kind_other_is_named_by_its_description_on_the_actor_s_page(
    alliance_world, client
):
    w = alliance_world
    AllianceEvent.objects.filter(pk=w["event"].pk).update(
        kind=AllianceEvent.Kind.OTHER, description="Joint declaration of the member universities."
    )
    actor(w, role="signed", organization=w["assoc"])
    page = text_of(client, w["assoc"])
    assert "Joint declaration of the member universities" in page
    assert ": other," not in page
