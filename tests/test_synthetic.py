"""manage.py generate_synthetic: realistic, reproducible, marked synthetic, removable."""

import datetime
import json
import re
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count, F, Q
from django.db.models.functions import Greatest, Least
from pytest_django.asserts import assertContains

from partnerships import synthetic
from partnerships.models import (
    Alliance,
    AllianceMembership,
    Citation,
    Conference,
    ConferenceSeries,
    Organization,
    OrganizationKind,
    OrganizationName,
    PartnershipLevel,
    Person,
    Publication,
    Region,
    RegionKind,
    ReportedFigure,
    SisterSchoolPartnership,
    Source,
)

PARTNERSHIPS = 300
ORGANIZATIONS = 100
RECORD_MODELS = [
    Region,
    Organization,
    Person,
    ConferenceSeries,
    Conference,
    Alliance,
    SisterSchoolPartnership,
    Source,
    ReportedFigure,
]
SOURCED_ISO = {"CN", "RU", "CN-HL", "CN-JS", "CA", "DK", "US", "AU", "GB", "HK", "MO"}

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL bulk-load path"
)


def generate(partnerships=PARTNERSHIPS, organizations=ORGANIZATIONS, seed=7, **options):
    out, err = StringIO(), StringIO()
    call_command(
        "generate_synthetic",
        partnerships=partnerships,
        organizations=organizations,
        seed=seed,
        stdout=out,
        stderr=err,
        **options,
    )
    return out.getvalue(), err.getvalue()


def clear():
    call_command("generate_synthetic", clear=True, stdout=StringIO(), stderr=StringIO())


def dump() -> list:
    out = StringIO()
    call_command("dumpdata", "partnerships", "contenttypes", stdout=out)
    return json.loads(out.getvalue())


def partnership_tuples():
    return sorted(
        SisterSchoolPartnership.objects.filter(is_synthetic=True).values_list(
            "slug",
            "party_a__slug",
            "party_b__slug",
            "party_a__region__slug",
            "level",
            "status",
            "established_on",
            "established_precision",
            "conference__slug",
            "summary",
            "search_text",
        )
    )


@pytest.fixture
def synth(seed):
    generate()


# --------------------------------------------------------------------------- what is made


def test_makes_the_requested_numbers_all_marked_synthetic_and_published(synth):
    assert SisterSchoolPartnership.objects.filter(is_synthetic=True).count() == PARTNERSHIPS
    assert Organization.objects.filter(is_synthetic=True).count() == ORGANIZATIONS
    assert Region.objects.filter(is_synthetic=True, kind=RegionKind.COUNTRY).count() > 200
    assert Region.objects.filter(is_synthetic=True, kind=RegionKind.PROVINCE).count() > 3000
    assert Region.objects.filter(is_synthetic=True, kind=RegionKind.CITY).exists()
    assert ConferenceSeries.objects.filter(is_synthetic=True).exists()
    assert Conference.objects.filter(is_synthetic=True).count() >= 4
    assert Alliance.objects.filter(is_synthetic=True).count() >= 2
    assert AllianceMembership.objects.filter(alliance__is_synthetic=True).exists()
    assert Alliance.countries.through.objects.filter(alliance__is_synthetic=True).exists()
    assert Person.objects.filter(is_synthetic=True).exists()
    for model in RECORD_MODELS:
        made = model.objects.filter(is_synthetic=True)
        assert not made.exclude(publication=Publication.PUBLISHED).exists(), model
        assert not made.exclude(version=1).exists(), model
        assert not made.filter(search_text="").exists(), model
        assert not made.filter(Q(created_at__isnull=True) | Q(updated_at__isnull=True)).exists()


def test_sourced_records_stay_sourced_and_synthetic_ones_cite_nothing(seed):
    sourced = {model: set(model.objects.values_list("pk", flat=True)) for model in RECORD_MODELS}
    citations = Citation.objects.count()
    generate()
    for model, pks in sourced.items():
        assert set(model.objects.filter(is_synthetic=False).values_list("pk", flat=True)) == pks
    assert Citation.objects.count() == citations
    for model in RECORD_MODELS:
        assert not model.history.filter(is_synthetic=True).exists(), model
    assert not AllianceMembership.objects.filter(
        alliance__is_synthetic=False, organization__is_synthetic=True
    ).exists()


