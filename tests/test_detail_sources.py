"""The public detail pages show everything the model holds (issues 17 and 21), in plain
words, every entry cited, drafts never shown: a partnership's life (agreements, changes of
status, visits, predecessor and successors, pairings, facilitators), an alliance's roles,
bodies and meetings, a conference's people and documents, a source's provenance, figures
whose sources disagree, and other sources' accounts of a fact.

The records are built as the real cases are (../shared/cases/real-cases.md: C1, C4, C5,
C7), each with a draft beside it.
"""

from __future__ import annotations

import datetime
import html as html_module
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pytest_django.asserts import assertContains, assertNotContains

from partnerships.dates import DatePrecision
from partnerships.models import (
    Agreement,
    AgreementKind,
    AgreementStatus,
    AllianceBody,
    AllianceBodyKind,
    AllianceEvent,
    AllianceKind,
    AllianceMembership,
    AttendanceMode,
    Citation,
    ConferenceDocument,
    DocumentKind,
    EventFormat,
    EventRole,
    FigurePeriod,
    FigureStatus,
    MemberRole,
    Metric,
    OrganizationKind,
    OtherAccount,
    PartnershipLevel,
    PartnershipParty,
    PartnershipPerson,
    PartnershipStatus,
    PartyRole,
    PersonName,
    Qualifier,
    RegionKind,
    Source,
    SourceDateKind,
    SourceReliability,
    Speech,
    StatusChange,
    Visit,
    VisitDirection,
)
from tests.test_views import (
    DRAFT,
    cite,
    make_alliance,
    make_conference,
    make_figure,
    make_org,
    make_partnership,
    make_person,
    make_region,
    make_series,
)
from tests.test_views import make_source as make_test_source


def make_source(title, **fields):
    """A published source; the outlet is "Test Gazette" unless given."""
    outlet = fields.pop("outlet", None)
    source = make_test_source(title, **fields)
    if outlet:
        source.outlet = outlet
        source.save()
    return source


def cite_section(record, source, section, paragraph=None):
    return Citation.objects.create(
        source=source,
        section=section,
        paragraph=paragraph,
        content_type=ContentType.objects.get_for_model(type(record)),
        object_id=record.pk,
    )


def other_account(record, source, fact, value, paragraph=None, section=""):
    return OtherAccount.objects.create(
        content_type=ContentType.objects.get_for_model(type(record)),
        object_id=record.pk,
        fact=fact,
        value=value,
        source=source,
        paragraph=paragraph,
        section=section,
    )


def html(response) -> str:
    return response.content.decode()


