"""Facets: which labels a facet reads, the count a search gets from its facets, and facets
that run out of time."""

import re

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from pytest_django.asserts import assertContains

from partnerships import facets
from partnerships.facets import FACET_SIZE, Facet, toggle_url, toggle_urls
from partnerships.models import newest_first, oldest_first
from tests.test_views import (  # seeded_module: the seed, loaded once per module
    DRAFT,
    Bulk,
    facet,
    make_conference,
    make_region,
    result_count,
    seeded_module,  # noqa: F401
)

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's GROUPING SETS and statement_timeout"
)


class RecordingFacet(Facet):
    """Labels every key but those in ``drafts``, and records which keys it was asked for."""

    def __init__(self, drafts=()):
        super().__init__("x", "X", ["x"])
        self.drafts = set(drafts)
        self.asked: list[list] = []

    def labels(self, keys, selected=()):
        self.asked.append(list(keys))
        wanted = set(keys) | {int(v[1:]) for v in selected}
        return {k: (f"v{k}", f"Label {k:04d}") for k in wanted if k not in self.drafts}


def test_a_large_facet_reads_the_labels_of_its_most_frequent_values_only():
    counts = {k: 10_000 - k for k in range(3_000)}
    recorder = RecordingFacet()
    labels = recorder.ranked_labels(counts, set())
    assert len(recorder.asked) == 1
    assert recorder.asked[0] == list(range(FACET_SIZE + 9))
    assert set(range(FACET_SIZE + 1)) <= set(labels)


def test_a_facet_reads_more_labels_while_its_top_values_are_drafts():
    counts = {k: 10_000 - k for k in range(3_000)}
    recorder = RecordingFacet(drafts=range(100))  # the 100 most frequent may not be shown
    labels = recorder.ranked_labels(counts, set())
    assert len(recorder.asked) > 1
    shown = sorted(k for k in labels if k >= 100)
    assert shown[: FACET_SIZE + 1] == list(range(100, 100 + FACET_SIZE + 1))


def test_a_facet_reads_every_label_tied_with_the_last_one_it_needs():
    # 40 values with the same count: which are shown depends on their labels.
    counts = dict.fromkeys(range(40), 5)
    recorder = RecordingFacet()
    recorder.ranked_labels(counts, set())
    assert sorted(recorder.asked[0]) == list(range(40))


def test_a_selected_value_gets_its_label_however_rare_it_is():
    counts = {k: 10_000 - k for k in range(3_000)}
    recorder = RecordingFacet()
    labels = recorder.ranked_labels(counts, {"v2999"})
    assert labels[2999] == ("v2999", "Label 2999")


def test_facet_of_many_values_shows_the_most_frequent_and_says_it_is_truncated(rf):
    counts = {k: 10_000 - k for k in range(3_000)}
    result = RecordingFacet(drafts={0}).compute(None, rf.get("/"), counts)
    assert [item.value for item in result.items] == [f"v{k}" for k in range(1, FACET_SIZE + 1)]
    assert result.truncated


def test_facet_with_few_values_is_not_truncated(rf):
    counts = {k: 10 - k for k in range(FACET_SIZE)}
    result = RecordingFacet().compute(None, rf.get("/"), counts)
    assert len(result.items) == FACET_SIZE
    assert not result.truncated


@pytest.mark.django_db
def test_labels_of_several_facets_read_together_are_each_facets_own():
    """related_labels (one query for every related facet on PostgreSQL) gives what each
    facet's labels() gives: published records by key or selected slug, drafts left out,
    junk and markup in a selected value harmless."""
    from partnerships.views import PartnershipListView

    by_param = {f.param: f for f in PartnershipListView.facets}
    regions = [make_region(f"Land {i}") for i in range(3)]
    hidden = make_region("Hiddenland", publication=DRAFT)
    forums = [make_conference(f"Forum {i}") for i in range(2)]
    secret = make_conference("Secret Forum", publication=DRAFT)
    junk = ["<b>x</b>", "' OR 1=1 --", "x" * 10_000, hidden.slug]
    wanted = [
        (by_param["country"], {regions[0].pk, hidden.pk, 10**12}, {regions[2].slug, *junk}),
        (by_param["conference"], {forums[0].pk, secret.pk}, {forums[1].slug, secret.slug}),
        (by_param["region"], set(), set()),
    ]
    with CaptureQueriesContext(connection) as together:
        found = facets.related_labels(wanted)
    assert found == [f.labels(keys, selected) for f, keys, selected in wanted]
    assert found[0] == {r.pk: (r.slug, r.name) for r in (regions[0], regions[2])}
    assert found[1] == {c.pk: (c.slug, c.name) for c in forums}
    assert found[2] == {}
    # Elsewhere a query per facet that looks for something (Django sends none for no keys).
    assert len(together.captured_queries) == (1 if connection.vendor == "postgresql" else 2)


