"""Search finds records by the names of their places: a search for a country, a province or
a city finds every record that place's facet or filter gives (issue: "q=Russia finds 0
partnerships"). Runs on SQLite (each word inside the text) and PostgreSQL (whole words)."""

import pytest
from django.urls import reverse

from partnerships.models import (
    Alliance,
    Conference,
    Organization,
    Publication,
    Region,
    RegionKind,
    SisterSchoolPartnership,
)
from tests.jobhelpers import run_worker
from tests.test_views import (
    make_alliance,
    make_conference,
    make_org,
    make_partnership,
    make_region,
)

DRAFT = Publication.DRAFT
PUBLISHED = Publication.PUBLISHED


def keys(client, url, **params) -> set[int]:
    """The keys of every row a list page holds for ``params`` (all its pages)."""
    response = client.get(url, params)
    assert response.status_code == 200
    return set(response.context["paginator"].object_list.values_list("pk", flat=True))


def found(client, url, text) -> set[int]:
    return keys(client, url, q=text)


# --------------------------------------------------------------------------- the real cases


# Places whose name no party's own name holds (in these fixtures the cities are all in their
# schools' names, so the cities are tested on records made below).
@pytest.mark.parametrize(
    "name,slug",
    [
        ("Belarus", "belarus"),
        ("United States", "united-states"),
        ("Uzbekistan", "uzbekistan"),
        ("China", "china"),
    ],
)
def test_a_country_name_finds_every_partnership_its_country_facet_gives(client, cases, name, slug):
    faceted = keys(client, "/partnerships/", country=slug)
    assert faceted
    assert faceted <= found(client, "/partnerships/", name)


@pytest.mark.parametrize("name,slug", [("Minnesota", "minnesota"), ("Tianjin", "tianjin")])
def test_a_province_name_finds_every_partnership_its_region_facet_gives(client, cases, name, slug):
    faceted = keys(client, "/partnerships/", region=slug)
    assert faceted
    assert faceted <= found(client, "/partnerships/", name)


@pytest.mark.parametrize(
    "text,params",
    [
        ("Gansu Belarus", {"region": "gansu", "country": "belarus"}),
        ("Minnesota China", {"region": "minnesota", "country": "china"}),
    ],
)
def test_a_province_and_a_country_find_every_partnership_of_both_facets(
    client, cases, text, params
):
    faceted = keys(client, "/partnerships/", **params)
    assert faceted
    assert faceted <= found(client, "/partnerships/", text)


def test_a_conference_is_found_by_its_host_city(client, cases):
    faceted = keys(client, "/conferences/", region="harbin")
    hosted = set(Conference.objects.filter(host_region__slug="harbin").values_list("pk", flat=True))
    assert hosted
    assert hosted <= faceted <= found(client, "/conferences/", "Harbin")


def test_an_organization_is_found_by_its_province(client, cases):
    faceted = keys(client, "/organizations/", region="heilongjiang")
    assert faceted
    assert faceted <= found(client, "/organizations/", "Heilongjiang")


# --------------------------------------------------------------------------- made here


@pytest.fixture
def ontario(db):
    canada = make_region("Norland")
    province = make_region("Westmark", RegionKind.PROVINCE, parent=canada)
    city = make_region("Kelby", RegionKind.CITY, parent=province)
    china = make_region("Eastria")
    jiangsu = make_region("Sunhe", RegionKind.PROVINCE, parent=china)
    lakeside = make_org("Lakeside Collegiate", region=city)
    wuxi_school = make_org("Riverside High School", region=jiangsu)
    partnership = make_partnership(lakeside, wuxi_school)
    return {
        "canada": canada,
        "ontario": province,
        "kingston": city,
        "jiangsu": jiangsu,
        "lakeside": lakeside,
        "partnership": partnership,
    }


def test_two_words_spanning_a_party_and_its_province_find_the_partnership(client, ontario):
    assert found(client, "/partnerships/", "Lakeside Westmark") == {ontario["partnership"].pk}


def test_a_city_name_finds_every_partnership_its_region_facet_gives(client, ontario):
    faceted = keys(client, "/partnerships/", region=ontario["kingston"].slug)
    assert faceted == {ontario["partnership"].pk}
    assert faceted <= found(client, "/partnerships/", "Kelby")


def test_an_organization_is_found_by_the_country_above_its_city(client, ontario):
    assert found(client, "/organizations/", "Norland") == {ontario["lakeside"].pk}


