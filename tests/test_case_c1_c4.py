"""Real cases C1 (Delano – Tanggu sister schools) and C4 (North Carolina – Jiangsu MOU) of
../shared/cases/real-cases.md, as fixtures/cases-c1-c4.json holds them: loaded with the seed
and the other cases file, every record sourced, and their whole lives on the public site."""

from __future__ import annotations

import datetime
import io
import json
import re

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.utils.html import escape
from pytest_django.asserts import assertContains, assertNotContains

from partnerships.models import (
    Agreement,
    Citation,
    Conference,
    ConferenceSeries,
    Organization,
    OtherAccount,
    PartyRole,
    Person,
    Region,
    ReportedFigure,
    SisterSchoolPartnership,
    Source,
)
from tests.conftest import ALL_FIXTURES, ROOT

C1_C4 = ROOT / "fixtures" / "cases-c1-c4.json"
RECORDS = json.loads(C1_C4.read_text(encoding="utf-8"))

NO1 = "tanggu-no-1-middle-school-delano-public-schools"
ZIYUN = "ziyun-high-school-delano-public-schools"
SHIYUAN = "shiyuan-primary-school-delano-public-schools"
NC_MOU = "jiangsu-provincial-department-of-education-north-carolina-state-board-of-education"


def partnership(slug):
    return SisterSchoolPartnership.objects.get(slug=slug)


def page(client, slug):
    response = client.get(partnership(slug).get_absolute_url())
    assert response.status_code == 200
    return response


def dump() -> list:
    out = io.StringIO()
    call_command("dumpdata", "partnerships", stdout=out)
    return json.loads(out.getvalue())


# --------------------------------------------------------------------------- the file


def test_every_primary_key_of_the_file_is_in_its_range():
    assert RECORDS
    assert all(1000 <= obj["pk"] <= 2999 for obj in RECORDS)


def test_the_file_loads_with_the_seed_and_the_other_cases(cases):
    for obj in RECORDS:
        model = apps.get_model(obj["model"])
        assert model._base_manager.filter(pk=obj["pk"]).exists(), obj["model"]


def test_every_record_of_the_file_is_published(cases):
    records = [o for o in RECORDS if "publication" in o["fields"]]
    assert len(records) > 50
    assert {o["fields"]["publication"] for o in records} == {"published"}


def test_every_partnership_of_the_file_is_public(cases):
    assert set(
        SisterSchoolPartnership.objects.published()
        .filter(pk__in=[o["pk"] for o in RECORDS if o["model"].endswith("partnership")])
        .values_list("slug", flat=True)
    ) == {NO1, ZIYUN, SHIYUAN, NC_MOU}


def cited_rows():
    """The rows of the file that carry citations (sources are what is cited)."""
    for obj in RECORDS:
        model = apps.get_model(obj["model"])
        if model is not Source and hasattr(model, "citations"):
            yield model, obj["pk"]


def test_every_record_of_the_file_cites_a_source(cases):
    uncited = [
        (model.__name__, pk)
        for model, pk in cited_rows()
        if not Citation.objects.filter(
            content_type=ContentType.objects.get_for_model(model), object_id=pk
        ).exists()
    ]
    assert len(list(cited_rows())) > 70
    assert uncited == []


def test_every_citation_of_the_file_names_a_section_of_its_page(cases):
    citations = Citation.objects.filter(pk__gte=1000, pk__lt=3000)
    assert citations.count() > 100
    assert not citations.filter(section="").exists()
    assert not citations.filter(paragraph__isnull=False).exists()


def test_every_source_of_the_file_has_its_address_and_a_summary(cases):
    sources = Source.objects.filter(pk__gte=1000, pk__lt=3000)
    assert sources.count() == 11  # C1 [a]–[e], C4 [a]–[f]
    for source in sources:
        assert source.url.startswith("http"), source
        assert len(source.summary) > 200, source


def test_source_dates_are_kept_as_the_pages_print_them(cases):
    def source(path_end):
        return Source.objects.get(url__endswith=path_end)

    posted = source("chinese-visitors-impressed-at-delano")
    assert (posted.published_on, posted.date_kind) == (datetime.date(2017, 10, 16), "posted")
    herald = source("china-program-schools.html")
    assert (herald.published_on, herald.authors) == (datetime.date(2009, 6, 22), "Jen Bakken")
    news = source("k-12-education-partnerships/")
    assert (news.date_kind, str(news.date)) == ("address", "April 2008")
    for undated in ("sister-school-agreement", "/history", "international-agreements"):
        assert source(undated).published_on is None


