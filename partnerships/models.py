"""The data model: regions, organizations, alliances, conferences, partnerships,
the people named in the sources, the figures the sources report, and the
citations that tie every record to the paragraph that supports it."""

from __future__ import annotations

import functools
import re
from decimal import Decimal

from anyascii import anyascii
from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.contrib.humanize.templatetags.humanize import intcomma
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, router, transaction
from django.db.models.functions import Greatest, Least, Upper
from django.urls import get_script_prefix, reverse
from django.utils import translation
from django.utils.encoding import force_str
from django.utils.text import slugify
from django.utils.translation import get_language, gettext, ngettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .dates import (
    DatePrecision,
    PartialDate,
    last_date_error,
    partial_date_constraints,
    partial_date_errors,
    partial_date_errors_of,
    partial_date_of,
)
from .roles import RECORD_MODELS
from .search import searchable_text


def lines_of(text: str) -> list[str]:
    """The non-empty lines of a field entered one item per line (aims, topics)."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def document_titles_of(record) -> list[str]:
    """The titles of the documents a conference or an alliance issued, each as every source
    gives it: a search for "Xi'an Declaration" finds the meeting and the alliance
    (signals.document_changed keeps it current)."""
    if record.pk is None:
        return []
    return [
        text
        for title, other_titles in record.documents.values_list("title", "other_titles")
        for text in (title, other_titles)
    ]


def year_field(verbose_name, help_text) -> models.PositiveSmallIntegerField:
    """An optional year a source gives (founded, joined), between 1000 and 2100."""
    return models.PositiveSmallIntegerField(
        verbose_name,
        null=True,
        blank=True,
        validators=[MinValueValidator(1000), MaxValueValidator(2100)],
        help_text=help_text,
    )


def years_text(since, until) -> str:
    """'2023–2025', 'since 2011', 'until 2025' or '' for a role's or a post's years."""
    if since and until:
        return f"{since}–{until}"
    if since:
        return gettext("since %(year)s") % {"year": since}
    if until:
        return gettext("until %(year)s") % {"year": until}
    return ""


def number_text(value) -> str:
    """A figure's value as people write it: thousands separated, no trailing decimal zeros
    ("1,010", "9,290.3", "2.5")."""
    value = Decimal(value)
    if value == value.to_integral_value():
        return intcomma(int(value))
    return intcomma(value.normalize())


_LAST_DATE_HELP = _(
    "When it runs over more than one day: the last day, or month or year, known as precisely "
    "as the first date and stored the same way (a month as its first day, no year as 0001)."
)


def newest_first(field: str) -> models.OrderBy:
    """Latest date first and unknown dates (NULL) last, on every database.

    PostgreSQL's NULL sorts as the largest value and SQLite's as the smallest: a plain
    DESC put every partnership whose date no source reports at the top of PostgreSQL's
    newest-first list, and at the bottom of SQLite's."""
    return models.F(field).desc(nulls_last=True)


def oldest_first(field: str) -> models.OrderBy:
    """Earliest date first and, as in newest_first, unknown dates (NULL) last."""
    return models.F(field).asc(nulls_last=True)