def test_every_kind_of_organization_is_made(synth):
    kinds = set(Organization.objects.filter(is_synthetic=True).values_list("kind", flat=True))
    assert kinds == set(OrganizationKind.values)


def test_sourced_regions_are_reused_not_duplicated(synth):
    synthetic_codes = set(
        Region.objects.filter(is_synthetic=True)
        .exclude(iso_code="")
        .values_list("iso_code", flat=True)
    )
    assert not synthetic_codes & SOURCED_ISO
    codes = Region.objects.exclude(iso_code="").values_list("iso_code", flat=True)
    assert len(codes) == len(set(codes))
    china = Region.objects.get(iso_code="CN")
    assert not china.is_synthetic
    guangdong = Region.objects.get(iso_code="CN-GD")
    assert guangdong.is_synthetic and guangdong.parent == china
    assert guangdong.kind == RegionKind.PROVINCE
    jiangsu = Region.objects.get(iso_code="CN-JS")
    assert not jiangsu.is_synthetic
    # The sourced Jiangsu cities are reused; Nanjing is added beside them.
    assert Region.objects.filter(parent=jiangsu, name="Xuzhou").count() == 1
    assert Region.objects.get(parent=jiangsu, name="Nanjing").is_synthetic
    assert Region.objects.get(iso_code="US-CA").parent.iso_code == "US"
    assert not Region.objects.filter(iso_code__in=["TW", "CN-TW", "CN-HK", "CN-MO"]).exists()
    assert not Region.objects.filter(
        Q(slug="china") | Q(slug="jiangsu"), is_synthetic=True
    ).exists()


def test_region_paths_and_depths_are_what_save_would_make(synth):
    regions = Region.objects.in_bulk()
    for region in regions.values():
        parent_path = regions[region.parent_id].path if region.parent_id else "/"
        assert region.path == f"{parent_path}{region.pk}/", region
        assert region.depth == region.path.count("/") - 2, region
        assert region.search_text == region.compute_search_text(), region
    # A country's ISO 3166-2 subdivisions start with its code.
    for region in Region.objects.filter(is_synthetic=True, kind=RegionKind.PROVINCE)[:500]:
        assert region.iso_code.startswith(region.parent.iso_code + "-"), region


def test_organization_places_and_search_text_are_what_save_would_make(synth):
    orgs = (
        Organization.objects.filter(is_synthetic=True)
        .select_related("region")
        .prefetch_related("other_names")
    )
    assert OrganizationName.objects.filter(organization__is_synthetic=True).exists()
    for org in orgs:
        places = org.place_fields()
        assert org.country_id == getattr(places["country"], "pk", None), org
        assert org.province_id == getattr(places["province"], "pk", None), org
        assert org.search_text == org.compute_search_text(), org
        assert org.parent_id is None and org.website == ""
        assert org.region_id is not None


def test_partnership_copies_and_search_text_are_what_save_would_make(synth):
    partnerships = SisterSchoolPartnership.objects.filter(is_synthetic=True).select_related(
        "party_a__region", "party_b__region"
    )
    partnerships = partnerships.prefetch_related("party_a__other_names", "party_b__other_names")
    assert partnerships.count() == PARTNERSHIPS
    for p in partnerships:
        for name, value in p.derived_fields().items():
            assert getattr(p, name) == value, (p, name)
        assert p.is_public
        assert p.search_text == p.compute_search_text(), p
        assert p.summary
    # The public list shows them all.
    assert SisterSchoolPartnership.objects.published().filter(is_synthetic=True).count() == (
        PARTNERSHIPS
    )


def test_other_records_search_text_is_what_save_would_make(synth):
    for model in (Person, ConferenceSeries, Conference, Alliance):
        for record in model.objects.filter(is_synthetic=True):
            assert record.search_text == record.compute_search_text(), record


