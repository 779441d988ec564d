"""Issue 19: every heading of the admin's index and sidebar is a readable name: django-axes'
models were under "Axes"."""

import re

from django.apps import apps
from django.urls import reverse


def test_the_sign_in_lockout_is_headed_login_attempts_not_axes(admin_client):
    for url in ("/admin/", reverse("admin:axes_accessattempt_changelist")):
        page = admin_client.get(url).content.decode()
        assert "Login attempts" in page, url
        assert not re.search(r">\s*Axes\s*<", page, re.I), url
    page = admin_client.get(reverse("admin:app_list", args=["axes"])).content.decode()
    assert "Login attempts administration" in page


def test_every_heading_of_the_admin_is_a_readable_name(admin_client):
    """Each app's heading in the sidebar and on the index is words, not its package's name
    (Django's default verbose name: "Axes" for axes)."""
    page = admin_client.get("/admin/").content.decode()
    headings = re.findall(r'class="section" title="Models in the ([^"]+) application"', page)
    assert {"Login attempts", "Education partnerships", "Background tasks"} <= set(headings)
    assert "Tasks Database Backend" not in headings
    packages = {config.label.replace("_", " ") for config in apps.get_app_configs()}
    packages |= {
        config.name.rsplit(".", 1)[-1].replace("_", " ") for config in apps.get_app_configs()
    }
    for heading in headings:
        assert heading.lower() not in packages, heading


def test_the_app_keeps_its_own_config():
    """A second AppConfig beside PartnershipsConfig in partnerships/apps.py would make Django
    load the app without it (no signals, no reports of mistakes in the admin)."""
    from partnerships.apps import PartnershipsConfig

    assert type(apps.get_app_config("partnerships")) is PartnershipsConfig
    assert apps.get_app_config("axes").label == "axes"
    assert apps.get_app_config("django_tasks_database").name == "django_tasks_db"


def test_the_admin_calls_every_level_of_partnership_a_partnership(admin_client):
    """The model holds partnerships of every level (universities, authorities, governments):
    the admin listed them all under "Sister-school partnerships"."""
    page = admin_client.get("/admin/").content.decode()
    assert ">Partnerships</a>" in page
    assert "Sister-school partnerships" not in page
    listing = admin_client.get(reverse("admin:partnerships_sisterschoolpartnership_changelist"))
    assert "Select partnership to change" in listing.content.decode()
