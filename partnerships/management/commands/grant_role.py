from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from partnerships.roles import ROLES


class Command(BaseCommand):
    help = (
        "Give a staff user a role: editor (add and change records), publisher (also publish, "
        "unpublish and delete) or viewer (read-only admin). Makes the user staff; removes "
        "their other roles."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("role", choices=sorted(ROLES))

    def handle(self, username, role, **options):
        User = get_user_model()
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(
                f"No user named {username!r}. Create one first: manage.py createsuperuser, "
                "or the admin's Users page."
            ) from None
        groups = {g.name: g for g in Group.objects.filter(name__in=ROLES.values())}
        if len(groups) != len(ROLES):
            raise CommandError("The role groups are missing: run manage.py migrate first.")
        user.groups.remove(*groups.values())
        user.groups.add(groups[ROLES[role]])
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        self.stdout.write(
            self.style.SUCCESS(f"{username} now has the role {role} ({ROLES[role]}).")
        )