def test_partnerships_respect_the_rules(synth):
    qs = SisterSchoolPartnership.objects.filter(is_synthetic=True)
    assert not qs.filter(party_a=F("party_b")).exists()
    pairs = qs.annotate(lo=Least("party_a", "party_b"), hi=Greatest("party_a", "party_b"))
    duplicates = pairs.values("lo", "hi", "level").annotate(n=Count("pk")).filter(n__gt=1)
    assert not duplicates.exists()
    slugs = list(qs.values_list("slug", flat=True))
    assert len(slugs) == len(set(slugs))
    levels = Counter(qs.values_list("level", flat=True))
    assert levels[PartnershipLevel.SCHOOL] > levels[PartnershipLevel.COMPREHENSIVE] > 0
    assert not qs.filter(party_a__is_synthetic=False).exists()
    assert not qs.filter(party_b__is_synthetic=False).exists()
    assert qs.filter(conference__isnull=False).exists()
    assert not qs.filter(series__isnull=False).exists()
    assert not qs.filter(established_not_after__isnull=False).exists()
    for on, precision in qs.exclude(established_on=None).values_list(
        "established_on", "established_precision"
    ):
        assert datetime.date(2005, 1, 1) <= on <= datetime.date(2025, 12, 31)
        if precision != "day":
            assert on.day == 1
        if precision == "year":
            assert on.month == 1
    assert set(qs.values_list("established_precision", flat=True)) == {"day", "month", "year"}
    for p in qs.filter(conference__isnull=False).select_related("conference"):
        assert p.established_on == p.conference.held_on


def test_partnerships_look_like_the_real_ones(synth):
    """Usually a Chinese party and an overseas one; one overseas country is far ahead."""
    qs = SisterSchoolPartnership.objects.filter(is_synthetic=True)
    china = Region.objects.get(iso_code="CN")
    chinese = qs.filter(Q(a_path__startswith=china.path) | Q(b_path__startswith=china.path))
    assert chinese.count() >= 0.9 * PARTNERSHIPS
    overseas = Counter()
    for a, b in qs.values_list("a_country", "b_country"):
        for country in {a, b}:
            overseas[country] += 1
    for pk in Region.objects.filter(path__startswith=china.path).values_list("pk", flat=True):
        overseas.pop(pk, None)
    (top, n), (_second, m) = overseas.most_common(2)
    assert Region.objects.get(pk=top).iso_code == "US"
    assert 0.25 * PARTNERSHIPS <= n <= 0.6 * PARTNERSHIPS
    assert m < n / 2


