"""Real-browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Every public page type is checked with axe-core (zero violations of any impact) and must have
exactly one h1; the main tasks a reader does (facets, search, opening a record, following a
citation, CSV export, keyboard-only use, a phone-width screen) are driven as a person would.

Full-page screenshots go to test-artifacts/screenshots/ (git-ignored) for people to look at.
The two the README shows, docs/screenshot-dashboard.png and docs/screenshot-partnerships.png,
are written when they are missing or when UPDATE_DOC_SCREENSHOTS=1, so that an ordinary test
run never changes committed files.

Without /usr/bin/chromium the module is skipped; with CI=true that is a failure instead.
"""

import os

# Playwright's sync API runs an asyncio event loop inside a greenlet of this thread. While that
# greenlet is paused, asyncio still reports the loop as this thread's running loop, so Django
# takes the test thread for async code and refuses its ORM calls (loaddata, the flush after each
# test) with SynchronousOnlyOperation. That is a false alarm here: no coroutine ever touches the
# database (the loop only talks to the browser) and the pages are served by the live server's
# own thread, so the check is switched off. Django reads the variable at each ORM call; it is set
# on import, before any test runs. Being an environment variable, it stays set for the rest of
# the pytest process, so other test modules run without the check too.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import csv  # noqa: E402
import io  # noqa: E402
import re  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from django.core.management import call_command  # noqa: E402

from .conftest import ALL_FIXTURES, ROOT, SEED  # noqa: E402

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
IN_CI = os.environ.get("CI") == "true"
MISSING_BROWSER = (
    f"{CHROMIUM} not found: the browser tests need Debian's Chromium (apt-get install chromium)."
)

if not os.access(CHROMIUM, os.X_OK) and not IN_CI:
    pytest.skip(MISSING_BROWSER, allow_module_level=True)
# In CI a missing browser is not skipped: the `browser` fixture fails every test that needs it,
# while the rest of the suite still runs.

from axe_playwright_python.sync_playwright import Axe  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402

SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
DOCS = ROOT / "docs"
WIDE = {"width": 1440, "height": 900}
NARROW = {"width": 375, "height": 812}
TIMEOUT_MS = 10_000

PEEL = "Suzhou Bureau of Education – Peel District School Board"
WUXI = "Wuxi Bureau of Education – Bycirklen"
PEEL_URL = "/partnerships/suzhou-bureau-of-education-peel-district-school-board/"
WUXI_URL = "/partnerships/wuxi-bureau-of-education-bycirklen/"
SERIES_SLUG = "jiangsu-international-exchange-and-cooperation-conference-for-principals"

# (test id, path, a selector that proves the page shows what it should, HTTP status)
LIST_PATHS = [
    "/partnerships/",
    "/alliances/",
    "/conferences/",
    "/organizations/",
    "/regions/",
    "/sources/",
    "/people/",
    "/series/",
]

PAGES = [
    ("dashboard", "/", ".headlines .headline", 200),
    ("partnerships-list", "/partnerships/?region=jiangsu", "table tbody tr", 200),
    ("alliances-list", "/alliances/?country=china", "table tbody tr", 200),
    ("conferences-list", "/conferences/?region=jiangsu", "table tbody tr", 200),
    ("organizations-list", "/organizations/?kind=authority", "table tbody tr", 200),
    ("regions-list", "/regions/?kind=country", "table tbody tr", 200),
    ("sources-list", "/sources/?q=Jiangsu", "table tbody tr", 200),
    ("people-list", "/people/?q=Jiang", "table tbody tr", 200),
    ("series-list", "/series/", "table tbody tr", 200),
    ("list-form-error", "/partnerships/?year_from=abc", "#filter-errors", 200),
    ("list-empty", "/partnerships/?q=nothing-matches-this", ".empty", 200),
    ("partnership-detail", PEEL_URL, ".facts", 200),
    (
        "alliance-detail",
        "/alliances/alliance-of-special-education-schools-of-china-and-russia/",
        ".facts",
        200,
    ),
    (
        "conference-detail",
        "/conferences/18th-jiangsu-international-exchange-and-cooperation-conference-for-principals/",
        ".facts",
        200,
    ),
    ("series-detail", f"/series/{SERIES_SLUG}/", ".facts", 200),
    ("organization-detail", "/organizations/suzhou-bureau-of-education/", ".facts", 200),
    ("region-detail", "/regions/jiangsu/", ".record-list", 200),
    ("person-detail", "/people/jiang-yong/", ".record-list", 200),
    ("source-detail", "/sources/2/", ".facts", 200),
    ("not-found", "/partnerships/no-such-partnership/", "h1", 404),
    ("about", "/about/", ".about-counts", 200),
    ("report-a-mistake", "/report-a-mistake/?page=/about/", "form", 200),
    ("facet-values", "/partnerships/facets/country/?region=jiangsu", "table tbody tr", 200),
    ("site-search", "/search/?q=Jiangsu", "section .record-list", 200),
]

