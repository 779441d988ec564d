"""Staff workflow: roles, review before publishing, history and undo, no lost updates."""

import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from partnerships.models import Organization, Publication, Region, StaleRecordError

PASSWORD = "a-long-test-password-1"  # noqa: S105


@pytest.fixture
def make_staff(django_user_model):
    def make(username, role=None, superuser=False):
        if superuser:
            return django_user_model.objects.create_superuser(
                username, f"{username}@x.org", PASSWORD
            )
        user = django_user_model.objects.create_user(username, f"{username}@x.org", PASSWORD)
        if role:
            call_command("grant_role", username, role, stdout=io.StringIO())
            user.refresh_from_db()
        return user

    return make


def login(client, user):
    client.force_login(user)
    return client


def org_change_url(org):
    return reverse("admin:partnerships_organization_change", args=[org.pk])


def org_form_data(org, **overrides):
    """The admin change form's POST data for an organization, as a browser would send it."""
    data = {
        "name": org.name,
        "slug": org.slug,
        "kind": org.kind,
        "region": org.region_id or "",
        "parent": org.parent_id or "",
        "website": org.website,
        "description": org.description,
        "publication": org.publication,
        "seen_version": org.version,
        "other_names-TOTAL_FORMS": "0",
        "other_names-INITIAL_FORMS": "0",
        "partnerships-citation-content_type-object_id-TOTAL_FORMS": "0",
        "partnerships-citation-content_type-object_id-INITIAL_FORMS": "0",
        "_save": "Save",
    }
    data.update(overrides)
    return data


# Roles ---------------------------------------------------------------------------------


def test_the_three_groups_exist_after_migrate(db):
    assert set(Group.objects.values_list("name", flat=True)) >= {"Editors", "Publishers", "Viewers"}


def perms(group):
    return set(Group.objects.get(name=group).permissions.values_list("codename", flat=True))


def test_editors_can_add_and_change_but_not_publish_or_delete(db):
    editors = perms("Editors")
    assert {"add_organization", "change_organization", "view_organization"} <= editors
    assert not {p for p in editors if p.startswith("publish_")}
    assert "delete_organization" not in editors


def test_publishers_can_also_publish_and_delete(db):
    publishers = perms("Publishers")
    assert {"publish_organization", "delete_organization", "publish_sisterschoolpartnership"} <= (
        publishers
    )


def test_viewers_only_view(db):
    viewers = perms("Viewers")
    assert viewers
    assert all(p.startswith("view_") for p in viewers)