def count_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith("SELECT COUNT(*)")]


@on_postgresql
def test_search_takes_its_count_from_its_facets_query(client, seed):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/partnerships/?q=Jiangsu")
    assert result_count(response) == 2
    assertContains(response, "2 results")
    assert facet(response, "country")["China"].count == 2
    assert count_queries(ctx.captured_queries) == []
    assert any("GROUPING SETS" in q["sql"] and "()" in q["sql"] for q in ctx.captured_queries)


@on_postgresql
def test_search_on_a_later_page_counts_its_rows_itself(client, seed):
    Bulk().add(12, only="partnerships")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/partnerships/?q=Extra&per_page=10&page=2")
    assert len(response.context["object_list"]) == 2
    assert result_count(response) == 12
    assert len(count_queries(ctx.captured_queries)) == 1


@on_postgresql
def test_search_past_the_count_cap_says_so_when_counted_with_its_facets(client, seed, settings):
    settings.LIST_COUNT_CAP = 1
    response = client.get("/partnerships/?q=Jiangsu")
    assertContains(response, "1+ results")
    assert response.context["paginator"].is_capped


@pytest.fixture
def slow_facets(monkeypatch, settings):
    """Counting a facet takes 2 s, against a time limit of 50 ms: PostgreSQL cancels it."""
    settings.FACET_TIME_LIMIT_MS = 50

    def slow(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(2)")
        return {}

    monkeypatch.setattr(facets, "grouped_counts", slow)
    monkeypatch.setattr(Facet, "raw_counts", lambda self, queryset: slow())


@on_postgresql
def test_search_whose_facets_run_out_of_time_leaves_them_out_and_still_counts(
    client, seed, slow_facets
):
    response = client.get("/partnerships/?q=Jiangsu")
    assert response.status_code == 200
    assert response.context["facets"] == []
    assert "Country" in response.context["facets_left_out"]
    assertContains(response, "Left out because counting them took too long")
    assert result_count(response) == 2
    assertContains(response, "2 results")


@on_postgresql
def test_list_whose_facets_run_out_of_time_leaves_them_out_with_a_note(client, seed, slow_facets):
    response = client.get("/partnerships/")
    assert response.status_code == 200
    assert response.context["facets"] == []
    assert len(response.context["facets_left_out"]) == 6
    assertContains(response, "Left out because counting them took too long")
    assert len(response.context["object_list"]) == 2


# The page's rows: the values its table shows (PartnershipRow.VALUES, "pk" first).
ROWS = 'SELECT "partnerships_sisterschoolpartnership"."id" AS "pk", '


def listed_slugs(response) -> list[str]:
    return [p.slug for p in response.context["object_list"]]


@on_postgresql
@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("", (newest_first("established_on"), "slug")),
        ("established", (oldest_first("established_on"), "pk")),
        ("level", ("level", "pk")),
        ("-name", ("-slug", "pk")),
    ],
)
def test_search_first_page_read_from_its_facet_query_is_the_lists_first_page(
    client, seed, sort, order
):
    from partnerships.models import SisterSchoolPartnership

    Bulk().add(30, only="partnerships")
    # Undated rows go last in both date orders, and the facet query must place them so too:
    # 25 of the 30, so that the first page of 10 holds 5 dated and 5 undated ones.
    undated = SisterSchoolPartnership.objects.filter(established_on__year__lt=2015)
    assert undated.update(established_on=None) == 25
    query = f"?q=Extra&per_page=10&sort={sort}"
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"/partnerships/{query}")
    expected = SisterSchoolPartnership.objects.published().search("Extra").order_by(*order)
    assert listed_slugs(response) == [p.slug for p in expected[:10]]
    assert any("WITH facet_rows AS MATERIALIZED" in q["sql"] for q in ctx.captured_queries)
    # The page reads its rows by key: the rows are found and ordered once, in the facet query.
    reads = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith(ROWS)]
    assert len(reads) == 1
    assert '"id" IN (' in reads[0]
    assert "LIMIT" not in reads[0]


