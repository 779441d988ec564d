"""The admin's forms as a browser submits them, for tests that go through the admin."""

import html
from html.parser import HTMLParser

from django.urls import reverse


class FormReader(HTMLParser):
    """What a browser would submit from the page's main form: every named input, select and
    textarea with its current value, the inline formsets' empty rows (``-__prefix__-``, which
    "Add another" copies and Django ignores) included."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select = None
        self._textarea = None
        self._selected_any = False

    def add(self, name, value):
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file", "search"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.add(name, a.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.add(self._select, a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.add(name, "")

    def handle_data(self, data):
        if self._textarea:
            values = self.data[self._textarea]
            values[-1] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            values = self.data.get(self._textarea)
            if values and values[-1].startswith("\n"):
                values[-1] = values[-1][1:]  # the newline HTML drops after <textarea>
            self._textarea = None


def form_of(response) -> dict:
    assert response.status_code == 200, response.status_code
    reader = FormReader()
    reader.feed(response.content.decode())
    data = {k: v if len(v) > 1 else v[0] for k, v in reader.data.items()}
    data.pop("csrfmiddlewaretoken", None)
    data.pop("action", None)
    data["_save"] = "Save"
    return data


def add_row(data: dict, prefix: str, values: dict) -> int:
    """Add a new row to an inline of the form's data, as "Add another" does: a copy of the
    page's empty row (its defaults), with ``values`` filled in."""
    n = int(data[f"{prefix}-TOTAL_FORMS"])
    empty = f"{prefix}-__prefix__-"
    for name, value in list(data.items()):
        if name.startswith(empty):
            data[f"{prefix}-{n}-{name[len(empty) :]}"] = value
    for name, value in values.items():
        data[f"{prefix}-{n}-{name}"] = value
    data[f"{prefix}-TOTAL_FORMS"] = str(n + 1)
    return n


def change_url(obj):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def revert_url(obj, historical):
    opts = obj._meta
    return reverse(
        f"admin:{opts.app_label}_{opts.model_name}_simple_history",
        args=[obj.pk, historical.history_id],
    )


def inline_index(data: dict, prefix: str, pk) -> str:
    """The form number of the inline row ``pk`` in a form's data (``prefix-N-id``)."""
    return next(
        key.split("-")[-2]
        for key, value in data.items()
        if key.startswith(f"{prefix}-") and key.endswith("-id") and value == str(pk)
    )


def citation_prefix():
    return "partnerships-citation-content_type-object_id"


def messages_of(response) -> str:
    """The messages and form errors a person sees on the page."""
    if not response.context:
        return ""
    seen = [str(m) for m in response.context["messages"]]
    errors = response.context.get("errors")
    if errors:
        seen.extend(str(e) for e in errors)
    for formset in response.context.get("inline_admin_formsets") or []:
        seen.extend(str(e) for e in formset.formset.non_form_errors())
        seen.extend(str(e) for e in formset.formset.errors if e)
    return html.unescape(" ".join(seen))