def test_grant_role_rejects_an_unknown_user(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No user named"):
        call_command("grant_role", "nobody", "editor")


def test_migrate_recreates_a_missing_role_group_with_its_permissions(db):
    before = set(
        Group.objects.get(name="Publishers").permissions.values_list("codename", flat=True)
    )
    Group.objects.filter(name="Publishers").delete()
    call_command("migrate", verbosity=0)
    after = set(Group.objects.get(name="Publishers").permissions.values_list("codename", flat=True))
    assert after == before
    assert "publish_sisterschoolpartnership" in after


def test_migrate_keeps_permissions_changed_in_the_admin(db):
    viewers = Group.objects.get(name="Viewers")
    viewers.permissions.clear()
    call_command("migrate", verbosity=0)
    assert not viewers.permissions.exists()


def test_anonymous_gets_the_login_page(client, db):
    response = client.get(reverse("admin:partnerships_organization_changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_non_staff_user_cannot_enter_admin(client, db, django_user_model):
    user = django_user_model.objects.create_user("visitor", "v@x.org", PASSWORD)
    login(client, user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302


def test_viewer_sees_records_but_cannot_change_them(client, seed, make_staff):
    login(client, make_staff("vera", "viewer"))
    org = Organization.objects.get(slug="bycirklen")
    assert client.get(reverse("admin:partnerships_organization_changelist")).status_code == 200
    response = client.post(org_change_url(org), org_form_data(org, name="Changed"))
    assert response.status_code == 403
    org.refresh_from_db()
    assert org.name == "Bycirklen"


def test_editor_cannot_publish_with_the_action(client, seed, make_staff):
    org = Organization.objects.get(slug="bycirklen")
    Organization.objects.filter(pk=org.pk).update(publication=Publication.DRAFT)
    login(client, make_staff("ed", "editor"))
    changelist = reverse("admin:partnerships_organization_changelist")
    assertNotContains(client.get(changelist), 'value="publish"')
    client.post(changelist, {"action": "publish", "_selected_action": [org.pk]})
    org.refresh_from_db()
    assert org.publication == Publication.DRAFT


def test_editor_cannot_publish_through_the_form(client, seed, make_staff):
    org = Organization.objects.get(slug="bycirklen")
    Organization.objects.filter(pk=org.pk).update(publication=Publication.DRAFT)
    org.refresh_from_db()
    login(client, make_staff("ed", "editor"))
    response = client.post(org_change_url(org), org_form_data(org, publication="published"))
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.publication == Publication.DRAFT


def test_editor_adds_records_as_drafts(client, seed, make_staff):
    login(client, make_staff("ed", "editor"))
    data = org_form_data(
        Organization(name="New School", kind="school", region=Region.objects.get(slug="wuxi")),
        slug="new-school",
        publication="published",
        seen_version="",
    )
    response = client.post(reverse("admin:partnerships_organization_add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Organization.objects.get(slug="new-school").publication == Publication.DRAFT


def test_publisher_publishes_with_the_action_and_history_records_it(client, seed, make_staff):
    org = Organization.objects.get(slug="bycirklen")
    Organization.objects.filter(pk=org.pk).update(publication=Publication.DRAFT)
    publisher = make_staff("pub", "publisher")
    login(client, publisher)
    client.post(
        reverse("admin:partnerships_organization_changelist"),
        {"action": "publish", "_selected_action": [org.pk]},
    )
    org.refresh_from_db()
    assert org.publication == Publication.PUBLISHED
    latest = org.history.latest()
    assert latest.history_user == publisher
    assert latest.publication == Publication.PUBLISHED


def test_editor_cannot_delete(client, seed, make_staff):
    org = Organization.objects.get(slug="bycirklen")
    login(client, make_staff("ed", "editor"))
    response = client.post(
        reverse("admin:partnerships_organization_delete", args=[org.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert Organization.objects.filter(pk=org.pk).exists()


# History and undo -----------------------------------------------------------------------


def test_a_change_in_admin_is_recorded_with_who_and_what(client, seed, make_staff):
    # A draft: an editor's change to it is saved at once (one to a published record waits
    # for review, see test_review.py).
    Organization.objects.filter(slug="bycirklen").update(publication=Publication.DRAFT)
    org = Organization.objects.get(slug="bycirklen")
    editor = make_staff("ed", "editor")
    login(client, editor)
    client.post(org_change_url(org), org_form_data(org, description="First text."))
    org.refresh_from_db()
    response = client.post(org_change_url(org), org_form_data(org, description="Second text."))
    assert response.status_code == 302
    record = org.history.latest()
    assert record.history_user == editor
    delta = record.diff_against(record.prev_record)
    assert delta.changed_fields == ["description"]
    assert (delta.changes[0].old, delta.changes[0].new) == ("First text.", "Second text.")
    history_page = client.get(reverse("admin:partnerships_organization_history", args=[org.pk]))
    assertContains(history_page, "First text.")
    assertContains(history_page, "Second text.")


def test_an_earlier_version_can_be_restored(client, seed, make_staff):
    org = Organization.objects.get(slug="bycirklen")
    login(client, make_staff("pub", "publisher"))
    client.post(org_change_url(org), org_form_data(org, description="First edit."))
    org.refresh_from_db()
    client.post(org_change_url(org), org_form_data(org, description="Second edit."))
    first = org.history.filter(description="First edit.").get()
    url = reverse("admin:partnerships_organization_simple_history", args=[org.pk, first.history_id])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = org_form_data(
        org, description=form.initial["description"], seen_version=form.initial["seen_version"]
    )
    response = client.post(url, data)
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.description == "First edit."


def test_a_deleted_record_can_be_recovered(client, seed, make_staff):
    region = Region.objects.get(slug="wuxi")
    org = Organization.objects.create(name="Short-lived School", kind="school", region=region)
    login(client, make_staff("pub", "publisher"))
    response = client.post(
        reverse("admin:partnerships_organization_delete", args=[org.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Organization.objects.filter(pk=org.pk).exists()
    deleted_page = client.get(reverse("admin:partnerships_organization_deleted"))
    assertContains(deleted_page, "Short-lived School")
    historical = Organization.history.filter(id=org.pk, history_type="-").get()
    client.post(reverse("admin:partnerships_organization_restore", args=[historical.history_id]))
    restored = Organization.objects.get(pk=org.pk)
    assert restored.name == "Short-lived School"
    assert restored.publication == Publication.DRAFT


# No lost updates ---------------------------------------------------------------------------


def test_second_of_two_concurrent_admin_edits_is_refused(
    seed, make_staff, client, django_user_model
):
    from django.test import Client

    Organization.objects.filter(slug="bycirklen").update(publication=Publication.DRAFT)
    org = Organization.objects.get(slug="bycirklen")
    alice, bob = Client(), Client()
    alice.force_login(make_staff("alice", "editor"))
    bob.force_login(make_staff("bob", "editor"))
    # Both open the form: each gets the version they saw.
    alice_form = alice.get(org_change_url(org)).context["adminform"].form
    bob_form = bob.get(org_change_url(org)).context["adminform"].form
    assert alice_form.initial["seen_version"] == bob_form.initial["seen_version"]
    seen = alice_form.initial["seen_version"]
    # Alice saves first.
    first = alice.post(
        org_change_url(org), org_form_data(org, description="Alice's text.", seen_version=seen)
    )
    assert first.status_code == 302
    # Bob saves over the version he saw: refused, with what changed.
    second = bob.post(org_change_url(org), org_form_data(org, name="Bob's name", seen_version=seen))
    assert second.status_code == 200
    assertContains(second, "Someone else saved this record after you opened it")
    assertContains(second, "Alice&#x27;s text.")
    org.refresh_from_db()
    assert org.description == "Alice's text."
    assert org.name == "Bycirklen"


def test_a_stale_instance_cannot_be_saved_over_a_newer_one(seed):
    first = Organization.objects.get(slug="bycirklen")
    second = Organization.objects.get(slug="bycirklen")
    first.description = "first"
    first.save()
    second.description = "second"
    with pytest.raises(StaleRecordError):
        second.save()
    assert Organization.objects.get(slug="bycirklen").description == "first"


def test_inline_edits_are_protected_by_the_same_check(client, seed, make_staff):
    from partnerships.models import OrganizationName

    org = Organization.objects.get(slug="suihua-university")
    alias = OrganizationName.objects.get(organization=org)
    login(client, make_staff("ed", "editor"))
    seen = org.version
    Organization.objects.get(pk=org.pk).save()  # someone else saves meanwhile
    data = org_form_data(
        org,
        seen_version=seen,
        **{
            "other_names-TOTAL_FORMS": "1",
            "other_names-INITIAL_FORMS": "1",
            "other_names-0-id": alias.pk,
            "other_names-0-organization": org.pk,
            "other_names-0-name": "Renamed alias",
            "other_names-0-language": "en",
            "other_names-0-note": "",
        },
    )
    response = client.post(org_change_url(org), data)
    assertContains(response, "Someone else saved this record")
    alias.refresh_from_db()
    assert alias.name == "Suihua Institute"


def test_publish_action_bumps_the_version_so_open_forms_are_refused(client, seed, make_staff):
    org = Organization.objects.get(slug="bycirklen")
    seen = org.version
    login(client, make_staff("pub", "publisher"))
    client.post(
        reverse("admin:partnerships_organization_changelist"),
        {"action": "unpublish", "_selected_action": [org.pk]},
    )
    response = client.post(
        org_change_url(org), org_form_data(org, seen_version=seen, name="Late edit")
    )
    assertContains(response, "Someone else saved this record")
    org.refresh_from_db()
    assert (org.name, org.publication) == ("Bycirklen", Publication.DRAFT)


# Admin smoke --------------------------------------------------------------------------------

ADMIN_MODELS = [
    "region",
    "organization",
    "person",
    "conferenceseries",
    "conference",
    "alliance",
    "sisterschoolpartnership",
    "source",
    "reportedfigure",
    "citation",
    "speech",
    "alliancemembership",
    "allianceevent",
]


# Figures and citations are added in the form of the record they belong to, never on a page
# of their own (which would ask for a record by content type and id).
ADDED_INSIDE_THEIR_RECORD = {"reportedfigure", "citation"}


@pytest.mark.parametrize("model", ADMIN_MODELS)
def test_admin_pages_open_for_a_superuser(client, seed, make_staff, model):
    from django.apps import apps

    login(client, make_staff("root", superuser=True))
    changelist = client.get(reverse(f"admin:partnerships_{model}_changelist") + "?q=a")
    assert changelist.status_code == 200
    add = client.get(reverse(f"admin:partnerships_{model}_add"))
    if model in ADDED_INSIDE_THEIR_RECORD:
        assert add.status_code == 302  # back to the list, which says where they are added
    else:
        assert add.status_code == 200
    obj = apps.get_model("partnerships", model).objects.first()
    assert (
        client.get(reverse(f"admin:partnerships_{model}_change", args=[obj.pk])).status_code == 200
    )


def test_admin_shows_clean_messages_for_model_rules(client, seed, make_staff):
    login(client, make_staff("root", superuser=True))
    jiangsu = Region.objects.get(slug="jiangsu")
    data = {
        "name": "Jiangsu",
        "slug": "jiangsu",
        "kind": "province",
        "iso_code": "JS",
        "parent": Region.objects.get(slug="wuxi").pk,
        "publication": "published",
        "seen_version": jiangsu.version,
        "partnerships-citation-content_type-object_id-TOTAL_FORMS": "0",
        "partnerships-citation-content_type-object_id-INITIAL_FORMS": "0",
    }
    response = client.post(reverse("admin:partnerships_region_change", args=[jiangsu.pk]), data)
    assertContains(response, "ISO 3166-2")
    assertContains(response, "loop")


def test_the_publish_action_says_how_many_records_in_plain_english(client, seed, make_staff):
    orgs = list(Organization.objects.order_by("pk")[:2])
    Organization.objects.filter(pk__in=[o.pk for o in orgs]).update(publication=Publication.DRAFT)
    login(client, make_staff("pub", "publisher"))
    changelist = reverse("admin:partnerships_organization_changelist")
    one = client.post(
        changelist, {"action": "publish", "_selected_action": [orgs[0].pk]}, follow=True
    )
    Organization.objects.filter(pk__in=[o.pk for o in orgs]).update(publication=Publication.DRAFT)
    two = client.post(
        changelist, {"action": "publish", "_selected_action": [o.pk for o in orgs]}, follow=True
    )
    assert "1 record now published." in one.content.decode()
    assert "2 records now published." in two.content.decode()


def test_grant_role_says_which_role_the_user_now_has(db):
    import io

    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    get_user_model().objects.create_user("newed", password="x" * 20)
    out = io.StringIO()
    call_command("grant_role", "newed", "editor", stdout=out)
    assert out.getvalue().startswith("newed now has the role editor (")
