"""The data migration of the model change for issues 17 and 21 (0016), on records as they were
before it: council roles without a body. (Migrating the schema back to 0015 and forth takes
90 s on either database, so the function is run on today's tables.)"""

import importlib

from django.apps import apps

from partnerships.models import Alliance, AllianceBody, AllianceMembership, Organization, Region

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
