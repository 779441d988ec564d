"""Facts a trial entry of three new real records could not store (issues 17 and 21): other names
of a partnership, found by search; a qualifier on a visit's head-counts ("more than 20
students"); where an agreement was signed; who gave a reported sum of money; documents an
alliance issued outside a meeting we record. Each rule on made-up records: the public page
(a draft never named), search, the admin form an editor uses. Export cells:
tests/test_copy_export.py (Python and PostgreSQL alike)."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

from partnerships.models import (
    Agreement,
    AgreementKind,
    AllianceDocument,
    DocumentKind,
    EventFormat,
    Metric,
    Qualifier,
    ReportedFigure,
    SisterSchoolPartnership,
    Visit,
    VisitDirection,
)
from tests.test_views import (
    DRAFT,
    cite,
    make_alliance,
    make_org,
    make_partnership,
    make_region,
    make_source,
)

from .adminforms import add_row, change_url, form_of, messages_of
from .test_model_gaps import found, text_of, visit

PUBLISHED = "published"


# --------------------------------------------------------------------------- other names


def test_a_partnerships_other_name_is_shown_and_found_by_search(client, visit_world):
    w = visit_world
    partnership = w["partnership"]
    partnership.other_names = "Purple Cloud exchange\n\nMaple–Lotus link"
    partnership.save()
    page = text_of(client, partnership)
    assert "Also called Purple Cloud exchange Maple–Lotus link" in page
    assert found(client, "/partnerships/", "Purple Cloud") == {partnership.pk}


def test_the_site_search_finds_a_partnership_by_its_other_name(client, visit_world):
    partnership = visit_world["partnership"]
    partnership.other_names = "Purple Cloud exchange"
    partnership.save()
    response = client.get("/search/", {"q": "Purple Cloud"})
    assert response.status_code == 200
    assert partnership.get_absolute_url() in response.content.decode()


def test_a_draft_partnerships_other_name_finds_nothing(client, visit_world):
    w = visit_world
    hidden = make_partnership(w["a"], w["unit"], publication=DRAFT)
    hidden.other_names = "Purple Cloud exchange"
    hidden.save()
    assert found(client, "/partnerships/", "Purple Cloud") == set()


# --------------------------------------------------------------------------- head-counts


def test_a_visits_head_counts_keep_the_sources_qualifier(client, visit_world):
    w = visit_world
    visit(w, students=20, teachers=3, headcount_qualifier=Qualifier.OVER)
    page = text_of(client, w["partnership"])
    assert "over 3 teachers, over 20 students" in page


def test_exact_head_counts_have_no_qualifier_word(client, visit_world):
    w = visit_world
    visit(w, students=8, teachers=3)
    page = text_of(client, w["partnership"])
    assert "3 teachers, 8 students" in page
    assert "exactly" not in page


def post_visit_row(client_as, w, **values):
    """An editor adds one visit row, cited, to the draft partnership's form and saves it."""
    partnership = w["partnership"]
    SisterSchoolPartnership.objects.filter(pk=partnership.pk).update(publication=DRAFT)
    editor = client_as("editor")
    data = form_of(editor.get(change_url(partnership)))
    row = {"visited_precision": "day", "source": str(w["source"].pk), "paragraph": "1"}
    add_row(data, "visits", {**row, **values})
    return editor.post(change_url(partnership), data)


def test_an_editor_enters_a_visit_with_more_than_its_head_count(client_as, visit_world):
    w = visit_world
    response = post_visit_row(
        client_as,
        w,
        direction="a_to_b",
        visited_on="2011-09-18",
        headcount_qualifier="over",
        students="20",
        places=[str(w["province"].pk)],
    )
    assert response.status_code == 302, messages_of(response)
    saved = w["partnership"].visits.get()
    assert (saved.headcount_qualifier, saved.students) == ("over", 20)
    assert list(saved.places.all()) == [w["province"]]


# --------------------------------------------------------------------------- agreements


def test_the_timeline_says_where_an_agreement_was_signed(client, visit_world):
    w = visit_world
    Agreement.objects.create(
        partnership=w["partnership"], kind=AgreementKind.MOU, place=w["province"]
    )
    page = text_of(client, w["partnership"])
    assert "signed in Test Province" in page


def test_a_draft_place_of_signing_is_never_named(client, visit_world):
    w = visit_world
    Agreement.objects.create(
        partnership=w["partnership"], kind=AgreementKind.MOU, place=w["hidden_place"]
    )
    page = text_of(client, w["partnership"])
    assert "Memorandum of understanding" in page  # the agreement is there
    assert "Draftburg" not in page and "signed in" not in page


