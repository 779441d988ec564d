"""The page cache (partnerships/pagecache.py): a second anonymous request is answered from the
cache, and every write (an admin action or form, a delete, an import) shows on the next one.

Every test runs twice: with the caches in local memory (the default) and in Redis (database
15 of REDIS_URL, or 15 - N in pytest-xdist's worker gwN: conftest.this_workers_redis).
Without REDIS_URL the Redis runs are skipped, except with CI=true, where they use
redis://127.0.0.1:6379/15 and an unreachable server fails them, as an unreachable
PostgreSQL fails the suite (bin/test-all).

The test's transaction never commits, and a page read while its own connection holds writes
not yet committed is neither served from the cache nor stored (it sees what no other request
sees). So every write here runs inside ``django_capture_on_commit_callbacks(execute=True)``,
which runs what the commit would: the data version changes then, as in production.
"""

import io
import os
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partnerships import facets, pagecache
from partnerships.models import Organization, Publication, Region, SisterSchoolPartnership
from tests.adminforms import change_url, form_of, messages_of
from tests.conftest import SEED, this_workers_redis
from tests.jobhelpers import Jobs, run_worker
from tests.test_views import make_org, make_partnership, make_region, result_count

LOCMEM = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "pages",
    },
    "facets": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "facets",
    },
    "data-version": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "data-version",
    },
}


def redis_caches() -> dict:
    """The caches in database 15 of REDIS_URL's server (of 127.0.0.1:6379 under CI=true
    without REDIS_URL); skipped without REDIS_URL, failed under CI=true if unreachable."""
    url = os.environ.get("REDIS_URL", "").strip()
    ci = os.environ.get("CI", "").lower() == "true"
    if not url:
        if not ci:
            pytest.skip("REDIS_URL is not set")
        url = "redis://127.0.0.1:6379/15"
    url = this_workers_redis(urlunsplit(urlsplit(url)._replace(path="/15")))
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=5).flushdb()
    except redis.RedisError as exc:
        message = f"Redis at {url} cannot be reached: {exc}"
        if ci:
            pytest.fail(message)
        pytest.skip(message)
    backend = "django.core.cache.backends.redis.RedisCache"
    return {
        alias: {"BACKEND": backend, "LOCATION": url, "KEY_PREFIX": prefix}
        for alias, prefix in [
            ("default", ""),
            ("pages", "pages"),
            ("facets", "facets"),
            ("data-version", "data"),
        ]
    }


