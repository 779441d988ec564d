import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from partnerships.dates import DatePrecision, PartialDate
from partnerships.models import (
    Citation,
    Conference,
    Organization,
    Region,
    SisterSchoolPartnership,
    Source,
)


@pytest.fixture
def china(db):
    return Region.objects.create(name="China", kind="country", iso_code="CN")


@pytest.fixture
def jiangsu(china):
    return Region.objects.create(name="Jiangsu", kind="province", iso_code="CN-JS", parent=china)


@pytest.fixture
def two_orgs(jiangsu):
    a = Organization.objects.create(name="School A", kind="school", region=jiangsu)
    b = Organization.objects.create(name="School B", kind="school", region=jiangsu)
    return a, b


# Regions ---------------------------------------------------------------------


def test_region_slug_comes_from_the_english_name(jiangsu):
    assert jiangsu.slug == "jiangsu"


def test_region_path_and_descendants(china, jiangsu):
    suzhou = Region.objects.create(name="Suzhou", kind="city", parent=jiangsu)
    assert suzhou.path == f"/{china.pk}/{jiangsu.pk}/{suzhou.pk}/"
    assert set(Region.objects.descendants_of(jiangsu)) == {jiangsu, suzhou}
    assert suzhou.ancestors() == [china, jiangsu]
    assert suzhou.country() == china


def test_moving_a_region_moves_its_subtree(china, jiangsu):
    suzhou = Region.objects.create(name="Suzhou", kind="city", parent=jiangsu)
    other = Region.objects.create(name="Other", kind="country", iso_code="XX")
    jiangsu.parent = other
    jiangsu.save()
    suzhou.refresh_from_db()
    assert suzhou.path == f"/{other.pk}/{jiangsu.pk}/{suzhou.pk}/"