# --------------------------------------------------------------------------- figures


@pytest.fixture
def gift(db):
    land = make_region("Giftland")
    school = make_org("Cedar Test School", land)
    alliance = make_alliance("Test Gift Alliance", countries=[land])
    return {
        "alliance": alliance,
        "school": school,
        "hidden": make_org("Hidden Donor Fund", land, publication=DRAFT),
        "source": make_source("A page about the gift"),
    }


def money(alliance, given_by):
    figure = ReportedFigure.objects.create(
        subject_type=ContentType.objects.get_for_model(alliance),
        subject_id=alliance.pk,
        metric=Metric.MONEY,
        currency="USD",
        value=10_000_000,
        given_by=given_by,
        publication=PUBLISHED,
    )
    return figure


def test_a_gift_names_who_gave_it(client, gift):
    money(gift["alliance"], gift["school"])
    page = text_of(client, gift["alliance"])
    assert "USD 10,000,000, given by Cedar Test School" in page


def test_a_draft_donor_is_never_named(client, gift):
    money(gift["alliance"], gift["hidden"])
    page = text_of(client, gift["alliance"])
    assert "USD 10,000,000" in page
    assert "Hidden Donor Fund" not in page and "given by" not in page


def test_gifts_from_two_donors_are_two_figures_not_sources_that_differ(client, gift):
    first = money(gift["alliance"], gift["school"])
    other = make_org("Birch Test Foundation", gift["school"].region)
    second = money(gift["alliance"], other)
    ReportedFigure.objects.filter(pk=second.pk).update(value=2_000_000)
    # Two sources, as two accounts of one count would have.
    cite(first, gift["source"], paragraph=3)
    cite(second, make_source("Another page about gifts"), paragraph=1)
    page = text_of(client, gift["alliance"])
    assert "USD 10,000,000, given by Cedar Test School" in page
    assert "USD 2,000,000, given by Birch Test Foundation" in page
    assert "the sources differ" not in page


def test_the_same_sum_from_two_donors_is_two_figures(gift):
    money(gift["alliance"], gift["school"])
    second = ReportedFigure(
        subject_type=ContentType.objects.get_for_model(gift["alliance"]),
        subject_id=gift["alliance"].pk,
        metric=Metric.MONEY,
        currency="USD",
        value=10_000_000,
        given_by=gift["hidden"],
        publication=PUBLISHED,
    )
    second.full_clean()  # not refused as the first one entered twice


# --------------------------------------------------------------------------- documents


def test_the_alliance_page_lists_its_documents_with_their_citations(client, gift):
    document = AllianceDocument.objects.create(
        alliance=gift["alliance"],
        kind=DocumentKind.PLAN,
        title="Test Cooperation Plan",
        other_titles="Plan for Working Together",
    )
    cite(document, gift["source"], paragraph=4)
    page = text_of(client, gift["alliance"])
    assert "Documents issued Test Cooperation Plan Plan or programme" in page
    assert "Also given as: “Plan for Working Together”" in page
    response = client.get(gift["alliance"].get_absolute_url())
    assert gift["source"].get_absolute_url() in response.content.decode()


def test_a_publisher_adds_a_document_in_the_alliance_form(client_as, gift):
    alliance = gift["alliance"]
    publisher = client_as("publisher")
    data = form_of(publisher.get(change_url(alliance)))
    add_row(
        data,
        "documents",
        {
            "kind": "declaration",
            "title": "Test Declaration",
            "source": str(gift["source"].pk),
            "paragraph": "2",
        },
    )
    response = publisher.post(change_url(alliance), data)
    assert response.status_code == 302, messages_of(response)
    document = alliance.documents.get()
    assert document.title == "Test Declaration"
    assert document.citations.get().paragraph == 2
    assert document.history.count() == 1


def test_an_alliance_documents_link_goes_to_its_alliance(gift):
    document = AllianceDocument.objects.create(
        alliance=gift["alliance"], kind=DocumentKind.OTHER, title="Test Paper"
    )
    assert document.get_absolute_url() == gift["alliance"].get_absolute_url()
    assert str(document) == "Test Paper"


# --------------------------------------------------------------------------- online visits


def test_an_online_exchange_says_so_on_the_partnership_page(client, visit_world):
    w = visit_world
    visit(w, format=EventFormat.ONLINE, direction=VisitDirection.BOTH)
    page = text_of(client, w["partnership"])
    assert "Visits both ways between Lotus Test School and Maple Test District (online or by" in (
        page
    )


def test_a_visit_of_unreported_format_says_nothing_of_it(client, visit_world):
    w = visit_world
    visit(w)
    page = text_of(client, w["partnership"])
    assert "Lotus Test School visited Maple Test District" in page
    assert "in person" not in page and "online" not in page


