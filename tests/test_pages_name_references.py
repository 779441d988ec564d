"""A person's page and an organization's page list every public record that names them
(issue 21: "roles at events ... shown on both the event and the person"): parts in
conferences and in alliances' governance events, visits an organization sent, changes of
status it made, agreements a person signed, bodies an organization guides, conferences it
ran and series it seats or organizes. A row of a draft record, or naming a draft, is not
shown."""

from __future__ import annotations

import datetime

import pytest
from pytest_django.asserts import assertContains, assertNotContains

from partnerships.models import (
    AllianceBody,
    AllianceEvent,
    AllianceEventActor,
    EventActorRole,
    EventRole,
    PartnershipStatus,
    Publication,
    Speech,
    StatusChange,
    Visit,
    VisitDirection,
)
from tests.test_views import (
    cite,
    make_alliance,
    make_conference,
    make_event,
    make_org,
    make_partnership,
    make_person,
    make_region,
    make_series,
    make_source,
)

DRAFT = Publication.DRAFT


@pytest.fixture
def world(db):
    land = make_region("Testland")
    org = make_org("Alpha Test School", land)
    partner = make_org("Beta Test School", land)
    person = make_person("Test Principal Zed", org)
    alliance = make_alliance("Test Alliance", countries=[land])
    event = make_event(
        alliance,
        kind=AllianceEvent.Kind.CHARTER_ADOPTED,
        occurred_on=datetime.date(2021, 3, 1),
        occurred_precision="month",
    )
    partnership = make_partnership(org, partner)
    source = make_source("Test Report")
    return {
        "land": land,
        "org": org,
        "partner": partner,
        "person": person,
        "alliance": alliance,
        "event": event,
        "partnership": partnership,
        "source": source,
    }


def test_person_page_lists_parts_in_alliance_governance_events(client, world):
    actor = AllianceEventActor.objects.create(
        alliance=world["alliance"],
        event=world["event"],
        person=world["person"],
        organization=world["org"],
        role=EventActorRole.SIGNED,
        title="vice-president of the test association",
    )
    cite(actor, world["source"], paragraph=4)
    response = client.get(world["person"].get_absolute_url())
    assertContains(response, "In alliances’ governance events")
    assertContains(response, "vice-president of the test association")
    assertContains(response, world["alliance"].get_absolute_url())
    assertContains(response, "for Alpha Test School")
    assertContains(response, "Test Report")  # its citation, in the references


def test_person_page_leaves_out_events_of_draft_alliances_and_draft_organizations(client, world):
    draft_alliance = make_alliance("Hidden Test Alliance", publication=DRAFT)
    AllianceEventActor.objects.create(
        alliance=draft_alliance,
        event=make_event(draft_alliance),
        person=world["person"],
        title="hidden title one",
    )
    draft_org = make_org("Hidden Test Office", world["land"], publication=DRAFT)
    AllianceEventActor.objects.create(
        alliance=world["alliance"],
        event=world["event"],
        person=world["person"],
        organization=draft_org,
        title="hidden title two",
    )
    response = client.get(world["person"].get_absolute_url())
    assertNotContains(response, "Hidden Test Alliance")
    assertNotContains(response, "hidden title")
    assertNotContains(response, "Hidden Test Office")
    assertNotContains(response, "In alliances’ governance events")


def test_organization_page_lists_its_parts_in_alliance_governance_events(client, world):
    AllianceEventActor.objects.create(
        alliance=world["alliance"],
        event=world["event"],
        organization=world["org"],
        role=EventActorRole.ANNOUNCED,
    )
    AllianceEventActor.objects.create(
        alliance=world["alliance"],
        event=world["event"],
        organization=world["org"],
        person=world["person"],
        role=EventActorRole.SIGNED,
    )
    hidden = make_person("Hidden Test Signer", world["org"], publication=DRAFT)
    AllianceEventActor.objects.create(
        alliance=world["alliance"],
        event=world["event"],
        organization=world["org"],
        person=hidden,
        role=EventActorRole.TOOK_PART,
    )
    response = client.get(world["org"].get_absolute_url())
    parts = response.context["alliance_event_parts"]
    assert [a.get_role_display() for a in parts] == ["Announced it", "Signed"]
    assertContains(response, "Announced it")
    assertContains(response, world["person"].get_absolute_url())
    assertNotContains(response, "Hidden Test Signer")


