import datetime
import json
import os
import re
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from pytest_django.asserts import assertContains, assertNotContains

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
from partnerships.templatetags.partnerships_tags import date_range, source_date
from tests.conftest import ROOT, SEED

JIANGSU_TITLE = "Jiangsu strengthens global educational bonds"

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
    assert date_range(conf.held, conf.ends_on) == (
        "16–17 November 2023 (year inferred: from the page's date, updated 24 November 2023)"
    )
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
    # The report prints "December 3" and "recently": the year is the republication's.
    assert str(alliance.founded) == (
        "2025 (year inferred: from the date of the translated republication, 3 December 2025), "
        "by 3 December"
    )
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
    prose = []
    for obj in json.loads(SEED.read_text()):
        for field in ("summary", "description", "note"):
            prose.append(obj["fields"].get(field) or "")
    prose_text = " ".join(re.findall(r"\w+", " ".join(prose).lower()))
    assert len(prose_text) > 3000  # the check reads real text
    seeds = sorted(seeds_dir().glob("*.txt"))
    if not seeds:
        pytest.skip("shared/seeds is not beside this checkout (or set PARTNERSHIPS_SEEDS_DIR)")
    for path in seeds:
        words = re.findall(r"\w+", path.read_text().lower())
        for i in range(len(words) - 10):
            run = " ".join(words[i : i + 10])
            assert run not in prose_text, f"copied from {path.name}: {run!r}"


# --------------------------------------------------------------------------- claims
# fixtures/claims.json: what each fact of seed.json rests on. Each claim names a record
# ("model pk"), the field that makes it, the source and paragraph it comes from, and words
# that paragraph must contain. The seeds live in ../shared/seeds beside the checkout, or in
# PARTNERSHIPS_SEEDS_DIR.

CLAIMS_FILE = SEED.parent / "claims.json"
CLAIMS = json.loads(CLAIMS_FILE.read_text())["claims"]
SEED_OBJECTS = json.loads(SEED.read_text())
# Prose and other values a reader takes as facts: each needs a claim when it is not empty.
CLAIMED_FIELDS = (
    "summary",
    "description",
    "note",
    "position",
    "other_names",
    "outlet",
    "original_outlet",
    "via",
    "original_language",
    "reliability_note",
    "dateline",
    "site",
    "source_label",
)
# Rows that cannot hold citations: their claims may cite any paragraph of a seed.
UNCITED_MODELS = {"source", "organizationname", "regionname"}
# A figure's value as a source may write it in words.
NUMBER_WORDS = {
    2: "two",
    3: "three",
    4: "four",
    5: "five",
    6: "six",
    7: "seven",
    8: "eight",
    9: "nine",
    10: "ten",
}
MAX_WORDS_PER_ENTRY = 12  # key words and names, not sentences


def seeds_dir() -> Path:
    return Path(os.environ.get("PARTNERSHIPS_SEEDS_DIR") or ROOT.parent / "shared" / "seeds")


def normalized(text: str) -> str:
    """Lower case, straight quotes, single spaces: how claim words are compared."""
    for curly, straight in (("“", '"'), ("”", '"'), ("‘", "'"), ("’", "'")):
        text = text.replace(curly, straight)
    return " ".join(text.split()).casefold()


def key(obj) -> str:
    return f"{obj['model'].split('.')[1]} {obj['pk']}"


def seed_records() -> dict[str, dict]:
    return {key(obj): obj["fields"] for obj in SEED_OBJECTS}


def seed_citations() -> list[tuple[int, str, int, int | None]]:
    """(citation pk, cited record, source, paragraph) of every citation in seed.json."""
    return [
        (
            obj["pk"],
            f"{obj['fields']['content_type'][1]} {obj['fields']['object_id']}",
            obj["fields"]["source"],
            obj["fields"]["paragraph"],
        )
        for obj in SEED_OBJECTS
        if obj["model"] == "partnerships.citation"
    ]


def claims_of(record: str) -> list[dict]:
    return [claim for claim in CLAIMS if claim["record"] == record]


