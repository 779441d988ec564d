"""PostgreSQL's stored search vector: a trigger keeps it equal to the search text, whatever
wrote the row (migration 0002), and the search uses it through its GIN index."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from partnerships.models import Organization, SisterSchoolPartnership
from tests.test_views import make_org, make_partnership, make_region

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the search vector is PostgreSQL's"
)


def stored_vector(model, pk) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT search_vector::text FROM {model._meta.db_table} WHERE id = %s", [pk]
        )
        return cursor.fetchone()[0]


@pytest.fixture
def school(db):
    return make_org("Harbin Lighthouse School", make_region("Narnia"))


def test_insert_fills_the_search_vector(school):
    # The name, then the name of its region (a search for the place finds it).
    assert stored_vector(Organization, school.pk) == (
        "'harbin':1 'lighthouse':2 'narnia':4 'school':3"
    )


def test_save_after_a_rename_refreshes_the_search_vector(school):
    school.name = "Qiqihar Beacon School"
    school.save()
    vector = stored_vector(Organization, school.pk)
    assert "'qiqihar'" in vector
    assert "'harbin'" not in vector


def test_bare_update_of_the_search_text_refreshes_the_search_vector(school):
    Organization.objects.filter(pk=school.pk).update(search_text="Mudanjiang")
    assert stored_vector(Organization, school.pk) == "'mudanjiang':1"


def test_update_of_other_columns_keeps_the_search_vector(school):
    Organization.objects.filter(pk=school.pk).update(website="https://example.org/")
    # The name, then the name of its region (a search for the place finds it).
    assert stored_vector(Organization, school.pk) == (
        "'harbin':1 'lighthouse':2 'narnia':4 'school':3"
    )


def test_renaming_a_party_refreshes_its_partnerships_search_vector(school):
    other = make_org("Maple Leaf Academy")
    partnership = make_partnership(school, other)
    school.name = "Jixi Star School"
    school.save()
    vector = stored_vector(SisterSchoolPartnership, partnership.pk)
    assert "'jixi'" in vector
    assert "'harbin'" not in vector


def test_search_finds_a_whole_word_through_the_vector(school):
    make_org("Maple Leaf Academy")
    assert list(Organization.objects.search("lighthouse")) == [school]
    assert list(Organization.objects.search("lighthouse -harbin")) == []  # websearch syntax


def test_search_for_words_reads_only_the_word_index(db):
    make_org("Fuzhou Bay School")
    sql = str(Organization.objects.search("fuzhou").query)
    assert '"search_vector" @@' in sql
    assert "to_tsvector" not in sql  # the stored vector, not one recomputed per row
    assert "LIKE" not in sql


def test_search_looks_inside_words_when_no_record_has_them(school):
    make_org("Maple Leaf Academy")
    queryset = Organization.objects.search("ghthou")
    assert list(queryset) == [school]
    assert "LIKE" in str(queryset.query)


def test_search_for_words_that_some_record_has_does_not_match_inside_other_words(school):
    # "light" is a word of one name: the search finds that name, not "Lighthouse".
    light = make_org("Northern Light School")
    assert list(Organization.objects.search("light")) == [light]


def test_both_halves_of_the_search_can_use_their_gin_index(db):
    """With sequential scans priced out, the planner still has an index path: the GIN index on
    the stored vector for words, the trigram index for text inside words."""
    make_org("Fuzhou Bay School")
    plans = {}
    for text in ("fuzhou", "uzho"):
        queryset = Organization.objects.search(text)
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            plans[text] = queryset.explain()
            cursor.execute("SET LOCAL enable_seqscan = on")
    assert "organization_search_vec" in plans["fuzhou"]
    assert "organization_search_trgm" in plans["uzho"]
    assert not any("Seq Scan" in plan for plan in plans.values())


def test_date_index_holds_the_key_but_not_the_words(db):
    """Not the words: a btree row holds at most 2,704 bytes, fewer than the words of a
    partnership with long texts (test_trial26)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'partner_public_date'")
        (definition,) = cursor.fetchone()
    assert "(is_public, established_on DESC NULLS LAST, slug) INCLUDE (id)" in definition