def test_a_conference_is_found_by_a_country_named_as_taking_part_after_its_save(client, ontario):
    conference = make_conference("Forum of Schools", host_region=ontario["kingston"])
    # As the admin does: the record first, its many-to-many rows after.
    conference.participating_regions.set([ontario["jiangsu"]])
    assert found(client, "/conferences/", "Kelby") == {conference.pk}
    assert found(client, "/conferences/", "Sunhe") == {conference.pk}
    assert found(client, "/conferences/", "Eastria") == {conference.pk}


def test_a_conference_is_found_by_a_city_also_hosting_it(client, ontario):
    conference = make_conference("Forum of Schools", host_region=ontario["jiangsu"])
    conference.other_host_regions.add(ontario["kingston"])
    assert found(client, "/conferences/", "Westmark") == {conference.pk}


def test_an_alliance_is_found_by_a_member_country(client, ontario):
    alliance = make_alliance("Lakes Alliance", countries=[ontario["canada"]])
    assert found(client, "/alliances/", "Norland") == {alliance.pk}


def test_a_draft_regions_name_finds_nothing(client, db):
    hidden = make_region("Zorvania", publication=DRAFT)
    town = make_region("Quellport", RegionKind.CITY, parent=hidden)
    school = make_org("Harbour School", region=town)
    partner = make_org("Hill School", region=make_region("Norland"))
    make_partnership(school, partner)
    make_conference("Forum of Schools", host_region=town)
    make_alliance("Harbour Alliance", countries=[hidden])
    for url in ("/partnerships/", "/organizations/", "/conferences/", "/alliances/"):
        assert found(client, url, "Zorvania") == set(), url
    # The published city under it is named.
    assert found(client, "/partnerships/", "Quellport") != set()


def test_a_draft_partys_place_is_not_in_the_partnerships_search_text(ontario):
    ontario["lakeside"].publication = DRAFT
    ontario["lakeside"].save(update_fields=["publication", "updated_at"])
    text = SisterSchoolPartnership.objects.get(pk=ontario["partnership"].pk).search_text
    assert "Kelby" not in text and "Westmark" not in text and "Sunhe" in text


def test_an_organizations_new_region_is_in_its_partnerships_search_text(client, ontario):
    lakeside = ontario["lakeside"]
    lakeside.region = make_region("Brookfield", RegionKind.CITY, parent=ontario["ontario"])
    lakeside.save()
    assert found(client, "/partnerships/", "Brookfield") == {ontario["partnership"].pk}
    assert found(client, "/partnerships/", "Kelby") == set()


def admin_save(region, django_capture_on_commit_callbacks, **fields):
    """Save the region as the admin does, its on-commit job queued, then run the worker."""
    for name, value in fields.items():
        setattr(region, name, value)
    with django_capture_on_commit_callbacks(execute=True):
        region.save()
    return run_worker()


def test_renaming_a_region_refreshes_the_records_under_it_through_the_job(
    client, ontario, django_capture_on_commit_callbacks
):
    conference = make_conference("Forum of Schools", host_region=ontario["kingston"])
    alliance = make_alliance("Lakes Alliance", countries=[ontario["canada"]])
    assert admin_save(ontario["ontario"], django_capture_on_commit_callbacks, name="Northwold")
    assert found(client, "/partnerships/", "Lakeside Northwold") == {ontario["partnership"].pk}
    assert found(client, "/organizations/", "Northwold") == {ontario["lakeside"].pk}
    assert found(client, "/conferences/", "Northwold") == {conference.pk}
    assert found(client, "/partnerships/", "Westmark") == set()
    assert found(client, "/organizations/", "Westmark") == set()
    assert found(client, "/conferences/", "Westmark") == set()
    assert "Norland" in Alliance.objects.get(pk=alliance.pk).search_text


def test_renaming_a_country_refreshes_its_alliances_through_the_job(
    client, ontario, django_capture_on_commit_callbacks
):
    alliance = make_alliance("Lakes Alliance", countries=[ontario["canada"]])
    admin_save(ontario["canada"], django_capture_on_commit_callbacks, name="Kanata")
    assert found(client, "/alliances/", "Kanata") == {alliance.pk}


def test_unpublishing_a_region_takes_its_name_out_of_search_through_the_job(
    client, ontario, django_capture_on_commit_callbacks
):
    assert found(client, "/partnerships/", "Kelby") == {ontario["partnership"].pk}
    admin_save(ontario["kingston"], django_capture_on_commit_callbacks, publication=DRAFT)
    assert found(client, "/partnerships/", "Kelby") == set()
    assert found(client, "/organizations/", "Kelby") == set()
    assert "Kelby" not in Organization.objects.get(pk=ontario["lakeside"].pk).search_text


