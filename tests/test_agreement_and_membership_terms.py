"""What an agreement and an alliance's membership say of themselves: an agreement's terms,
the length of its term and how it is renewed; who may join an alliance, on what terms, and
whether members pay; a spokesperson or contact among an alliance's roles. Each is entered in
the record's own admin form and shown on its public page."""

from __future__ import annotations

import datetime

import pytest

from partnerships.models import (
    Agreement,
    AgreementKind,
    Alliance,
    AllianceMembership,
    MemberRole,
    MembershipFee,
    Renewal,
    SisterSchoolPartnership,
)
from tests.test_views import DRAFT, csv_rows, make_alliance, make_org, make_person, make_region

from .adminforms import add_row, change_url, form_of, messages_of
from .test_model_gaps import text_of


def agreement_row(source, **values):
    return {
        "kind": "mou",
        "status": "signed",
        "signed_on": "2019-05-01",
        "signed_precision": "month",
        "source": str(source.pk),
        "paragraph": "2",
        **values,
    }


def post_agreement(client_as, w, **values):
    """An editor adds one agreement row to the draft partnership's form and saves it."""
    partnership = w["partnership"]
    SisterSchoolPartnership.objects.filter(pk=partnership.pk).update(publication=DRAFT)
    editor = client_as("editor")
    data = form_of(editor.get(change_url(partnership)))
    add_row(data, "agreements", agreement_row(w["source"], **values))
    return editor.post(change_url(partnership), data)


def test_an_editor_enters_an_agreements_terms_length_and_renewal(client_as, visit_world):
    response = post_agreement(
        client_as,
        visit_world,
        terms="Each side hosts the other's students in families\nThe visitors pay their fares",
        term_length_years="5",
        renewal="by_agreement",
    )
    assert response.status_code == 302, messages_of(response)
    saved = visit_world["partnership"].agreements.get()
    assert saved.terms_list == [
        "Each side hosts the other's students in families",
        "The visitors pay their fares",
    ]
    assert (saved.term_length_years, saved.renewal) == (5, Renewal.BY_AGREEMENT)


def test_a_term_of_five_hundred_years_is_a_form_error(client_as, visit_world):
    response = post_agreement(client_as, visit_world, term_length_years="500")
    assert response.status_code == 200
    assert "Ensure this value is less than or equal to 99." in response.content.decode()
    assert not visit_world["partnership"].agreements.exists()


def test_the_timeline_shows_the_terms_the_length_and_the_renewal(client, visit_world):
    w = visit_world
    Agreement.objects.create(
        partnership=w["partnership"],
        kind=AgreementKind.MOU,
        signed_on=datetime.date(2019, 5, 1),
        term_start_year=2019,
        term_length_years=5,
        renewal=Renewal.AUTOMATIC,
        terms="Teachers visit each other every year",
    )
    page = text_of(client, w["partnership"])
    assert "term from 2019, 5 years; renews itself unless a party ends it" in page
    assert "Teachers visit each other every year" in page


def test_a_length_alone_reads_as_the_term(client, visit_world):
    w = visit_world
    Agreement.objects.create(
        partnership=w["partnership"], kind=AgreementKind.AGREEMENT, term_length_years=1
    )
    assert "term 1 year" in text_of(client, w["partnership"])


def test_the_csv_history_carries_the_length_and_the_renewal(client, visit_world):
    w = visit_world
    Agreement.objects.create(
        partnership=w["partnership"],
        kind=AgreementKind.MOU,
        title="Exchange MOU",
        term_length_years=3,
        renewal=Renewal.AUTOMATIC,
    )
    [row] = csv_rows(client.get("/partnerships/?format=csv&q=Lotus"))
    assert row["agreements"] == (
        "date not reported: Exchange MOU — Signed, term 3 years, "
        "renews itself unless a party ends it"
    )


@pytest.fixture
def alliance(db):
    land = make_region("Joinland")
    return make_alliance("Test Joining Alliance", countries=[land])


def test_the_alliance_page_shows_its_terms_of_membership(client, alliance):
    Alliance.objects.filter(pk=alliance.pk).update(
        membership_fee=MembershipFee.FREE,
        membership_terms="Open to universities of member countries\nAll members have equal rights",
    )
    page = text_of(client, alliance)
    assert "Terms of membership No fee Open to universities of member countries" in page
    assert "All members have equal rights" in page


def test_an_alliance_without_terms_shows_no_heading_for_them(client, alliance):
    assert "Terms of membership" not in text_of(client, alliance)


def test_a_publisher_enters_terms_of_membership_in_the_alliance_form(client_as, alliance):
    publisher = client_as("publisher")
    data = form_of(publisher.get(change_url(alliance)))
    data["membership_fee"] = ["fee"]
    data["membership_terms"] = ["Members pay a yearly fee\nNew members join by invitation"]
    response = publisher.post(change_url(alliance), data)
    assert response.status_code == 302, messages_of(response)
    alliance.refresh_from_db()
    assert alliance.membership_fee == MembershipFee.FEE
    assert alliance.membership_terms_list == [
        "Members pay a yearly fee",
        "New members join by invitation",
    ]


def test_the_alliance_export_carries_the_terms_of_membership(client, alliance):
    Alliance.objects.filter(pk=alliance.pk).update(
        membership_fee=MembershipFee.FEE, membership_terms="By invitation\nEqual rights"
    )
    (row,) = csv_rows(client.get("/alliances/", {"format": "csv", "q": "Joining"}))
    assert (row["membership_fee"], row["membership_terms"]) == (
        "Members pay a fee",
        "By invitation; Equal rights",
    )


def test_a_spokesperson_is_named_with_that_role(client, alliance):
    school = make_org("Joinland Test University", alliance.countries.get())
    AllianceMembership.objects.create(
        alliance=alliance,
        person=make_person("Test Speaker Person", school),
        organization=school,
        role=MemberRole.SPOKESPERSON,
    )
    page = text_of(client, alliance)
    assert "Test Speaker Person (Joinland Test University) Spokesperson" in page


def test_the_timeline_and_the_export_say_at_which_body_it_was_signed(client, visit_world):
    """Trial 14: "signed at UNE" had no place: "signed in" takes a city or region."""
    w = visit_world
    Agreement.objects.create(
        partnership=w["partnership"], kind=AgreementKind.MOU, signed_at=w["district"]
    )
    Agreement.objects.create(
        partnership=w["partnership"], kind=AgreementKind.LETTER, signed_at=w["hidden_org"]
    )
    page = text_of(client, w["partnership"])
    assert "signed; signed at Maple Test District" in page
    assert "Hidden Draft School" not in page
    [row] = csv_rows(client.get("/partnerships/?format=csv&q=Lotus"))
    assert (
        "Memorandum of understanding — Signed, signed at Maple Test District" in row["agreements"]
    )
    assert "Hidden Draft School" not in row["agreements"]


def test_the_agreement_page_picks_its_places_by_search_not_a_list_of_every_one(
    client_as, visit_world
):
    agreement = Agreement.objects.create(partnership=visit_world["partnership"], kind="mou")
    page = client_as("publisher").get(change_url(agreement)).content.decode()
    for field in ("place", "signed_at"):
        select = page[page.index(f'name="{field}"') - 300 : page.index(f'name="{field}"') + 200]
        assert "admin-autocomplete" in select, field
