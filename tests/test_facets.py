"""Facets: which labels a facet reads, how its values are written, and facets that run out
of time."""

import pytest
from django.db import connection
from django.db.models import F
from pytest_django.asserts import assertContains

from partnerships import facets
from partnerships.facets import FACET_SIZE, Facet, toggle_url, toggle_urls
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
    connection.vendor != "postgresql", reason="PostgreSQL's statement_timeout"
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


@pytest.fixture
def slow_facets(monkeypatch, settings):
    """Counting a facet, alone or with others, takes 2 s, against a time limit of 50 ms
    each: PostgreSQL cancels it."""
    settings.FACET_TIME_LIMIT_MS = 50

    def slow(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(2)")
        return {}

    monkeypatch.setattr(Facet, "raw_counts", lambda self, queryset: slow())
    monkeypatch.setattr(facets, "count_together", slow)


@on_postgresql
def test_search_whose_facets_run_out_of_time_leaves_them_out_and_still_counts(
    client, seed, slow_facets
):
    # A searched list's facets are counted together (facets.count_together), in one
    # statement with the rows' number: all six are left out, and the rows counted apart.
    response = client.get("/partnerships/?q=Jiangsu")
    assert response.status_code == 200
    assert response.context["facets"] == []
    assert len(response.context["facets_left_out"]) == 6
    assert "Country" in response.context["facets_left_out"]
    assertContains(response, "Left out because counting them took too long")
    assert result_count(response) == 2
    assertContains(response, "2 results")


@on_postgresql
def test_filtered_list_whose_facets_run_out_of_time_leaves_them_out_with_a_note(
    client, seed, slow_facets
):
    response = client.get("/partnerships/?level=comprehensive")
    assert response.status_code == 200
    assert "Level" in response.context["facets_left_out"]  # counted apart, alone
    assert "Country" in response.context["facets_left_out"]  # counted with the others
    assertContains(response, "Left out because counting them took too long")
    assert len(response.context["object_list"]) == 2


@on_postgresql
def test_the_whole_list_counts_its_facets_beyond_the_facets_time_limit(
    client, seed, monkeypatch, settings
):
    # The whole list's counts serve every visitor and the overview until the data changes:
    # they are counted within the statement time limit of every query, not the facets'.
    settings.FACET_TIME_LIMIT_MS = 50
    real = Facet.raw_counts

    def slower(self, queryset):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(0.2)")
        return real(self, queryset)

    monkeypatch.setattr(Facet, "raw_counts", slower)
    response = client.get("/partnerships/")
    assert response.context["facets_left_out"] == []
    assert "Country" in [str(f.title) for f in response.context["facets"]]
    assert "Level" in client.get("/partnerships/?level=comprehensive").context["facets_left_out"]


# The page's rows: the values its table shows (PartnershipRow.VALUES, "pk" first).
ROWS = 'SELECT "partnerships_sisterschoolpartnership"."id" AS "pk", '


def listed_slugs(response) -> list[str]:
    return [p.slug for p in response.context["object_list"]]


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
    from partnerships.copy_export import first_rows_order
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


def test_facet_labels_leave_drafts_out(client, db):
    from tests.test_views import (
        RegionKind,
        make_org,
        make_partnership,
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
    response = client.get("/partnerships/?q=school")
    assert sorted(facet(response, "country")) == ["Canada", "Peru"]
    assert sorted(facet(response, "region")) == ["Cusco", "Ontario"]
    assert list(facet(response, "conference")) == ["Toronto Forum"]
    assert "Unannounced Summit" not in response.content.decode()


def test_facet_items_are_written_escaped_with_their_state_and_counts(rf):
    from django.template.loader import render_to_string

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
    html = render_to_string(
        "includes/facets.html", {"facets": [result], "any_facet_items": True}, rf.get("/")
    )
    assert html.count("<li>") == 3
    assert (
        '<a href="?x=1&amp;y=2#results" class="selected" aria-current="true">'
        '<span class="visually-hidden">Remove filter: </span>&lt;b&gt;Ann &amp; Co&lt;/b&gt;</a>'
    ) in html
    assert '<a href="?country=b#results">Plain</a>' in html
    assert "<span>No link</span>" in html
    assert '12,345<span class="visually-hidden"> results</span>' in html


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