def plain(markup: str) -> str:
    """Text as a sighted reader sees it: no tags, no text only for screen readers, single
    spaces."""
    markup = re.sub(r'<span class="visually-hidden">[^<]*</span>', "", markup)
    markup = re.sub(r"</?(a|strong|span|sup|em)\b[^>]*>", "", markup)
    return " ".join(html_module.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def text(response) -> str:
    return plain(html(response))


def section_of(response, heading_id: str) -> str:
    """The HTML of the <section> labelled by ``heading_id``."""
    page = html(response)
    start = page.index(f'aria-labelledby="{heading_id}"')
    return page[start : page.index("</section>", start)]


# --------------------------------------------------------------------------- C1: one life


@pytest.fixture
def c1(db):
    """C1: Delano Public Schools and Ziyun High School (2005-), following on from Delano's
    partnership with Tanggu No. 1 Middle School (summer 1994, ended 2005); the 2005
    agreement, a draft agreement beside it, yearly visits with head-counts."""
    us = make_region("United States")
    minnesota = make_region("Minnesota", kind=RegionKind.PROVINCE, parent=us, iso_code="US-MN")
    china = make_region("China")
    tianjin = make_region("Tianjin", kind=RegionKind.PROVINCE, parent=china, iso_code="CN-TJ")
    delano = make_org("Delano Public Schools", minnesota, kind=OrganizationKind.SCHOOL_BOARD)
    ziyun = make_org("Ziyun High School", tianjin)
    tanggu = make_org("Tanggu No. 1 Middle School", tianjin)
    hidden_org = make_org("Hidden Draft Academy", tianjin, publication=DRAFT)
    history = make_source(
        "History of Sister School Relationships",
        outlet="Delano Public Schools",
        published_on=None,
    )
    agreement_page = make_source("Sister School Agreement", outlet="Delano Public Schools")
    news_2017 = make_source(
        "Chinese visitors impressed at Delano",
        published_on=datetime.date(2017, 10, 16),
        date_kind=SourceDateKind.POSTED,
    )
    old = make_partnership(
        delano,
        tanggu,
        status=PartnershipStatus.ENDED,
        established_on=datetime.date(1994, 1, 1),
        established_precision=DatePrecision.YEAR,
        summary="Formalized after a visit in summer 1994.",
    )
    cite_section(old, history, "History")
    ended = StatusChange.objects.create(
        partnership=old,
        status=PartnershipStatus.ENDED,
        changed_on=datetime.date(2005, 1, 1),
        changed_precision=DatePrecision.YEAR,
        note="The Tanggu school ended the relationship.",
    )
    cite_section(ended, history, "History")
    current = make_partnership(
        delano,
        ziyun,
        status=PartnershipStatus.ACTIVE,
        established_on=datetime.date(2005, 1, 1),
        established_precision=DatePrecision.YEAR,
        predecessor=old,
        source_label="sister school",
        summary="Visits every year since 2005.",
    )
    cite_section(current, history, "History")
    agreement = Agreement.objects.create(
        partnership=current,
        kind=AgreementKind.AGREEMENT,
        title="Agreement on Sino-US Friendship Sister School",
        signed_on=datetime.date(2005, 3, 1),
        signed_precision=DatePrecision.MONTH,
        term_start_year=2005,
        term_end_year=2015,
    )
    cite(agreement, agreement_page, paragraph=2)
    draft_signatory = make_person("Hidden Draft Signatory", delano, publication=DRAFT)
    signatory = make_person("Lanette Faul", delano, position="Mathematics teacher")
    agreement.signatories.set([signatory, draft_signatory])
    renewal = Agreement.objects.create(
        partnership=current,
        kind=AgreementKind.RENEWAL,
        status=AgreementStatus.DUE,
        title="Renewal year",
        signed_on=datetime.date(2021, 1, 1),
        signed_precision=DatePrecision.YEAR,
    )
    cite(renewal, agreement_page, paragraph=3)
    visit_2017 = Visit.objects.create(
        partnership=current,
        direction=VisitDirection.B_TO_A,
        visited_on=datetime.date(2017, 9, 24),
        visited_precision=DatePrecision.DAY,
        visited_year_inferred=True,
        visited_year_basis="from the page's date",
        ends_on=datetime.date(2017, 9, 30),
        teachers=3,
        students=8,
        description="They stayed with host families.",
    )
    cite(visit_2017, news_2017, paragraph=2)
    yearly = Visit.objects.create(
        partnership=current,
        direction=VisitDirection.A_TO_B,
        recurrence="every year during spring break",
    )
    cite_section(yearly, history, "History")
    PartnershipParty.objects.create(
        partnership=current,
        organization=make_org("China International Exchange Association of Education", china),
        role=PartyRole.FACILITATOR,
    )
    PartnershipParty.objects.create(
        partnership=current, organization=hidden_org, role=PartyRole.WITNESS
    )
    return {
        "old": old,
        "current": current,
        "agreement": agreement,
        "renewal": renewal,
        "visit": visit_2017,
        "delano": delano,
        "ziyun": ziyun,
        "tianjin": tianjin,
        "signatory": signatory,
        "history": history,
        "agreement_page": agreement_page,
        "news": news_2017,
    }


def test_partnership_page_says_which_partnership_it_follows_on_from(client, c1):
    response = client.get(c1["current"].get_absolute_url())
    assertContains(response, "Follows on from")
    assertContains(response, f'href="{c1["old"].get_absolute_url()}"')
    assert "Delano Public Schools – Tanggu No. 1 Middle School (ended; established 1994)" in text(
        response
    )


def test_ended_partnership_page_links_the_one_that_followed_it(client, c1):
    response = client.get(c1["old"].get_absolute_url())
    assertContains(response, "Followed by")
    assertContains(response, f'href="{c1["current"].get_absolute_url()}"')
    assert "Status: Ended" in text(response)


def test_a_predecessor_whose_party_is_a_draft_is_not_linked(client, c1):
    c1["old"].party_b.publication = DRAFT
    c1["old"].party_b.save()
    response = client.get(c1["current"].get_absolute_url())
    assertNotContains(response, "Follows on from")
    assertNotContains(response, "Tanggu")


def test_timeline_lists_agreements_changes_and_visits_oldest_first(client, c1):
    history = section_of(client.get(c1["current"].get_absolute_url()), "history-heading")
    order = [
        history.index("Agreement on Sino-US Friendship Sister School"),
        history.index("3 teachers, 8 students"),
        history.index("Renewal year"),
        history.index("every year during spring break"),  # no date: last
    ]
    assert order == sorted(order)


def test_timeline_puts_a_year_only_date_after_the_dated_entries_of_that_year(client, c1):
    """An ending announced in March 2024 and effective "2024" (the year only): the year is
    the whole of 2024, so the ending comes after the announcement, not on 1 January."""
    current = c1["current"]
    for status, precision, month in (("ended", "year", 1), ("ending", "month", 3)):
        StatusChange.objects.create(
            partnership=current,
            status=status,
            changed_on=datetime.date(2024, month, 1),
            changed_precision=precision,
        )
    history = section_of(client.get(current.get_absolute_url()), "history-heading")
    assert history.count("Status: Ended") == 1
    assert history.index("Status: Termination announced") < history.index("Status: Ended")


def test_timeline_agreement_reads_kind_title_status_date_and_term(client, c1):
    page = text(client.get(c1["current"].get_absolute_url()))
    assert (
        "March 2005 — Agreement “Agreement on Sino-US Friendship Sister School”: signed; "
        "term 2005–2015; signed by Lanette Faul" in page
    )
    assert "2021 — Renewal “Renewal year”: due (not reported as done)" in page


def test_timeline_links_signatories_and_leaves_out_a_draft_one(client, c1):
    response = client.get(c1["current"].get_absolute_url())
    assertContains(response, f'href="{c1["signatory"].get_absolute_url()}"')
    assertNotContains(response, "Hidden Draft Signatory")


def test_timeline_names_the_conference_of_an_agreement_only_when_published(client, c1):
    summit = make_conference("Sister School Summit", held_on=datetime.date(2005, 3, 1))
    c1["agreement"].conference = summit
    c1["agreement"].save()
    history = section_of(client.get(c1["current"].get_absolute_url()), "history-heading")
    assert f'at <a href="{summit.get_absolute_url()}">Sister School Summit</a>' in history
    summit.publication = DRAFT
    summit.save()
    response = client.get(c1["current"].get_absolute_url())
    assertNotContains(response, "Sister School Summit")


def test_timeline_visit_says_which_way_in_words_with_its_head_counts(client, c1):
    page = text(client.get(c1["current"].get_absolute_url()))
    assert (
        "24–30 September 2017 (year inferred: from the page's date) — Ziyun High School "
        "visited Delano Public Schools; 3 teachers, 8 students" in page
    )
    assert (
        "date not reported — Delano Public Schools visited Ziyun High School; recurs: every "
        "year during spring break" in page
    )


def test_timeline_head_counts_say_one_teacher_not_one_teachers(client, c1):
    cite(Visit.objects.create(partnership=c1["current"], teachers=1, others=2), c1["news"])
    history = plain(section_of(client.get(c1["current"].get_absolute_url()), "history-heading"))
    assert "1 teacher, 2 other people" in history


def test_timeline_year_only_date_never_reads_as_a_full_date(client, c1):
    response = client.get(c1["old"].get_absolute_url())
    assert "2005 — Status: Ended" in text(response)
    assertNotContains(response, "1 January 2005")


def test_every_timeline_entry_is_cited(client, c1):
    history = section_of(client.get(c1["current"].get_absolute_url()), "history-heading")
    entries = history.split("<li>")[1:]
    assert len(entries) == 4
    assert all('class="cite"' in entry for entry in entries)


def test_a_section_citation_shows_the_section_in_the_references(client, c1):
    response = client.get(c1["current"].get_absolute_url())
    references = section_of(response, "references-heading")
    assert '#section-history">Section “History”</a>.' in references
    assertContains(response, 'title="History of Sister School Relationships, section “History”"')


def test_the_same_source_cited_at_two_places_is_one_reference_naming_both(client, c1):
    """Issue 19: references to the same source on one page are grouped."""
    response = client.get(c1["current"].get_absolute_url())
    refs = response.context["refs"].entries
    places = [(ref.source.title, ref.locator) for ref in refs]
    assert ("Sister School Agreement", "paragraphs 2 and 3") in places
    assert len({ref.source.pk for ref in refs}) == len(refs)


def test_facilitator_is_named_as_facilitator_not_as_a_party(client, c1):
    response = client.get(c1["current"].get_absolute_url())
    page = text(response)
    assert "Facilitated (not a party) China International Exchange Association of Education" in page
    parties = page[page.index("Parties") : page.index("Facilitated (not a party)")]
    assert "China International Exchange" not in parties


def test_a_draft_witness_is_not_named(client, c1):
    response = client.get(c1["current"].get_absolute_url())
    assertNotContains(response, "Witnessed (not a party)")
    assertNotContains(response, "Hidden Draft Academy")


def test_a_body_that_led_the_project_is_named_as_such_not_as_a_party(client, c1):
    PartnershipParty.objects.create(
        partnership=c1["current"],
        organization=make_org("China Educational Administration", c1["tianjin"]),
        role=PartyRole.LEAD,
    )
    page = text(client.get(c1["current"].get_absolute_url()))
    assert "Led the project (not a party) China Educational Administration" in page


def test_the_sources_own_label_is_shown_next_to_our_level(client, c1):
    page = text(client.get(c1["current"].get_absolute_url()))
    assert "Level School to school (the source’s own word: “sister school”)" in page


def test_parent_agreement_shows_pairings_reported_and_links_the_named_ones(client, c1):
    authority_a = make_org("Tianjin Binhai Education Bureau", c1["tianjin"], kind="authority")
    authority_b = make_org("Minnesota Department of Education", kind="authority")
    parent = make_partnership(
        authority_a,
        authority_b,
        level=PartnershipLevel.COMPREHENSIVE,
        pairings_reported=10,
    )
    c1["current"].parent = parent
    c1["current"].save()
    draft_pairing = make_partnership(
        make_org("Hidden Draft School", c1["tianjin"], publication=DRAFT),
        c1["delano"],
        parent=parent,
    )
    response = client.get(parent.get_absolute_url())
    assert "Pairings under this agreement 10 pairings, 1 named:" in text(response)
    assertContains(response, f'href="{c1["current"].get_absolute_url()}"')
    assertNotContains(response, draft_pairing.get_absolute_url())
    child = client.get(c1["current"].get_absolute_url())
    assertContains(child, "Came from the wider partnership")
    assertContains(child, f'href="{parent.get_absolute_url()}"')


def test_other_account_of_a_partnership_fact_says_the_sources_differ(client, c1):
    other = make_source("Delano Herald Journal report", published_on=datetime.date(2009, 6, 22))
    other_account(c1["current"], other, "established", "2006, the first visit", paragraph=4)
    hidden = make_source("Hidden draft report", publication=DRAFT)
    other_account(c1["current"], hidden, "status", "suspended", paragraph=1)
    response = client.get(c1["current"].get_absolute_url())
    differ = section_of(response, "differ-heading")
    assert "Established</strong>: another source says 2006, the first visit" in differ
    assert 'class="cite"' in differ
    facts = text(response)
    assert (
        "Established 2005 The sources differ: on “established”, another source says 2006, "
        "the first visit" in facts
    )
    assertNotContains(response, "suspended")
    assertNotContains(response, "Hidden draft report")


def lone_partnership(name):
    land = make_region(f"{name}land")
    return make_partnership(make_org(f"{name} School A", land), make_org(f"{name} School B", land))


def test_a_source_that_contradicts_itself_is_not_called_another_source(client, db):
    """Trial 14: a page gave "13 October" in its introduction and "13 November" below."""
    partnership = lone_partnership("Selfcontra")
    page = make_source("Self-contradicting announcement")
    cite(partnership, page, paragraph=2)
    other_account(partnership, page, "established", "2006", paragraph=1)
    response = client.get(partnership.get_absolute_url())
    differ = section_of(response, "differ-heading")
    assert "Established</strong>: the same source also says 2006" in differ
    assert "another source" not in differ
    assert "on “established”, the same source also says 2006" in text(response)


def test_with_two_sources_cited_a_differing_one_is_another_source(client, db):
    """The record cites A and B and B gives another date: which source the page's date
    comes from cannot be told, so the page does not say A contradicts itself."""
    partnership = lone_partnership("Twosource")
    first, second = make_source("First twosource page"), make_source("Second twosource page")
    cite(partnership, first, paragraph=1)
    cite(partnership, second, paragraph=3)
    other_account(partnership, second, "established", "2006", paragraph=3)
    differ = section_of(client.get(partnership.get_absolute_url()), "differ-heading")
    assert "Established</strong>: another source says 2006" in differ
    assert "same source" not in differ


def test_other_account_of_an_agreement_is_shown_in_its_timeline_entry(client, c1):
    other = make_source("NC State News item")
    other_account(c1["agreement"], other, "date", "May 2005", section="Announcement")
    history = section_of(client.get(c1["current"].get_absolute_url()), "history-heading")
    assert "on “date”, another source says May 2005" in history


def test_person_page_lists_the_agreements_they_signed(client, c1):
    response = client.get(c1["signatory"].get_absolute_url())
    agreements = section_of(response, "agreements-heading")
    assert "Agreement on Sino-US Friendship Sister School" in agreements
    assert c1["current"].get_absolute_url() in agreements
    assert "signed March 2005" in agreements


def test_organization_page_lists_its_role_as_facilitator(client, c1):
    facilitator = PartnershipParty.objects.get(role=PartyRole.FACILITATOR).organization
    response = client.get(facilitator.get_absolute_url())
    roles = section_of(response, "partnership-roles-heading")
    assert c1["current"].get_absolute_url() in roles
    assert "facilitated (not a party)" in roles


def test_source_page_lists_the_parts_of_records_that_cite_it_with_their_place(client, c1):
    response = client.get(c1["agreement_page"].get_absolute_url())
    cited = section_of(response, "cited-heading")
    assert "Agreement on Sino-US Friendship Sister School (Delano Public Schools – Ziyun" in cited
    assert "paragraph 2" in cited
    c1["current"].publication = DRAFT
    c1["current"].save()
    response = client.get(c1["agreement_page"].get_absolute_url())
    assertNotContains(response, "Agreement on Sino-US Friendship Sister School")


def test_partnership_page_queries_do_not_grow_with_its_history(client, c1):
    """One row of each kind (agreements, changes, visits, parties) or two: the same number
    of queries."""

    def queries():
        client.get(c1["current"].get_absolute_url())
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(c1["current"].get_absolute_url())
        assert response.status_code == 200
        return len(ctx.captured_queries)

    current = c1["current"]
    cite(StatusChange.objects.create(partnership=current, status="active"), c1["news"])
    before = queries()
    more = Agreement.objects.create(partnership=current, kind=AgreementKind.MOU)
    more.signatories.set([make_person("Another Signatory")])
    cite(more, c1["agreement_page"], paragraph=5)
    cite(Visit.objects.create(partnership=current, teachers=2, students=5), c1["news"])
    cite(StatusChange.objects.create(partnership=current, status="renewed"), c1["news"])
    PartnershipParty.objects.create(partnership=current, organization=make_org("Third Party"))
    make_partnership(make_org("Next School"), c1["ziyun"], predecessor=current)
    other_account(more, c1["news"], "title", "a memorandum", paragraph=1)
    assert queries() == before


# --------------------------------------------------------------------------- C5/C7: an alliance


@pytest.fixture
def alliance(db):
    """C5: the Sino-Russian alliance of secondary schools, founded in Harbin, with a Chinese
    and a Russian secretariat, a chair who is a school's principal, a meeting series and a
    meeting; a draft member and a draft meeting beside them."""
    china = make_region("China")
    russia = make_region("Russia")
    heilongjiang = make_region("Heilongjiang", kind=RegionKind.PROVINCE, parent=china)
    harbin = make_region("Harbin", kind=RegionKind.CITY, parent=heilongjiang)
    harbin6 = make_org("Harbin No. 6 Middle School", harbin)
    bureau = make_org("Harbin Education Bureau", harbin, kind=OrganizationKind.AUTHORITY)
    source = make_source("Sino-Russian alliance of middle schools founded")
    parent = make_alliance(
        "Sino-Russian Education Alliances", kind=AllianceKind.MECHANISM, focus="general"
    )
    alliance = make_alliance(
        "Sino-Russian Middle School Alliance",
        countries=[china, russia],
        focus="basic_education",
        founded_on=datetime.date(2018, 1, 12),
        founded_precision=DatePrecision.DAY,
        founded_year_inferred=True,
        founded_year_basis="from the page's address",
        founded_in=harbin,
        part_of=parent,
        other_names="中俄中学联盟\nSino-Russian High School Collaborative Alliance",
    )
    cite(alliance, source)
    initiator = AllianceMembership.objects.create(
        alliance=alliance, organization=bureau, role=MemberRole.INITIATOR, country=china
    )
    cite(initiator, source, paragraph=2)
    AllianceMembership.objects.create(
        alliance=alliance,
        organization=make_org("Hidden Draft Gymnasium", publication=DRAFT),
        role=MemberRole.MEMBER,
    )
    council = AllianceBody.objects.create(
        alliance=alliance, kind=AllianceBodyKind.COUNCIL, name="Council"
    )
    cite(council, source, paragraph=3)
    secretariat = AllianceBody.objects.create(
        alliance=alliance,
        kind=AllianceBodyKind.SECRETARIAT,
        name="Russian secretariat",
        country=russia,
    )
    cite(secretariat, source, paragraph=3)
    chinese_secretariat = AllianceBody.objects.create(
        alliance=alliance,
        kind=AllianceBodyKind.SECRETARIAT,
        name="Chinese secretariat",
        country=china,
        host=harbin6,
    )
    cite(chinese_secretariat, source, paragraph=3)
    principal = make_person("Principal of Harbin No. 6", harbin6, position="Principal")
    PersonName.objects.create(person=principal, name="哈尔滨市第六中学校长", language="zh")
    chair = AllianceMembership.objects.create(
        alliance=alliance,
        body=council,
        person=principal,
        organization=harbin6,
        role=MemberRole.CHAIR,
        title="理事长",
    )
    cite(chair, source, paragraph=4)
    AllianceMembership.objects.create(
        alliance=alliance,
        body=secretariat,
        person=make_person("Hidden Draft Director", publication=DRAFT),
        role=MemberRole.DIRECTOR,
        country=russia,
    )
    series = make_series(
        "Annual meeting of the Sino-Russian Middle School Alliance",
        alliance=alliance,
        frequency="every year",
    )
    meeting = make_conference(
        "First sports summer camp of the alliance", host_region=harbin, alliance=alliance
    )
    Speech.objects.create(conference=meeting, person=principal, role=EventRole.CHAIR)
    make_conference(
        "Hidden draft meeting", host_region=harbin, alliance=alliance, publication=DRAFT
    )
    return {
        "alliance": alliance,
        "parent": parent,
        "principal": principal,
        "harbin6": harbin6,
        "harbin": harbin,
        "series": series,
        "meeting": meeting,
        "source": source,
        "russia": russia,
    }


def test_alliance_page_says_its_kind_and_what_it_is_part_of(client, alliance):
    response = client.get(alliance["alliance"].get_absolute_url())
    page = text(response)
    assert "Kind Alliance or consortium; focus: primary and secondary education" in page
    assertContains(response, f'href="{alliance["parent"].get_absolute_url()}"')
    parent = client.get(alliance["parent"].get_absolute_url())
    assertContains(parent, "Programmes and alliances within it")
    assertContains(parent, f'href="{alliance["alliance"].get_absolute_url()}"')


def test_alliance_page_gives_its_founding_date_with_the_inferred_year_and_place(client, alliance):
    response = client.get(alliance["alliance"].get_absolute_url())
    page = text(response)
    assert "Founded 12 January 2018 (year inferred: from the page's address)" in page
    assert "Founded in Harbin" in page
    assertContains(response, f'href="{alliance["harbin"].get_absolute_url()}"')


def test_alliance_page_lists_each_body_with_its_side_host_and_members(client, alliance):
    response = client.get(alliance["alliance"].get_absolute_url())
    bodies = section_of(response, "bodies-heading")
    council = bodies[bodies.index("<h3>Council</h3>") : bodies.index("<h3>Chinese")]
    assert alliance["principal"].get_absolute_url() in council
    assert "Chair; as the source puts it: “理事长”" in plain(council)
    chinese = bodies[bodies.index("<h3>Chinese secretariat") : bodies.index("<h3>Russian")]
    assert "Secretariat, for the side of China, hosted by Harbin No. 6" in plain(chinese)
    assert alliance["harbin6"].get_absolute_url() in chinese
    russian = bodies[bodies.index("<h3>Russian secretariat") :]
    assert "for the side of Russia" in russian
    assert "No members named in the sources." in russian
    assertNotContains(response, "Hidden Draft Director")


def test_alliance_page_lists_members_with_role_and_side_but_not_drafts(client, alliance):
    response = client.get(alliance["alliance"].get_absolute_url())
    members = section_of(response, "members-heading")
    assert "Harbin Education Bureau" in members
    assert "Initiator or founding member, for the side of China" in members
    assert "Principal of Harbin No. 6" not in members  # a council member, listed there
    assertNotContains(response, "Hidden Draft Gymnasium")


def test_alliance_page_links_its_meeting_series_and_meetings_but_not_a_draft(client, alliance):
    response = client.get(alliance["alliance"].get_absolute_url())
    meetings = section_of(response, "meetings-heading")
    assert alliance["series"].get_absolute_url() in meetings
    assert "(every year)" in meetings
    assert alliance["meeting"].get_absolute_url() in meetings
    assert "Hidden draft meeting" not in meetings


def test_conference_and_series_pages_link_the_alliance_whose_meeting_they_are(client, alliance):
    url = alliance["alliance"].get_absolute_url()
    conference = client.get(alliance["meeting"].get_absolute_url())
    assert "Meeting of Sino-Russian Middle School Alliance" in text(conference)
    assertContains(conference, f'href="{url}"')
    series = client.get(alliance["series"].get_absolute_url())
    assert "Meetings of Sino-Russian Middle School Alliance" in text(series)
    assert "How often every year" in text(series)


def test_a_draft_alliance_is_not_linked_from_its_meeting(client, alliance):
    alliance["alliance"].publication = DRAFT
    alliance["alliance"].save()
    response = client.get(alliance["meeting"].get_absolute_url())
    assertNotContains(response, "Meeting of")
    assertNotContains(response, "Sino-Russian Middle School Alliance<")


def test_organization_page_lists_its_alliance_roles_and_the_bodies_it_hosts(client, alliance):
    response = client.get(alliance["harbin6"].get_absolute_url())
    memberships = section_of(response, "memberships-heading")
    assert "Chair, Council" in memberships
    assert "held by" in memberships
    assert alliance["principal"].get_absolute_url() in memberships
    assert "Bodies of alliances hosted here" in memberships
    assert "Chinese secretariat" in memberships


def test_person_page_lists_alliance_roles_event_roles_and_other_names(client, alliance):
    response = client.get(alliance["principal"].get_absolute_url())
    page = text(response)
    assert "Chair, Council: Sino-Russian Middle School Alliance" in page
    assert "as the source puts it: “理事长”" in page
    assert "Chaired: First sports summer camp of the alliance" in page
    assert "Also written 哈尔滨市第六中学校长 (Chinese)" in page


def test_person_held_role_is_listed_on_the_source_page(client, alliance):
    response = client.get(alliance["source"].get_absolute_url())
    cited = section_of(response, "cited-heading")
    assert "Principal of Harbin No. 6, 理事长 of Sino-Russian Middle School Alliance" in cited
    assert "Council (Sino-Russian Middle School Alliance)" in cited


# --------------------------------------------------------------------------- C8: a conference


@pytest.fixture
def week(db):
    """C8: an edition of the China–ASEAN Education Cooperation Week, held online and in
    person in two places, with people in several roles, a document with two titles and an
    agreement renewed there."""
    china = make_region("China")
    guizhou = make_region("Guizhou", kind=RegionKind.PROVINCE, parent=china)
    guiyang = make_region("Guiyang", kind=RegionKind.CITY, parent=guizhou)
    guian = make_region("Gui'an New Area", kind=RegionKind.CITY, parent=guizhou)
    hidden_region = make_region("Hidden Draft City", kind=RegionKind.CITY, publication=DRAFT)
    source = make_source("2021 China-ASEAN Education Cooperation Week opens")
    conference = make_conference(
        "2021 China-ASEAN Education Cooperation Week",
        host_region=guian,
        held_on=datetime.date(2021, 9, 24),
        other_names="中国—东盟教育交流周\nChina-ASEAN Educational Exchange Week",
        theme="Jointly building a shared future",
        format=EventFormat.HYBRID,
    )
    conference.other_host_regions.set([guiyang, hidden_region])
    cite(conference, source)
    speaker = make_person("Sun Chunlan", position="Vice Premier")
    chair = make_person("Conference Chair")
    hidden = make_person("Hidden Draft Speaker", publication=DRAFT)
    for person, role in ((speaker, EventRole.SPEAKER), (chair, EventRole.CHAIR)):
        cite(Speech.objects.create(conference=conference, person=person, role=role), source)
    Speech.objects.create(conference=conference, person=hidden, role=EventRole.SPEAKER)
    document = ConferenceDocument.objects.create(
        conference=conference,
        kind=DocumentKind.DECLARATION,
        title="Guiyang Declaration",
        other_titles="贵阳宣言\nGuiyang Statement",
    )
    cite(document, source, paragraph=3)
    centre = make_org("ASEAN-China Centre", kind=OrganizationKind.NETWORK)
    seameo = make_org("SEAMEO", kind=OrganizationKind.NETWORK)
    mou = make_partnership(centre, seameo, level=PartnershipLevel.GOVERNMENT)
    renewed = Agreement.objects.create(
        partnership=mou,
        kind=AgreementKind.RENEWAL,
        title="Tripartite MoU",
        conference=conference,
        signed_on=datetime.date(2021, 9, 24),
    )
    cite(renewed, source, paragraph=4)
    return {"conference": conference, "document": document, "mou": mou, "source": source}


def test_conference_page_gives_other_names_theme_format_and_places(client, week):
    response = client.get(week["conference"].get_absolute_url())
    page = text(response)
    assert "Also called 中国—东盟教育交流周 China-ASEAN Educational Exchange Week" in page
    assert "Theme Jointly building a shared future" in page
    assert "Format In person and online" in page
    assert "Where Gui'an New Area" in page
    assert "Also held in Guiyang" in page
    assertNotContains(response, "Hidden Draft City")


def test_conference_page_groups_people_by_their_role(client, week):
    response = client.get(week["conference"].get_absolute_url())
    people = section_of(response, "speakers-heading")
    spoke = people[people.index("<h3>Spoke</h3>") : people.index("<h3>Chaired</h3>")]
    chaired = people[people.index("<h3>Chaired</h3>") :]
    assert "Sun Chunlan" in spoke and "Vice Premier" in spoke
    assert "Conference Chair" in chaired
    assertNotContains(response, "Hidden Draft Speaker")


def test_conference_page_lists_documents_with_their_other_titles(client, week):
    documents = section_of(client.get(week["conference"].get_absolute_url()), "documents-heading")
    assert "Guiyang Declaration" in documents
    assert "Also given as: “贵阳宣言”; “Guiyang Statement”" in documents
    assert 'class="cite"' in documents


def test_conference_page_lists_agreements_signed_at_it(client, week):
    response = client.get(week["conference"].get_absolute_url())
    founded = section_of(response, "founded-heading")
    assert "Renewal “Tripartite MoU”, signed" in founded
    assert week["mou"].get_absolute_url() in founded
    week["mou"].party_b.publication = DRAFT
    week["mou"].party_b.save()
    response = client.get(week["conference"].get_absolute_url())
    assertNotContains(response, "Tripartite MoU")


# --------------------------------------------------------------------------- sources


@pytest.fixture
def sources(db):
    """The Jiangsu report (updated, not published, on that date), a translation that
    reached its outlet through another, a mirror of it and a draft mirror."""
    jiangsu = make_source(
        "Jiangsu strengthens global educational bonds",
        outlet="studychina.chinaservicesinfo.com",
        published_on=datetime.date(2023, 11, 24),
        date_kind=SourceDateKind.UPDATED,
    )
    xinhua = make_source(
        "Alliance of special education schools founded",
        outlet="English edition",
        original_outlet="Xinhua",
        via="Russian-language edition",
        language="en",
        is_translation=True,
        original_language="zh",
        authors="A. Reporter, B. Writer",
        reliability=SourceReliability.TRANSLATION,
        reliability_note="Translated twice; wording may differ from the original.",
        url="https://example.org/xinhua",
    )
    mirror = make_source(
        "Alliance of special education schools founded (repost)",
        outlet="Aggregator",
        mirror_of=xinhua,
        reliability=SourceReliability.MIRROR,
        published_on=datetime.date(2023, 1, 1),
        published_precision=DatePrecision.YEAR,
        date_kind=SourceDateKind.ADDRESS,
    )
    make_source(
        "Hidden draft repost", outlet="Another aggregator", mirror_of=xinhua, publication=DRAFT
    )
    return {"jiangsu": jiangsu, "xinhua": xinhua, "mirror": mirror}


def test_source_page_says_what_its_date_is(client, sources):
    response = client.get(sources["jiangsu"].get_absolute_url())
    assert "Date Updated 24 November 2023" in text(response)
    assertNotContains(response, "Published 24 November 2023")


def test_source_page_gives_the_outlet_chain_languages_authors_and_kind(client, sources):
    page = text(client.get(sources["xinhua"].get_absolute_url()))
    assert (
        "Outlets, from the original to where we read it Xinhua → Russian-language edition → "
        "English edition" in page
    )
    assert "Language English (a translation from Chinese)" in page
    assert "Authors or reporters A. Reporter, B. Writer" in page
    assert "Kind of page Translation Translated twice; wording may differ" in page
    assert "Where to read it https://example.org/xinhua" in page


def test_source_page_links_its_mirrors_but_not_a_draft_one(client, sources):
    response = client.get(sources["xinhua"].get_absolute_url())
    assertContains(response, "Reposted or mirrored by")
    assertContains(response, f'href="{sources["mirror"].get_absolute_url()}"')
    assertNotContains(response, "Hidden draft repost")
    mirror = client.get(sources["mirror"].get_absolute_url())
    assert "Reposts or mirrors Alliance of special education schools founded (English" in text(
        mirror
    )
    assert "Date 2023, from the page’s address (no date printed)" in text(mirror)
    assertNotContains(mirror, "1 January 2023")


def test_a_draft_original_is_not_linked_from_its_mirror(client, sources):
    sources["xinhua"].publication = DRAFT
    sources["xinhua"].save()
    response = client.get(sources["mirror"].get_absolute_url())
    assertNotContains(response, "Reposts or mirrors")


def test_reference_list_says_what_the_sources_date_is(client, sources):
    org = make_org("Jiangsu Provincial Department of Education")
    cite(org, sources["jiangsu"], paragraph=2)
    references = section_of(client.get(org.get_absolute_url()), "references-heading")
    assert "Updated 24 November 2023." in references
    source = sources["jiangsu"].get_absolute_url()
    assert f'<a href="{source}#paragraph-2">Paragraph 2</a>.' in references


def test_source_page_lists_where_it_gives_another_account(client, sources):
    org = make_org("Suihua University")
    other_account(org, sources["xinhua"], "kind", "an institute", section="Background")
    response = client.get(sources["xinhua"].get_absolute_url())
    given = section_of(response, "accounts-given-heading")
    assert "on “kind”, it says an institute" in given
    assert "section “Background”" in given
    assert org.get_absolute_url() in given


# --------------------------------------------------------------------------- figures


@pytest.fixture
def counted(db):
    """C5's member counts (two sources disagree on the Russian members) and C3's hybrid
    attendance and running totals."""
    russia = make_region("Russia")
    alliance = make_alliance(
        "Sino-Russian Middle School Alliance", countries=[russia], focus="basic_education"
    )
    one = make_source("Founding report")
    two = make_source("China Higher Ed page")
    three = make_source("Training meeting report")
    eighteen = make_figure(
        alliance,
        18,
        metric=Metric.MEMBERS,
        country=russia,
        description="",
        as_of=datetime.date(2018, 1, 12),
        as_of_year_inferred=True,
        as_of_year_basis="from the page's address",
    )
    twenty = make_figure(  # "in January", no year printed
        alliance,
        20,
        metric=Metric.MEMBERS,
        country=russia,
        description="",
        as_of=datetime.date(1, 1, 1),
        as_of_precision=DatePrecision.MONTH_ONLY,
    )
    cite(eighteen, one, paragraph=2)
    cite(twenty, two, paragraph=1)
    online = make_figure(
        alliance,
        20000,
        metric=Metric.PARTICIPANTS,
        qualifier=Qualifier.NEARLY,
        mode=AttendanceMode.ONLINE,
        as_of=datetime.date(2024, 1, 1),
        as_of_precision=DatePrecision.YEAR,
        description="",
    )
    cite(online, three, paragraph=3)
    for value, on in ((52, datetime.date(2023, 2, 1)), (54, datetime.date(2023, 10, 1))):
        total = make_figure(
            alliance,
            value,
            metric=Metric.ORGANIZATIONS,
            organization_kind=OrganizationKind.SCHOOL,
            as_of=on,
            as_of_precision=DatePrecision.MONTH,
            description="",
        )
        cite(total, three, paragraph=4)
    target = make_figure(
        alliance,
        100,
        metric=Metric.PARTNERSHIPS,
        status=FigureStatus.TARGET,
        description="",
    )
    cite(target, three, paragraph=5)
    yearly = make_figure(
        alliance,
        150,
        metric=Metric.STUDENTS,
        qualifier=Qualifier.OVER,
        period=FigurePeriod.PER_YEAR,
        since_year=2019,
        description="Students sent on exchanges.",
    )
    cite(yearly, three, paragraph=6)
    make_figure(alliance, 999, metric=Metric.TEACHERS, publication=DRAFT)
    hidden_country = make_region("Hidden Draft Land", publication=DRAFT)
    make_figure(alliance, 7, metric=Metric.MEMBERS, country=hidden_country)
    return alliance


def figures_of(client, alliance) -> str:
    return plain(section_of(client.get(alliance.get_absolute_url()), "figures-heading"))


def test_figures_that_count_the_same_thing_differently_say_the_sources_differ(client, counted):
    figures = figures_of(client, counted)
    assert (
        "Members in Russia: the sources differ. 18, as of 12 January 2018 (year inferred: from "
        "the page's address)[1] 20, as of January, year not stated[2]" in figures
    )


def test_running_totals_at_different_dates_are_not_a_disagreement(client, counted):
    figures = figures_of(client, counted)
    assert "52 schools, as of February 2023" in figures
    assert "54 schools, as of October 2023" in figures
    assert figures.count("the sources differ") == 1


def test_an_undated_figure_is_not_said_to_differ_from_a_dated_one(client, counted):
    make_figure(counted, 19, metric=Metric.MEMBERS, country=counted.countries.get())
    figures = figures_of(client, counted)
    assert "19 members in Russia" in figures
    assert figures.count("the sources differ") == 1


def test_figure_reads_with_qualifier_breakdown_period_status_and_year(client, counted):
    figures = figures_of(client, counted)
    assert "nearly 20,000 participants online, as of 2024" in figures
    assert "100 partnerships or pairings (target)" in figures
    assert "over 150 students a year since 2019" in figures
    assert "Students sent on exchanges." in figures
    assert "1 January 2024" not in figures


def test_draft_figures_and_figures_counted_in_a_draft_country_are_left_out(client, counted):
    response = client.get(counted.get_absolute_url())
    assertNotContains(response, "999")
    assertNotContains(response, "Hidden Draft Land")


def test_parts_of_a_whole_from_one_source_are_not_a_disagreement(client, counted):
    """One report: 122 events in all, 65 of them in the opening week (same count, same
    source, no date): parts of one account, not two sources that differ."""
    source = make_source("Cooperation week report")
    for value in (122, 65):
        part = make_figure(counted, value, metric=Metric.ACTIVITIES, description="")
        cite(part, source, paragraph=7)
    figures = figures_of(client, counted)
    assert "122 activities and events" in figures
    assert "65 activities and events" in figures
    assert figures.count("the sources differ") == 1


def test_an_agreement_s_terms_and_a_partnership_s_aims_are_listed(client, c1):
    agreement = c1["agreement"]
    agreement.terms = "Exchange visits every year\nThe host pays board and meals"
    agreement.save()
    current = c1["current"]
    current.aims = "A student exchange from 2006–07"
    current.save()
    page = plain(client.get(current.get_absolute_url()).content.decode())
    assert "Terms: Exchange visits every year The host pays board and meals" in page
    assert "Aims and planned activities A student exchange from 2006–07" in page


def test_a_planned_visit_says_so_and_names_its_published_people(client, c1):
    visit = c1["visit"]
    visit.status = "planned"
    visit.save()
    for person in (make_person("Lanette Faul"), make_person("Draft Teacher", publication=DRAFT)):
        PartnershipPerson.objects.create(partnership=visit.partnership, visit=visit, person=person)
    page = plain(client.get(c1["current"].get_absolute_url()).content.decode())
    assert "planned" in page
    assert "People named: Lanette Faul — went on the visit" in page
    assert "Draft Teacher" not in page


def test_an_alliance_whose_meetings_are_governance_events_does_not_say_none_recorded(client, db):
    """A meeting reported only as a governance event ("Meeting held"): the Meetings section
    points to it instead of saying that no meeting is recorded."""
    alliance = make_alliance("Test Alliance of Schools")
    meetings = section_of(client.get(alliance.get_absolute_url()), "meetings-heading")
    assert "No meeting of the alliance recorded." in meetings
    AllianceEvent.objects.create(
        alliance=alliance, kind=AllianceEvent.Kind.MEETING, occurred_precision="year"
    )
    meetings = section_of(client.get(alliance.get_absolute_url()), "meetings-heading")
    assert "No meeting of the alliance recorded." not in meetings
    assert "they are listed under Governance" in meetings


def test_a_person_who_witnessed_the_signing_is_shown_as_a_witness(client, c1):
    """Issue 21: a governor who witnessed the signing was stored as "helped bring it about"
    for want of a role (new-editor trial)."""
    witness = make_person("Test Witness Governor")
    PartnershipPerson.objects.create(partnership=c1["current"], person=witness, role="witnessed")
    page = text(client.get(c1["current"].get_absolute_url()))
    assert "Test Witness Governor — witnessed the signing" in page


def test_source_page_gives_the_date_of_the_original_beside_its_own(client, sources):
    """Trial 13: a page reposted a text "published 2017-11-06" by its original outlet and
    dated itself a month later; only one date had a place."""
    Source.objects.filter(pk=sources["xinhua"].pk).update(
        original_on=datetime.date(2017, 11, 1), original_precision=DatePrecision.MONTH
    )
    page = text(client.get(sources["xinhua"].get_absolute_url()))
    assert "English edition The original is dated November 2017." in page


def test_an_original_date_to_the_month_on_another_day_is_a_form_error(client_as, sources):
    from .adminforms import change_url, form_of

    publisher = client_as("publisher")
    source = sources["xinhua"]
    data = form_of(publisher.get(change_url(source)))
    data.update(original_on="2017-11-06", original_precision="month")
    response = publisher.post(change_url(source), data)
    assert response.status_code == 200
    assert "Original: only the month is known" in response.content.decode()
    source.refresh_from_db()
    assert source.original_on is None