def test_loading_all_fixtures_twice_changes_nothing(cases):
    before = dump()
    call_command("loaddata", *ALL_FIXTURES, verbosity=0)
    assert dump() == before


def test_no_sentence_of_the_case_file_is_copied():
    """Facts carry over, sentences do not: no run of 10 words of the case file appears in
    our prose. Titles, themes and names are what we cite, so they are not checked."""
    cases_file = ROOT.parent / "shared" / "cases" / "real-cases.md"
    if not cases_file.exists():
        pytest.skip("shared/cases is not beside this checkout")
    words = re.findall(r"\w+", cases_file.read_text(encoding="utf-8").lower())
    runs = {" ".join(words[i : i + 10]) for i in range(len(words) - 9)}
    checked, copied = 0, []
    for obj in RECORDS:
        for field in ("summary", "description", "note", "value", "position", "terms", "aims"):
            text = obj["fields"].get(field)
            if not isinstance(text, str):
                continue
            ours = re.findall(r"\w+", text.lower())
            checked += len(ours)
            copied += [
                (obj["model"], obj["pk"], " ".join(ours[i : i + 10]))
                for i in range(len(ours) - 9)
                if " ".join(ours[i : i + 10]) in runs
            ]
    assert copied == []
    assert checked > 3000  # the check reads real text


def test_the_copy_check_reads_the_terms_and_aims_lines():
    fields = {
        field
        for obj in RECORDS
        for field, value in obj["fields"].items()
        if field in ("terms", "aims") and value
    }
    assert fields == {"terms", "aims"}


# --------------------------------------------------------------------------- C1


def test_no1_middle_school_partnership_page_shows_it_ended_in_2005(cases, client):
    response = page(client, NO1)
    assertContains(response, "Ended")
    assertContains(response, "2005")


def test_no1_middle_school_partnership_ended_in_2005_to_the_year(cases):
    no1 = partnership(NO1)
    assert no1.status == "ended"
    ended = no1.status_changes.get(status="ended")
    assert (str(ended.changed), ended.changed_precision) == ("2005", "year")
    assert ended.citations.get().section == "History"


def test_no1_middle_school_partnership_was_formalized_in_summer_1994(cases):
    no1 = partnership(NO1)
    assert str(no1.established) == "1994 (summer)"
    formalized = no1.status_changes.get(status="active")
    assert (str(formalized.changed), formalized.changed_precision) == ("1994 (summer)", "year")
    johnsons = no1.visits.get(visited_on=datetime.date(1994, 1, 1))
    assert (johnsons.direction, johnsons.others) == ("b_to_a", 2)
    assert johnsons.visited_as_given == "summer"


def test_the_johnsons_visit_names_ren_who_invited_them(cases):
    johnsons = partnership(NO1).visits.get(visited_on=datetime.date(1994, 1, 1))
    assert set(johnsons.people.values_list("person__slug", "role")) == {
        ("chuck-johnson", "went"),
        ("kathy-johnson", "went"),
        ("honglian-ren", "hosted"),  # they went at his invitation
    }


def test_rens_stay_keeps_the_school_year_the_year_cannot_hold(cases):
    ren = partnership(NO1).visits.get(visited_on=datetime.date(1991, 1, 1))
    assert (ren.visited_precision, ren.visited_as_given) == ("year", "the 1991–92 school year")
    assert str(ren.visited) == "1991 (the 1991–92 school year)"


def test_the_last_visits_to_no1_are_dated_only_in_words(cases):
    last = partnership(NO1).visits.get(people__person__slug="lindsay-wallace")
    assert last.visited_on is None
    assert str(last.visited) == "before the school ended the tie in 2005"


def test_afs_facilitated_the_no1_tie_and_gunderson_represents_it(cases):
    afs = Organization.objects.get(slug="afs")
    party = partnership(NO1).other_parties.get()
    assert (party.organization, party.role) == (afs, "facilitator")
    assert party.citations.get().section == "History"
    assert Person.objects.get(slug="cathy-gunderson").organization == afs


