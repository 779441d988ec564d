import functools
from html import escape

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, gettext_lazy

register = template.Library()


@register.inclusion_tag("includes/cite.html", takes_context=True)
def cite(context, obj):
    """Citation numbers for a record's sources, linking to the page's reference list."""
    refs = context.get("refs")
    if refs is None or obj is None:
        return {"refs": []}
    return {"refs": refs.cite(obj.citations.all())}


@register.filter
def get_item(mapping, key):
    return mapping.get(key)


@register.simple_tag
def partnership_rows(partnerships) -> SafeString:
    """The <tr> of each partnership of a list page (includes/tables/partnership.html).

    Written here rather than in the template: the page's largest loop (25 to 100 rows of
    nine values each) took the template engine about 3 ms a page. Each value is escaped as
    the template escapes it: the values are plain text (names from the database, dates,
    labels), for which conditional_escape() is html.escape(), called here directly (about
    half of this function's time went to conditional_escape's checks for lazy and safe
    text). A level's or status's label is translated once per page, not once per row."""
    dash = "—"
    at = gettext("at %(c)s")
    labels: dict = {}

    def label(p, field, display):
        key = (field, getattr(p, field))
        if key not in labels:
            labels[key] = escape(str(display()))
        return labels[key]

    rows = []
    for p in partnerships:
        a, b = p.party_a, p.party_b
        a_country = escape(a.country.name) if a.country and a.country.name else dash
        b_country = escape(b.country.name) if b.country and b.country.name else dash
        conference = ""
        if p.conference:
            signed_at = at % {"c": escape(p.conference.name)}
            conference = f'<br><span class="muted">{signed_at}</span>'
        rows.append(
            "<tr>\n"
            f'      <th scope="row"><a href="{escape(p.get_absolute_url())}">'
            f"{escape(a.name)} – {escape(b.name)}</a></th>\n"
            f"      <td>{a_country} · {b_country}</td>\n"
            f"      <td>{label(p, 'level', p.get_level_display)}</td>\n"
            f"      <td>{escape(str(p.established))}{conference}</td>\n"
            f"      <td>{label(p, 'status', p.get_status_display)}</td>\n"
            "    </tr>\n  "
        )
    return mark_safe("".join(rows))  # noqa: S308 - every value escaped above


# The site's sections, in the header's order: URL name, label, and whether only the URL itself
# (not the pages under it) is that section.
NAV = (
    ("dashboard", gettext_lazy("Overview"), True),
    ("partnership-list", gettext_lazy("Partnerships"), False),
    ("alliance-list", gettext_lazy("Alliances"), False),
    ("conference-list", gettext_lazy("Conferences"), False),
    ("organization-list", gettext_lazy("Organizations"), False),
    ("region-list", gettext_lazy("Regions"), False),
    ("person-list", gettext_lazy("People"), False),
    ("source-list", gettext_lazy("Sources"), False),
)


@functools.lru_cache(maxsize=16)
def _nav_urls(script_prefix: str) -> tuple[str, ...]:
    return tuple(reverse(name) for name, _label, _exact in NAV)


@functools.lru_cache(maxsize=256)
def _nav_html(language: str, script_prefix: str, current: int | None) -> SafeString:
    items = []
    urls = _nav_urls(script_prefix)
    for i, ((_name, label, _exact), url) in enumerate(zip(NAV, urls, strict=True)):
        aria = ' aria-current="page"' if i == current else ""
        link = f'<a href="{conditional_escape(url)}"{aria}>{conditional_escape(label)}</a>'
        items.append(f"<li>{link}</li>")
    return mark_safe("\n        ".join(items))  # noqa: S308 - every value escaped above


@register.simple_tag(takes_context=True)
def site_nav(context) -> SafeString:
    """The header's links to each section, the current one marked (aria-current). Made once
    per language and section: eight reverse() calls and their template took about 1 ms of
    every page."""
    prefix = get_script_prefix()
    request = context.get("request")
    path = request.path if request is not None else ""
    current = None
    for i, ((_name, _label, exact), url) in enumerate(zip(NAV, _nav_urls(prefix), strict=True)):
        if path == url or (not exact and path.startswith(url)):
            current = i
            break
    return _nav_html(get_language(), prefix, current)


@receiver(setting_changed)
def _forget_urls(*, setting, **kwargs):
    if setting == "ROOT_URLCONF":
        _nav_urls.cache_clear()
        _nav_html.cache_clear()
