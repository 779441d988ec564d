"""The staff groups Editors, Publishers and Viewers, each with exactly its role's permissions
(partnerships.roles), so that every fresh database has them. Written by hand: data.

After this, restore_missing_groups (post_migrate) remakes a group that goes missing; groups
that exist keep the permissions the admin gives them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from partnerships.roles import role_permissions, sync_groups


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations (post_migrate); make them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_groups(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=role_permissions()).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("partnerships", "0002_search_vector_trigger"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
