"""Gaps met by entry trial 27 (helpers entering unseen real reports through the admin): the
organizations that signed an agreement when the source names them (Hanban beside a
university), and an organization's page listing the agreements it signed or that were signed
at it."""

from __future__ import annotations

import pytest

from partnerships.models import Agreement
from tests.test_detail_sources import text
from tests.test_views import DRAFT, make_org

from .adminforms import change_url, form_of, messages_of


@pytest.fixture
def institute_agreement(visit_world):
    partnership = visit_world["partnership"]
    agreement = Agreement.objects.create(
        partnership=partnership,
        kind="agreement",
        status="signed",
        title="Agreement on a Confucius Institute",
    )
    return partnership, agreement, make_org("Test Hanban", kind="authority")


def test_an_editor_enters_the_organizations_that_signed_an_agreement(
    client, client_as, institute_agreement
):
    partnership, agreement, hanban = institute_agreement
    partnership.publication = DRAFT
    partnership.save()
    editor = client_as("editor")
    data = form_of(editor.get(change_url(partnership)))
    prefix = next(k for k in data if k.endswith("-id") and data[k] == str(agreement.pk))[
        : -len("-id")
    ]
    data[f"{prefix}-signed_by"] = [str(hanban.pk)]
    response = editor.post(change_url(partnership), data)
    assert response.status_code == 302, messages_of(response)
    assert list(agreement.signed_by.all()) == [hanban]
    partnership.publication = "published"
    partnership.save()
    page = text(client.get(partnership.get_absolute_url()))
    assert "signed by the organizations Test Hanban" in page


def test_an_organization_page_lists_the_agreements_it_signed(client, institute_agreement):
    partnership, agreement, hanban = institute_agreement
    agreement.signed_by.add(hanban)
    page = text(client.get(hanban.get_absolute_url()))
    assert "Agreements it signed or that were signed here" in page
    assert f"{partnership}: agreement “Agreement on a Confucius Institute”" in page
    assert "(signed by it)" in page


def test_an_organization_page_lists_the_agreements_signed_at_it(client, institute_agreement):
    partnership, agreement, _hanban = institute_agreement
    school = make_org("Test Jinan Foreign Language School")
    agreement.signed_at = school
    agreement.save()
    page = text(client.get(school.get_absolute_url()))
    assert f"{partnership}: agreement" in page
    assert "(signed here)" in page


def test_an_agreement_of_a_draft_partnership_is_not_listed(client, institute_agreement):
    partnership, agreement, hanban = institute_agreement
    agreement.signed_by.add(hanban)
    partnership.publication = DRAFT
    partnership.save()
    page = text(client.get(hanban.get_absolute_url()))
    assert "Agreements it signed" not in page


def test_a_draft_organization_that_signed_is_not_named(client, institute_agreement):
    partnership, agreement, hanban = institute_agreement
    hanban.publication = DRAFT
    hanban.save()
    agreement.signed_by.add(hanban)
    page = text(client.get(partnership.get_absolute_url()))
    assert "Test Hanban" not in page
    assert "signed by the organizations" not in page


def test_the_overview_shows_what_a_figure_counts_in_its_description(client, db):
    from partnerships.models import Metric
    from tests.test_views import make_conference, make_figure

    meeting = make_conference("Test 4th Executive Council Meeting")
    make_figure(
        meeting,
        10,
        Metric.COUNTRIES,
        description="the countries of the 15 universities that decided to join",
    )
    page = text(client.get("/"))
    assert "the countries of the 15 universities that decided to join" in page