# Pages of the real cases (fixtures/cases-*.json), whose parts the seed does not have: a
# partnership's timeline and predecessor, an alliance's bodies and roles, a conference of a
# series with figures that differ between sources, a source that is a mirror.
CASE_PAGES = [
    "/partnerships/ziyun-high-school-delano-public-schools/",
    "/alliances/sino-russian-middle-school-alliance/",
    "/series/china-asean-education-cooperation-week/",
    "/organizations/ziyun-high-school/",
]


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def browser(django_db_setup, live_server):
    """One Chromium for the whole session.

    It asks for the test database and ``live_server`` so that it is closed before they go:
    Chromium keeps idle connections to the server open, and each keeps a server thread with
    its database connection alive. A thread that outlives the server fails on SQLite's shared
    in-memory connection; one that outlives the test database stops PostgreSQL dropping it."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{MISSING_BROWSER} CI=true, so this is a failure, not a skip.", pytrace=False)
    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture(scope="session")
def axe():
    return Axe()


@pytest.fixture
def site(live_server, transactional_db):
    """The live server's base URL, with the sourced fixtures committed so its thread sees them."""
    call_command("loaddata", SEED, verbosity=0)
    return live_server.url


@pytest.fixture(scope="session")
def browser_context(browser):
    """One context for the session, which keeps the run short (a context per test adds a few
    tenths of a second each); the site sets no cookies for visitors, and `page` clears them."""
    context = browser.new_context(viewport=WIDE, accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def page(browser_context):
    """A fresh page, 1440 px wide."""
    browser_context.clear_cookies()
    page = browser_context.new_page()
    yield page
    page.close()


# --------------------------------------------------------------------------- helpers


def shoot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


DOC_SCREENSHOTS = DOCS / "screenshots"


def shoot_for_docs(page, name: str) -> None:
    """With UPDATE_DOC_SCREENSHOTS=1: the first screen of the page as docs/screenshots/<name>.jpg
    (docs/screenshots/README.md lists them); otherwise nothing."""
    if os.environ.get("UPDATE_DOC_SCREENSHOTS") != "1":
        return
    DOC_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOC_SCREENSHOTS / f"{name}.jpg"), type="jpeg", quality=70)