@on_postgresql
def test_pages_of_a_sorted_search_list_every_row_once(client, seed):
    Bulk().add(30, only="partnerships")  # all at one level: the sort ties everywhere
    seen = []
    for page in (1, 2, 3):
        response = client.get(f"/partnerships/?q=Extra&per_page=10&sort=level&page={page}")
        seen += listed_slugs(response)
    assert len(seen) == 30
    assert len(set(seen)) == 30


def test_first_rows_order_replays_an_order_that_ends_with_a_unique_column(db):
    from partnerships.facets import first_rows_order
    from partnerships.models import SisterSchoolPartnership

    qs = SisterSchoolPartnership.objects.all()
    assert first_rows_order(qs.order_by("-established_on", "slug")) == [
        ("established_on", True, ""),
        ("slug", False, ""),
    ]
    assert first_rows_order(qs) == [("established_on", True, "LAST"), ("slug", False, "")]
    assert first_rows_order(qs.order_by(F("established_on").asc(nulls_first=True), "pk")) == [
        ("established_on", False, "FIRST"),
        ("id", False, ""),
    ]
    assert first_rows_order(qs.order_by("level", "pk")) == [("level", False, ""), ("id", False, "")]
    assert first_rows_order(qs.order_by("level")) is None  # ties: no total order
    assert first_rows_order(qs.order_by("party_a__name", "pk")) is None  # another table


def unindexed(sql: str) -> bool:
    """Whether ``sql`` compares a place column in the form no index matches (filters.unindexed)."""
    return "+ 0)" in sql or "|| COALESCE('', '')" in sql


@on_postgresql
@pytest.mark.parametrize("place", ["country=canada", "region=jiangsu", "country=denmark"])
def test_filters_on_a_narrow_search_select_the_same_rows_checked_row_by_row(
    client, seed, monkeypatch, place
):
    url = f"/partnerships/?q=Jiangsu&{place}"
    with CaptureQueriesContext(connection) as ctx:
        narrow = client.get(url)
    assert any(unindexed(q["sql"]) for q in ctx.captured_queries)
    monkeypatch.setattr(facets, "EXACT_SEARCH_FACET_ROWS", -1)  # no search is narrow now
    with CaptureQueriesContext(connection) as ctx:
        broad = client.get(url)
    assert not any(unindexed(q["sql"]) for q in ctx.captured_queries)
    assert listed_slugs(narrow) == listed_slugs(broad)
    assert listed_slugs(narrow)  # the seed has a match for each
    assert result_count(narrow) == result_count(broad)


def test_a_search_is_sampled_on_fewer_buckets_the_more_rows_it_matches(monkeypatch):
    monkeypatch.setattr(facets, "EXACT_SEARCH_ROWS", 4_000)
    monkeypatch.setattr(facets, "SEARCH_SAMPLE_ROWS", 2_500)
    assert facets.sample_buckets_for(4_000) is None  # counted exactly
    assert facets.sample_buckets_for(4_001) == facets.MAX_SAMPLE_BUCKETS
    assert facets.sample_buckets_for(11_000) == 4  # 16 * 2,500 / 11,000 = 3.6
    assert facets.sample_buckets_for(16_000) == 4  # 2.5 buckets: 3 has no index, 4 has
    assert facets.sample_buckets_for(20_000) == 2
    assert facets.sample_buckets_for(50_000) == 1
    assert facets.sample_buckets_for(10**9) == 1