def test_the_body_the_project_is_led_by_has_the_lead_role_not_a_party(cases):
    cea = Organization.objects.get(slug="china-educational-administration")
    party = partnership(ZIYUN).other_parties.get(organization=cea)
    assert party.role == PartyRole.LEAD
    assert party.citations.get().section == "Sister School Agreement page"


def test_the_body_whose_directions_the_project_follows_has_the_guide_role(cases):
    cieae = Organization.objects.get(slug="china-international-exchange-association-of-education")
    party = partnership(ZIYUN).other_parties.get(organization=cieae)
    assert party.role == PartyRole.GUIDE


def test_no_further_party_of_the_ziyun_partnership_is_a_mere_facilitator(cases):
    assert not partnership(ZIYUN).other_parties.filter(role=PartyRole.FACILITATOR).exists()


def test_the_organization_page_says_the_administration_led_the_project(cases, client):
    cea = Organization.objects.get(slug="china-educational-administration")
    response = client.get(cea.get_absolute_url())
    assertContains(response, partnership(ZIYUN).get_absolute_url())
    assertContains(response, "led the project (not a party)")


def test_the_sister_school_agreement_keeps_its_five_terms_one_a_line(cases):
    document = partnership(ZIYUN).agreements.get(title="Sister School Agreement")
    terms = document.terms_list
    assert len(terms) == 5
    assert "every year" not in document.summary.lower()  # the terms left the summary
    assert "Each year, at fixed times" in terms[0]
    assert "anniversary" in terms[1]
    assert "lodging, food and outings" in terms[2] and "flights" in terms[2]
    assert "student exchange" in terms[3] and "2006–07" in terms[3]
    assert "teacher exchange" in terms[4]


def test_the_agreements_terms_keep_the_citation_of_the_agreement_page(cases):
    document = partnership(ZIYUN).agreements.get(title="Sister School Agreement")
    assert document.citations.get().section == "Sister School Agreement page"


def test_the_ziyun_page_lists_the_agreements_terms(cases, client):
    response = page(client, ZIYUN)
    assertContains(response, "Terms:")
    for term in partnership(ZIYUN).agreements.get(title="Sister School Agreement").terms_list:
        assertContains(response, f"<li>{escape(term)}</li>")


def test_host_families_are_an_activity_of_the_ziyun_partnership(cases):
    ziyun = partnership(ZIYUN)
    assert len(ziyun.aims_list) == 1
    assert "host families" in ziyun.aims_list[0]
    assert {c.section for c in ziyun.citations.filter(note__contains="host families")} == {
        "History",
        "Posted Oct 16, 2017",
    }


def test_ziyun_partnership_follows_the_no1_middle_school_partnership(cases):
    ziyun = partnership(ZIYUN)
    assert (ziyun.status, str(ziyun.established)) == ("active", "2005")
    assert ziyun.predecessor == partnership(NO1)
    assert ziyun.source_label == "Sino-US Friendship Sister School"


def test_ziyun_agreement_of_march_2005_is_dated_to_the_month(cases):
    agreement = partnership(ZIYUN).agreements.get(
        title="Agreement on Sino-US Friendship Sister School"
    )
    assert (str(agreement.signed), agreement.signed_precision) == ("March 2005", "month")
    assert not agreement.signatories.exists()


def test_the_agreement_documents_own_signing_date_stays_unknown(cases):
    document = partnership(ZIYUN).agreements.get(title="Sister School Agreement")
    assert document.signed_on is None
    assert not document.signatories.exists()


def test_the_exchanges_to_explore_from_2006_07_are_planned_visits(cases):
    planned = partnership(ZIYUN).visits.filter(visited_as_given__contains="2006–07")
    assert sorted((v.status, v.direction, v.visited_on) for v in planned) == [
        ("planned", "both", None),
        ("planned", "both", None),
    ]
    assert {str(v.visited) for v in planned} == {
        "from the 2006–07 school year, for about four weeks",
        "from the 2006–07 school year",
    }


def test_ziyun_page_shows_the_2017_head_counts(cases, client):
    response = page(client, ZIYUN)
    assertContains(response, "3 teachers and 8 students")


