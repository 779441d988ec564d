"""PostgreSQL: a search index on partnerships that also holds each row's sample bucket.

``gin (search_vector, (hashint8(id) & 15)) WHERE is_public`` (the bucket column needs the
``btree_gin`` extension, trusted since PostgreSQL 13, so the database owner may create it).
A search that matches many rows then finds the rows of a few buckets, a random sample of
its rows, without reading the others: ``facets.search_facets_with_total`` estimates the
facets and the count of such a search from them (at a million partnerships a 1% search
read 10,652 rows, each on its own page, for exact figures). The bucket expression must stay
the one ``facets.SampleBucket`` writes, or PostgreSQL will not use the index.
"""

from django.db import migrations

INDEX = "sisterschool_search_sample"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(
        apps.get_model("partnerships", "SisterSchoolPartnership")._meta.db_table
    )
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON {table} "
        "USING gin (search_vector, (hashint8(id) & 15)) WHERE is_public"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("partnerships", "0007_organization_name_index"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
