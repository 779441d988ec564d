"""The staff roles and their permissions. Used by migrations 0003 and 0018 and by `grant_role`."""

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
    # Since migration 0016 (issues 17 and 21): see ROWS_SINCE_0016.
    "personname",
    "conferencedocument",
    "alliancebody",
    "partnershipparty",
    "agreement",
    "statuschange",
    "visit",
    "otheraccount",
    # Since migration 0019.
    "partnershipperson",
]
HISTORY_MODELS = [f"historical{name}" for name in RECORD_MODELS + SUBORDINATE_MODELS]

# The rows that came with migration 0016. Migration 0003, which makes the groups, runs before
# they exist, so it cannot give their permissions: a later migration adds them to the groups
# that exist (add_permissions_since_0016).
ROWS_SINCE_0016 = frozenset(
    [*SUBORDINATE_MODELS[SUBORDINATE_MODELS.index("personname") :], "mistakereport"]
)

EDITORS = "Editors"
PUBLISHERS = "Publishers"
VIEWERS = "Viewers"
ROLES = {"editor": EDITORS, "publisher": PUBLISHERS, "viewer": VIEWERS}


def role_permissions() -> dict[str, list[str]]:
    """Codenames (app label partnerships) per group."""
    view = [f"view_{m}" for m in RECORD_MODELS + SUBORDINATE_MODELS + HISTORY_MODELS]
    # Readers' reports of mistakes (migration 0017): everyone reads them; who edits handles them.
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
    """The model a codename is about: "add_visit" -> "visit", "view_historicalvisit" -> "visit"."""
    return codename.split("_", 1)[1].removeprefix("historical")


def sync_groups(group_model, permission_model) -> None:
    """Give each group exactly its role's permissions (migration 0003). The permissions of
    rows that do not exist yet at that point (ROWS_SINCE_0016) are left to a later migration."""
    for group_name, codenames in role_permissions().items():
        group, _ = group_model.objects.get_or_create(name=group_name)
        perms = list(
            permission_model.objects.filter(
                content_type__app_label="partnerships", codename__in=codenames
            )
        )
        missing = set(codenames) - {p.codename for p in perms}
        missing = {c for c in missing if model_of(c) not in ROWS_SINCE_0016}
        if missing:
            raise RuntimeError(f"Permissions missing for {group_name}: {sorted(missing)}")
        group.permissions.set(perms)


def add_permissions_since_0016(apps, schema_editor) -> None:
    """Data migration (RunPython): add the permissions of the rows that came with migration
    0016 to the role groups that exist, as each role has them for the older rows."""
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations; make them exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    grant_permissions_since_0016(
        apps.get_model("auth", "Group"),
        apps.get_model("auth", "Permission"),
        present=set(apps.all_models["partnerships"]),
    )


def grant_permissions_since_0016(group_model, permission_model, present=None) -> None:
    """Add to each role group that exists its permissions on the rows of ROWS_SINCE_0016.
    Other permissions of the groups (changed in the admin) are left as they are. In a
    migration, ``present`` names the models that exist at that point: the rows of a later
    migration get theirs when that migration runs the same function."""
    for group_name, codenames in role_permissions().items():
        group = group_model.objects.filter(name=group_name).first()
        if group is None:
            continue  # restore_missing_groups makes it, with every permission, after migrate
        wanted = {c for c in codenames if model_of(c) in ROWS_SINCE_0016}
        if present is not None:
            wanted = {c for c in wanted if c.split("_", 1)[1] in present}
        perms = list(
            permission_model.objects.filter(
                content_type__app_label="partnerships", codename__in=wanted
            )
        )
        missing = wanted - {p.codename for p in perms}
        if missing:
            raise RuntimeError(f"Permissions missing for {group_name}: {sorted(missing)}")
        group.permissions.add(*perms)


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
