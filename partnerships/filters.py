"""FilterSets for the public list pages. Every parameter is validated by a form
field, so junk becomes a form error shown on the page, never a server error."""

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    OuterRef,
    Q,
    Value,
    When,
)
from django.utils.translation import gettext_lazy as _
from django_filters import (
    CharFilter,
    Filter,
    FilterSet,
    ModelMultipleChoiceFilter,
    MultipleChoiceFilter,
    NumberFilter,
    OrderingFilter,
)
from django_filters import fields as filter_fields
from django_filters.constants import EMPTY_VALUES

from .dates import NO_YEAR
from .models import (
    Alliance,
    AllianceBody,
    AllianceEvent,
    AllianceFocus,
    AllianceMembership,
    Conference,
    ConferenceSeries,
    Organization,
    OrganizationKind,
    PartnershipLevel,
    PartnershipStatus,
    Person,
    Publication,
    Region,
    RegionKind,
    SisterSchoolPartnership,
    Source,
    newest_first,
    oldest_first,
)
from .region_records import records_by_region, region_ids_with_records
from .search import MAX_QUERY_LENGTH, search_condition
from .widgets import FILTER_FORM_RENDERER

TOP_LEVEL = [RegionKind.COUNTRY, RegionKind.SAR]


class YearFilter(NumberFilter):
    """A year bound on a partial date (``<prefix>_on``). A date whose source gives no year
    (day and month only, month only) stores year 1, which is not a year: such rows are never
    within a year range."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1900)
        kwargs.setdefault("max_value", 2100)
        kwargs.setdefault("widget", forms.NumberInput(attrs={"inputmode": "numeric"}))
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        if value in EMPTY_VALUES:
            return qs
        return qs.filter(~Q(**{f"{precision_field(self.field_name)}__in": NO_YEAR}))


class YearRangeCheck:
    """A filter form mixin: a range whose first year is after its last is an error next to
    the last year, not a silent empty list."""

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("year_from"), cleaned.get("year_to")
        if start is not None and end is not None and start > end:
            self.add_error(
                "year_to",
                _("The last year (%(end)s) is before the first (%(start)s): swap them.")
                % {"start": start, "end": end},
            )
        return cleaned


def precision_field(date_field: str) -> str:
    """The precision column of a partial date: established_on -> established_precision."""
    return date_field.removesuffix("_on") + "_precision"


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


class CountryFilter(SlugChoiceFilter):
    """A country by slug; a place that is not a country (a province, a territory such as French
    Polynesia, which the directory keeps inside its country) or a group of countries is a
    form error saying where to choose it."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", _("Country"))
        kwargs.setdefault("queryset", published_countries)
        kwargs.setdefault(
            "error_messages",
            {
                "invalid_choice": _(
                    "%(value)s is not one of the available choices of country: a place "
                    "within a country (a province, a city, a territory) or a group of "
                    "countries (ASEAN, BRICS) is chosen with the region filter."
                )
            },
        )
        super().__init__(*args, **kwargs)


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


def _regions(region) -> list:
    """One region or several, as a list."""
    return [region] if isinstance(region, Region) else list(region)


PUBLISHED = Publication.PUBLISHED


def _hosted_in(regions, conference="") -> Q:
    """Conferences (or the conference at the path ``conference``, ending in "__") held in or
    under any of ``regions``: their host city or one of the places also hosting them."""
    through = Conference.other_host_regions.through
    outer = OuterRef(f"{conference}pk") if conference else OuterRef("pk")
    also = Exists(through.objects.filter(conference=outer).filter(region_q(["region"], regions)))
    return region_q([f"{conference}host_region"], regions) | Q(also)


def conference_place_q(regions) -> Q:
    """Conferences held in or under any of ``regions`` (host city, places also hosting them)
    or naming one of them as taking part, a special partner or guest country included."""

    def named_in(through):
        return Exists(
            through.objects.filter(conference=OuterRef("pk")).filter(region_q(["region"], regions))
        )

    return (
        _hosted_in(regions)
        | Q(named_in(Conference.participating_regions.through))
        | Q(named_in(Conference.partner_regions.through))
    )


