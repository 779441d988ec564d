"""What the migrations make on a fresh database: the indexes the models declare (the PostgreSQL
only ones on PostgreSQL only), the trigger that keeps search_vector (migration 0002; what it
does to rows is tests/test_postgres_search.py), the role groups with exactly their
permissions (0003); and `migrate partnerships zero` and back again works."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection

from partnerships.models import SisterSchoolPartnership
from partnerships.roles import RECORD_MODELS, role_permissions

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the index or trigger is PostgreSQL's"
)

# The names of the search indexes and triggers: the first 12 letters of the model's name.
PREFIXES = [name[:12] for name in RECORD_MODELS]
TABLE = SisterSchoolPartnership._meta.db_table


def pg_indexes() -> dict[str, str]:
    """Index name -> its definition as PostgreSQL prints it, for the project's tables."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes "
            "WHERE schemaname = current_schema() AND tablename LIKE 'partnerships_%%'"
        )
        return dict(cursor.fetchall())


def index_names(table: str) -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.get_constraints(cursor, table))


@on_postgresql
def test_each_record_has_its_two_gin_search_indexes(db):
    indexes = pg_indexes()
    for prefix in PREFIXES:
        assert indexes[f"{prefix}_search_vec"].endswith("USING gin (search_vector)")
        # The expression search_text__icontains compares, or the planner cannot use it.
        assert indexes[f"{prefix}_search_trgm"].endswith(
            "USING gin (upper(search_text) gin_trgm_ops)"
        )


@on_postgresql
def test_the_partnership_list_has_its_covering_indexes(db):
    indexes = pg_indexes()
    assert indexes["partner_public_facets"].endswith(
        f"ON public.{TABLE} USING btree (is_public) INCLUDE (a_country_id, b_country_id, "
        "a_province_id, b_province_id, level, status, conference_id, established_on)"
    )
    assert indexes["partner_public_date"].endswith(
        "USING btree (is_public, established_on DESC NULLS LAST, slug) INCLUDE (id)"
    )


@on_postgresql
def test_the_search_vector_triggers_exist_on_every_record_table(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal "
            "AND tgfoid = 'partnerships_set_search_vector'::regproc"
        )
        names = {row[0] for row in cursor.fetchall()}
    assert names == {
        f"{prefix}_search_vector_{event}" for prefix in PREFIXES for event in ("insert", "update")
    }


@pytest.mark.skipif(connection.vendor == "postgresql", reason="what other databases get")
def test_other_databases_get_the_plain_indexes_and_none_of_postgresqls(db):
    names = index_names(TABLE)
    assert {"partner_public_date", "partner_public_date_asc", "partner_a_path"} <= names
    assert not {"partner_public_facets", "sisterschool_search_trgm"} & names
    assert not {n for n in names if n.endswith(("_search_vec", "_search_trgm"))}


def test_each_group_has_exactly_its_roles_permissions(db):
    for name, codenames in role_permissions().items():
        group = Group.objects.get(name=name)
        assert set(group.permissions.values_list("codename", flat=True)) == set(codenames)


def test_migrating_to_zero_and_back_remakes_everything(transactional_db):
    def state():
        names = index_names(TABLE)
        if connection.vendor == "postgresql":
            names |= set(pg_indexes())
        groups = {g.name: g.permissions.count() for g in Group.objects.all()}
        return names, groups

    before = state()
    try:
        call_command("migrate", "partnerships", "zero", verbosity=0)
        assert TABLE not in connection.introspection.table_names()
    finally:  # the tests that follow need the tables
        call_command("migrate", "partnerships", verbosity=0)
    assert state() == before
