"""Issue 18's facet crawl (bench/crawl_facets.py) on the fixtures: every facet link of the
list pages gives the number shown beside it, no number is above its page's total where the
facet narrows, every country is chosen in two clicks at most; and the crawl does report a
number that is off."""

import importlib.util
import sys

import pytest

from partnerships import facets
from partnerships.facets import FACET_SIZE
from partnerships.models import Organization
from tests.conftest import ROOT
from tests.test_views import make_org, make_partnership, make_region


def load_crawler():
    spec = importlib.util.spec_from_file_location(
        "crawl_facets", ROOT / "bench" / "crawl_facets.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


crawler = load_crawler()


@pytest.fixture
def more_countries(cases):
    """FACET_SIZE + 3 more countries, each with a school partnered with a Chinese school
    (the country facet is truncated), one of them with a province holding two."""
    chinese = Organization.objects.published().filter(country__slug="china").first()
    for i in range(FACET_SIZE + 3):
        country = make_region(f"Crawlland {i:02d}")
        make_partnership(chinese, make_org(f"School of Crawlland {i:02d}", country))
    province = make_region("Crawl Province", kind="province", parent=country)
    for j in range(2):
        make_partnership(chinese, make_org(f"Crawl Province School {j}", province))


def test_every_facet_link_of_the_partnership_list_gives_its_number(client, more_countries):
    report = crawler.crawl(client, ["/partnerships/"], countries=True)
    assert [p.line() for p in report.problems] == []
    assert len(report.start_pages) >= 10  # plain, filtered by one and two values, searched
    assert report.links_compared > 200
    countries = report.countries
    assert countries["more_clicks"] == [] and countries["unreachable"] == []
    assert countries["one_click"] + countries["two_clicks"] == countries["countries"]
    assert countries["two_clicks"] > 0  # the facet is truncated: some are on its page


def test_every_facet_link_of_the_other_lists_gives_its_number(client, more_countries):
    # Their plain pages (the command crawls a dozen start pages of each; slow for a test).
    starts = [path for path in crawler.LISTS if path != "/partnerships/"]
    report = crawler.crawl(client, starts=starts)
    assert [p.line() for p in report.problems] == []
    assert report.links_compared > 100


def test_every_link_of_the_facet_pages_gives_its_number(client, more_countries):
    starts = ["/partnerships/", "/partnerships/?country=china", "/partnerships/?q=school"]
    report = crawler.crawl(client, starts=starts, all_facet_pages=True)
    assert [p.line() for p in report.problems] == []
    assert report.facet_pages >= 2


def test_the_crawl_reports_a_number_that_is_off_by_one(client, more_countries, monkeypatch):
    compute = facets.ChoiceFacet.compute

    def off_by_one(self, *args, **kwargs):
        result = compute(self, *args, **kwargs)
        if self.param == "level" and result.items:
            result.items[0].count += 1
        return result

    monkeypatch.setattr(facets.ChoiceFacet, "compute", off_by_one)
    report = crawler.crawl(client, starts=["/partnerships/"])
    wrong = [(p.facet, p.what, p.shown - p.got) for p in report.problems]
    assert ("level", "count", 1) in wrong
    # The plain list's first level (school) is nearly every row: the number one above shows
    # more than the total too.
    assert all(p.facet == "level" for p in report.problems)


def test_the_crawl_reports_a_number_above_the_total(client, more_countries, monkeypatch):
    compute = facets.RelatedFacet.compute

    def too_many(self, *args, **kwargs):
        result = compute(self, *args, **kwargs)
        if self.param == "country":
            for item in result.items:
                if item.selected:
                    item.count += 5
        return result

    monkeypatch.setattr(facets.RelatedFacet, "compute", too_many)
    report = crawler.crawl(client, starts=["/partnerships/?country=china"])
    assert [(p.facet, p.what.startswith("above")) for p in report.problems] == [("country", True)]


def test_the_html_is_read_as_the_context_gives_it(client, more_countries):
    response = client.get("/partnerships/?level=school")
    page = crawler.context_list_page("/partnerships/?level=school", response)
    shown = crawler.html_list_page("/partnerships/?level=school", response.content.decode())
    assert crawler.html_mismatches(page, response.content.decode()) == []
    assert [f.param for f in shown.facets] == [f.param for f in page.facets]
    assert shown.total == page.total > 0
    assert any(f.truncated for f in shown.facets)
