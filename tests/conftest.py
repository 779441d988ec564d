import io
import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "fixtures" / "seed.json"
# The real cases of ../shared/cases/real-cases.md, beside the two seed reports (they reuse
# the seed's regions and organizations, so they load together with it).
CASES = [ROOT / "fixtures" / "cases-c1-c4.json", ROOT / "fixtures" / "cases-c3-c5-c7-c8.json"]
ALL_FIXTURES = [SEED, *CASES]


@pytest.fixture(scope="session", autouse=True)
def own_data_version_folder(tmp_path_factory):
    """This run's data version in a folder of its own when it is kept in files (no
    REDIS_URL): the default folder is shared by every process on the machine, so another
    test run, or a server, would otherwise change this run's version between a test's
    requests (and its query counts with it)."""
    from django.conf import settings
    from django.core.cache import caches

    version = settings.CACHES["data-version"]
    if version["BACKEND"].endswith("FileBasedCache"):
        version["LOCATION"] = str(tmp_path_factory.mktemp("data-version"))
        caches["data-version"].close()
        del caches["data-version"]  # made again, in the new folder, when next used


def this_workers_redis(url: str) -> str:
    """``url`` with a Redis database of this test process's own. `make test` runs the suite
    in two pytest-xdist workers against one Redis server, and a test that clears its caches
    (a flush of the database) would clear the other worker's pages and data version: worker
    gwN takes database 15 - N of the server (the Makefile gives 15). Without xdist, ``url``."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        return url
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(base - int(worker[2:])) % 16}"))


@pytest.fixture(scope="session", autouse=True)
def own_redis_database_per_worker():
    from django.conf import settings
    from django.core.cache import caches

    for alias, config in settings.CACHES.items():
        if config["BACKEND"].endswith("RedisCache"):
            config["LOCATION"] = this_workers_redis(config["LOCATION"])
            if hasattr(caches._connections, alias):
                caches[alias].close()
                del caches[alias]


@pytest.fixture(autouse=True)
def fresh_data_version():
    """Each test starts under a data version of its own, as after a write in production:
    pages and facet counts cached by an earlier test, on other data rolled back since, are
    not this test's (the caches live for the whole run)."""
    from partnerships import pagecache

    pagecache.bump()


@pytest.fixture
def seed(db):
    """The sourced fixtures, loaded fresh for the test."""
    call_command("loaddata", SEED, verbosity=0)


@pytest.fixture(scope="module")
def cases_module(django_db_setup, django_db_blocker):
    """Every sourced fixture, loaded once per test module inside a transaction rolled back at
    the module's end (a thousand objects take seconds to load). Each test runs in a savepoint
    inside it (pytest-django's ``db``), so what a test changes is undone all the same."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("loaddata", *ALL_FIXTURES, verbosity=0)
        yield
        transaction.set_rollback(True)


@pytest.fixture
def cases(cases_module, db):
    """The seed and the real cases: every sourced fixture, as `make run` loads them."""


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser(
        "admin", "admin@example.org", "pw-for-tests-only"
    )
    client.force_login(user)
    return client


STAFF_PASSWORD = "a-long-test-password-1"  # noqa: S105


@pytest.fixture
def records(seed):
    """The fixtures with history, as `make setup` gives them (populate_history)."""
    call_command("populate_history", auto=True, stdout=io.StringIO())


@pytest.fixture
def client_as(django_user_model):
    """client_as(role, name=None): a client signed in as a new user with that role
    (anonymous: not signed in)."""

    def make(role, name=None):
        client = Client()
        if role == "anonymous":
            return client
        name = name or role
        django_user_model.objects.create_user(name, f"{name}@x.org", STAFF_PASSWORD)
        call_command("grant_role", name, role, stdout=io.StringIO())
        client.force_login(django_user_model.objects.get(username=name))
        return client

    return make


@pytest.fixture
def places(db):
    """A country, a province in it and a city in that; another country with nothing in it."""
    from partnerships.models import RegionKind
    from tests.test_views import make_region

    ruritania = make_region("Ruritania", iso_code="RU")
    province = make_region("Strel Province", kind=RegionKind.PROVINCE, parent=ruritania)
    city = make_region("Strelsau", kind=RegionKind.CITY, parent=province)
    elsewhere = make_region("Elsewhere")
    return {"country": ruritania, "province": province, "city": city, "elsewhere": elsewhere}


@pytest.fixture
def visit_world(db):
    """A school-to-authority partnership, a unit of the authority, a source, and a draft
    organization and place beside them (they must not show)."""
    from partnerships.models import RegionKind
    from tests.test_views import DRAFT, make_org, make_partnership, make_region, make_source

    land = make_region("Testunion")
    province = make_region("Test Province", RegionKind.PROVINCE, parent=make_region("Testchina"))
    district = make_org("Maple Test District", land, kind="authority")
    a = make_org("Lotus Test School", province)
    partnership = make_partnership(a, district)
    return {
        "partnership": partnership,
        "a": a,
        "district": district,
        "unit": make_org("Maple Test High School", land, parent=district),
        "hidden_org": make_org("Hidden Draft School", land, publication=DRAFT),
        "province": province,
        "hidden_place": make_region("Draftburg", publication=DRAFT),
        "source": make_source("A test page about the visits"),
    }
