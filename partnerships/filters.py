"""FilterSets for the public list pages. Every parameter is validated by a form
field, so junk becomes a form error shown on the page, never a server error."""

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.db import connections
from django.db.models import (
    BigIntegerField,
    CharField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Value,
)
from django.db.models.functions import Concat
from django.utils.translation import gettext_lazy as _
from django_filters import (
    CharFilter,
    FilterSet,
    ModelMultipleChoiceFilter,
    MultipleChoiceFilter,
    NumberFilter,
    OrderingFilter,
)
from django_filters import fields as filter_fields

from . import facets
from .models import (
    Alliance,
    AllianceFocus,
    AllianceMembership,
    Conference,
    ConferenceSeries,
    Organization,
    OrganizationKind,
    PartnershipLevel,
    PartnershipStatus,
    Person,
    Region,
    RegionKind,
    SisterSchoolPartnership,
    Source,
    newest_first,
    oldest_first,
)
from .search import MAX_QUERY_LENGTH, search_condition
from .widgets import FILTER_FORM_RENDERER

TOP_LEVEL = [RegionKind.COUNTRY, RegionKind.SAR]


class YearFilter(NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1900)
        kwargs.setdefault("max_value", 2100)
        kwargs.setdefault("widget", forms.NumberInput(attrs={"inputmode": "numeric"}))
        super().__init__(*args, **kwargs)


class DropEmptyValues:
    """An empty value (``?region=``) selects nothing, as an empty search does, instead of
    being an unknown choice."""

    def clean(self, value):
        if isinstance(value, list | tuple):
            value = [v for v in value if str(v).strip()]
        if not value and not self.required:
            # Nothing chosen: an empty list (for slugs, Django's queryset.none() would be
            # compiled into a query that never runs each time a filter or a chip checks it).
            return []
        return super().clean(value)


class SlugMultipleChoiceField(DropEmptyValues, filter_fields.ModelMultipleChoiceField):
    pass


class ChoicesField(DropEmptyValues, filter_fields.MultipleChoiceField):
    pass


class ChoicesFilter(MultipleChoiceFilter):
    """Several values of a list of choices, OR-ed; an unknown one is a form error."""

    field_class = ChoicesField

    def __init__(self, *args, **kwargs):
        # A column of the row itself: no join can repeat a row, so no SELECT DISTINCT (which
        # over a million partnerships costs more than the filter).
        kwargs.setdefault("distinct", False)
        super().__init__(*args, **kwargs)


class SlugChoiceFilter(ModelMultipleChoiceFilter):
    """Several slugs, OR-ed; an unknown slug is a form error naming it."""

    field_class = SlugMultipleChoiceField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("to_field_name", "slug")
        kwargs.setdefault("widget", forms.MultipleHiddenInput)
        # Only a to-many relation (an alliance's countries) needs DISTINCT; it says so.
        kwargs.setdefault("distinct", False)
        super().__init__(*args, **kwargs)

    def get_filter_predicate(self, v):
        # django-filter would compare the foreign key with the slug (``country="canada"``),
        # which the database refuses; the chosen row itself is what to compare with.
        name = self.field_name
        if self.lookup_expr != "exact":
            name = f"{name}__{self.lookup_expr}"
        return {name: v}


def published_regions(request=None):
    return Region.objects.published()


def published_countries(request=None):
    return Region.objects.published().filter(kind__in=TOP_LEVEL)


def region_q(prefixes: list[str], regions) -> Q:
    """Rows where any of the ``prefixes`` (paths to a region FK) is in or under any region."""
    q = Q()
    for region in regions:
        for prefix in prefixes:
            q |= Q(**{f"{prefix}__path__startswith": region.path})
    return q


class RecordFilterSet(FilterSet):
    q = CharFilter(
        label=_("Search"),
        method="filter_search",
        max_length=MAX_QUERY_LENGTH,
        strip=True,
    )

    # Parameters that select facet values: rendered as hidden inputs and facet links,
    # not as visible controls.
    facet_params: tuple[str, ...] = ()

    def get_form_class(self):
        # A new class each time (django-filter builds it per filterset): its widgets are
        # written in Python (widgets.FilterFormRenderer).
        form_class = super().get_form_class()
        form_class.default_renderer = FILTER_FORM_RENDERER
        return form_class

    def filter_search(self, queryset, name, value):
        condition = self.search_condition(value)
        return queryset if condition is None else queryset.filter(condition)

    def search_condition(self, text):
        """Whole words, or text inside words when no published record has those words
        (search.search_condition): decided once per request, on all published records."""
        if getattr(self, "_searched", (None,))[0] != text:
            self._searched = (text, search_condition(self.queryset, text))
        return self._searched[1]

    def search_estimate(self) -> float | None:
        """The planner's estimate of the rows the search alone matches (PostgreSQL, a valid
        search), else None. Read once per request."""
        if not hasattr(self, "_search_estimate"):
            self._search_estimate = None
            text = self.form.cleaned_data.get("q") if self.is_valid() else ""
            condition = self.search_condition(text) if text else None
            if condition is not None and connections[self.queryset.db].vendor == "postgresql":
                self._search_estimate = facets.estimated_rows(self.queryset.filter(condition))
        return self._search_estimate

    def search_alone(self) -> bool:
        """Whether the search is the only filter in the querystring (the order aside): its
        estimate is then the list's own."""
        return not any(
            value.strip()
            for name in self.filters
            if name not in ("q", "sort")
            for value in self.data.getlist(name)
        )

    def narrowed_by_search(self) -> bool:
        """Whether a search already selects few rows (see facets.EXACT_SEARCH_FACET_ROWS).
        Then a filter that matches a large share of the table (a country) is better checked
        on the rows the search found than ANDed in from an index over hundreds of thousands
        of rows, which PostgreSQL does when left to itself (34 ms of a 45 ms query at 1M)."""
        estimate = self.search_estimate()
        return estimate is not None and estimate <= facets.EXACT_SEARCH_FACET_ROWS