def test_ziyun_page_history_shows_each_visit_with_its_date_and_head_counts(cases, client):
    response = page(client, ZIYUN)
    assertContains(response, "February 2006")
    assertContains(response, "24–30 September 2017 (year inferred")
    assertContains(response, "3 teachers, 8 students")
    assertContains(response, "September 2018 (final week of September, during Homecoming; year")
    assertContains(response, "2 teachers, 5 students")
    assertContains(response, "every year since 2005, during spring break")
    assertContains(response, "every year since 2005, in late September")


def test_no1_page_history_shows_the_ending_by_the_chinese_school(cases, client):
    assertContains(page(client, NO1), "No. 1 Middle School ended the relationship.")


def test_the_2017_visit_is_dated_to_the_day_with_its_year_inferred(cases):
    visit = partnership(ZIYUN).visits.get(visited_on=datetime.date(2017, 9, 24))
    assert (visit.direction, visit.teachers, visit.students) == ("a_to_b", 3, 8)
    assert visit.ends_on == datetime.date(2017, 9, 30)
    assert visit.visited_year_inferred
    assert "16 October 2017" in str(visit.visited)


def test_the_2018_visit_is_dated_to_the_month_with_its_year_inferred(cases):
    visit = partnership(ZIYUN).visits.get(teachers=2, students=5)
    assert (visit.visited_on, visit.visited_precision) == (datetime.date(2018, 9, 1), "month")
    assert visit.visited_year_inferred
    assert str(visit.visited).startswith("September 2018 (")
    assert "; year inferred: from the page's date, posted 13 November 2018)" in str(visit.visited)


def test_the_2018_visit_keeps_the_final_week_of_september_in_its_date(cases):
    visit = partnership(ZIYUN).visits.get(teachers=2, students=5)
    assert visit.visited_as_given == "final week of September, during Homecoming"
    assert str(visit.visited).startswith(
        "September 2018 (final week of September, during Homecoming; "
    )


def test_the_first_visit_was_in_february_2006(cases):
    first = partnership(ZIYUN).visits.exclude(visited_on=None).earliest("visited_on")
    assert (str(first.visited), first.direction) == ("February 2006", "a_to_b")


def test_ziyun_visits_follow_a_yearly_pattern_both_ways(cases):
    patterns = {
        v.direction: v.recurrence
        for v in partnership(ZIYUN).visits.filter(recurrence__startswith="every year")
    }
    assert "spring break" in patterns["b_to_a"]  # Delano's group goes to China
    assert "late September" in patterns["a_to_b"]  # Ziyun's group comes to Delano


def test_the_plans_of_2009_are_planned_visits_not_visits_done(cases):
    reported = partnership(ZIYUN).visits.filter(citations__section="Article of June 22, 2009")
    by_people = {
        tuple(sorted(v.people.values_list("person__slug", flat=True))): (v.visited_on, v.teachers)
        for v in reported.filter(status="planned")
    }
    assert by_people == {
        # four more students than before, "next year" (2010, inferred from the article's date)
        (): (datetime.date(2010, 1, 1), None),
        ("lanette-faul",): (None, 1),  # a month's internship
        ("jamie-longstreet", "julie-longstreet"): (None, 2),  # to go with the students
    }
    # What the article reports as done: the yearly trip and a teacher a year for a month.
    assert reported.filter(status="done").count() == 2


def test_four_more_students_than_before_is_no_head_count_of_four(cases):
    ziyun = partnership(ZIYUN)
    ct = ContentType.objects.get_for_model(SisterSchoolPartnership)
    assert not ReportedFigure.objects.filter(subject_type=ct, subject_id=ziyun.pk, value=4)
    more = ziyun.visits.get(description__contains="four students more")
    assert (more.status, more.students) == ("planned", None)
    assert (more.visited_on.year, more.visited_precision) == (2010, "year")
    assert more.visited_year_inferred
    assert more.visited_as_given == "the next year (said in June 2009)"


def test_ziyun_page_marks_the_planned_visits_as_planned(cases, client):
    response = page(client, ZIYUN)
    planned = partnership(ZIYUN).visits.filter(status="planned").count()
    assert planned == 5
    assertContains(response, '<span class="badge">planned</span>', count=planned)