def axe_report(violations: list[dict]) -> str:
    lines = [f"{len(violations)} axe violation(s):"]
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"]:
            lines.append(f"    at {', '.join(map(str, node['target']))}: {node['html'][:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"      {summary}")
    return "\n".join(lines)


def click_center(page, locator):
    """Click the middle of what is drawn. Locator.click() aims at the first box of the element,
    which for a citation link is its 1 px visually-hidden "source" text, where nothing is hit."""
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def result_rows(page):
    return page.locator(".results table tbody tr")


def focused(page) -> dict:
    return page.evaluate(
        """() => {
            const e = document.activeElement;
            return {tag: e.tagName, id: e.id, text: (e.textContent || '').trim(),
                    name: e.getAttribute('name'), href: e.getAttribute('href')};
        }"""
    )


def tab_until(page, predicate, limit: int = 60) -> dict:
    """Press Tab until the focused element satisfies ``predicate``; fail after ``limit`` presses."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        element = focused(page)
        if predicate(element):
            return element
        seen.append(element["text"][:30] or element["name"] or element["tag"])
    pytest.fail(f"Not reached with {limit} Tab presses; focus went through: {seen}")


# --------------------------------------------------------------------------- every page type


@pytest.mark.parametrize(
    ("path", "marker", "status"),
    [pytest.param(path, marker, status, id=name) for name, path, marker, status in PAGES],
)
def test_page_is_accessible_with_one_h1(page, site, axe, request, path, marker, status):
    response = page.goto(site + path)
    assert response is not None and response.status == status, f"{path}: {response.status}"
    expect(page.locator(marker).first).to_be_visible()
    # The stylesheet must have loaded, or the contrast checks below would test an unstyled page.
    assert page.evaluate("getComputedStyle(document.querySelector('.site-header')).display") == (
        "block"
    )
    assert page.evaluate(
        "getComputedStyle(document.querySelector('.site-header')).backgroundColor"
    ) not in ("rgba(0, 0, 0, 0)", "transparent")

    h1 = page.locator("h1")
    expect(h1).to_have_count(1)
    assert h1.inner_text().strip(), f"{path}: the h1 is empty"

    shoot(page, f"{request.node.callspec.id}-1440")
    shoot_for_docs(page, f"{request.node.callspec.id}-1440")

    results = axe.run(page)
    assert results.violations_count == 0, f"{path}\n{axe_report(results.response['violations'])}"


def test_pages_of_the_real_cases_are_accessible(page, live_server, transactional_db, axe):
    call_command("loaddata", *ALL_FIXTURES, verbosity=0)
    for path in CASE_PAGES:
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200, f"{path}: {response.status}"
        expect(page.locator("h1")).to_have_count(1)
        shoot(page, "case-" + path.strip("/").replace("/", "-") + "-1440")
        results = axe.run(page)
        assert results.violations_count == 0, (
            f"{path}\n{axe_report(results.response['violations'])}"
        )


# --------------------------------------------------------------------------- tasks


def test_facet_links_filter_partnerships(page, site):
    page.goto(site + "/partnerships/")
    assert page.locator(".facets").count() == 1, "the list shows no facets"
    expect(result_rows(page)).to_have_count(2)

    province = page.locator("section.facet").filter(
        has=page.get_by_role("heading", name="Province or state", exact=True)
    )
    province.get_by_role("link", name="Jiangsu", exact=True).click()
    expect(page).to_have_url(re.compile(r"[?&]region=jiangsu(&|#|$)"))
    expect(page.locator("#result-count")).to_have_text("2 results")
    expect(result_rows(page)).to_have_count(2)
    expect(page.get_by_role("link", name=PEEL, exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=WUXI, exact=True)).to_be_visible()
    # The filter in force is shown as a removable chip.
    expect(page.locator(".chips")).to_contain_text("Jiangsu")

    country = page.locator("section.facet").filter(
        has=page.get_by_role("heading", name="Country", exact=True)
    )
    country.get_by_role("link", name="Canada", exact=True).click()
    expect(page).to_have_url(re.compile(r"[?&]country=canada(&|#|$)"))
    assert "region=jiangsu" in page.url, page.url
    expect(page.locator("#result-count")).to_have_text("1 result")
    expect(result_rows(page)).to_have_count(1)
    expect(result_rows(page).first).to_contain_text(PEEL)
    expect(page.get_by_role("link", name=WUXI, exact=True)).to_have_count(0)


# The series list has no facets: there are few series.
@pytest.mark.parametrize("path", [p for p in LIST_PATHS if p != "/series/"])
def test_every_facet_link_works(page, site, path):
    """Each facet link on an unfiltered list opens a page that lists at least one record."""
    page.goto(site + path)
    hrefs = page.locator(".facets a").evaluate_all("links => links.map(a => a.href)")
    assert hrefs, f"{path} shows no facet links"
    broken = []
    for href in hrefs:
        response = page.request.get(href)
        if response.status != 200 or re.search(
            r'id="result-count"[^>]*>\s*0 results', response.text()
        ):
            broken.append(f"{href}: {response.status}")
    assert not broken, "\n".join(broken)


def test_search_finds_one_partnership(page, site):
    page.goto(site + "/partnerships/")
    search = page.get_by_role("textbox", name="Search", exact=True)
    search.fill("Peel")
    search.press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]q=Peel(&|$)"))
    expect(page.locator("#result-count")).to_have_text("1 result")
    expect(result_rows(page)).to_have_count(1)
    expect(result_rows(page).get_by_role("link")).to_have_text(PEEL)
    # The search box keeps what was searched for.
    expect(page.get_by_role("textbox", name="Search", exact=True)).to_have_value("Peel")


def test_row_link_opens_detail(page, site):
    page.goto(site + "/partnerships/")
    page.get_by_role("link", name=WUXI, exact=True).click()
    expect(page).to_have_url(site + WUXI_URL)
    expect(page.locator("h1")).to_have_text(WUXI)
    expect(page.locator(".breadcrumbs [aria-current=page]")).to_contain_text("Bycirklen")


def test_citation_leads_to_reference_and_source(page, site):
    page.goto(site + PEEL_URL)
    first_cite = page.locator("sup.cite a").first
    expect(first_cite).to_contain_text("[1]")
    click_center(page, first_cite)
    expect(page).to_have_url(re.compile(r"#ref-1$"))
    reference = page.locator("#ref-1")
    expect(reference).to_be_visible()
    expect(reference).to_be_in_viewport()
    assert page.evaluate("document.querySelector('#ref-1').matches(':target')")

    source_link = reference.locator("a").first
    title = source_link.inner_text().strip()
    assert title, "the reference names no source"
    source_link.click()
    expect(page).to_have_url(re.compile(r"/sources/\d+/$"))
    expect(page.locator("h1")).to_have_text(title)


def test_csv_export_downloads_the_filtered_rows(page, site):
    page.goto(site + "/partnerships/?region=jiangsu")
    with page.expect_download() as info:
        page.locator(".exports").get_by_role("link", name="CSV", exact=True).click()
    download = info.value
    assert re.fullmatch(r"partnerships-\d{8}\.csv", download.suggested_filename), (
        download.suggested_filename
    )
    text = Path(download.path()).read_text(encoding="utf-8").removeprefix("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 2, rows
    assert {row["name"] for row in rows} == {PEEL, WUXI}
    assert {row["url"] for row in rows} == {PEEL_URL, WUXI_URL}


def test_keyboard_only_search_and_open(page, site):
    page.goto(site + "/partnerships/")

    page.keyboard.press("Tab")
    first = focused(page)
    assert first["text"] == "Skip to main content", first
    expect(page.locator(":focus")).to_be_visible()  # not left off-screen when focused

    # The skip link moves focus to <main>, so the next Tab lands inside the content.
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"
    tab_until(page, lambda e: e["tag"] == "INPUT" and e["name"] == "q", limit=10)
    page.keyboard.type("Wuxi")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]q=Wuxi(&|$)"))
    expect(result_rows(page)).to_have_count(1)

    # (The form keeps the #main the skip link added, so the results page starts at <main>.)
    tab_until(page, lambda e: e["tag"] == "A" and e["text"] == WUXI)
    page.keyboard.press("Enter")
    expect(page).to_have_url(site + WUXI_URL)
    expect(page.locator("h1")).to_have_text(WUXI)

    # A page reached by a link starts at the top: the first Tab is the skip link again.
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Skip to main content"


def test_form_error_is_tied_to_its_field(page, site):
    page.goto(site + "/partnerships/?year_from=abc")
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Established from (year)")
    field = page.get_by_label("Established from (year)")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_accessible_description("Enter a whole number.")
    # The summary links to the field, and following the link puts the cursor in it.
    summary.get_by_role("link", name="Established from (year)").click()
    expect(field).to_be_focused()
    # Exports of a query that cannot be run are not offered.
    expect(page.locator(".exports")).to_have_count(0)


@pytest.fixture
def narrow_page(page):
    """A fresh page as wide as a small phone."""
    page.set_viewport_size(NARROW)
    return page


def scroll_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize(
    ("name", "path"),
    [("dashboard", "/"), ("partnerships-list", "/partnerships/?region=jiangsu")],
)
def test_no_horizontal_scroll_at_375px(narrow_page, site, name, path):
    page = narrow_page
    page.goto(site + path)
    expect(page.locator("h1")).to_be_visible()
    shoot(page, f"{name}-375")
    width = scroll_width(page)
    assert width <= NARROW["width"] + 1, f"{path} is {width} px wide at 375 px"


def test_no_page_type_scrolls_sideways_at_375px(narrow_page, site):
    """The same for every other page type, in one test to keep the run short."""
    page = narrow_page
    too_wide = []
    for name, path, marker, _status in PAGES:
        page.goto(site + path)
        expect(page.locator(marker).first).to_be_visible()
        shoot_for_docs(page, f"{name}-375")
        if (width := scroll_width(page)) > NARROW["width"] + 1:
            too_wide.append(f"{name} ({path}): {width} px")
    assert not too_wide, "wider than 375 px:\n" + "\n".join(too_wide)


@pytest.mark.parametrize(
    ("name", "path"),
    [("dashboard", "/"), ("partnerships", "/partnerships/?region=jiangsu")],
)
def test_readme_screenshots(page, site, name, path):
    page.goto(site + path)
    expect(page.locator("h1")).to_be_visible()
    shot = shoot(page, f"readme-{name}-1440")
    assert shot.stat().st_size > 10_000, "suspiciously small screenshot"
    target = DOCS / f"screenshot-{name}.png"
    if os.environ.get("UPDATE_DOC_SCREENSHOTS") == "1" or not target.exists():
        DOCS.mkdir(exist_ok=True)
        target.write_bytes(shot.read_bytes())


# --------------------------------------------------------------------------- staff workflow


def pick(page, select_id: str, text: str):
    """Choose ``text`` in one of the admin's autocomplete (select2) fields."""
    page.locator(f"select#{select_id} + .select2 .select2-selection").click()
    page.fill(".select2-container--open .select2-search__field", text)
    page.locator(".select2-results__option", has_text=text).first.click()


def add_citation(page, source_title: str, paragraph: int):
    page.locator("#partnerships-citation-content_type-object_id-group .add-row a").click()
    prefix = "id_partnerships-citation-content_type-object_id-0"
    pick(page, f"{prefix}-source", source_title)
    page.fill(f"#{prefix}-paragraph", str(paragraph))


def publish(page, site, model: str, pk: int):
    page.goto(f"{site}/admin/partnerships/{model}/")
    page.check(f"input[name=_selected_action][value='{pk}']")
    page.select_option("select[name=action]", "publish")
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".messagelist")).to_contain_text("now published")


