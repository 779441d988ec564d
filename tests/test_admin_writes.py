"""Every admin write path checks the permission of what it does; concurrent edits of a record,
of its inline rows and of rows on their own pages are refused with a message, never a 500;
history and restore keep working after related records are deleted.

Records are as `make setup` leaves them: the sourced fixtures with a first history entry each
(populate_history), drafts beside published records."""

import io

import pytest
from django.contrib import admin
from django.test import TestCase
from django.urls import reverse

from partnerships.jobmodels import ImportJob
from partnerships.models import (
    Citation,
    Conference,
    Organization,
    OrganizationName,
    Publication,
    Region,
    Revision,
    SisterSchoolPartnership,
    Source,
    Speech,
)

from .adminforms import (
    change_url,
    citation_prefix,
    form_of,
    inline_index,
    messages_of,
    revert_url,
)
from .jobhelpers import run_worker

ROLES = ["anonymous", "viewer", "editor", "publisher"]


# --------------------------------------------------------------------- every POST, every role


def org():
    return Organization.objects.get(slug="bycirklen")


def as_publisher_edit(obj, client_as, **changes):
    """A publisher's edit through the form, so that the record has one more version."""
    client = client_as("publisher", "setup-publisher")
    data = form_of(client.get(change_url(obj)))
    data.update(changes)
    response = client.post(change_url(obj), data)
    assert response.status_code == 302, messages_of(response) or response.content[:3000]
    return response


def post_change(client, client_as):
    """Rename and try to unpublish through the change form."""
    page = client_as("publisher", "reader").get(change_url(org()))
    data = form_of(page)
    data.update(name="Renamed by POST", publication="draft")
    return client.post(change_url(org()), data)


def post_add(client, client_as):
    return client.post(
        reverse("admin:partnerships_organization_add"),
        {
            "name": "Added by POST",
            "slug": "added-by-post",
            "kind": "school",
            "region": Region.objects.get(slug="wuxi").pk,
            "publication": "published",
            "website": "",
            "description": "",
            "other_names-TOTAL_FORMS": "0",
            "other_names-INITIAL_FORMS": "0",
            f"{citation_prefix()}-TOTAL_FORMS": "0",
            f"{citation_prefix()}-INITIAL_FORMS": "0",
            "_save": "Save",
        },
    )


def deletable():
    """An organization no partnership protects."""
    return Organization.objects.get(slug="peoples-government-of-xuzhou")


def post_delete(client, client_as):
    return client.post(
        reverse("admin:partnerships_organization_delete", args=[deletable().pk]), {"post": "yes"}
    )


def post_revert(client, client_as):
    """Revert to the version before an unpublish, with a changed name."""
    record = org()
    oldest = record.history.order_by("history_date").first()
    as_publisher_edit(record, client_as, publication="draft")
    page = client_as("publisher", "reader").get(revert_url(record, oldest))
    data = form_of(page)
    data.update(name="Renamed by revert")
    return client.post(revert_url(record, oldest), data)


def post_restore(client, client_as):
    gone = Organization.objects.create(
        name="Deleted School", kind="school", region=Region.objects.get(slug="wuxi")
    )
    pk = gone.pk
    gone.delete()
    historical = Organization.history.get(id=pk, history_type="-")
    return client.post(
        reverse("admin:partnerships_organization_restore", args=[historical.history_id])
    )


def post_action(action):
    def post(client, client_as):
        if action == "publish":
            Organization.objects.filter(pk=org().pk).update(publication=Publication.DRAFT)
        target = deletable() if action == "delete_selected" else org()
        return client.post(
            reverse("admin:partnerships_organization_changelist"),
            {"action": action, "_selected_action": [target.pk], "post": "yes"},
        )

    return post


def post_import(client, client_as):
    upload = io.BytesIO(b"name,kind,region\nImported School,school,wuxi\n")
    upload.name = "orgs.csv"
    return client.post(
        reverse("admin:partnerships_organization_import"),
        {"resource": "0", "format": "0", "import_file": upload},
    )


