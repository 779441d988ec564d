"""Staff previews: a draft, or a published record with a pending revision, shown as its public
page would look.

The preview makes the change for real inside a database transaction (the record published,
the revision applied, with every signal and derived column as a real publish would give),
renders the record's own public page in it, and rolls the transaction back: nothing is ever
written, other requests never see it, and the page is exactly the public one. It is marked as
a preview, never cached, never indexed, and a 404 for anyone who is not staff."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.http import Http404
from django.urls import resolve
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext

from .models import Publication, Revision, SisterSchoolPartnership
from .revisions import RevisionConflict, apply_changes


def _staff_may_view(request, model) -> bool:
    user = request.user
    opts = model._meta
    return (
        user.is_active
        and user.is_staff
        and user.has_perm(f"{opts.app_label}.view_{opts.model_name}")
    )


def _publish_in_transaction(record) -> None:
    """What a publish would do, for the page to show: the record (and, for a partnership, its
    parties, without which it is on no public page) published."""
    model = type(record)
    record = model._base_manager.get(pk=record.pk)
    if isinstance(record, SisterSchoolPartnership):
        for party in (record.party_a, record.party_b):
            if party.publication != Publication.PUBLISHED:
                party.publication = Publication.PUBLISHED
                party.save(update_fields=["publication"])
        record.refresh_from_db()
    if record.publication != Publication.PUBLISHED:
        record.publication = Publication.PUBLISHED
        record.save(update_fields=["publication"])


def _render(request, record, label: str):
    model = type(record)
    record = model._base_manager.get(pk=record.pk)
    path = record.get_absolute_url()
    if not path:
        raise Http404(gettext("This kind of record has no public page of its own."))
    match = resolve(path)
    request.preview = label
    response = match.func(request, *match.args, **match.kwargs)
    if hasattr(response, "render"):
        response.render()
    return response


def _finish(response):
    add_never_cache_headers(response)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def preview_record(request, content_type_id: int, object_id: int):
    content_type = ContentType.objects.filter(pk=content_type_id).first()
    model = content_type.model_class() if content_type else None
    if model is None or not hasattr(model, "publication") or not _staff_may_view(request, model):
        raise Http404
    record = model._base_manager.filter(pk=object_id).first()
    if record is None:
        raise Http404
    label = (
        gettext("Preview of a draft: this page is not public.")
        if record.publication != Publication.PUBLISHED
        else gettext("Preview: this is the published page.")
    )
    with transaction.atomic():
        _publish_in_transaction(record)
        response = _render(request, record, label)
        transaction.set_rollback(True)
    return _finish(response)


def preview_revision(request, revision_id: int):
    revision = Revision.objects.select_related("content_type").filter(pk=revision_id).first()
    model = revision.content_type.model_class() if revision else None
    if model is None or not _staff_may_view(request, model):
        raise Http404
    if revision.kind == Revision.Kind.DELETE:
        raise Http404(gettext("A deletion has nothing to preview."))
    record = model._base_manager.filter(pk=revision.object_id).first()
    if record is None:
        raise Http404
    label = gettext("Preview of a change waiting for review (%(summary)s): not public.") % {
        "summary": revision.summary or gettext("no visible change")
    }
    with transaction.atomic():
        try:
            apply_changes(revision, request.user, "preview", check_versions=False)
        except RevisionConflict as exc:
            label += " " + str(exc)
        _publish_in_transaction(record)
        response = _render(request, record, label)
        transaction.set_rollback(True)
    return _finish(response)
