"""Wording and markup of public and admin pages (issue 19 browser audit); each test failed
before its fix."""

import re

import pytest


@pytest.mark.django_db
def test_chart_table_link_names_use_the_singular_for_one_partnership(client, seed):
    """A chart row's number link is named "<n> partnerships: <label>" for screen readers;
    a country with one partnership read "1 partnerships: Canada"."""
    html = client.get("/").content.decode()
    hidden = re.findall(r'<span class="visually-hidden"> ([^<]*)</span></a>', html)
    assert hidden, "no chart link names found"
    # Pair each number with its hidden text: "1" must read "partnership", others "partnerships".
    pairs = re.findall(r'>(\d[\d,]*)<span class="visually-hidden"> ([^<:]*):', html)
    assert ("1", "partnership") in pairs, pairs
    assert not [p for p in pairs if p[0] == "1" and p[1] != "partnership"], pairs
    assert not [p for p in pairs if p[0] != "1" and p[1] != "partnerships"], pairs


@pytest.mark.django_db
def test_not_found_page_does_not_blame_page_numbers(client):
    """A page number past the end of a list now leads to the last page (and a bad one to a
    400), so the 404 page must not give "a page number may be past the end" as a reason."""
    assert client.get("/partnerships/?page=99999").status_code == 302
    response = client.get("/partnerships/no-such-record/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert "page number" not in html


@pytest.mark.django_db
def test_sources_language_facet_and_chips_show_language_names_not_codes(client, cases):
    """The sources list's Language facet listed "en", "zh", "ru" and its chips read
    "Language: en"; a reader needs "English", "Chinese", "Russian" (the source page already
    says "English")."""
    from partnerships.models import Source

    codes = set(Source.objects.published().values_list("language", flat=True))
    assert {"en", "zh"} <= codes, codes
    html = client.get("/sources/").content.decode()
    facet = html[html.index('id="facet-language"') if 'id="facet-language"' in html else 0 :]
    assert re.search(r">\s*English\s*</a>", html), "no English facet value"
    assert re.search(r">\s*Chinese\s*</a>", html), "no Chinese facet value"
    assert not re.search(r">\s*(en|zh|ru)\s*</a>", facet), "a language code as a facet value"
    chips = client.get("/sources/?language=en&language=zh").content.decode()
    assert "Language: English" in chips
    assert "Language: Chinese" in chips
    assert "Language: en " not in chips


@pytest.mark.django_db
def test_regions_show_empty_checkbox_is_laid_out_as_a_checkbox(client, seed):
    """ "Show regions with no records" uses a CheckboxInput subclass, whose widget_type is
    "showcheckbox", so the list template gave it a text field's box: a 40 px-high box
    stretched across the panel under its label instead of a checkbox beside it."""
    html = client.get("/regions/").content.decode()
    field = re.search(r'<div class="field ([^"]*field-empty)">(.*?)</div>', html, re.S)
    assert field, "no field for the empty filter"
    assert "field-checkbox" in field.group(1), field.group(0)
    # The checkbox comes before its label, as for the other checkboxes.
    body = field.group(2)
    assert body.index('type="checkbox"') < body.index("<label"), body


@pytest.mark.django_db
def test_a_country_page_has_no_empty_facts_block(client, seed):
    """/regions/china/ drew an empty <dl class="facts"> (a country with no other names and no
    group): two horizontal rules with nothing between them under the heading."""
    html = client.get("/regions/china/").content.decode()
    assert "China" in html
    assert not re.search(r'<dl class="facts">\s*</dl>', html), "an empty facts list"


@pytest.mark.django_db
def test_other_names_carry_their_language(client, cases):
    """Organizations' and people's other names in Chinese or Russian were printed without a
    lang attribute (the region pages have one), so screen readers read 中国—东盟中心 with an
    English voice and browsers may pick Japanese glyphs for it (WCAG 3.1.2)."""
    from partnerships.models import OrganizationName, PersonName

    org_name = (
        OrganizationName.objects.filter(language="zh", organization__publication="published")
        .select_related("organization")
        .first()
    )
    expected = f'<span lang="zh">{org_name.name}</span>'
    detail = client.get(org_name.organization.get_absolute_url()).content.decode()
    assert expected in detail
    listing = client.get("/organizations/", {"q": org_name.organization.name}).content.decode()
    assert expected in listing

    person_name = (
        PersonName.objects.exclude(language="")
        .filter(person__publication="published")
        .select_related("person")
        .first()
    )
    expected = f'<span lang="{person_name.language}">{person_name.name}</span>'
    assert expected in client.get(person_name.person.get_absolute_url()).content.decode()
    listing = client.get("/people/", {"q": person_name.person.name}).content.decode()
    assert expected in listing


@pytest.mark.django_db
def test_admin_history_shows_publication_in_words_in_a_scrolling_wrapper(staff_client, records):
    """A record's history page printed the raw value "published" in its Publication column
    (the change form says "Published"), and its 8-column table, not wrapped, made the whole
    page scroll sideways on a phone (608 px at 375)."""
    from partnerships.models import SisterSchoolPartnership

    pk = SisterSchoolPartnership.objects.order_by("pk").first().pk
    response = staff_client.get(f"/admin/partnerships/sisterschoolpartnership/{pk}/history/")
    assert response.status_code == 200
    html = response.content.decode()
    wrapped = re.search(r'<div class="history-table">\s*<table id="change-history">', html)
    assert wrapped, "the history table is not in its scrolling wrapper"
    start = html.index('<table id="change-history">')
    table = html[start : html.index("</table>", start)]
    cells = [c.strip() for c in re.findall(r"<td>([^<]*)</td>", table)]
    assert "published" not in cells, cells
    assert "Published" in cells, cells


def test_a_source_page_does_not_show_the_path_of_our_copy_of_its_text(client, seed):
    """The audit: "Our copy of the text: shared/seeds/000_…txt" meant nothing to a reader;
    the page says that a copy is kept, not where."""
    from partnerships.models import Source

    source = Source.objects.exclude(archived_copy="").first()
    page = client.get(source.get_absolute_url()).content.decode()
    assert source.archived_copy not in page
    assert "We keep a copy of the text" in page


@pytest.mark.django_db
def test_a_source_whose_language_we_could_not_tell_reads_not_known(client, cases):
    """A source in language "und" (BCP 47's undetermined: a mirror whose original we do not
    hold) read "Language: Undetermined" on its page and in the facet; a reader needs "Not
    known"."""
    from partnerships.models import Source

    source = Source.objects.published().filter(language="und").first()
    assert source is not None
    page = client.get(source.get_absolute_url()).content.decode()
    assert re.search(r"<dt>Language</dt><dd>Not known", page)
    listing = client.get("/sources/").content.decode()
    assert "Undetermined" not in page and "Undetermined" not in listing
    assert re.search(r">\s*Not known\s*</a>", listing)


@pytest.mark.django_db
def test_the_report_form_marks_required_and_optional_fields_alike(client):
    """ "(required)" was a muted note after the label, "(optional)" part of the bold label."""
    html = client.get("/report-a-mistake/", {"page": "/partnerships/"}).content.decode()
    labels = dict(re.findall(r'<label for="id_(\w+)">(.*?)</label>', html))
    assert labels["message"].endswith(' <span class="need">(required)</span>'), labels
    assert labels["email"] == 'Your email address <span class="need">(optional)</span>', labels