@pytest.fixture(autouse=True, params=["local memory", "redis"])
def backend(request):
    settings = LOCMEM if request.param == "local memory" else redis_caches()
    with override_settings(CACHES=settings, PAGE_CACHE_SECONDS=600):
        for alias in settings:
            caches[alias].clear()
        yield request.param
        for alias in settings:
            caches[alias].clear()


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """commit(): a block whose writes are committed as far as the cache can tell."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def data(db, commit):
    """The seed fixtures, committed."""
    with commit():
        call_command("loaddata", SEED, verbosity=0)


def get(client, url, **extra):
    response = client.get(url, **extra)
    response.cache_state = response.get("X-Cache")
    return response


def cached(client, url, **extra):
    """GET twice: the page as the cache then holds it (and check that it does)."""
    first = get(client, url, **extra)
    assert first.status_code == 200
    second = get(client, url, **extra)
    assert second.cache_state == "hit", (first.cache_state, second.cache_state)
    return second


def text(response) -> str:
    return response.content.decode()


def organization(slug="bycirklen") -> Organization:
    return Organization.objects.get(slug=slug)


def admin_action(client, model, action, pk):
    return client.post(
        reverse(f"admin:partnerships_{model}_changelist"),
        {"action": action, "_selected_action": [pk]},
    )


# ------------------------------------------------------------------------ hits and misses


def test_a_second_anonymous_request_is_a_hit_with_the_same_page(client, data):
    first = get(client, "/partnerships/?country=china")
    second = get(client, "/partnerships/?country=china")
    assert (first.cache_state, second.cache_state) == ("miss", "hit")
    assert second.status_code == 200
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/partnerships/",
        "/organizations/",
        "/organizations/bycirklen/",
        "/regions/",
        "/sources/",
        "/people/",
        "/alliances/",
        "/conferences/",
        "/about/",
    ],
)
def test_every_public_page_kind_is_cached(client, data, url):
    cached(client, url)


def test_a_different_querystring_is_a_different_entry(client, data):
    cached(client, "/partnerships/?country=china")
    assert get(client, "/partnerships/?country=canada").cache_state == "miss"
    assert get(client, "/partnerships/?country=china&page=1").cache_state == "miss"


def test_a_different_language_is_a_different_entry(client, data):
    languages = [("en", "English"), ("fr", "French")]
    with override_settings(LANGUAGES=languages):
        cached(client, "/regions/", HTTP_ACCEPT_LANGUAGE="en")
        other = get(client, "/regions/", HTTP_ACCEPT_LANGUAGE="fr")
        assert other.cache_state == "miss"
        assert other["Content-Language"] == "fr"


def test_a_lost_data_version_makes_a_new_one_not_an_old_page(client, data):
    """A version evicted or flushed from the cache is replaced by a new value: the pages
    stored under the old one are never served again."""
    cached(client, "/regions/")
    before = pagecache.data_version()
    caches["data-version"].clear()
    assert pagecache.data_version() != before
    assert get(client, "/regions/").cache_state == "miss"


# ------------------------------------------------------------------------ never cached


def test_a_signed_in_staff_member_is_neither_served_from_the_cache_nor_stored(
    client, client_as, data
):
    cached(client, "/organizations/")
    staff = client_as("publisher")
    response = get(staff, "/organizations/")
    assert response.status_code == 200
    assert response.cache_state is None  # not looked up
    # What staff saw (drafts included, in other views) was not stored for anonymous readers.
    assert get(staff, "/organizations/?q=staff-only").status_code == 200
    assert get(client, "/organizations/?q=staff-only").cache_state == "miss"


def test_a_page_with_a_csrf_form_is_not_stored(client, data):
    first = get(client, reverse("report-mistake"))
    assert first.status_code == 200
    assert "csrfmiddlewaretoken" in text(first)
    assert get(client, reverse("report-mistake")).cache_state == "miss"


@pytest.mark.parametrize(
    ("url", "status"),
    [("/organizations/no-such-organization/", 404), ("/partnerships/?format=xml", 400)],
)
def test_an_error_page_is_not_stored(client, data, url, status):
    assert get(client, url).status_code == status
    second = get(client, url)
    assert second.status_code == status
    assert second.cache_state != "hit"


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_an_export_is_not_stored(client, data, fmt):
    url = f"/partnerships/?format={fmt}"
    assert get(client, url).status_code == 200
    assert get(client, url).cache_state != "hit"


def test_a_page_read_while_the_connection_holds_uncommitted_writes_bypasses_the_cache(client, data):
    cached(client, "/organizations/bycirklen/")
    Organization.objects.filter(slug="bycirklen").first().save()  # not committed
    response = get(client, "/organizations/bycirklen/")
    assert response.status_code == 200
    assert response.cache_state is None


def test_no_page_is_cached_when_page_cache_seconds_is_0(client, data):
    with override_settings(PAGE_CACHE_SECONDS=0):
        assert get(client, "/regions/").cache_state is None
        assert get(client, "/regions/").cache_state is None


# ------------------------------------------------------------- writes show on the next request


def test_publishing_a_draft_with_the_admin_action_shows_it_on_the_next_request(
    client, client_as, data, commit
):
    with commit():
        draft = Organization.objects.create(
            name="Cache Probe Academy",
            slug="cache-probe-academy",
            kind="school",
            region=Region.objects.get(slug="wuxi"),
        )
    assert draft.publication == Publication.DRAFT
    # Its link, not its name: the name of a result has the words searched for marked.
    link = 'href="/organizations/cache-probe-academy/"'
    assert link not in text(cached(client, "/organizations/?q=probe"))
    publisher = client_as("publisher")
    with commit():
        response = admin_action(publisher, "organization", "publish", draft.pk)
    assert response.status_code == 302, messages_of(response)
    after = get(client, "/organizations/?q=probe")
    assert after.cache_state == "miss"
    assert link in text(after)


def test_unpublishing_with_the_admin_action_hides_it_on_the_next_request(
    client, client_as, data, commit
):
    assert "Bycirklen" in text(cached(client, "/organizations/?q=bycirklen"))
    cached(client, "/organizations/bycirklen/")
    publisher = client_as("publisher")
    with commit():
        response = admin_action(publisher, "organization", "unpublish", organization().pk)
    assert response.status_code == 302, messages_of(response)
    assert organization().publication == Publication.DRAFT
    after = get(client, "/organizations/?q=bycirklen")
    assert after.cache_state == "miss"
    assert "Bycirklen" not in text(after)
    assert get(client, "/organizations/bycirklen/").status_code == 404


def test_renaming_a_record_in_the_admin_form_changes_its_page_on_the_next_request(
    client, client_as, data, commit
):
    assert "Bycirklen" in text(cached(client, "/organizations/bycirklen/"))
    publisher = client_as("publisher")
    form = form_of(publisher.get(change_url(organization())))
    form["name"] = "Bycirklen Renamed"
    with commit():
        response = publisher.post(change_url(organization()), form)
    assert response.status_code == 302, messages_of(response)
    after = get(client, "/organizations/bycirklen/")
    assert after.cache_state == "miss"
    assert "Bycirklen Renamed" in text(after)


def test_deleting_a_record_in_the_admin_removes_its_page_on_the_next_request(
    client, client_as, data, commit
):
    partnership = SisterSchoolPartnership.objects.published().first()
    url = reverse("partnership-detail", args=[partnership.slug])
    cached(client, url)
    listed = cached(client, "/partnerships/")
    assert partnership.get_absolute_url() in text(listed)
    publisher = client_as("publisher")
    delete_url = reverse("admin:partnerships_sisterschoolpartnership_delete", args=[partnership.pk])
    with commit():
        response = publisher.post(delete_url, {"post": "yes"})
    assert response.status_code == 302, messages_of(response)
    assert get(client, url).status_code == 404
    after = get(client, "/partnerships/")
    assert after.cache_state == "miss"
    assert partnership.get_absolute_url() not in text(after)


# ------------------------------------------------------------------------ facet counts


def facet(response, param):
    return {
        i.label: i.count
        for i in next(f for f in response.context["facets"] if f.param == param).items
    }


def test_another_order_or_page_size_of_a_list_reads_its_facet_counts_from_the_cache(client, data):
    first = get(client, "/partnerships/?country=china")
    assert first.cache_state == "miss"
    with CaptureQueriesContext(connection) as queries:
        other = get(client, "/partnerships/?country=china&sort=name&per_page=50")
    assert other.cache_state == "miss"  # another page: rendered, but its facets not counted
    assert not [q for q in queries if "GROUP BY" in q["sql"]]
    assert facet(other, "level") == facet(first, "level")
    assert result_count(other) == result_count(first)


def count_queries(queries) -> list:
    return [q for q in queries if q["sql"].lstrip().startswith("SELECT COUNT(*)")]


@pytest.fixture
def two_pages(data, commit):
    """Twelve more published partnerships beside the seed's: two pages of ten."""
    with commit():
        country = make_region("Narnia")
        schools = [make_org(f"Narnia School {n}", country) for n in range(13)]
        for a, b in zip(schools, schools[1:]):
            make_partnership(a, b)


