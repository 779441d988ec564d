"""django-tasks' database backend (the job queue the worker reads) as INSTALLED_APPS lists it,
under a name staff can read: its admin section was headed "Tasks Database Backend". In a
module of its own for the reason axes_config.py gives."""

from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig


class BackgroundTasksConfig(TasksAppConfig):
    """The label stays "django_tasks_database": its tables and migrations are unchanged."""

    verbose_name = _("Background tasks")