def paragraphs(source_pk: int) -> list[str]:
    """The paragraphs of a seed: blocks of text separated by blank lines, from the top."""
    archived = seed_records()[f"source {source_pk}"]["archived_copy"]
    path = seeds_dir() / Path(archived).name
    if not path.exists():
        pytest.skip(f"{path} is not here (set PARTNERSHIPS_SEEDS_DIR to the seeds' folder)")
    return re.split(r"\n[ \t]*\n\s*", path.read_text(encoding="utf-8").strip())


@pytest.mark.parametrize("source_pk", [1, 2])
def test_each_seed_has_the_paragraphs_its_source_record_counts(source_pk):
    count = seed_records()[f"source {source_pk}"]["paragraph_count"]
    assert len(paragraphs(source_pk)) == count


def test_every_claim_names_a_seed_record_and_an_existing_paragraph():
    records = seed_records()
    for claim in CLAIMS:
        assert claim["record"] in records, claim
        source = records[f"source {claim['source']}"]
        assert 1 <= claim["paragraph"] <= source["paragraph_count"], claim
        assert claim["claim"] and claim["words"], claim


# Claims about a value that is not one field: a figure (its value and qualifier), a
# source's date, a conference's dates.
FIELD_OF_CLAIM = {"figure": "value", "date": "published_on", "held": "held_on"}


def test_every_claim_is_about_a_field_or_a_citation_of_its_record():
    records = seed_records()
    citations = {(f"citation {pk}", record) for pk, record, _s, _p in seed_citations()}
    for claim in CLAIMS:
        field = FIELD_OF_CLAIM.get(claim["field"], claim["field"])
        if field.startswith("citation "):
            assert (field, claim["record"]) in citations, claim
        else:
            assert field in records[claim["record"]], claim


def test_claim_words_are_key_words_not_sentences():
    long = [w for c in CLAIMS for w in c["words"] if len(w.split()) > MAX_WORDS_PER_ENTRY]
    assert not long


@pytest.mark.parametrize(
    "claim", CLAIMS, ids=[f"{c['record']}-{c['field']}-p{c['paragraph']}" for c in CLAIMS]
)
def test_the_words_of_each_claim_occur_in_its_paragraph(claim):
    text = normalized(paragraphs(claim["source"])[claim["paragraph"] - 1])
    missing = [word for word in claim["words"] if normalized(word) not in text]
    assert not missing, f"{claim['claim']!r}: not in paragraph {claim['paragraph']}: {missing}"


def test_every_citation_in_the_seed_is_covered_by_a_claim_of_its_record():
    uncovered = [
        (pk, record, source, paragraph)
        for pk, record, source, paragraph in seed_citations()
        if not any((c["source"], c["paragraph"]) == (source, paragraph) for c in claims_of(record))
    ]
    assert not uncovered


def test_every_citation_note_has_a_claim_from_its_own_paragraph():
    notes = {
        obj["pk"]: obj["fields"]["note"] for obj in SEED_OBJECTS if key(obj).startswith("citation ")
    }
    for pk, record, source, paragraph in seed_citations():
        if not notes[pk]:
            continue
        claims = [c for c in claims_of(record) if c["field"] == f"citation {pk}"]
        assert claims, f"citation {pk} of {record}: {notes[pk]!r} has no claim"
        assert all((c["source"], c["paragraph"]) == (source, paragraph) for c in claims)


def test_claims_come_only_from_paragraphs_their_record_cites():
    cited: dict[str, set] = {}
    for _pk, record, source, paragraph in seed_citations():
        cited.setdefault(record, set()).add((source, paragraph))
    for claim in CLAIMS:
        model, pk = claim["record"].split()
        if model == "source":
            assert claim["source"] == int(pk), claim  # a source's summary is of itself
        elif model not in UNCITED_MODELS:
            assert (claim["source"], claim["paragraph"]) in cited.get(claim["record"], set()), (
                f"{claim['record']} claims paragraph {claim['paragraph']} of source "
                f"{claim['source']} but does not cite it"
            )


def test_no_summary_description_or_figure_is_without_claims():
    unclaimed = []
    for obj in SEED_OBJECTS:
        record, fields = key(obj), obj["fields"]
        if record.startswith("citation "):
            continue  # a citation's note is claimed on the record it cites (above)
        wanted = [f for f in CLAIMED_FIELDS if fields.get(f)]
        if record.startswith("reportedfigure "):
            wanted.append("figure")
        claimed = {c["field"] for c in claims_of(record)}
        unclaimed += [(record, field) for field in wanted if field not in claimed]
    assert not unclaimed