def test_a_later_page_of_a_list_shows_the_total_its_first_page_counted_without_counting(
    client, two_pages
):
    first = get(client, "/partnerships/?per_page=10")
    with CaptureQueriesContext(connection) as queries:
        second = get(client, "/partnerships/?per_page=10&page=2")
    assert not count_queries(queries)
    assert result_count(second) == result_count(first)


def test_a_later_page_of_a_list_too_long_to_count_says_more_than_the_cap_without_counting(
    client, two_pages, settings, monkeypatch
):
    settings.LIST_COUNT_CAP = 5
    # As count_rows answers when the exact count runs out of time.
    monkeypatch.setattr(facets, "count_rows", lambda queryset, cap: (cap + 1, False))
    get(client, "/partnerships/?per_page=10")
    with CaptureQueriesContext(connection) as queries:
        second = get(client, "/partnerships/?per_page=10&page=2")
    assert not count_queries(queries)
    assert second.context["paginator"].is_capped
    assert "more than 5 results" in second.text


def test_a_later_page_counts_its_rows_when_the_first_page_was_not_shown(client, two_pages):
    with CaptureQueriesContext(connection) as queries:
        get(client, "/partnerships/?per_page=10&page=2")
    assert count_queries(queries)


def test_a_later_page_shows_the_new_total_after_an_admin_delete(
    client, client_as, two_pages, commit
):
    before = get(client, "/partnerships/?per_page=10")
    partnership = SisterSchoolPartnership.objects.published().first()
    with commit():
        response = client_as("publisher").post(
            reverse("admin:partnerships_sisterschoolpartnership_delete", args=[partnership.pk]),
            {"post": "yes"},
        )
    assert response.status_code == 302, messages_of(response)
    after = get(client, "/partnerships/?per_page=10&page=2")
    assert result_count(after) == result_count(before) - 1