def post_import_confirm(client, client_as):
    """Confirm a clean preview made by someone else (a publisher): only its owner may."""
    owner = client_as("publisher", "uploader")
    upload = io.BytesIO(b"name,kind,region\nImported School,school,wuxi\n")
    upload.name = "orgs.csv"
    # The test's transaction never commits: run the job queued on commit as the worker would.
    with TestCase.captureOnCommitCallbacks(execute=True):
        owner.post(
            reverse("admin:partnerships_organization_import"),
            {"resource": "0", "format": "0", "import_file": upload},
        )
    run_worker()
    job = ImportJob.objects.get(user__username="uploader")
    return client.post(reverse("admin:partnerships_organization_job_confirm", args=[job.pk]))


def citation():
    return org().citations.order_by("pk").first()


def post_citation_change(client, client_as):
    data = form_of(client_as("publisher", "reader").get(change_url(citation())))
    data.update(note="Changed on its own page")
    return client.post(change_url(citation()), data)


def post_citation_delete(client, client_as):
    return client.post(
        reverse("admin:partnerships_citation_delete", args=[citation().pk]), {"post": "yes"}
    )


def post_citation_revert(client, client_as):
    row = citation()
    oldest = row.history.order_by("history_date").first()
    data = form_of(client_as("publisher", "reader").get(revert_url(row, oldest)))
    data.update(note="Reverted with a change")
    return client.post(revert_url(row, oldest), data)


def state():
    """What the write paths above could change."""
    o = Organization.objects.filter(slug="bycirklen").first()
    c = o.citations.order_by("pk").first()
    return {
        "name": getattr(o, "name", None),
        "publication": getattr(o, "publication", None),
        "exists": Organization.objects.filter(slug="peoples-government-of-xuzhou").exists(),
        "added": Organization.objects.filter(slug="added-by-post")
        .values_list("publication", flat=True)
        .first(),
        "restored": Organization.objects.filter(name="Deleted School")
        .values_list("publication", flat=True)
        .first(),
        "imported": Organization.objects.filter(name="Imported School").exists(),
        "citation_note": getattr(c, "note", None),
        "citations": Citation.objects.count(),
        "pending": Revision.objects.filter(status="pending").count(),
    }


PATHS = {
    "change": post_change,
    "add": post_add,
    "delete": post_delete,
    "history revert": post_revert,
    "restore deleted": post_restore,
    "publish action": post_action("publish"),
    "unpublish action": post_action("unpublish"),
    "delete action": post_action("delete_selected"),
    "import": post_import,
    "import confirm": post_import_confirm,
    "citation change": post_citation_change,
    "citation delete": post_citation_delete,
    "citation history revert": post_citation_revert,
}

