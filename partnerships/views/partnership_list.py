"""The partnership list (/partnerships/): its table read as PartnershipRow from values
instead of as model instances, its facets on the columns copied from the parties, and its
exports (COPY on PostgreSQL, copy_export.py; elsewhere Python, with the history of each
batch of rows read together: ``with_histories``)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy

from .. import filters
from ..copy_export import copy_csv_response, copy_json_response
from ..dates import PartialDate
from ..exports import (
    Column,
    agreements_cell,
    csv_response,
    histories,
    history_json,
    history_prefetches,
    status_changes_cell,
    visits_cell,
)
from ..facets import ChoiceFacet, RelatedFacet, YearFacet
from ..models import (
    Conference,
    PartnershipLevel,
    PartnershipStatus,
    Publication,
    Region,
    SisterSchoolPartnership,
    newest_first,
    slug_url,
)
from .common import PUBLISHED, published_citations
from .record_list import RecordListView, region_name, streamed


def number_text(value) -> str:
    """A number as an export's cell: '' when unknown (as PostgreSQL's export writes it)."""
    return "" if value is None else str(value)


def public_partnership_name(partnership, field: str) -> str:
    """The name of the partnership that ``field`` (predecessor, parent) points to, '' when
    there is none or it is not public."""
    if getattr(partnership, f"{field}_id") is None:
        return ""
    related = getattr(partnership, field)
    return str(related) if related.is_public else ""


def with_histories(rows, key, batch: int = 1000):
    """(row, history cells) for each of ``rows``, the histories of each ``batch`` rows read
    together (exports.histories: five queries a batch). ``key(row)``: the partnership's key.
    Closing it closes ``rows`` (a stream read in a transaction: exports.closed_after)."""
    try:
        pending = []
        for row in rows:
            pending.append(row)
            if len(pending) == batch:
                found = histories([key(r) for r in pending])
                yield from ((r, found[key(r)]) for r in pending)
                pending = []
        if pending:
            found = histories([key(r) for r in pending])
            yield from ((r, found[key(r)]) for r in pending)
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()


class Named:
    """A related record as a list's table shows it: its name, and a party's country."""

    __slots__ = ("name", "country")

    def __init__(self, name, country=None):
        self.name = name
        self.country = country


class PartnershipRow:
    """A partnership as the list's table shows it (includes/tables/partnership.html), read
    from values (VALUES, a named tuple of them) instead of as a model instance with five
    related ones: building those took about 3 ms of a search page's 35 (26 rows, bench_1m).
    Has what the table, its link and str() read, as a SisterSchoolPartnership has it; a
    country or conference that is a draft is None, as hide_drafts() leaves it on a model
    instance."""

    VALUES = (
        "pk", "slug", "level", "status",
        "established_on", "established_precision", "established_not_after",
        "established_year_inferred", "established_year_basis", "established_as_given",
        "party_a__name", "party_a__country__name", "party_a__country__publication",
        "party_b__name", "party_b__country__name", "party_b__country__publication",
        "conference__name", "conference__publication",
    )  # fmt: skip
    LEVELS = dict(PartnershipLevel.choices)
    STATUSES = dict(PartnershipStatus.choices)

    __slots__ = (
        "pk", "slug", "level", "status",
        "established_on", "established_precision", "established_not_after",
        "established_year_inferred", "established_year_basis", "established_as_given",
        "party_a", "party_b", "conference",
    )  # fmt: skip

    def __init__(self, values):
        (
            self.pk, self.slug, self.level, self.status,
            self.established_on, self.established_precision, self.established_not_after,
            self.established_year_inferred, self.established_year_basis,
            self.established_as_given,
            a_name, a_country, a_country_publication,
            b_name, b_country, b_country_publication,
            conference, conference_publication,
        ) = values  # fmt: skip
        self.party_a = Named(a_name, self._published(a_country, a_country_publication))
        self.party_b = Named(b_name, self._published(b_country, b_country_publication))
        self.conference = self._published(conference, conference_publication)

    @staticmethod
    def _published(name, publication) -> Named | None:
        return Named(name) if name is not None and publication == PUBLISHED else None

    def __str__(self) -> str:
        return f"{self.party_a.name} – {self.party_b.name}"

    def get_absolute_url(self) -> str:
        return slug_url("partnership-detail", self.slug)

    def get_level_display(self) -> str:
        return str(self.LEVELS.get(self.level, self.level))

    def get_status_display(self) -> str:
        return str(self.STATUSES.get(self.status, self.status))

    @property
    def established(self) -> PartialDate:
        return PartialDate(
            self.established_on,
            self.established_precision,
            self.established_not_after,
            self.established_year_inferred,
            self.established_year_basis,
            self.established_as_given,
        )


class PartnershipListView(RecordListView):
    model = SisterSchoolPartnership
    filterset_class = filters.PartnershipFilterSet
    row_template = "includes/tables/partnership.html"
    # Not "sister-school partnerships": the list holds every level (schools, universities,
    # units of universities, education authorities, governments), each under its own.
    title = gettext_lazy("Partnerships")
    intro = gettext_lazy(
        "Partnerships between schools, universities, education authorities or governments, "
        "usually one side in China and one abroad, each under its level (a few have three or "
        "more parties). Only partnerships a source names are listed; figures that sources report "
        "in total are on the overview."
    )
    export_stem = "partnerships"
    draft_relations = (
        "party_a__region",
        "party_a__country",
        "party_b__region",
        "party_b__country",
        "conference",
        "series",
    )
    # What includes/tables/partnership.html shows (PartnershipRow): names, countries, the
    # conference, level, status and date, the slug for the link, publications to leave drafts
    # out. (A public partnership's parties are always published: see published().)
    table_values = PartnershipRow.VALUES
    # The parties' places are copied onto the partnership, so facets read one table; a
    # partnership row is never repeated by a join, so counts need no DISTINCT.
    facets = [
        RelatedFacet(
            "country", gettext_lazy("Country"), ["a_country", "b_country"], Region, distinct=False
        ),
        RelatedFacet(
            "region",
            gettext_lazy("Province or state"),
            ["a_province", "b_province"],
            Region,
            distinct=False,
        ),
        ChoiceFacet(
            "level", gettext_lazy("Level"), "level", PartnershipLevel.choices, distinct=False
        ),
        ChoiceFacet(
            "status", gettext_lazy("Status"), "status", PartnershipStatus.choices, distinct=False
        ),
        RelatedFacet(
            "conference", gettext_lazy("Signed at"), ["conference"], Conference, distinct=False
        ),
        YearFacet(gettext_lazy("Year established"), "established_on", distinct=False),
    ]
    columns = [
        Column("name", lambda p: str(p)),
        Column("party_a", lambda p: p.party_a.name),
        Column("party_a_region", lambda p: region_name(p.party_a.region)),
        Column("party_a_country", lambda p: region_name(p.party_a.country)),
        Column("party_b", lambda p: p.party_b.name),
        Column("party_b_region", lambda p: region_name(p.party_b.region)),
        Column("party_b_country", lambda p: region_name(p.party_b.country)),
        Column("level", lambda p: p.get_level_display()),
        Column("source_label", lambda p: p.source_label),
        Column("other_names", lambda p: "; ".join(p.other_names_list)),
        Column("status", lambda p: p.get_status_display()),
        Column("established", lambda p: str(p.established)),
        Column("signed_at", lambda p: p.conference.name if p.conference_id else ""),
        Column("conference_series", lambda p: p.series.name if p.series_id else ""),
        Column("predecessor", lambda p: public_partnership_name(p, "predecessor")),
        Column("parent", lambda p: public_partnership_name(p, "parent")),
        Column("pairings_reported", lambda p: number_text(p.pairings_reported)),
        Column("agreements", agreements_cell),
        Column("status_changes", status_changes_cell),
        Column("visits", visits_cell),
        Column("summary", lambda p: p.summary),
        Column("url", lambda p: p.get_absolute_url()),
    ]
    # What the exports read beyond the page: the partnerships a row follows or belongs to
    # (named only when public), and its history.
    EXPORT_RELATED = (
        "predecessor__party_a",
        "predecessor__party_b",
        "parent__party_a",
        "parent__party_b",
    )

    # The JSON export nests the history too (exports.history_json).
    json_extra = staticmethod(history_json)

    def make_rows(self, values):
        return [PartnershipRow(v) for v in values]

    def export_queryset(self, queryset):
        return queryset.select_related(*self.EXPORT_RELATED).prefetch_related(*history_prefetches())

    def csv_export(self, queryset):
        """On PostgreSQL, PostgreSQL writes the CSV (copy_export); elsewhere, Python."""
        response = copy_csv_response(queryset, [c.header for c in self.columns], self.export_stem)
        return response or self.python_csv_export(queryset)

    def json_export(self, queryset):
        """On PostgreSQL, PostgreSQL writes each row's JSON (copy_export); elsewhere, Python."""
        headers = [c.header for c in self.columns]
        response = copy_json_response(queryset, headers, self.export_stem)
        return response or super().json_export(queryset)

    def python_csv_export(self, queryset):
        """Tuples instead of model instances, cells made once per distinct date, the history
        of each batch of rows read in five queries (exports.histories). A related record
        that is a draft gives an empty cell, as on the page."""
        published = Publication.PUBLISHED

        def name(value, publication):
            return value if value is not None and publication == published else ""

        paths = (
            "party_a__name", "party_b__name",
            "party_a__region__name", "party_a__region__publication",
            "a_country__name", "a_country__publication",
            "party_b__region__name", "party_b__region__publication",
            "b_country__name", "b_country__publication",
            "level", "status", "established_on", "established_precision",
            "established_not_after", "conference__name", "conference__publication",
            "series__name", "series__publication", "summary", "slug",
            "established_year_inferred", "established_year_basis", "source_label",
            "pairings_reported",
            "predecessor__party_a__name", "predecessor__party_b__name", "predecessor__is_public",
            "parent__party_a__name", "parent__party_b__name", "parent__is_public",
            "pk", "established_as_given", "other_names",
        )  # fmt: skip
        levels = {k: str(v) for k, v in PartnershipLevel.choices}
        statuses = {k: str(v) for k, v in PartnershipStatus.choices}
        url = reverse("partnership-detail", args=["-"])[:-2]
        dates: dict = {}  # the same few thousand dates come back again and again

        def date(*columns):
            if columns not in dates:
                dates[columns] = str(PartialDate(*columns))
            return dates[columns]

        def partnership(a, b, public):
            return f"{a} – {b}" if public else ""

        def cells(row):
            r, history = row
            return [
                f"{r[0]} – {r[1]}", r[0], name(r[2], r[3]), name(r[4], r[5]), r[1],
                name(r[6], r[7]), name(r[8], r[9]), levels.get(r[10], r[10]), r[23],
                "; ".join(line.strip() for line in r[33].splitlines() if line.strip()),
                statuses.get(r[11], r[11]), date(r[12], r[13], r[14], r[21], r[22], r[32]),
                name(r[15], r[16]), name(r[17], r[18]), partnership(r[25], r[26], r[27]),
                partnership(r[28], r[29], r[30]), number_text(r[24]), *history, r[19],
                f"{url}{r[20]}/",
            ]  # fmt: skip

        rows = streamed(queryset.prefetch_related(None).values_list(*paths), chunk_size=5000)
        return csv_response(
            with_histories(rows, key=lambda r: r[31]), self.columns, self.export_stem, cells=cells
        )

    def get_queryset(self):
        return (
            SisterSchoolPartnership.objects.published()
            .select_related(
                "party_a__region",
                "party_a__country",
                "party_b__region",
                "party_b__country",
                "conference",
                "series",
            )
            .prefetch_related(published_citations())
            .order_by(newest_first("established_on"), "slug")
        )