def test_publisher_adds_records_as_drafts_then_publishes_them(site, page, django_user_model):
    from partnerships.models import Citation, Organization, SisterSchoolPartnership

    django_user_model.objects.create_user("pat", "pat@example.org", "a-long-password-for-pat")
    call_command("grant_role", "pat", "publisher", stdout=io.StringIO())

    page.goto(f"{site}/admin/login/")
    page.fill("#id_username", "pat")
    page.fill("#id_password", "a-long-password-for-pat")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#site-name")).to_contain_text("Partnerships administration")

    # An organization, with its citation, saved as a draft (the default).
    page.goto(f"{site}/admin/partnerships/organization/add/")
    page.fill("#id_name", "Xuzhou Experimental School")
    page.select_option("#id_kind", "school")
    pick(page, "id_region", "Xuzhou")
    add_citation(page, "Jiangsu strengthens global educational bonds", 6)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    school = Organization.objects.get(name="Xuzhou Experimental School")
    assert school.publication == "draft"
    assert Citation.objects.filter(object_id=school.pk, paragraph=6).exists()

    # A partnership between it and the Peel board, with a citation, also a draft.
    page.goto(f"{site}/admin/partnerships/sisterschoolpartnership/add/")
    pick(page, "id_party_a", "Xuzhou Experimental School")
    pick(page, "id_party_b", "Peel District School Board")
    page.select_option("#id_level", "school")
    add_citation(page, "Jiangsu strengthens global educational bonds", 6)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    partnership = SisterSchoolPartnership.objects.get(party_a=school)
    assert partnership.publication == "draft"

    # Drafts are on no public page.
    page.goto(f"{site}/partnerships/?region=xuzhou")
    expect(page.locator("#result-count")).to_contain_text("0 results")
    page.goto(f"{site}/organizations/?q=Xuzhou+Experimental")
    expect(page.locator("#result-count")).to_contain_text("0 results")

    # Published, the school and then the partnership appear.
    publish(page, site, "organization", school.pk)
    publish(page, site, "sisterschoolpartnership", partnership.pk)
    page.goto(f"{site}/partnerships/?region=xuzhou")
    expect(page.locator("#result-count")).to_contain_text("1 result")
    row = page.get_by_role("link", name="Xuzhou Experimental School – Peel District School Board")
    expect(row).to_be_visible()
    shoot(page, "staff-published-partnership")
    row.click()
    expect(page.locator("h1")).to_contain_text("Xuzhou Experimental School")
    expect(page.locator("#ref-1")).to_contain_text("Paragraph 6")


