"""A page's reference list gives each source once, with every place in it the page cites
("paragraphs 6, 7 and 8"), and each citation mark names its place (issue 19: one article
appeared as four or five numbered references on one page)."""

import re

from partnerships.references import References


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
