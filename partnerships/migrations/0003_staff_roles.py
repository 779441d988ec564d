"""Create the staff groups Editors, Publishers and Viewers with their permissions, so that
every fresh database has them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from partnerships.roles import sync_groups


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; make them exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_groups(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(
        name__in=["Editors", "Publishers", "Viewers"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("partnerships", "0002_postgres_search_indexes"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