def group_by_queries(queries) -> list:
    return [q for q in queries if "GROUP BY" in q["sql"]]


def test_the_overview_reads_the_whole_partnership_lists_counts_that_the_list_kept(client, data):
    listed = get(client, "/partnerships/")
    with CaptureQueriesContext(connection) as queries:
        overview = get(client, "/")
    assert not group_by_queries(queries)
    headline = overview.context["headlines"][0]["count"]
    assert headline == result_count(listed)


def test_the_partnership_list_reads_the_counts_that_the_overview_kept(client, data):
    get(client, "/")
    with CaptureQueriesContext(connection) as queries:
        get(client, "/partnerships/")
    assert not group_by_queries(queries)
    assert not count_queries(queries)


# ------------------------------------------------------------------------ counted ahead


def get_total(list_view, path) -> int:
    """The number of rows of the list ``list_view`` at ``path``, counted now."""
    _view, filterset, _request = list_view.unfiltered(path)
    return filterset.qs.count()


def queued_list_counts() -> list:
    """The versions that counts of the whole lists (tasks.count_lists) are queued for."""
    from django_tasks_db.models import DBTaskResult

    return [
        task.args_kwargs["args"][0]
        for task in DBTaskResult.objects.ready()
        if task.task_path == "partnerships.tasks.count_lists"
    ]


def test_a_committed_write_queues_a_count_of_the_whole_lists_under_its_new_version(
    client_as, data, commit
):
    partnership = SisterSchoolPartnership.objects.published().first()
    with commit():
        response = admin_action(
            client_as("publisher"), "sisterschoolpartnership", "unpublish", partnership.pk
        )
    assert response.status_code == 302
    assert queued_list_counts()[-1] == pagecache.data_version()


def test_a_rolled_back_write_queues_no_count(data, django_capture_on_commit_callbacks):
    before = queued_list_counts()
    with django_capture_on_commit_callbacks(execute=False):
        make_region("Narnia")
    assert queued_list_counts() == before


def test_the_whole_list_counted_ahead_is_shown_without_counting_and_as_counted_live(
    client, data, settings
):
    settings.FACET_CACHE_SECONDS = 0  # nothing kept from a request: only what was counted ahead
    live = get(client, "/partnerships/?sort=name")
    assert run_worker() >= 1  # the count queued by loading the fixtures
    with CaptureQueriesContext(connection) as queries:
        ahead = get(client, "/partnerships/")
    assert not group_by_queries(queries)
    assert not count_queries(queries)
    assert facet(ahead, "country") == facet(live, "country")
    assert facet(ahead, "level") == facet(live, "level")
    assert result_count(ahead) == result_count(live)


def test_every_public_list_is_counted_ahead(data):
    from partnerships.urls import FACETED_LISTS

    run_worker()
    for _prefix, name, list_view in FACETED_LISTS:
        path = reverse(f"{name}-list")
        counts, (rows, exact) = facets.counted_ahead(path, pagecache.data_version())
        assert exact, name
        assert rows == get_total(list_view, path), name


def test_a_filtered_list_is_still_counted_on_its_request(client, data, settings):
    settings.FACET_CACHE_SECONDS = 0
    run_worker()
    with CaptureQueriesContext(connection) as queries:
        get(client, "/partnerships/?country=china")
    assert group_by_queries(queries)


def test_a_later_page_of_the_whole_list_takes_its_total_from_the_count_ahead(
    client, two_pages, settings
):
    settings.FACET_CACHE_SECONDS = 0
    run_worker()
    with CaptureQueriesContext(connection) as queries:
        second = get(client, "/partnerships/?per_page=10&page=2")
    assert not count_queries(queries)
    assert result_count(second) == SisterSchoolPartnership.objects.published().count()


