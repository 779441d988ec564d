"""PostgreSQL: a trigger keeps every public record's ``search_vector`` equal to
``to_tsvector('simple', search_text)`` (written by hand: Django cannot declare triggers).

It fires on every insert (COPY included) and on every update that changes ``search_text``
or empties the vector, so that no code path (save(), update(), raw SQL, COPY) can leave the
vector stale. Its GIN index is in the models (``search_indexes``). Other databases: nothing
(``search_vector`` stays empty there and search does not read it).
"""

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

FUNCTION = """
CREATE OR REPLACE FUNCTION partnerships_set_search_vector() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := to_tsvector('simple'::regconfig, COALESCE(NEW.search_text, ''));
    RETURN NEW;
END
$$
"""


def tables(apps, schema_editor):
    """(trigger name prefix, quoted table) per model: the first 12 letters of its name."""
    for name in MODELS:
        table = apps.get_model("partnerships", name)._meta.db_table
        yield name[:12], schema_editor.quote_name(table)


def drop_triggers(schema_editor, short, table):
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {short}_search_vector_insert ON {table}")
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {short}_search_vector_update ON {table}")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    for short, table in tables(apps, schema_editor):
        # Idempotent: a database built before a squash may have these triggers already.
        drop_triggers(schema_editor, short, table)
        schema_editor.execute(
            f"CREATE TRIGGER {short}_search_vector_insert BEFORE INSERT ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION partnerships_set_search_vector()"
        )
        schema_editor.execute(
            f"CREATE TRIGGER {short}_search_vector_update BEFORE UPDATE ON {table} "
            "FOR EACH ROW WHEN (NEW.search_text IS DISTINCT FROM OLD.search_text "
            "OR NEW.search_vector IS NULL) "
            "EXECUTE FUNCTION partnerships_set_search_vector()"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for short, table in tables(apps, schema_editor):
        drop_triggers(schema_editor, short, table)
    schema_editor.execute("DROP FUNCTION IF EXISTS partnerships_set_search_vector()")


class Migration(migrations.Migration):
    dependencies = [("partnerships", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
