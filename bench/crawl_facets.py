"""Issue 18's facet crawl: on a set of start pages of every list (plain, filtered by one and by
two values, searched, a year range), every facet value's link is followed and the number shown
beside it is compared with the result count of the page it opens; and no number is above the
page's own total where the facet narrows (the rules are in ``bound_problem``). With
``--all-facet-pages`` each truncated facet's page of every value (all its pages) is crawled the
same way; with ``--countries`` the clicks each country with a public partnership needs from
/partnerships/ are counted (1: in the sidebar's country facet, 2: on the first page of that
facet's page, 3: on a later page of it, else unreachable).

Runs Django in-process with django.test.Client against the database DATABASE_URL names (the
settings manage.py uses). Caches: off by default (pages and facet counts in DummyCache, so every
number is counted by the request that shows it); ``--cache`` keeps the settings' caches, and
then a page answered from the page cache is read from its HTML.

What a number is compared with:

* a list's total is its paginator's count. When counting ran out of time the page says "more
  than N" (a lower bound, pagination.count_rows): a number whose link opens such a page must
  be above N. The app shows no estimates (facets.py, pagination.py): every other number must
  be equal, exactly.
* a value already chosen links to the list without it: its number ("how many of the results
  hold it") is not what its link gives, so the link is not followed; it is bounded instead.

The numbers are read from the context the template renders (``facets``, ``paginator``); the
HTML of every start page is parsed too and must show the same values, numbers and links.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crawl_50k .venv/bin/python \\
        bench/crawl_facets.py --countries [--all-facet-pages] [--cache]

Exit status 1 when any problem is found.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent

LISTS = (
    "/partnerships/",
    "/alliances/",
    "/conferences/",
    "/organizations/",
    "/regions/",
    "/sources/",
    "/people/",
)
AND, OR, ONE = "and", "or", "one"


@dataclass
class Item:
    label: str
    count: int
    url: str  # as linked from its page, "" when not a link
    selected: bool
    value: str = ""


@dataclass
class Facet:
    param: str
    joins: str
    truncated: bool
    items: list[Item]


@dataclass
class ListPage:
    url: str
    status: int
    total: int | None = None  # the paginator's count (capped: the cap)
    capped: bool = False  # "more than <total>"
    facets: list[Facet] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)
    first_row: str = ""  # the first row's text, for a search word
    from_html: bool = False


@dataclass
class Problem:
    start: str
    facet: str
    value: str
    shown: int | str
    got: int | str
    url: str
    what: str

    def line(self) -> str:
        return (
            f"{self.what}: start {self.start} facet {self.facet} value {self.value!r} "
            f"shown {self.shown} got {self.got} ({self.url})"
        )


@dataclass
class Report:
    links_compared: int = 0
    bounds_checked: int = 0
    start_pages: list[str] = field(default_factory=list)
    facet_pages: int = 0
    requests: int = 0
    left_out: list[str] = field(default_factory=list)
    # Pages opened by a link whose sidebar left a facet out (only their totals are read).
    left_out_followed: int = 0
    # Pages read from their HTML (answered from the page cache: no context).
    from_html: int = 0
    problems: list[Problem] = field(default_factory=list)
    countries: dict | None = None
    seconds: float = 0.0


def own_params(param: str) -> tuple[str, ...]:
    """The querystring parameters a facet's values set (facets.YearFacet.own_params)."""
    return ("year_from", "year_to") if param == "year" else (param,)