def test_publishing_a_region_puts_its_name_in_search_through_the_job(
    client, db, django_capture_on_commit_callbacks
):
    hidden = make_region("Zorvania", publication=DRAFT)
    school = make_org("Harbour School", region=hidden)
    partnership = make_partnership(school, make_org("Hill School", region=make_region("Norland")))
    admin_save(hidden, django_capture_on_commit_callbacks, publication=PUBLISHED)
    assert found(client, "/partnerships/", "Zorvania") == {partnership.pk}
    assert found(client, "/organizations/", "Zorvania") == {school.pk}


def test_moving_a_region_refreshes_the_names_above_it_through_the_job(
    client, ontario, django_capture_on_commit_callbacks
):
    admin_save(ontario["kingston"], django_capture_on_commit_callbacks, parent=ontario["jiangsu"])
    assert found(client, "/organizations/", "Westmark") == set()
    assert found(client, "/organizations/", "Lakeside Eastria") == {ontario["lakeside"].pk}


def test_a_renamed_regions_records_wait_for_the_job(ontario, django_capture_on_commit_callbacks):
    """The admin's request does not refresh them row by row: the job does."""
    region = ontario["ontario"]
    region.name = "Northwold"
    with django_capture_on_commit_callbacks(execute=True):
        region.save()
    assert "Westmark" in Organization.objects.get(pk=ontario["lakeside"].pk).search_text
    assert run_worker() == 1
    assert "Northwold" in Organization.objects.get(pk=ontario["lakeside"].pk).search_text


def test_the_region_admin_queues_the_refresh(
    admin_client, ontario, django_capture_on_commit_callbacks
):
    region = ontario["ontario"]
    url = reverse("admin:partnerships_region_change", args=[region.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    data = {
        field.html_name: field.value() if field.value() is not None else ""
        for field in page.context["adminform"].form
    }
    data.update(name="Northwold", _save="Save")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, data)
    assert response.status_code == 302, getattr(response, "context", None)
    assert run_worker() == 1
    assert "Northwold" in Organization.objects.get(pk=ontario["lakeside"].pk).search_text


def test_the_refresh_job_reads_and_writes_in_batches_not_row_by_row(
    ontario, django_assert_max_num_queries
):
    from partnerships.placesearch import refresh_under

    city = ontario["kingston"]
    partner = make_org("Riverside Primary School", region=ontario["jiangsu"])
    for n in range(40):
        make_partnership(make_org(f"Kelby School {n}", region=city), partner)
    city.name = "Kelbyton"
    city.save()
    with django_assert_max_num_queries(20):
        changed = refresh_under(city)
    assert changed == 2 * 41  # 41 organizations and their 41 partnerships
    assert (
        "Kelbyton" in SisterSchoolPartnership.objects.get(pk=ontario["partnership"].pk).search_text
    )


# Deleting a region deletes the many-to-many rows that name it (an alliance's countries, a
# conference's other hosts and participants) without m2m_changed: its name must leave the
# search text of those records all the same.


def test_deleting_a_country_an_alliance_named_takes_its_name_out_of_the_alliances_search(
    client, db
):
    elsewhere = make_region("Vestria")
    alliance = make_alliance("Lakes Alliance", countries=[make_region("Kanata"), elsewhere])
    assert found(client, "/alliances/", "Kanata") == {alliance.pk}
    Region.objects.get(name="Kanata").delete()
    assert found(client, "/alliances/", "Kanata") == set()
    assert found(client, "/alliances/", "Vestria") == {alliance.pk}


def test_deleting_a_region_named_as_taking_part_takes_it_out_of_the_conferences_search(
    client, ontario
):
    guest = make_region("Quellport", RegionKind.CITY, parent=ontario["jiangsu"])
    conference = make_conference(
        "Forum of Schools", host_region=ontario["kingston"], participating=[guest]
    )
    conference.other_host_regions.add(make_region("Brookfield", RegionKind.CITY))
    assert found(client, "/conferences/", "Quellport") == {conference.pk}
    assert found(client, "/conferences/", "Brookfield") == {conference.pk}
    Region.objects.filter(name__in=["Quellport", "Brookfield"]).delete()
    assert found(client, "/conferences/", "Quellport") == set()
    assert found(client, "/conferences/", "Brookfield") == set()
    assert found(client, "/conferences/", "Kelby") == {conference.pk}
