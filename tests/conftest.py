from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "fixtures" / "seed.json"


@pytest.fixture
def seed(db):
    """The sourced fixtures, loaded fresh for the test."""
    call_command("loaddata", SEED, verbosity=0)


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser(
        "admin", "admin@example.org", "pw-for-tests-only"
    )
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def _close_helper_connections():
    """A test whose requests ran outside a transaction (live_server, transaction=True) may
    have left the helper thread of partnerships/beside.py connected to the test database."""
    yield
    from partnerships import beside

    beside.close_connections()
