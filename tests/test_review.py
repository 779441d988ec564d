"""Review before publishing: an editor's change to a published record (a field, an inline row,
a revert, a deletion) is held as a pending revision; the public site keeps the published
version until a publisher approves; previews show the change to staff only."""

import pytest
from django.test import Client
from django.urls import reverse

from partnerships.models import (
    Alliance,
    AllianceEvent,
    Organization,
    OrganizationName,
    Person,
    Publication,
    Revision,
)

from .adminforms import change_url, form_of, messages_of, revert_url


def bycirklen():
    return Organization.objects.get(slug="bycirklen")


PUBLIC_PAGE = "/organizations/bycirklen/"
PUBLIC_CSV = "/organizations/?format=csv"


def public_text(client, path) -> str:
    response = client.get(path)
    assert response.status_code == 200
    if hasattr(response, "streaming_content"):
        return b"".join(response.streaming_content).decode("utf-8-sig")
    return response.content.decode()


def edit_as_editor(client_as, **changes):
    editor = client_as("editor")
    return editor, edit(editor, **changes)


def edit(editor, **changes):
    data = form_of(editor.get(change_url(bycirklen())))
    data.update(changes)
    response = editor.post(change_url(bycirklen()), data, follow=True)
    assert response.status_code == 200
    return response


def approve_as(client, revision, comment=""):
    url = reverse("admin:partnerships_revision_change", args=[revision.pk])
    return client.post(url, {"_approve": "1", "comment": comment}, follow=True)


def test_an_editors_change_to_a_published_record_is_public_only_after_approval(records, client_as):
    anonymous = Client()
    editor, response = edit_as_editor(client_as, description="A new description by the editor.")
    assert "waits for a publisher" in messages_of(response)
    revision = Revision.objects.get(status="pending")
    assert revision.author.username == "editor"
    for path in (PUBLIC_PAGE, PUBLIC_CSV):
        assert "A new description by the editor." not in public_text(anonymous, path)
    assert bycirklen().description != "A new description by the editor."

    publisher = client_as("publisher")
    response = approve_as(publisher, revision, comment="Checked against the report.")
    assert "now public" in messages_of(response)
    for path in (PUBLIC_PAGE, PUBLIC_CSV):
        assert "A new description by the editor." in public_text(anonymous, path)
    entry = bycirklen().history.latest()
    assert entry.history_user.username == "editor"
    assert "publisher" in entry.history_change_reason
    assert entry.description == "A new description by the editor."
    revision.refresh_from_db()
    assert (revision.status, revision.reviewer.username) == ("approved", "publisher")


def test_an_approval_writes_one_history_entry_on_the_record(records, client_as):
    before = bycirklen().history.count()
    edit_as_editor(client_as, description="One entry.")
    approve_as(client_as("publisher"), Revision.objects.get(status="pending"))
    assert bycirklen().history.count() == before + 1


def test_an_inline_row_added_by_an_editor_waits_for_review(records, client_as):
    anonymous = Client()
    edit_as_editor(
        client_as,
        **{
            "other_names-TOTAL_FORMS": "1",
            "other_names-0-name": "Bycirklen Denmark",
            "other_names-0-language": "da",
            "other_names-0-note": "",
            "other_names-0-id": "",
            "other_names-0-organization": str(bycirklen().pk),
        },
    )
    assert not OrganizationName.objects.filter(name="Bycirklen Denmark").exists()
    assert "Bycirklen Denmark" not in public_text(anonymous, PUBLIC_PAGE)
    revision = Revision.objects.get(status="pending")
    review = client_as("publisher").get(
        reverse("admin:partnerships_revision_change", args=[revision.pk])
    )
    assert "Bycirklen Denmark" in review.content.decode()  # the diff shows the row
    approve_as(client_as("publisher", "pub2"), revision)
    assert OrganizationName.objects.filter(name="Bycirklen Denmark").exists()
    assert "Bycirklen Denmark" in public_text(anonymous, PUBLIC_PAGE)


def test_an_alliance_event_added_by_an_editor_waits_for_review(records, client_as):
    alliance = Alliance.objects.get()
    assert alliance.publication == Publication.PUBLISHED
    editor = client_as("editor")
    data = form_of(editor.get(change_url(alliance)))
    events = int(data["events-TOTAL_FORMS"]) if "events-TOTAL_FORMS" in data else None
    prefix = (
        "events"
        if events is not None
        else next(
            k.removesuffix("-TOTAL_FORMS")
            for k in data
            if k.endswith("-TOTAL_FORMS") and "event" in k
        )
    )
    n = int(data[f"{prefix}-TOTAL_FORMS"])
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": str(n + 1),
            f"{prefix}-{n}-kind": AllianceEvent._meta.get_field("kind").choices[0][0],
            f"{prefix}-{n}-description": "A meeting the editor added.",
            f"{prefix}-{n}-occurred_precision": "year",
            f"{prefix}-{n}-occurred_on": "2025-01-01",
        }
    )
    count = AllianceEvent.objects.count()
    response = editor.post(change_url(alliance), data, follow=True)
    assert "waits for a publisher" in messages_of(response), messages_of(response)
    assert AllianceEvent.objects.count() == count
    assert Revision.objects.filter(status="pending").count() == 1


