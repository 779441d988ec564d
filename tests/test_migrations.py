"""The data migrations, on records as they were before them: of the model change for issues 17
and 21 (0016), council roles without a body; of 0019, the people named on visits. (Migrating
the schema back and forth takes 90 s on either database, so each function is run on today's
tables.)"""

import importlib
from types import SimpleNamespace

from django.apps import apps

from partnerships.models import (
    Alliance,
    AllianceBody,
    AllianceMembership,
    Organization,
    PartnershipPerson,
    Person,
    Region,
    SisterSchoolPartnership,
    Visit,
)

migration = importlib.import_module("partnerships.migrations.0016_sources_as_they_are")


def test_council_roles_of_before_are_kept_in_a_council_body(db):
    china = Region.objects.create(name="China", kind="country", iso_code="CN")
    chair = Organization.objects.create(name="A", kind="university", region=china)
    member = Organization.objects.create(name="B", kind="university", region=china)
    alliance = Alliance.objects.create(name="An alliance", focus="other")
    AllianceMembership.objects.create(alliance=alliance, organization=chair, role="chair")
    AllianceMembership.objects.create(alliance=alliance, organization=member, role="member")

    migration.council_roles_into_council_bodies(apps, None)

    body = AllianceBody.objects.get(alliance=alliance)
    assert (body.name, body.kind) == ("Council", "council")
    assert AllianceMembership.objects.get(organization=chair).body == body
    assert AllianceMembership.objects.get(organization=member).body is None


def test_the_data_migration_reverses(db):
    china = Region.objects.create(name="China", kind="country", iso_code="CN")
    chair = Organization.objects.create(name="A", kind="university", region=china)
    alliance = Alliance.objects.create(name="An alliance", focus="other")
    AllianceMembership.objects.create(alliance=alliance, organization=chair, role="vice_chair")
    migration.council_roles_into_council_bodies(apps, None)

    migration.council_bodies_back_into_roles(apps, None)

    assert AllianceMembership.objects.get(organization=chair).body is None


# 0019: the people named on a visit (Visit.people, with no role) become PartnershipPerson rows.
# The old many-to-many table is gone from today's schema, so the function reads its rows from
# a stand-in for the historical Visit model and writes real rows.
migration_0019 = importlib.import_module(
    "partnerships.migrations.0019_people_in_partnerships_and_guests"
)


class _OldVisitPeople:
    """The historical apps as the function sees them: Visit with its old "people" field,
    whose through model holds (visit, person) pairs; PartnershipPerson as today."""

    def __init__(self, pairs):
        rows = [
            SimpleNamespace(pk=i, visit=v, visit_id=v.pk, person_id=p.pk)
            for i, (v, p) in enumerate(pairs, start=1)
        ]
        manager = SimpleNamespace(
            select_related=lambda *names: SimpleNamespace(order_by=lambda *keys: rows)
        )
        through = SimpleNamespace(objects=manager)
        field = SimpleNamespace(remote_field=SimpleNamespace(through=through))
        self.visit = SimpleNamespace(_meta=SimpleNamespace(get_field=lambda name: field))

    def get_model(self, app_label, name):
        return {"Visit": self.visit}.get(name) or apps.get_model(app_label, name)


def test_people_on_visits_become_rows_of_the_partnership_as_having_gone(db):
    china = Region.objects.create(name="China", kind="country", iso_code="CN")
    a = Organization.objects.create(name="A", kind="school", region=china)
    b = Organization.objects.create(name="B", kind="school", region=china)
    c = Organization.objects.create(name="C", kind="school", region=china)
    first = SisterSchoolPartnership.objects.create(party_a=a, party_b=b, level="school")
    second = SisterSchoolPartnership.objects.create(party_a=a, party_b=c, level="school")
    visit_1 = Visit.objects.create(partnership=first)
    visit_2 = Visit.objects.create(partnership=second)
    ren, faul = Person.objects.create(name="Ren"), Person.objects.create(name="Faul")

    migration_0019.people_on_visits_to_rows(
        _OldVisitPeople([(visit_1, ren), (visit_1, faul), (visit_2, faul)]), None
    )

    assert set(
        PartnershipPerson.objects.values_list("partnership", "visit", "person", "role", "title")
    ) == {
        (first.pk, visit_1.pk, ren.pk, "went", ""),
        (first.pk, visit_1.pk, faul.pk, "went", ""),
        (second.pk, visit_2.pk, faul.pk, "went", ""),
    }


def test_a_visit_with_no_people_makes_no_row(db):
    migration_0019.people_on_visits_to_rows(_OldVisitPeople([]), None)
    assert not PartnershipPerson.objects.exists()
