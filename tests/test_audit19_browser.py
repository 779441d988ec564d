"""Layout defects found by the issue 19 browser audit (audit19), checked in Chromium.

Reuses tests/test_browser.py's fixtures (one Chromium, the live server, the seed loaded)."""

import pytest

from .test_browser import axe, browser, browser_context, page, site  # noqa: F401

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