def test_list_page_reads_its_rows_with_the_joins_as_written_then_restores_the_setting(client, seed):
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/partnerships/")
    assert response.status_code == 200
    sqls = [q["sql"] for q in ctx.captured_queries]
    set_at = next(i for i, s in enumerate(sqls) if "set_config('join_collapse_limit', '1'" in s)
    rows = 'SELECT "partnerships_sisterschoolpartnership"."id" AS "pk", '
    page_at = next(i for i, s in enumerate(sqls) if s.startswith(rows))
    restore_at = next(i for i, s in enumerate(sqls) if "set_config('join_collapse_limit', '8'" in s)
    assert set_at < page_at < restore_at
    with connection.cursor() as cursor:
        cursor.execute("SHOW join_collapse_limit")
        assert cursor.fetchone()[0] == "8"


def test_word_check_that_runs_out_of_its_quick_time_goes_through_the_index(school):
    """A check slower than QUICK_CHECK_MS is canceled by PostgreSQL, then made again with
    sequential scans priced out; the transaction it ran in stays usable."""
    from partnerships.search import QUICK_CHECK_MS, bounded_exists

    slow = Organization.objects.filter(pk=school.pk).extra(
        where=[f"pg_sleep({QUICK_CHECK_MS * 3 / 1000}) IS NOT NULL"]
    )
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        before = cursor.fetchone()[0]
    with CaptureQueriesContext(connection) as ctx:
        assert bounded_exists(slow)
    # (inside the test's transaction the setting has a query of its own: pgsettings)
    settings = [q["sql"] for q in ctx.captured_queries if "'enable_seqscan', 'off'" in q["sql"]]
    assert len(settings) == 1  # the second try ran
    assert Organization.objects.filter(pk=school.pk).exists()
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == before


@pytest.mark.django_db(transaction=True)
def test_word_check_outside_a_transaction_leaves_no_setting_behind(school):
    """As in production (autocommit): the time limit, then the index-only planner settings,
    each set for its own check only, and gone after it."""
    from partnerships.search import QUICK_CHECK_MS, bounded_exists

    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        timeout_before = cursor.fetchone()[0]
    slow = Organization.objects.filter(pk=school.pk).extra(
        where=[f"pg_sleep({QUICK_CHECK_MS * 3 / 1000}) IS NOT NULL"]
    )
    with CaptureQueriesContext(connection) as ctx:
        assert bounded_exists(slow)
    sqls = "\n".join(q["sql"] for q in ctx.captured_queries)
    assert f"set_config('statement_timeout', '{QUICK_CHECK_MS}ms', true)" in sqls
    assert "set_config('enable_seqscan', 'off', true)" in sqls
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_seqscan")
        assert cursor.fetchone()[0] == "on"
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == timeout_before


def test_word_check_within_its_quick_time_runs_once(school):
    from partnerships.search import bounded_exists

    with CaptureQueriesContext(connection) as ctx:
        assert bounded_exists(Organization.objects.filter(pk=school.pk))
    assert not any("enable_seqscan" in q["sql"] for q in ctx.captured_queries)


def test_text_shorter_than_a_trigram_is_searched_as_a_word_only(school):
    make_org("Zz Top Academy")
    assert list(Organization.objects.search("ht")) == []  # inside "Lighthouse": not looked for
    assert "LIKE" not in str(Organization.objects.search("ht").query)
    assert [o.name for o in Organization.objects.search("zz")] == ["Zz Top Academy"]  # a word


def test_two_chinese_characters_find_the_longer_name_they_begin(db):
    make_org("中俄中学联盟")
    found = Organization.objects.search("中俄")
    assert [o.name for o in found] == ["中俄中学联盟"]
    assert "LIKE" not in str(found.query)  # through the word index


def test_two_chinese_characters_inside_a_name_find_it(db):
    make_org("黑龙江大学")
    assert [o.name for o in Organization.objects.search("江大")] == ["黑龙江大学"]


def test_two_chinese_characters_no_name_has_find_nothing(db):
    make_org("中俄中学联盟")
    assert list(Organization.objects.search("俄学")) == []