def test_the_shiyuan_pairing_dates_from_about_2005(cases, client):
    shiyuan = partnership(SHIYUAN)
    assert shiyuan.party_b == partnership(ZIYUN).party_b
    assert str(shiyuan.established) == "2005"
    assertContains(page(client, SHIYUAN), "Shiyuan Primary School")


def test_a_search_for_purple_cloud_finds_the_ziyun_partnership(cases, client):
    response = client.get("/partnerships/", {"q": "Purple Cloud"})
    assertContains(response, partnership(ZIYUN).get_absolute_url())
    assertNotContains(response, partnership(NO1).get_absolute_url())


def test_ziyun_keeps_every_name_the_sources_give_it(cases):
    names = set(
        Organization.objects.get(slug="ziyun-high-school").other_names.values_list(
            "name", flat=True
        )
    )
    assert {"Purple Cloud School", "Purple Cloud High School", "ZiYun"} <= names


def test_delano_high_school_is_part_of_the_district(cases):
    dhs = Organization.objects.get(slug="delano-high-school")
    assert dhs.parent == partnership(ZIYUN).party_b
    assert OtherAccount.objects.filter(
        content_type=ContentType.objects.get_for_model(SisterSchoolPartnership),
        object_id=partnership(ZIYUN).pk,
        value__contains="Delano High School",
    ).exists()


def test_c1_people_have_their_positions_as_given(cases):
    positions = dict(
        Person.objects.filter(
            slug__in=["honglian-ren", "lanette-faul", "zhu-lili", "cai-yihua", "li-li"]
        ).values_list("slug", "position")
    )
    assert positions["honglian-ren"] == "Teacher, No. 1 Middle School, Tanggu"
    assert "China Club" in positions["lanette-faul"]
    assert positions["zhu-lili"] == "English teacher"
    assert positions["li-li"] == "Director of the physical education department, ZiYun"
    assert Person.objects.get(slug="cai-yihua").organization.slug == "ziyun-high-school"
    assert "organized the visits since 2005" in positions["lanette-faul"]


def test_zhu_lilis_school_is_not_stated_so_she_has_none(cases):
    zhu = Person.objects.get(slug="zhu-lili")
    assert zhu.organization is None
    part = zhu.partnership_roles.get()
    assert part.visit.visited_on == datetime.date(2017, 9, 24)
    assert (part.role, part.title) == ("interpreted", "English teacher")


def test_tianjins_population_is_a_cited_figure_of_the_region(cases, client):
    tianjin = Region.objects.get(slug="tianjin")
    population = ReportedFigure.objects.get(
        subject_type=ContentType.objects.get_for_model(Region), subject_id=tianjin.pk
    )
    assert population.text == "over 15,000,000 inhabitants"
    assert population.citations.get().section == "Posted Oct 16, 2017"
    assertContains(client.get(tianjin.get_absolute_url()), "over 15,000,000")


# --------------------------------------------------------------------------- C4


def test_nc_mou_is_one_comprehensive_partnership_with_the_seed_jiangsu_department(cases):
    mou = partnership(NC_MOU)
    assert mou.level == "comprehensive"
    assert mou.party_a.pk == 4  # seed.json's Jiangsu Provincial Department of Education
    assert mou.party_a.name == "Jiangsu Provincial Department of Education"
    assert mou.party_b.slug == "north-carolina-state-board-of-education"


def test_the_original_mou_keeps_its_three_aims_as_terms(cases):
    original = partnership(NC_MOU).agreements.get(title="Original MOU")
    terms = original.terms_list
    assert len(terms) == 3
    assert "North Carolina and Jiangsu" in terms[0]
    assert "country and culture" in terms[1]
    assert "meant to last" in terms[2]
    assert original.citations.filter(section="News release", note__contains="aims").exists()


def test_the_later_agreements_have_no_terms_no_page_gives(cases):
    later = partnership(NC_MOU).agreements.exclude(title="Original MOU")
    # The current agreement, the renewal year and the announced signing of the original MOU.
    assert [a.terms for a in later] == ["", "", ""]


