"""Markup written in Python for speed (filter form widgets, the partnership table's rows, the
header's links) is the markup the templates it replaces wrote, escaping included."""

from __future__ import annotations

import datetime

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.forms.utils import ErrorList
from django.template.loader import get_template, render_to_string
from django.test import RequestFactory
from django.urls import set_script_prefix
from pytest_django.asserts import assertHTMLEqual

from partnerships.filters import PartnershipFilterSet
from partnerships.models import (
    PartnershipLevel,
    PartnershipStatus,
    Publication,
    SisterSchoolPartnership,
)
from partnerships.views.common import hide_drafts
from partnerships.views.partnership_list import PartnershipListView, PartnershipRow
from partnerships.widgets import FILTER_FORM_RENDERER
from tests.test_views import make_conference, make_org, make_partnership, make_region

TEMPLATES = DjangoTemplates()
JUNK = "a \"quoted\" <b>tag</b> & 'apostrophe'"


def both(widget, name, value, attrs=None):
    """The widget rendered by the filter forms' renderer and by Django's templates."""
    return (
        widget.render(name, value, attrs, renderer=FILTER_FORM_RENDERER),
        widget.render(name, value, attrs, renderer=TEMPLATES),
    )


@pytest.mark.parametrize(
    "widget",
    [
        forms.TextInput(),
        forms.TextInput(attrs={"placeholder": JUNK, "required": True, "disabled": False}),
        forms.SearchInput(),
        forms.NumberInput(attrs={"inputmode": "numeric", "min": 1900}),
        forms.HiddenInput(),
    ],
    ids=["text", "text-attrs", "search", "number", "hidden"],
)
@pytest.mark.parametrize("value", [None, "", "2001", JUNK], ids=["none", "empty", "plain", "junk"])
def test_python_input_is_the_template_input(widget, value):
    ours, django = both(widget, "q", value, {"id": "id_q", "aria-describedby": "id_q_error"})
    assert ours == django


@pytest.mark.parametrize("value", [[], ["one"], ["one", JUNK]], ids=["none", "one", "junk"])
def test_python_multiple_hidden_is_the_template_one(value):
    ours, django = both(forms.MultipleHiddenInput(), "level", value, {"id": "id_level"})
    assert ours == django


@pytest.mark.parametrize("value", [None, "b", JUNK], ids=["none", "chosen", "junk"])
def test_python_select_is_the_template_select(value):
    widget = forms.Select(choices=[("", "Default"), ("b", "B"), (JUNK, JUNK), ("-d", "D desc")])
    ours, django = both(widget, "sort", value, {"id": "id_sort"})
    assert ours == django
    assert "&lt;b&gt;tag&lt;/b&gt;" in ours


def test_python_select_with_groups_is_the_template_select():
    widget = forms.Select(choices=[("", "—"), ("Group <1>", [("a", "A"), ("b", "B")]), ("c", "C")])
    ours, django = both(widget, "sort", "b", {"id": "id_sort", "required": True})
    assert ours == django
    assert "<optgroup" in ours


def test_empty_error_list_renders_nothing_and_a_full_one_as_django_does():
    assert str(ErrorList(renderer=FILTER_FORM_RENDERER)) == ""
    errors = [JUNK, "Second"]
    assert str(ErrorList(errors, renderer=FILTER_FORM_RENDERER, field_id="id_q")) == str(
        ErrorList(errors, renderer=TEMPLATES, field_id="id_q")
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        {},
        {"q": JUNK, "sort": "-established", "year_from": "2001", "level": ["school", "<b>"]},
        {"year_from": "abc", "year_to": "99999", "sort": "nonsense", "country": ["nowhere"]},
    ],
    ids=["empty", "values", "errors"],
)
def test_filter_form_fields_render_as_with_django_templates(query):
    request = RequestFactory().get("/partnerships/", query)
    filterset = PartnershipFilterSet(
        request.GET, queryset=SisterSchoolPartnership.objects.all(), request=request
    )
    form = filterset.form
    assert form.renderer is FILTER_FORM_RENDERER
    form.is_valid()
    for field in form:
        ours = str(field) + str(field.errors)
        form.renderer = TEMPLATES
        django = str(field) + str(field.errors)
        form.renderer = FILTER_FORM_RENDERER
        assert ours == django, field.name


TABLE = "includes/tables/partnership.html"


def table_rows(rows, searched="") -> str:
    request = RequestFactory().get("/partnerships/")
    html = render_to_string(TABLE, {"object_list": rows, "searched": searched}, request=request)
    return html[html.index("<tbody>") : html.index("</tbody>")]