def sign_in(context, site, username, password):
    page = context.new_page()
    page.goto(f"{site}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#site-name")).to_contain_text("Partnerships administration")
    return page


def save(page):
    page.get_by_role("button", name="Save", exact=True).click()


def test_two_editors_in_two_browsers_never_overwrite_each_other(site, browser, django_user_model):
    """The same record, the same inline citation, and a citation on its own page against its
    parent's form, on records with history entries: the second save is refused with a message
    and keeps what was typed; the first save stays; no response is a server error."""
    from partnerships.models import Citation, Organization, SisterSchoolPartnership

    call_command("populate_history", auto=True, stdout=io.StringIO())
    password = "a-long-password-for-editors"  # noqa: S105
    # Publishers: their saves go live at once (an editor's save of a published record is held
    # for review instead, see the next test).
    for name in ("alice", "bob"):
        django_user_model.objects.create_user(name, f"{name}@example.org", password)
        call_command("grant_role", name, "publisher", stdout=io.StringIO())
    partnership = SisterSchoolPartnership.objects.get(slug="wuxi-bureau-of-education-bycirklen")
    org = Organization.objects.get(slug="bycirklen")
    citation = org.citations.order_by("source_id", "paragraph").first()
    assert partnership.history.exists() and citation.history.exists()

    server_errors = []
    contexts = [browser.new_context(viewport=WIDE) for _ in range(2)]
    for context in contexts:
        context.set_default_timeout(TIMEOUT_MS)
        context.on("response", lambda r: server_errors.append(r.url) if r.status >= 500 else None)
    alice = sign_in(contexts[0], site, "alice", password)
    bob = sign_in(contexts[1], site, "bob", password)
    try:
        # 1. The same record.
        url = f"{site}/admin/partnerships/sisterschoolpartnership/{partnership.pk}/change/"
        alice.goto(url)
        bob.goto(url)
        alice.fill("#id_summary", "Alice's summary.")
        save(alice)
        expect(alice.locator(".messagelist")).to_contain_text("was changed successfully")
        bob.fill("#id_summary", "Bob's summary.")
        save(bob)
        expect(bob.locator(".errorlist")).to_contain_text("Someone else saved this record")
        expect(bob.locator(".errorlist")).to_contain_text("Alice's summary.")
        expect(bob.locator("#id_summary")).to_have_value("Bob's summary.")
        shoot(bob, "staff-conflict-record")
        partnership.refresh_from_db()
        assert partnership.summary == "Alice's summary."

        # 2. The same inline citation, in two forms of its organization.
        note = "#id_partnerships-citation-content_type-object_id-0-note"
        url = f"{site}/admin/partnerships/organization/{org.pk}/change/"
        alice.goto(url)
        bob.goto(url)
        alice.fill(note, "Alice's note.")
        save(alice)
        expect(alice.locator(".messagelist")).to_contain_text("was changed successfully")
        bob.fill(note, "Bob's note.")
        save(bob)
        conflict = bob.locator(".errorlist", has_text="Someone else saved")
        expect(conflict).to_have_count(1)
        expect(conflict).to_contain_text("Someone else saved citation")
        expect(bob.locator(note)).to_have_value("Bob's note.")
        shoot(bob, "staff-conflict-inline")
        assert Citation.objects.get(pk=citation.pk).note == "Alice's note."

        # 3. The citation on its own page against the organization's form opened before.
        bob.goto(url)
        alice.goto(f"{site}/admin/partnerships/citation/{citation.pk}/change/")
        alice.fill("#id_note", "Alice's own-page note.")
        save(alice)
        expect(alice.locator(".messagelist")).to_contain_text("was changed successfully")
        bob.fill(note, "Bob's parent-form note.")
        save(bob)
        conflict = bob.locator(".errorlist", has_text="Someone else saved")
        expect(conflict).to_have_count(1)
        expect(conflict).to_contain_text("Someone else saved citation")
        assert Citation.objects.get(pk=citation.pk).note == "Alice's own-page note."
    finally:
        for context in contexts:
            context.close()
    assert server_errors == []