def held_in_region(region) -> Case:
    """True for a conference held in or under ``region`` (its host city or a place also
    hosting it), False for one that only names it as taking part: the region page lists both,
    as the region filter does, and says which."""
    return Case(
        When(_hosted_in(_regions(region)), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def conferences_in_region(queryset, region):
    """The conferences of ``queryset`` that a region's page and the region filter list
    (conference_place_q). ``region``: one region or several (any of them)."""
    return queryset.filter(conference_place_q(_regions(region)))


def alliance_place_q(regions) -> Q:
    """Alliances with a place in or under any of ``regions``: a member country, a published
    member organization located there, a member's side (country), the place it was founded
    in, the host places of its published founding conference, and the host places of its
    published meetings (conferences of the alliance, and editions of its series), the
    places of the published organizations hosting its bodies (a secretariat, a council), and
    where its governance events happened ("signed in Moscow")."""
    countries = Exists(
        Alliance.countries.through.objects.filter(alliance=OuterRef("pk")).filter(
            region_q(["region"], regions)
        )
    )
    members = Exists(
        AllianceMembership.objects.filter(alliance=OuterRef("pk")).filter(
            (Q(organization__publication=PUBLISHED) & region_q(["organization__region"], regions))
            | region_q(["country"], regions)
        )
    )
    founding = Q(founding_conference__publication=PUBLISHED) & _hosted_in(
        regions, "founding_conference__"
    )
    meetings = Exists(
        Conference.objects.filter(publication=PUBLISHED)
        .filter(
            Q(alliance=OuterRef("pk"))
            | Q(series__alliance=OuterRef("pk"), series__publication=PUBLISHED)
        )
        .filter(_hosted_in(regions))
    )
    bodies = Exists(
        AllianceBody.objects.filter(alliance=OuterRef("pk"), host__publication=PUBLISHED).filter(
            region_q(["host__region"], regions)
        )
    )
    events = Exists(
        AllianceEvent.objects.filter(alliance=OuterRef("pk")).filter(region_q(["place"], regions))
    )
    return (
        Q(countries)
        | Q(members)
        | region_q(["founded_in"], regions)
        | founding
        | Q(meetings)
        | Q(bodies)
        | Q(events)
    )


def alliances_in_region(queryset, region):
    """The alliances of ``queryset`` found under a region (its page's "Alliances", the list's
    region and country filters): any place of alliance_place_q in the region or below it, so
    that an alliance whose members are not named is found where it was founded or meets.
    ``region``: one region or several (any of them)."""
    return queryset.filter(alliance_place_q(_regions(region)))


def _place_rows(using: str, *pairs) -> list[tuple[int, str]]:
    """One query (UNION ALL) on the database ``using``: the (row key, region path) pairs of
    each of ``pairs``, querysets of two values, a row's key and a path."""
    selects = [pair.using(using).order_by() for pair in pairs]
    return list(selects[0].union(*selects[1:], all=True))


def alliance_places(queryset) -> list[tuple[int, str]]:
    """(alliance key, region path) for every place of alliance_place_q of the alliances in
    ``queryset``, in two queries: what the alliance list's country and province facets
    count. The keys are read first (a list of alliances is short): as a subquery, the list's
    filter ran once in each of the ten parts, and PostgreSQL planned it badly there (585 ms
    against 29 ms for ``?country=china`` with 1M partnerships)."""
    keys = list(queryset.order_by().values_list("pk", flat=True))
    conferences = Conference.objects.filter(publication=PUBLISHED)
    hosts = Conference.other_host_regions.through.objects.filter(conference__publication=PUBLISHED)
    in_series = {"series__publication": PUBLISHED}
    return _place_rows(
        queryset.db,
        Alliance.countries.through.objects.filter(alliance__in=keys).values_list(
            "alliance_id", "region__path"
        ),
        AllianceMembership.objects.filter(
            alliance__in=keys,
            organization__publication=PUBLISHED,
            organization__region__isnull=False,
        ).values_list("alliance_id", "organization__region__path"),
        AllianceMembership.objects.filter(alliance__in=keys, country__isnull=False).values_list(
            "alliance_id", "country__path"
        ),
        Alliance.objects.filter(pk__in=keys, founded_in__isnull=False).values_list(
            "pk", "founded_in__path"
        ),
        Alliance.objects.filter(
            pk__in=keys,
            founding_conference__publication=PUBLISHED,
            founding_conference__host_region__isnull=False,
        ).values_list("pk", "founding_conference__host_region__path"),
        hosts.filter(conference__alliances_founded__in=keys).values_list(
            "conference__alliances_founded", "region__path"
        ),
        conferences.filter(alliance__in=keys, host_region__isnull=False).values_list(
            "alliance_id", "host_region__path"
        ),
        conferences.filter(
            series__alliance__in=keys, host_region__isnull=False, **in_series
        ).values_list("series__alliance_id", "host_region__path"),
        hosts.filter(conference__alliance__in=keys).values_list(
            "conference__alliance_id", "region__path"
        ),
        hosts.filter(
            conference__series__alliance__in=keys,
            conference__series__publication=PUBLISHED,
        ).values_list("conference__series__alliance_id", "region__path"),
        AllianceBody.objects.filter(
            alliance__in=keys, host__publication=PUBLISHED, host__region__isnull=False
        ).values_list("alliance_id", "host__region__path"),
        AllianceEvent.objects.filter(alliance__in=keys, place__isnull=False).values_list(
            "alliance_id", "place__path"
        ),
    )


def conference_places(queryset) -> list[tuple[int, str]]:
    """(conference key, region path) for every place of conference_place_q of the
    conferences in ``queryset``, in two queries: what the conference list's region facet
    counts. The keys are read first, as for alliance_places."""
    keys = list(queryset.order_by().values_list("pk", flat=True))
    return _place_rows(
        queryset.db,
        Conference.objects.filter(pk__in=keys, host_region__isnull=False).values_list(
            "pk", "host_region__path"
        ),
        Conference.other_host_regions.through.objects.filter(conference__in=keys).values_list(
            "conference_id", "region__path"
        ),
        Conference.participating_regions.through.objects.filter(conference__in=keys).values_list(
            "conference_id", "region__path"
        ),
        Conference.partner_regions.through.objects.filter(conference__in=keys).values_list(
            "conference_id", "region__path"
        ),
    )


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
        return type(form_class.__name__, (YearRangeCheck, form_class), {})

    def qs_without(self, params) -> object:
        """The list filtered by everything but ``params`` (a facet's own parameters), from
        the values already cleaned: what a facet that widens is counted on."""
        queryset = self.queryset.all()
        for name, value in self.form.cleaned_data.items():
            if name not in params:
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    def filter_search(self, queryset, name, value):
        condition = self.search_condition(value)
        return queryset if condition is None else queryset.filter(condition)

    def search_condition(self, text):
        """Whole words, or text inside words when no published record has those words
        (search.search_condition): decided once per request, on all published records."""
        if getattr(self, "_searched", (None,))[0] != text:
            self._searched = (text, search_condition(self.queryset, text))
        return self._searched[1]


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
    country = CountryFilter(method="filter_country")
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
        # Each region chosen narrows (facets.AND): Jiangsu and Quebec is a partnership with
        # a party in each.
        for region in value:
            queryset = queryset.filter(
                Q(a_path__startswith=region.path) | Q(b_path__startswith=region.path)
            )
        return queryset

    def filter_country(self, queryset, name, value):
        if not value:
            return queryset
        # Each country chosen narrows (facets.AND): Canada and China is a partnership
        # between the two.
        for country in value:
            queryset = queryset.filter(Q(a_country=country) | Q(b_country=country))
        return queryset


class AllianceFilterSet(RecordFilterSet):
    region = SlugChoiceFilter(label=_("Region"), queryset=published_regions, method="filter_region")
    country = CountryFilter(method="filter_region")
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
        """Region and country alike: any place of the alliance (alliance_place_q). Each
        place chosen narrows (facets.AND)."""
        for region in value or ():
            queryset = alliances_in_region(queryset, region)
        return queryset


class ConferenceFilterSet(RecordFilterSet):
    region = SlugChoiceFilter(label=_("Region"), queryset=published_regions, method="filter_region")
    # As on the other lists (the region facet's tree holds the countries too).
    country = CountryFilter(method="filter_region")
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
    facet_params = ("region", "country", "series")

    class Meta:
        model = Conference
        fields = []

    def filter_region(self, queryset, name, value):
        """Held there (host city, a place also hosting it) or naming it as taking part.
        Each place chosen narrows (facets.AND)."""
        for region in value or ():
            queryset = conferences_in_region(queryset, region)
        return queryset


class OrganizationFilterSet(RecordFilterSet):
    region = SlugChoiceFilter(label=_("Region"), queryset=published_regions, method="filter_region")
    country = CountryFilter()
    kind = ChoicesFilter(
        label=_("Kind"), choices=OrganizationKind.choices, widget=forms.MultipleHiddenInput
    )
    sort = ordering((("name", "name"), ("kind", "kind")), {"name": _("Name"), "kind": _("Kind")})
    facet_params = ("region", "country", "kind")

    class Meta:
        model = Organization
        fields = []

    def filter_region(self, queryset, name, value):
        # Each place chosen narrows (facets.AND): a place, then a place within it.
        for region in value or ():
            queryset = queryset.filter(region_q(["region"], [region]))
        return queryset


class ShowCheckbox(forms.CheckboxInput):
    """A checkbox that ``?param=1``, ``on`` or ``true`` ticks and ``0``, ``off``, ``false``
    or an empty value leaves unticked (Django's own takes "0" for ticked)."""

    def value_from_datadict(self, data, files, name):
        value = data.get(name)
        if isinstance(value, str):
            return value.strip().lower() not in ("", "0", "off", "false", "no")
        return bool(value)


class EmptyRegionsFilter(Filter):
    """Unticked (the default): only the regions that hold a published record, themselves or
    below them (region_records), as the regions list shows them; ticked: every region."""

    field_class = forms.BooleanField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", ShowCheckbox)
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value:
            return qs
        return qs.filter(pk__in=self.parent.region_ids_with_records())


class RegionFilterSet(RecordFilterSet):
    region = SlugChoiceFilter(label=_("Within"), queryset=published_regions, method="filter_region")
    empty = EmptyRegionsFilter(label=_("Show regions with no records"))
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
        # Each place chosen narrows (facets.AND).
        for region in value or ():
            queryset = queryset.filter(_paths_q([region]))
        return queryset

    def records_by_region(self) -> dict:
        """{region path: region_records.RegionRecords} of every region holding a published
        record: read once per filterset (the list, its facets and its page share it)."""
        if not hasattr(self, "_records_by_region"):
            self._records_by_region = records_by_region(self.queryset.db)
        return self._records_by_region

    def region_ids_with_records(self) -> list[int]:
        return region_ids_with_records(self.records_by_region())

    def shows_empty(self) -> bool:
        """Whether the visitor asked for the regions that hold no published record too."""
        return self.is_valid() and bool(self.form.cleaned_data.get("empty"))


def _paths_q(regions) -> Q:
    q = Q()
    for region in regions:
        q |= Q(path__startswith=region.path)
    return q


def _language_name(code: str) -> str:
    """A language code's name, for the chips ("Language: English", not "Language: en")."""
    from .templatetags.partnerships_tags import language_name

    return language_name(code) or code


class SourceFilterSet(RecordFilterSet):
    language = ChoicesFilter(
        label=_("Language"),
        choices=lambda: [
            (code, _language_name(code))
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


class SeriesFilterSet(RecordFilterSet):
    sort = ordering(
        (("name", "name"), ("first_held_year", "first_held")),
        {"name": _("Name"), "first_held_year": _("First held")},
    )

    class Meta:
        model = ConferenceSeries
        fields = []


class PersonFilterSet(RecordFilterSet):
    region = SlugChoiceFilter(label=_("Region"), queryset=published_regions, method="filter_region")
    # As on the other lists: a person is in a country through their organization's place or
    # the country the source ties them to.
    country = CountryFilter(method="filter_region")
    organization = SlugChoiceFilter(
        label=_("Organization"), queryset=lambda request: Organization.objects.published()
    )
    sort = ordering((("name", "name"),), {"name": _("Name")})
    facet_params = ("region", "country", "organization")

    class Meta:
        model = Person
        fields = []

    def filter_region(self, queryset, name, value):
        # Each place chosen narrows (facets.AND).
        for region in value or ():
            queryset = queryset.filter(region_q(["organization__region", "country"], [region]))
        return queryset
