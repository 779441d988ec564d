"""The staff roles and their permissions. Used by migration 0003, which makes the groups, by
migration 0004, which gives them the permissions of the models it adds, by
restore_missing_groups after every migrate, and by `grant_role`."""

from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS

RECORD_MODELS = [
    "region",
    "organization",
    "person",
    "conferenceseries",
    "conference",
    "alliance",
    "sisterschoolpartnership",
    "source",
    "reportedfigure",
]
# Rows that belong to a record and are edited inline with it.
SUBORDINATE_MODELS = [
    "citation",
    "organizationname",
    "speech",
    "alliancemembership",
    "allianceevent",
    "personname",
    "conferencedocument",
    "alliancebody",
    "partnershipparty",
    "agreement",
    "statuschange",
    "visit",
    "otheraccount",
    "partnershipperson",
    "regionname",
    "allianceeventactor",
    "alliancedocument",
    "personposition",
]
HISTORY_MODELS = [f"historical{name}" for name in RECORD_MODELS + SUBORDINATE_MODELS]

EDITORS = "Editors"
PUBLISHERS = "Publishers"
VIEWERS = "Viewers"
ROLES = {"editor": EDITORS, "publisher": PUBLISHERS, "viewer": VIEWERS}


def role_permissions() -> dict[str, list[str]]:
    """Codenames (app label partnerships) per group."""
    view = [f"view_{m}" for m in RECORD_MODELS + SUBORDINATE_MODELS + HISTORY_MODELS]
    # Readers' reports of mistakes: everyone reads them; who edits handles them.
    view.append("view_mistakereport")
    handle = ["change_mistakereport"]
    edit = [f"{action}_{m}" for m in RECORD_MODELS for action in ("add", "change")]
    # Editors fix the rows inside a record (a wrong citation, an old name) as part of editing it.
    inline = [f"{a}_{m}" for m in SUBORDINATE_MODELS for a in ("add", "change", "delete")]
    publish = [f"publish_{m}" for m in RECORD_MODELS]
    delete = [f"delete_{m}" for m in RECORD_MODELS]
    return {
        VIEWERS: view,
        EDITORS: view + edit + inline + handle,
        PUBLISHERS: view + edit + inline + handle + publish + delete,
    }


def model_of(codename: str) -> str:
    """The model a codename is about: view_regionname -> regionname."""
    return codename.split("_", 1)[1]


def known_models(permission_model) -> set[str]:
    """The names of the app's models in the state the migration that runs sees (a historical
    model's ``_meta.apps``): a model added by a later migration is not among them yet."""
    app = permission_model._meta.apps.get_app_config("partnerships")
    return {model._meta.model_name for model in app.get_models()}


def sync_groups(group_model, permission_model) -> None:
    """Give each group exactly its role's permissions (the data migration 0003, on a fresh
    database), those of the models that exist at that point of the migrations: a model a later
    migration adds gets its permissions from that migration (granting)."""
    known = known_models(permission_model)
    for group_name, codenames in role_permissions().items():
        codenames = [c for c in codenames if model_of(c) in known]
        group, _ = group_model.objects.get_or_create(name=group_name)
        perms = list(
            permission_model.objects.filter(
                content_type__app_label="partnerships", codename__in=codenames
            )
        )
        missing = set(codenames) - {p.codename for p in perms}
        if missing:
            raise RuntimeError(f"Permissions missing for {group_name}: {sorted(missing)}")
        group.permissions.set(perms)


def grant_models(group_model, permission_model, model_names) -> None:
    """Add to each existing role group its role's permissions on ``model_names`` (models a
    migration adds), leaving the group's other permissions as they are."""
    wanted = set(model_names)
    for group_name, codenames in role_permissions().items():
        group = group_model.objects.filter(name=group_name).first()
        if group is None:
            continue  # restore_missing_groups makes it, with everything, after migrate
        codenames = [c for c in codenames if model_of(c) in wanted]
        perms = list(
            permission_model.objects.filter(
                content_type__app_label="partnerships", codename__in=codenames
            )
        )
        missing = set(codenames) - {p.codename for p in perms}
        if missing:
            raise RuntimeError(f"Permissions missing for {group_name}: {sorted(missing)}")
        group.permissions.add(*perms)


def granting(model_names):
    """A RunPython function for a migration that adds ``model_names``: makes their permissions
    (normally made after all migrations, by post_migrate) and grants them (grant_models)."""

    def grant(apps, schema_editor):
        from django.contrib.auth.management import create_permissions

        for app_config in apps.get_app_configs():
            app_config.models_module = True
            create_permissions(app_config, apps=apps, verbosity=0)
            app_config.models_module = None
        grant_models(
            apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"), model_names
        )

    return grant


def restore_missing_groups(sender, using=DEFAULT_DB_ALIAS, apps=global_apps, **kwargs) -> None:
    """post_migrate: recreate a role group that is missing (deleted by hand, or by a flush,
    which empties every table), with its permissions. Groups that exist are left as they are,
    so that permissions changed in the admin survive a migrate."""
    try:
        group_model = apps.get_model("auth", "Group")
        permission_model = apps.get_model("auth", "Permission")
    except LookupError:
        return
    existing = set(
        group_model.objects.using(using)
        .filter(name__in=role_permissions())
        .values_list("name", flat=True)
    )
    for group_name, codenames in role_permissions().items():
        if group_name in existing:
            continue
        perms = list(
            permission_model.objects.using(using).filter(
                content_type__app_label="partnerships", codename__in=codenames
            )
        )
        if len(perms) != len(set(codenames)):
            return  # the models are not all migrated (e.g. after migrate partnerships zero)
        group = group_model.objects.using(using).create(name=group_name)
        group.permissions.set(perms)
