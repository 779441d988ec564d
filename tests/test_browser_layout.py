"""Layout checked in Chromium (issue 19 browser audit at 375 and 1440 px); each test
failed before its fix.

Reuses tests/test_browser.py's fixtures (one Chromium, the live server, the seed loaded)."""

import pytest

from .test_browser import (  # noqa: F401
    axe,
    browser,
    browser_context,
    cases_site,
    narrow_page,
    page,
    site,
)

pytestmark = pytest.mark.browser

LISTS = [
    "/partnerships/",
    "/alliances/",
    "/conferences/",
    "/organizations/",
    "/regions/",
    "/sources/",
    "/people/",
]


@pytest.mark.parametrize("path", LISTS)
def test_filter_fields_stay_inside_the_filter_panel_on_a_wide_screen(page, site, path):  # noqa: F811
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
def test_a_sources_differ_note_starts_on_a_line_of_its_own(page, cases_site, path):  # noqa: F811
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
def test_at_375px_skip_to_filters_opens_the_filters(narrow_page, site, path):  # noqa: F811
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


def test_at_375px_a_page_opened_at_refine_shows_the_filters(narrow_page, site):  # noqa: F811
    phone = narrow_page
    phone.goto(site + "/partnerships/#refine")
    assert phone.evaluate("document.getElementById('refine').open")


def test_at_375px_the_admin_history_page_does_not_scroll_sideways(
    narrow_page,  # noqa: F811
    site,  # noqa: F811
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