def unindexed(name: str, output_field):
    """Column ``name`` in a form no index matches (``col + 0``, ``col || ''``): PostgreSQL then
    checks a filter on it row by row on what the other conditions found."""
    if isinstance(output_field, CharField):
        return Concat(F(name), Value(""), output_field=output_field)
    return ExpressionWrapper(F(name) + Value(0), output_field=output_field)


class StableOrderingFilter(OrderingFilter):
    """Orders by the chosen fields, then by primary key: rows that tie (every partnership at
    one level) keep one order from page to page, so paging neither repeats nor skips a row."""

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        if value:
            qs = qs.order_by(*map(self.nulls_last(qs.model), qs.query.order_by), "pk")
        return qs

    @staticmethod
    def nulls_last(model):
        """A column that may be empty puts its empty values (NULL) last, whichever way it is
        sorted (models.newest_first, oldest_first): on SQLite and PostgreSQL alike."""

        def term(name):
            if not isinstance(name, str):
                return name
            try:
                field = model._meta.get_field(name.removeprefix("-"))
            except FieldDoesNotExist:
                return name
            if not getattr(field, "null", False):
                return name
            column = field.name
            return newest_first(column) if name.startswith("-") else oldest_first(column)

        return term


def ordering(fields, labels):
    return StableOrderingFilter(
        fields=fields,
        field_labels=labels,
        label=_("Sort by"),
        empty_label=_("Default order"),
    )


class PartnershipFilterSet(RecordFilterSet):
    region = SlugChoiceFilter(label=_("Region"), queryset=published_regions, method="filter_region")
    country = SlugChoiceFilter(
        label=_("Country"), queryset=published_countries, method="filter_country"
    )
    level = ChoicesFilter(
        label=_("Level"), choices=PartnershipLevel.choices, widget=forms.MultipleHiddenInput
    )
    status = ChoicesFilter(
        label=_("Status"), choices=PartnershipStatus.choices, widget=forms.MultipleHiddenInput
    )
    conference = SlugChoiceFilter(
        label=_("Conference"), queryset=lambda request: Conference.objects.published()
    )
    year_from = YearFilter(
        label=_("Established from (year)"), field_name="established_on", lookup_expr="year__gte"
    )
    year_to = YearFilter(
        label=_("Established to (year)"), field_name="established_on", lookup_expr="year__lte"
    )
    sort = ordering(
        (
            ("established_on", "established"),
            ("slug", "name"),
            ("level", "level"),
            ("status", "status"),
        ),
        {
            "established_on": _("Date established"),
            "slug": _("Name"),
            "level": _("Level"),
            "status": _("Status"),
        },
    )
    facet_params = ("region", "country", "level", "status", "conference")

    class Meta:
        model = SisterSchoolPartnership
        fields = []

    def filter_region(self, queryset, name, value):
        if not value:
            return queryset
        # The parties' region paths are copied onto the partnership (a_path, b_path).
        a, b = "a_path", "b_path"
        if self.narrowed_by_search():
            a, b = "_a_path", "_b_path"
            queryset = queryset.alias(
                _a_path=unindexed("a_path", CharField()), _b_path=unindexed("b_path", CharField())
            )
        q = Q()
        for region in value:
            q |= Q(**{f"{a}__startswith": region.path}) | Q(**{f"{b}__startswith": region.path})
        return queryset.filter(q)

    def filter_country(self, queryset, name, value):
        if not value:
            return queryset
        if self.narrowed_by_search():
            ids = [country.pk for country in value]
            return queryset.alias(
                _a_country=unindexed("a_country_id", BigIntegerField()),
                _b_country=unindexed("b_country_id", BigIntegerField()),
            ).filter(Q(_a_country__in=ids) | Q(_b_country__in=ids))
        return queryset.filter(Q(a_country__in=value) | Q(b_country__in=value))