def test_region_cannot_be_its_own_parent_in_the_database(china):
    Region.objects.filter(pk=china.pk).update(parent=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        Region.objects.filter(pk=china.pk).update(parent=china.pk)


def test_region_cycle_is_refused_with_a_clear_message(china, jiangsu):
    china.parent = jiangsu
    china.kind = "province"
    with pytest.raises(ValidationError) as excinfo:
        china.full_clean()
    assert "loop" in str(excinfo.value.message_dict["parent"])


def test_region_cycle_is_refused_on_save_too(china, jiangsu):
    china.parent = jiangsu
    with pytest.raises(ValidationError):
        china.save()


@pytest.mark.parametrize(
    ("kind", "code", "message"),
    [
        ("country", "cn1", "two capital letters"),
        ("province", "JS", "ISO 3166-2"),
        ("province", "RU-JS", "does not start with CN"),
    ],
)
def test_malformed_iso_codes_are_explained(jiangsu, kind, code, message):
    region = Region(
        name="X",
        slug="x",
        kind=kind,
        iso_code=code,
        parent=jiangsu.parent if kind != "country" else None,
    )
    with pytest.raises(ValidationError) as excinfo:
        region.full_clean()
    assert message in " ".join(excinfo.value.message_dict["iso_code"])


def test_iso_code_is_unique(china):
    with pytest.raises(IntegrityError), transaction.atomic():
        Region.objects.create(name="Other China", kind="country", iso_code="CN")


def test_slugs_are_unique_and_generated_without_clashes(china):
    again = Region.objects.create(name="China", kind="sar")
    assert again.slug == "china-2"


# Partnerships -------------------------------------------------------------------


def test_partnership_parties_must_differ_in_the_database(two_orgs):
    a, _ = two_orgs
    with pytest.raises(IntegrityError), transaction.atomic():
        SisterSchoolPartnership.objects.create(party_a=a, party_b=a, level="school", slug="x")


def test_partnership_parties_must_differ_with_a_readable_message(two_orgs):
    a, _ = two_orgs
    partnership = SisterSchoolPartnership(party_a=a, party_b=a, level="school", slug="x")
    with pytest.raises(ValidationError) as excinfo:
        partnership.full_clean()
    assert "two different organizations" in " ".join(excinfo.value.message_dict["party_b"])


def test_the_same_pair_in_reverse_order_is_a_duplicate(two_orgs):
    a, b = two_orgs
    SisterSchoolPartnership.objects.create(party_a=a, party_b=b, level="school")
    with pytest.raises(IntegrityError), transaction.atomic():
        SisterSchoolPartnership.objects.create(party_a=b, party_b=a, level="school", slug="rev")


def test_partnership_str_names_both_parties(two_orgs):
    a, b = two_orgs
    p = SisterSchoolPartnership.objects.create(party_a=a, party_b=b, level="school")
    assert str(p) == "School A – School B"
    assert p.get_absolute_url() == f"/partnerships/{p.slug}/"


def test_partnership_in_region_includes_subregions(two_orgs, china):
    a, b = two_orgs
    p = SisterSchoolPartnership.objects.create(party_a=a, party_b=b, level="school")
    assert list(SisterSchoolPartnership.objects.in_region(china)) == [p]


def test_draft_partnership_or_draft_party_is_not_published(two_orgs):
    a, b = two_orgs
    p = SisterSchoolPartnership.objects.create(
        party_a=a, party_b=b, level="school", publication="published"
    )
    assert not SisterSchoolPartnership.objects.published().exists()  # parties are drafts
    for org in (a, b):
        org.refresh_from_db()
        org.publication = "published"
        org.save()
    assert list(SisterSchoolPartnership.objects.published()) == [p]
    a.publication = "draft"
    a.save()
    assert not SisterSchoolPartnership.objects.published().exists()


# Conferences and dates ---------------------------------------------------------


def test_conference_cannot_end_before_it_starts(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        Conference.objects.create(
            name="C", held_on=datetime.date(2023, 11, 17), ends_on=datetime.date(2023, 11, 16)
        )


def test_conference_end_before_start_message(db):
    conf = Conference(
        name="C", slug="c", held_on=datetime.date(2023, 11, 17), ends_on=datetime.date(2023, 11, 16)
    )
    with pytest.raises(ValidationError) as excinfo:
        conf.full_clean()
    assert "before the first day" in " ".join(excinfo.value.message_dict["ends_on"])


def test_conference_edition_must_be_positive(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        Conference.objects.create(name="C", edition=0)


def test_partial_date_may_not_pretend_to_know_the_day(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        Conference.objects.create(
            name="C", held_on=datetime.date(2023, 11, 16), held_precision=DatePrecision.MONTH
        )


def test_partial_date_with_invented_day_is_explained(db):
    conf = Conference(
        name="C", slug="c", held_on=datetime.date(2023, 11, 16), held_precision=DatePrecision.MONTH
    )
    with pytest.raises(ValidationError) as excinfo:
        conf.full_clean()
    assert "first day of that month" in " ".join(excinfo.value.message_dict["held_on"])


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        (PartialDate(datetime.date(2023, 11, 16)), "16 November 2023"),
        (PartialDate(datetime.date(2023, 11, 1), DatePrecision.MONTH), "November 2023"),
        (
            PartialDate(datetime.date(2025, 1, 1), DatePrecision.YEAR, datetime.date(2025, 12, 3)),
            "2025, by 3 December",
        ),
        (PartialDate(None, DatePrecision.DAY, datetime.date(2023, 11, 24)), "by 24 November 2023"),
        (PartialDate(None), "date not reported"),
        (
            PartialDate(datetime.date(1, 1, 12), DatePrecision.DAY_MONTH),
            "12 January, year not stated",
        ),
        (PartialDate(datetime.date(1, 1, 1), DatePrecision.MONTH_ONLY), "January, year not stated"),
        (
            PartialDate(
                datetime.date(2018, 1, 12), DatePrecision.DAY, None, True, "from the page's date"
            ),
            "12 January 2018 (year inferred: from the page's date)",
        ),
        (
            PartialDate(datetime.date(2018, 9, 1), DatePrecision.MONTH, None, True),
            "September 2018 (year inferred)",
        ),
    ],
)
def test_partial_dates_read_as_what_is_known(date, expected):
    assert str(date) == expected


def test_words_of_time_the_date_cannot_hold_are_shown_beside_it():
    date = PartialDate(datetime.date(1994, 1, 1), DatePrecision.YEAR, as_given="summer")
    assert str(date) == "1994 (summer)"


def test_a_date_known_only_in_words_reads_as_those_words():
    assert str(PartialDate(None, as_given="recently")) == "recently"


def test_a_date_with_no_year_has_no_year():
    assert PartialDate(datetime.date(1, 1, 12), DatePrecision.DAY_MONTH).year is None


@pytest.mark.parametrize(
    ("date", "end", "expected"),
    [
        (
            PartialDate(datetime.date(2023, 11, 16), DatePrecision.DAY, None, True, "page date"),
            datetime.date(2023, 11, 17),
            "16–17 November 2023 (year inferred: page date)",
        ),
        (
            PartialDate(datetime.date(1, 9, 24), DatePrecision.DAY_MONTH),
            datetime.date(1, 9, 30),
            "24–30 September, year not stated",
        ),
        (
            PartialDate(datetime.date(2017, 9, 30)),
            datetime.date(2017, 10, 2),
            "30 September – 2 October 2017",
        ),
    ],
)
def test_a_date_to_its_last_day_keeps_what_is_known(date, end, expected):
    assert date.through(end) == expected


def test_an_inferred_year_shows_in_a_conference_s_dates(db):
    conf = Conference(
        name="C",
        held_on=datetime.date(2023, 11, 16),
        ends_on=datetime.date(2023, 11, 17),
        held_year_inferred=True,
        held_year_basis="from the page's date",
    )
    assert conf.dates_display == "16–17 November 2023 (year inferred: from the page's date)"


def test_a_date_with_no_year_must_be_stored_as_year_1(db):
    conf = Conference(
        name="C",
        slug="c",
        held_on=datetime.date(2018, 1, 12),
        held_precision=DatePrecision.DAY_MONTH,
    )
    with pytest.raises(ValidationError) as excinfo:
        conf.full_clean()
    assert "gives no year" in " ".join(excinfo.value.message_dict["held_on"])


def test_the_database_refuses_a_year_for_a_date_with_no_year(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        Conference.objects.create(
            name="C", held_on=datetime.date(2018, 1, 12), held_precision=DatePrecision.DAY_MONTH
        )


def test_a_reason_for_an_inferred_year_needs_the_year_marked_inferred(db):
    conf = Conference(
        name="C", slug="c", held_on=datetime.date(2018, 1, 12), held_year_basis="page date"
    )
    with pytest.raises(ValidationError) as excinfo:
        conf.full_clean()
    assert "year inferred" in " ".join(excinfo.value.message_dict["held_year_basis"])


# Citations ------------------------------------------------------------------------


def test_citation_paragraph_must_exist_in_the_source(china):
    source = Source.objects.create(title="T", outlet="O", summary="S", paragraph_count=3)
    citation = Citation(source=source, paragraph=7, record=china)
    with pytest.raises(ValidationError) as excinfo:
        citation.full_clean()
    assert "has 3 paragraphs" in " ".join(excinfo.value.message_dict["paragraph"])


def test_citation_paragraph_zero_is_refused_by_the_database(china):
    source = Source.objects.create(title="T", outlet="O", summary="S")
    with pytest.raises(IntegrityError), transaction.atomic():
        Citation.objects.create(source=source, paragraph=0, record=china)


def test_slug_urls_are_what_reverse_gives_also_under_a_script_prefix():
    from django.urls import get_script_prefix, reverse, set_script_prefix

    from partnerships.models import slug_url

    before = get_script_prefix()
    try:
        for prefix in ("/", "/directory/"):
            set_script_prefix(prefix)
            for name in ("partnership-detail", "region-detail", "organization-detail"):
                for slug in ("a", "x-1_y", "harbin-no-1-special-school"):
                    assert slug_url(name, slug) == reverse(name, args=[slug])
            assert slug_url("region-detail", "heilongjiang").startswith(prefix)
    finally:
        set_script_prefix(before)


def test_a_record_without_a_slug_has_no_url():
    from django.urls import NoReverseMatch

    from partnerships.models import slug_url

    with pytest.raises(NoReverseMatch):
        slug_url("partnership-detail", "")


def test_a_partial_date_reads_in_the_active_language_each_time():
    import datetime

    from django.utils import translation

    from partnerships.dates import DatePrecision, PartialDate

    date = PartialDate(datetime.date(2024, 5, 1), DatePrecision.MONTH)
    with translation.override("en"):
        assert str(date) == "May 2024"
    with translation.override("ru"):
        assert str(date) != "May 2024"
        assert "2024" in str(date)
    with translation.override("en"):
        assert str(date) == "May 2024"


def _schools_in(region, n):
    from partnerships.models import Organization, SisterSchoolPartnership

    other = Organization.objects.create(name="Far School", kind="school")
    for i in range(n):
        org = Organization.objects.create(name=f"School {region.name} {i}", region=region)
        SisterSchoolPartnership.objects.create(party_a=org, party_b=other, level="school")


def _queries_to_rename(region) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    region.name += " (renamed)"
    with CaptureQueriesContext(connection) as ctx:
        region.save()
    return len(ctx.captured_queries)


def test_renaming_a_region_costs_the_same_queries_with_5_or_50_organizations_in_it(db):
    small, large = Region.objects.create(name="Smallland", kind="country"), None
    large = Region.objects.create(name="Largeland", kind="country")
    _schools_in(small, 5)
    _schools_in(large, 50)
    assert _queries_to_rename(small) == _queries_to_rename(large)


def test_moving_a_city_to_another_country_moves_its_organizations_and_partnerships(db):
    from partnerships.models import Organization, SisterSchoolPartnership

    east = Region.objects.create(name="Eastland", kind="country")
    west = Region.objects.create(name="Westland", kind="country")
    city = Region.objects.create(name="Border City", kind="city", parent=east)
    _schools_in(city, 3)
    city.parent = west
    city.save()
    assert set(Organization.objects.filter(region=city).values_list("country", flat=True)) == {
        west.pk
    }
    moved = SisterSchoolPartnership.objects.filter(party_a__region=city)
    assert moved.count() == 3
    assert set(moved.values_list("a_country", flat=True)) == {west.pk}
    assert all(p.a_path.startswith(west.path) for p in moved)


def test_search_text_carries_the_character_pairs_of_an_unspaced_run(db):
    from tests.test_views import make_org

    org = make_org("中俄中学 School")
    assert org.search_text == "中俄中学 School 中俄 俄中 中学"


def test_search_text_of_latin_names_is_the_names_alone(db):
    from tests.test_views import make_org

    org = make_org("Harbin  Lighthouse School")
    assert org.search_text == "Harbin Lighthouse School"


def test_level_names_shown_on_public_pages_carry_no_entry_hints():
    from partnerships.models import PartnershipLevel

    labels = [str(label) for label in PartnershipLevel.labels]

    assert "Unit within a university" in labels
    assert not [label for label in labels if "e.g." in label]
