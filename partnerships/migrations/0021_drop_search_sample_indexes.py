"""PostgreSQL: drop the partial search indexes of migration 0010. They served the samples a
large search's facets and count were estimated from; facets and counts are now exact (issue
18), and nothing reads these indexes. Going back recreates them as 0010 made them."""

from django.db import migrations

INDEX = "sisterschool_search_sample"
SIZES = (1, 2, 4)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for k in SIZES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}_{k}")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    model = apps.get_model("partnerships", "SisterSchoolPartnership")
    table = schema_editor.quote_name(model._meta.db_table)
    for k in SIZES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX}_{k} ON {table} USING gin (search_vector) "
            f"WHERE is_public AND (hashint8(id) & 15) < {k}"
        )


class Migration(migrations.Migration):
    dependencies = [("partnerships", "0020_visit_places_and_who_changed_status")]

    operations = [migrations.RunPython(forwards, backwards)]