def test_organization_page_lists_visits_it_sent_and_status_changes_it_made(client, world):
    partnership = world["partnership"]
    city = make_region("Test Harbour City", kind="city", parent=world["land"])
    visit = Visit.objects.create(
        partnership=partnership,
        direction=VisitDirection.A_TO_B,
        sender=world["org"],
        sent_from=city,
        visited_on=datetime.date(2019, 9, 1),
        visited_precision="month",
        students=12,
    )
    cite(visit, world["source"], paragraph=2)
    StatusChange.objects.create(
        partnership=partnership,
        status=PartnershipStatus.ENDED,
        by=world["org"],
        changed_on=datetime.date(2022, 1, 1),
        changed_precision="year",
        note="Ended by the test school.",
    )
    response = client.get(world["org"].get_absolute_url())
    assertContains(response, "Visits it sent")
    assertContains(response, f"{partnership.get_absolute_url()}#visit-{visit.pk}")
    assertContains(response, "Alpha Test School visited Beta Test School")
    assertContains(response, "the group came from Test Harbour City")
    assertContains(response, "12 students")
    assertContains(response, "Changes of status it made or announced")
    assertContains(response, "Ended by the test school.")
    assertContains(response, "Test Report")


def test_organization_page_hides_visits_and_changes_of_draft_partnerships(client, world):
    other = make_org("Gamma Test School", world["land"])
    hidden = make_partnership(world["org"], other, publication=DRAFT)
    draft_city = make_region(
        "Hidden Test City", kind="city", parent=world["land"], publication=DRAFT
    )
    Visit.objects.create(partnership=hidden, sender=world["org"], description="hidden visit")
    StatusChange.objects.create(
        partnership=hidden, status=PartnershipStatus.ENDED, by=world["org"], note="hidden change"
    )
    Visit.objects.create(
        partnership=world["partnership"], sender=world["org"], sent_from=draft_city
    )
    response = client.get(world["org"].get_absolute_url())
    assert len(response.context["visits_sent"]) == 1
    assert response.context["visits_sent"][0].sent_from is None
    assert response.context["status_changes_made"] == []
    assertNotContains(response, "Hidden Test City")
    assertNotContains(response, "Gamma Test School")
    assertNotContains(response, "Changes of status it made or announced")


def test_organization_page_lists_its_parts_at_events_and_the_events_it_ran(client, world):
    conference = make_conference("Test Forum on Exchanges")
    conference.run_by.add(world["org"])
    Speech.objects.create(
        conference=conference,
        organization=world["org"],
        role=EventRole.WITNESS,
        title="the test school's office",
    )
    Speech.objects.create(
        conference=conference, organization=world["org"], person=world["person"], role="chair"
    )
    hidden = make_person("Hidden Test Speaker", world["org"], publication=DRAFT)
    Speech.objects.create(conference=conference, organization=world["org"], person=hidden)
    draft_conference = make_conference("Hidden Test Forum", publication=DRAFT)
    Speech.objects.create(conference=draft_conference, organization=world["org"])
    series = make_series("Test Series of Forums")
    series.organizers.add(world["org"])
    make_series("Test Seated Series", venue=world["org"])
    make_series("Hidden Test Series", venue=world["org"], publication=DRAFT)
    response = client.get(world["org"].get_absolute_url())
    roles = [s.get_role_display() for s in response.context["event_roles"]]
    assert sorted(roles) == ["Chaired", "Witnessed the signing"]
    assertContains(response, "the test school&#x27;s office")
    assertContains(response, "(no person named)")
    assertContains(response, world["person"].get_absolute_url())
    assertContains(response, conference.get_absolute_url(), count=3)  # ran it, two parts
    assertContains(response, "Test Series of Forums")
    assertContains(response, "Test Seated Series")
    assertNotContains(response, "Hidden Test")


def test_organization_page_lists_bodies_it_guides(client, world):
    body = AllianceBody.objects.create(
        alliance=world["alliance"], kind="committee", name="Test Expert Committee"
    )
    body.guided_by.add(world["org"])
    draft_alliance = make_alliance("Hidden Test Alliance", publication=DRAFT)
    hidden = AllianceBody.objects.create(
        alliance=draft_alliance, kind="council", name="Hidden Test Council"
    )
    hidden.guided_by.add(world["org"])
    response = client.get(world["org"].get_absolute_url())
    assertContains(response, "Bodies of alliances working under its guidance")
    assertContains(response, "Test Expert Committee")
    assertNotContains(response, "Hidden Test")