def test_each_figure_claim_gives_the_figure_value_and_qualifier():
    for obj in SEED_OBJECTS:
        if obj["model"] != "partnerships.reportedfigure":
            continue
        fields = obj["fields"]
        words = " ".join(
            normalized(w) for c in claims_of(key(obj)) if c["field"] == "figure" for w in c["words"]
        )
        value = fields["value"]
        assert f"{value:,}" in words or NUMBER_WORDS.get(value, "-") in words.split(), key(obj)
        if fields["qualifier"] != "exact":
            assert fields["qualifier"].replace("_", " ") in words, key(obj)


def test_every_number_in_the_prose_is_in_the_words_of_its_claims():
    """A number written in a summary ("one of 6", "14 alliances", "18th") must come from a
    paragraph the record's claims give, unless claims.json says where else it comes from."""
    elsewhere = json.loads(CLAIMS_FILE.read_text())["numbers_not_in_a_paragraph"]
    number = re.compile(r"\d[\d,]*\d|\d")
    for obj in SEED_OBJECTS:
        record, fields = key(obj), obj["fields"]
        if record.startswith("citation "):
            continue
        prose = " ".join(str(fields.get(f) or "") for f in CLAIMED_FIELDS)
        claimed = set(number.findall(" ".join(w for c in claims_of(record) for w in c["words"])))
        unexplained = set(number.findall(prose)) - claimed - set(elsewhere.get(record, {}))
        assert not unexplained, f"{record}: {sorted(unexplained)}"


# --------------------------------------------------------------------------- seed slips (issue 17)


def test_partnership_summaries_do_not_count_six_partnerships(seed):
    for partnership in SisterSchoolPartnership.objects.all():
        assert not re.search(r"one of (six|6)\b", partnership.summary), partnership


def test_the_six_are_stored_as_administrations_not_credited_to_the_series(seed):
    figure = ReportedFigure.objects.get(metric="comprehensive_partnerships")
    assert (figure.value, figure.qualifier) == (6, "exact")
    assert "administrations" in figure.description
    assert figure.subject == Region.objects.get(slug="jiangsu")


def test_comprehensive_partnerships_are_not_credited_to_the_conference_series(seed):
    assert not SisterSchoolPartnership.objects.filter(series__isnull=False).exists()


def test_the_comprehensive_partnerships_keep_the_source_label(seed):
    labels = set(SisterSchoolPartnership.objects.values_list("source_label", flat=True))
    assert labels == {"comprehensive partnership"}


def test_the_xinhua_item_records_its_outlet_chain_and_source_language(seed):
    source = Source.objects.get(archived_copy__endswith="000_a527ba5a894494c1.txt")
    assert source.original_outlet == "Xinhua"
    assert source.via == (
        "People's Republic of China – State Council News → People's Republic of China in Russian"
    )
    assert (source.language, source.is_translation, source.original_language) == ("en", True, "ru")
    assert source.reliability == "translation"
    assert source.outlet.startswith("MIL-OSI")


def test_the_jiangsu_source_is_read_on_the_site_it_names(seed):
    source = Source.objects.get(archived_copy__endswith="004_5711e22d9903911e.txt")
    assert source.outlet == "studychina.chinaservicesinfo.com"  # "Study in China" is not stated
    assert source.original_outlet == "english.jsjyt.edu.cn"


def test_the_jiangsu_source_date_reads_updated(seed):
    source = Source.objects.get(title=JIANGSU_TITLE)
    assert source.date_kind == "updated"
    assert source_date(source) == "Updated 24 November 2023"


def test_heilongjiang_is_cited_as_a_key_province_for_cooperation_with_russia(seed):
    region = Region.objects.get(slug="heilongjiang")
    citation = region.citations.get(
        source__archived_copy__endswith="000_a527ba5a894494c1.txt", paragraph=8
    )
    assert "key province for cooperation with Russia" in citation.note


def test_the_series_records_the_specialized_cooperative_programs_cited(seed):
    series = ConferenceSeries.objects.get()
    assert "specialized cooperative programs" in series.description
    assert series.citations.filter(paragraph=9).exists()


