"""The footer of every public page (templates/includes/footer.html): the date of the latest
change to a published record, and "how to cite this page" (plain text, BibTeX, CSL-JSON).

Neither is drawn on the error pages (ERROR_TEMPLATES): nothing there is worth citing, and the
503 page is drawn when the database cannot answer, so it must not read from it."""

from __future__ import annotations

import json

from django import template
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from .. import about
from ..models import Source

register = template.Library()

ERROR_TEMPLATES = frozenset({"400.html", "404.html", "503.html"})

# Pages whose title is not in their context ("title" on lists and on the about pages,
# ``object`` on detail pages): what their <title> says.
TITLES_BY_URL_NAME = {"dashboard": lambda: _("Overview")}

BIBTEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "$": r"\$",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def _is_error_page(context) -> bool:
    return context.template_name in ERROR_TEMPLATES


@register.simple_tag(takes_context=True)
def last_updated(context):
    """The day of the latest change to any published record, or None. A preview (drawn
    inside a transaction that is rolled back) reads it afresh and does not cache it."""
    if _is_error_page(context):
        return None
    request = context.get("request")
    return about.last_updated(use_cache=not getattr(request, "preview", None))


@register.simple_tag(takes_context=True)
def synthetic_loaded(context) -> int:
    """How many synthetic records are published (0 on the error pages, which read nothing)."""
    if _is_error_page(context):
        return 0
    request = context.get("request")
    return about.synthetic_loaded(use_cache=not getattr(request, "preview", None))


def page_title(context) -> str:
    """The page's title as its <title> gives it (without the site's name)."""
    title = context.get("title")
    if title:
        return str(title)
    obj = context.get("object")
    if obj is not None:
        if isinstance(obj, Source):
            return obj.title
        return getattr(obj, "name", "") or str(obj)
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    if match is not None and match.url_name in TITLES_BY_URL_NAME:
        return TITLES_BY_URL_NAME[match.url_name]()
    return _("Education partnerships")


@register.inclusion_tag("includes/cite_this_page.html", takes_context=True)
def cite_this_page(context, updated=None):
    """What a reader needs to cite the page: its title, its full address (with the query,
    which is part of what a filtered list shows) and today's date as the day accessed; the
    date of the latest change as the date of issue, when known."""
    request = context.get("request")
    if request is None or _is_error_page(context):
        return {"show": False}
    site = _("Partnerships")
    title = page_title(context)
    url = request.build_absolute_uri(request.get_full_path())
    accessed = timezone.localdate()
    item = {
        "id": f"partnerships-{slugify(request.path.replace('/', ' ')) or 'overview'}",
        "type": "webpage",
        "title": title,
        "container-title": site,
        "publisher": site,
        "URL": url,
        "accessed": {"date-parts": [[accessed.year, accessed.month, accessed.day]]},
    }
    if updated is not None:
        item["issued"] = {"date-parts": [[updated.year, updated.month, updated.day]]}
    csl = [item]
    return {
        "show": True,
        "site": site,
        "title": title,
        "url": url,
        "accessed": accessed,
        "updated": updated,
        "key": item["id"],
        "csl": csl,
        "csl_text": csl_json_text(item),
    }


def csl_json_text(item: dict) -> str:
    """The CSL-JSON array of one item as a reader sees it: one field a line, each value on
    its line (json.dumps's indent would give each number of a date a line of its own)."""
    fields = ",\n".join(
        f"    {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}"
        for key, value in item.items()
    )
    return f"[\n  {{\n{fields}\n  }}\n]"


@register.filter
def bibtex(value) -> str:
    """``value`` with the characters BibTeX and LaTeX treat as commands escaped."""
    return "".join(BIBTEX_SPECIAL.get(ch, ch) for ch in str(value))
