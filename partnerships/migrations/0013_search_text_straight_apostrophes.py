"""Search text written before apostrophes were made straight (search.AS_TYPED), as 0008 did
for dashes: one UPDATE a table, for the rows that hold a curly apostrophe; PostgreSQL's
trigger remakes their search vector."""

from functools import reduce

from django.db import migrations
from django.db.models import F, Q, Value
from django.db.models.functions import Replace

APOSTROPHES = "\u2018\u2019\u02bc\uff07"


def straight_apostrophes(apps, schema_editor):
    for model in apps.get_app_config("partnerships").get_models():
        if "search_text" not in {field.name for field in model._meta.concrete_fields}:
            continue
        if model._meta.model_name.startswith("historical"):
            continue
        has_one = reduce(Q.__or__, (Q(search_text__contains=mark) for mark in APOSTROPHES))
        text = reduce(
            lambda expr, mark: Replace(expr, Value(mark), Value("'")),
            APOSTROPHES,
            F("search_text"),
        )
        model._base_manager.using(schema_editor.connection.alias).filter(has_one).update(
            search_text=text
        )


class Migration(migrations.Migration):
    dependencies = [
        ("partnerships", "0012_kinds_focus_units_guidance"),
    ]

    operations = [migrations.RunPython(straight_apostrophes, migrations.RunPython.noop)]
