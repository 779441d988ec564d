"""Every field an editor may fill has a place in its admin form: a field added to a model
but left out of a form's explicit fieldsets cannot be entered at all (trial 17: a group at
an event had no place in the conference form's rows until it was listed)."""

import pytest
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.auth import get_user_model
from django.test import RequestFactory

from partnerships.models import MistakeReport

# Generic relations: the row is attached to its record by the page it is entered on.
GENERIC = {"content_type", "object_id", "subject_type", "subject_id"}
# Filled by the code, not by staff: the page a mistake report was sent from.
NOT_STAFF = {(MistakeReport, "page")}


def superuser_request():
    request = RequestFactory().get("/admin/")
    request.user = get_user_model()(is_superuser=True, is_staff=True)
    return request


def forms():
    """(model admin, model, form fields, parent model or None) for every admin form and
    inline of the app."""
    request = superuser_request()
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label != "partnerships":
            continue
        yield model_admin, model, fields_of(model_admin, request), None
        for inline in model_admin.get_inline_instances(request):
            yield inline, inline.model, fields_of(inline, request), model


def fields_of(form, request) -> set[str]:
    """The fields the form shows: its fieldsets' (which decide the form when given)."""
    return set(flatten_fieldsets(form.get_fieldsets(request)))


@pytest.mark.parametrize(
    ("form", "model", "fields", "parent"),
    list(forms()),
    ids=lambda value: (
        type(value).__name__ if isinstance(value, admin.options.BaseModelAdmin) else ""
    ),
)
def test_every_editable_field_is_in_its_admin_form(db, form, model, fields, parent):
    listed = fields
    missing = [
        field.name
        for field in [*model._meta.concrete_fields, *model._meta.many_to_many]
        if field.editable
        and not field.primary_key
        and field.name not in listed
        and field.name not in GENERIC
        and (model, field.name) not in NOT_STAFF
        and not (parent is not None and field.is_relation and field.related_model is parent)
    ]
    assert missing == []