def sampled_rows(query: str, buckets: int) -> int:
    """Published partnerships that ``query`` matches in the first ``buckets`` sample buckets,
    counted with SQL written here (not the code under test)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM partnerships_sisterschoolpartnership WHERE is_public "
            "AND search_vector @@ websearch_to_tsquery('simple', %s) "
            "AND (hashint8(id) & 15) < %s",
            [query, buckets],
        )
        return cursor.fetchone()[0]


@pytest.fixture
def sampled_search(monkeypatch):
    """Every search is sampled (on four buckets of sixteen), however few rows it matches."""
    monkeypatch.setattr(facets, "EXACT_SEARCH_ROWS", 0)
    monkeypatch.setattr(facets, "MIN_SAMPLED_ROWS", 1)


@on_postgresql
def test_a_large_search_shows_its_count_and_facets_as_estimates_from_a_sample(
    client, seed, sampled_search
):
    Bulk().add(60, only="partnerships")
    in_sample = sampled_rows("Extra", 4)
    assert in_sample  # 60 rows, each in one of 16 buckets: some fall in the first four
    response = client.get("/partnerships/?q=Extra")
    estimate = in_sample * 16 // 4
    assert response.context["paginator"].estimated_count == estimate
    assertContains(response, f"about {estimate:,} results")
    assertContains(response, "estimated from a random sample of the matches")
    country = facet(response, "country")["Extra Land"]
    assert country.count == estimate
    assert all(f.approximate for f in response.context["facets"])


@on_postgresql
def test_a_sampled_search_lists_the_same_first_page_and_pages_on(client, seed, sampled_search):
    from partnerships.models import SisterSchoolPartnership

    Bulk().add(30, only="partnerships")
    response = client.get("/partnerships/?q=Extra&per_page=10")
    expected = SisterSchoolPartnership.objects.published().search("Extra")
    assert listed_slugs(response) == [p.slug for p in expected[:10]]
    assert response.context["page_obj"].has_next()
    assertContains(response, "Next page")


@on_postgresql
def test_a_sample_too_small_to_estimate_from_is_counted_exactly(client, seed, monkeypatch):
    monkeypatch.setattr(facets, "EXACT_SEARCH_ROWS", 0)
    monkeypatch.setattr(facets, "MIN_SAMPLED_ROWS", 1_000)  # more than the search has
    Bulk().add(12, only="partnerships")
    response = client.get("/partnerships/?q=Extra")
    assert response.context["paginator"].estimated_count is None
    assert result_count(response) == 12
    assertContains(response, "12 results")
    assert not any(f.approximate for f in response.context["facets"])


@on_postgresql
def test_a_sample_on_every_bucket_counts_what_the_exact_query_does(db, seed):
    from partnerships.models import SisterSchoolPartnership

    Bulk().add(20, only="partnerships")
    qs = SisterSchoolPartnership.objects.published().search("Extra")
    columns = {"level_0": facets.F("level"), "country_0": facets.F("a_country")}
    exact = facets.grouped_counts(qs, columns, with_total=True)
    every_bucket = facets.grouped_counts(qs, columns, with_total=True, buckets=16)
    assert every_bucket == exact
    assert exact[facets.TOTAL] == {None: 20}
    for wrong in (0, 17):
        with pytest.raises(ValueError):
            facets.grouped_counts(qs, columns, buckets=wrong)


@on_postgresql
@pytest.mark.parametrize("buckets", facets.SAMPLE_INDEX_BUCKETS)
def test_the_sample_of_a_search_is_found_in_its_own_partial_index(db, seed, buckets):
    from partnerships.models import SisterSchoolPartnership

    qs = (
        SisterSchoolPartnership.objects.published()
        .search("Jiangsu")
        .filter(facets.InSampleBuckets("pk", buckets))
        .values("pk")
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = qs.explain()
    # The condition the code writes is the one of migration 0010's indexes: PostgreSQL proves
    # that the query implies it and reads one of them (on a table this small it may pick a
    # larger sample's index than the query's own; at scale, explain.md shows the exact one).
    used = re.findall(r"on sisterschool_search_sample_(\d+) ", plan)
    assert used
    assert all(int(k) in facets.SAMPLE_INDEX_BUCKETS and int(k) >= buckets for k in used)


def test_a_sample_of_no_buckets_or_more_than_all_is_refused():
    for wrong in (0, 17, "1"):
        with pytest.raises(ValueError):
            facets.InSampleBuckets("pk", wrong)


@on_postgresql
def test_a_large_search_with_a_filter_is_estimated_from_the_sample_rows_that_pass_it(
    client, seed, sampled_search
):
    Bulk().add(60, only="partnerships")
    Bulk(tag="Other").add(20, only="partnerships")  # also "School", in another country
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM partnerships_sisterschoolpartnership p "
            "JOIN partnerships_region r ON r.id IN (p.a_country_id, p.b_country_id) "
            "WHERE p.is_public AND r.slug = 'extra-land' "
            "AND p.search_vector @@ websearch_to_tsquery('simple', 'School') "
            "AND (hashint8(p.id) & 15) < 4"
        )
        in_sample = cursor.fetchone()[0]
    assert in_sample
    response = client.get("/partnerships/?q=School&country=extra-land")
    assert response.context["paginator"].estimated_count == in_sample * 4
    assert facet(response, "country")["Extra Land"].count == in_sample * 4


@on_postgresql
def test_labels_of_every_related_facet_come_from_one_query_and_drafts_stay_out(client, db):
    from tests.test_views import (
        DRAFT,
        RegionKind,
        make_conference,
        make_org,
        make_partnership,
        make_region,
    )

    canada, peru = make_region("Canada"), make_region("Peru")
    ontario = make_region("Ontario", kind=RegionKind.PROVINCE, parent=canada)
    cusco = make_region("Cusco", kind=RegionKind.PROVINCE, parent=peru)
    signed_at = make_conference("Toronto Forum")
    secret = make_conference("Unannounced Summit", publication=DRAFT)
    make_partnership(make_org("Maple School", ontario), make_org("Andes School", cusco),
                     conference=signed_at)  # fmt: skip
    make_partnership(make_org("Birch School", ontario), make_org("Inca School", cusco),
                     conference=secret)  # fmt: skip
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/partnerships/?q=school")
    # Countries, provinces and conferences: one query (facets.related_labels).
    labels = [
        q["sql"]
        for q in ctx.captured_queries
        if "partnerships_sisterschoolpartnership" not in q["sql"]
        and ('"partnerships_region"' in q["sql"] or '"partnerships_conference"' in q["sql"])
    ]
    assert len(labels) == 1
    assert '"partnerships_region"' in labels[0] and '"partnerships_conference"' in labels[0]
    assert sorted(facet(response, "country")) == ["Canada", "Peru"]
    assert sorted(facet(response, "region")) == ["Cusco", "Ontario"]
    assert list(facet(response, "conference")) == ["Toronto Forum"]
    assert "Unannounced Summit" not in response.content.decode()


def test_facet_items_are_written_escaped_with_their_state_and_counts():
    from partnerships.facets import FacetItem, FacetResult

    result = FacetResult(
        "country",
        "Country",
        [
            FacetItem("a", "<b>Ann & Co</b>", 12_345, selected=True, url="?x=1&y=2"),
            FacetItem("b", "Plain", 7, selected=False, url="?country=b"),
            FacetItem("c", "No link", 3, selected=False),
        ],
    )
    html = str(result.items_html())
    assert html.count("<li>") == 3
    assert (
        '<a href="?x=1&amp;y=2" class="selected" aria-current="true">'
        '<span class="visually-hidden">Remove filter: </span>&lt;b&gt;Ann &amp; Co&lt;/b&gt;</a>'
    ) in html
    assert '<a href="?country=b">Plain</a>' in html
    assert "<span>No link</span>" in html
    assert '12,345<span class="visually-hidden"> results</span>' in html
    result.approximate = True
    assert '≈7<span class="visually-hidden"> results, estimated</span>' in result.items_html()


@pytest.mark.parametrize("language", ["en", "de", "fr", "ru", "zh-hans", "hi", "es"])
def test_facet_counts_are_grouped_as_the_intcomma_filter_groups_them(language):
    from django.contrib.humanize.templatetags.humanize import intcomma
    from django.utils import translation

    from partnerships.facets import thousands

    with translation.override(language):
        grouped = thousands()
        for n in (0, 7, 999, 1_000, 12_345, 1_000_002, 123_456_789):
            assert grouped(n) == intcomma(n)


@pytest.mark.parametrize(
    "query",
    [
        "",
        "page=3",
        "country=china",
        "q=a+b&country=china&country=<x>&page=2&level=school",
        "level=school&country=china&sort=-established",
        "country=&country=china&q=%E4%B8%AD%E5%9B%BD",
    ],
)
@pytest.mark.parametrize("param", ["country", "level", "region"])
def test_toggle_urls_are_each_values_toggle_url(rf, query, param):
    request = rf.get("/partnerships/?" + query)
    values = ["china", "<x>", "school", "", "中国"]
    assert toggle_urls(request, param, values) == {
        value: toggle_url(request, param, value) for value in values
    }