def test_an_editors_change_waits_for_a_publisher_who_previews_and_approves_it(
    site, browser, django_user_model
):
    """Review before publishing, as the two people do it: the editor saves a change to a
    published record, the public page does not change, the publisher opens the queue, sees the
    difference, previews the page and approves; then the public page shows the change."""
    call_command("populate_history", auto=True, stdout=io.StringIO())
    password = "a-long-password-for-staff"  # noqa: S105
    for name, role in (("eddie", "editor"), ("petra", "publisher")):
        django_user_model.objects.create_user(name, f"{name}@example.org", password)
        call_command("grant_role", name, role, stdout=io.StringIO())
    contexts = [browser.new_context(viewport=WIDE) for _ in range(3)]
    server_errors = []
    for context in contexts:
        context.set_default_timeout(TIMEOUT_MS)
        context.on("response", lambda r: server_errors.append(r.url) if r.status >= 500 else None)
    try:
        editor = sign_in(contexts[0], site, "eddie", password)
        editor.goto(f"{site}/admin/partnerships/organization/?q=Bycirklen")
        editor.get_by_role("link", name="Bycirklen").first.click()
        expect(editor.locator("#content-main")).to_contain_text("waits for a publisher")
        editor.fill("#id_description", "Danish municipal education body (edited, under review).")
        save(editor)
        expect(editor.locator(".messagelist")).to_contain_text("waits for a publisher's review")

        visitor = contexts[2].new_page()
        visitor.goto(f"{site}/organizations/bycirklen/")
        expect(visitor.locator("main")).not_to_contain_text("under review")

        publisher = sign_in(contexts[1], site, "petra", password)
        publisher.goto(f"{site}/admin/partnerships/revision/")
        publisher.locator("#result_list tbody a").first.click()
        expect(publisher.locator("#content-main")).to_contain_text("under review")
        shoot(publisher, "staff-review-revision")
        publisher.get_by_role("link", name="Preview the public page with this change").click()
        expect(publisher.locator(".preview-banner")).to_be_visible()
        expect(publisher.locator("main")).to_contain_text("under review")
        shoot(publisher, "staff-preview")
        publisher.go_back()
        publisher.fill("#id_comment", "Matches the report.")
        publisher.get_by_role("button", name="Approve and publish").click()
        expect(publisher.locator(".messagelist")).to_contain_text("now public")

        visitor.reload()
        expect(visitor.locator("main")).to_contain_text("under review")
    finally:
        for context in contexts:
            context.close()
    assert server_errors == []


# --------------------------------------------------------------------------- the admin, by axe

ADMIN_PAGES = [
    ("index", "/admin/"),
    ("partnership-list", "/admin/partnerships/sisterschoolpartnership/"),
    ("partnership-change", "/admin/partnerships/sisterschoolpartnership/{partnership}/change/"),
    ("partnership-history", "/admin/partnerships/sisterschoolpartnership/{partnership}/history/"),
    ("organization-list", "/admin/partnerships/organization/"),
    ("organization-change", "/admin/partnerships/organization/{organization}/change/"),
    ("organization-history", "/admin/partnerships/organization/{organization}/history/"),
    ("conference-change", "/admin/partnerships/conference/{conference}/change/"),
    ("alliance-change", "/admin/partnerships/alliance/{alliance}/change/"),
]


def test_admin_pages_are_accessible(site, page, axe, django_user_model):
    """axe finds no violation on the admin's index, lists, change forms and history pages, as
    staff use them (an editor signed in, records with their citations and history)."""
    from partnerships.models import Alliance, Conference, Organization, SisterSchoolPartnership

    django_user_model.objects.create_user("ada", "ada@example.org", "a-long-password-for-ada")
    call_command("grant_role", "ada", "publisher", stdout=io.StringIO())
    call_command("populate_history", "--auto", stdout=io.StringIO())
    keys = {
        "partnership": SisterSchoolPartnership.objects.order_by("pk").first().pk,
        "organization": Organization.objects.order_by("pk").first().pk,
        "conference": Conference.objects.order_by("pk").first().pk,
        "alliance": Alliance.objects.order_by("pk").first().pk,
    }
    page.goto(f"{site}/admin/login/")
    page.fill("#id_username", "ada")
    page.fill("#id_password", "a-long-password-for-ada")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#site-name")).to_contain_text("Partnerships administration")
    failures = []
    for name, path in ADMIN_PAGES:
        url = path.format(**keys)
        response = page.goto(site + url)
        assert response.status == 200, url
        results = axe.run(page)
        if results.violations_count:
            failures.append(f"{url}\n{axe_report(results.response['violations'])}")
        shoot(page, f"admin-{name}-1440")
    assert not failures, "\n\n".join(failures)


def test_at_375px_the_filters_control_and_the_first_result_are_on_the_first_screen(
    narrow_page, site
):
    page = narrow_page
    late = []
    for path in LIST_PATHS:
        page.goto(site + path)
        control = page.locator("#refine > summary")
        expect(control).to_be_visible()
        expect(page.locator("#refine .filters")).to_be_hidden()  # closed until asked for
        first = page.locator(".results tbody tr").first
        box, control_box = first.bounding_box(), control.bounding_box()
        if box["y"] + 40 > NARROW["height"] or control_box["y"] > NARROW["height"]:
            late.append(
                f"{path}: control at {control_box['y']:.0f} px, first result at {box['y']:.0f} px"
            )
        shoot(page, "list-" + path.strip("/") + "-375")
    assert not late, "\n".join(late)


def test_at_375px_the_filters_control_opens_the_filters_and_applying_lands_on_the_results(
    narrow_page, site
):
    page = narrow_page
    page.goto(site + "/partnerships/")
    page.locator("#refine > summary").click()
    expect(page.locator("#refine .filters")).to_be_visible()
    page.locator("#refine .facet a", has_text="Canada").first.click()
    expect(page).to_have_url(re.compile(r"country=canada.*#results$"))
    assert page.evaluate("document.getElementById('results').getBoundingClientRect().top") < 100


# --------------------------------------------------------------------------- a journalist's path