@pytest.mark.django_db
def test_partnership_rows_escape_names_and_leave_out_a_missing_country():
    china = make_region("China")
    a = make_org("Harbin <script>alert(1)</script> School", china)
    b = make_org('Kazan "Special" School & Co')  # no country
    c = make_org("Third School", china)
    conference = make_conference("Conference <i>18</i>")
    make_partnership(a, b, established_on=datetime.date(2024, 5, 1), conference=conference)
    make_partnership(a, c, level=PartnershipLevel.COMPREHENSIVE)
    rows = list(
        SisterSchoolPartnership.objects.select_related(
            "party_a__country", "party_b__country", "conference"
        )
    )
    # A draft relation is hidden from the row (views.common.hide_drafts sets it to None).
    rows[1].conference = None
    ours = table_rows(rows)
    assert "&lt;script&gt;" in ours and "<script>" not in ours
    assert "Kazan &quot;Special&quot; School &amp; Co" in ours
    assert "at Conference &lt;i&gt;18&lt;/i&gt;" in ours
    assert "<td>China · —</td>" in ours and "<td>China · China</td>" in ours
    assert ours.count("<tr>") == 2


@pytest.mark.django_db
def test_partnership_rows_mark_the_words_searched_for():
    a = make_org("Harbin Lotus School", make_region("China"))
    make_partnership(a, make_org("Kazan Maple School"))
    rows = list(SisterSchoolPartnership.objects.select_related("party_a", "party_b"))
    assert "Harbin <mark>Lotus</mark> School – Kazan Maple School" in table_rows(rows, "lotus")


@pytest.mark.django_db
def test_partnership_rows_read_as_values_are_the_model_rows_drafts_left_out():
    """The list reads its table as values (PartnershipRow): the same rows, links and text as
    from model instances with hide_drafts(), a draft country or conference left out."""
    draft = Publication.DRAFT
    china = make_region("China")
    hidden = make_region("Hiddenland", publication=draft)
    a = make_org("Harbin <b>School</b>", china)
    make_partnership(
        a,
        make_org("Secret School", hidden),
        established_on=datetime.date(2019, 3, 1),
        conference=make_conference("Draft Forum", publication=draft),
        status=PartnershipStatus.ENDED,
    )
    make_partnership(a, make_org("Plain School"), conference=make_conference("Open Forum"))
    make_partnership(a, make_org("Third School", china), level=PartnershipLevel.COMPREHENSIVE)
    order = ("slug",)
    models = list(
        SisterSchoolPartnership.objects.select_related(
            "party_a__country", "party_b__country", "conference"
        ).order_by(*order)
    )
    hide_drafts(models, ("party_a__country", "party_b__country", "conference"))
    values = SisterSchoolPartnership.objects.order_by(*order).values_list(
        *PartnershipListView.table_values, named=True
    )
    rows = PartnershipListView().make_rows(values)
    assert all(isinstance(row, PartnershipRow) for row in rows)
    ours, theirs = table_rows(rows), table_rows(models)
    assertHTMLEqual(ours, theirs)
    assert [str(r) for r in rows] == [str(m) for m in models]
    assert [r.pk for r in rows] == [m.pk for m in models]
    for hidden_name in ("Hiddenland", "Draft Forum"):
        assert hidden_name not in ours
    assert "at Open Forum" in ours and "Harbin &lt;b&gt;School&lt;/b&gt;" in ours


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path, current",
    [
        ("/", "Overview"),
        ("/partnerships/", "Partnerships"),
        ("/partnerships/some-slug/", "Partnerships"),
        ("/regions/", "Regions"),
        ("/sources/", "Sources"),
        ("/no-such-section/", None),
    ],
)
def test_header_marks_the_current_section_once(client, path, current):
    html = client.get(path).content.decode()
    nav = html[html.index('<nav aria-label="Main">') : html.index("</nav>")]
    assert nav.count("<li>") == 8
    marked = [part.split(">", 1)[1].split("<", 1)[0] for part in nav.split("aria-current")[1:]]
    assert marked == ([current] if current else [])


def test_header_links_follow_the_script_prefix():
    """Served under a path (SCRIPT_NAME), as WSGIHandler sets it: links and the current
    section carry the prefix, and the links of the site at / are not reused."""
    template = get_template("includes/header.html")
    try:
        set_script_prefix("/dashboard/")
        request = RequestFactory().get("/regions/", SCRIPT_NAME="/dashboard")
        assert request.path == "/dashboard/regions/"
        html = template.render({"request": request})
    finally:
        set_script_prefix("/")
    assert '<a href="/dashboard/regions/" aria-current="page">' in html
    assert 'href="/partnerships/"' not in html
    html = template.render({"request": RequestFactory().get("/regions/")})
    assert '<a href="/regions/" aria-current="page">' in html