class PostgresqlInclude:
    """Index mixin: ``postgresql_include`` names fields the index also holds on PostgreSQL
    (INCLUDE), for index-only scans; SQLite has no such thing (Django's own ``include``
    would make its system check warn there, models.W040)."""

    def __init__(self, *args, postgresql_include=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.postgresql_include = tuple(postgresql_include)

    def deconstruct(self):
        path, args, kwargs = super().deconstruct()
        if self.postgresql_include:
            kwargs["postgresql_include"] = self.postgresql_include
        return path, args, kwargs

    def postgresql_index(self):
        """A copy that says INCLUDE, for create_sql() on PostgreSQL."""
        index = self.clone()
        index.include = index.include + self.postgresql_include
        return index


class NullsLastIndex(PostgresqlInclude, models.Index):
    """A B-tree index whose descending columns also put NULL last on PostgreSQL (its
    ascending ones do by default), so that it reads in the order newest_first() asks for:
    a plain DESC index there is NULLS FIRST. SQLite's CREATE INDEX takes no NULLS clause;
    its DESC index already puts NULL last. ``postgresql_include``: PostgresqlInclude."""

    def create_sql(self, model, schema_editor, using="", **kwargs):
        index = self
        if schema_editor.connection.vendor == "postgresql":
            index = self.postgresql_index()
            index.fields_orders = [
                (name, "DESC NULLS LAST" if order == "DESC" else order)
                for name, order in self.fields_orders
            ]
        return super(NullsLastIndex, index).create_sql(model, schema_editor, using, **kwargs)


class PostgresOnly(PostgresqlInclude):
    """Index mixin: an index that exists on PostgreSQL only (GIN, operator classes,
    INCLUDE), which SQLite cannot make: there its CREATE and DROP are an SQL comment, run
    as nothing.

    The schema editor runs whatever create_sql() and remove_sql() return (None would run as
    the statement "None"), in ``migrate`` from zero (the index SQL of CreateModel, SQLite's
    table rebuilds) as in AddIndex and RemoveIndex. ``postgresql_include``:
    PostgresqlInclude."""

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor != "postgresql":
            return f"-- {self.name}: PostgreSQL only"
        index = self.postgresql_index()
        return super(PostgresOnly, index).create_sql(model, schema_editor, using, **kwargs)

    def remove_sql(self, model, schema_editor, **kwargs):
        if schema_editor.connection.vendor != "postgresql":
            return f"-- {self.name}: PostgreSQL only"
        return super().remove_sql(model, schema_editor, **kwargs)


class PostgresOnlyIndex(PostgresOnly, models.Index):
    """A B-tree index on PostgreSQL, none elsewhere (PostgresOnly)."""


class PostgresOnlyGinIndex(PostgresOnly, GinIndex):
    """A GIN index on PostgreSQL, none elsewhere (PostgresOnly)."""


def search_indexes(prefix: str) -> list[models.Index]:
    """A public record's search indexes (PostgreSQL only, partnerships.search): GIN on
    ``search_vector`` (whole words) and trigram GIN (``pg_trgm``, the extension migration
    0001 creates first) on ``UPPER(search_text)``, the expression ``search_text__icontains``
    compares, so that the planner can use it for text inside words. ``prefix``: the first
    12 letters of the model's name, the names the indexes have always had."""
    return [
        PostgresOnlyGinIndex(fields=["search_vector"], name=f"{prefix}_search_vec"),
        PostgresOnlyGinIndex(
            OpClass(Upper("search_text"), name="gin_trgm_ops"), name=f"{prefix}_search_trgm"
        ),
    ]


SLUG_PLACEHOLDER = "__slug__"


@functools.lru_cache(maxsize=128)
def _slug_url_pattern(name: str, script_prefix: str) -> str:
    return reverse(name, args=[SLUG_PLACEHOLDER])


def slug_url(name: str, slug: str) -> str:
    """reverse(name, args=[slug]) for a URL whose one argument is a slug.

    The URL is reversed once per name (and script prefix) and the slug put in its place:
    reverse() took about 30 µs, and a list page links each of its rows. A slug needs no
    quoting in a path (letters, digits, "-" and "_"); an empty one goes to reverse(), which
    refuses it."""
    if not slug:
        return reverse(name, args=[slug])
    return _slug_url_pattern(name, get_script_prefix()).replace(SLUG_PLACEHOLDER, slug, 1)


def related_str(obj, field: str) -> str:
    """str() of a related record, or a mark when it has been deleted since (an old version
    read from history can point to a record that no longer exists)."""
    if getattr(obj, f"{field}_id") is None:
        return "?"
    try:
        return str(getattr(obj, field))
    except ObjectDoesNotExist:
        return gettext("(deleted)")


class StaleRecordError(Exception):
    """Someone else saved this record after it was loaded: saving would overwrite their work."""


class Publication(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class RecordQuerySet(models.QuerySet):
    def published(self):
        return self.filter(publication=Publication.PUBLISHED)

    def search(self, text: str):
        """Records whose names or descriptions match ``text``.

        PostgreSQL: full-text match on the stored ``search_vector`` (GIN index) or a
        substring match served by a trigram index. SQLite: case-insensitive substring.
        """
        from .search import search_queryset

        return search_queryset(self, text)


class Versioned(models.Model):
    """Optimistic locking: a save based on an older version than the stored one is refused.

    Every record and every row edited inside a record (citations, other names, speeches,
    memberships, events) has it, so neither the record's form, its inline rows, nor a row's
    own page can overwrite a save made in the meantime."""

    version = models.PositiveIntegerField(
        _("version"),
        default=1,
        db_default=1,
        editable=False,
        help_text=_("Goes up by one at every save; a save based on an older version is refused."),
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "version"}
        if self._state.adding or self.pk is None or kwargs.get("force_insert"):
            super().save(*args, **kwargs)
            return
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using):
            bumped = (
                type(self)
                ._base_manager.using(using)
                .filter(pk=self.pk, version=self.version)
                .update(version=models.F("version") + 1)
            )
            if not bumped:
                raise StaleRecordError(
                    gettext(
                        "%(record)s was changed by someone else after you opened it; "
                        "your save was refused so that their change is not lost."
                    )
                    % {"record": self}
                )
            self.version += 1
            super().save(*args, **kwargs)


class Record(Versioned):
    """Fields every public record shares."""

    publication = models.CharField(
        _("publication"),
        max_length=10,
        choices=Publication,
        default=Publication.DRAFT,
        db_index=True,
        help_text=_("Only published records appear on the public site."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    is_synthetic = models.BooleanField(
        _("synthetic"),
        default=False,
        db_index=True,
        editable=False,
        help_text=_("Generated test data (generate_synthetic), never a sourced record."),
    )
    search_text = models.TextField(
        _("search text"),
        blank=True,
        editable=False,
        help_text=_(
            "Names, other names and descriptions in one column, for search; kept by save()."
        ),
    )
    # PostgreSQL: to_tsvector('simple', search_text), set by a trigger on every insert and on
    # every update that changes search_text (migration 0002), GIN-indexed for search
    # (search_indexes).
    # Django never writes it a value; on SQLite it stays empty.
    search_vector = SearchVectorField(null=True, editable=False)
    citations = GenericRelation("partnerships.Citation")
    history = HistoricalRecords(
        inherit=True,
        excluded_fields=[
            "search_text",
            "search_vector",
            "updated_at",
        ],
    )

    objects = RecordQuerySet.as_manager()

    def _get_FIELD_display(self, field):
        """get_<field>_display(): the label of the value, translated once. Django's own
        hashes every choice's lazy label to find it, which translates them all: a list page
        of 25 partnerships made 300 translation lookups for its levels and statuses."""
        labels = field.__dict__.get("_labels_by_value")
        if labels is None:
            labels = field.__dict__["_labels_by_value"] = dict(field.flatchoices)
        value = getattr(self, field.attname)
        try:
            label = labels.get(value, value)
        except TypeError:  # an unhashable value: Django's way
            return super()._get_FIELD_display(field)
        # The translated label, kept per language: the same few labels on every row.
        translated = field.__dict__.setdefault("_translated_labels", {})
        key = (get_language(), value)
        if key not in translated:
            translated[key] = force_str(label, strings_only=True)
        return translated[key]

    class Meta:
        abstract = True

    @property
    def is_published(self) -> bool:
        return self.publication == Publication.PUBLISHED

    def search_parts(self) -> list[str]:
        return [str(self)]

    def slug_text(self) -> str:
        """What the slug is made from when none is given (the English name)."""
        return getattr(self, "name", "") or ""

    def ensure_slug(self) -> None:
        if hasattr(self, "slug") and not self.slug:
            text = self.slug_text()
            if text:
                self.slug = unique_slug(self, text, self._meta.get_field("slug").max_length)

    def full_clean(self, *args, **kwargs):
        self.ensure_slug()
        super().full_clean(*args, **kwargs)

    # The fields a slug is made from (slug_text()).
    slug_sources: tuple[str, ...] = ("name",)

    def validate_constraints(self, exclude=None):
        """A slug that could not be made (its name missing or refused) is said in words: the
        rule "<model>_slug_not_empty" would otherwise answer by its internal name."""
        if not hasattr(self, "slug") or self.slug:
            return super().validate_constraints(exclude=exclude)
        exclude = {*(exclude or ()), "slug"}
        errors = {}
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if not exclude.intersection(self.slug_sources):  # else that field has its own error
            errors.setdefault("slug", []).append(
                gettext("No slug could be made: give the name (or a slug).")
            )
        if errors:
            raise ValidationError(errors)
        return None

    def compute_search_text(self) -> str:
        return searchable_text(self.search_parts())

    def refresh_search_text(self) -> None:
        """Recompute the search column after related names changed (no save signals, no history)."""
        text = self.compute_search_text()
        if text != self.search_text:
            self.search_text = text
            type(self)._default_manager.filter(pk=self.pk).update(search_text=text)

    def save(self, *args, **kwargs):
        self.ensure_slug()
        self.search_text = self.compute_search_text()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)


def slug_base(text: str, max_length: int = 120) -> str:
    """``text`` as a slug in Latin letters: a name given only in Chinese, Japanese or Cyrillic
    script is transliterated (anyascii: "Иван Петров" → "ivan-petrov", "李明" → "liming")
    rather than left with no slug; "" when nothing is left."""
    if not text.isascii():
        text = anyascii(text)
    return slugify(text)[:max_length].strip("-")


def unique_slug(instance, text: str, max_length: int = 120) -> str:
    """A slug from ``text`` that no other row of the instance's model uses."""
    base = slug_base(text, max_length) or "record"
    slug, n = base, 2
    model = type(instance)
    while model._default_manager.filter(slug=slug).exclude(pk=instance.pk).exists():
        suffix = f"-{n}"
        slug = f"{base[: max_length - len(suffix)]}{suffix}"
        n += 1
    return slug


def partial_date_fields(verbose: str):
    """The six columns of a partial date (see dates.py)."""
    return (
        models.DateField(
            _("%(what)s (first day of the known period)") % {"what": verbose},
            null=True,
            blank=True,
            help_text=_(
                "If only the month or year is known, the first day of it; set the precision. "
                "If the source gives no year, use year 0001 (it is never shown)."
            ),
        ),
        models.CharField(
            _("precision"), max_length=10, choices=DatePrecision, default=DatePrecision.DAY
        ),
        models.DateField(
            _("not after"),
            null=True,
            blank=True,
            help_text=_("Latest possible date, when the source only says 'recently' or 'before'."),
        ),
        models.BooleanField(
            _("year inferred"),
            default=False,
            help_text=_("The source does not print the year; it is inferred from context."),
        ),
        models.CharField(
            _("how the year was inferred"),
            max_length=200,
            blank=True,
            help_text=_("E.g. 'from the page's date', 'from the address (URL)'."),
        ),
        models.CharField(
            _("as the source words it"),
            max_length=100,
            blank=True,
            help_text=_(
                "Words of time the date fields cannot hold, e.g. 'summer', 'final week of "
                "September', 'the 2006–07 school year', 'recently'."
            ),
        ),
    )


# --------------------------------------------------------------------------- regions

ISO_3166_1 = re.compile(r"^[A-Z]{2}$")
ISO_3166_2 = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")


class RegionKind(models.TextChoices):
    COUNTRY = "country", _("Country")
    SAR = "sar", _("Special administrative region")
    PROVINCE = "province", _("Province or state")
    CITY = "city", _("Prefecture or city")
    DISTRICT = "district", _("District or county")
    # Northeast China, Siberia, the Russian Far East: named by sources, spanning provinces,
    # part of one country (the provinces stay under the country).
    AREA = "area", _("Area of a country spanning provinces")
    GROUP = "group", _("Group of countries")


# A group of countries (ASEAN) is a set of countries, not a place on the map: nothing lies in
# it, is held in it or is part of it. The fields that place a record offer every other region.
NOT_A_GROUP = ~models.Q(kind="group")
# A group's members: countries and special administrative regions.
COUNTRIES = models.Q(kind__in=["country", "sar"])
COUNTRIES_AND_GROUPS = models.Q(kind__in=["country", "sar", "group"])


def side_field() -> models.ForeignKey:
    """The country (or group of countries) a person or body acted for at an event, when the
    source says ("signed for the Russian side")."""
    return models.ForeignKey(
        "Region",
        verbose_name=_("for the side of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to=COUNTRIES_AND_GROUPS,
        help_text=_(
            "When the source says for which country, or group of countries, they acted: "
            "'signed for the Russian side', 'spoke for the Arab side'."
        ),
    )


class RegionQuerySet(RecordQuerySet):
    def descendants_of(self, region, include_self=True):
        qs = self.filter(path__startswith=region.path)
        return qs if include_self else qs.exclude(pk=region.pk)


class Region(Record):
    """A place in a hierarchy: country > province/state > prefecture/city; or a named group
    of countries (ASEAN), outside the hierarchy, with its member countries."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=120, unique=True, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=RegionKind)
    iso_code = models.CharField(
        _("ISO 3166 code"),
        max_length=6,
        blank=True,
        help_text=_("ISO 3166-1 alpha-2 (CN, CA) or ISO 3166-2 (CN-JS), where one exists."),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        limit_choices_to=NOT_A_GROUP,
    )
    path = models.CharField(
        _("path"),
        max_length=255,
        editable=False,
        db_index=True,
        help_text=_("Ids from the top of the hierarchy, e.g. /1/4/9/; kept by save()."),
    )
    depth = models.PositiveSmallIntegerField(_("depth"), default=0, editable=False)
    members = models.ManyToManyField(
        "self",
        verbose_name=_("member countries"),
        symmetrical=False,
        blank=True,
        related_name="groups",
        limit_choices_to=COUNTRIES,
        help_text=_(
            "For a group of countries (e.g. ASEAN) only: the countries the sources name as its "
            "members. A record that names the group is found under the group, not under each "
            "member."
        ),
    )

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        permissions = [("publish_region", "Can publish and unpublish regions")]
        ordering = ["path"]
        indexes = search_indexes("region")
        constraints = [
            models.UniqueConstraint(
                fields=["iso_code"],
                condition=~models.Q(iso_code=""),
                name="region_iso_code_unique",
            ),
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("pk")),
                name="region_not_its_own_parent",
                violation_error_message=_("A region cannot be part of itself."),
            ),
            models.CheckConstraint(condition=~models.Q(slug=""), name="region_slug_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return slug_url("region-detail", self.slug)

    def search_parts(self) -> list[str]:
        names = [alias.name for alias in self.other_names.all()] if self.pk else []
        return [self.name, *names, self.iso_code]

    @property
    def is_group(self) -> bool:
        return self.kind == RegionKind.GROUP

    def published_members(self):
        """A group's published member countries, by name (one query)."""
        return self.members.published().order_by("name")

    def published_groups(self):
        """The published groups of countries this country belongs to, by name (one query)."""
        return self.groups.published().order_by("name")

    def province(self) -> Region | None:
        """The province or state this region is, or is in."""
        if self.kind == RegionKind.PROVINCE:
            return self
        for ancestor in reversed(self.ancestors()):
            if ancestor.kind == RegionKind.PROVINCE:
                return ancestor
        return None

    def ancestors(self) -> list[Region]:
        """From the top of the hierarchy down to the parent (one query)."""
        ids = [int(part) for part in self.path.strip("/").split("/")[:-1] if part]
        by_id = Region.objects.in_bulk(ids)
        return [by_id[i] for i in ids if i in by_id]

    def country(self) -> Region | None:
        """The country or special administrative region this region belongs to."""
        if self.kind in (RegionKind.COUNTRY, RegionKind.SAR):
            return self
        for ancestor in reversed(self.ancestors()):
            if ancestor.kind in (RegionKind.COUNTRY, RegionKind.SAR):
                return ancestor
        return None

    def clean(self):
        errors = {}
        code = self.iso_code = (self.iso_code or "").strip().upper()
        if self.kind == RegionKind.GROUP:
            if code:
                errors["iso_code"] = gettext("A group of countries has no ISO 3166 code.")
            if self.parent_id:
                errors["parent"] = gettext("A group of countries is not part of another region.")
        elif self.parent_id and self.parent.kind == RegionKind.GROUP:
            errors["parent"] = gettext(
                "A region is not part of a group of countries: give the country it is in (the "
                "group lists its member countries)."
            )
        if code and self.kind != RegionKind.GROUP:
            if self.kind in (RegionKind.COUNTRY, RegionKind.SAR):
                if not ISO_3166_1.match(code):
                    errors["iso_code"] = gettext(
                        "A country's ISO 3166-1 code is two capital letters, such as CN or CA."
                    )
            elif not ISO_3166_2.match(code):
                errors["iso_code"] = gettext(
                    "A subdivision's ISO 3166-2 code is the country code, a hyphen and up to "
                    "three letters or digits, such as CN-JS."
                )
            elif self.parent_id:
                country = self.parent.country()
                if country and country.iso_code and not code.startswith(country.iso_code + "-"):
                    errors["iso_code"] = gettext(
                        "This ISO 3166-2 code does not start with %(code)s, the code of the "
                        "country it is in."
                    ) % {"code": country.iso_code}
        if self.parent_id and "parent" not in errors:
            if self.pk and self.parent_id == self.pk:
                errors["parent"] = gettext("A region cannot be part of itself.")
            elif self.pk and f"/{self.pk}/" in self.parent.path:
                errors["parent"] = gettext(
                    "%(parent)s is inside %(region)s, so %(region)s cannot be part of it: "
                    "that would make a loop."
                ) % {"parent": self.parent, "region": self}
        if self.kind == RegionKind.COUNTRY and self.parent_id:
            errors.setdefault("parent", gettext("A country is not part of another region."))
        if (
            self.kind == RegionKind.AREA
            and self.parent_id
            and self.parent.kind not in (RegionKind.COUNTRY, RegionKind.SAR)
        ):
            errors.setdefault(
                "parent",
                gettext(
                    "An area spanning provinces (Northeast China, Siberia) is part of a "
                    "country: give the country."
                ),
            )
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        if self.parent_id and self.pk and f"/{self.pk}/" in (self.parent.path or ""):
            raise ValidationError(gettext("A region cannot be inside one of its own sub-regions."))
        if self.pk is None:
            super().save(*args, **kwargs)  # the key is part of the path
            self.path = f"{self.parent.path if self.parent_id else '/'}{self.pk}/"
            self.depth = self.path.count("/") - 2
            Region.objects.filter(pk=self.pk).update(path=self.path, depth=self.depth)
            return
        # A region that moves takes its subtree along, before it is saved: what follows its
        # save (signals.region_saved) then sees every path where it now is.
        old_path = self.path
        new_path = f"{self.parent.path if self.parent_id else '/'}{self.pk}/"
        if new_path != old_path:
            if old_path:
                for child in Region.objects.filter(path__startswith=old_path).exclude(pk=self.pk):
                    child.path = new_path + child.path[len(old_path) :]
                    child.depth = child.path.count("/") - 2
                    Region.objects.filter(pk=child.pk).update(path=child.path, depth=child.depth)
            self.path = new_path
            self.depth = new_path.count("/") - 2
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "path", "depth"}
        super().save(*args, **kwargs)


class RegionName(Versioned):
    """Another name a region is known by: in another script (江苏), another language, or a
    spelling a source uses (a misspelling included, with a note saying so). A search finds
    the region, and every record its filter finds, by it as by the region's own name."""

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="other_names")
    name = models.CharField(_("name"), max_length=200)
    language = models.CharField(
        _("language or script"), max_length=35, blank=True, help_text=_("E.g. zh, ru, en.")
    )
    note = models.CharField(
        _("note"),
        max_length=300,
        blank=True,
        help_text=_("E.g. 'misspelling on the agreement page', 'Chinese short name'."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("other name")
        verbose_name_plural = _("other names")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "name"],
                name="region_name_unique",
                violation_error_message=_("This region already has this other name."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


def path_ids(path: str) -> list[int]:
    """The region keys of a path (/1/4/9/ -> [1, 4, 9]): a region and its ancestors."""
    return [int(part) for part in (path or "").strip("/").split("/") if part]


def published_region_names(ids) -> dict[int, str]:
    """Key -> names of the published regions among ``ids``: the name, then its other names
    (RegionName), as one text for search (one query)."""
    ids = set(ids)
    if not ids:
        return {}
    rows = (
        Region.objects.filter(pk__in=ids, publication=Publication.PUBLISHED)
        .values_list("pk", "name", "other_names__name")
        .order_by("pk", "other_names__name")
    )
    names: dict[int, list[str]] = {}
    for pk, name, other in rows:
        names.setdefault(pk, [name])
        if other:
            names[pk].append(other)
    return {pk: " ".join(found) for pk, found in names.items()}


def place_names(paths, names: dict[int, str] | None = None) -> list[str]:
    """The names of the published regions on ``paths`` (each a region's path: its ancestors
    from the top down, then itself), each region once, in the order first met, each with its
    other names. Search text holds them so that a search for a place, by any of its names,
    finds what the place's facet or filter finds.
    ``names``: key -> name of published regions, when already read (batch refresh)."""
    ids: list[int] = []
    seen: set[int] = set()
    for path in paths:
        for pk in path_ids(path):
            if pk not in seen:
                seen.add(pk)
                ids.append(pk)
    if names is None:
        names = published_region_names(ids)
    return [names[pk] for pk in ids if pk in names]


def _place_names_of(record, paths) -> list[str]:
    """place_names() with the names a batch refresh read for ``record`` (_region_names)."""
    return place_names(paths, getattr(record, "_region_names", None))


# --------------------------------------------------------------------------- sources


class SourceDateKind(models.TextChoices):
    PUBLISHED = "published", _("Published")
    UPDATED = "updated", _("Updated")
    POSTED = "posted", _("Posted")
    ADDRESS = "address", _("From the page's address (URL)")
    COPYRIGHT = "copyright", _("Copyright year only")


class SourceReliability(models.TextChoices):
    ORIGINAL = "original", _("Original publication")
    OFFICIAL = "official", _("Official page of a party")
    REPUBLICATION = "republication", _("Republication by another outlet")
    TRANSLATION = "translation", _("Translation")
    MIRROR = "mirror", _("Mirror or aggregator")
    MACHINE = "machine", _("Machine translation")


class Source(Record):
    """A published document that records cite."""

    title = models.CharField(_("title"), max_length=500)
    outlet = models.CharField(_("outlet"), max_length=200, help_text=_("Where we read it."))
    original_outlet = models.CharField(
        _("original outlet"),
        max_length=200,
        blank=True,
        help_text=_("Who first published it, if the outlet republished it."),
    )
    url = models.URLField(
        _("URL"), max_length=500, blank=True, help_text=_("Leave blank if the address is unknown.")
    )
    site = models.CharField(
        _("site"),
        max_length=200,
        blank=True,
        help_text=_("The web site named in the document, when its full address is not given."),
    )
    authors = models.CharField(
        _("authors or reporters"),
        max_length=300,
        blank=True,
        help_text=_("As the page names them, separated by commas."),
    )
    editors = models.CharField(
        _("editors or reviewers"),
        max_length=300,
        blank=True,
        help_text=_(
            "As the page names them (编辑, 审核, 'edited by'), separated by commas, each with "
            "the role the page gives: 'reviewed by Wang Li'."
        ),
    )
    published_on = models.DateField(_("date"), null=True, blank=True)
    published_precision = models.CharField(
        _("date precision"), max_length=10, choices=DatePrecision, default=DatePrecision.DAY
    )
    # A page that prints a day and month and gives its year only elsewhere (its address):
    # the year columns every partial date has.
    published_year_inferred, published_year_basis = partial_date_fields(_("date"))[3:5]
    date_kind = models.CharField(
        _("what the date is"),
        max_length=10,
        choices=SourceDateKind,
        default=SourceDateKind.PUBLISHED,
        help_text=_("As the page labels it: published, updated, posted, or only in its address."),
    )
    original_on = models.DateField(
        _("date of the original"),
        null=True,
        blank=True,
        help_text=_(
            "When the page gives the date the original outlet published the text ('Source: "
            "Foreign Office, published 2017-11-06'), beside its own date."
        ),
    )
    original_precision = models.CharField(
        _("precision"), max_length=10, choices=DatePrecision, default=DatePrecision.DAY
    )
    dateline = models.CharField(_("dateline"), max_length=200, blank=True)
    language = models.CharField(
        _("language"), max_length=35, default="en", help_text=_("BCP 47 code, e.g. en, zh, ru.")
    )
    is_translation = models.BooleanField(_("is a translation"), default=False)
    original_language = models.CharField(
        _("language of the original"),
        max_length=35,
        blank=True,
        help_text=_("For a translation: the BCP 47 code of the text it was translated from."),
    )
    via = models.CharField(
        _("reached this outlet through"),
        max_length=300,
        blank=True,
        help_text=_(
            "Outlets between the original and this one, in order, separated by ' → ' "
            "(e.g. a foreign-language edition the text passed through)."
        ),
    )
    mirror_of = models.ForeignKey(
        "self",
        verbose_name=_("reposts or mirrors"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mirrors",
        help_text=_("The source this page copies, when we hold it too."),
    )
    reliability = models.CharField(
        _("kind of page"),
        max_length=15,
        choices=SourceReliability,
        default=SourceReliability.ORIGINAL,
    )
    reliability_note = models.CharField(
        _("how far to trust it"),
        max_length=300,
        blank=True,
        help_text=_("E.g. 'unidentified aggregator; outlet not named'."),
    )
    summary = models.TextField(_("summary"), help_text=_("In our own words; never pasted text."))
    paragraph_count = models.PositiveSmallIntegerField(
        _("number of paragraphs"),
        null=True,
        blank=True,
        help_text=_("Blocks of text separated by blank lines, counted from the top."),
    )
    archived_copy = models.CharField(
        _("archived copy"),
        max_length=200,
        blank=True,
        help_text=_("Where our copy of the text is kept, e.g. shared/seeds/…"),
    )

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        permissions = [("publish_source", "Can publish and unpublish sources")]
        ordering = [newest_first("published_on"), "title"]
        indexes = search_indexes("source")
        constraints = [
            # One source per page read: a page (an address) is recorded once; the same
            # article at a second address is a second source (a republication). Without an
            # address, the title and outlet tell one from another.
            models.UniqueConstraint(
                fields=["url"],
                condition=~models.Q(url=""),
                name="source_url_unique",
                violation_error_message=_("A source with this address is recorded already."),
            ),
            models.UniqueConstraint(
                fields=["title", "outlet"],
                condition=models.Q(url=""),
                name="source_title_outlet_unique",
                violation_error_message=_(
                    "A source with this title and outlet and no address is recorded already."
                ),
            ),
            models.CheckConstraint(
                condition=~models.Q(mirror_of=models.F("pk")), name="source_not_its_own_mirror"
            ),
        ]

    def __str__(self) -> str:
        date = str(self.date) if self.published_on else gettext("undated")
        return f"{self.title} ({self.outlet}, {date})"

    @property
    def date(self) -> PartialDate:
        return PartialDate(
            self.published_on,
            self.published_precision,
            None,
            self.published_year_inferred,
            self.published_year_basis,
        )

    @property
    def original_date(self) -> PartialDate:
        return PartialDate(self.original_on, self.original_precision)

    def clean(self):
        errors = {}
        if self.pk and self.mirror_of_id == self.pk:
            errors["mirror_of"] = gettext("A source cannot be a copy of itself.")
        for prefix, label in (("published", gettext("Date")), ("original", gettext("Original"))):
            on, precision = getattr(self, f"{prefix}_on"), getattr(self, f"{prefix}_precision")
            inferred = getattr(self, f"{prefix}_year_inferred", False)
            basis = getattr(self, f"{prefix}_year_basis", "")
            if (on and precision != DatePrecision.DAY) or inferred or basis:
                problems = partial_date_errors(on, precision, None, label, inferred, basis)
                for key in ("on", "year_inferred", "year_basis"):
                    if key in problems:
                        errors[f"{prefix}_{key}"] = problems[key]
        if errors:
            raise ValidationError(errors)

    def get_absolute_url(self) -> str:
        return reverse("source-detail", args=[self.pk])

    def search_parts(self) -> list[str]:
        return [
            self.title,
            self.outlet,
            self.original_outlet,
            self.authors,
            self.editors,
            self.summary,
        ]


class Citation(Versioned):
    """A record is supported by a paragraph of a source."""

    source = models.ForeignKey(
        Source, verbose_name=_("source"), on_delete=models.PROTECT, related_name="citations_made"
    )
    paragraph = models.PositiveSmallIntegerField(
        _("paragraph"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    section = models.CharField(
        _("section"),
        max_length=200,
        blank=True,
        help_text=_(
            "Where on the page, when its paragraphs are not numbered (e.g. 'History', "
            "'list of dates')."
        ),
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    note = models.CharField(
        _("what it supports"),
        max_length=300,
        blank=True,
        help_text=_("Which fact this paragraph supports, in our words."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("citation")
        verbose_name_plural = _("citations")
        ordering = ["source_id", "paragraph", "section"]
        indexes = [models.Index(fields=["content_type", "object_id"])]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "source", "paragraph", "section"],
                name="citation_unique_per_record",
            ),
            models.CheckConstraint(
                condition=models.Q(paragraph__isnull=True) | models.Q(paragraph__gte=1),
                name="citation_paragraph_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(paragraph__isnull=False) | ~models.Q(section=""),
                name="citation_paragraph_or_section",
                violation_error_message=_("Give the paragraph or the section cited."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source.title}, {self.locator}"

    @property
    def locator(self) -> str:
        """Where in the source: "paragraph 6", "section “History”", or both."""
        parts = []
        if self.section:
            parts.append(gettext("section “%(name)s”") % {"name": self.section})
        if self.paragraph:
            parts.append(gettext("paragraph %(n)s") % {"n": self.paragraph})
        return ", ".join(parts)

    def clean(self):
        if self.paragraph is None and not self.section:
            raise ValidationError(
                {"paragraph": gettext("Give the paragraph or the section cited.")}
            )
        if (
            self.source_id
            and self.paragraph
            and self.source.paragraph_count
            and self.paragraph > self.source.paragraph_count
        ):
            raise ValidationError(
                {
                    "paragraph": gettext(
                        "This source has %(count)s paragraphs; paragraph %(n)s does not exist."
                    )
                    % {"count": self.source.paragraph_count, "n": self.paragraph}
                }
            )


# --------------------------------------------------------------------------- organizations


class OrganizationKind(models.TextChoices):
    SCHOOL = "school", _("School")
    SPECIAL_SCHOOL = "special_school", _("Special-education school")
    UNIVERSITY = "university", _("University or college")
    VOCATIONAL = "vocational", _("Vocational college or training centre")
    JOINT_INSTITUTE = "joint_institute", _("Joint institute or joint college")
    AUTHORITY = "authority", _("Education authority")
    SCHOOL_BOARD = "school_board", _("School board")
    GOVERNMENT = "government", _("Government")
    NETWORK = "network", _("Network or association")
    INTERGOVERNMENTAL = "intergovernmental", _("Intergovernmental organization")
    MINISTRY = "ministry", _("Ministry or national agency")
    DIPLOMATIC = "diplomatic", _("Embassy or consulate")
    RESEARCH = "research", _("Research institute")
    ENTERPRISE = "enterprise", _("Enterprise")
    CHAMBER = "chamber", _("Chamber of commerce")
    BROADCASTER = "broadcaster", _("Broadcaster")
    MEDIA = "media", _("News media")
    FOUNDATION = "foundation", _("Foundation or charity")
    CULTURAL = "cultural", _("Cultural or language institute")
    OTHER = "other", _("Other")


# How a figure names organizations of a kind ("40 universities"), plural and lower case.
KIND_PLURALS = {
    "school": _("schools"),
    "special_school": _("special-education schools"),
    "university": _("universities and colleges"),
    "authority": _("education authorities"),
    "school_board": _("school boards"),
    "government": _("governments"),
    "network": _("networks and associations"),
    "intergovernmental": _("intergovernmental organizations"),
    "ministry": _("ministries and national agencies"),
    "diplomatic": _("embassies and consulates"),
    "research": _("research institutes"),
    "enterprise": _("enterprises"),
    "chamber": _("chambers of commerce"),
    "broadcaster": _("broadcasters"),
    "media": _("news media"),
    "foundation": _("foundations and charities"),
    "cultural": _("cultural and language institutes"),
    "vocational": _("vocational colleges and training centres"),
    "joint_institute": _("joint institutes and joint colleges"),
    "other": _("other organizations"),
}


class Ownership(models.TextChoices):
    PUBLIC = "public", _("Public or state")
    PRIVATE = "private", _("Private")


class Organization(Record):
    """A school, university, education authority, school board, government or network."""

    name = models.CharField(_("name"), max_length=300, blank=True)
    name_not_given = models.BooleanField(
        _("the source gives no name"),
        default=False,
        help_text=_(
            "Tick when the source describes it without naming it ('our school'); leave the "
            "name empty: it reads as its kind and place, e.g. 'School in Changzhou (name not "
            "given)', and follows them when they change."
        ),
    )
    several = models.BooleanField(
        _("stands for several"),
        default=False,
        help_text=_(
            "With 'the source gives no name': several organizations the source names only "
            "together ('the main universities of Kazakhstan helped'). It reads 'Universities "
            "and colleges in Kazakhstan (names not given)'; a number the source gives goes in "
            "the figures."
        ),
    )
    slug = models.SlugField(_("slug"), max_length=120, unique=True, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganizationKind)
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organizations",
        limit_choices_to=NOT_A_GROUP,
    )
    country = models.ForeignKey(
        Region,
        verbose_name=_("country"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Country (or special administrative region) of the region; kept by save()."),
    )
    province = models.ForeignKey(
        Region,
        verbose_name=_("province or state"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Province or state of the region; kept by save()."),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="units",
        help_text=_("For a department inside a larger body."),
    )
    founded_year = year_field(_("founded (year)"), _("The year a source gives for its founding."))
    founded_by = models.CharField(
        _("founded by"),
        max_length=300,
        blank=True,
        help_text=_(
            "Who founded it and how, as the source says: 'by decree of the President of "
            "Belarus', 'by the two universities'."
        ),
    )
    ownership = models.CharField(
        _("public or private"),
        max_length=10,
        choices=Ownership,
        blank=True,
        help_text=_("Leave empty when the sources do not say."),
    )
    supervised_by = models.ForeignKey(
        "self",
        verbose_name=_("supervised by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervises",
        help_text=_(
            "The body it reports to, when the source says so ('directly under the Ministry of "
            "Education'); not the body it is part of."
        ),
    )
    website = models.URLField(_("website"), blank=True)
    aims = models.TextField(
        _("aims or tasks"),
        blank=True,
        help_text=_(
            "What it is for, as the sources say, one per line in our own words (a joint "
            "institute's or centre's tasks: 'teaching Chinese', 'holding HSK examinations')."
        ),
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        permissions = [("publish_organization", "Can publish and unpublish organizations")]
        ordering = ["name"]
        # The public list's first page: published organizations by name, without a sort of
        # every row (100,000 organizations next to a million partnerships).
        indexes = [
            models.Index(fields=["publication", "name"], name="org_publication_name"),
            *search_indexes("organization"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("pk")),
                name="organization_not_its_own_parent",
            ),
            models.CheckConstraint(
                condition=~models.Q(slug=""), name="organization_slug_not_empty"
            ),
            # A source that names no organization: save() writes its kind and place instead.
            models.CheckConstraint(
                condition=~models.Q(name=""), name="organization_name_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return slug_url("organization-detail", self.slug)

    PARENT_LEVELS = 4

    def published_line(self) -> list[Organization]:
        """This organization and those it is part of, nearest first, while each is published
        (a draft's name shows nowhere public, nor anything above it): "Department of Russian
        Language", "Institute of European Languages", "Zhejiang Yuexiu University"."""
        line, org = [], self
        while org is not None and org.is_published and len(line) <= self.PARENT_LEVELS:
            if org in line:
                break
            line.append(org)
            org = org.parent if org.parent_id else None
        return line

    UNNAMED = " (name not given)"
    UNNAMED_SEVERAL = " (names not given)"

    def described_name(self) -> str:
        """What an organization the source does not name is called: its kind and place;
        several of them, their kind in the plural."""
        with translation.override("en"):
            if self.several:
                kind = str(KIND_PLURALS.get(self.kind, "organizations")).capitalize()
            else:
                kind = str(OrganizationKind(self.kind).label) if self.kind else "Organization"
            place = self.region.name if self.region_id else ""
        unnamed = self.UNNAMED_SEVERAL if self.several else self.UNNAMED
        return f"{kind} in {place}{unnamed}" if place else f"{kind}{unnamed}"

    def has_described_name(self) -> bool:
        return self.name.endswith((self.UNNAMED, self.UNNAMED_SEVERAL))

    def name_from_description(self) -> None:
        if self.name_not_given and (not self.name or self.has_described_name()):
            self.name = self.described_name()

    def full_clean(self, *args, **kwargs):
        self.name_from_description()  # before the slug is made from it
        super().full_clean(*args, **kwargs)

    def clean(self):
        errors = {}
        if not self.name.strip():
            errors["name"] = gettext(
                "Give the name as the source gives it, or tick 'the source gives no name'."
            )
        elif self.name_not_given and not self.has_described_name():
            errors["name_not_given"] = gettext(
                "A name is given: untick 'the source gives no name', or leave the name empty."
            )
        if self.several and not self.name_not_given:
            errors["several"] = gettext(
                "'Stands for several' is for organizations the source does not name: tick 'the "
                "source gives no name' too, or enter each organization it names."
            )
        if self.pk and self.parent_id == self.pk:
            errors["parent"] = gettext("An organization cannot be part of itself.")
        if self.region_id and self.region.kind == RegionKind.GROUP:
            errors["region"] = gettext(
                "An organization is in a place, not in a group of countries: give its country "
                "or city."
            )
        if errors:
            raise ValidationError(errors)

    def search_parts(self) -> list[str]:
        names = [alias.name for alias in self.other_names.all()] if self.pk else []
        # The names of its place and the places above it (city, province, country).
        return [
            self.name,
            *names,
            self.aims,
            self.description,
            *_place_names_of(self, self.place_paths()),
        ]

    @property
    def aims_list(self) -> list[str]:
        return lines_of(self.aims)

    def place_paths(self) -> list[str]:
        return [self.region.path] if self.region_id else []

    def place_fields(self) -> dict:
        region = self.region
        return {
            "country": region.country() if region else None,
            "province": region.province() if region else None,
        }

    def save(self, *args, **kwargs):
        self.name_from_description()
        for field, value in self.place_fields().items():
            setattr(self, field, value)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "region" in update_fields:
            kwargs["update_fields"] = {*update_fields, "country", "province", "name"}
        super().save(*args, **kwargs)


class OrganizationName(Versioned):
    """Another name an organization is known by (a translation, an old name, an abbreviation)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="other_names"
    )
    name = models.CharField(_("name"), max_length=300)
    language = models.CharField(_("language"), max_length=35, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("other name")
        verbose_name_plural = _("other names")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="organization_name_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


# --------------------------------------------------------------------------- people


class Person(Record):
    """Someone a source names, or describes by position and organization without a name ("the
    principal of Uiwang High School"): then the name stays empty and the position says who."""

    name = models.CharField(
        _("name"),
        max_length=200,
        blank=True,
        help_text=_(
            "Leave empty when the source does not name the person; give their position and "
            "organization instead."
        ),
    )
    slug = models.SlugField(_("slug"), max_length=120, unique=True, blank=True)
    honorific = models.CharField(
        _("title, rank or honours"),
        max_length=100,
        blank=True,
        help_text=_(
            "As the source gives them with the name: 'Prof. Dr', 'Admiral', 'AO', or 'Ms' and "
            "'Mr' when the source writes them ('Ms. Tao': all it gives of her)."
        ),
    )
    position = models.CharField(
        _("position"), max_length=300, blank=True, help_text=_("As the source gives it.")
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="people",
    )
    country = models.ForeignKey(
        "Region",
        verbose_name=_("country"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to=COUNTRIES_AND_GROUPS,
        help_text=_(
            "The country the source ties the person to when their organization does not say "
            "it, or no organization is named: 'Tajikistan's ambassador'. The people list's "
            "region filter finds them under it."
        ),
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        permissions = [("publish_person", "Can publish and unpublish people")]
        ordering = ["name"]
        indexes = search_indexes("person")
        constraints = [
            models.CheckConstraint(condition=~models.Q(slug=""), name="person_slug_not_empty"),
            models.CheckConstraint(
                condition=~models.Q(name="") | ~models.Q(position=""),
                name="person_named_or_described",
                violation_error_message=_(
                    "Give the person's name or, when the source does not name them, their position."
                ),
            ),
        ]

    # An unnamed person's slug is made from the position and organization.
    slug_sources = ("name", "position")

    def __str__(self) -> str:
        if self.name:
            return self.name
        return gettext("%(who)s (name not given)") % {"who": ", ".join(self.described_as())}

    def slug_text(self) -> str:
        return self.name or " ".join(self.described_as())

    def described_as(self) -> list[str]:
        """Who an unnamed person is: their position and, when published, their organization
        (a draft's name shows nowhere public, a person's address included)."""
        org = self.organization if self.organization_id else None
        return [part for part in (self.position, org and org.is_published and org.name) if part]

    def get_absolute_url(self) -> str:
        return slug_url("person-detail", self.slug)

    def search_parts(self) -> list[str]:
        # A related record's name only while it is published: a search must not find
        # this person by the name of a draft organization (signals.py refreshes it).
        # A unit's person is found by the names of the bodies the unit is part of too.
        line = self.organization.published_line() if self.organization_id else []
        names = [alias.name for alias in self.other_names.all()] if self.pk else []
        # Other posts as the sources word them ("vice-president of the association").
        posts = [row.position for row in self.other_positions.all()] if self.pk else []
        return [self.name, *names, self.position, *(org.name for org in line), *posts]


def people_of_organizations(org_ids) -> models.QuerySet:
    """The people of these organizations and of their units, and units' units: their search
    text holds the names of the bodies above them (Person.search_parts), so it changes when
    one of those is renamed or published."""
    below = models.Q(organization__in=org_ids)
    for depth in range(1, Organization.PARENT_LEVELS + 1):
        below |= models.Q(**{"organization" + "__parent" * depth + "__in": org_ids})
    return Person.objects.filter(below).distinct()


class PersonName(Versioned):
    """Another form of a person's name: another script, another transliteration."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="other_names")
    name = models.CharField(_("name"), max_length=200)
    language = models.CharField(
        _("language or script"), max_length=35, blank=True, help_text=_("E.g. zh, ru, en.")
    )
    note = models.CharField(
        _("note"), max_length=300, blank=True, help_text=_("E.g. 'transliteration in source 2'.")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("other name")
        verbose_name_plural = _("other names")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["person", "name"], name="person_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class PersonPosition(Versioned):
    """Another position a person holds or held, beside the one on their record: a university
    president who is also vice-president of an association; a former post."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="other_positions")
    position = models.CharField(
        _("position"), max_length=300, help_text=_("As the source gives it.")
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    since_year = year_field(_("since (year)"), _("When a source gives it."))
    until_year = year_field(_("until (year)"), _("For a former post, when a source gives it."))
    former = models.BooleanField(
        _("former"), default=False, help_text=_("The source says the person no longer holds it.")
    )
    citations = GenericRelation("partnerships.Citation")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("other position")
        verbose_name_plural = _("other positions")
        ordering = ["person", "former", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(since_year__isnull=True)
                | models.Q(until_year__isnull=True)
                | models.Q(until_year__gte=models.F("since_year")),
                name="person_position_years_in_order",
                violation_error_message=_("The last year is before the first."),
            ),
        ]

    def __str__(self) -> str:
        return self.position

    @property
    def years_display(self) -> str:
        return years_text(self.since_year, self.until_year)

    def get_absolute_url(self) -> str:
        return self.person.get_absolute_url()


# --------------------------------------------------------------------------- conferences


class ConferenceSeries(Record):
    """A conference held repeatedly, e.g. once a year since 2005."""

    name = models.CharField(_("name"), max_length=300)
    slug = models.SlugField(_("slug"), max_length=120, unique=True, blank=True)
    other_names = models.TextField(
        _("other names"),
        blank=True,
        help_text=_("One per line, as sources and translations give them."),
    )
    first_held_year = models.PositiveSmallIntegerField(
        _("first held (year)"), null=True, blank=True
    )
    organizers = models.ManyToManyField(
        "Organization",
        verbose_name=_("organizers"),
        blank=True,
        related_name="series_organized",
        help_text=_("Who organizes or hosts the series as a whole, as the sources name them."),
    )
    frequency = models.CharField(
        _("how often"),
        max_length=100,
        blank=True,
        help_text=_("As the sources say, e.g. 'every year', 'every two years'."),
    )
    alliance = models.ForeignKey(
        "Alliance",
        verbose_name=_("meetings of alliance"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meeting_series",
        help_text=_("When the series is the meetings of an alliance."),
    )
    venue_region = models.ForeignKey(
        Region,
        verbose_name=_("permanent venue: city or area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="series_seated",
        limit_choices_to=NOT_A_GROUP,
        help_text=_("Only when the sources say the series has a permanent venue."),
    )
    venue = models.ForeignKey(
        Organization,
        verbose_name=_("permanent venue: place or organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="series_seated",
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("conference series")
        verbose_name_plural = _("conference series")
        permissions = [("publish_conferenceseries", "Can publish and unpublish conference series")]
        ordering = ["name"]
        indexes = search_indexes("conferencese")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return slug_url("series-detail", self.slug)

    def search_parts(self) -> list[str]:
        return [self.name, self.other_names, self.description]

    @property
    def other_names_list(self) -> list[str]:
        return lines_of(self.other_names)


(_held_on, _held_precision, _held_not_after, _held_inferred, _held_basis, _held_given) = (
    partial_date_fields(_("held"))
)


class EventKind(models.TextChoices):
    CONFERENCE = "conference", _("Conference, forum or meeting")
    CONTEST = "contest", _("Contest, competition or olympiad")
    CAMP = "camp", _("Camp or summer school")
    FESTIVAL = "festival", _("Festival")
    EXHIBITION = "exhibition", _("Exhibition, expo or fair")
    CEREMONY = "ceremony", _("Ceremony")


class EventFormat(models.TextChoices):
    UNKNOWN = "unknown", _("Not reported")
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online or by video link")
    HYBRID = "hybrid", _("In person and online")


class Conference(Record):
    name = models.CharField(_("name"), max_length=300)
    slug = models.SlugField(_("slug"), max_length=120, unique=True, blank=True)
    other_names = models.TextField(
        _("other names"),
        blank=True,
        help_text=_("One per line: other titles and translations the sources give it."),
    )
    kind = models.CharField(
        _("kind of event"),
        max_length=12,
        choices=EventKind,
        blank=True,
        help_text=_("As the source describes it; leave empty when it does not say."),
    )
    theme = models.CharField(_("theme"), max_length=500, blank=True)
    topics = models.TextField(
        _("topics discussed"),
        blank=True,
        help_text=_("One per line, in our words: the themes of its sessions or its agenda."),
    )
    programme = models.TextField(
        _("programme"),
        blank=True,
        help_text=_(
            "The parts of the event as the source names them, one per line: 'opening ceremony', "
            "'signing ceremony', 'keynote speeches', 'parallel forums', 'project negotiations'."
        ),
    )
    aims = models.TextField(
        _("aims"),
        blank=True,
        help_text=_("What it was meant to achieve, one per line, in our own words."),
    )
    part_of_occasion = models.CharField(
        _("held as part of"),
        max_length=300,
        blank=True,
        help_text=_(
            "A wider occasion the source names, e.g. 'the China-Russia Years of Science and "
            "Technology Innovation'. When the wider event is a conference we record, choose it "
            "in 'held within' instead."
        ),
    )
    held_within = models.ForeignKey(
        "self",
        verbose_name=_("held within (a wider event we record)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="held_within_it",
        help_text=_(
            "The conference this one took place inside: a rectors' forum held within a "
            "public forum, a presidents' forum on the afternoon of a fair. Both pages link "
            "to each other."
        ),
    )
    series = models.ForeignKey(
        ConferenceSeries,
        verbose_name=_("series"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="editions",
    )
    edition = models.PositiveIntegerField(
        _("edition number"), null=True, blank=True, help_text=_("18 for the 18th conference.")
    )
    held_on = _held_on
    held_precision = _held_precision
    held_not_after = _held_not_after
    held_year_inferred = _held_inferred
    held_year_basis = _held_basis
    held_as_given = _held_given
    ends_on = models.DateField(_("last day"), null=True, blank=True, help_text=_LAST_DATE_HELP)
    opening_on = models.DateField(
        _("opening ceremony"),
        null=True,
        blank=True,
        help_text=_("When the opening day is reported apart from the dates held."),
    )
    format = models.CharField(
        _("format"), max_length=10, choices=EventFormat, default=EventFormat.UNKNOWN
    )
    host_region = models.ForeignKey(
        Region,
        verbose_name=_("host city or region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="conferences_hosted",
        limit_choices_to=NOT_A_GROUP,
    )
    venue = models.ForeignKey(
        Organization,
        verbose_name=_("host or venue organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="conferences_hosted",
    )
    other_host_regions = models.ManyToManyField(
        Region,
        verbose_name=_("also held in"),
        blank=True,
        related_name="conferences_cohosted",
        limit_choices_to=NOT_A_GROUP,
        help_text=_("Other cities or regions where it was held at the same time."),
    )
    alliance = models.ForeignKey(
        "Alliance",
        verbose_name=_("meeting of alliance"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meetings",
        help_text=_("When this is a meeting of an alliance (held by it, not only attended)."),
    )
    organizers = models.ManyToManyField(
        Organization,
        verbose_name=_("organizers"),
        blank=True,
        related_name="conferences_organized",
        help_text=_(
            "Who organized or hosted it (主办), as the source says: a university that 'hosted' "
            "the forum goes here, and also as the venue if it was held there."
        ),
    )
    run_by = models.ManyToManyField(
        Organization,
        verbose_name=_("carried out by"),
        blank=True,
        related_name="conferences_run",
        help_text=_("Who ran it for the organizers (承办), when the source says so."),
    )
    co_organizers = models.ManyToManyField(
        Organization,
        verbose_name=_("co-organizers"),
        blank=True,
        related_name="conferences_co_organized",
        help_text=_("Who co-organized it (协办) or supported it, when the source says so."),
    )
    guided_by = models.ManyToManyField(
        Organization,
        verbose_name=_("under the guidance of"),
        blank=True,
        related_name="conferences_guided",
        help_text=_("A ministry or government the source says guided it (指导)."),
    )
    initiated_by = models.ManyToManyField(
        Organization,
        verbose_name=_("on the initiative of"),
        blank=True,
        related_name="conferences_initiated",
        help_text=_(
            "Who the source says proposed or initiated it ('held on the initiative of MSU and "
            "the University of Tehran'), when it does not say they organized it."
        ),
    )
    participating_regions = models.ManyToManyField(
        Region,
        verbose_name=_("countries and regions named as taking part"),
        blank=True,
        related_name="conferences_attended",
        help_text=_(
            "A group the sources name as such (e.g. ASEAN) may be given as the group; its "
            "members are then not counted as taking part unless named too."
        ),
    )
    partner_regions = models.ManyToManyField(
        Region,
        verbose_name=_("special partner or guest countries"),
        blank=True,
        related_name="conferences_partnered",
        help_text=_(
            "Countries the sources name as special partners or guests of honour of this "
            "edition. They count as taking part too."
        ),
    )
    more_regions_unnamed = models.BooleanField(
        _("other places took part that the sources do not name"),
        default=False,
        help_text=_(
            "Tick when a source names some of the countries, regions or cities taking part "
            "and says there were others ('Moscow, Kazan and other cities')."
        ),
    )
    more_people_unnamed = models.BooleanField(
        _("others took part whom the sources do not name"),
        default=False,
        help_text=_(
            "Tick when a source names only some of those taking part ('among them', "
            "'including'): the page then says the list of people is not complete."
        ),
    )
    summary = models.TextField(_("summary"), blank=True, help_text=_("In our own words."))

    class Meta:
        verbose_name = _("conference")
        verbose_name_plural = _("conferences")
        permissions = [("publish_conference", "Can publish and unpublish conferences")]
        ordering = [newest_first("held_on"), "name"]
        indexes = search_indexes("conference")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(edition__isnull=True) | models.Q(edition__gte=1),
                name="conference_edition_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(held_on__isnull=True)
                | models.Q(ends_on__gte=models.F("held_on")),
                name="conference_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["series", "edition"], name="conference_series_edition_unique"
            ),
            models.CheckConstraint(condition=~models.Q(slug=""), name="conference_slug_not_empty"),
            models.CheckConstraint(
                condition=~models.Q(held_within=models.F("pk")),
                name="conference_not_held_within_itself",
                violation_error_message=_("A conference cannot be held within itself."),
            ),
            *partial_date_constraints("held", "conference"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return slug_url("conference-detail", self.slug)

    def search_parts(self) -> list[str]:
        # The series' name only while the series is published (signals.py refreshes it).
        series = self.series if self.series_id else None
        speeches = rows_of(self, "speeches")
        return [
            self.name,
            self.other_names,
            self.theme,
            self.topics,
            self.programme,
            self.aims,
            self.part_of_occasion,
            series.name if series and series.is_published else "",
            self.summary,
            *_place_names_of(self, self.place_paths()),
            *document_titles_of(self),
            # The people at it (speakers, chairs, signatories...): signals.refresh_naming;
            # the groups named instead of people, and what each said or did, in our words.
            *person_names([row.person for row in speeches]),
            *(f"{row.group} {row.summary}" for row in speeches),
            # Where it was held and who organized it, while published ("Intellectual Center",
            # "Ministry of Education and Training"): signals.refresh_organization.
            *self.organization_names(),
        ]

    def organization_names(self) -> list[str]:
        """The names, other names included ("XJTU"), of the published organizations that
        held, ran or hosted it, that its people came from (a keynote by a university's
        president), that a row of its people stands for ("delegates" of a university), or
        that issued or signed its documents."""
        if not self.pk:
            return []
        published = Publication.PUBLISHED
        orgs = Organization.objects.published().filter(
            models.Q(pk=self.venue_id)
            | models.Q(conferences_organized=self)
            | models.Q(conferences_run=self)
            | models.Q(conferences_co_organized=self)
            | models.Q(conferences_initiated=self)
            | models.Q(speeches__conference=self)
            | models.Q(people__speeches__conference=self, people__publication=published)
            | models.Q(conferencedocument_issued__conference=self)
        )
        names = set(orgs.values_list("name", flat=True))
        names |= set(
            OrganizationName.objects.filter(organization__in=orgs.values("pk")).values_list(
                "name", flat=True
            )
        )
        return sorted(names)

    def place_paths(self) -> list[str]:
        """The paths of the places the region filter counts (conference_place_q): the host
        region first, then the places also hosting it, taking part or partners, by path."""
        host = [self.host_region.path] if self.host_region_id else []
        if not self.pk:
            return host
        throughs = (
            Conference.other_host_regions.through,
            Conference.participating_regions.through,
            Conference.partner_regions.through,
        )
        selects = [
            through.objects.filter(conference=self.pk).values_list("region__path").order_by()
            for through in throughs
        ]
        others = {path for (path,) in selects[0].union(*selects[1:])}
        return host + sorted(others)

    @property
    def other_names_list(self) -> list[str]:
        return lines_of(self.other_names)

    @property
    def topics_list(self) -> list[str]:
        return lines_of(self.topics)

    @property
    def programme_list(self) -> list[str]:
        return lines_of(self.programme)

    @property
    def aims_list(self) -> list[str]:
        return lines_of(self.aims)

    @property
    def held(self) -> PartialDate:
        return partial_date_of(self, "held")

    @property
    def dates_display(self) -> str:
        return self.held.through(self.ends_on)

    def clean(self):
        errors = partial_date_errors_of(self, "held", gettext("Held"))
        if self.edition is not None and self.edition < 1:
            errors["edition"] = gettext("The edition number starts at 1 (the 1st conference).")
        if last_error := last_date_error(self.held, self.ends_on):
            errors["ends_on"] = last_error
        if self.edition and not self.series_id:
            errors["series"] = gettext("An edition number needs the series it belongs to.")
        if self.held_within_id and self.held_within_id == self.pk:
            errors["held_within"] = gettext("A conference cannot be held within itself.")
        elif self.held_within_id and self.pk and self.held_within_id in self.events_within():
            errors["held_within"] = gettext(
                "That event is held within this one: it cannot also hold this one."
            )
        if errors:
            raise ValidationError(errors)

    def events_within(self) -> set[int]:
        """The keys of the conferences held within this one, at any depth, itself included."""
        found, level = {self.pk}, {self.pk}
        while level:
            level = set(
                Conference.objects.filter(held_within__in=level)
                .exclude(pk__in=found)
                .values_list("pk", flat=True)
            )
            found |= level
        return found


class EventRole(models.TextChoices):
    SPEAKER = "speaker", _("Spoke")
    CHAIR = "chair", _("Chaired")
    PRESIDING = "presiding", _("Presided")
    MODERATOR = "moderator", _("Moderated")
    SIGNATORY = "signatory", _("Signed")
    WITNESS = "witness", _("Witnessed the signing")
    DELEGATION_LEADER = "leader", _("Led a delegation")
    DELEGATE = "delegate", _("Member of a delegation")
    INTERPRETER = "interpreter", _("Interpreted")
    JUDGE = "judge", _("Judged (on the jury)")
    OFFICIATED = "officiated", _("Unveiled or launched")
    ATTENDEE = "attendee", _("Attended")
    # Told the press or was interviewed there: the source reports a statement, not that the
    # person spoke at the event or attended it.
    QUOTED = "quoted", _("Quoted (a statement the source reports)")
    RECEIVED = "received", _("Received or met the guests")
    # Sent a message of congratulations or greetings, read out or printed, without taking
    # part: not "spoke".
    MESSAGE = "message", _("Sent a message or greetings")


class Speech(Versioned):
    """A person's part in a conference: spoke, chaired, signed, attended…"""

    class Mode(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        VIDEO = "video", _("By video link")
        MESSAGE = "message", _("By a message sent (read out or printed)")
        UNKNOWN = "unknown", _("Not reported")

    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="speeches")
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="speeches",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("or an organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="speeches",
        help_text=_(
            "When the source names an office or organization but no person (e.g. "
            "'a representative of the ministry spoke'); with a person, their organization."
        ),
    )
    group = models.CharField(
        _("or a group"),
        max_length=300,
        blank=True,
        help_text=_(
            "When the source names neither a person nor an organization but a group, as it "
            "words it: 'heads of Russian universities' (joined by video). With an "
            "organization: the group from it ('teachers of BSUIR')."
        ),
    )
    role = models.CharField(_("role"), max_length=12, choices=EventRole, default=EventRole.SPEAKER)
    side = side_field()
    for_alliance = models.ForeignKey(
        "Alliance",
        verbose_name=_("on behalf of the alliance"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="spoken_for",
        help_text=_(
            "When the source says they spoke or acted on behalf of an alliance ('on behalf of "
            "the alliance, the president of its leading university spoke')."
        ),
    )
    mode = models.CharField(_("how"), max_length=10, choices=Mode, default=Mode.UNKNOWN)
    session = models.CharField(
        _("session"),
        max_length=200,
        blank=True,
        help_text=_(
            "The part of the event, as the source names it: 'opening ceremony', 'main forum', "
            "'round table on digital education'."
        ),
    )
    title = models.CharField(
        _("title at the event"),
        max_length=300,
        blank=True,
        help_text=_("The person's title as the source gives it for this event."),
    )
    summary = models.TextField(_("what they said or did, in our words"), blank=True)
    citations = GenericRelation("partnerships.Citation")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("person at the event")
        verbose_name_plural = _("people at the event")
        ordering = ["conference", "role", "person__name", "organization__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["conference", "person", "role", "session"],
                name="speech_unique",
                violation_error_message=_("This person already has this role at this event."),
            ),
            models.UniqueConstraint(
                fields=["conference", "organization", "role", "session"],
                condition=models.Q(person__isnull=True, group=""),
                name="speech_by_organization_unique",
                violation_error_message=_("This organization already has this role at this event."),
            ),
            # "Delegates" of ten universities are ten rows: a group is one per organization.
            models.UniqueConstraint(
                fields=["conference", "group", "role", "session"],
                condition=models.Q(person__isnull=True, organization__isnull=True)
                & ~models.Q(group=""),
                name="speech_by_group_unique",
                violation_error_message=_("This group already has this role at this event."),
            ),
            models.UniqueConstraint(
                fields=["conference", "group", "organization", "role", "session"],
                condition=models.Q(person__isnull=True, organization__isnull=False)
                & ~models.Q(group=""),
                name="speech_by_group_of_organization_unique",
                violation_error_message=_(
                    "This group of this organization already has this role at this event."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(person__isnull=False)
                | models.Q(organization__isnull=False)
                | ~models.Q(group=""),
                name="speech_has_person_organization_or_group",
                violation_error_message=_("Give the person, the organization or the group."),
            ),
        ]

    def __str__(self) -> str:
        if self.person_id:
            who = related_str(self, "person")
        elif self.group:
            who = self.group
        else:
            who = related_str(self, "organization")
        return gettext("%(person)s at %(conference)s") % {
            "person": who,
            "conference": related_str(self, "conference"),
        }

    @property
    def who(self):
        """The person, or the organization when no person is named."""
        return self.person if self.person_id else self.organization

    def clean(self):
        if not self.person_id and not self.organization_id and not self.group.strip():
            raise ValidationError(
                {
                    "person": gettext(
                        "Give the person, or the organization or the group when no one is named."
                    )
                }
            )
        if self.person_id and self.group.strip():
            raise ValidationError(
                {"group": gettext("A group is for when no person is named: give one or the other.")}
            )

    def get_absolute_url(self) -> str:
        return self.conference.get_absolute_url()


class DocumentKind(models.TextChoices):
    DECLARATION = "declaration", _("Declaration")
    CONSENSUS = "consensus", _("Consensus")
    PLAN = "plan", _("Plan or programme")
    AGREEMENT = "agreement", _("Agreement or memorandum")
    CHARTER = "charter", _("Charter")
    LIST = "list", _("List of results")
    OTHER = "other", _("Other document")


class IssuedDocument(Versioned):
    """A document a meeting or an alliance issued (a declaration, a consensus, a plan),
    under each of the titles the sources give it."""

    kind = models.CharField(_("kind"), max_length=12, choices=DocumentKind)
    title = models.CharField(_("title"), max_length=500)
    other_titles = models.TextField(
        _("other titles"), blank=True, help_text=_("One per line, as other sources give it.")
    )
    summary = models.TextField(_("summary"), blank=True, help_text=_("In our own words."))
    points = models.TextField(
        _("what it says"),
        blank=True,
        help_text=_(
            "Its points or areas, one per line, in our own words ('student and staff mobility', "
            "'joint research')."
        ),
    )
    issuers = models.ManyToManyField(
        "Organization",
        verbose_name=_("issued or signed by"),
        blank=True,
        related_name="%(class)s_issued",
        help_text=_("The organizations the source says issued or signed it."),
    )
    more_issuers_unnamed = models.BooleanField(
        _("others issued or signed it too"),
        default=False,
        help_text=_(
            "The source names only some of them ('among others', 'and nearly 100 other "
            "universities'); a number it gives goes in the figures."
        ),
    )
    issued_by_all = models.BooleanField(
        _("all issued or signed it"),
        default=False,
        help_text=_(
            "The source says every member of the alliance, or everyone taking part in the "
            "meeting, issued or signed it ('all 30 founding universities signed')."
        ),
    )
    citations = GenericRelation("partnerships.Citation")

    # The record whose page shows the document (a field of each concrete model).
    issued_by = ""

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return getattr(self, self.issued_by).get_absolute_url()

    @property
    def other_titles_list(self) -> list[str]:
        return lines_of(self.other_titles)

    @property
    def points_list(self) -> list[str]:
        return lines_of(self.points)


class ConferenceDocument(IssuedDocument):
    """A document a meeting issued."""

    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="documents")
    issued_by = "conference"

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("document issued")
        verbose_name_plural = _("documents issued")
        ordering = ["conference", "pk"]


# --------------------------------------------------------------------------- alliances


class AllianceFocus(models.TextChoices):
    SPECIAL_EDUCATION = "special_education", _("Special education")
    HIGHER_EDUCATION = "higher_education", _("Higher education")
    BASIC_EDUCATION = "basic_education", _("Primary and secondary education")
    VOCATIONAL = "vocational", _("Vocational education")
    LANGUAGES = "languages", _("Languages")
    SCIENCE = "science", _("Science and technology")
    ENGINEERING = "engineering", _("Engineering and infrastructure")
    MEDICINE = "medicine", _("Medicine")
    GENERAL = "general", _("Education in general")
    OTHER = "other", _("Other")
    NOT_REPORTED = "not_reported", _("Not reported")


class AllianceKind(models.TextChoices):
    ALLIANCE = "alliance", _("Alliance or consortium")
    PROGRAMME = "programme", _("Programme of pairings")
    MECHANISM = "mechanism", _("Exchange mechanism")


(
    _founded_on,
    _founded_precision,
    _founded_not_after,
    _founded_inferred,
    _founded_basis,
    _founded_given,
) = partial_date_fields(_("founded"))


class MembershipFee(models.TextChoices):
    NOT_REPORTED = "", _("Not reported")
    FREE = "free", _("No fee")
    FEE = "fee", _("Members pay a fee")


class Alliance(Record):
    name = models.CharField(_("name"), max_length=300)
    slug = models.SlugField(_("slug"), max_length=120, unique=True, blank=True)
    other_names = models.TextField(
        _("other names"),
        blank=True,
        help_text=_("One per line, as sources and translations give them."),
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=AllianceKind, default=AllianceKind.ALLIANCE
    )
    focus = models.CharField(_("focus"), max_length=20, choices=AllianceFocus)
    part_of = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="parts",
        help_text=_("For a plan or programme run inside a larger alliance."),
    )
    founded_in = models.ForeignKey(
        Region,
        verbose_name=_("founded in (city or region)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="alliances_founded",
        limit_choices_to=NOT_A_GROUP,
        help_text=_("Where it was founded, when no founding conference is recorded."),
    )
    countries = models.ManyToManyField(
        Region, verbose_name=_("member countries"), blank=True, related_name="alliances"
    )
    founded_on = _founded_on
    founded_precision = _founded_precision
    founded_not_after = _founded_not_after
    founded_year_inferred = _founded_inferred
    founded_year_basis = _founded_basis
    founded_as_given = _founded_given
    aims = models.TextField(
        _("aims and planned activities"),
        blank=True,
        help_text=_("One per line, in our own words, as the sources state them."),
    )
    founding_conference = models.ForeignKey(
        Conference,
        verbose_name=_("founded at"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="alliances_founded",
    )
    more_members_unnamed = models.BooleanField(
        _("has members the sources do not name"),
        default=False,
        help_text=_("Tick when a source lists some members 'and others' without naming them."),
    )
    membership_fee = models.CharField(
        _("membership fee"), max_length=4, choices=MembershipFee, blank=True, default=""
    )
    membership_terms = models.TextField(
        _("terms of membership"),
        blank=True,
        help_text=_(
            "Who may join and how, and what members may and must do, as the sources say: one "
            "per line, in our own words ('open to universities of member countries', 'all "
            "members have equal rights')."
        ),
    )
    summary = models.TextField(_("summary"), blank=True, help_text=_("In our own words."))

    class Meta:
        verbose_name = _("alliance")
        verbose_name_plural = _("alliances")
        permissions = [("publish_alliance", "Can publish and unpublish alliances")]
        ordering = ["name"]
        indexes = search_indexes("alliance")
        constraints = [
            models.CheckConstraint(condition=~models.Q(slug=""), name="alliance_slug_not_empty"),
            models.CheckConstraint(
                condition=~models.Q(part_of=models.F("pk")), name="alliance_not_part_of_itself"
            ),
            *partial_date_constraints("founded", "alliance"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return slug_url("alliance-detail", self.slug)

    def search_parts(self) -> list[str]:
        return [
            self.name,
            self.other_names,
            self.aims,
            self.summary,
            *_place_names_of(self, self.place_paths()),
            *document_titles_of(self),
            # Its bodies' names (councils, committees, clusters: "digital technology").
            *(body.name for body in (self.bodies.all() if self.pk else ())),
            # The people holding a role in it (chair, spokesperson...): signals.refresh_naming.
            *person_names(people_in(self, "memberships", with_public_organization=True)),
            # Its published members' names in every form ("Chulalongkorn", "JSNU" find the
            # alliances it belongs to): signals.refresh_organization.
            *self.member_names(),
        ]

    def member_names(self) -> list[str]:
        if not self.pk:
            return []
        members = (
            Organization.objects.published()
            .filter(alliance_memberships__alliance=self.pk)
            .distinct()
            .prefetch_related("other_names")
        )
        # Sorted here, not by the database's collation: the same order on every backend.
        members = sorted(members, key=lambda org: (org.name, org.pk))
        return [
            text for org in members for text in (org.name, *(n.name for n in org.other_names.all()))
        ]

    def place_paths(self) -> list[str]:
        """The paths of the places recorded on the alliance itself that its region filter
        counts (alliance_place_q): where it was founded, then its member countries, its
        members' sides and where its governance events happened, by path. (Its members' and
        meetings' places are not its own text.)"""
        founded = [self.founded_in.path] if self.founded_in_id else []
        if not self.pk:
            return founded
        selects = [
            Alliance.countries.through.objects.filter(alliance=self.pk)
            .values_list("region__path")
            .order_by(),
            AllianceMembership.objects.filter(alliance=self.pk, country__isnull=False)
            .values_list("country__path")
            .order_by(),
            AllianceEvent.objects.filter(alliance=self.pk, place__isnull=False)
            .values_list("place__path")
            .order_by(),
        ]
        others = {path for (path,) in selects[0].union(*selects[1:])}
        return founded + sorted(others)

    @property
    def aims_list(self) -> list[str]:
        return lines_of(self.aims)

    @property
    def membership_terms_list(self) -> list[str]:
        return lines_of(self.membership_terms)

    def clean_part_of(self, errors):
        if self.pk and self.part_of_id == self.pk:
            errors["part_of"] = gettext("An alliance cannot be part of itself.")

    @property
    def founded(self) -> PartialDate:
        return partial_date_of(self, "founded")

    @property
    def other_names_list(self) -> list[str]:
        return lines_of(self.other_names)

    def clean(self):
        errors = partial_date_errors_of(self, "founded", gettext("Founded"))
        self.clean_part_of(errors)
        if errors:
            raise ValidationError(errors)


class MemberRole(models.TextChoices):
    INITIATOR = "initiator", _("Initiator or founding member")
    LEAD = "lead", _("Lead member")
    CHAIR = "chair", _("Chair")
    CO_CHAIR = "co_chair", _("Co-chair")
    HEAD = "head", _("Head")
    EXECUTIVE_CHAIR = "exec_chair", _("Executive chair")
    VICE_CHAIR = "vice_chair", _("Vice-chair")
    SECRETARY_GENERAL = "secretary", _("Secretary-general")
    DIRECTOR = "director", _("Director")
    DEPUTY_DIRECTOR = "deputy_dir", _("Deputy director")
    EXECUTIVE_DIRECTOR = "exec_dir", _("Executive director")
    PERMANENT = "permanent", _("Permanent member")
    HOST = "host", _("Host")
    MEMBER = "member", _("Member")
    SPOKESPERSON = "spokesperson", _("Spokesperson")
    CONTACT = "contact", _("Contact or liaison")
    GUIDE = "guide", _("Guides or supervises it (not a member)")
    AUTHORIZER = "authorizer", _("Authorised it (not a member)")
    # A network's second tier ("34 member and 25 partner universities").
    PARTNER = "partner", _("Partner (not a member)")


class AllianceBodyKind(models.TextChoices):
    COUNCIL = "council", _("Council")
    COMMITTEE = "committee", _("Committee")
    SECRETARIAT = "secretariat", _("Secretariat")
    CLUSTER = "cluster", _("Cluster or working group")
    OTHER = "other", _("Other body")


class AllianceBody(Versioned):
    """A body of an alliance: its council, a committee, a secretariat."""

    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="bodies")
    kind = models.CharField(_("kind"), max_length=12, choices=AllianceBodyKind)
    name = models.CharField(
        _("name"), max_length=300, help_text=_("E.g. 'Expert committee', 'Chinese secretariat'.")
    )
    country = models.ForeignKey(
        Region,
        verbose_name=_("side (country)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("For a body of one country's side, e.g. the Russian secretariat."),
    )
    host = models.ForeignKey(
        Organization,
        verbose_name=_("hosted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="alliance_bodies_hosted",
    )
    guided_by = models.ManyToManyField(
        Organization,
        verbose_name=_("works under the guidance of"),
        blank=True,
        related_name="alliance_bodies_guided",
        help_text=_("Ministries or bodies the sources say guide or supervise it."),
    )
    description = models.TextField(_("description"), blank=True, help_text=_("In our own words."))
    citations = GenericRelation("partnerships.Citation")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("body of the alliance")
        verbose_name_plural = _("bodies of the alliance")
        ordering = ["alliance", "kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "name"],
                name="alliance_body_unique",
                violation_error_message=_("This alliance already has a body of this name."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return self.alliance.get_absolute_url()


class AllianceMembership(Versioned):
    """An organization or a person in an alliance, or in one of its bodies, with a role."""

    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="alliance_memberships",
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="alliance_roles",
        help_text=_("When the role is held by a named person (give their organization too)."),
    )
    body = models.ForeignKey(
        AllianceBody,
        verbose_name=_("in body"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="members",
        help_text=_("Leave empty for the alliance itself."),
    )
    role = models.CharField(_("role"), max_length=12, choices=MemberRole, default=MemberRole.MEMBER)
    country = models.ForeignKey(
        Region,
        verbose_name=_("for the side of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("E.g. the lead member for Russia; the Chinese executive director."),
    )
    since_year = year_field(
        _("since (year)"), _("The year it joined or took up this role, when a source gives it.")
    )
    until_year = year_field(
        _("until (year)"),
        _("The year it left or its term ends ('a two-year term' from 2023: 2025), when known."),
    )
    title = models.CharField(
        _("title as the source gives it"),
        max_length=300,
        blank=True,
        help_text=_("E.g. 'Chinese deputy executive director'; 'principal of Harbin No. 6'."),
    )
    citations = GenericRelation("partnerships.Citation")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("member or role")
        verbose_name_plural = _("members and roles")
        ordering = ["alliance", "body", "role", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(organization__isnull=False) | models.Q(person__isnull=False),
                name="alliance_membership_has_holder",
                violation_error_message=_(
                    "Give the organization or the person who holds the role."
                ),
            ),
            models.UniqueConstraint(
                fields=["alliance", "organization", "role"],
                condition=models.Q(person__isnull=True, body__isnull=True),
                name="alliance_membership_unique",
                violation_error_message=_("This organization already has this role here."),
            ),
        ]

    @property
    def years_display(self) -> str:
        return years_text(self.since_year, self.until_year)

    @property
    def holder(self):
        return self.person if self.person_id else self.organization

    def __str__(self) -> str:
        holder = (
            related_str(self, "person") if self.person_id else related_str(self, "organization")
        )
        return gettext("%(org)s, %(role)s of %(alliance)s") % {
            "org": holder,
            # The source's own title keeps its capitals ("Guangzhou University president").
            "role": self.title or self.get_role_display().lower(),
            "alliance": related_str(self, "alliance"),
        }

    def clean(self):
        errors = {}
        if not self.organization_id and not self.person_id:
            errors["organization"] = gettext("Give the organization or the person who holds it.")
        if self.body_id and self.alliance_id and self.body.alliance_id != self.alliance_id:
            errors["body"] = gettext("This body belongs to another alliance.")
        if self.since_year and self.until_year and self.until_year < self.since_year:
            errors["until_year"] = gettext("The role ends before it starts.")
        if errors:
            raise ValidationError(errors)

    def get_absolute_url(self) -> str:
        return self.alliance.get_absolute_url()


(_event_on, _event_precision, _event_not_after, _event_inferred, _event_basis, _event_given) = (
    partial_date_fields(_("date"))
)


class AllianceEvent(Versioned):
    """Something the sources report about how an alliance is governed."""

    class Kind(models.TextChoices):
        FOUNDED = "founded", _("Founded")
        COUNCIL_FORMED = "council_formed", _("Council formed")
        CHARTER_ADOPTED = "charter_adopted", _("Charter adopted")
        BODY_SET_UP = "body_set_up", _("Body set up")
        MEETING = "meeting", _("Meeting held")
        OTHER = "other", _("Other")

    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("what happened"), max_length=20, choices=Kind)
    occurred_on = _event_on
    occurred_precision = _event_precision
    occurred_not_after = _event_not_after
    occurred_year_inferred = _event_inferred
    occurred_year_basis = _event_basis
    occurred_as_given = _event_given
    conference = models.ForeignKey(
        Conference, null=True, blank=True, on_delete=models.SET_NULL, related_name="alliance_events"
    )
    place = models.ForeignKey(
        Region,
        verbose_name=_("where"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The city or region the source says it happened in ('signed in Moscow')."),
    )
    venue = models.ForeignKey(
        Organization,
        verbose_name=_("at (organization)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="alliance_events_held",
        help_text=_(
            "The university or other body where it happened, when the source names it "
            "('founded at the Shenzhen campus of HIT')."
        ),
    )
    body = models.ForeignKey(
        "AllianceBody",
        verbose_name=_("which body"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
        help_text=_(
            "For a body set up (or one that met): one of this alliance's bodies (add it above "
            "and save first)."
        ),
    )
    description = models.TextField(_("description"), blank=True, help_text=_("In our own words."))
    citations = GenericRelation("partnerships.Citation")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("governance event")
        verbose_name_plural = _("governance events")
        ordering = ["alliance", "occurred_on", "pk"]
        constraints = [*partial_date_constraints("occurred", "allianceevent")]

    def __str__(self) -> str:
        return f"{related_str(self, 'alliance')}: {self.get_kind_display()}"

    def get_absolute_url(self) -> str:
        return self.alliance.get_absolute_url()

    @property
    def occurred(self) -> PartialDate:
        return partial_date_of(self, "occurred")

    def clean(self):
        errors = partial_date_errors_of(self, "occurred", gettext("Date"))
        if self.body_id and self.alliance_id and self.body.alliance_id != self.alliance_id:
            errors["body"] = gettext("Choose one of this alliance's own bodies.")
        elif self.kind == self.Kind.BODY_SET_UP and not self.body_id:
            errors["body"] = gettext(
                "Say which body was set up: add it under the alliance's bodies, save, then "
                "choose it here."
            )
        if errors:
            raise ValidationError(errors)


class AllianceDocument(IssuedDocument):
    """A document an alliance issued on its own, not at a meeting we record (a plan, a
    white paper, a charter); a meeting's documents go on the meeting (ConferenceDocument)."""

    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="documents")
    issued_by = "alliance"

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("document issued by the alliance")
        verbose_name_plural = _("documents issued by the alliance")
        ordering = ["alliance", "pk"]


class EventActorRole(models.TextChoices):
    HELD = "held", _("Held or organized it")
    CARRIED_OUT = "carried_out", _("Carried it out")
    LAUNCHED = "launched", _("Launched or unveiled it")
    DECIDED = "decided", _("Decided or approved it")
    SIGNED = "signed", _("Signed")
    ANNOUNCED = "announced", _("Announced it")
    TOOK_PART = "took_part", _("Took part")


class AllianceEventActorQuerySet(models.QuerySet):
    def shown(self):
        """Rows whose holder (an organization, a person, or a person with their
        organization) is published: what a public page may name."""
        published = Publication.PUBLISHED
        return self.filter(
            models.Q(organization__isnull=True) | models.Q(organization__publication=published),
            models.Q(person__isnull=True) | models.Q(person__publication=published),
        )


class AllianceEventActor(Versioned):
    """Who carried out one of an alliance's governance events, and how: an organization, a
    person, or a person for their organization (the two associations that launched a
    partnership, the body that announced a list of members). Entered in the alliance's form,
    with the event it belongs to, as people on a visit are entered in a partnership's."""

    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="event_actors")
    event = models.ForeignKey(
        AllianceEvent,
        verbose_name=_("event"),
        on_delete=models.CASCADE,
        related_name="actors",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="alliance_event_parts",
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="alliance_event_parts",
        help_text=_("When the source names a person (give their organization too, if named)."),
    )
    role = models.CharField(
        _("part in it"),
        max_length=12,
        choices=EventActorRole,
        default=EventActorRole.CARRIED_OUT,
    )
    side = side_field()
    title = models.CharField(
        _("title as the source gives it"),
        max_length=300,
        blank=True,
        help_text=_("E.g. 'together with relevant units', 'vice-president of the association'."),
    )
    citations = GenericRelation("partnerships.Citation")

    history = HistoricalRecords()

    objects = AllianceEventActorQuerySet.as_manager()

    class Meta:
        verbose_name = _("who did it")
        verbose_name_plural = _("who carried out the governance events")
        ordering = ["alliance", "event", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(organization__isnull=False) | models.Q(person__isnull=False),
                name="alliance_event_actor_has_holder",
                violation_error_message=_("Give the organization or the person who did it."),
            ),
            models.UniqueConstraint(
                fields=["event", "organization", "role"],
                condition=models.Q(person__isnull=True),
                name="alliance_event_actor_org_unique",
                violation_error_message=_("This organization already has this part in the event."),
            ),
            models.UniqueConstraint(
                fields=["event", "person", "role"],
                condition=models.Q(person__isnull=False),
                name="alliance_event_actor_person_unique",
                violation_error_message=_("This person already has this part in the event."),
            ),
        ]

    @property
    def holder(self):
        return self.person if self.person_id else self.organization

    def __str__(self) -> str:
        holder = (
            related_str(self, "person") if self.person_id else related_str(self, "organization")
        )
        return f"{holder} ({self.get_role_display().lower()})"

    def clean(self):
        errors = {}
        if not self.organization_id and not self.person_id:
            errors["organization"] = gettext("Give the organization or the person who did it.")
        if self.event_id and self.alliance_id and self.event.alliance_id != self.alliance_id:
            errors["event"] = gettext("Choose one of this alliance's own events.")
        if errors:
            raise ValidationError(errors)

    def get_absolute_url(self) -> str:
        return self.alliance.get_absolute_url()


# --------------------------------------------------------------------------- partnerships


class PartnershipLevel(models.TextChoices):
    SCHOOL = "school", _("School to school")
    UNIVERSITY = "university", _("University to university")
    UNIT = "unit", _("Unit within a university")
    COMPREHENSIVE = "comprehensive", _("Between education authorities")
    GOVERNMENT = "government", _("Between city or regional governments")


class PartnershipStatus(models.TextChoices):
    PLANNED = "planned", _("Planned or announced, not yet signed")
    ESTABLISHED = "established", _("Established (current state not reported)")
    ACTIVE = "active", _("Active")
    RENEWED = "renewed", _("Renewed")
    SUSPENDED = "suspended", _("Suspended")
    TERMINATION_ANNOUNCED = "ending", _("Termination announced")
    ENDED = "ended", _("Ended")


class StatusChangeKind(models.TextChoices):
    """A change of a partnership's state, dated: as PartnershipStatus, but "Established" is an
    event here, not a current state that is not reported."""

    PLANNED = "planned", _("Planned or announced, not yet signed")
    ESTABLISHED = "established", _("Established")
    ACTIVE = "active", _("Active")
    RENEWED = "renewed", _("Renewed")
    SUSPENDED = "suspended", _("Suspended")
    TERMINATION_ANNOUNCED = "ending", _("Termination announced")
    ENDED = "ended", _("Ended")


class PartnershipQuerySet(RecordQuerySet):
    def published(self):
        """Published partnerships whose both parties are published too (``is_public``, kept
        by save() and by the organization signals, so no join is needed)."""
        return self.filter(is_public=True)

    def involving(self, organization):
        return self.filter(models.Q(party_a=organization) | models.Q(party_b=organization))

    def in_region(self, region):
        return self.filter(
            models.Q(a_path__startswith=region.path) | models.Q(b_path__startswith=region.path)
        )


(_est_on, _est_precision, _est_not_after, _est_inferred, _est_basis, _est_given) = (
    partial_date_fields(_("established"))
)


# What SisterSchoolPartnership.named_people() reads, for its search text in batches.
NAMED_PEOPLE_PREFETCH = (
    "people__person__other_names",
    "agreements__signatories__other_names",
    "visits",
)


def people_in(record, rows: str, with_public_organization: bool = False) -> list:
    """The people of ``record``'s rows (a conference's speeches, an alliance's memberships),
    None for a row held by an organization; with ``with_public_organization``, None too for
    a row held for a draft organization, which the page does not show either
    (views.common.shown_memberships). As prefetched (placesearch reads a batch with
    ``<rows>__person__other_names`` and ``<rows>__organization``) or in three queries."""
    return [
        row.person
        for row in rows_of(record, rows)
        if not with_public_organization
        or not (row.organization_id and not row.organization.is_published)
    ]


def rows_of(record, rows: str) -> list:
    """``record``'s rows (a conference's speeches, an alliance's memberships) with their
    person and organization, as prefetched or in three queries."""
    if not record.pk:
        return []
    prefetched = getattr(record, "_prefetched_objects_cache", {}).get(rows)
    if prefetched is None:
        prefetched = getattr(record, rows).select_related("person", "organization")
        prefetched = prefetched.prefetch_related("person__other_names")
    return list(prefetched)


def person_names(people) -> list[str]:
    """The names in every script of the published people among ``people`` (None skipped),
    each person once: what a record's search text holds of the people it names, so that a
    search for "Sludnaya" finds what she signed, spoke at or chairs. A draft person is never
    searchable through another record."""
    unique = {person.pk: person for person in people if person is not None}
    names = []
    for person in unique.values():
        if person.is_published:
            names.append(person.name)
            names.extend(alias.name for alias in person.other_names.all())
    return names


class SisterSchoolPartnership(Record):
    """Two organizations, usually one Chinese and one overseas, agree to work together."""

    slug = models.SlugField(_("slug"), max_length=255, unique=True, blank=True)
    party_a = models.ForeignKey(
        Organization,
        verbose_name=_("first party"),
        on_delete=models.PROTECT,
        related_name="partnerships_as_a",
    )
    party_b = models.ForeignKey(
        Organization,
        verbose_name=_("second party"),
        on_delete=models.PROTECT,
        related_name="partnerships_as_b",
    )
    level = models.CharField(
        _("level"),
        max_length=15,
        choices=PartnershipLevel,
        help_text=_("A joint institute or a college of a university is a unit within it."),
    )
    source_label = models.CharField(
        _("as the source calls it"),
        max_length=200,
        blank=True,
        help_text=_("The source's own word for the relationship, e.g. 'friendship city', 'MOU'."),
    )
    other_names = models.TextField(
        _("other names"),
        blank=True,
        help_text=_(
            "Names the sources give the partnership itself, one per line, e.g. 'Purple Cloud "
            "exchange'. Found by search."
        ),
    )
    aims = models.TextField(
        _("aims and planned activities"),
        blank=True,
        help_text=_("One per line, in our own words, as the sources state them."),
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=PartnershipStatus,
        default=PartnershipStatus.ESTABLISHED,
    )
    established_on = _est_on
    established_precision = _est_precision
    established_not_after = _est_not_after
    established_year_inferred = _est_inferred
    established_year_basis = _est_basis
    established_as_given = _est_given
    conference = models.ForeignKey(
        Conference,
        verbose_name=_("signed at"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="partnerships_signed",
    )
    series = models.ForeignKey(
        ConferenceSeries,
        verbose_name=_("facilitated by conference series"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="partnerships",
        help_text=_("When the source credits a conference series but not a particular edition."),
    )
    predecessor = models.ForeignKey(
        "self",
        verbose_name=_("follows"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="successors",
        help_text=_("An earlier partnership this one follows on from (e.g. one that ended)."),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("came from the wider partnership"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pairings",
        help_text=_(
            "The wider agreement or relationship this pairing came from (between two "
            "authorities, two sister cities), as the source says."
        ),
    )
    pairings_reported = models.PositiveIntegerField(
        _("pairings reported"),
        null=True,
        blank=True,
        help_text=_("How many pairings the sources say this agreement produced, named or not."),
    )
    summary = models.TextField(_("summary"), blank=True, help_text=_("In our own words."))

    # Copies of the parties' places and publication, so that lists, filters and facets over
    # a million partnerships read one table. Kept by save() and by organization signals.
    is_public = models.BooleanField(_("public"), default=False, editable=False)
    a_country = models.ForeignKey(
        Region, null=True, blank=True, editable=False, on_delete=models.SET_NULL, related_name="+"
    )
    b_country = models.ForeignKey(
        Region, null=True, blank=True, editable=False, on_delete=models.SET_NULL, related_name="+"
    )
    a_province = models.ForeignKey(
        Region, null=True, blank=True, editable=False, on_delete=models.SET_NULL, related_name="+"
    )
    b_province = models.ForeignKey(
        Region, null=True, blank=True, editable=False, on_delete=models.SET_NULL, related_name="+"
    )
    a_path = models.CharField(max_length=255, blank=True, editable=False)
    b_path = models.CharField(max_length=255, blank=True, editable=False)

    objects = PartnershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("partnership")
        verbose_name_plural = _("partnerships")
        indexes = [
            # Newest first and oldest first, unknown dates last in both (newest_first,
            # oldest_first): one index for each direction.
            # Newest first also holds each row's key (PostgreSQL). Not its words: a btree row
            # holds at most 2,704 bytes, and the words of a partnership with long texts (a
            # summary, its visits' programmes) are more; saving it failed.
            NullsLastIndex(
                fields=["is_public", "-established_on", "slug"],
                postgresql_include=["id"],
                name="partner_public_date",
            ),
            models.Index(
                fields=["is_public", "established_on", "slug"], name="partner_public_date_asc"
            ),
            models.Index(fields=["is_public", "slug"], name="partner_public_slug"),
            models.Index(fields=["is_public", "level", "status"], name="partner_public_level"),
            models.Index(fields=["is_public", "status"], name="partner_public_status"),
            models.Index(
                fields=["a_path"], opclasses=["varchar_pattern_ops"], name="partner_a_path"
            ),
            models.Index(
                fields=["b_path"], opclasses=["varchar_pattern_ops"], name="partner_b_path"
            ),
            # Counts and facets of the list over a million partnerships (PostgreSQL): an
            # index-only scan of this narrow index instead of a scan of the wide table (names,
            # summaries, search text).
            PostgresOnlyIndex(
                fields=["is_public"],
                postgresql_include=[
                    "a_country",
                    "b_country",
                    "a_province",
                    "b_province",
                    "level",
                    "status",
                    "conference",
                    "established_on",
                ],
                name="partner_public_facets",
            ),
            *search_indexes("sisterschool"),
        ]
        permissions = [
            (
                "publish_sisterschoolpartnership",
                "Can publish and unpublish sister-school partnerships",
            )
        ]
        ordering = [newest_first("established_on"), "slug"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(party_a=models.F("party_b")),
                name="partnership_parties_differ",
                violation_error_message=_("A partnership needs two different organizations."),
            ),
            models.UniqueConstraint(
                Least("party_a", "party_b"),
                Greatest("party_a", "party_b"),
                "level",
                name="partnership_pair_level_unique",
                violation_error_message=_(
                    "These two organizations already have a partnership at this level: add "
                    "this agreement, renewal or visit to that partnership instead."
                ),
            ),
            models.CheckConstraint(
                condition=~models.Q(predecessor=models.F("pk")),
                name="partnership_not_its_own_predecessor",
            ),
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("pk")),
                name="partnership_not_its_own_parent",
            ),
            models.CheckConstraint(condition=~models.Q(slug=""), name="partnership_slug_not_empty"),
            *partial_date_constraints("established", "partnership"),
        ]

    def __str__(self) -> str:
        return f"{related_str(self, 'party_a')} – {related_str(self, 'party_b')}"

    def get_absolute_url(self) -> str:
        return slug_url("partnership-detail", self.slug)

    def derived_fields(self) -> dict:
        a, b = self.party_a, self.party_b
        return {
            "is_public": self.publication == Publication.PUBLISHED
            and a.publication == Publication.PUBLISHED
            and b.publication == Publication.PUBLISHED,
            "a_country_id": a.country_id,
            "b_country_id": b.country_id,
            "a_province_id": a.province_id,
            "b_province_id": b.province_id,
            "a_path": a.region.path if a.region_id else "",
            "b_path": b.region.path if b.region_id else "",
        }

    def save(self, *args, **kwargs):
        if self.party_a_id and self.party_b_id:
            for name, value in self.derived_fields().items():
                setattr(self, name, value)
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, *self.DERIVED}
        super().save(*args, **kwargs)

    DERIVED = (
        "is_public",
        "a_country",
        "b_country",
        "a_province",
        "b_province",
        "a_path",
        "b_path",
    )

    slug_sources = ("party_a", "party_b")

    def slug_text(self) -> str:
        if self.party_a_id and self.party_b_id:
            return f"{self.party_a.slug} {self.party_b.slug}"
        return ""

    def search_parts(self) -> list[str]:
        # A party's names only while the party is published (signals.py refreshes them).
        # And the names of a published party's place and the places above it (a_path and
        # b_path, copied from the parties: what the region and country facets use).
        parts, paths = [], []
        for party, path in ((self.party_a, self.a_path), (self.party_b, self.b_path)):
            if party.is_published:
                parts.append(party.name)
                parts.extend(alias.name for alias in party.other_names.all())
                if path:
                    paths.append(path)
        # A further party of an agreement of three, or a body in another role (it guided,
        # funded or approves it): its names, not its place, which the region filter does not
        # count either. Prefetched in batches: further_parties_prefetch.
        for row in self.other_parties.all() if self.pk else ():
            party = row.organization
            if party.is_published:
                parts.append(party.name)
                parts.extend(alias.name for alias in party.other_names.all())
        # The published people it names, by their names in every script: its signatories and
        # the people on it and its visits ("Sludnaya" finds the partnership she signed).
        parts.extend(person_names(self.named_people() if self.pk else ()))
        # Its agreements' titles as the sources give them ("Agreement on Cooperation in the
        # Field of Education"); read with the signatories (NAMED_PEOPLE_PREFETCH).
        # And their terms ("specialty plus Russian", "degrees of both universities").
        for agreement in self.agreements.all() if self.pk else ():
            parts.extend([agreement.title, agreement.terms])
        # What the people named said or did, in our words ("fuel cells").
        parts.extend(row.summary for row in (self.people.all() if self.pk else ()))
        # What its visits' groups did, talked about and came for ("Sviyazhsk", "double
        # degrees", "a friendly visit").
        for visit in self.visits.all() if self.pk else ():
            parts.extend(
                [
                    visit.occasion,
                    *visit.programme_list,
                    *visit.topics_list,
                    visit.aims,
                    visit.description,
                ]
            )
        return [
            *parts,
            self.source_label,
            self.other_names,
            self.aims,
            self.summary,
            *_place_names_of(self, paths),
        ]

    @property
    def other_names_list(self) -> list[str]:
        return lines_of(self.other_names)

    def named_people(self) -> list:
        """The published people the partnership names (signatories of its agreements, people
        on it and its visits), each once. Read in batches with NAMED_PEOPLE_PREFETCH."""
        people = [row.person for row in self.people.all() if row.person_id]
        people += [
            person for agreement in self.agreements.all() for person in agreement.signatories.all()
        ]
        return [p for p in {p.pk: p for p in people}.values() if p.is_published]

    @property
    def established(self) -> PartialDate:
        return partial_date_of(self, "established")

    def clean(self):
        errors = partial_date_errors_of(self, "established", gettext("Established"))
        if self.party_a_id and self.party_a_id == self.party_b_id:
            errors["party_b"] = gettext(
                "The second party is the same organization as the first: a partnership needs two "
                "different organizations."
            )
        if self.pk and self.predecessor_id == self.pk:
            errors["predecessor"] = gettext("A partnership cannot follow on from itself.")
        if self.pk and self.parent_id == self.pk:
            errors["parent"] = gettext("A partnership cannot be a pairing under itself.")
        if errors:
            raise ValidationError(errors)

    @property
    def aims_list(self) -> list[str]:
        return lines_of(self.aims)

    @property
    def pairings_display(self) -> str:
        """'10 pairings, 1 named' when the sources count more than we hold."""
        named = len(self.pairings.all())
        if self.pairings_reported is None:
            return ""
        return gettext("%(total)s pairings, %(named)s named") % {
            "total": self.pairings_reported,
            "named": named,
        }


class PartyRole(models.TextChoices):
    PARTY = "party", _("Party")
    LEAD = "lead", _("Led the project (not a party)")
    GUIDE = "guide", _("Guided or supervised it (not a party)")
    FACILITATOR = "facilitator", _("Facilitated (not a party)")
    SPONSOR = "sponsor", _("Funded or sponsored it (not a party)")
    WITNESS = "witness", _("Witnessed (not a party)")
    CONTACT = "contact", _("Contact for it (not a party)")
    SET_UP = "set_up", _("Set up under it (a joint institute or centre; not a party)")
    TO_SET_UP = "to_set_up", _("To be set up under it (agreed, not yet done; not a party)")
    PROPOSED = "proposed", _("Proposed under it (awaiting agreement or approval; not a party)")
    TAKES_PART = "takes_part", _("Takes part or works under it (not a party)")
    APPROVED = "approved", _("Approved or permitted it (not a party)")


class PartnershipParty(Versioned):
    """A further party of a partnership beyond the first two, or a body that facilitated or
    witnessed it without being a party."""

    partnership = models.ForeignKey(
        SisterSchoolPartnership, on_delete=models.CASCADE, related_name="other_parties"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="partnership_roles"
    )
    role = models.CharField(_("role"), max_length=12, choices=PartyRole, default=PartyRole.PARTY)
    since_year = year_field(
        _("since (year)"),
        _("The year it took this role, or was set up under the partnership, when known."),
    )
    citations = GenericRelation("partnerships.Citation")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("other party or facilitator")
        verbose_name_plural = _("other parties and facilitators")
        ordering = ["partnership", "role", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "organization", "role"],
                name="partnership_party_unique",
                violation_error_message=_("This organization already has this role here."),
            ),
        ]

    def __str__(self) -> str:
        return f"{related_str(self, 'organization')} ({self.get_role_display()})"

    def get_absolute_url(self) -> str:
        return self.partnership.get_absolute_url()

    def clean(self):
        p = self.partnership if self.partnership_id else None
        if p and self.organization_id in (p.party_a_id, p.party_b_id):
            raise ValidationError(
                {"organization": gettext("This organization is already a party to it.")}
            )


class Qualifier(models.TextChoices):
    EXACT = "exact", _("exactly")
    ABOUT = "about", _("about")
    OVER = "over", _("over")
    NEARLY = "nearly", _("nearly")
    AT_LEAST = "at_least", _("at least")
    UP_TO = "up_to", _("up to")


# A reported figure's qualifier: those of Qualifier, and the source's order of magnitude when
# it gives no number ("hundreds of participants").
FigureQualifier = models.TextChoices(
    "FigureQualifier",
    [(q.name, (q.value, q.label)) for q in Qualifier]
    + [
        ("DOZENS", ("dozens", _("dozens of"))),
        ("HUNDREDS", ("hundreds", _("hundreds of"))),
        ("THOUSANDS", ("thousands", _("thousands of"))),
        ("TENS_OF_THOUSANDS", ("tens_of_thousands", _("tens of thousands of"))),
    ],
)


# "Hundreds of" is stored with the value 100: the unit the source counts in, never shown as
# a number on the page.
MAGNITUDE_UNITS = {
    FigureQualifier.DOZENS: 12,
    FigureQualifier.HUNDREDS: 100,
    FigureQualifier.THOUSANDS: 1000,
    FigureQualifier.TENS_OF_THOUSANDS: 10000,
}


class AgreementKind(models.TextChoices):
    AGREEMENT = "agreement", _("Agreement")
    MOU = "mou", _("Memorandum of understanding")
    LETTER = "letter", _("Letter of intent")
    RENEWAL = "renewal", _("Renewal")
    AMENDMENT = "amendment", _("Amendment")
    OTHER = "other", _("Other")


class Renewal(models.TextChoices):
    NOT_REPORTED = "", _("Not reported")
    AUTOMATIC = "automatic", _("Renews itself unless a party ends it")
    BY_AGREEMENT = "by_agreement", _("May be renewed if the parties agree")
    NOT_RENEWABLE = "no", _("Not to be renewed")


class AgreementStatus(models.TextChoices):
    ANNOUNCED = "announced", _("Announced, not yet signed")
    INITIALLED = "initialled", _("Initialled")
    SIGNED = "signed", _("Signed")
    DUE = "due", _("Due (not reported as done)")


(_sig_on, _sig_precision, _sig_not_after, _sig_inferred, _sig_basis, _sig_given) = (
    partial_date_fields(_("signed"))
)


class Agreement(Versioned):
    """One agreement in a partnership's life: the original, a later one, a renewal."""

    partnership = models.ForeignKey(
        SisterSchoolPartnership, on_delete=models.CASCADE, related_name="agreements"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=AgreementKind)
    status = models.CharField(
        _("status"), max_length=10, choices=AgreementStatus, default=AgreementStatus.SIGNED
    )
    title = models.CharField(
        _("title or label as the source gives it"),
        max_length=300,
        blank=True,
        help_text=_("E.g. 'Original MOU', 'Current agreement', 'Renewal year'."),
    )
    signed_on = _sig_on
    signed_precision = _sig_precision
    signed_not_after = _sig_not_after
    signed_year_inferred = _sig_inferred
    signed_year_basis = _sig_basis
    signed_as_given = _sig_given
    terms = models.TextField(
        _("terms"),
        blank=True,
        help_text=_("What the parties agree to, one term per line, in our own words."),
    )
    term_start_year = models.PositiveSmallIntegerField(_("term from (year)"), null=True, blank=True)
    term_end_year = models.PositiveSmallIntegerField(_("term to (year)"), null=True, blank=True)
    term_length_years = models.PositiveSmallIntegerField(
        _("term length (years)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text=_("'A five-year agreement': 5, also when the years it runs are not given."),
    )
    renewal = models.CharField(_("renewal"), max_length=12, choices=Renewal, blank=True, default="")
    conference = models.ForeignKey(
        Conference,
        verbose_name=_("signed at the conference"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="agreements_signed",
    )
    place = models.ForeignKey(
        Region,
        verbose_name=_("signed in"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agreements_signed",
        help_text=_("The city or region the source says it was signed in."),
    )
    signed_at = models.ForeignKey(
        "Organization",
        verbose_name=_("signed at (organization)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The university or other body where it was signed ('signed at UNE')."),
    )
    visit = models.ForeignKey(
        "Visit",
        verbose_name=_("signed during the visit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="agreements_signed",
        help_text=_(
            "One of this partnership's visits, when the source says the agreement was signed "
            "during it (add the visit below and save first)."
        ),
    )
    signatories = models.ManyToManyField(
        Person, verbose_name=_("signatories"), blank=True, related_name="agreements_signed"
    )
    signed_by = models.ManyToManyField(
        "Organization",
        verbose_name=_("signed by (organizations)"),
        blank=True,
        related_name="agreements_signed",
        help_text=_(
            "The organizations the source says signed it, when it names them: one that is not "
            "a party of the partnership (a funding agency such as Hanban beside a university), "
            "or one party only. Leave empty when the source does not say."
        ),
    )
    summary = models.TextField(_("summary"), blank=True, help_text=_("In our own words."))
    citations = GenericRelation("partnerships.Citation")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["partnership", "signed_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(term_end_year__isnull=True)
                | models.Q(term_start_year__isnull=True)
                | models.Q(term_end_year__gte=models.F("term_start_year")),
                name="agreement_term_in_order",
                violation_error_message=_("The term ends before it starts."),
            ),
            models.CheckConstraint(
                condition=models.Q(term_length_years__isnull=True)
                | models.Q(term_length_years__range=(1, 99)),
                name="agreement_term_length_in_range",
                violation_error_message=_("A term runs from 1 to 99 years."),
            ),
            *partial_date_constraints("signed", "agreement"),
        ]

    def __str__(self) -> str:
        return self.title or self.get_kind_display()

    def get_absolute_url(self) -> str:
        return self.partnership.get_absolute_url()

    @property
    def signed(self) -> PartialDate:
        return partial_date_of(self, "signed")

    @property
    def terms_list(self) -> list[str]:
        return lines_of(self.terms)

    def clean(self):
        errors = partial_date_errors_of(self, "signed", gettext("Signed"))
        if (
            self.visit_id
            and self.partnership_id
            and self.visit.partnership_id != self.partnership_id
        ):
            errors["visit"] = gettext("Choose one of this partnership's own visits.")
        if (
            self.term_start_year
            and self.term_end_year
            and self.term_end_year < self.term_start_year
        ):
            errors["term_end_year"] = gettext("The term ends before it starts.")
        if errors:
            raise ValidationError(errors)


(_st_on, _st_precision, _st_not_after, _st_inferred, _st_basis, _st_given) = partial_date_fields(
    _("date")
)


class StatusChange(Versioned):
    """A dated change in a partnership's state: planned, active, renewed, ended…"""

    partnership = models.ForeignKey(
        SisterSchoolPartnership, on_delete=models.CASCADE, related_name="status_changes"
    )
    status = models.CharField(_("status"), max_length=12, choices=StatusChangeKind)
    changed_on = _st_on
    changed_precision = _st_precision
    changed_not_after = _st_not_after
    changed_year_inferred = _st_inferred
    changed_year_basis = _st_basis
    changed_as_given = _st_given
    by = models.ForeignKey(
        Organization,
        verbose_name=_("made or announced by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="status_changes_made",
        help_text=_("When the source says who did it, e.g. the school that ended the tie."),
    )
    note = models.CharField(
        _("what happened"), max_length=500, blank=True, help_text=_("In our own words.")
    )
    citations = GenericRelation("partnerships.Citation")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["partnership", "changed_on", "pk"]
        constraints = [*partial_date_constraints("changed", "statuschange")]

    def __str__(self) -> str:
        return f"{self.get_status_display()} ({self.changed})"

    def get_absolute_url(self) -> str:
        return self.partnership.get_absolute_url()

    @property
    def changed(self) -> PartialDate:
        return partial_date_of(self, "changed")

    def clean(self):
        errors = partial_date_errors_of(self, "changed", gettext("Date"))
        if errors:
            raise ValidationError(errors)


class VisitStatus(models.TextChoices):
    DONE = "done", _("Reported as done")
    PLANNED = "planned", _("Planned or announced")


class VisitDirection(models.TextChoices):
    A_TO_B = "a_to_b", _("First party visited the second")
    B_TO_A = "b_to_a", _("Second party visited the first")
    BOTH = "both", _("Both ways")
    JOINT = "joint", _("Joint event of both parties (neither travelled to the other)")
    UNKNOWN = "unknown", _("Not reported")


(_v_on, _v_precision, _v_not_after, _v_inferred, _v_basis, _v_given) = partial_date_fields(
    _("date")
)


class Visit(Versioned):
    """A visit or activity between the parties: when, which way, who and how many."""

    partnership = models.ForeignKey(
        SisterSchoolPartnership, on_delete=models.CASCADE, related_name="visits"
    )
    occasion = models.CharField(
        _("what it was, in the source's words"),
        max_length=200,
        blank=True,
        help_text=_(
            "For an activity that is not simply a visit: e.g. 'groundbreaking ceremony', "
            "'launch ceremony', 'joint summer camp'. Leave empty for a visit."
        ),
    )
    direction = models.CharField(
        _("direction"), max_length=8, choices=VisitDirection, default=VisitDirection.UNKNOWN
    )
    status = models.CharField(
        _("done or planned"), max_length=8, choices=VisitStatus, default=VisitStatus.DONE
    )
    format = models.CharField(
        _("how"),
        max_length=10,
        choices=EventFormat,
        default=EventFormat.UNKNOWN,
        help_text=_("In person, online (an exchange by video link), or both."),
    )
    visited_on = _v_on
    visited_precision = _v_precision
    visited_not_after = _v_not_after
    visited_year_inferred = _v_inferred
    visited_year_basis = _v_basis
    visited_as_given = _v_given
    ends_on = models.DateField(_("last day"), null=True, blank=True, help_text=_LAST_DATE_HELP)
    recurrence = models.CharField(
        _("recurs"),
        max_length=200,
        blank=True,
        help_text=_("For a pattern, not one visit: e.g. 'every year in late September'."),
    )
    headcount_qualifier = models.CharField(
        _("head-counts are"),
        max_length=10,
        choices=Qualifier,
        default=Qualifier.EXACT,
        help_text=_("As the source gives them: 'more than 20 students' is over 20."),
    )
    teachers = models.PositiveIntegerField(_("teachers"), null=True, blank=True)
    students = models.PositiveIntegerField(_("students"), null=True, blank=True)
    others = models.PositiveIntegerField(
        _("others"), null=True, blank=True, help_text=_("Staff, officials, chaperones.")
    )
    people_in_all = models.PositiveIntegerField(
        _("in all"),
        null=True,
        blank=True,
        help_text=_("When the source gives a total ('a 21-member delegation'), split or not."),
    )
    days = models.PositiveSmallIntegerField(
        _("how long (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(3660)],
        help_text=_("When the source gives its length but no last day: 'a two-week visit': 14."),
    )
    sender = models.ForeignKey(
        Organization,
        verbose_name=_("sent by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visits_sent",
        help_text=_(
            "The organization the source says sent the group, when it names one: a party, or "
            "another body (a school of the district that is the party, a provincial authority)."
        ),
    )
    other_senders = models.ManyToManyField(
        Organization,
        verbose_name=_("also sent by"),
        blank=True,
        related_name="visits_also_sent",
        help_text=_("When several organizations sent the group (four schools of one city)."),
    )
    hosts = models.ManyToManyField(
        Organization,
        verbose_name=_("hosted by"),
        blank=True,
        related_name="visits_hosted",
        help_text=_("The organizations the source says received the group (its host schools)."),
    )
    sent_from = models.ForeignKey(
        Region,
        verbose_name=_("came from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visits_sent",
        help_text=_(
            "The side or place the source says the group came from, e.g. 'a delegation from "
            "Jiangsu', 'teachers and students from Tanggu'."
        ),
    )
    places = models.ManyToManyField(
        Region,
        verbose_name=_("places the visitors came from or went to"),
        blank=True,
        related_name="visits",
        help_text=_("Cities or regions the source names beyond the parties' own."),
    )
    topics = models.TextField(
        _("topics discussed"),
        blank=True,
        help_text=_(
            "What the two sides talked about or agreed to work on, one per line, in our own "
            "words: 'double degrees', 'exchange of students and teachers'."
        ),
    )
    aims = models.TextField(
        _("what the visit was for"),
        blank=True,
        help_text=_(
            "Its aims or purpose as the source gives them, one per line, in our own words: "
            "'a programme of cultural and academic exchange', 'to sign the agreement'."
        ),
    )
    programme = models.TextField(
        _("programme"),
        blank=True,
        help_text=_(
            "What the visitors did, one item per line, as the source names it: 'lesson: "
            "Russian language', 'masterclass: Tatar ornament', 'excursion to Sviyazhsk'. A "
            "search finds the partnership by these words."
        ),
    )
    organizations_visited = models.ManyToManyField(
        Organization,
        verbose_name=_("also visited"),
        blank=True,
        related_name="visits_as_stop",
        help_text=_(
            "Universities, museums or other bodies the group went to besides its hosts (their "
            "pages list the visit)."
        ),
    )
    ordinal = models.PositiveSmallIntegerField(
        _("which visit this is"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(999)],
        help_text=_("As the source counts them: 2 for 'the school's second visit'."),
    )
    description = models.TextField(_("what happened"), blank=True, help_text=_("In our own words."))
    citations = GenericRelation("partnerships.Citation")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("visit or activity")
        verbose_name_plural = _("visits and activities")
        ordering = ["partnership", "visited_on", "pk"]
        constraints = [
            *partial_date_constraints("visited", "visit"),
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(visited_on__isnull=True)
                | models.Q(ends_on__gte=models.F("visited_on")),
                name="visit_ends_after_start",
            ),
        ]

    @property
    def topics_list(self) -> list[str]:
        return lines_of(self.topics)

    @property
    def aims_list(self) -> list[str]:
        return lines_of(self.aims)

    @property
    def programme_list(self) -> list[str]:
        return lines_of(self.programme)

    def __str__(self) -> str:
        # "Welcome ceremony: ..." beside the visit it was part of, in the admin's lists.
        text = f"{self.get_direction_display()} ({self.visited})"
        return f"{self.occasion}: {text}" if self.occasion else text

    def get_absolute_url(self) -> str:
        return self.partnership.get_absolute_url()

    @property
    def visited(self) -> PartialDate:
        return partial_date_of(self, "visited")

    @property
    def dates_display(self) -> str:
        return self.visited.through(self.ends_on)

    @property
    def days_display(self) -> str:
        """'for 14 days', '' when the source gives no length."""
        if self.days is None:
            return ""
        return ngettext("for %(n)s day", "for %(n)s days", self.days) % {"n": intcomma(self.days)}

    @property
    def headcount_display(self) -> str:
        parts = []
        if self.teachers is not None:
            parts.append(
                ngettext("%(n)s teacher", "%(n)s teachers", self.teachers)
                % {"n": intcomma(self.teachers)}
            )
        if self.students is not None:
            parts.append(
                ngettext("%(n)s student", "%(n)s students", self.students)
                % {"n": intcomma(self.students)}
            )
        if self.others is not None:
            parts.append(
                ngettext("%(n)s other person", "%(n)s other people", self.others)
                % {"n": intcomma(self.others)}
            )
        if self.people_in_all is not None:
            parts.append(
                ngettext("%(n)s person in all", "%(n)s people in all", self.people_in_all)
                % {"n": intcomma(self.people_in_all)}
            )
        if parts and self.headcount_qualifier != Qualifier.EXACT:
            # "over 20 students, 3 teachers": the source's word applies to each count.
            parts = [f"{self.get_headcount_qualifier_display()} {part}" for part in parts]
        return ", ".join(parts)

    def clean(self):
        errors = partial_date_errors_of(self, "visited", gettext("Date"))
        if last_error := last_date_error(self.visited, self.ends_on):
            errors["ends_on"] = last_error
        counted = sum(n for n in (self.teachers, self.students, self.others) if n is not None)
        if self.people_in_all is not None and self.people_in_all < counted:
            errors["people_in_all"] = gettext(
                "The number in all is smaller than the teachers, students and others counted "
                "(%(n)s)."
            ) % {"n": counted}
        sender_error = self.sender_direction_error()
        if sender_error:
            errors["sender"] = sender_error
        if errors:
            raise ValidationError(errors)

    def sender_direction_error(self) -> str:
        """A sender that is one of the parties must be the party the direction says went."""
        partnership = self.partnership if self.partnership_id else None
        if partnership is None or self.sender_id is None:
            return ""
        sides = {partnership.party_a_id: "a", partnership.party_b_id: "b"}
        went = {VisitDirection.A_TO_B: "a", VisitDirection.B_TO_A: "b"}.get(self.direction)
        if self.sender_id in sides and went and sides[self.sender_id] != went:
            return gettext(
                "The sender is the party that was visited, by the direction given: check "
                "the direction or the sender."
            )
        return ""


class PersonRoleInPartnership(models.TextChoices):
    WENT = "went", _("Went on the visit")
    TOOK_PART = "took_part", _("Took part")
    LED = "led", _("Led the group")
    HOSTED = "hosted", _("Hosted or received the visitors")
    INTERPRETED = "interpreted", _("Interpreted")
    ORGANIZED = "organized", _("Organized or coordinated the exchanges")
    HELPED = "helped", _("Helped bring it about")
    INVITED = "invited", _("Invited the visitors")
    WITNESSED = "witnessed", _("Witnessed the signing")
    SPOKE = "spoke", _("Spoke")
    CONTACT = "contact", _("Contact person")
    QUOTED = "quoted", _("Quoted (a statement the source reports)")
    CHAIRED = "chaired", _("Chaired the talks or meeting")
    ACCOMPANIED = "accompanied", _("Accompanied the visitors or showed them round")


class PartnershipPerson(Versioned):
    """A named person's part in a partnership, or in one of its visits: who led the group, who
    interpreted, who has organized the exchanges, who helped bring it about."""

    partnership = models.ForeignKey(
        SisterSchoolPartnership, on_delete=models.CASCADE, related_name="people"
    )
    visit = models.ForeignKey(
        Visit,
        verbose_name=_("on the visit"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="people",
        help_text=_("Leave empty for a part in the partnership as a whole."),
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="partnership_roles",
    )
    group = models.CharField(
        _("or a group"),
        max_length=300,
        blank=True,
        help_text=_(
            "When the source names no one but a group, as it words it: 'people in education', "
            "'teachers of the school'."
        ),
    )
    role = models.CharField(
        _("role"),
        max_length=12,
        choices=PersonRoleInPartnership,
        default=PersonRoleInPartnership.WENT,
    )
    title = models.CharField(
        _("title as the source gives it"),
        max_length=300,
        blank=True,
        help_text=_("E.g. 'head of the China Club', 'English teacher'."),
    )
    summary = models.TextField(
        _("what they said or did, in our words"),
        blank=True,
        help_text=_(
            "For a person quoted: the gist of the statement the source reports, in your own "
            "words, never the source's sentences."
        ),
    )
    citations = GenericRelation("partnerships.Citation")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("person in the partnership")
        verbose_name_plural = _("people in the partnership and its visits")
        ordering = ["partnership", "visit", "role", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "visit", "person", "role"],
                name="partnership_person_unique",
                violation_error_message=_("This person already has this role here."),
            ),
            models.UniqueConstraint(
                fields=["partnership", "person", "role"],
                condition=models.Q(visit__isnull=True),
                name="partnership_person_whole_unique",
                violation_error_message=_("This person already has this role here."),
            ),
        ]

    def __str__(self) -> str:
        who = related_str(self, "person") if self.person_id else self.group
        return f"{who} ({self.get_role_display()})"

    def get_absolute_url(self) -> str:
        return self.partnership.get_absolute_url()

    def clean(self):
        if not self.person_id and not self.group.strip():
            raise ValidationError(
                {"person": gettext("Give the person, or the group when no one is named.")}
            )
        if self.person_id and self.group.strip():
            raise ValidationError(
                {"group": gettext("A group is for when no person is named: give one or the other.")}
            )
        if (
            self.visit_id
            and self.partnership_id
            and self.visit.partnership_id != self.partnership_id
        ):
            raise ValidationError(
                {"visit": gettext("Choose one of this partnership's own visits.")}
            )
        if self.role in (PersonRoleInPartnership.WENT, PersonRoleInPartnership.LED) and not (
            self.visit_id
        ):
            raise ValidationError(
                {"visit": gettext("Say which visit: going or leading the group is on a visit.")}
            )


# --------------------------------------------------------------------------- figures


class Metric(models.TextChoices):
    MEMBERS = "members", _("members")
    PARTICIPANTS = "participants", _("participants")
    SPEAKERS = "speakers", _("speakers")
    AUDIENCE = "audience", _("audience or viewers")
    FINALISTS = "finalists", _("finalists")
    PRIZES = "prizes", _("prizes or awards given")
    DELEGATES = "delegates", _("delegates")
    STUDENTS = "students", _("students")
    TEACHERS = "teachers", _("teachers")
    STAFF = "staff", _("staff (faculty and other staff)")
    EXCHANGE_VISITORS = "exchange_visitors", _("students and teachers on two-way visits")
    ORGANIZATIONS = "organizations", _("organizations")
    COUNTRIES = "countries", _("countries and regions represented")
    PROVINCES = "provinces", _("provinces")
    CITIES = "cities", _("cities")
    POPULATION = "population", _("inhabitants")
    SISTER_SCHOOL_PARTNERSHIPS = "sister_school_partnerships", _("sister-school partnerships")
    COMPREHENSIVE_PARTNERSHIPS = (
        "comprehensive_partnerships",
        _("regional education administrations in comprehensive partnerships"),
    )
    PARTNERSHIPS = "partnerships", _("partnerships or pairings")
    AGREEMENTS = "agreements", _("agreements or memoranda")
    ALLIANCES = "alliances", _("alliances")
    INSTITUTIONS = "institutions", _("centres, institutes or colleges set up")
    CLASSROOMS = "classrooms", _("classrooms or teaching programmes")
    PROJECTS = "projects", _("projects and results")
    ACTIVITIES = "activities", _("activities and events")
    DOCUMENTS = "documents", _("documents issued")
    PUBLICATIONS = "publications", _("publications")
    EDITIONS = "editions", _("editions held")
    YEARS = "years", _("years running")
    DAYS = "days", _("days")
    YEARS_OF_STUDY = "study_years", _("years of study")
    GROUPS = "groups", _("groups or delegations")
    WORKING_GROUPS = "working_groups", _("working groups, communities or sub-networks")
    UNITS = "units", _("units named in the description")
    JOBS = "jobs", _("jobs")
    VISITS = "visits", _("visits")
    AREA = "area_m2", _("square metres of floor space")
    LAND = "area_ha", _("hectares of land")
    MONEY = "money", _("money")


# What one of a metric is called: "1 member", "more than one participant" (the labels
# above are plural). Units named in the description and money have none.
METRIC_SINGULAR = {
    Metric.MEMBERS: _("member"),
    Metric.PARTICIPANTS: _("participant"),
    Metric.SPEAKERS: _("speaker"),
    Metric.AUDIENCE: _("member of the audience or viewer"),
    Metric.FINALISTS: _("finalist"),
    Metric.PRIZES: _("prize or award given"),
    Metric.DELEGATES: _("delegate"),
    Metric.STUDENTS: _("student"),
    Metric.TEACHERS: _("teacher"),
    Metric.STAFF: _("member of staff"),
    Metric.EXCHANGE_VISITORS: _("student or teacher on a two-way visit"),
    Metric.ORGANIZATIONS: _("organization"),
    Metric.COUNTRIES: _("country or region represented"),
    Metric.PROVINCES: _("province"),
    Metric.CITIES: _("city"),
    Metric.POPULATION: _("inhabitant"),
    Metric.SISTER_SCHOOL_PARTNERSHIPS: _("sister-school partnership"),
    Metric.COMPREHENSIVE_PARTNERSHIPS: _(
        "regional education administration in a comprehensive partnership"
    ),
    Metric.PARTNERSHIPS: _("partnership or pairing"),
    Metric.AGREEMENTS: _("agreement or memorandum"),
    Metric.ALLIANCES: _("alliance"),
    Metric.INSTITUTIONS: _("centre, institute or college set up"),
    Metric.CLASSROOMS: _("classroom or teaching programme"),
    Metric.PROJECTS: _("project or result"),
    Metric.ACTIVITIES: _("activity or event"),
    Metric.DOCUMENTS: _("document issued"),
    Metric.PUBLICATIONS: _("publication"),
    Metric.EDITIONS: _("edition held"),
    Metric.YEARS: _("year running"),
    Metric.DAYS: _("day"),
    Metric.YEARS_OF_STUDY: _("year of study"),
    Metric.GROUPS: _("group or delegation"),
    Metric.WORKING_GROUPS: _("working group, community or sub-network"),
    Metric.JOBS: _("job"),
    Metric.VISITS: _("visit"),
    Metric.AREA: _("square metre of floor space"),
    Metric.LAND: _("hectare of land"),
}


class FigurePeriod(models.TextChoices):
    TOTAL = "total", _("in all")
    PER_YEAR = "per_year", _("a year")
    PER_COUNTRY = "per_country", _("per country")
    PER_MEMBER = "per_member", _("per member")


class FigureStatus(models.TextChoices):
    ACHIEVED = "achieved", _("reported as done")
    EXPECTED = "expected", _("expected or planned")
    TARGET = "target", _("target")


class AttendanceMode(models.TextChoices):
    IN_PERSON = "in_person", _("in person")
    ONLINE = "online", _("online")


class FigureOrigin(models.TextChoices):
    INTERNATIONAL = "international", _("from abroad")
    DOMESTIC = "domestic", _("from the host country")
    FROM_COUNTRY = "from_country", _("from the country or region given")


# The public records (roles.RECORD_MODELS) other than figures themselves.
FIGURE_SUBJECT_MODELS = tuple(m for m in RECORD_MODELS if m != "reportedfigure")


# The content types a figure may be about: our public records, nothing else.
FIGURE_SUBJECT_TYPES = models.Q(app_label="partnerships", model__in=FIGURE_SUBJECT_MODELS)

(_asof_on, _asof_precision, _asof_not_after, _asof_inferred, _asof_basis, _asof_given) = (
    partial_date_fields(_("as of"))
)


class ReportedFigure(Record):
    """A number a source reports, which is not a count of records we hold. Entered in the
    form of the record it is about (its subject), never on its own."""

    subject_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, limit_choices_to=FIGURE_SUBJECT_TYPES
    )
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    metric = models.CharField(_("what is counted"), max_length=40, choices=Metric)
    value = models.DecimalField(
        _("value"),
        max_digits=20,
        decimal_places=2,
        validators=[MinValueValidator(0)],
        help_text=_("As the source gives it: a whole number, or up to two decimals (9290.3)."),
    )
    qualifier = models.CharField(
        _("qualifier"),
        max_length=20,
        choices=FigureQualifier,
        default=FigureQualifier.EXACT,
        help_text=_(
            "For 'hundreds of' (no number given), the value is 100; for 'dozens of' 12, "
            "'thousands of' 1000, 'tens of thousands of' 10000."
        ),
    )
    currency = models.CharField(
        _("currency"),
        max_length=3,
        blank=True,
        help_text=_("For money: the ISO 4217 code, e.g. USD, CNY, EUR."),
    )
    period = models.CharField(
        _("per"),
        max_length=12,
        choices=FigurePeriod,
        default=FigurePeriod.TOTAL,
        help_text=_("'Up to 12 participants per country': per country, qualifier 'up to'."),
    )
    status = models.CharField(
        _("done or planned"),
        max_length=10,
        choices=FigureStatus,
        default=FigureStatus.ACHIEVED,
    )
    # The breakdown: which part of the whole is counted (blank: the whole).
    country = models.ForeignKey(
        Region,
        verbose_name=_("only those in"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_(
            "Breakdown by country or region, e.g. the members in Russia; for those who came "
            "from it (participants from Russia), also choose 'from the country or region given'."
        ),
    )
    organization_kind = models.CharField(
        _("only organizations of kind"),
        max_length=20,
        choices=OrganizationKind,
        blank=True,
        help_text=_("Breakdown by kind, e.g. the members that are universities."),
    )
    mode = models.CharField(
        _("only those taking part"),
        max_length=10,
        choices=AttendanceMode,
        blank=True,
        help_text=_("Breakdown by mode: in person or online."),
    )
    origin = models.CharField(
        _("only those"),
        max_length=13,
        choices=FigureOrigin,
        blank=True,
        help_text=_("Breakdown by origin, e.g. the international guests."),
    )
    since_year = models.PositiveSmallIntegerField(
        _("since (year)"), null=True, blank=True, help_text=_("Start of the period counted.")
    )
    given_by = models.ForeignKey(
        Organization,
        verbose_name=_("given or paid by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="figures_given",
        help_text=_("For a gift, grant or fund: the organization the source says gave it."),
    )
    as_of = _asof_on
    as_of_precision = _asof_precision
    as_of_not_after = _asof_not_after
    as_of_year_inferred = _asof_inferred
    as_of_year_basis = _asof_basis
    as_of_as_given = _asof_given
    description = models.CharField(
        _("description"),
        max_length=300,
        blank=True,
        help_text=_("What exactly is counted, in our words, when the metric does not say it all."),
    )

    class Meta:
        verbose_name = _("reported figure")
        verbose_name_plural = _("reported figures")
        permissions = [("publish_reportedfigure", "Can publish and unpublish reported figures")]
        ordering = ["subject_type", "subject_id", "metric", "pk"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"]),
            *search_indexes("reportedfigu"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(metric="money") | models.Q(currency=""),
                name="figure_currency_only_for_money",
                violation_error_message=_("A currency goes only with a figure of money."),
            ),
            models.CheckConstraint(
                condition=~models.Q(metric="money") | ~models.Q(currency=""),
                name="figure_money_has_currency",
                violation_error_message=_("A figure of money needs its currency."),
            ),
        ]

    # The fields that say what a figure counts: two figures alike in all of them and in
    # their value are the same figure entered twice.
    IDENTITY = (
        "subject_type_id",
        "subject_id",
        "metric",
        "qualifier",
        "value",
        "currency",
        "period",
        "status",
        "country_id",
        "organization_kind",
        "mode",
        "origin",
        "since_year",
        "given_by_id",
        "as_of",
        "as_of_precision",
    )

    def __str__(self) -> str:
        return self.text

    @classmethod
    def publish_drafts_about(cls, record, reason: str) -> int:
        """Publish the draft figures about ``record``, which are entered in its form: whoever
        publishes a record publishes what its form holds (a figure can be taken back to a
        draft on its own afterwards). Each is saved with its history entry; returns how many."""
        if isinstance(record, cls):
            return 0  # a figure is about a record, not about figures
        subject_type = ContentType.objects.get_for_model(type(record))
        drafts = cls._base_manager.filter(
            subject_type=subject_type, subject_id=record.pk, publication=Publication.DRAFT
        )
        published = 0
        with transaction.atomic(using=record._state.db):
            for figure in drafts.using(record._state.db).select_for_update():
                figure.publication = Publication.PUBLISHED
                figure._change_reason = reason
                figure.save(update_fields=["publication", "updated_at"])
                published += 1
        return published

    @property
    def as_of_date(self) -> PartialDate:
        return PartialDate(
            self.as_of,
            self.as_of_precision,
            self.as_of_not_after,
            self.as_of_year_inferred,
            self.as_of_year_basis,
            self.as_of_as_given,
        )

    def clean(self):
        date = self.as_of_date
        errors = {
            ("as_of" if k == "on" else f"as_of_{k}"): v
            for k, v in partial_date_errors(
                date.on,
                date.precision,
                date.not_after,
                gettext("As of"),
                date.year_inferred,
                date.year_basis,
            ).items()
        }
        subject_model = None
        if self.subject_type_id is not None:
            ct = ContentType.objects.get_for_id(self.subject_type_id)
            if ct.app_label == "partnerships" and ct.model in FIGURE_SUBJECT_MODELS:
                subject_model = ct.model_class()
            else:
                names = ", ".join(
                    str(apps.get_model("partnerships", name)._meta.verbose_name)
                    for name in FIGURE_SUBJECT_MODELS
                )
                errors["subject_type"] = gettext(
                    "A figure must be about one of our records (%(names)s), not a %(type)s."
                ) % {"names": names, "type": ct.name}
        if (
            subject_model is not None
            and self.subject_id is not None
            and not subject_model._base_manager.filter(pk=self.subject_id).exists()
        ):
            errors["subject_id"] = gettext(
                "There is no %(model)s with id %(id)s: check the record's id."
            ) % {"model": subject_model._meta.verbose_name, "id": self.subject_id}
        unit = MAGNITUDE_UNITS.get(self.qualifier)
        if unit is not None and self.value is not None and self.value != unit:
            errors["value"] = gettext(
                "For “%(qualifier)s” the source gives no number: enter %(unit)s as the value "
                "(the page shows “%(qualifier)s”, not a number)."
            ) % {"qualifier": self.get_qualifier_display(), "unit": unit}
        if self.metric == Metric.UNITS and not self.description.strip():
            errors["description"] = gettext(
                "Say what is counted, as the source counts it ('pieces of equipment')."
            )
        if self.origin == FigureOrigin.FROM_COUNTRY and self.country_id is None:
            errors["country"] = gettext(
                "Give the country or region they came from, or choose another origin."
            )
        if self.metric == Metric.MONEY and not self.currency:
            errors["currency"] = gettext("A figure of money needs its currency (e.g. USD).")
        elif self.metric != Metric.MONEY and self.currency:
            errors["currency"] = gettext("A currency goes only with a figure of money.")
        if self.currency and not re.fullmatch(r"[A-Z]{3}", self.currency):
            errors["currency"] = gettext("Give the currency as three capital letters, e.g. USD.")
        if (
            not errors
            and self.subject_type_id is not None
            and self.subject_id is not None
            and self.metric
            and ReportedFigure._base_manager.filter(
                **{
                    (name[:-3] if name.endswith("_id") and name != "subject_id" else name): (
                        getattr(self, name)
                    )
                    for name in self.IDENTITY
                }
            )
            # Units named in the description: 16 pieces of equipment, 16 training areas.
            .filter(**({"description": self.description} if self.metric == Metric.UNITS else {}))
            .exclude(pk=self.pk)
            .exists()
        ):
            # A real duplicate: the same count of the same thing, the same value, on the same
            # date (or with no date on both). A different value for the same count is allowed:
            # sources disagree, and each value is kept with its citation.
            errors["value"] = gettext(
                "This record already has this figure (%(text)s): add this source's citation "
                "to that one instead."
            ) % {"text": self.text}
        if errors:
            raise ValidationError(errors)

    def search_parts(self) -> list[str]:
        return [self.description]

    def get_absolute_url(self) -> str:
        subject = self.subject
        return subject.get_absolute_url() if subject is not None else ""

    @property
    def value_display(self) -> str:
        number = number_text(self.value)
        if self.metric == Metric.MONEY and self.currency:
            number = f"{self.currency} {number}"
        if self.qualifier in MAGNITUDE_UNITS:
            # "hundreds of participants", "thousands of USD": the source gave no number.
            words = [
                self.get_qualifier_display(),
                self.currency if self.metric == Metric.MONEY else "",
            ]
            return " ".join(word for word in words if word)
        if self.qualifier == FigureQualifier.EXACT:
            return number
        return f"{self.get_qualifier_display()} {number}"

    @property
    def counted(self) -> str:
        """What is counted, in words: "members", "universities and colleges", "participants";
        one of it for a value of 1 ("1 member", "more than one participant")."""
        one = self.value is not None and self.value == 1 and self.qualifier not in MAGNITUDE_UNITS
        if self.metric in (Metric.ORGANIZATIONS, Metric.MEMBERS) and self.organization_kind:
            if one:
                if self.organization_kind == OrganizationKind.OTHER:
                    if self.metric == Metric.MEMBERS:
                        return gettext("member of another kind")
                    return gettext("organization of another kind")
                kind = OrganizationKind(self.organization_kind).label.lower()
                if self.metric == Metric.MEMBERS:
                    # "an education authority", "a university" (its "u" sounds as "you").
                    a_kind = ("an " if kind[0] in "aeio" else "a ") + kind
                    return gettext("member that is %(a_kind)s") % {"a_kind": a_kind}
                return kind
            kinds = str(KIND_PLURALS.get(self.organization_kind, self.organization_kind))
            if self.metric == Metric.MEMBERS:
                return gettext("members that are %(kinds)s") % {"kinds": kinds}
            return kinds
        if self.metric == Metric.MONEY:
            return ""
        if self.metric == Metric.UNITS:
            return self.description  # "pieces of equipment", as the source counts them
        if one and self.metric in METRIC_SINGULAR:
            return str(METRIC_SINGULAR[self.metric])
        return self.get_metric_display()

    @property
    def breakdown(self) -> str:
        """Which part of the whole: "in Russia", "online"."""
        parts = []
        from_country = self.origin == FigureOrigin.FROM_COUNTRY
        if self.country_id is not None:
            where = gettext("from %(place)s") if from_country else gettext("in %(place)s")
            parts.append(where % {"place": self.country.name})
        if self.organization_kind and self.metric not in (Metric.ORGANIZATIONS, Metric.MEMBERS):
            parts.append(
                gettext("(%(kinds)s)")
                % {"kinds": KIND_PLURALS.get(self.organization_kind, self.organization_kind)}
            )
        if self.mode:
            parts.append(self.get_mode_display())
        if self.origin and not from_country:
            parts.append(self.get_origin_display())
        return " ".join(parts)

    @property
    def text(self) -> str:
        words = [self.value_display, self.counted, self.breakdown]
        if self.period != FigurePeriod.TOTAL:
            words.append(str(self.get_period_display()))
        if self.since_year:
            words.append(gettext("since %(year)s") % {"year": self.since_year})
        if self.status != FigureStatus.ACHIEVED:
            words.append(f"({self.get_status_display()})")
        return " ".join(word for word in words if word)


# --------------------------------------------------------------------------- differing accounts


class OtherAccount(Versioned):
    """What another source says of a fact that a record states differently: both values
    are kept, each with its source, and the public page says the sources differ."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    fact = models.CharField(
        _("fact"), max_length=200, help_text=_("What the sources differ on, e.g. 'founded'.")
    )
    value = models.CharField(
        _("what this source says"), max_length=300, help_text=_("In our words.")
    )
    source = models.ForeignKey(
        Source, verbose_name=_("source"), on_delete=models.PROTECT, related_name="other_accounts"
    )
    paragraph = models.PositiveSmallIntegerField(
        _("paragraph"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    section = models.CharField(_("section"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("another source's account")
        verbose_name_plural = _("where sources differ")
        ordering = ["fact", "pk"]
        indexes = [models.Index(fields=["content_type", "object_id"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(paragraph__isnull=False) | ~models.Q(section=""),
                name="other_account_paragraph_or_section",
                violation_error_message=_("Give the paragraph or the section cited."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fact}: {self.value}"

    def clean(self):
        if self.paragraph is None and not self.section:
            raise ValidationError(
                {"paragraph": gettext("Give the paragraph or the section cited.")}
            )


# --------------------------------------------------------------------------- review


class RevisionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class Revision(models.Model):
    """A change to a published record proposed by someone who may not publish it (an editor's
    form, an import row). The public site keeps the published record until a publisher
    approves; approving applies the change as one history entry naming author and approver.

    ``changes``: {"fields": {attname: value as JSON}, "rows": [{"model": "app.model",
    "pk": id or null, "action": "add" | "change" | "delete", "fields": {attname: value}}]}
    where rows are the record's inline rows (citations, other names, memberships, ...)."""

    class Kind(models.TextChoices):
        CHANGE = "change", _("Change")
        DELETE = "delete", _("Deletion")

    content_type = models.ForeignKey(
        ContentType, verbose_name=_("kind of record"), on_delete=models.CASCADE
    )
    object_id = models.PositiveBigIntegerField(_("record id"))
    record = GenericForeignKey("content_type", "object_id")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind, default=Kind.CHANGE)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=RevisionStatus,
        default=RevisionStatus.PENDING,
        db_index=True,
    )
    base_version = models.PositiveIntegerField(
        _("based on version"),
        help_text=_("The record's version the change was made from; approval needs it current."),
    )
    changes = models.JSONField(_("changes"), default=dict)
    summary = models.CharField(_("what changes"), max_length=500, blank=True)
    origin = models.CharField(_("made in"), max_length=20, default="admin")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="revisions_made",
    )
    created_at = models.DateTimeField(_("proposed"), auto_now_add=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="revisions_reviewed",
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    comment = models.TextField(_("reviewer's comment"), blank=True)

    class Meta:
        verbose_name = _("revision for review")
        verbose_name_plural = _("revisions for review")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["content_type", "object_id", "status"])]

    def __str__(self) -> str:
        return gettext("%(kind)s of %(model)s #%(id)s by %(author)s") % {
            "kind": self.get_kind_display(),
            "model": self.content_type.model_class()._meta.verbose_name
            if self.content_type.model_class()
            else self.content_type.model,
            "id": self.object_id,
            "author": self.author or "?",
        }


from .feedback import MistakeReport  # noqa: E402,F401
from .jobmodels import ImportJob  # noqa: E402,F401