class AllianceFilterSet(RecordFilterSet):
    region = SlugChoiceFilter(label=_("Region"), queryset=published_regions, method="filter_region")
    country = SlugChoiceFilter(
        label=_("Member country"),
        queryset=published_countries,
        field_name="countries",
        distinct=True,
    )
    focus = ChoicesFilter(
        label=_("Focus"), choices=AllianceFocus.choices, widget=forms.MultipleHiddenInput
    )
    conference = SlugChoiceFilter(
        label=_("Founded at"),
        queryset=lambda request: Conference.objects.published(),
        field_name="founding_conference",
    )
    year_from = YearFilter(
        label=_("Founded from (year)"), field_name="founded_on", lookup_expr="year__gte"
    )
    year_to = YearFilter(
        label=_("Founded to (year)"), field_name="founded_on", lookup_expr="year__lte"
    )
    sort = ordering(
        (("name", "name"), ("founded_on", "founded")),
        {"name": _("Name"), "founded_on": _("Date founded")},
    )
    facet_params = ("region", "country", "focus", "conference")

    class Meta:
        model = Alliance
        fields = []

    def filter_region(self, queryset, name, value):
        if not value:
            return queryset
        in_countries = Exists(
            Alliance.countries.through.objects.filter(alliance=OuterRef("pk")).filter(
                region_q(["region"], value)
            )
        )
        in_members = Exists(
            AllianceMembership.objects.filter(alliance=OuterRef("pk")).filter(
                region_q(["organization__region"], value)
            )
        )
        return queryset.filter(in_countries | in_members)


class ConferenceFilterSet(RecordFilterSet):
    region = SlugChoiceFilter(label=_("Region"), queryset=published_regions, method="filter_region")
    series = SlugChoiceFilter(
        label=_("Series"), queryset=lambda request: ConferenceSeries.objects.published()
    )
    year_from = YearFilter(
        label=_("Held from (year)"), field_name="held_on", lookup_expr="year__gte"
    )
    year_to = YearFilter(label=_("Held to (year)"), field_name="held_on", lookup_expr="year__lte")
    sort = ordering(
        (("held_on", "held"), ("name", "name"), ("edition", "edition")),
        {"held_on": _("Date"), "name": _("Name"), "edition": _("Edition")},
    )
    facet_params = ("region", "series")

    class Meta:
        model = Conference
        fields = []

    def filter_region(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(region_q(["host_region"], value))


class OrganizationFilterSet(RecordFilterSet):
    region = SlugChoiceFilter(label=_("Region"), queryset=published_regions, method="filter_region")
    country = SlugChoiceFilter(label=_("Country"), queryset=published_countries)
    kind = ChoicesFilter(
        label=_("Kind"), choices=OrganizationKind.choices, widget=forms.MultipleHiddenInput
    )
    sort = ordering((("name", "name"), ("kind", "kind")), {"name": _("Name"), "kind": _("Kind")})
    facet_params = ("region", "country", "kind")

    class Meta:
        model = Organization
        fields = []

    def filter_region(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(region_q(["region"], value))


class RegionFilterSet(RecordFilterSet):
    region = SlugChoiceFilter(label=_("Within"), queryset=published_regions, method="filter_region")
    kind = ChoicesFilter(
        label=_("Kind"), choices=RegionKind.choices, widget=forms.MultipleHiddenInput
    )
    sort = ordering(
        (("name", "name"), ("kind", "kind"), ("iso_code", "iso")),
        {"name": _("Name"), "kind": _("Kind"), "iso_code": _("ISO code")},
    )
    facet_params = ("region", "kind")

    class Meta:
        model = Region
        fields = []

    def filter_region(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(_paths_q(value))


def _paths_q(regions) -> Q:
    q = Q()
    for region in regions:
        q |= Q(path__startswith=region.path)
    return q


class SourceFilterSet(RecordFilterSet):
    language = ChoicesFilter(
        label=_("Language"),
        choices=lambda: [
            (code, code)
            for code in Source.objects.published()
            .values_list("language", flat=True)
            .distinct()
            .order_by("language")
        ],
        widget=forms.MultipleHiddenInput,
    )
    year_from = YearFilter(
        label=_("Published from (year)"), field_name="published_on", lookup_expr="year__gte"
    )
    year_to = YearFilter(
        label=_("Published to (year)"), field_name="published_on", lookup_expr="year__lte"
    )
    sort = ordering(
        (("published_on", "published"), ("title", "title")),
        {"published_on": _("Date published"), "title": _("Title")},
    )
    facet_params = ("language",)

    class Meta:
        model = Source
        fields = []


class PersonFilterSet(RecordFilterSet):
    region = SlugChoiceFilter(label=_("Region"), queryset=published_regions, method="filter_region")
    organization = SlugChoiceFilter(
        label=_("Organization"), queryset=lambda request: Organization.objects.published()
    )
    sort = ordering((("name", "name"),), {"name": _("Name")})
    facet_params = ("region", "organization")

    class Meta:
        model = Person
        fields = []

    def filter_region(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(region_q(["organization__region"], value))