def query_of(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


def absolute(page_url: str, link: str) -> str:
    """A facet link (``?...`` or a path) as a path with its querystring, without #results."""
    link = link.split("#", 1)[0]
    if link.startswith("?"):
        return urlsplit(page_url).path + link
    return link


# ------------------------------------------------------------------------- reading pages

COUNT_RE = re.compile(
    r'<p class="result-count"[^>]*>\s*(more than )?([\d,]+) results?', re.IGNORECASE
)
SECTION_RE = re.compile(
    r'<section class="facet" aria-labelledby="facet-([\w-]+)">(.*?)</section>', re.S
)
ITEM_RE = re.compile(
    r"<li>(?:<span>(?P<plain>[^<]*)</span>|"
    r'<a href="(?P<url>[^"]*)"(?P<sel> class="selected")?[^>]*>'
    r'(?:<span class="visually-hidden">[^<]*</span>)?(?P<label>[^<]*)</a>)\s*'
    r'<span class="count">(?P<n>[\d,]+)',
    re.S,
)
VALUE_ROW_RE = re.compile(
    r'<td>(?:<a href="(?P<url>[^"]*)"(?P<sel> aria-current="true")?>'
    r'(?:<span class="visually-hidden">[^<]*</span>)?(?P<label>[^<]*)</a>|(?P<plain>[^<]*))</td>'
    r'\s*<td class="num">(?P<n>[\d,]+)</td>',
    re.S,
)


def number(text: str) -> int:
    return int(re.sub(r"\D", "", text))


def html_list_page(url: str, text: str) -> ListPage:
    """The total and facets of a list page, as its HTML shows them."""
    page = ListPage(url, 200, from_html=True)
    found = COUNT_RE.search(text)
    if found:
        page.capped = bool(found.group(1))
        page.total = number(found.group(2))
    aside = text.split('<aside class="facets"', 1)
    body = aside[1].split("</aside>", 1)[0] if len(aside) > 1 else ""
    for param, section in SECTION_RE.findall(body):
        if "(and)" in section:
            joins = AND
        elif "(or)" in section:
            joins = OR
        else:
            joins = ONE
        items = []
        for m in ITEM_RE.finditer(section):
            label = m.group("label") if m.group("url") is not None else m.group("plain")
            link = html.unescape(m.group("url") or "").removesuffix("#results")
            items.append(
                Item(html.unescape(label), number(m.group("n")), link, bool(m.group("sel")))
            )
        page.facets.append(Facet(param, joins, 'class="facet-all"' in section, items))
    note = re.search(r"Left out because counting them took too long: ([^.]*)\.", body)
    if note:
        page.left_out = [name.strip() for name in html.unescape(note.group(1)).split(",")]
    return page


def context_list_page(url: str, response) -> ListPage:
    """The total and facets of a list page, from the context its template renders."""
    context = response.context
    paginator = context["paginator"]
    page = ListPage(url, response.status_code)
    page.capped = bool(getattr(paginator, "is_capped", False))
    page.total = paginator.display_count if page.capped else paginator.count
    for result in context["facets"]:
        if not result.items:
            continue  # not rendered
        items = [Item(i.label, i.count, i.url, i.selected, i.value) for i in result.items]
        page.facets.append(Facet(result.param, result.joins, result.truncated, items))
    page.left_out = [str(title) for title in context.get("facets_left_out") or []]
    rows = context.get("object_list")
    if rows:
        page.first_row = str(rows[0])
    return page


def html_mismatches(page: ListPage, text: str) -> list[str]:
    """How the HTML of a page differs from its context (nothing when it shows the same)."""
    shown = html_list_page(page.url, text)
    out = []
    if (shown.total, shown.capped) != (page.total, page.capped):
        out.append(f"total: context {page.total} capped={page.capped}, html {shown.total}")
    theirs = {f.param: f for f in shown.facets}
    for facet in page.facets:
        other = theirs.get(facet.param)
        if other is None:
            out.append(f"facet {facet.param} not in the HTML")
            continue
        if (facet.joins, facet.truncated) != (other.joins, other.truncated):
            out.append(f"facet {facet.param}: joins/truncated differ")
        mine = [(i.label, i.count, i.url, i.selected) for i in facet.items]
        seen = [(i.label, i.count, i.url, i.selected) for i in other.items]
        if mine != seen:
            pairs = zip([*mine, None], [*seen, None], strict=False)
            first = next((a, b) for a, b in pairs if a != b)
            out.append(f"facet {facet.param}: context shows {first[0]}, the HTML {first[1]}")
    if set(theirs) - {f.param for f in page.facets}:
        out.append("the HTML has facets the context has not")
    return out


@dataclass
class ValuesPage:
    status: int
    items: list[Item]
    pages: int
    joins: str


def read_values_page(client, url: str, report: Report | None = None) -> ValuesPage:
    """One page of a facet's page of every value."""
    response = client.get(url)
    if response.status_code != 200:
        return ValuesPage(response.status_code, [], 0, AND)
    context = response.context
    if context is not None and "values" in context:
        items = [Item(i.label, i.count, i.url, i.selected, i.value) for i in context["values"]]
        return ValuesPage(200, items, context["paginator"].num_pages, context["joins"])
    if report is not None:
        report.from_html += 1
    text = response.content.decode()
    items = []
    for m in VALUE_ROW_RE.finditer(text):
        label = m.group("label") if m.group("url") is not None else m.group("plain")
        link = html.unescape(m.group("url") or "")
        items.append(
            Item(html.unescape(label).strip(), number(m.group("n")), link, bool(m.group("sel")))
        )
    pages = [int(n) for n in re.findall(r"[?&;]page=(\d+)", text)]
    joins = AND if "(and)" in text else OR if "(or)" in text else ONE
    return ValuesPage(200, items, max(pages, default=1), joins)


class Reader:
    """Opens list pages, and remembers each address's total (with caches off a page gives the
    same total however often it is opened; with them on each link is opened again)."""

    def __init__(self, client, report: Report, remember: bool = True):
        self.client = client
        self.report = report
        self.remember = remember
        self.totals: dict[str, tuple[int, int | None, bool]] = {}

    def get(self, url: str):
        self.report.requests += 1
        return self.client.get(url)

    def list_page(self, url: str) -> tuple[ListPage, str]:
        response = self.get(url)
        if response.status_code != 200:
            return ListPage(url, response.status_code), ""
        text = response.content.decode()
        if response.context is not None and "facets" in response.context:
            return context_list_page(url, response), text
        self.report.from_html += 1
        return html_list_page(url, text), text

    def total(self, url: str) -> tuple[int, int | None, bool]:
        """(status, total, capped) of the list page at ``url``."""
        if self.remember and url in self.totals:
            return self.totals[url]
        response = self.get(url)
        if response.status_code != 200:
            found = (response.status_code, None, False)
        elif response.context is not None and "paginator" in response.context:
            paginator = response.context["paginator"]
            capped = bool(getattr(paginator, "is_capped", False))
            found = (200, paginator.display_count if capped else paginator.count, capped)
            self.report.left_out_followed += bool(response.context.get("facets_left_out"))
        else:
            self.report.from_html += 1
            page = html_list_page(url, response.content.decode())
            found = (200, page.total, page.capped)
        if self.remember:
            self.totals[url] = found
        return found


# ------------------------------------------------------------------------------ checks


def bound_problem(facet: Facet, item: Item, page: ListPage, apart: bool) -> str:
    """Why ``item``'s number cannot be right beside the page's total ("" when it can be).

    AND (each value narrows), or any facet with none of its values chosen: each number,
    chosen or not, is at most the total. OR with a value chosen (counted without its own
    filter): a chosen value's number (the results holding it) is at most the total, one not
    chosen (the chosen values' rows and its own) at least the total. ONE with a value chosen
    (the year; counted without year_from/year_to): a chosen value's number is at most the
    total, one not chosen replaces it and has no bound. A total "more than N" bounds nothing
    (its real value is unknown)."""
    if page.capped or page.total is None:
        return ""
    total = page.total
    if facet.joins == AND or not apart or item.selected:
        if item.count > total:
            return f"above the page's total {total}"
        return ""
    if facet.joins == OR and item.count < total:
        return f"an 'or' value below the page's total {total}"
    return ""


def compare(reader: Reader, report: Report, start: str, param: str, item: Item, link: str):
    """Follows ``link`` (a value not chosen) and compares its total with ``item.count``."""
    status, got, capped = reader.total(link)
    report.links_compared += 1
    if status != 200 or got is None:
        report.problems.append(
            Problem(start, param, item.label, item.count, f"HTTP {status}", link, "link failed")
        )
    elif capped:
        if item.count <= got:
            report.problems.append(
                Problem(start, param, item.label, item.count, f"more than {got}", link, "capped")
            )
    elif got != item.count:
        report.problems.append(Problem(start, param, item.label, item.count, got, link, "count"))


def check_items(reader, report, start, page, facet, items, page_url):
    apart = any(v.strip() for k, v in query_of(page.url) if k in own_params(facet.param))
    for item in items:
        why = bound_problem(facet, item, page, apart)
        report.bounds_checked += 1
        if why:
            report.problems.append(
                Problem(start, facet.param, item.label, item.count, page.total, page.url, why)
            )
        if item.url and not item.selected:
            compare(reader, report, start, facet.param, item, absolute(page_url, item.url))


def facet_page_url(page_url: str, param: str, number: int = 1) -> str:
    """The address of ``param``'s page of every value for the list at ``page_url`` (as the
    sidebar links it), its ``number``-th page."""
    parts = urlsplit(page_url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "page"]
    if number > 1:
        query.append(("page", str(number)))
    encoded = urlencode(query)
    return f"{parts.path}facets/{param}/" + (f"?{encoded}" if encoded else "")


def crawl_facet_page(reader, report, start, page: ListPage, facet: Facet):
    """Every page of a truncated facet's page of values: bounds, links, and the sidebar's
    numbers the same there."""
    sidebar = {(i.label, i.url.split("#")[0]): i.count for i in facet.items}
    number, pages = 1, 1
    while number <= pages:
        url = facet_page_url(page.url, facet.param, number)
        values = read_values_page(reader.client, url, report)
        report.requests += 1
        report.facet_pages += 1
        if values.status != 200:
            report.problems.append(
                Problem(start, facet.param, "", "", f"HTTP {values.status}", url, "facet page")
            )
            return
        pages = values.pages
        for item in values.items:
            # The sidebar links "?…", the facet page the list's path with it.
            key = (item.label, item.url.removeprefix(urlsplit(page.url).path))
            if key in sidebar and sidebar[key] != item.count:
                report.problems.append(
                    Problem(
                        start,
                        facet.param,
                        item.label,
                        sidebar[key],
                        item.count,
                        url,
                        "facet page differs from the sidebar",
                    )
                )
        check_items(reader, report, start, page, facet, values.items, url)
        number += 1


def crawl_start(reader, report, start: str, *, all_facet_pages: bool, check_html: bool) -> ListPage:
    page, text = reader.list_page(start)
    report.start_pages.append(start)
    if page.status != 200:
        report.problems.append(
            Problem(start, "", "", "", f"HTTP {page.status}", start, "start page")
        )
        return page
    if check_html and not page.from_html:
        for what in html_mismatches(page, text):
            report.problems.append(
                Problem(start, "", "", "", what, start, "HTML differs from context")
            )
    report.left_out += [f"{start}: {name}" for name in page.left_out]
    for facet in page.facets:
        check_items(reader, report, start, page, facet, facet.items, start)
        if all_facet_pages and facet.truncated:
            crawl_facet_page(reader, report, start, page, facet)
    return page


# ------------------------------------------------------------------------- start pages


# Values a start page does not choose first: China is a party to nearly every partnership (a
# list filtered by it is nearly the whole list; it comes second, in the two-country page).
NOT_FIRST = {("/partnerships/", "country", "china")}


def item_value(item: Item, param: str) -> str:
    """The value ``item`` chooses (from its link when read from HTML)."""
    if item.value:
        return item.value
    added = [v for k, v in query_of(item.url) if k == param]
    return added[-1] if added else ""


def first_unchosen(path: str, facet: Facet, total: int | None) -> Item | None:
    """The most frequent value not chosen with a link, preferring one that narrows (a
    number below the total) and is not in NOT_FIRST."""
    linked = [i for i in facet.items if i.url and not i.selected]
    narrowing = [
        i
        for i in linked
        if (total is None or i.count < total)
        and (path, facet.param, item_value(i, facet.param)) not in NOT_FIRST
    ]
    return (narrowing or linked or [None])[0]


def search_word(text: str) -> str:
    words = re.findall(r"[^\W\d_]{4,}", text)
    return max(words, key=len) if words else ""


def start_pages(reader: Reader, path: str, q: str | None = None) -> list[str]:
    """The start pages of the list at ``path``: itself; the most frequent value of each facet
    (NOT_FIRST aside); two values of the first two facets and of the first that widens ("or"),
    the second the most frequent value left on the first's page; the first facet's value with
    the next facet's; a search (``q``, else the longest word of the first row) alone and with
    a facet; a range of years (lists with a year facet)."""
    plain, _text = reader.list_page(path)
    pages = [path]
    if plain.status != 200:
        return pages
    picks = {}
    for facet in plain.facets:
        item = first_unchosen(path, facet, plain.total)
        if item is not None:
            picks[facet.param] = absolute(path, item.url)
            pages.append(picks[facet.param])
    params = [f.param for f in plain.facets if f.param in picks and f.param != "year"]
    doubled = params[:2]
    widening = [f.param for f in plain.facets if f.joins == OR and f.param in params]
    if widening and widening[0] not in doubled:
        doubled.append(widening[0])
    for param in doubled:
        one, _ = reader.list_page(picks[param])
        mine = next((f for f in one.facets if f.param == param), None)
        second = first_unchosen(path, mine, None) if mine else None
        if second is not None:
            pages.append(absolute(path, second.url))
    if len(params) >= 2:
        one, _ = reader.list_page(picks[params[0]])
        other = next((f for f in one.facets if f.param == params[1]), None)
        item = first_unchosen(path, other, one.total) if other else None
        if item is not None:
            pages.append(absolute(path, item.url))
    word = q if q is not None else search_word(plain.first_row)
    if word:
        searched = f"{path}?{urlencode({'q': word})}"
        pages.append(searched)
        found, _ = reader.list_page(searched)
        for facet in found.facets:
            item = first_unchosen(path, facet, found.total)
            if item is not None:
                pages.append(absolute(path, item.url))
                break
    years = next((f for f in plain.facets if f.param == "year"), None)
    if years is not None:
        numbers = [i.label for i in years.items if i.label.isdigit()]
        if len(numbers) >= 3:
            low, high = numbers[min(4, len(numbers) - 1)], numbers[1]
            pages.append(f"{path}?{urlencode({'year_from': low, 'year_to': high})}")
    return list(dict.fromkeys(pages))


# ------------------------------------------------------------------------------ countries


def countries_by_clicks(reader: Reader, report: Report) -> dict:
    """How many clicks from /partnerships/ each country with a public partnership needs to be
    chosen: 1 in the sidebar's country facet, 2 on the first page of its facet page, 3 on a
    later page of it; "unreachable" when on none."""
    from partnerships.models import Region, SisterSchoolPartnership

    public = SisterSchoolPartnership.objects.published()
    ids = set(public.exclude(a_country=None).values_list("a_country", flat=True))
    ids |= set(public.exclude(b_country=None).values_list("b_country", flat=True))
    wanted = dict(Region.objects.published().filter(pk__in=ids).values_list("slug", "name"))
    page, _ = reader.list_page("/partnerships/")
    country = next((f for f in page.facets if f.param == "country"), None)
    depth: dict[str, int] = {}

    for item in country.items if country else []:
        depth.setdefault(item_value(item, "country"), 1)
    number, pages = 1, 1
    while country is not None and country.truncated and number <= pages:
        url = facet_page_url("/partnerships/", "country", number)
        values = read_values_page(reader.client, url, report)
        report.requests += 1
        pages = values.pages
        for item in values.items:
            depth.setdefault(item_value(item, "country"), 2 if number == 1 else 3)
        number += 1
    by = {1: [], 2: [], 3: [], "unreachable": []}
    for slug, name in sorted(wanted.items(), key=lambda kv: kv[1]):
        by[depth.get(slug, "unreachable")].append(name)
    return {
        "countries": len(wanted),
        "one_click": len(by[1]),
        "two_clicks": len(by[2]),
        "more_clicks": by[3],
        "unreachable": by["unreachable"],
    }


# ---------------------------------------------------------------------------------- core


def crawl(
    client,
    lists=LISTS,
    *,
    all_facet_pages: bool = False,
    countries: bool = False,
    q: str | None = None,
    starts: list[str] | None = None,
    remember: bool = True,
    progress=None,
) -> Report:
    """The crawl of ``lists``' start pages (start_pages; ``starts``: these instead), with
    ``client`` (a django.test.Client whose responses carry their context: pytest-django, or
    setup_test_environment()). Returns the Report; its problems in ``report.problems``."""
    report = Report()
    started = time.monotonic()
    reader = Reader(client, report, remember=remember)
    every = starts if starts is not None else [s for p in lists for s in start_pages(reader, p, q)]
    for start in every:
        before = report.links_compared
        crawl_start(reader, report, start, all_facet_pages=all_facet_pages, check_html=True)
        if progress:
            progress(
                f"{time.monotonic() - started:7.1f} s  {start}: "
                f"{report.links_compared - before} links, {len(report.problems)} problems"
            )
    if countries:
        report.countries = countries_by_clicks(reader, report)
    report.seconds = time.monotonic() - started
    return report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--all-facet-pages",
        action="store_true",
        help="also crawl each truncated facet's page of every value (all its pages)",
    )
    parser.add_argument(
        "--countries",
        action="store_true",
        help="count the clicks each country with a partnership needs from /partnerships/",
    )
    parser.add_argument(
        "--cache",
        action="store_true",
        help="keep the settings' page and facet caches (default: DummyCache)",
    )
    parser.add_argument(
        "--list", action="append", choices=LISTS, help="only this list (repeatable)"
    )
    parser.add_argument("--q", help="the search word of the searched start pages")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partnerships.settings")
    # The data version in a folder of this run's (the default one is shared by every process
    # on the machine): nothing this run caches is read by anyone else, nor the reverse.
    os.environ.setdefault("DJANGO_CACHE_DIR", tempfile.mkdtemp(prefix="crawl-data-version-"))
    if not args.cache:
        os.environ["DJANGO_PAGE_CACHE_SECONDS"] = "0"
        os.environ["DJANGO_FACET_CACHE_SECONDS"] = "0"
    import django
    from django.conf import settings

    django.setup()
    if not args.cache:
        for alias in ("pages", "facets"):
            settings.CACHES[alias] = {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()  # responses carry the context their templates rendered
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver", "127.0.0.1"]
    from django.db import connection

    say = None if args.quiet else (lambda line: print(line, file=sys.stderr, flush=True))
    report = crawl(
        Client(),
        args.list or LISTS,
        all_facet_pages=args.all_facet_pages,
        countries=args.countries,
        q=args.q,
        remember=not args.cache,
        progress=say,
    )
    print(f"database: {connection.vendor} {connection.settings_dict.get('NAME')}")
    print(f"caches: {'on (settings)' if args.cache else 'off (DummyCache)'}")
    print(f"start pages: {len(report.start_pages)}")
    for start in report.start_pages:
        print(f"  {start}")
    print(f"links compared: {report.links_compared}")
    print(f"numbers bounded by their page's total: {report.bounds_checked}")
    print(f"facet pages read: {report.facet_pages}")
    print(
        f"requests: {report.requests} (read from their HTML, page-cache hits: {report.from_html})"
    )
    print(f"facets left out (out of time): {len(report.left_out)}")
    for line in report.left_out:
        print(f"  {line}")
    print(f"pages opened by a link with a facet left out: {report.left_out_followed}")
    if report.countries is not None:
        c = report.countries
        print(
            f"countries with a public partnership: {c['countries']}; one click: "
            f"{c['one_click']}; two clicks: {c['two_clicks']}; more: {len(c['more_clicks'])} "
            f"{c['more_clicks']}; unreachable: {len(c['unreachable'])} {c['unreachable']}"
        )
    print(f"problems: {len(report.problems)}")
    for problem in report.problems:
        print(f"  {problem.line()}")
    print(f"seconds: {report.seconds:.1f}")
    bad = report.problems or (
        report.countries is not None
        and (report.countries["more_clicks"] or report.countries["unreachable"])
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
