"""Slips an editor hit entering real cases through the admin: each is now refused in words."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.urls import reverse

from partnerships.dates import DatePrecision
from partnerships.models import (
    Alliance,
    Conference,
    ConferenceSeries,
    Metric,
    Organization,
    Person,
    ReportedFigure,
    SisterSchoolPartnership,
    Visit,
)
from tests.adminforms import form_of

# --------------------------------------------------------------------------- figure subjects


def figure(subject_type, subject_id, **fields):
    return ReportedFigure(
        subject_type=subject_type,
        subject_id=subject_id,
        metric=fields.pop("metric", Metric.PARTICIPANTS),
        value=fields.pop("value", 1000),
        description=fields.pop("description", "Participants at the opening."),
        **fields,
    )


def errors_of(obj) -> dict:
    with pytest.raises(ValidationError) as caught:
        obj.full_clean()
    return caught.value.message_dict


def test_a_figure_for_a_record_id_that_does_not_exist_is_refused_in_words(seed):
    ct = ContentType.objects.get_for_model(Conference)
    missing = (Conference.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1

    errors = errors_of(figure(ct, missing))

    assert f"There is no conference with id {missing}" in " ".join(errors["subject_id"])


def test_a_figure_about_a_login_session_is_refused_in_words(seed):
    ct = ContentType.objects.get_for_model(Session)

    errors = errors_of(figure(ct, 1))

    message = " ".join(errors["subject_type"])
    assert "one of our records" in message
    assert "organization" in message


def test_a_figure_about_an_existing_record_is_accepted(seed):
    series = ConferenceSeries.objects.first()

    figure(
        ContentType.objects.get_for_model(series), series.pk, metric=Metric.ACTIVITIES
    ).full_clean()


# --------------------------------------------------------------------------- undated duplicates


def test_the_same_undated_figure_entered_twice_is_refused(seed):
    series = ConferenceSeries.objects.first()
    ct = ContentType.objects.get_for_model(series)
    figure(ct, series.pk, metric=Metric.ACTIVITIES, as_of=None, value=5).save()

    errors = errors_of(figure(ct, series.pk, metric=Metric.ACTIVITIES, as_of=None, value=5))

    assert "already has this figure" in " ".join(errors["value"])


def test_a_second_source_s_different_value_for_the_same_count_is_kept(seed):
    series = ConferenceSeries.objects.first()
    ct = ContentType.objects.get_for_model(series)
    figure(ct, series.pk, metric=Metric.ACTIVITIES, as_of=None, value=5).save()

    other = figure(ct, series.pk, metric=Metric.ACTIVITIES, as_of=None, value=6)
    other.full_clean()
    other.save()

    assert (
        ReportedFigure.objects.filter(subject_id=series.pk, metric=Metric.ACTIVITIES).count() == 2
    )


def test_an_undated_figure_may_be_saved_again_without_counting_itself(seed):
    series = ConferenceSeries.objects.first()
    first = figure(ContentType.objects.get_for_model(series), series.pk, metric=Metric.ACTIVITIES)
    first.save()

    first.value = 7
    first.full_clean()


# --------------------------------------------------------------------------- conference days


def test_a_last_day_inside_a_month_on_a_conference_dated_to_the_month_is_refused_in_words(db):
    conference = Conference(
        name="Forum",
        held_on=datetime.date(2023, 11, 1),
        held_precision=DatePrecision.MONTH,
        ends_on=datetime.date(2023, 11, 17),
    )

    errors = errors_of(conference)

    assert errors["ends_on"] == [
        "The first date is known to the month, so the last one is too: store the last month "
        "as its first day (e.g. 1 June 2012), or set the precision to a day."
    ]


def test_a_last_month_on_a_conference_dated_to_the_month_is_accepted_and_shown(db):
    conference = Conference(
        name="Forum",
        held_on=datetime.date(2023, 11, 1),
        held_precision=DatePrecision.MONTH,
        ends_on=datetime.date(2024, 1, 1),
    )
    conference.full_clean(exclude=["slug"])

    assert conference.dates_display == "November 2023 – January 2024"


def test_a_last_day_of_a_convention_with_no_year_is_accepted_and_shown(db):
    conference = Conference(
        name="Convention",
        held_on=datetime.date(1, 9, 22),
        held_precision=DatePrecision.DAY_MONTH,
        ends_on=datetime.date(1, 9, 24),
    )
    conference.full_clean(exclude=["slug"])

    assert conference.dates_display == "22–24 September, year not stated"


def test_a_last_day_with_a_year_after_a_first_day_with_none_is_refused_in_words(db):
    errors = errors_of(
        Conference(
            name="Convention",
            held_on=datetime.date(1, 9, 22),
            held_precision=DatePrecision.DAY_MONTH,
            ends_on=datetime.date(2019, 9, 24),
        )
    )

    assert "store the last date's year as 0001 too" in errors["ends_on"][0]


def test_a_stay_from_one_month_to_a_month_years_later_is_accepted_and_shown(seed):
    partnership = SisterSchoolPartnership.objects.first()
    visit = Visit(
        partnership=partnership,
        visited_on=datetime.date(1990, 7, 1),
        visited_precision=DatePrecision.MONTH,
        ends_on=datetime.date(2012, 6, 1),
    )
    visit.full_clean()

    assert visit.dates_display == "July 1990 – June 2012"


def test_a_last_year_of_a_visit_dated_to_the_year_must_be_stored_as_1_january(seed):
    visit = Visit(
        partnership=SisterSchoolPartnership.objects.first(),
        visited_on=datetime.date(2012, 1, 1),
        visited_precision=DatePrecision.YEAR,
        ends_on=datetime.date(2022, 6, 30),
    )

    errors = errors_of(visit)

    assert "store the last year as 1 January" in errors["ends_on"][0]


def test_a_last_day_on_a_conference_without_a_first_day_is_refused_in_words(db):
    errors = errors_of(Conference(name="Forum", ends_on=datetime.date(2023, 11, 17)))

    assert errors["ends_on"] == ["A last day needs the first day: give the first day too."]


def test_a_last_day_on_a_conference_dated_to_the_day_is_accepted(db):
    Conference(
        name="Forum",
        held_on=datetime.date(2023, 11, 16),
        held_precision=DatePrecision.DAY,
        ends_on=datetime.date(2023, 11, 17),
    ).full_clean()


# --------------------------------------------------------------------------- over-long names


ADD_PAGES = {
    Person: "admin:partnerships_person_add",
    Organization: "admin:partnerships_organization_add",
    Conference: "admin:partnerships_conference_add",
    Alliance: "admin:partnerships_alliance_add",
}


@pytest.mark.parametrize("model", list(ADD_PAGES), ids=lambda m: m.__name__)
@pytest.mark.parametrize("over_by", [50, 9_800], ids=["a little", "far"])
def test_an_over_long_name_is_answered_in_words_without_a_constraint_name(
    staff_client, model, over_by
):
    limit = model._meta.get_field("name").max_length
    length = limit + over_by  # a person: 250 and 10,000 characters
    url = reverse(ADD_PAGES[model])
    data = form_of(staff_client.get(url))
    data.update(name="a" * length, slug="")

    response = staff_client.post(url, data)

    assert response.status_code == 200
    page = response.content.decode()
    assert f"Ensure this value has at most {limit} characters (it has {length})" in page
    assert "slug_not_empty" not in page
    assert "violate" not in page.lower()
    assert not model.objects.exists()


def test_a_visit_s_head_counts_are_written_with_thousands_separators_as_figures_are(db):
    visit = Visit(teachers=12, students=1010)

    assert visit.headcount_display == "12 teachers, 1,010 students"


# --------------------------------------------------------------------------- figures with decimals


def test_a_floor_area_with_a_decimal_is_stored_and_read_as_the_source_gives_it(seed):
    series = ConferenceSeries.objects.first()
    area = figure(
        ContentType.objects.get_for_model(series),
        series.pk,
        metric=Metric.AREA,
        value=Decimal("9290.3"),
    )
    area.full_clean()
    area.save()
    area.refresh_from_db()

    assert area.text == "9,290.3 square metres of floor space"


def test_a_figure_with_three_decimals_is_refused_in_words(seed):
    series = ConferenceSeries.objects.first()
    errors = errors_of(
        figure(
            ContentType.objects.get_for_model(series),
            series.pk,
            metric=Metric.AREA,
            value=Decimal("9290.333"),
        )
    )

    assert errors["value"] == ["Ensure that there are no more than 2 decimal places."]


# ------------------------------------------------------------ slugs of names in other scripts


@pytest.mark.parametrize(
    ("name", "slug"),
    [("李明", "liming"), ("Иван Петров", "ivan-petrov"), ("山田 太郎", "shantian-tailang")],
)
def test_a_person_named_only_in_another_script_gets_a_latin_slug(db, name, slug):
    person = Person(name=name)
    person.full_clean()
    person.save()

    assert person.slug == slug
    assert person.get_absolute_url() == f"/people/{slug}/"


def test_two_people_of_one_transliterated_name_get_two_slugs(db):
    first, second = Person(name="李明"), Person(name="黎明")
    for person in (first, second):
        person.full_clean()
        person.save()

    assert (first.slug, second.slug) == ("liming", "liming-2")


def test_words_as_given_and_an_inferred_year_share_one_bracket(db):
    from partnerships.dates import PartialDate

    date = PartialDate(
        datetime.date(2014, 1, 1),
        DatePrecision.YEAR,
        year_inferred=True,
        year_basis="report of 2014",
        as_given="this autumn",
    )

    assert str(date) == "2014 (this autumn; year inferred: report of 2014)"


def test_participants_from_a_country_read_as_coming_from_it(seed):
    from partnerships.models import FigureOrigin, Region

    series = ConferenceSeries.objects.first()
    russia = Region.objects.get(slug="russia")
    guests = figure(
        ContentType.objects.get_for_model(series),
        series.pk,
        value=120,
        country=russia,
        origin=FigureOrigin.FROM_COUNTRY,
    )
    guests.full_clean()

    assert guests.text == "120 participants from Russia"


def test_members_in_a_country_still_read_as_in_it(seed):
    from partnerships.models import Region

    series = ConferenceSeries.objects.first()
    members = figure(
        ContentType.objects.get_for_model(series),
        series.pk,
        metric=Metric.MEMBERS,
        value=25,
        country=Region.objects.get(slug="russia"),
    )

    assert members.text == "25 members in Russia"


def test_an_origin_from_a_country_without_the_country_is_refused_in_words(seed):
    from partnerships.models import FigureOrigin

    series = ConferenceSeries.objects.first()
    errors = errors_of(
        figure(
            ContentType.objects.get_for_model(series),
            series.pk,
            origin=FigureOrigin.FROM_COUNTRY,
        )
    )

    assert errors["country"] == [
        "Give the country or region they came from, or choose another origin."
    ]


def test_a_count_of_groups_reads_as_groups(seed):
    series = ConferenceSeries.objects.first()
    groups = figure(
        ContentType.objects.get_for_model(series), series.pk, metric=Metric.GROUPS, value=68
    )

    assert groups.text == "68 groups or delegations"


def test_a_visit_s_total_head_count_reads_beside_any_split(db):
    assert Visit(people_in_all=21).headcount_display == "21 people in all"
    assert (
        Visit(teachers=3, students=13, people_in_all=18).headcount_display
        == "3 teachers, 13 students, 18 people in all"
    )


def test_a_total_smaller_than_its_parts_is_refused_in_words(seed):
    visit = Visit(
        partnership=SisterSchoolPartnership.objects.first(),
        teachers=3,
        students=13,
        people_in_all=10,
    )

    errors = errors_of(visit)

    assert errors["people_in_all"] == [
        "The number in all is smaller than the teachers, students and others counted (16)."
    ]
