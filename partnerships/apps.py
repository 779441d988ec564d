from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnershipsConfig(AppConfig):
    name = "partnerships"
    label = "partnerships"
    verbose_name = _("Education partnerships")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_migrate

        # about: the footer's "last updated" date forgets itself when a record changes;
        # feedback_admin: readers' reports of mistakes in the admin.
        from . import about, feedback_admin, signals  # noqa: F401
        from .roles import restore_missing_groups

        # Runs after auth's handler, which creates this app's permissions (auth is listed first).
        post_migrate.connect(restore_missing_groups, sender=self)