class Journalist:
    """Clicks through the site as a reader checking a number, counting the clicks (scrolling
    is free: Playwright scrolls to what it clicks)."""

    def __init__(self, page, start: str):
        self.page = page
        self.clicks = 0
        self.path = [start]
        page.goto("about:blank")  # a fresh start: no scroll position restored under a click
        page.goto(start)

    def click(self, locator, *, center=False) -> None:
        expect(locator).to_be_visible()
        self.path.append(locator.inner_text().strip()[:60])
        if center:
            locator.scroll_into_view_if_needed()
            click_center(self.page, locator)
        else:
            locator.click()
        self.clicks += 1

    def address(self) -> str:
        """On a source's page: the address it shows, the link whose text is the address."""
        page = self.page
        expect(page).to_have_url(re.compile(r"/sources/\d+/$"))
        where = page.locator(".facts dt", has_text="Where to read it")
        expect(where).to_have_count(1)
        link = page.locator(".facts dt:has-text('Where to read it') + dd a").first
        expect(link).to_be_visible()
        href = link.get_attribute("href")
        assert href and re.match(r"https?://", href), href
        assert link.inner_text().strip() == href, "the address is not written out"
        return href


def open_a_source_from_a_record(journalist) -> None:
    """On a record's page: the first of its sources (Sources, at the bottom) whose address is
    known ("Read the original"), by its title."""
    reference = journalist.page.locator(".references li").filter(
        has=journalist.page.get_by_role("link", name=re.compile("^Read the original"))
    )
    expect(reference.first).to_be_visible()
    title = reference.first.locator("a").first
    name = title.inner_text().strip()
    journalist.click(title)
    expect(journalist.page.locator("h1")).to_have_text(name)


@pytest.fixture
def cases_site(live_server, transactional_db):
    """The live server with every sourced fixture (the seed and the real cases)."""
    call_command("loaddata", *ALL_FIXTURES, verbosity=0)
    return live_server.url


def test_a_recorded_number_on_the_overview_leads_to_a_sources_address_in_3_clicks(page, cases_site):
    """Each headline number (partnerships, alliances, conferences, organizations, and each
    level of partnership) and the first number of each chart of places → its list → a
    record → one of the record's sources, whose page writes out its address."""
    headlines = ".headline-count, .headlines .level > a"
    page.goto(cases_site + "/")
    count = page.locator(headlines).count()
    assert count >= 6
    numbers = [(headlines, i) for i in range(count)] + [
        (f'figure[aria-labelledby="{chart}-title"] .chart-table td a', 0)
        for chart in ("chart-country", "chart-province")
    ]
    reached = {}
    for selector, i in numbers:
        page.goto(cases_site + "/")
        number = page.locator(selector).nth(i)
        label = " ".join(number.inner_text().split())
        page.goto(cases_site + number.get_attribute("href"))
        # The list's first record that cites a source whose address is known (some sources
        # give none: the seed's two reports): a reader reads the rows in order.
        records = [
            link.get_attribute("href")
            for link in page.locator(".results table tbody tr th a").all()
        ]
        for href in records:
            page.goto(cases_site + href)
            if page.get_by_role("link", name=re.compile("^Read the original")).count():
                break
        else:
            pytest.fail(f"{label}: no record of its list cites a source with an address")
        # The path itself, click by click, from the overview.
        journalist = Journalist(page, cases_site + "/")
        journalist.click(page.locator(selector).nth(i))
        expect(page.locator("#result-count")).to_be_visible()
        journalist.click(page.locator(f'.results table tbody tr th a[href="{href}"]'))
        open_a_source_from_a_record(journalist)
        reached[label] = journalist.address()
        assert journalist.clicks <= 3, f"{label}: {journalist.clicks} clicks: {journalist.path}"
    shoot(page, "journalist-source")
    assert len(reached) == len(numbers), reached


def test_a_reported_figure_on_the_overview_leads_to_its_sources_address_in_2_clicks(
    page, cases_site
):
    """A figure a source reports ("reported: 7 alliances") → its citation → the source's
    page, which writes out its address; every reported figure whose source has one."""
    journalist = Journalist(page, cases_site + "/")
    figures = page.locator(".headlines .reported li")
    total = figures.count()
    assert total >= 8
    with_address = 0
    for i in range(total):
        journalist = Journalist(page, cases_site + "/")
        figure = page.locator(".headlines .reported li").nth(i)
        number = figure.locator("strong").inner_text()
        cite = figure.locator("sup.cite a").first
        journalist.click(cite, center=True)
        reference = page.locator(cite.get_attribute("href"))
        expect(reference).to_be_in_viewport()
        if not reference.get_by_role("link", name=re.compile("^Read the original")).count():
            continue  # the source's address is not known (the seed's two reports)
        title = reference.locator("a").first
        name = title.inner_text().strip()
        journalist.click(title)
        expect(page.locator("h1")).to_have_text(name)
        journalist.address()
        assert journalist.clicks <= 3, f"{number}: {journalist.clicks} clicks"
        with_address += 1
    assert with_address >= 5


# --------------------------------------------------------------------------- layout
# Found by the issue 19 browser audit at 375 and 1440 px; each test failed before its fix.


@pytest.mark.parametrize("path", LIST_PATHS)
def test_filter_fields_stay_inside_the_filter_panel_on_a_wide_screen(page, site, path):
    """In the 18rem filter column at 1440 px, the search box and the selects stuck out past the
    panel's right edge (a wrapping flex column is as wide as its widest field's natural width)."""
    page.goto(site + path)
    overflow = page.evaluate(
        """() => {
            const form = document.querySelector('.refine .filters');
            const right = form.getBoundingClientRect().right
                - parseFloat(getComputedStyle(form).paddingRight);
            return [...form.querySelectorAll('input:not([type=hidden]), select, button')]
                .map(e => [e.name || e.textContent.trim(), e.getBoundingClientRect().right - right])
                .filter(([, over]) => over > 0.5);
        }"""
    )
    assert overflow == [], f"{path}: fields past the panel's inner edge (name, px): {overflow}"


