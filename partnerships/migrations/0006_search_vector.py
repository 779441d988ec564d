"""A stored search vector on every public model, kept by the database.

Every database gets the column (SQLite leaves it empty). On PostgreSQL a trigger sets it to
``to_tsvector('simple', search_text)`` on every insert (COPY included) and on every update that
changes ``search_text`` or empties the vector, so that no code path (save(), update(), raw
SQL, COPY) can leave it stale; existing rows are filled here; a GIN index on the column
replaces migration 0002's expression index. The trigram index stays.

Before this, a search recomputed ``to_tsvector`` for every row the planner rechecked or
sampled (the trigram half of the search condition always rechecks), which dominated the
search pages at a million partnerships.
"""

import django.contrib.postgres.search
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


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    for name in MODELS:
        table = schema_editor.quote_name(apps.get_model("partnerships", name)._meta.db_table)
        short = name[:12]
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
        schema_editor.execute(
            f"UPDATE {table} SET search_vector = "
            "to_tsvector('simple'::regconfig, COALESCE(search_text, ''))"
        )
        schema_editor.execute(f"DROP INDEX IF EXISTS {short}_search_fts")
        schema_editor.execute(
            f"CREATE INDEX {short}_search_vec ON {table} USING gin (search_vector)"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in MODELS:
        table = schema_editor.quote_name(apps.get_model("partnerships", name)._meta.db_table)
        short = name[:12]
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {short}_search_vector_insert ON {table}")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {short}_search_vector_update ON {table}")
        schema_editor.execute(f"DROP INDEX IF EXISTS {short}_search_vec")
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {short}_search_fts ON {table} USING gin "
            "(to_tsvector('simple'::regconfig, COALESCE(search_text, ''::text)))"
        )
    schema_editor.execute("DROP FUNCTION IF EXISTS partnerships_set_search_vector()")


class Migration(migrations.Migration):

    dependencies = [
        ('partnerships', '0005_partnership_facet_index'),
    ]

    operations = [
        migrations.AddField(
            model_name='alliance',
            name='search_vector',
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name='conference',
            name='search_vector',
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name='conferenceseries',
            name='search_vector',
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name='organization',
            name='search_vector',
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name='person',
            name='search_vector',
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name='region',
            name='search_vector',
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name='reportedfigure',
            name='search_vector',
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name='sisterschoolpartnership',
            name='search_vector',
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name='source',
            name='search_vector',
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(forwards, backwards),
    ]