def test_suihua_university_has_no_website(seed):
    assert Organization.objects.get(slug="suihua-university").website == ""


def test_the_founding_conference_names_no_participating_regions(seed):
    conference = Conference.objects.get(slug__startswith="founding-conference")
    assert not conference.participating_regions.exists()


def test_bycirklen_has_no_kind_the_seed_does_not_state(seed):
    bycirklen = Organization.objects.get(slug="bycirklen")
    assert bycirklen.kind == "other"
    assert "counterpart" in bycirklen.description


@pytest.mark.parametrize("slug", ["xinhua-news-agency", "eol-cn"])
def test_outlets_have_no_place_the_seed_does_not_state(seed, slug):
    assert Organization.objects.get(slug=slug).region is None


def test_the_founding_conference_was_recent_before_3_december_with_the_year_inferred(seed):
    held = Conference.objects.get(slug__startswith="founding-conference").held
    assert (held.precision, held.not_after) == ("year", datetime.date(2025, 12, 3))
    assert held.year_inferred
    assert "year inferred" in str(held)


def test_the_alliance_dates_say_their_year_is_inferred(seed):
    alliance = Alliance.objects.get()
    assert alliance.founded.year_inferred
    assert all(event.occurred.year_inferred for event in alliance.events.all())


def test_the_heilongjiang_figure_date_says_its_year_is_inferred(seed):
    assert ReportedFigure.objects.get(metric="alliances").as_of_date.year_inferred


def test_the_jiangsu_conference_year_is_inferred_from_the_page_date(seed):
    conference = Conference.objects.get(edition=18)
    assert conference.held_year_inferred
    assert "24 November 2023" in conference.held_year_basis


def test_council_holders_are_not_named_only_governance_events_cited(seed):
    alliance = Alliance.objects.get()
    assert list(alliance.memberships.values_list("role", flat=True)) == ["member"]
    for kind in ("council_formed", "charter_adopted"):
        event = alliance.events.get(kind=kind)
        assert list(event.citations.values_list("paragraph", flat=True)) == [10]


# --------------------------------------------------------------------------- the overview


def overview_levels(client) -> dict[str, dict]:
    headline = next(h for h in client.get("/").context["headlines"] if h.get("levels"))
    return {level["level"]: level for level in headline["levels"]}


def test_overview_does_not_count_comprehensive_partnerships_as_sister_school_partnerships(
    client, seed
):
    response = client.get("/")
    assertNotContains(response, "<strong>2</strong> <span>sister-school partnerships", html=False)
    levels = overview_levels(client)
    assert (levels["comprehensive"]["count"], levels["comprehensive"]["label"]) == (
        2,
        "partnerships between education authorities",
    )
    assert levels["school"]["count"] == 0  # shown beside the reported "about 2,000"


def test_overview_shows_sister_school_figures_beside_the_school_level_only(client, seed):
    levels = overview_levels(client)
    assert {f.metric for f in levels["school"]["reported"]} == {"sister_school_partnerships"}
    assert {f.metric for f in levels["comprehensive"]["reported"]} == {"comprehensive_partnerships"}


def test_each_overview_level_count_is_what_its_link_lists(client, seed):
    school = Organization.objects.get(slug="suzhou-bureau-of-education")
    partner = Organization.objects.create(name="A School", kind="school", publication="published")
    SisterSchoolPartnership.objects.create(
        party_a=school, party_b=partner, level="school", publication="published"
    )
    response = client.get("/")
    for level in overview_levels(client).values():
        url = f"/partnerships/?{level['query']}"
        assertContains(response, f'href="{url}"')
        assert client.get(url).context["paginator"].count == level["count"], url


def test_overview_recent_conferences_say_when_a_year_is_inferred(client, seed):
    response = client.get("/")
    assertContains(response, "16–17 November 2023 (year inferred: from the page&#x27;s date")


def test_the_seed_alliance_page_shows_its_council_as_a_cited_body(client, seed):
    from partnerships.models import Alliance

    alliance = Alliance.objects.get(pk=1)
    response = client.get(alliance.get_absolute_url())
    bodies = response.context["bodies"]
    assert [(body.kind, body.name) for body in bodies] == [("council", "Council")]
    assert [(c.source_id, c.paragraph) for c in bodies[0].citations.all()] == [(1, 10)]
