"""The form renderer of the public filter forms: the widgets they use written in Python.

A list page renders its filter form on every request, and Django's widget templates (an
include for each input's attributes, one for each option of a select) took about 2 ms of a
page: as long as the page's SQL for a search. ``FilterFormRenderer`` writes the same markup
as those templates for the widgets the filter forms use (text, search, number and hidden
inputs, a select, several hidden inputs) and empty error lists; anything else goes to
Django's templates as before. Every value is escaped, as the templates escape it (tests
compare both ways of rendering).
"""

from __future__ import annotations

import re

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

WIDGETS = "django/forms/widgets/"
INPUT_TEMPLATES = frozenset(
    f"{WIDGETS}{name}.html" for name in ("input", "text", "search", "number", "hidden")
)
SELECT_TEMPLATE = f"{WIDGETS}select.html"
OPTION_TEMPLATE = f"{WIDGETS}select_option.html"
MULTIPLE_HIDDEN_TEMPLATE = f"{WIDGETS}multiple_hidden.html"
ERROR_LIST_TEMPLATES = frozenset(
    {"django/forms/errors/list/default.html", "django/forms/errors/list/ul.html"}
)
SPACE_BETWEEN_TAGS = re.compile(r">\s+<")


def attrs_html(attrs: dict) -> str:
    """django/forms/widgets/attrs.html: True writes the name alone, False nothing."""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


def input_html(widget: dict) -> str:
    """django/forms/widgets/input.html."""
    value = widget["value"]
    value_attr = "" if value is None else f' value="{conditional_escape(str(value))}"'
    return (
        f'<input type="{conditional_escape(widget["type"])}" '
        f'name="{conditional_escape(widget["name"])}"{value_attr}{attrs_html(widget["attrs"])}>'
    )


def select_html(widget: dict) -> str | None:
    """django/forms/widgets/select.html with its options (select_option.html, whose final
    newline the include keeps), or None for an option that has a template of its own."""
    parts = [f'<select name="{conditional_escape(widget["name"])}"{attrs_html(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in options:
            if option["template_name"] != OPTION_TEMPLATE:
                return None
            parts.append(
                f'\n  <option value="{conditional_escape(str(option["value"]))}"'
                f"{attrs_html(option['attrs'])}>{conditional_escape(option['label'])}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def multiple_hidden_html(widget: dict) -> str | None:
    """django/forms/widgets/multiple_hidden.html: its hidden inputs, {% spaceless %}."""
    if any(sub["template_name"] not in INPUT_TEMPLATES for sub in widget["subwidgets"]):
        return None
    return SPACE_BETWEEN_TAGS.sub("><", "".join(map(input_html, widget["subwidgets"])))


class FilterFormRenderer(DjangoTemplates):
    """Django's template renderer, with the filter forms' widgets written in Python."""

    def render(self, template_name, context, request=None):
        html = None
        if template_name in INPUT_TEMPLATES:
            html = input_html(context["widget"])
        elif template_name == SELECT_TEMPLATE:
            html = select_html(context["widget"])
        elif template_name == MULTIPLE_HIDDEN_TEMPLATE:
            html = multiple_hidden_html(context["widget"])
        elif template_name in ERROR_LIST_TEMPLATES and not context.get("errors"):
            html = ""
        if html is None:
            return super().render(template_name, context, request)
        # As BaseRenderer.render: the templates' output, stripped.
        return mark_safe(html.strip())  # noqa: S308 - every value escaped above


FILTER_FORM_RENDERER = FilterFormRenderer()
