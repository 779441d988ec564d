"""The list pages of alliances, conferences, organizations, regions, sources and people:
each a RecordListView (record_list.py) with its filters, facets, table and export columns.
The partnership list, which reads its table from values, is in partnership_list.py."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy

from .. import filters
from ..dates import PartialDate
from ..exports import Column, iso_partial
from ..facets import (
    AND,
    ChoiceFacet,
    LanguageFacet,
    PlacesFacet,
    PlacesTreeFacet,
    RelatedFacet,
    TreeFacet,
    YearFacet,
)
from ..models import (
    Alliance,
    AllianceFocus,
    AllianceMembership,
    Citation,
    Conference,
    ConferenceSeries,
    Organization,
    OrganizationKind,
    Person,
    Region,
    RegionKind,
    Source,
    newest_first,
)
from .common import public_citations_q, published_citations
from .record_list import RecordListView, region_name


def rows_pointing_here(rows, field: str):
    """How many of ``rows`` point through ``field`` to the list's row (0 for none), as a
    subquery beside it: a source's citations, a series' editions."""
    counted = (
        rows.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


class AllianceListView(RecordListView):
    model = Alliance
    filterset_class = filters.AllianceFilterSet
    row_template = "includes/tables/alliance.html"
    title = gettext_lazy("Alliances")
    intro = gettext_lazy("Alliances of schools or universities across countries.")
    export_stem = "alliances"
    draft_relations = ("founding_conference", "founded_in", "part_of")
    # An alliance is found under a country or province where any of its places lies (its
    # members, where it was founded, where it meets: filters.alliance_place_q), and the
    # country and province facets count the same places.
    facets = [
        PlacesFacet(
            "country",
            gettext_lazy("Country"),
            filters.alliance_places,
            [RegionKind.COUNTRY, RegionKind.SAR],
        ),
        PlacesFacet(
            "region",
            gettext_lazy("Province or state"),
            filters.alliance_places,
            [RegionKind.PROVINCE],
        ),
        ChoiceFacet("focus", gettext_lazy("Focus"), "focus", AllianceFocus.choices),
        RelatedFacet("conference", gettext_lazy("Founded at"), ["founding_conference"], Conference),
        YearFacet(gettext_lazy("Year founded"), "founded_on"),
    ]
    columns = [
        Column("name", lambda a: a.name),
        Column("other_names", lambda a: "; ".join(a.other_names_list)),
        Column("kind", lambda a: a.get_kind_display()),
        Column("focus", lambda a: a.get_focus_display()),
        Column("part_of", lambda a: a.part_of.name if a.part_of else ""),
        Column("member_countries", lambda a: "; ".join(c.name for c in a.countries.all())),
        Column("founded", lambda a: str(a.founded)),
        Column("founded_in", lambda a: region_name(a.founded_in)),
        Column("founded_at", lambda a: a.founding_conference.name if a.founding_conference else ""),
        Column("members", lambda a: len(a.memberships.all())),
        Column("more_members_unnamed", lambda a: a.more_members_unnamed),
        Column(
            "membership_fee", lambda a: a.get_membership_fee_display() if a.membership_fee else ""
        ),
        Column("membership_terms", lambda a: "; ".join(a.membership_terms_list)),
        Column("summary", lambda a: a.summary),
        Column("url", lambda a: a.get_absolute_url()),
    ]

    def get_queryset(self):
        return (
            Alliance.objects.published()
            .select_related("founding_conference", "founded_in", "part_of")
            .prefetch_related(
                Prefetch("countries", queryset=Region.objects.published()),
                Prefetch(
                    "memberships",
                    queryset=AllianceMembership.objects.filter(
                        organization__publication="published"
                    ),
                ),
                published_citations(),
            )
            .order_by("name")
        )


class ConferenceListView(RecordListView):
    model = Conference
    filterset_class = filters.ConferenceFilterSet
    row_template = "includes/tables/conference.html"
    title = gettext_lazy("Conferences")
    intro = gettext_lazy("Conferences where partnerships were signed or alliances founded.")
    export_stem = "conferences"
    draft_relations = ("series", "host_region", "venue", "alliance", "held_within")
    # A conference is found under the regions that hosted it and those named as taking part
    # (filters.conference_place_q); the facet counts the same places.
    facets = [
        PlacesTreeFacet(
            "region", gettext_lazy("Where held or taking part"), filters.conference_places
        ),
        RelatedFacet("series", gettext_lazy("Series"), ["series"], ConferenceSeries),
        YearFacet(gettext_lazy("Year"), "held_on"),
    ]
    columns = [
        Column("name", lambda c: c.name),
        Column("other_names", lambda c: "; ".join(c.other_names_list)),
        Column("theme", lambda c: c.theme),
        Column("topics", lambda c: "; ".join(c.topics_list)),
        Column("programme", lambda c: "; ".join(c.programme_list)),
        Column("aims", lambda c: "; ".join(c.aims_list)),
        Column("held_as_part_of", lambda c: c.part_of_occasion),
        Column("held_within", lambda c: c.held_within.name if c.held_within else ""),
        Column("series", lambda c: c.series.name if c.series else ""),
        Column("edition", lambda c: c.edition),
        Column("meeting_of", lambda c: c.alliance.name if c.alliance else ""),
        Column("dates", lambda c: c.dates_display),
        Column("opening_day", lambda c: str(PartialDate(c.opening_on)) if c.opening_on else ""),
        Column("format", lambda c: c.get_format_display()),
        Column("host_region", lambda c: region_name(c.host_region)),
        Column("also_held_in", lambda c: "; ".join(r.name for r in c.other_host_regions.all())),
        Column("venue", lambda c: c.venue.name if c.venue else ""),
        Column("organizers", lambda c: "; ".join(o.name for o in c.organizers.all())),
        Column("run_by", lambda c: "; ".join(o.name for o in c.run_by.all())),
        Column("co_organizers", lambda c: "; ".join(o.name for o in c.co_organizers.all())),
        Column("guided_by", lambda c: "; ".join(o.name for o in c.guided_by.all())),
        Column("initiated_by", lambda c: "; ".join(o.name for o in c.initiated_by.all())),
        Column(
            "participating_regions",
            lambda c: "; ".join(r.name for r in c.participating_regions.all()),
        ),
        Column("summary", lambda c: c.summary),
        Column("url", lambda c: c.get_absolute_url()),
    ]

    def export_queryset(self, queryset):
        return queryset.prefetch_related(
            Prefetch("run_by", queryset=Organization.objects.published()),
            Prefetch("co_organizers", queryset=Organization.objects.published()),
            Prefetch("guided_by", queryset=Organization.objects.published()),
            Prefetch("initiated_by", queryset=Organization.objects.published()),
            Prefetch("participating_regions", queryset=Region.objects.published()),
        )

    def get_queryset(self):
        published_regions = Region.objects.published()
        return (
            Conference.objects.published()
            .select_related("series", "host_region", "venue", "alliance", "held_within")
            .prefetch_related(
                Prefetch("organizers", queryset=Organization.objects.published()),
                Prefetch("other_host_regions", queryset=published_regions),
                published_citations(),
            )
            .order_by(newest_first("held_on"), "name")
        )


class OrganizationListView(RecordListView):
    model = Organization
    filterset_class = filters.OrganizationFilterSet
    row_template = "includes/tables/organization.html"
    title = gettext_lazy("Organizations")
    intro = gettext_lazy(
        "Schools, universities, education authorities, school boards and other bodies named in the "
        "sources."
    )
    export_stem = "organizations"
    draft_relations = ("region", "country", "parent", "supervised_by")
    # No filter of this list joins a to-many relation, so a row is never repeated: the
    # facets count rows without DISTINCT.
    facets = [
        RelatedFacet("country", gettext_lazy("Country"), ["country"], Region, distinct=False),
        RelatedFacet(
            "region",
            gettext_lazy("Province or state"),
            ["province"],
            Region,
            distinct=False,
            joins=AND,  # as the region filter: a place, then a place within it
        ),
        ChoiceFacet("kind", gettext_lazy("Kind"), "kind", OrganizationKind.choices, distinct=False),
    ]
    columns = [
        Column("name", lambda o: o.name),
        Column("other_names", lambda o: "; ".join(n.name for n in o.other_names.all())),
        Column("kind", lambda o: o.get_kind_display()),
        Column("region", lambda o: region_name(o.region)),
        Column("country", lambda o: region_name(o.country)),
        Column("part_of", lambda o: o.parent.name if o.parent else ""),
        Column("founded_by", lambda o: o.founded_by),
        Column("ownership", lambda o: o.get_ownership_display() if o.ownership else ""),
        Column("supervised_by", lambda o: o.supervised_by.name if o.supervised_by else ""),
        Column("website", lambda o: o.website),
        Column("description", lambda o: o.description),
        Column("url", lambda o: o.get_absolute_url()),
    ]

    def get_queryset(self):
        return (
            Organization.objects.published()
            .select_related("region", "country", "parent", "supervised_by")
            .prefetch_related("other_names", published_citations())
            .order_by("name")
        )


class RegionListView(RecordListView):
    model = Region
    filterset_class = filters.RegionFilterSet
    row_template = "includes/tables/region.html"
    title = gettext_lazy("Regions")
    intro = gettext_lazy(
        "Countries, provinces and cities. A region's page includes its sub-regions."
    )
    export_stem = "regions"
    draft_relations = ("parent",)
    facets = [
        ChoiceFacet("kind", gettext_lazy("Kind"), "kind", RegionKind.choices),
        TreeFacet("region", gettext_lazy("Within"), "", parents_only=True),
    ]
    columns = [
        Column("name", lambda r: r.name),
        Column("kind", lambda r: r.get_kind_display()),
        Column("iso_code", lambda r: r.iso_code),
        Column("part_of", lambda r: region_name(r.parent)),
        Column("url", lambda r: r.get_absolute_url()),
    ]

    def get_queryset(self):
        return (
            Region.objects.published()
            .select_related("parent")
            .prefetch_related(published_citations())
            .order_by("path")
        )

    def get_context_data(self, **kwargs):
        """Each region with its published records (region_records), and how many regions
        the list hides for holding none."""
        from ..region_records import hidden_regions_note, with_records

        context = super().get_context_data(**kwargs)
        filterset = self.filterset
        if filterset.is_valid():
            counts = filterset.records_by_region()
            with_records(context["object_list"], counts)
            if not filterset.shows_empty():
                hidden = filterset.qs_without(("empty",)).exclude(
                    pk__in=filterset.region_ids_with_records()
                )
                context["hidden_rows"] = hidden_regions_note(self.request, hidden.count())
        return context

    def other_chips(self, filterset) -> list[dict]:
        from ..region_records import empty_regions_chip

        chips = super().other_chips(filterset)
        if filterset.shows_empty():
            chips.append(empty_regions_chip(self.request))
        return chips


class SourceListView(RecordListView):
    model = Source
    filterset_class = filters.SourceFilterSet
    row_template = "includes/tables/source.html"
    title = gettext_lazy("Sources")
    intro = gettext_lazy("The published documents every record cites, with our own summaries.")
    export_stem = "sources"
    facets = [
        LanguageFacet("language", gettext_lazy("Language"), "language", []),
        YearFacet(gettext_lazy("Year published"), "published_on"),
    ]
    columns = [
        Column("id", lambda s: s.pk),
        Column("title", lambda s: s.title),
        Column("outlet", lambda s: s.outlet),
        Column("original_outlet", lambda s: s.original_outlet),
        Column("authors", lambda s: s.authors),
        # As the source gives it: 2018, 2018-05 or 2018-05-24 (exports.iso_partial); and in
        # words, with what the date is (published, updated, ...).
        Column("published_on", lambda s: iso_partial(s.published_on, s.published_precision) or ""),
        Column("date", lambda s: str(s.date) if s.published_on else ""),
        Column("date_kind", lambda s: s.get_date_kind_display()),
        Column("language", lambda s: s.language),
        Column("original_language", lambda s: s.original_language),
        Column("via", lambda s: s.via),
        Column("kind_of_page", lambda s: s.get_reliability_display()),
        Column("reliability_note", lambda s: s.reliability_note),
        Column("url", lambda s: s.url),
        Column("summary", lambda s: s.summary),
        Column("page", lambda s: s.get_absolute_url()),
    ]

    def get_queryset(self):
        # Citations of public records only: a draft citing a source must not show in its count.
        cited = Citation.objects.filter(public_citations_q())
        return (
            Source.objects.published()
            .annotate(record_count=rows_pointing_here(cited, "source"))
            .prefetch_related(published_citations())
            .order_by(newest_first("published_on"), "title")
        )


class PersonListView(RecordListView):
    model = Person
    filterset_class = filters.PersonFilterSet
    row_template = "includes/tables/person.html"
    title = gettext_lazy("People")
    intro = gettext_lazy("People named in the sources, with the position the source gives them.")
    export_stem = "people"
    draft_relations = ("organization", "country")
    facets = [
        RelatedFacet("organization", gettext_lazy("Organization"), ["organization"], Organization),
    ]
    columns = [
        Column("name", lambda p: p.name),
        Column("other_names", lambda p: "; ".join(n.name for n in p.other_names.all())),
        Column("position", lambda p: p.position),
        Column("organization", lambda p: p.organization.name if p.organization else ""),
        Column("country", lambda p: p.country.name if p.country else ""),
        Column("url", lambda p: p.get_absolute_url()),
    ]

    def get_queryset(self):
        return (
            Person.objects.published()
            # A unit is named with the bodies above it (Organization.published_line).
            .select_related("organization__parent__parent", "country")
            .prefetch_related("other_names", published_citations())
            .order_by("name")
        )


class SeriesListView(RecordListView):
    """Conference series: until trial 14, a series could be reached only from its editions."""

    model = ConferenceSeries
    filterset_class = filters.SeriesFilterSet
    row_template = "includes/tables/series.html"
    title = gettext_lazy("Conference series")
    intro = gettext_lazy(
        "Conferences held again and again (every year, every two years), with their editions."
    )
    export_stem = "series"
    draft_relations = ("alliance",)
    columns = [
        Column("name", lambda s: s.name),
        Column("other_names", lambda s: "; ".join(s.other_names_list)),
        Column("frequency", lambda s: s.frequency),
        Column("first_held_year", lambda s: s.first_held_year or ""),
        Column("editions_recorded", lambda s: s.editions_recorded),
        Column("alliance", lambda s: s.alliance.name if s.alliance else ""),
        Column("url", lambda s: s.get_absolute_url()),
    ]

    def get_queryset(self):
        editions = Conference.objects.published()
        return (
            ConferenceSeries.objects.published()
            .select_related("alliance")
            .prefetch_related(published_citations())
            .annotate(editions_recorded=rows_pointing_here(editions, "series"))
            .order_by("name")
        )
