"""A page's reference list gives each source once, with every place in it the page cites
("paragraphs 6, 7 and 8"), and each citation mark names its place (issue 19: one article
appeared as four or five numbered references on one page)."""

import re

import pytest

from partnerships.references import References, anchor_of
from tests.test_views import DRAFT, cite, make_org, make_region, make_source


class Cited:
    def __init__(self, source, paragraph=None, section=""):
        self.source, self.source_id = source, source.pk
        self.paragraph, self.section = paragraph, section


class Source:
    def __init__(self, pk):
        self.pk = pk


def test_citations_of_one_source_share_its_number():
    first, second = Source(1), Source(2)
    refs = References()
    marks = refs.cite([Cited(first, 6)])
    marks += refs.cite([Cited(second, 1), Cited(first, 10)])
    assert [m.number for m in marks] == [1, 1, 2]
    assert [r.source for r in refs.entries] == [first, second]


def test_a_mark_names_the_places_it_cites_in_its_source():
    refs = References()
    refs.cite([Cited(Source(1), 2)])
    marks = refs.cite([Cited(Source(1), 7), Cited(Source(1), 6), Cited(Source(2), 1)])
    assert [(m.number, m.locator) for m in marks] == [
        (1, "paragraphs 6 and 7"),
        (2, "paragraph 1"),
    ]


def test_a_reference_lists_its_paragraphs_in_order_once_each():
    refs = References()
    source = Source(1)
    for paragraph in (7, 10, 6, 7, 9, 8):
        refs.cite([Cited(source, paragraph)])
    assert refs.entries[0].locator == "paragraphs 6, 7, 8, 9 and 10"


def test_a_reference_with_one_place_reads_as_before():
    refs = References()
    refs.cite([Cited(Source(1), 6)])
    assert refs.entries[0].locator == "paragraph 6"


def test_a_reference_keeps_sections_beside_paragraphs():
    refs = References()
    source = Source(1)
    refs.cite([Cited(source, 2), Cited(source, None, "History"), Cited(source, 3)])
    assert refs.entries[0].locator == "paragraphs 2 and 3; section “History”"


def test_the_conference_page_lists_its_article_once(client, seed):
    page = client.get(
        "/conferences/18th-jiangsu-international-exchange-and-cooperation-conference-for-principals/"
    ).content.decode()
    references = page[page.index('id="references-heading"') :]
    titles = re.findall(r'<li id="ref-\d+"[^>]*>\s*<a href="([^"]+)"', references)
    assert titles and len(titles) == len(set(titles))


# --------------------------------------------------------------------------- paragraph links


def test_a_place_has_one_anchor_on_its_sources_page():
    assert anchor_of(6, "") == "paragraph-6"
    assert anchor_of(None, "History") == "section-history"
    assert anchor_of(2, "History") == "section-history-paragraph-2"
    assert anchor_of(None, "合作成果") == "section-合作成果"
    assert anchor_of(None, "") == ""


def test_a_reference_links_to_the_first_place_it_cites():
    refs = References()
    source = Source(1)
    refs.cite([Cited(source, None, "History"), Cited(source, 8), Cited(source, 5)])
    assert refs.entries[0].anchor == "paragraph-5"


def test_a_reference_to_the_whole_source_has_no_anchor():
    refs = References()
    refs.cite([Cited(Source(1))])
    assert refs.entries[0].anchor == ""


@pytest.fixture
def cited_world(db):
    land = make_region("Anchorland")
    school = make_org("Anchor Test School", land)
    source = make_source("A page with numbered paragraphs", paragraph_count=12)
    cite(school, source, paragraph=8)
    cite(school, source, paragraph=5)
    draft = make_org("Hidden Anchor School", land, publication=DRAFT)
    cite(draft, source, paragraph=5)
    return {"school": school, "source": source}


def test_the_reference_list_links_to_the_paragraph_on_the_source_page(client, cited_world):
    page = client.get(cited_world["school"].get_absolute_url()).content.decode()
    references = page[page.index('id="references-heading"') :]
    link = f'href="{cited_world["source"].get_absolute_url()}#paragraph-5">Paragraphs 5 and 8</a>'
    assert link in references


def test_the_source_page_lists_the_records_at_each_paragraph(client, cited_world):
    page = client.get(cited_world["source"].get_absolute_url()).content.decode()
    for paragraph in (5, 8):
        start = page.index(f'<dt id="paragraph-{paragraph}">')
        entry = page[start : page.index("</dd>", start)]
        assert f"Paragraph {paragraph}" in entry
        assert "Anchor Test School" in entry
        assert cited_world["school"].get_absolute_url() in entry
    assert "Hidden Anchor School" not in page