def test_the_c3_pairings_online_exchanges_are_online(client, cases):
    from partnerships.models import Visit

    online = Visit.objects.filter(format=EventFormat.ONLINE)
    assert {v.partnership.slug for v in online} == {
        "lanzhou-foreign-languages-senior-high-school-minsk-secondary-school-no-23",
        "lanzhou-no-33-middle-school-minsk-secondary-school-no-33",
    }
    page = text_of(client, online.first().partnership)
    assert "(online or by video link)" in page


# --------------------------------------------------------------------------- kinds


def test_every_organization_kind_has_its_plural_for_figures():
    from partnerships.models import KIND_PLURALS, OrganizationKind

    assert set(KIND_PLURALS) == set(OrganizationKind.values)


def test_a_donor_is_a_foundation_found_under_its_kind(client, gift):
    fund = make_org("Test Education Foundation", gift["school"].region, kind="foundation")
    money(gift["alliance"], fund)
    response = client.get("/organizations/", {"kind": "foundation"})
    assert response.status_code == 200
    assert [o.name for o in response.context["object_list"]] == ["Test Education Foundation"]
    assert "Foundation or charity" in text_of(client, fund)


# --------------------------------------------------------------------------- signed on a visit


def test_an_agreement_signed_during_a_visit_links_to_it(client, visit_world):
    w = visit_world
    trip = visit(w)
    Agreement.objects.create(partnership=w["partnership"], kind=AgreementKind.MOU, visit=trip)
    response = client.get(w["partnership"].get_absolute_url())
    html = response.content.decode()
    assert f'during the visit of <a href="#visit-{trip.pk}">18 September 2011</a>' in html
    assert f'id="visit-{trip.pk}"' in html


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"format": "online", "direction": "joint"}, "during the online meeting of"),
        ({"direction": "joint"}, "during the joint event of"),
        ({"occasion": "video conference", "format": "online"}, "during the video conference of"),
    ],
    ids=["online", "joint", "its-own-words"],
)
def test_an_agreement_signed_at_an_event_no_one_travelled_to_is_not_a_visit(
    client, visit_world, fields, words
):
    w = visit_world
    event = visit(w, **fields)
    Agreement.objects.create(partnership=w["partnership"], kind=AgreementKind.MOU, visit=event)
    html = client.get(w["partnership"].get_absolute_url()).content.decode()
    assert f'{words} <a href="#visit-{event.pk}">18 September 2011</a>' in html
    assert "during the visit of" not in html


def test_an_activity_reported_only_as_recent_is_entered_without_a_date(client_as, visit_world):
    response = post_visit_row(
        client_as,
        visit_world,
        direction="b_to_a",
        visited_not_after="2025-10-20",
        visited_as_given="recently",
        headcount_qualifier="exact",
    )
    assert response.status_code == 302, messages_of(response)
    saved = visit_world["partnership"].visits.get()
    assert (saved.visited_on, saved.visited_not_after.isoformat()) == (None, "2025-10-20")


def test_an_agreement_cannot_name_another_partnerships_visit(visit_world):
    w = visit_world
    other = make_partnership(w["a"], w["unit"])
    trip = Visit.objects.create(partnership=other, direction=VisitDirection.A_TO_B)
    agreement = Agreement(partnership=w["partnership"], kind=AgreementKind.MOU, visit=trip)
    with pytest.raises(ValidationError, match="this partnership's own visits"):
        agreement.full_clean()


def test_the_agreement_form_offers_only_this_partnerships_visits(client_as, visit_world):
    w = visit_world
    own = visit(w)
    Visit.objects.create(
        partnership=make_partnership(w["a"], w["unit"]), direction=VisitDirection.A_TO_B
    )
    page = client_as("editor").get(change_url(w["partnership"])).content.decode()
    select = page[page.index('name="agreements-__prefix__-visit"') :]
    select = select[: select.index("</select>")]
    assert select.count("<option") == 2  # the empty choice and the partnership's own visit
    assert f'value="{own.pk}"' in select


def test_the_export_says_where_an_agreement_was_signed(client, visit_world):
    w = visit_world
    Agreement.objects.create(
        partnership=w["partnership"], kind=AgreementKind.MOU, place=w["province"]
    )
    Agreement.objects.create(
        partnership=w["partnership"], kind=AgreementKind.RENEWAL, place=w["hidden_place"]
    )
    body = b"".join(client.get("/partnerships/?format=csv").streaming_content).decode()
    assert "Memorandum of understanding — Signed, signed in Test Province" in body
    assert "Draftburg" not in body
