"""The overview (/): headline counts by kind and by partnership level beside the
figures sources report, the latest conferences and alliances, and charts of partnerships
by year, partner country and Chinese province (the partnership list's own facets)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.generic import TemplateView

from ..charts import TOP_BARS, bar_chart
from ..facets import YearFacet, list_counts
from ..models import (
    Alliance,
    Conference,
    Organization,
    PartnershipLevel,
    Region,
    ReportedFigure,
    Source,
    newest_first,
)
from ..references import References
from .common import (
    PUBLISHED,
    hide_drafts,
    prefetch_names,
    public_subject_q,
    published_citations,
)
from .partnership_list import PartnershipListView


class DashboardView(TemplateView):
    template_name = "partnerships/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Published figures about public records (a figure about a draft would name it), with
        # their breakdown ("from abroad", "in Russia"): not one counted in a draft country, as
        # on the records' own pages (figures_shown).
        figures = list(
            ReportedFigure.objects.published()
            .filter(public_subject_q("subject_type", "subject_id"))
            .filter(Q(country__isnull=True) | Q(country__publication=PUBLISHED))
            .select_related("country")
            .prefetch_related("subject", published_citations())
        )
        prefetch_names([figure.subject for figure in figures])
        for figure in figures:
            figure.subject_obj = figure.subject
        by_metric: dict = {}
        for figure in figures:
            by_metric.setdefault(figure.metric, []).append(figure)
        context["refs"] = refs = References()
        # The partnership list's own counts, as its first page keeps them (list_counts).
        counts, (total, exact) = self.partnership_counts()
        # Partnerships are counted by level, each level under its own name and linked to the
        # list filtered to it, so that a comprehensive partnership between education bureaus
        # is never counted as a sister-school partnership.
        by_level = counts.get("level") or {}
        if not exact:  # counting the rows ran out of time; the levels' counts did not
            total = sum(by_level.values())
        levels = self.partnership_levels(by_level, by_metric)
        context["headlines"] = [
            {
                "count": (n := total),
                "label": ngettext(
                    "partnership recorded (all levels)", "partnerships recorded (all levels)", n
                ),
                "url": "partnership-list",
                "reported": by_metric.get("partnerships", []),
                "levels": levels,
            },
            {
                "count": (n := Alliance.objects.published().count()),
                "label": ngettext("alliance recorded", "alliances recorded", n),
                "url": "alliance-list",
                "reported": by_metric.get("alliances", []),
            },
            {
                "count": (n := Conference.objects.published().count()),
                "label": ngettext("conference recorded", "conferences recorded", n),
                "url": "conference-list",
                "reported": by_metric.get("participants", []) + by_metric.get("countries", []),
            },
            {
                "count": (n := Organization.objects.published().count()),
                "label": ngettext("organization recorded", "organizations recorded", n),
                "url": "organization-list",
                "reported": by_metric.get("exchange_visitors", []),
            },
        ]
        context["source_count"] = Source.objects.published().count()
        context["recent_conferences"] = hide_drafts(
            list(
                Conference.objects.published()
                .select_related("host_region")
                .order_by(newest_first("held_on"), "name")[:5]
            ),
            ["host_region"],
        )
        context["recent_alliances"] = (
            Alliance.objects.published()
            .select_related("founding_conference")
            .order_by(newest_first("founded_on"), "name")[:5]
        )

        china_path = Region.objects.filter(iso_code="CN").values_list("path", flat=True).first()
        year_rows = sorted(
            ((self.year_label(year), n) for year, n in (counts.get("year") or {}).items()),
            key=lambda r: r[0],
        )
        context["charts"] = [
            bar_chart(
                "chart-year", _("Partnerships by year established"), year_rows, _("Year"), None
            ),
            # China is a party to nearly every partnership recorded: its bar would dwarf the
            # partner countries readers ask about.
            bar_chart(
                "chart-country",
                _("Partnerships by partner country (a party outside China)"),
                self.region_rows(counts.get("country") or {}, china_path, inside=False),
                _("Country"),
                "country",
                top=TOP_BARS,
            ),
            bar_chart(
                "chart-province",
                _("Partnerships by Chinese province"),
                self.region_rows(counts.get("region") or {}, china_path, inside=True),
                _("Province"),
                "region",
                top=TOP_BARS,
            ),
        ]
        context["refs_used"] = refs
        return context

    # What the overview calls the partnerships of each level, and the reported figures shown
    # beside that count (a figure of sister-school partnerships is not one of comprehensive
    # partnerships, and neither is a figure of all partnerships).
    @staticmethod
    def level_label(level, n) -> str:
        if level == PartnershipLevel.SCHOOL:
            return ngettext(
                "sister-school partnership between schools",
                "sister-school partnerships between schools",
                n,
            )
        if level == PartnershipLevel.UNIVERSITY:
            return ngettext(
                "partnership between universities", "partnerships between universities", n
            )
        if level == PartnershipLevel.UNIT:
            return ngettext(
                "partnership of a unit within a university",
                "partnerships of units within universities",
                n,
            )
        if level == PartnershipLevel.COMPREHENSIVE:
            return ngettext(
                "partnership between education authorities",
                "partnerships between education authorities",
                n,
            )
        return ngettext(
            "partnership between city or regional governments",
            "partnerships between city or regional governments",
            n,
        )

    LEVEL_METRICS = {
        PartnershipLevel.SCHOOL: "sister_school_partnerships",
        PartnershipLevel.COMPREHENSIVE: "comprehensive_partnerships",
    }

    @classmethod
    def partnership_levels(cls, by_level, by_metric):
        """One row per level that has partnerships or reported figures: its count, its name,
        the query of the list filtered to it (whose count is the same) and its figures."""
        rows = []
        for level in PartnershipLevel:
            n = by_level.get(level.value, 0)
            reported = by_metric.get(cls.LEVEL_METRICS.get(level), [])
            if not n and not reported:
                continue
            rows.append(
                {
                    "level": level.value,
                    "count": n,
                    "label": cls.level_label(level, n),
                    "query": urlencode({"level": level.value}),
                    "reported": reported,
                }
            )
        return rows

    def partnership_counts(self) -> tuple[dict, tuple]:
        """The whole partnership list's facet counts ({param: {key: n}}: per level, year,
        country and province of a party) and its number of rows, (rows, exact), as the
        list's first page counts and keeps them (facets.list_counts): a number here and the
        list it links to agree, and both pages count them once per change of data."""
        return list_counts(*PartnershipListView.unfiltered(reverse("partnership-list")))

    @staticmethod
    def year_label(year) -> str:
        if year is None:
            return _("Not reported")
        if year == YearFacet.NO_YEAR_KEY:
            return _("Year not stated")
        return str(year)

    @staticmethod
    def region_rows(counts, china_path, inside):
        """(name, count, slug) per published region in ``counts`` ({pk: n}), most first: the
        regions in China (``inside``), or those outside it. ``china_path``: China's path."""
        regions = Region.objects.published().filter(pk__in=list(counts))
        if inside and not china_path:
            return []
        if inside:
            regions = regions.filter(path__startswith=china_path)
        elif china_path:
            regions = regions.exclude(path__startswith=china_path)
        rows = [
            (name, counts[pk], slug) for pk, name, slug in regions.values_list("pk", "name", "slug")
        ]
        return sorted(rows, key=lambda r: (-r[1], r[0]))
