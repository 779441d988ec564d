from django.db import migrations

from partnerships.roles import add_permissions_since_0016


class Migration(migrations.Migration):
    """The role groups get their permissions on the rows that came with migrations 0016 and
    0017 (agreements, visits, bodies… and readers' reports of mistakes), as each role has
    them for the older rows: migration 0003, which made the groups, ran before they existed."""

    dependencies = [
        ("partnerships", "0017_mistake_reports"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(add_permissions_since_0016, migrations.RunPython.noop)]
