"""A region's page lists the conferences held there and those naming it as taking part (as
the region filter does, so that the page and "all" agree) and says which is which: a country
that sent delegates is not where the forum was held (entry trial 12)."""

import re

from django.utils.html import escape

from tests.test_views import make_conference, make_region


def conference_rows(client, region) -> list[str]:
    page = client.get(region.get_absolute_url()).content.decode()
    section = page[page.index('id="conferences-heading"') :]
    section = section[: section.index("</ul>")]
    return [re.sub(r"<[^>]+>", "", row).strip() for row in section.split("<li>")[1:]]


def test_a_region_page_tells_a_conference_held_there_from_one_it_took_part_in(client, db):
    russia = make_region("Forumland")
    kazan = make_region("Forum City", parent=russia)
    belarus = make_region("Guestland")
    make_conference("Forum of Ministers", host_region=kazan, participating=[belarus])
    [hosted] = conference_rows(client, kazan)
    [guest] = conference_rows(client, belarus)
    assert hosted.endswith("held here")
    assert guest.endswith("taking part, held elsewhere")


def test_the_conference_heading_does_not_say_held_here_alone(client, db):
    page = client.get(make_region("Headingland").get_absolute_url()).content.decode()
    assert escape("Conferences held here or taking part") in page
    assert ">Conferences held here<" not in page
