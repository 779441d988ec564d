"""A figure reads as English does: one of a thing is singular ("1 member"), more is plural."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType

from partnerships.models import (
    METRIC_SINGULAR,
    FigureQualifier,
    Metric,
    OrganizationKind,
    ReportedFigure,
)
from tests.test_views import PUBLISHED, make_alliance, make_region

from .test_model_gaps import text_of


@pytest.fixture
def alliance(db):
    return make_alliance("Test Wording Alliance", countries=[make_region("Wordland")])


def figure(alliance, value, **fields):
    return ReportedFigure.objects.create(
        subject_type=ContentType.objects.get_for_model(alliance),
        subject_id=alliance.pk,
        value=value,
        publication=PUBLISHED,
        **{"metric": Metric.MEMBERS, **fields},
    )


def test_one_member_is_singular_on_the_public_page(client, alliance):
    figure(alliance, 1)
    page = text_of(client, alliance)
    assert "1 member" in page
    assert "1 members" not in page


def test_more_than_one_participant_is_singular_as_english_says_it(alliance):
    one = figure(alliance, 1, metric=Metric.PARTICIPANTS, qualifier=FigureQualifier.OVER)
    assert one.text == f"{one.get_qualifier_display()} 1 participant"


def test_two_members_stay_plural(alliance):
    assert figure(alliance, 2).text == "2 members"


def test_one_member_of_a_kind_takes_the_right_article(alliance):
    one = figure(alliance, 1, organization_kind=OrganizationKind.AUTHORITY)
    assert one.text == "1 member that is an education authority"
    one.organization_kind = OrganizationKind.UNIVERSITY
    assert one.text == "1 member that is a university or college"


def test_one_organization_of_a_kind_is_singular(alliance):
    one = figure(
        alliance, 1, metric=Metric.ORGANIZATIONS, organization_kind=OrganizationKind.ENTERPRISE
    )
    assert one.text == "1 enterprise"


def test_every_counted_metric_has_a_singular():
    assert set(METRIC_SINGULAR) == set(Metric) - {Metric.MONEY, Metric.UNITS}


def test_a_figures_time_in_the_sources_words_shows_without_a_date(client, alliance):
    """Trial 14: "13 associations at present" lost its "at present" on the page."""
    figure(alliance, 13, as_of_as_given="at present")
    assert "13 members, at present" in text_of(client, alliance)


def test_a_role_titled_as_the_source_gives_it_keeps_its_capitals(alliance):
    from partnerships.models import AllianceMembership, MemberRole
    from tests.test_views import make_person

    role = AllianceMembership.objects.create(
        alliance=alliance,
        person=make_person("Wei Testhai"),
        role=MemberRole.CHAIR,
        title="Guangzhou University president and alliance chair",
    )
    assert str(role) == (
        "Wei Testhai, Guangzhou University president and alliance chair of Test Wording Alliance"
    )


def test_staff_and_years_of_study_have_metrics_of_their_own(client, alliance):
    """Trial 14: "47,000 faculty and staff" and "a 2.5-year diploma" went in as units named
    in the description."""
    figure(alliance, 47000, metric=Metric.STAFF)
    figure(alliance, "2.5", metric=Metric.YEARS_OF_STUDY)
    page = text_of(client, alliance)
    assert "47,000 staff (faculty and other staff)" in page
    assert "2.5 years of study" in page