DIFFERING = [
    "/partnerships/ziyun-high-school-delano-public-schools/",
    "/alliances/sino-russian-middle-school-alliance/",
]


@pytest.mark.parametrize("path", DIFFERING)
def test_a_sources_differ_note_starts_on_a_line_of_its_own(page, cases_site, path):
    """A fact's value and the note on what another source says ran together on one line:
    "Established 2005 The sources differ: on “established”, …"."""
    page.goto(cases_site + path)
    notes = page.evaluate(
        """() => [...document.querySelectorAll('dd .differs')].map(note => {
            const dd = note.closest('dd');
            const first = note.getClientRects()[0];
            return {text: note.textContent.trim().slice(0, 40),
                    startsALine: Math.abs(first.left - dd.getBoundingClientRect().left) < 1
                        && first.top > dd.getBoundingClientRect().top + 1};
        })"""
    )
    assert notes, f"{path}: no 'sources differ' note"
    inline = [n["text"] for n in notes if not n["startsALine"]]
    assert not inline, f"{path}: notes run on from the value: {inline}"


@pytest.mark.parametrize("path", ["/partnerships/", "/people/"])
def test_at_375px_skip_to_filters_opens_the_filters(narrow_page, site, path):
    """On a phone the filters start closed behind "Filters (n)"; "Skip to filters" scrolled to
    the closed control and left it closed, so the link seemed to do nothing."""
    phone = narrow_page
    phone.goto(site + path)
    assert not phone.evaluate("document.getElementById('refine').open")
    phone.get_by_role("link", name="Skip to filters").click()
    assert phone.evaluate("document.getElementById('refine').open"), "the filters stay closed"
    assert phone.locator(".refine input[name=q]").is_visible()
    # The next Tab reaches the filters, not something after them.
    phone.keyboard.press("Tab")
    assert phone.evaluate("!!document.activeElement.closest('#refine')")


def test_at_375px_a_page_opened_at_refine_shows_the_filters(narrow_page, site):
    phone = narrow_page
    phone.goto(site + "/partnerships/#refine")
    assert phone.evaluate("document.getElementById('refine').open")


def test_at_375px_the_admin_history_page_does_not_scroll_sideways(
    narrow_page,
    site,
    django_user_model,
):
    """The history table's eight columns made the whole page 608 px wide at 375; they now
    scroll in their own box, and words are not broken mid-word ("Decemb er")."""
    import io

    from django.core.management import call_command

    from partnerships.models import SisterSchoolPartnership

    django_user_model.objects.create_user("ada", "ada@example.org", "a-long-password-for-ada")
    call_command("grant_role", "ada", "publisher", stdout=io.StringIO())
    call_command("populate_history", "--auto", stdout=io.StringIO())
    pk = SisterSchoolPartnership.objects.order_by("pk").first().pk
    phone = narrow_page
    phone.goto(f"{site}/admin/login/")
    phone.fill("#id_username", "ada")
    phone.fill("#id_password", "a-long-password-for-ada")
    phone.get_by_role("button", name="Log in").click()
    phone.goto(f"{site}/admin/partnerships/sisterschoolpartnership/{pk}/history/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    assert (
        phone.evaluate(
            "getComputedStyle(document.querySelector('#change-history tbody td')).wordBreak"
        )
        == "normal"
    )


def test_at_375px_the_header_search_lines_up_with_the_page(narrow_page, site):
    """On a phone the header's search box wrapped onto its own line 21 px in from the brand
    and the page's text (pushed right by margin-left: auto): it starts where they start and
    reaches the right edge of the content."""
    phone = narrow_page
    phone.goto(site + "/partnerships/")
    boxes = phone.evaluate(
        """() => Object.fromEntries(['.brand', '.site-search', 'main h1'].map(s => {
            const r = document.querySelector(s).getBoundingClientRect();
            return [s, [Math.round(r.left), Math.round(r.right)]];
        }))"""
    )
    assert boxes[".site-search"][0] == boxes[".brand"][0] == boxes["main h1"][0], boxes
    assert abs(boxes[".site-search"][1] - boxes["main h1"][1]) <= 1, boxes


def test_admin_fields_side_by_side_keep_apart(site, page, django_user_model):
    """On a date's line of two fields, "Year inferred"'s help text ran into the label of "How
    the year was inferred" beside it (0 px between them)."""
    django_user_model.objects.create_user("ada", "ada@example.org", "a-long-password-for-ada")
    call_command("grant_role", "ada", "editor", stdout=io.StringIO())
    page = sign_in(page.context, site, "ada", "a-long-password-for-ada")
    page.goto(f"{site}/admin/partnerships/alliance/add/")
    gap = page.evaluate(
        """() => document.querySelector('label[for=id_founded_year_basis]')
            .getBoundingClientRect().left
            - document.querySelector('#id_founded_year_inferred_helptext')
            .getBoundingClientRect().right"""
    )
    assert gap >= 16, f"{gap:.0f} px between the help text and the next field's label"