# What each role's POST does: "login" (sent to sign in, nothing changes), "403" (refused,
# nothing changes), "ignored" (an action the role does not have: nothing changes), or the
# change expected in state().
EXPECTED = {
    "change": {
        # Bycirklen is published: the editor's change waits for review.
        "editor": {"name": "Bycirklen", "publication": "published", "pending": 1},
        "publisher": {"name": "Renamed by POST", "publication": "draft"},
    },
    "add": {"editor": {"added": "draft"}, "publisher": {"added": "published"}},
    "delete": {
        "editor": "403",
        "publisher": {"exists": False},
    },
    "history revert": {
        "editor": {"name": "Renamed by revert", "publication": "draft"},
        "publisher": {"name": "Renamed by revert", "publication": "published"},
    },
    "restore deleted": {"editor": {"restored": "draft"}, "publisher": {"restored": "draft"}},
    "publish action": {
        "viewer": "ignored",
        "editor": "ignored",
        "publisher": {"publication": "published"},
    },
    "unpublish action": {
        "viewer": "ignored",
        "editor": "ignored",
        "publisher": {"publication": "draft"},
    },
    "delete action": {
        "viewer": "ignored",
        "editor": "ignored",
        "publisher": {"exists": False},
    },
    # An upload starts a preview job (nothing imported) and leads to its page.
    "import": {"editor": "job", "publisher": "job"},
    # Only the one who uploaded confirms: for anyone else the job does not exist.
    "import confirm": {"editor": "404", "publisher": "404"},
    # The citations of a published record: an editor changes them in the record's form,
    # where the change waits for review; their own pages are read-only for editors.
    "citation change": {"publisher": {"citation_note": "Changed on its own page"}},
    "citation delete": {"publisher": "deleted-citation"},
    "citation history revert": {"publisher": {"citation_note": "Reverted with a change"}},
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", list(PATHS))
def test_each_role_can_do_only_what_its_permissions_allow_on_each_write_path(
    records, client_as, role, path
):
    client = client_as(role)
    before = state()
    # The path's own preparation (an unpublish before a revert, a deleted record to restore)
    # is done as a publisher inside PATHS; compare against the state right before the POST.
    response = PATHS[path](client, client_as)
    after = state()
    assert response.status_code < 500
    expected = EXPECTED[path].get(role, "login" if role == "anonymous" else "403")
    if expected == "login":
        assert response.status_code == 302
        assert reverse("admin:login") in response["Location"]
    elif expected == "403":
        assert response.status_code == 403
    if expected in ("login", "403", "ignored"):
        # Nothing the POST aimed at changed (preparation may have changed the publication).
        for key in (
            "name",
            "exists",
            "added",
            "restored",
            "imported",
            "citation_note",
            "citations",
            "pending",
        ):
            assert after[key] == before[key] or key == "restored" and after[key] is None, key
        if path in ("publish action", "unpublish action", "history revert"):
            assert after["publication"] != ("published" if path == "publish action" else None)
    elif expected == "job":
        assert response.status_code == 302
        assert "/jobs/" in response["Location"]
        assert not after["imported"]  # the first step is a preview
    elif expected == "404":
        assert response.status_code == 404
        assert not after["imported"]
    elif expected == "deleted-citation":
        assert after["citations"] == before["citations"] - 1
    else:
        assert response.status_code == 302, messages_of(response)
        for key, value in expected.items():
            assert after[key] == value, (key, after)


def test_every_admin_url_that_accepts_post_is_in_the_role_matrix():
    """A new write path must be added to PATHS (and so tested for every role)."""
    covered = {
        "add",
        "change",
        "delete",
        "simple_history",
        "restore",
        "changelist",
        "import",
        "process_import",
        "job_confirm",
        "export",
    }
    read_only = {"history", "deleted", "autocomplete", "job", "job_download"}
    names = set()
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label != "partnerships":
            continue
        for pattern in model_admin.get_urls():
            name = getattr(pattern, "name", None)
            if name:
                names.add(name.removeprefix(f"partnerships_{model._meta.model_name}_"))
    assert names - covered - read_only == set()


def test_a_viewer_sees_history_versions_without_a_revert_button(records, client_as):
    client = client_as("viewer")
    record = org()
    oldest = record.history.order_by("history_date").first()
    page = client.get(revert_url(record, oldest))
    assert page.status_code == 200
    assert b'name="_save"' not in page.content


def test_an_editor_reverting_never_republishes_what_a_publisher_unpublished(records, client_as):
    record = org()
    published_version = record.history.order_by("history_date").first()
    as_publisher_edit(record, client_as, publication="draft")
    editor = client_as("editor")
    data = form_of(editor.get(revert_url(record, published_version)))
    response = editor.post(revert_url(record, published_version), data)
    assert response.status_code == 302
    assert org().publication == Publication.DRAFT


def test_a_history_version_with_a_bad_id_is_404(records, client_as):
    client = client_as("publisher")
    url = reverse("admin:partnerships_organization_simple_history", args=[org().pk, 1]).replace(
        "/1/", "/abc/"
    )
    assert client.get(url).status_code == 404
    assert client.post(url, {}).status_code == 404


# ------------------------------------------------------------------ conflicts are messages


def test_second_concurrent_save_of_a_partnership_with_history_is_a_message_not_a_500(
    records, client_as
):
    partnership = SisterSchoolPartnership.objects.get(pk=2)
    assert partnership.history.exists()
    alice, bob = client_as("publisher", "alice"), client_as("publisher", "bob")
    alice_data = form_of(alice.get(change_url(partnership)))
    bob_data = form_of(bob.get(change_url(partnership)))
    alice_data["summary"] = "Alice's summary."
    assert alice.post(change_url(partnership), alice_data).status_code == 302
    bob_data["summary"] = "Bob's summary."
    response = bob.post(change_url(partnership), bob_data)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Someone else saved this record after you opened it" in text
    assert "Alice&#x27;s summary." in text  # what changed
    assert "Bob&#x27;s summary.</textarea>" in text  # what Bob typed is still in the form
    assert SisterSchoolPartnership.objects.get(pk=2).summary == "Alice's summary."


def test_a_conflict_lists_the_fields_and_rows_the_other_editor_changed(records, client_as):
    record = org()
    alice, bob = client_as("publisher", "alice"), client_as("publisher", "bob")
    bob_data = form_of(bob.get(change_url(record)))
    alice_data = form_of(alice.get(change_url(record)))
    alice_data["description"] = "Alice's description"
    alice_data[f"{citation_prefix()}-0-note"] = "Alice's note"
    assert alice.post(change_url(record), alice_data).status_code == 302
    bob_data["name"] = "Bob's name"
    response = bob.post(change_url(record), bob_data)
    assert response.status_code == 200
    text = messages_of(response)
    assert "Alice's description" in text
    assert "Citation “" in text and "changed" in text
    assert org().name == "Bycirklen"


def test_a_save_of_inline_rows_only_leaves_other_open_forms_of_the_record_valid(records, client_as):
    record = org()
    alice, bob = client_as("publisher", "alice"), client_as("publisher", "bob")
    bob_data = form_of(bob.get(change_url(record)))
    alice_data = form_of(alice.get(change_url(record)))
    alice_data[f"{citation_prefix()}-0-note"] = "Alice's note"
    assert alice.post(change_url(record), alice_data).status_code == 302
    bob_data["description"] = "Bob's description"
    response = bob.post(change_url(record), bob_data)
    assert response.status_code == 302, messages_of(response)
    assert org().description == "Bob's description"
    assert org().citations.order_by("source_id", "paragraph").first().note == "Alice's note"


def test_two_saves_of_one_citation_on_its_own_page_refuse_the_second(records, client_as):
    row = citation()
    alice, bob = client_as("publisher", "alice"), client_as("publisher", "bob")
    alice_data = form_of(alice.get(change_url(row)))
    bob_data = form_of(bob.get(change_url(row)))
    alice_data["note"] = "Alice's note"
    assert alice.post(change_url(row), alice_data).status_code == 302
    bob_data["note"] = "Bob's note"
    response = bob.post(change_url(row), bob_data)
    assert response.status_code == 200
    assert "Someone else saved this record after you opened it" in response.content.decode()
    assert Citation.objects.get(pk=row.pk).note == "Alice's note"


def test_a_citation_saved_on_its_own_page_is_not_overwritten_by_the_parent_form(records, client_as):
    record, row = org(), citation()
    alice, bob = client_as("publisher", "alice"), client_as("publisher", "bob")
    bob_data = form_of(bob.get(change_url(record)))  # Bob opens the organization first
    alice_data = form_of(alice.get(change_url(row)))
    alice_data["note"] = "Alice's note"
    assert alice.post(change_url(row), alice_data).status_code == 302
    prefix = citation_prefix()
    index = inline_index(bob_data, prefix, row.pk)
    bob_data[f"{prefix}-{index}-note"] = "Bob's note"
    response = bob.post(change_url(record), bob_data)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Someone else saved citation" in text
    assert "Alice&#x27;s note" in text
    assert Citation.objects.get(pk=row.pk).note == "Alice's note"


def test_untouched_inline_rows_do_not_conflict_and_keep_the_other_save(records, client_as):
    record, row = org(), citation()
    alice, bob = client_as("publisher", "alice"), client_as("publisher", "bob")
    bob_data = form_of(bob.get(change_url(record)))
    alice_data = form_of(alice.get(change_url(row)))
    alice_data["note"] = "Alice's note"
    assert alice.post(change_url(row), alice_data).status_code == 302
    bob_data["description"] = "Bob's description"
    response = bob.post(change_url(record), bob_data)
    assert response.status_code == 302, messages_of(response)
    assert org().description == "Bob's description"
    assert Citation.objects.get(pk=row.pk).note == "Alice's note"


def test_deleting_an_inline_row_changed_since_is_refused(records, client_as):
    record, row = org(), citation()
    alice, bob = client_as("publisher", "alice"), client_as("publisher", "bob")
    bob_data = form_of(bob.get(change_url(record)))
    alice_data = form_of(alice.get(change_url(row)))
    alice_data["note"] = "Alice's note"
    assert alice.post(change_url(row), alice_data).status_code == 302
    prefix = citation_prefix()
    index = inline_index(bob_data, prefix, row.pk)
    bob_data[f"{prefix}-{index}-DELETE"] = "on"
    response = bob.post(change_url(record), bob_data)
    assert response.status_code == 200
    assert Citation.objects.filter(pk=row.pk, note="Alice's note").exists()


def test_a_speech_saved_on_its_own_page_is_not_overwritten_by_the_conference_form(
    records, client_as
):
    speech = Speech.objects.order_by("pk").first()
    conference = speech.conference
    alice, bob = client_as("publisher", "alice"), client_as("publisher", "bob")
    bob_data = form_of(bob.get(change_url(conference)))
    alice_data = form_of(alice.get(change_url(speech)))
    alice_data["summary"] = "Alice's summary"
    assert alice.post(change_url(speech), alice_data).status_code == 302
    index = inline_index(bob_data, "speeches", speech.pk)
    bob_data[f"speeches-{index}-summary"] = "Bob's summary"
    response = bob.post(change_url(conference), bob_data)
    assert response.status_code == 200
    assert Speech.objects.get(pk=speech.pk).summary == "Alice's summary"


# ------------------------------------------------- history after related records are deleted


@pytest.fixture
def former_party(records, client_as):
    """Partnership 2 had party B "Former Party" before it was changed to Bycirklen; then the
    former party was deleted."""
    partnership = SisterSchoolPartnership.objects.get(pk=2)
    former = Organization.objects.create(
        name="Former Party",
        kind="authority",
        region=Region.objects.get(slug="wuxi"),
        publication=Publication.PUBLISHED,
    )
    bycirklen = partnership.party_b
    partnership.party_b = former
    partnership.save()
    partnership.refresh_from_db()
    partnership.party_b = bycirklen
    partnership.save()
    former.delete()
    return partnership


def test_a_partnership_history_page_works_after_its_former_party_is_deleted(
    former_party, client_as
):
    client = client_as("viewer")
    page = client.get(
        reverse("admin:partnerships_sisterschoolpartnership_history", args=[former_party.pk])
    )
    assert page.status_code == 200
    assert "“Former Party” (deleted)" in page.content.decode()


def test_an_old_version_naming_a_deleted_party_opens_and_says_so(former_party, client_as):
    client = client_as("publisher")
    version = (
        former_party.history.filter(party_b_id__isnull=False)
        .exclude(party_b_id=former_party.party_b_id)
        .first()
    )
    page = client.get(revert_url(former_party, version))
    assert page.status_code == 200
    assert "Former Party" in messages_of(page)


def test_the_deleted_partnerships_page_works_after_a_party_is_deleted_and_says_why_not(
    records, client_as
):
    publisher = client_as("publisher")
    partnership = SisterSchoolPartnership.objects.get(pk=2)
    party = partnership.party_b
    assert (
        publisher.post(
            reverse("admin:partnerships_sisterschoolpartnership_delete", args=[partnership.pk]),
            {"post": "yes"},
        ).status_code
        == 302
    )
    assert (
        publisher.post(
            reverse("admin:partnerships_organization_delete", args=[party.pk]), {"post": "yes"}
        ).status_code
        == 302
    )
    deleted_page = publisher.get(reverse("admin:partnerships_sisterschoolpartnership_deleted"))
    assert deleted_page.status_code == 200
    historical = SisterSchoolPartnership.history.get(id=partnership.pk, history_type="-")
    restore = reverse(
        "admin:partnerships_sisterschoolpartnership_restore", args=[historical.history_id]
    )
    response = publisher.post(restore, follow=True)
    assert response.status_code == 200
    assert "Bycirklen" in messages_of(response) and "restore that first" in messages_of(response)
    assert not SisterSchoolPartnership.objects.filter(pk=partnership.pk).exists()
    # Restoring the party first makes the partnership restorable.
    party_history = Organization.history.get(id=party.pk, history_type="-")
    publisher.post(
        reverse("admin:partnerships_organization_restore", args=[party_history.history_id])
    )
    publisher.post(restore)
    assert SisterSchoolPartnership.objects.filter(pk=partnership.pk).exists()


def test_restoring_an_organization_brings_back_its_other_names_and_citations(records, client_as):
    record = Organization.objects.get(slug="suzhou-bureau-of-education")
    names = set(record.other_names.values_list("name", flat=True))
    cited = set(
        Citation.objects.filter(
            object_id=record.pk, content_type__model="organization"
        ).values_list("source_id", "paragraph")
    )
    assert names and cited
    SisterSchoolPartnership.objects.filter(party_a=record).delete()
    publisher = client_as("publisher")
    assert (
        publisher.post(
            reverse("admin:partnerships_organization_delete", args=[record.pk]), {"post": "yes"}
        ).status_code
        == 302
    )
    assert not OrganizationName.objects.filter(organization_id=record.pk).exists()
    historical = Organization.history.get(id=record.pk, history_type="-")
    response = publisher.post(
        reverse("admin:partnerships_organization_restore", args=[historical.history_id]),
        follow=True,
    )
    assert response.status_code == 200
    restored = Organization.objects.get(pk=record.pk)
    assert restored.publication == Publication.DRAFT
    assert set(restored.other_names.values_list("name", flat=True)) == names
    assert set(restored.citations.values_list("source_id", "paragraph")) == cited


def test_reverting_to_a_version_whose_conference_was_deleted_names_what_is_lost(records, client_as):
    partnership = SisterSchoolPartnership.objects.get(pk=2)
    conference = Conference.objects.create(
        name="Short-lived Conference", slug="short-lived-conference"
    )
    partnership.conference = conference
    partnership.save()
    with_conference = partnership.history.latest()
    partnership.refresh_from_db()
    partnership.conference = None
    partnership.save()
    conference.delete()
    publisher = client_as("publisher")
    url = revert_url(partnership, with_conference)
    page = publisher.get(url)
    assert "Short-lived Conference" in messages_of(page)
    response = publisher.post(url, form_of(page), follow=True)
    assert response.status_code == 200
    assert "Not restored" in messages_of(response)
    assert "Short-lived Conference" in messages_of(response)


def test_a_source_cannot_be_deleted_while_cited(records, client_as):
    """Citations protect their source: deleting one is refused, not a 500."""
    source = Source.objects.first()
    response = client_as("publisher").post(
        reverse("admin:partnerships_source_delete", args=[source.pk]), {"post": "yes"}
    )
    assert response.status_code in (200, 403)
    assert Source.objects.filter(pk=source.pk).exists()
