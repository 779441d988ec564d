"""PostgreSQL settings for one block of code: a time limit on a facet's count, a planner
setting for a page's rows.

The block runs in a transaction (a savepoint inside an outer one) that sets the settings with
``set_config(..., true)`` (SET LOCAL) and puts the previous values back at its end, so that a
setting never outlives its block, in a request as in a test. A statement that fails inside the
block (canceled by its time limit) rolls the block back: the caller catches the error outside
the block, and the connection takes the next query as usual.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

from django.db import connections, transaction

NAME = re.compile(r"[a-z_]+")
VALUE = re.compile(r"[A-Za-z0-9_.]+")


@contextmanager
def statement_settings(using: str, **settings):
    """PostgreSQL: every statement run inside the block runs with ``settings`` (name=value,
    as for SET); elsewhere nothing changes."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    for name, value in settings.items():
        if not NAME.fullmatch(name) or not VALUE.fullmatch(str(value)):
            raise ValueError(f"not a setting: {name}={value!r}")
    names = list(settings)
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT "
                + ", ".join(["current_setting(%s), set_config(%s, %s, true)"] * len(names)),
                [p for name in names for p in (name, name, str(settings[name]))],
            )
            row = cursor.fetchone()
        previous = dict(zip(names, row[::2], strict=True))
        yield
        # A setting made in a savepoint outlives its release: put the previous values back.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT " + ", ".join(["set_config(%s, %s, true)"] * len(names)),
                [p for name in names for p in (name, previous[name])],
            )