def test_a_rejected_revision_changes_nothing_public(records, client_as):
    edit_as_editor(client_as, name="Rejected Name")
    revision = Revision.objects.get(status="pending")
    url = reverse("admin:partnerships_revision_change", args=[revision.pk])
    client_as("publisher").post(url, {"_reject": "1", "comment": "Not in the source."})
    revision.refresh_from_db()
    assert (revision.status, revision.comment) == ("rejected", "Not in the source.")
    assert bycirklen().name == "Bycirklen"
    assert "Rejected Name" not in public_text(Client(), PUBLIC_CSV)


def test_two_pending_revisions_of_one_record_cannot_overwrite_each_other(records, client_as):
    edit_as_editor(client_as, description="First editor's text.")
    edit(client_as("editor", "second-editor"), description="Second editor's text.")
    first, other = Revision.objects.filter(status="pending").order_by("pk")
    publisher = client_as("publisher")
    approve_as(publisher, first)
    response = approve_as(publisher, other)
    assert "someone else changed what it changes (description)" in messages_of(response)
    assert bycirklen().description == "First editor's text."
    other.refresh_from_db()
    assert other.status == "pending"


def test_an_editors_second_change_before_review_is_kept_with_the_first(records, client_as):
    editor, _ = edit_as_editor(client_as, description="The editor's first change.")
    edit(editor, name="Bycirklen (Denmark)")
    first, second = Revision.objects.filter(status="pending").order_by("pk")
    publisher = client_as("publisher")
    approve_as(publisher, first)
    response = approve_as(publisher, second)
    assert "now public" in messages_of(response), messages_of(response)
    assert (bycirklen().name, bycirklen().description) == (
        "Bycirklen (Denmark)",
        "The editor's first change.",
    )


def test_a_row_added_by_one_editor_and_a_field_changed_by_another_are_both_kept(records, client_as):
    edit_as_editor(client_as, **other_name_row("Bycirklen Danmark"))
    edit(client_as("editor", "second-editor"), description="Second editor's text.")
    first, other = Revision.objects.filter(status="pending").order_by("pk")
    publisher = client_as("publisher")
    approve_as(publisher, other)
    response = approve_as(publisher, first)
    assert "now public" in messages_of(response), messages_of(response)
    assert bycirklen().description == "Second editor's text."
    assert bycirklen().other_names.filter(name="Bycirklen Danmark").exists()


def test_a_row_changed_since_the_revision_was_made_refuses_it(records, client_as):
    OrganizationName.objects.create(organization=bycirklen(), name="Bycirklen DK", language="da")
    editor = client_as("editor")
    data = form_of(editor.get(change_url(bycirklen())))
    data["other_names-0-name"] = "Bycirklen, Denmark"
    editor.post(change_url(bycirklen()), data)
    revision = Revision.objects.get(status="pending")
    row = OrganizationName.objects.get(name="Bycirklen DK")
    row.name = "Bycirklen (DK)"
    row.save()
    response = approve_as(client_as("publisher"), revision)
    assert "someone else changed what it changes" in messages_of(response)
    assert OrganizationName.objects.filter(name="Bycirklen (DK)").exists()
    revision.refresh_from_db()
    assert revision.status == "pending"


def test_the_same_row_added_twice_is_refused_in_words_not_a_500(records, client_as):
    editor, _ = edit_as_editor(client_as, **other_name_row("Bycirklen Danmark"))
    edit(editor, **other_name_row("Bycirklen Danmark"))
    first, second = Revision.objects.filter(status="pending").order_by("pk")
    publisher = client_as("publisher")
    approve_as(publisher, first)
    response = approve_as(publisher, second)
    assert response.status_code == 200
    assert "adds a row the record has already" in messages_of(response)
    assert bycirklen().other_names.filter(name="Bycirklen Danmark").count() == 1


def other_name_row(name: str) -> dict:
    return {
        "other_names-TOTAL_FORMS": "1",
        "other_names-0-name": name,
        "other_names-0-language": "da",
        "other_names-0-note": "",
        "other_names-0-id": "",
        "other_names-0-organization": str(bycirklen().pk),
    }


@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_only_publishers_approve(records, client_as, role):
    edit_as_editor(client_as, description="Waiting.")
    revision = Revision.objects.get(status="pending")
    response = client_as(role, f"other-{role}").post(
        reverse("admin:partnerships_revision_change", args=[revision.pk]), {"_approve": "1"}
    )
    assert response.status_code == 403
    revision.refresh_from_db()
    assert revision.status == "pending"