def test_conferences_and_alliances_respect_the_rules(synth):
    conferences = Conference.objects.filter(is_synthetic=True)
    assert not conferences.filter(ends_on__lt=F("held_on")).exists()
    assert not conferences.filter(held_on__lt=datetime.date(2005, 1, 1)).exists()
    editions = (
        conferences.exclude(series=None)
        .values("series", "edition")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    assert not editions.exists()
    assert not conferences.filter(series__isnull=False, edition__isnull=True).exists()
    for alliance in Alliance.objects.filter(is_synthetic=True):
        members = alliance.memberships.all()
        assert members.exists()
        countries = {m.organization.country_id for m in members}
        assert set(alliance.countries.values_list("pk", flat=True)) == countries
        assert not alliance.countries.exclude(kind__in=["country", "sar"]).exists()


def test_dense_requests_use_every_pair(db):
    generate(partnerships=12, organizations=4)  # 6 pairs, 2 levels each: all of them
    qs = SisterSchoolPartnership.objects.filter(is_synthetic=True)
    assert qs.count() == 12
    pairs = {
        (min(a, b), max(a, b), lvl) for a, b, lvl in qs.values_list("party_a", "party_b", "level")
    }
    assert len(pairs) == 12


def test_works_on_an_empty_database(db):
    generate(partnerships=50, organizations=20)
    china = Region.objects.get(iso_code="CN")
    assert china.is_synthetic
    assert Region.objects.get(iso_code="HK").kind == RegionKind.SAR
    assert Region.objects.get(iso_code="HK").parent == china
    assert SisterSchoolPartnership.objects.count() == 50


@pytest.mark.skipif(connection.vendor != "postgresql", reason="statement_timeout is PostgreSQL's")
def test_a_statement_timeout_for_web_requests_does_not_cut_the_load_short(seed):
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = '1ms'")
    try:
        generate(partnerships=200, organizations=50)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")
    assert SisterSchoolPartnership.objects.filter(is_synthetic=True).count() == 200


# --------------------------------------------------------------------------- reproducible


def test_the_same_seed_makes_the_same_data(seed):
    generate(seed=11)
    first = partnership_tuples()
    organizations = sorted(
        Organization.objects.filter(is_synthetic=True).values_list(
            "name", "slug", "kind", "region__slug", "description"
        )
    )
    clear()
    generate(seed=11)
    assert partnership_tuples() == first
    assert (
        sorted(
            Organization.objects.filter(is_synthetic=True).values_list(
                "name", "slug", "kind", "region__slug", "description"
            )
        )
        == organizations
    )
    generate(seed=12, clear=True)
    assert partnership_tuples() != first


# --------------------------------------------------------------------------- clear


def test_clear_leaves_exactly_the_sourced_fixtures(seed):
    before = dump()
    counts = {model: model.objects.count() for model in RECORD_MODELS}
    generate()
    assert SisterSchoolPartnership.objects.count() > counts[SisterSchoolPartnership]
    clear()
    assert {model: model.objects.count() for model in RECORD_MODELS} == counts
    assert dump() == before
    assert synthetic.synthetic_counts() == dict.fromkeys(synthetic.synthetic_counts(), 0)


def test_clear_removes_what_staff_hung_on_synthetic_records(seed):
    before = dump()
    generate()
    org = Organization.objects.filter(is_synthetic=True).first()
    org.description = "Edited in the admin."
    org.save()  # makes history rows, as the admin or populate_history would
    OrganizationName.objects.create(organization=org, name="Another name")
    partnership = SisterSchoolPartnership.objects.filter(is_synthetic=True).first()
    Citation.objects.create(
        source=Source.objects.first(), paragraph=1, record=partnership, note="added by hand"
    )
    assert Organization.history.filter(is_synthetic=True).exists()
    assert OrganizationName.history.filter(name="Another name").exists()
    assert Citation.history.filter(note="added by hand").exists()
    clear()
    assert not OrganizationName.objects.filter(name="Another name").exists()
    assert not Citation.objects.filter(note="added by hand").exists()
    assert dump() == before


def test_clear_refuses_while_a_sourced_record_points_at_a_synthetic_one(seed):
    generate()
    sourced = Organization.objects.get(slug="suihua-university")
    Organization.objects.filter(pk=sourced.pk).update(region=Region.objects.get(iso_code="CN-GD"))
    with pytest.raises(CommandError, match="Nothing was deleted"):
        clear()
    assert SisterSchoolPartnership.objects.filter(is_synthetic=True).count() == PARTNERSHIPS


def test_a_second_run_without_clear_is_refused(synth):
    with pytest.raises(CommandError, match="--clear"):
        generate(seed=8)
    assert SisterSchoolPartnership.objects.filter(is_synthetic=True).count() == PARTNERSHIPS


def test_clear_with_sizes_replaces_the_synthetic_data(synth):
    generate(partnerships=40, organizations=30, clear=True)
    assert SisterSchoolPartnership.objects.filter(is_synthetic=True).count() == 40
    assert Organization.objects.filter(is_synthetic=True).count() == 30


def test_a_failure_midway_leaves_nothing_behind(seed, monkeypatch):
    counts = {model: model.objects.count() for model in RECORD_MODELS}

    def boom(self):
        raise RuntimeError("disk full")

    monkeypatch.setattr(synthetic.Generator, "make_partnerships", boom)
    with pytest.raises(RuntimeError):
        generate()
    assert {model: model.objects.count() for model in RECORD_MODELS} == counts
    assert not OrganizationName.objects.filter(organization__is_synthetic=True).exists()


# --------------------------------------------------------------------------- sizes


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"partnerships": 0}, "at least 1"),
        ({"partnerships": -5}, "at least 1"),
        ({"partnerships": "abc"}, "whole number"),
        ({"partnerships": "1.5"}, "whole number"),
        ({"partnerships": "1e6"}, "whole number"),
        ({"partnerships": True}, "whole number"),
        ({"partnerships": 10_000_001}, "limit"),
        ({"organizations": 0}, "at least 2"),
        ({"organizations": 1}, "at least 2"),
        ({"organizations": "many"}, "whole number"),
        ({"organizations": 2_000_001}, "limit"),
        ({"seed": "x"}, "whole number"),
        ({"partnerships": 7, "organizations": 3}, "at most 6"),
        ({"partnerships": 1_000_000, "organizations": 100}, "at most 9,900"),
    ],
)
def test_nonsense_sizes_are_refused(db, options, message):
    with pytest.raises(CommandError, match=message):
        call_command("generate_synthetic", stdout=StringIO(), stderr=StringIO(), **options)
    assert not SisterSchoolPartnership.objects.exists()
    assert not Region.objects.exists()


def test_command_line_strings_are_accepted(db):
    call_command(
        "generate_synthetic",
        "--partnerships",
        "30",
        "--organizations",
        "1_000",
        "--seed",
        "3",
        stdout=StringIO(),
        stderr=StringIO(),
    )
    assert SisterSchoolPartnership.objects.count() == 30
    assert Organization.objects.count() == 1000


