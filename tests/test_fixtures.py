import datetime
import json

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError

from partnerships.models import (
    Alliance,
    AllianceEvent,
    Citation,
    Conference,
    ConferenceSeries,
    Organization,
    Person,
    Region,
    ReportedFigure,
    SisterSchoolPartnership,
    Source,
)
from tests.conftest import SEED

MAIN_MODELS = [
    Region,
    Organization,
    Alliance,
    Conference,
    SisterSchoolPartnership,
    Person,
    ConferenceSeries,
    ReportedFigure,
]


def dump():
    from io import StringIO

    out = StringIO()
    call_command("dumpdata", "partnerships", stdout=out)
    return json.loads(out.getvalue())


def test_fixture_counts_meet_the_minimum(seed):
    assert Region.objects.count() >= 12
    assert Organization.objects.count() >= 10
    assert Alliance.objects.count() == 1
    assert Conference.objects.count() == 2
    assert SisterSchoolPartnership.objects.count() == 2
    assert Source.objects.count() == 2
    assert ReportedFigure.objects.count() >= 6


@pytest.mark.parametrize("model", MAIN_MODELS, ids=lambda m: m.__name__)
def test_every_record_cites_a_source(seed, model):
    ct = ContentType.objects.get_for_model(model)
    cited = set(Citation.objects.filter(content_type=ct).values_list("object_id", flat=True))
    uncited = model.objects.exclude(pk__in=cited)
    assert not uncited.exists(), f"uncited: {list(uncited)}"


def test_every_citation_points_at_an_existing_paragraph(seed):
    for citation in Citation.objects.select_related("source"):
        assert 1 <= citation.paragraph <= citation.source.paragraph_count, citation


def test_loading_the_fixtures_twice_changes_nothing(seed):
    before = dump()
    call_command("loaddata", SEED, verbosity=0)
    assert dump() == before


def test_a_broken_fixture_loads_nothing(db, tmp_path):
    data = json.loads(SEED.read_text())
    # Valid records first, then a partnership whose parties are the same organization.
    broken = data + [
        {
            "model": "partnerships.sisterschoolpartnership",
            "pk": 99,
            "fields": {
                "slug": "broken",
                "party_a": 1,
                "party_b": 1,
                "level": "school",
                "status": "established",
                "publication": "published",
                "created_at": "2026-01-01T00:00:00Z",
                "updated_at": "2026-01-01T00:00:00Z",
            },
        }
    ]
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken))
    with pytest.raises((CommandError, Exception)):
        call_command("loaddata", path, verbosity=0)
    assert Region.objects.count() == 0
    assert Organization.objects.count() == 0
    assert Citation.objects.count() == 0


def test_a_fixture_that_is_not_json_loads_nothing(db, tmp_path):
    path = tmp_path / "junk.json"
    path.write_text(SEED.read_text()[:5000])  # cut off in the middle
    with pytest.raises(Exception):  # noqa: B017 - Django raises DeserializationError
        call_command("loaddata", path, verbosity=0)
    assert Region.objects.count() == 0


def test_jiangsu_conference_facts(seed):
    conf = Conference.objects.get(series__first_held_year=2005, edition=18)
    assert conf.host_region.slug == "xuzhou"
    assert conf.held_on == datetime.date(2023, 11, 16)
    assert conf.ends_on == datetime.date(2023, 11, 17)
    assert conf.dates_display == "16–17 November 2023"
    assert {o.slug for o in conf.organizers.all()} == {
        "jiangsu-provincial-department-of-education",
        "peoples-government-of-xuzhou",
    }
    figures = {
        f.metric: f
        for f in ReportedFigure.objects.filter(
            subject_id=conf.pk, subject_type=ContentType.objects.get_for_model(Conference)
        )
    }
    assert (figures["participants"].qualifier, figures["participants"].value) == ("nearly", 300)
    assert (figures["countries"].qualifier, figures["countries"].value) == ("over", 10)
    assert (
        figures["sister_school_partnerships"].qualifier,
        figures["sister_school_partnerships"].value,
    ) == ("exact", 40)
    assert {r.iso_code for r in conf.participating_regions.all()} == {
        "US",
        "AU",
        "GB",
        "CA",
        "HK",
        "MO",
    }


def test_series_figures_keep_their_qualifiers(seed):
    series = ConferenceSeries.objects.get()
    ct = ContentType.objects.get_for_model(ConferenceSeries)
    texts = {str(f) for f in ReportedFigure.objects.filter(subject_type=ct, subject_id=series.pk)}
    assert "about 2,000 sister-school partnerships since 2005" in texts
    assert "over 50,000 students and teachers on two-way visits" in texts


def test_the_two_comprehensive_partnerships(seed):
    pairs = {
        (p.party_a.slug, p.party_b.slug, p.party_b.region.slug)
        for p in SisterSchoolPartnership.objects.filter(level="comprehensive")
    }
    assert pairs == {
        ("suzhou-bureau-of-education", "peel-district-school-board", "canada"),
        ("wuxi-bureau-of-education", "bycirklen", "denmark"),
    }
    for p in SisterSchoolPartnership.objects.all():
        assert p.established_on is None  # the source does not say when


def test_alliance_founded_at_suihua_with_council_and_charter(seed):
    alliance = Alliance.objects.get()
    assert alliance.focus == "special_education"
    assert alliance.founding_conference.venue.slug == "suihua-university"
    assert {c.iso_code for c in alliance.countries.all()} == {"CN", "RU"}
    assert str(alliance.founded) == "2025, before 3 December"
    kinds = set(AllianceEvent.objects.filter(alliance=alliance).values_list("kind", flat=True))
    assert {"council_formed", "charter_adopted"} <= kinds


def test_suihua_institute_is_another_name_of_suihua_university(seed):
    assert list(Organization.objects.search("Suihua Institute")) == [
        Organization.objects.get(slug="suihua-university")
    ]


def test_heilongjiang_reports_14_university_alliances(seed):
    figure = ReportedFigure.objects.get(metric="alliances")
    assert figure.subject == Region.objects.get(slug="heilongjiang")
    assert figure.value == 14


def test_no_sentence_of_the_seeds_is_copied():
    """Facts carry over, sentences do not: no run of 10 words of a seed appears in our prose
    (summaries, descriptions, notes). Titles and names are citations, so they are not checked."""
    import re

    from tests.conftest import ROOT

    prose = []
    for obj in json.loads(SEED.read_text()):
        for field in ("summary", "description", "note"):
            prose.append(obj["fields"].get(field) or "")
    prose_text = " ".join(re.findall(r"\w+", " ".join(prose).lower()))
    assert len(prose_text) > 3000  # the check reads real text
    seeds = sorted((ROOT.parent / "shared" / "seeds").glob("*.txt"))
    if not seeds:
        pytest.skip("shared/seeds is not beside this checkout")
    for path in seeds:
        words = re.findall(r"\w+", path.read_text().lower())
        for i in range(len(words) - 10):
            run = " ".join(words[i : i + 10])
            assert run not in prose_text, f"copied from {path.name}: {run!r}"
