"""Search text written before dashes were made hyphens (search.AS_HYPHENS): one UPDATE a
table, for the rows that hold a dash; PostgreSQL's trigger remakes their search vector."""

from functools import reduce

from django.db import migrations
from django.db.models import F, Q, Value
from django.db.models.functions import Replace

DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"


def dashes_as_hyphens(apps, schema_editor):
    for model in apps.get_app_config("partnerships").get_models():
        if "search_text" not in {field.name for field in model._meta.concrete_fields}:
            continue
        if model._meta.model_name.startswith("historical"):
            continue
        has_dash = reduce(Q.__or__, (Q(search_text__contains=dash) for dash in DASHES))
        text = reduce(
            lambda expr, dash: Replace(expr, Value(dash), Value("-")), DASHES, F("search_text")
        )
        model._base_manager.using(schema_editor.connection.alias).filter(has_dash).update(
            search_text=text
        )


class Migration(migrations.Migration):
    dependencies = [
        ("partnerships", "0007_figures_with_decimals_last_dates"),
    ]

    operations = [migrations.RunPython(dashes_as_hyphens, migrations.RunPython.noop)]