def test_after_a_write_the_whole_list_is_counted_anew_before_the_worker_has_run(
    client, client_as, data, commit
):
    run_worker()
    before = result_count(get(client, "/partnerships/"))
    partnership = SisterSchoolPartnership.objects.published().first()
    with commit():
        admin_action(client_as("publisher"), "sisterschoolpartnership", "unpublish", partnership.pk)
    after = get(client, "/partnerships/")
    assert result_count(after) == before - 1
    assert get(client, "/").context["headlines"][0]["count"] == before - 1


def test_a_count_queued_for_a_version_since_replaced_stops_without_keeping_anything(data):
    from partnerships.tasks import count_lists

    old = pagecache.data_version()
    pagecache.bump()
    assert count_lists.call(old) == "data changed"
    assert facets.counted_ahead("/partnerships/", old) is None
    assert facets.counted_ahead("/partnerships/", pagecache.data_version()) is None


def test_with_facet_cache_seconds_0_every_request_counts_its_facets(client, data, settings):
    settings.FACET_CACHE_SECONDS = 0
    get(client, "/partnerships/?country=china")
    with CaptureQueriesContext(connection) as queries:
        get(client, "/partnerships/?country=china&sort=name")
    assert [q for q in queries if "GROUP BY" in q["sql"]]


def test_deleting_a_record_in_the_admin_changes_the_facet_counts_on_the_next_request(
    client, client_as, data, commit
):
    partnership = (
        SisterSchoolPartnership.objects.published().filter(a_country__slug="china").first()
    )
    before = get(client, "/partnerships/?country=china")
    with commit():
        response = client_as("publisher").post(
            reverse("admin:partnerships_sisterschoolpartnership_delete", args=[partnership.pk]),
            {"post": "yes"},
        )
    assert response.status_code == 302, messages_of(response)
    after = get(client, "/partnerships/?country=china&sort=name")  # facets in the cache before
    level = str(partnership.get_level_display())
    assert facet(after, "level").get(level, 0) == facet(before, "level")[level] - 1
    assert result_count(after) == result_count(before) - 1


def test_an_import_confirmed_in_the_admin_shows_its_rows_on_the_next_request(
    client, client_as, data, commit, django_capture_on_commit_callbacks
):
    """The organization import writes with bulk_create/bulk_update (no model signal): the
    job (partnerships/tasks.py) changes the data version itself."""
    before = cached(client, "/organizations/bycirklen/")
    assert "A Danish cycle circle." not in text(before)
    jobs = Jobs(client_as("publisher"), django_capture_on_commit_callbacks)
    content = b"name,kind,region,description\nBycirklen,other,denmark,A Danish cycle circle.\n"
    preview = jobs.preview("organization", content, "orgs.csv", 0)
    assert preview.context["can_confirm"], preview.context["result"]
    assert get(client, "/organizations/bycirklen/").cache_state == "hit"  # a preview writes nothing
    jobs.confirm(preview, run=False)
    with commit():
        assert run_worker() == 1
    after = get(client, "/organizations/bycirklen/")
    assert after.cache_state == "miss"
    assert "A Danish cycle circle." in text(after)


def test_loading_fixtures_changes_the_data_version(data, commit):
    before = pagecache.data_version()
    with commit():
        call_command("loaddata", SEED, verbosity=0, stdout=io.StringIO())
    assert pagecache.data_version() != before


def test_synthetic_rows_written_with_copy_show_on_the_next_request(client, data, commit):
    """generate_synthetic writes with COPY and set-based SQL (no model signal): the command
    changes the data version itself."""
    cached(client, "/partnerships/")
    listed = SisterSchoolPartnership.objects.published().count()
    with commit():
        call_command(
            "generate_synthetic",
            partnerships=20,
            organizations=40,
            verbosity=0,
            stdout=io.StringIO(),
        )
    after = get(client, "/partnerships/")
    assert after.cache_state == "miss"
    assert after.context["paginator"].count == listed + 20


def test_a_rolled_back_write_keeps_the_data_version(data):
    from django.db import transaction

    before = pagecache.data_version()
    with transaction.atomic():
        organization().save()
        transaction.set_rollback(True)
    assert pagecache.data_version() == before