def test_prints_progress_and_a_summary(db):
    out, err = generate(partnerships=30_000, organizations=2_000)
    steps = re.findall(r"partnerships: +(\d+)% \(([\d,]+) / 30,000\)", err)
    assert len(steps) >= 10  # about every 5%
    assert steps[-1] == ("100", "30,000")
    assert "Generated synthetic data (seed 7)" in out
    assert "30,000" in out and "rows/s" in out
    for label in ("regions", "organizations", "conferences", "alliances", "partnerships"):
        assert label in out


# --------------------------------------------------------------------------- PostgreSQL


@postgres_only
def test_postgres_bulk_load_puts_back_every_index_and_constraint(seed, monkeypatch):
    def schema():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT tablename, indexname, indexdef FROM pg_indexes "
                "WHERE schemaname = current_schema() ORDER BY 1, 2"
            )
            indexes = cursor.fetchall()
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                "FROM pg_constraint WHERE connamespace = current_schema()::regnamespace "
                "ORDER BY 1, 2"
            )
            return indexes, cursor.fetchall()

    before = schema()
    monkeypatch.setattr(synthetic, "BULK_LOAD_ROWS", 1)
    out, err = generate()
    assert "building" in err
    assert schema() == before
    test_partnerships_respect_the_rules(None)
    clear()
    assert schema() == before
    assert not SisterSchoolPartnership.objects.filter(is_synthetic=True).exists()


@postgres_only
def test_postgres_bulk_load_still_refuses_duplicates(seed, monkeypatch):
    """The rebuilt unique index fails the whole run if the rows broke it."""
    monkeypatch.setattr(synthetic, "BULK_LOAD_ROWS", 1)
    original = synthetic.Generator.pairs

    def twice(self):
        pairs = list(original(self))
        yield from pairs[:-1]
        yield pairs[0]  # the same pair and level again

    monkeypatch.setattr(synthetic.Generator, "pairs", twice)
    with pytest.raises(CommandError, match="refused"):
        generate()
    assert not Organization.objects.filter(is_synthetic=True).exists()


# --------------------------------------------------------------------------- pages


def test_public_pages_answer_with_synthetic_data(client, synth):
    us = Region.objects.get(iso_code="US")
    guangdong = Region.objects.get(iso_code="CN-GD")
    partnership = SisterSchoolPartnership.objects.filter(is_synthetic=True).first()
    org = Organization.objects.filter(is_synthetic=True).first()
    conference = Conference.objects.filter(is_synthetic=True, series__isnull=False).first()
    urls = [
        "/",
        f"/partnerships/?country={us.slug}",
        "/partnerships/?country=china",
        f"/partnerships/?region={guangdong.slug}",
        "/partnerships/?region=jiangsu&level=school",
        "/partnerships/?q=Synthetic",
        "/partnerships/?format=json",
        f"/organizations/?country={us.slug}",
        "/organizations/?kind=school",
        f"/regions/?region={us.slug}",
        "/conferences/",
        "/alliances/",
        "/people/",
        partnership.get_absolute_url(),
        org.get_absolute_url(),
        guangdong.get_absolute_url(),
        conference.get_absolute_url(),
        conference.series.get_absolute_url(),
        Alliance.objects.filter(is_synthetic=True).first().get_absolute_url(),
        Person.objects.filter(is_synthetic=True).first().get_absolute_url(),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
    response = client.get(partnership.get_absolute_url())
    assert partnership.party_a.name in response.content.decode()


def test_an_exact_count_of_thousands_is_printed_with_separators(client, seed):
    generate(partnerships=1_200, organizations=150)
    response = client.get("/partnerships/")
    assert response.context["paginator"].count == 1_202  # and the two sourced ones
    assertContains(response, "1,202 results")


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_generate_synthetic_vacuums_the_tables_it_wrote_once_committed():
    out = StringIO()
    call_command(
        "generate_synthetic", partnerships=20, organizations=10, stdout=out, stderr=StringIO()
    )
    assert "VACUUM ANALYZE of the tables written" in out.getvalue()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT last_vacuum FROM pg_stat_user_tables WHERE relname = %s",
            [SisterSchoolPartnership._meta.db_table],
        )
        assert cursor.fetchone()[0] is not None