def test_nc_mou_aims_hold_ncdpis_goals_and_the_three_current_activities(cases):
    aims = partnership(NC_MOU).aims_list
    assert len(aims) == 4
    assert "K-12 leaders, teachers and students" in aims[0]
    assert "Confucius Classrooms" in aims[1]
    assert "Asia Society" in aims[1] and "Go Global NC" in aims[1]
    assert "joint conferences" in aims[2]
    assert "sister-school relationships" in aims[3]
    assert "aims" not in partnership(NC_MOU).summary  # the list holds them, not the summary


def test_nc_mou_page_lists_the_aims_and_activities(cases, client):
    response = page(client, NC_MOU)
    assertContains(response, "Aims and planned activities")
    for aim in partnership(NC_MOU).aims_list:
        assertContains(response, f"<li>{escape(aim)}</li>")


def test_nc_mou_page_shows_2008_2016_and_2021_with_its_uncertainty(cases, client):
    response = page(client, NC_MOU)
    for year in ("2008", "2016", "2021"):
        assertContains(response, year)
    assertContains(response, "without saying whether that renewal was made")


def test_nc_mou_page_history_shows_the_three_agreements_and_the_visit(cases, client):
    response = page(client, NC_MOU)
    for title in ("Original MOU", "Current agreement", "Renewal year"):
        assertContains(response, title)
    assertContains(response, "not reported as done")  # the renewal year's status
    assertContains(response, "18–25 September 2011")


def test_nc_mou_agreements_carry_the_three_labelled_years(cases):
    rows = [
        (a.title, a.kind, a.status, str(a.signed))
        for a in partnership(NC_MOU).agreements.exclude(status="announced").order_by("signed_on")
    ]
    assert rows == [
        ("Original MOU", "mou", "signed", "2008"),
        ("Current agreement", "agreement", "signed", "2016"),
        ("Renewal year", "renewal", "due", "2021"),
    ]


def test_the_announced_1_may_signing_is_another_account_not_a_fact(cases):
    original = partnership(NC_MOU).agreements.get(title="Original MOU")
    assert original.signed_precision == "year"
    account = OtherAccount.objects.get(
        content_type=ContentType.objects.get_for_model(Agreement), object_id=original.pk
    )
    assert "1 May" in account.value
    assert account.source.url.startswith("https://news.ncsu.edu/2008/04/")


def test_the_mou_is_not_said_to_be_signed_at_the_announced_summit(cases):
    mou = partnership(NC_MOU)
    assert mou.conference is None
    # Only the announcement is tied to the summit: a row that says "announced, not yet signed".
    at_summit = mou.agreements.filter(conference__isnull=False)
    assert [a.status for a in at_summit] == ["announced"]
    assert not mou.agreements.filter(conference__isnull=False, status="signed").exists()


def test_the_2008_summits_announced_day_is_another_account(cases):
    summit = Conference.objects.get(slug="summit-on-us-china-k-12-education-partnerships-2008")
    assert (str(summit.held), summit.held_precision) == ("2008", "year")
    account = OtherAccount.objects.get(
        content_type=ContentType.objects.get_for_model(Conference), object_id=summit.pk
    )
    assert (account.fact, account.section) == ("held", "News release")
    assert "1 May" in account.value


def test_nc_mou_page_shows_the_2011_visit(cases, client):
    assertContains(page(client, NC_MOU), "18 to 25 September 2011")


def test_the_2011_visit_is_a_jiangsu_delegation_to_north_carolina(cases):
    visit = partnership(NC_MOU).visits.get()
    assert visit.direction == "a_to_b"  # Jiangsu (first party) visited North Carolina
    assert (visit.visited_on, visit.ends_on) == (
        datetime.date(2011, 9, 18),
        datetime.date(2011, 9, 25),
    )
    assert "徐为民" in visit.description
    leader = Person.objects.get(name="徐为民")
    assert leader.position == "副院长, 江苏省教育考试院"  # a post; leading the group is no post
    assert set(visit.people.values_list("person__slug", "role")) == {
        ("xu-weimin", "led"),
        ("wei-julong", "went"),
        ("bill-harrison", "hosted"),  # whom the delegation met
        ("june-atkinson", "hosted"),
    }


