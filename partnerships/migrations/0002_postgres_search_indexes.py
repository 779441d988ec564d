"""PostgreSQL-only search indexes: a GIN full-text index and a trigram GIN index on every
public model's ``search_text``. SQLite gets nothing here (it has neither index type).

The expressions match what ``partnerships.search`` generates, so the planner can use them:
``to_tsvector('simple', COALESCE(search_text, ''))`` and ``UPPER(search_text)`` (icontains)."""

from django.db import migrations

MODELS = [
    "region",
    "organization",
    "person",
    "source",
    "conferenceseries",
    "conference",
    "alliance",
    "sisterschoolpartnership",
    "reportedfigure",
]


def statements(table, short):
    return [
        f"CREATE INDEX IF NOT EXISTS {short}_search_fts ON {table} USING gin "
        f"(to_tsvector('simple'::regconfig, COALESCE(search_text, ''::text)))",
        f"CREATE INDEX IF NOT EXISTS {short}_search_trgm ON {table} USING gin "
        f"(UPPER(search_text) gin_trgm_ops)",
    ]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name in MODELS:
        table = apps.get_model("partnerships", name)._meta.db_table
        for sql in statements(table, name[:12]):
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in MODELS:
        short = name[:12]
        schema_editor.execute(f"DROP INDEX IF EXISTS {short}_search_fts")
        schema_editor.execute(f"DROP INDEX IF EXISTS {short}_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("partnerships", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