def test_an_editors_revert_of_a_published_record_waits_for_review(records, client_as):
    publisher = client_as("publisher")
    data = form_of(publisher.get(change_url(bycirklen())))
    data["description"] = "Published later."
    assert publisher.post(change_url(bycirklen()), data).status_code == 302
    oldest = bycirklen().history.order_by("history_date").first()
    editor = client_as("editor")
    page = editor.get(revert_url(bycirklen(), oldest))
    response = editor.post(revert_url(bycirklen(), oldest), form_of(page), follow=True)
    assert "waits for a publisher" in messages_of(response)
    assert bycirklen().description == "Published later."
    assert Revision.objects.filter(status="pending").count() == 1


def test_an_editor_asks_for_a_deletion_and_a_publisher_approves_it(records, client_as):
    record = Organization.objects.get(slug="peoples-government-of-xuzhou")
    editor = client_as("editor")
    editor.post(
        reverse("admin:partnerships_organization_changelist"),
        {"action": "request_deletion", "_selected_action": [record.pk]},
    )
    assert Organization.objects.filter(pk=record.pk).exists()
    revision = Revision.objects.get(status="pending", kind="delete")
    approve_as(client_as("publisher"), revision)
    assert not Organization.objects.filter(pk=record.pk).exists()


def test_a_publishers_own_edit_goes_live_at_once(records, client_as):
    publisher = client_as("publisher")
    data = form_of(publisher.get(change_url(bycirklen())))
    data["description"] = "Live at once."
    assert publisher.post(change_url(bycirklen()), data).status_code == 302
    assert bycirklen().description == "Live at once."
    assert not Revision.objects.exists()


# --------------------------------------------------------------------------------- preview


def test_preview_of_a_revision_shows_the_change_to_staff_only_and_writes_nothing(
    records, client_as
):
    edit_as_editor(client_as, description="Previewed text.")
    revision = Revision.objects.get(status="pending")
    url = reverse("preview-revision", args=[revision.pk])
    staff = client_as("viewer")
    response = staff.get(url)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Previewed text." in text
    assert 'class="preview-banner"' in text
    assert "no-store" in response["Cache-Control"]
    assert "noindex" in response["X-Robots-Tag"]
    assert bycirklen().description != "Previewed text."
    assert bycirklen().history.filter(description="Previewed text.").count() == 0
    assert Client().get(url).status_code == 404


def test_preview_of_a_draft_shows_its_public_page_to_staff_only(records, client_as):
    record = Organization.objects.get(slug="peoples-government-of-xuzhou")
    Organization.objects.filter(pk=record.pk).update(publication=Publication.DRAFT)
    assert Client().get(record.get_absolute_url()).status_code == 404
    from django.contrib.contenttypes.models import ContentType

    url = reverse(
        "preview-record", args=[ContentType.objects.get_for_model(Organization).pk, record.pk]
    )
    response = client_as("editor").get(url)
    assert response.status_code == 200
    assert "Government of Xuzhou" in response.content.decode()
    assert Organization.objects.get(pk=record.pk).publication == Publication.DRAFT
    assert Client().get(url).status_code == 404


def test_preview_of_an_unknown_record_is_404(records, client_as):
    staff = client_as("publisher")
    assert staff.get("/preview/999999/1/").status_code == 404
    assert staff.get("/preview/revision/999999/").status_code == 404


def test_an_editors_change_of_a_many_to_many_field_waits_for_review_and_is_applied(
    records, client_as
):
    from partnerships.models import Region

    alliance = Alliance.objects.get()
    before = sorted(alliance.countries.values_list("pk", flat=True))
    added = Region.objects.filter(kind="country").exclude(pk__in=before).first()
    editor = client_as("editor")
    data = form_of(editor.get(change_url(alliance)))
    data["countries"] = [str(pk) for pk in [*before, added.pk]]
    response = editor.post(change_url(alliance), data, follow=True)
    assert "waits for a publisher" in messages_of(response), messages_of(response)
    assert sorted(alliance.countries.values_list("pk", flat=True)) == before
    revision = Revision.objects.get(status="pending")
    review = client_as("publisher").get(
        reverse("admin:partnerships_revision_change", args=[revision.pk])
    )
    assert added.name in review.content.decode()
    approve_as(client_as("publisher", "pub2"), revision)
    assert sorted(alliance.countries.values_list("pk", flat=True)) == sorted([*before, added.pk])


def test_a_deletion_of_a_record_others_name_is_refused_in_words_not_a_500(records, client_as):
    record = Organization.objects.get(slug="peoples-government-of-xuzhou")
    person = Person.objects.create(name="Test Official", position="Mayor", organization=record)
    client_as("editor").post(
        reverse("admin:partnerships_organization_changelist"),
        {"action": "request_deletion", "_selected_action": [record.pk]},
    )
    revision = Revision.objects.get(status="pending", kind="delete")
    response = approve_as(client_as("publisher"), revision)
    assert "cannot be deleted while other records name it: Test Official" in messages_of(response)
    assert Organization.objects.filter(pk=record.pk).exists()
    assert Person.objects.filter(pk=person.pk).exists()
    revision.refresh_from_db()
    assert revision.status == "pending"
