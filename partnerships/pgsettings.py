"""PostgreSQL settings for the statements of one block of code, sent with each statement.

A public page sets a time limit for its facets and its word check, and a planner setting for
its rows. Setting and resetting them with queries of their own (BEGIN, set_config, COMMIT)
cost a search page eight of its fifteen round trips to the database. Outside a transaction
they travel with the statement instead: PostgreSQL runs a string of several statements sent
at once as one implicit transaction, so ``SET LOCAL ...; SELECT ...`` holds the setting for
that SELECT only, and a statement canceled by its time limit leaves the connection as it was.

This needs Django's default client-side binding with psycopg 3 (the SQL and its parameters
merged before sending: several statements in one string). Inside a transaction (a test's, an
admin action's) a SET LOCAL would hold to its end: there the block runs in a savepoint that
sets the settings with a query of its own and puts the previous values back after it.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

from django.db import connections, transaction

NAME = re.compile(r"[a-z_]+")
VALUE = re.compile(r"[A-Za-z0-9_.]+")


def can_send_with_statements(connection) -> bool:
    """Outside a transaction, with client-side binding."""
    options = connection.settings_dict.get("OPTIONS", {})
    return (
        not connection.in_atomic_block
        and connection.get_autocommit()
        and not options.get("server_side_binding")
    )


@contextmanager
def statement_settings(using: str, **settings):
    """PostgreSQL: every statement run inside the block runs with ``settings`` (name=value,
    as for SET); elsewhere nothing changes.

    Outside a transaction a statement that fails (canceled by statement_timeout) raises as
    usual and the next one runs. Inside one, the block is a savepoint: after an error that
    the block catches, it calls transaction.set_rollback(True) (see rollback_if_failed).

    Not for server-side cursors (``QuerySet.iterator()`` on PostgreSQL), which send their
    statement inside a DECLARE: no caller reads rows that way inside such a block."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    for name, value in settings.items():
        if not NAME.fullmatch(name) or not VALUE.fullmatch(str(value)):
            raise ValueError(f"not a setting: {name}={value!r}")
    if can_send_with_statements(connection):
        prefix = "".join(f"SET LOCAL {name} = '{value}'; " for name, value in settings.items())

        def with_settings(execute, sql, params, many, context):
            if many:  # executemany runs one statement per parameter set: no prefix there
                return execute(sql, params, many, context)
            result = execute(prefix + sql, params, many, context)
            for _ in settings:
                context["cursor"].nextset()  # past the SETs' results, to the statement's
            return result

        with connection.execute_wrapper(with_settings):
            yield
        return
    names = list(settings)
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            read_and_set = "current_setting(%s), set_config(%s, %s, true)"
            cursor.execute(
                "SELECT " + ", ".join([read_and_set] * len(names)),
                [p for name in names for p in (name, name, str(settings[name]))],
            )
            row = cursor.fetchone()
        previous = dict(zip(names, row[::2], strict=True))
        yield
        if not connection.needs_rollback:
            # SET LOCAL outlives a released savepoint: put the previous values back.
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT " + ", ".join(["set_config(%s, %s, true)"] * len(names)),
                    [p for name in names for p in (name, previous[name])],
                )


def rollback_if_failed(using: str) -> None:
    """After catching a database error inside statement_settings: inside a transaction the
    savepoint accepts no more queries and must be rolled back; outside one, nothing to do."""
    if connections[using].in_atomic_block:
        transaction.set_rollback(True, using=using)