def test_the_2011_re_affirmation_is_a_dated_change_of_status(cases):
    change = partnership(NC_MOU).status_changes.get(changed_on=datetime.date(2011, 9, 1))
    assert (change.status, change.changed_precision) == ("active", "month")
    assert change.changed_as_given == "during the visit of 18–25 September"
    assert change.citations.get().section == "Progress Update, September 2011"


def test_the_steering_committee_is_a_unit_of_ncdpi(cases):
    committee = Organization.objects.get(slug="ncdpi-global-education-steering-committee")
    assert committee.parent.slug == "north-carolina-department-of-public-instruction"
    assert committee.citations.get().section == "International Agreements page"


def test_nc_mou_page_links_the_summit_series_it_produced(cases, client):
    series = ConferenceSeries.objects.get(
        slug="biennial-north-carolina-summit-on-us-china-education"
    )
    assert partnership(NC_MOU).series == series
    assertContains(page(client, NC_MOU), series.get_absolute_url())


def test_the_summit_series_is_biennial_since_2008(cases, client):
    series = ConferenceSeries.objects.get(
        slug="biennial-north-carolina-summit-on-us-china-education"
    )
    assert (series.frequency, series.first_held_year) == ("every two years", 2008)
    response = client.get(series.get_absolute_url())
    assertContains(response, partnership(NC_MOU).get_absolute_url())


SERIES_ORGANIZERS = {
    "friday-institute-for-educational-innovation",
    "confucius-institute-at-nc-state",
    "go-global-nc",
    "north-carolina-department-of-public-instruction",
    "north-carolina-state-board-of-education",
}


def test_the_five_organizers_are_the_series_organizers(cases, client):
    series = ConferenceSeries.objects.get(
        slug="biennial-north-carolina-summit-on-us-china-education"
    )
    assert set(series.organizers.values_list("slug", flat=True)) == SERIES_ORGANIZERS
    assertContains(client.get(series.get_absolute_url()), "Go Global NC")


def test_editions_whose_page_names_no_organizers_have_none(cases):
    editions = Conference.objects.filter(
        series__slug="biennial-north-carolina-summit-on-us-china-education"
    )
    assert not editions.get(edition=4).organizers.exists()
    assert not editions.get(edition=6).organizers.exists()


def test_the_summit_editions_keep_their_dates_and_themes(cases):
    editions = {
        c.edition: c
        for c in Conference.objects.filter(
            series__slug="biennial-north-carolina-summit-on-us-china-education"
        )
    }
    assert str(editions[4].held) == "2014"
    assert str(editions[5].held) == "1 September 2016"
    assert str(editions[6].held) == "2018"
    assert (
        editions[6].theme == "Community Focused Partnerships: Harnessing Intercultural Competence"
    )
    assert editions[4].theme.startswith("How to Cultivate World Class Leaders")
    assert {o.slug for o in editions[5].organizers.all()} == SERIES_ORGANIZERS  # [e] names them


def test_summit_figures_keep_their_qualifiers_and_citations(cases):
    ct = ContentType.objects.get_for_model(Conference)
    figures = ReportedFigure.objects.filter(
        subject_type=ct, subject_id__in=Conference.objects.filter(pk__gte=1000, pk__lt=3000)
    )
    assert {f.text for f in figures} == {
        "over 10,000 students in North Carolina",
        "over 27 speakers",
    }
    for f in figures:
        assert f.citations.exists(), f


def test_the_38_confucius_classrooms_are_classrooms_under_the_center(cases, client):
    center = Organization.objects.get(slug="nc-center-for-international-understanding")
    classrooms = ReportedFigure.objects.get(
        subject_type=ContentType.objects.get_for_model(Organization), subject_id=center.pk
    )
    assert classrooms.text == "38 classrooms or teaching programmes"
    assert classrooms.description.startswith("Confucius Classrooms")
    assert classrooms.citations.get().section == "Exchange database entry"
    response = client.get(center.get_absolute_url())
    assertContains(response, "<strong>38</strong> classrooms or teaching programmes")


def test_the_4th_summit_page_shows_its_figures(cases, client):
    fourth = Conference.objects.get(slug="4th-biennial-north-carolina-summit-on-us-china-education")
    response = client.get(fourth.get_absolute_url())
    assertContains(response, "over 10,000")
