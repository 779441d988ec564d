"""PostgreSQL: a covering index over the columns the partnership list filters and counts, so
that counts and facets over a million partnerships are index-only scans of a narrow index
instead of scans of the wide table (names, summaries, search text)."""

from django.db import migrations

INDEX = "partner_public_facets"
COLUMNS = (
    "a_country_id, b_country_id, a_province_id, b_province_id, level, status, "
    "conference_id, established_on"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = apps.get_model("partnerships", "SisterSchoolPartnership")._meta.db_table
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON {table} (is_public) INCLUDE ({COLUMNS})"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("partnerships", "0004_partnership_party_copies")]

    operations = [migrations.RunPython(forwards, backwards)]
