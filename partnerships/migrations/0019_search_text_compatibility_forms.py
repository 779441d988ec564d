"""Search text written before it was folded to Unicode's compatibility forms (NFKC,
search.as_typed: "Level Ⅱ" as "Level II", full-width "ＪＳＮＵ" as "JSNU"). PostgreSQL: one
UPDATE a table with its own normalize(), for the rows not yet in that form (its trigger
remakes their search vector); SQLite: the rows read and written back where they change."""

import unicodedata

from django.db import migrations
from django.db.models import BooleanField, F, Func


class Normalized(Func):
    template = "normalize(%(expressions)s, NFKC)"


class IsNormalized(Func):
    template = "%(expressions)s IS NFKC NORMALIZED"
    output_field = BooleanField()


def fold(apps, schema_editor):
    alias = schema_editor.connection.alias
    for model in apps.get_app_config("partnerships").get_models():
        if "search_text" not in {field.name for field in model._meta.concrete_fields}:
            continue
        if model._meta.model_name.startswith("historical"):
            continue
        rows = model._base_manager.using(alias)
        if schema_editor.connection.vendor == "postgresql":
            rows.alias(done=IsNormalized(F("search_text"))).filter(done=False).update(
                search_text=Normalized(F("search_text"))
            )
            continue
        changed = []
        for pk, text in rows.values_list("pk", "search_text").iterator():
            folded = unicodedata.normalize("NFKC", text)
            if folded != text:
                changed.append(model(pk=pk, search_text=folded))
        rows.bulk_update(changed, ["search_text"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("partnerships", "0018_organization_name_not_given"),
    ]

    operations = [migrations.RunPython(fold, migrations.RunPython.noop)]
