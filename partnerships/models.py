"""The data model: regions, organizations, alliances, conferences, partnerships,
the people named in the sources, the figures the sources report, and the
citations that tie every record to the paragraph that supports it."""

from __future__ import annotations

import functools
import re

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.validators import MinValueValidator
from django.db import models, router, transaction
from django.db.models.functions import Greatest, Least
from django.urls import get_script_prefix, reverse
from django.utils import formats
from django.utils.encoding import force_str
from django.utils.text import slugify
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .dates import DatePrecision, PartialDate, partial_date_constraints, partial_date_errors
from .roles import RECORD_MODELS


def newest_first(field: str) -> models.OrderBy:
    """Latest date first and unknown dates (NULL) last, on every database.

    PostgreSQL's NULL sorts as the largest value and SQLite's as the smallest: a plain
    DESC put every partnership whose date no source reports at the top of PostgreSQL's
    newest-first list, and at the bottom of SQLite's."""
    return models.F(field).desc(nulls_last=True)


def oldest_first(field: str) -> models.OrderBy:
    """Earliest date first and, as in newest_first, unknown dates (NULL) last."""
    return models.F(field).asc(nulls_last=True)


class NullsLastIndex(models.Index):
    """A B-tree index whose descending columns also put NULL last on PostgreSQL (its
    ascending ones do by default), so that it reads in the order newest_first() asks for:
    a plain DESC index there is NULLS FIRST. SQLite's CREATE INDEX takes no NULLS clause;
    its DESC index already puts NULL last.

    ``postgresql_include`` names fields the index also holds on PostgreSQL (INCLUDE), for
    index-only scans; SQLite has no such thing (Django's own ``include`` would make its
    system check warn there)."""

    def __init__(self, *args, postgresql_include=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.postgresql_include = tuple(postgresql_include)

    def deconstruct(self):
        path, args, kwargs = super().deconstruct()
        if self.postgresql_include:
            kwargs["postgresql_include"] = self.postgresql_include
        return path, args, kwargs

    def create_sql(self, model, schema_editor, using="", **kwargs):
        index = self
        if schema_editor.connection.vendor == "postgresql":
            index = self.clone()
            index.fields_orders = [
                (name, "DESC NULLS LAST" if order == "DESC" else order)
                for name, order in self.fields_orders
            ]
            index.include = index.include + self.postgresql_include
        return super(NullsLastIndex, index).create_sql(model, schema_editor, using, **kwargs)


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
    # every update that changes search_text (migration 0006), GIN-indexed for search.
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
        return " ".join(" ".join(part.split()) for part in self.search_parts() if part)

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


def unique_slug(instance, text: str, max_length: int = 120) -> str:
    """A slug from ``text`` that no other row of the instance's model uses."""
    base = slugify(text)[:max_length].strip("-") or "record"
    slug, n = base, 2
    model = type(instance)
    while model._default_manager.filter(slug=slug).exclude(pk=instance.pk).exists():
        suffix = f"-{n}"
        slug = f"{base[: max_length - len(suffix)]}{suffix}"
        n += 1
    return slug


def partial_date_fields(verbose: str):
    """The three columns of a partial date (see dates.py)."""
    return (
        models.DateField(
            _("%(what)s (first day of the known period)") % {"what": verbose},
            null=True,
            blank=True,
            help_text=_(
                "If only the month or year is known, the first day of it; set the precision."
            ),
        ),
        models.CharField(
            _("precision"), max_length=5, choices=DatePrecision, default=DatePrecision.DAY
        ),
        models.DateField(
            _("not after"),
            null=True,
            blank=True,
            help_text=_("Latest possible date, when the source only says 'recently' or 'before'."),
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


class RegionQuerySet(RecordQuerySet):
    def descendants_of(self, region, include_self=True):
        qs = self.filter(path__startswith=region.path)
        return qs if include_self else qs.exclude(pk=region.pk)


class Region(Record):
    """A place in a hierarchy: country > province/state > prefecture/city."""

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
    )
    path = models.CharField(
        _("path"),
        max_length=255,
        editable=False,
        db_index=True,
        help_text=_("Ids from the top of the hierarchy, e.g. /1/4/9/; kept by save()."),
    )
    depth = models.PositiveSmallIntegerField(_("depth"), default=0, editable=False)

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        permissions = [("publish_region", "Can publish and unpublish regions")]
        ordering = ["path"]
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
        return [self.name, self.iso_code]

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
        if code:
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
        if self.parent_id:
            if self.pk and self.parent_id == self.pk:
                errors["parent"] = gettext("A region cannot be part of itself.")
            elif self.pk and f"/{self.pk}/" in self.parent.path:
                errors["parent"] = gettext(
                    "%(parent)s is inside %(region)s, so %(region)s cannot be part of it: "
                    "that would make a loop."
                ) % {"parent": self.parent, "region": self}
        if self.kind == RegionKind.COUNTRY and self.parent_id:
            errors.setdefault("parent", gettext("A country is not part of another region."))
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        if self.parent_id and self.pk and f"/{self.pk}/" in (self.parent.path or ""):
            raise ValidationError(gettext("A region cannot be inside one of its own sub-regions."))
        old_path = self.path
        super().save(*args, **kwargs)
        parent_path = self.parent.path if self.parent_id else "/"
        new_path = f"{parent_path}{self.pk}/"
        if new_path != old_path:
            self.path = new_path
            self.depth = new_path.count("/") - 2
            Region.objects.filter(pk=self.pk).update(path=self.path, depth=self.depth)
            if old_path:
                # Move the whole subtree along with this region.
                for child in Region.objects.filter(path__startswith=old_path).exclude(pk=self.pk):
                    child.path = new_path + child.path[len(old_path) :]
                    child.depth = child.path.count("/") - 2
                    Region.objects.filter(pk=child.pk).update(path=child.path, depth=child.depth)


# --------------------------------------------------------------------------- sources


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
    published_on = models.DateField(_("published on"), null=True, blank=True)
    dateline = models.CharField(_("dateline"), max_length=200, blank=True)
    language = models.CharField(
        _("language"), max_length=35, default="en", help_text=_("BCP 47 code, e.g. en, zh, ru.")
    )
    is_translation = models.BooleanField(_("is a translation"), default=False)
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
        constraints = [
            models.UniqueConstraint(fields=["title", "outlet"], name="source_title_outlet_unique"),
        ]

    def __str__(self) -> str:
        date = self.published_on.isoformat() if self.published_on else gettext("undated")
        return f"{self.title} ({self.outlet}, {date})"

    def get_absolute_url(self) -> str:
        return reverse("source-detail", args=[self.pk])

    def search_parts(self) -> list[str]:
        return [self.title, self.outlet, self.original_outlet, self.summary]


class Citation(Versioned):
    """A record is supported by a paragraph of a source."""

    source = models.ForeignKey(
        Source, verbose_name=_("source"), on_delete=models.PROTECT, related_name="citations_made"
    )
    paragraph = models.PositiveSmallIntegerField(_("paragraph"), validators=[MinValueValidator(1)])
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
        ordering = ["source_id", "paragraph"]
        indexes = [models.Index(fields=["content_type", "object_id"])]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "source", "paragraph"],
                name="citation_unique_per_record",
            ),
            models.CheckConstraint(
                condition=models.Q(paragraph__gte=1), name="citation_paragraph_positive"
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(source)s, paragraph %(n)s") % {
            "source": self.source.title,
            "n": self.paragraph,
        }

    def clean(self):
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
    AUTHORITY = "authority", _("Education authority")
    SCHOOL_BOARD = "school_board", _("School board")
    GOVERNMENT = "government", _("Government")
    NETWORK = "network", _("Network or association")
    MEDIA = "media", _("News media")
    OTHER = "other", _("Other")


class Organization(Record):
    """A school, university, education authority, school board, government or network."""

    name = models.CharField(_("name"), max_length=300)
    slug = models.SlugField(_("slug"), max_length=120, unique=True, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganizationKind)
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organizations",
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
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        permissions = [("publish_organization", "Can publish and unpublish organizations")]
        ordering = ["name"]
        # The public list's first page: published organizations by name, without a sort of
        # every row (100,000 organizations next to a million partnerships).
        indexes = [models.Index(fields=["publication", "name"], name="org_publication_name")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("pk")),
                name="organization_not_its_own_parent",
            ),
            models.CheckConstraint(
                condition=~models.Q(slug=""), name="organization_slug_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return slug_url("organization-detail", self.slug)

    def clean(self):
        if self.pk and self.parent_id == self.pk:
            raise ValidationError({"parent": gettext("An organization cannot be part of itself.")})

    def search_parts(self) -> list[str]:
        names = [alias.name for alias in self.other_names.all()] if self.pk else []
        return [self.name, *names, self.description]

    def place_fields(self) -> dict:
        region = self.region
        return {
            "country": region.country() if region else None,
            "province": region.province() if region else None,
        }

    def save(self, *args, **kwargs):
        for field, value in self.place_fields().items():
            setattr(self, field, value)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "region" in update_fields:
            kwargs["update_fields"] = {*update_fields, "country", "province"}
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
    """Someone named in a source."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=120, unique=True, blank=True)
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

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        permissions = [("publish_person", "Can publish and unpublish people")]
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(slug=""), name="person_slug_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return slug_url("person-detail", self.slug)

    def search_parts(self) -> list[str]:
        # A related record's name only while it is published: a search must not find
        # this person by the name of a draft organization (signals.py refreshes it).
        org = self.organization if self.organization_id else None
        return [self.name, self.position, org.name if org and org.is_published else ""]


# --------------------------------------------------------------------------- conferences


class ConferenceSeries(Record):
    """A conference held repeatedly, e.g. once a year since 2005."""

    name = models.CharField(_("name"), max_length=300)
    slug = models.SlugField(_("slug"), max_length=120, unique=True, blank=True)
    first_held_year = models.PositiveSmallIntegerField(
        _("first held (year)"), null=True, blank=True
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("conference series")
        verbose_name_plural = _("conference series")
        permissions = [("publish_conferenceseries", "Can publish and unpublish conference series")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return slug_url("series-detail", self.slug)

    def search_parts(self) -> list[str]:
        return [self.name, self.description]


(_held_on, _held_precision, _held_not_after) = partial_date_fields(_("held"))


class Conference(Record):
    name = models.CharField(_("name"), max_length=300)
    slug = models.SlugField(_("slug"), max_length=120, unique=True, blank=True)
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
    ends_on = models.DateField(_("last day"), null=True, blank=True)
    host_region = models.ForeignKey(
        Region,
        verbose_name=_("host city or region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="conferences_hosted",
    )
    venue = models.ForeignKey(
        Organization,
        verbose_name=_("host or venue organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="conferences_hosted",
    )
    organizers = models.ManyToManyField(
        Organization, verbose_name=_("organizers"), blank=True, related_name="conferences_organized"
    )
    participating_regions = models.ManyToManyField(
        Region,
        verbose_name=_("countries and regions named as taking part"),
        blank=True,
        related_name="conferences_attended",
    )
    summary = models.TextField(_("summary"), blank=True, help_text=_("In our own words."))

    class Meta:
        verbose_name = _("conference")
        verbose_name_plural = _("conferences")
        permissions = [("publish_conference", "Can publish and unpublish conferences")]
        ordering = [newest_first("held_on"), "name"]
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
            *partial_date_constraints("held", "conference"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return slug_url("conference-detail", self.slug)

    def search_parts(self) -> list[str]:
        # The series' name only while the series is published (signals.py refreshes it).
        series = self.series if self.series_id else None
        return [self.name, series.name if series and series.is_published else "", self.summary]

    @property
    def held(self) -> PartialDate:
        return PartialDate(self.held_on, self.held_precision, self.held_not_after)

    @property
    def dates_display(self) -> str:
        start, end = self.held_on, self.ends_on
        if start and end and end != start and self.held_precision == DatePrecision.DAY:
            if (start.year, start.month) == (end.year, end.month):
                return f"{start.day}–{formats.date_format(end, 'j F Y')}"
            return f"{formats.date_format(start, 'j F')} – {formats.date_format(end, 'j F Y')}"
        return str(self.held)

    def clean(self):
        errors = {
            f"held_{k}": v
            for k, v in partial_date_errors(
                self.held_on, self.held_precision, self.held_not_after, gettext("Held")
            ).items()
        }
        if self.edition is not None and self.edition < 1:
            errors["edition"] = gettext("The edition number starts at 1 (the 1st conference).")
        if self.ends_on and self.held_on and self.ends_on < self.held_on:
            errors["ends_on"] = gettext("The last day is before the first day.")
        elif self.ends_on and self.held_on is None:
            errors["ends_on"] = gettext("A last day needs the first day: give the first day too.")
        elif self.ends_on and self.held_precision != DatePrecision.DAY:
            # dates_display shows a last day only after a first day known to the day.
            errors["ends_on"] = gettext(
                "A last day needs the first day: set the date's precision to a day."
            )
        if self.edition and not self.series_id:
            errors["series"] = gettext("An edition number needs the series it belongs to.")
        if errors:
            raise ValidationError(errors)


class Speech(Versioned):
    """A person spoke at a conference."""

    class Mode(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        VIDEO = "video", _("By video link")
        UNKNOWN = "unknown", _("Not reported")

    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="speeches")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="speeches")
    mode = models.CharField(_("how"), max_length=10, choices=Mode, default=Mode.UNKNOWN)
    summary = models.TextField(_("what they said, in our words"), blank=True)
    citations = GenericRelation("partnerships.Citation")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("speech")
        verbose_name_plural = _("speeches")
        ordering = ["conference", "person__name"]
        constraints = [
            models.UniqueConstraint(fields=["conference", "person"], name="speech_unique"),
        ]

    def __str__(self) -> str:
        return gettext("%(person)s at %(conference)s") % {
            "person": related_str(self, "person"),
            "conference": related_str(self, "conference"),
        }

    def get_absolute_url(self) -> str:
        return self.conference.get_absolute_url()


# --------------------------------------------------------------------------- alliances


class AllianceFocus(models.TextChoices):
    SPECIAL_EDUCATION = "special_education", _("Special education")
    HIGHER_EDUCATION = "higher_education", _("Higher education")
    BASIC_EDUCATION = "basic_education", _("Primary and secondary education")
    VOCATIONAL = "vocational", _("Vocational education")
    OTHER = "other", _("Other")


(_founded_on, _founded_precision, _founded_not_after) = partial_date_fields(_("founded"))


class Alliance(Record):
    name = models.CharField(_("name"), max_length=300)
    slug = models.SlugField(_("slug"), max_length=120, unique=True, blank=True)
    other_names = models.TextField(
        _("other names"),
        blank=True,
        help_text=_("One per line, as sources and translations give them."),
    )
    focus = models.CharField(_("focus"), max_length=20, choices=AllianceFocus)
    countries = models.ManyToManyField(
        Region, verbose_name=_("member countries"), blank=True, related_name="alliances"
    )
    founded_on = _founded_on
    founded_precision = _founded_precision
    founded_not_after = _founded_not_after
    founding_conference = models.ForeignKey(
        Conference,
        verbose_name=_("founded at"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="alliances_founded",
    )
    summary = models.TextField(_("summary"), blank=True, help_text=_("In our own words."))

    class Meta:
        verbose_name = _("alliance")
        verbose_name_plural = _("alliances")
        permissions = [("publish_alliance", "Can publish and unpublish alliances")]
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(slug=""), name="alliance_slug_not_empty"),
            *partial_date_constraints("founded", "alliance"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return slug_url("alliance-detail", self.slug)

    def search_parts(self) -> list[str]:
        return [self.name, self.other_names, self.summary]

    @property
    def founded(self) -> PartialDate:
        return PartialDate(self.founded_on, self.founded_precision, self.founded_not_after)

    @property
    def other_names_list(self) -> list[str]:
        return [line.strip() for line in self.other_names.splitlines() if line.strip()]

    def clean(self):
        errors = {
            f"founded_{k}": v
            for k, v in partial_date_errors(
                self.founded_on, self.founded_precision, self.founded_not_after, gettext("Founded")
            ).items()
        }
        if errors:
            raise ValidationError(errors)


class MemberRole(models.TextChoices):
    LEAD = "lead", _("Lead member")
    CHAIR = "chair", _("Council chair")
    VICE_CHAIR = "vice_chair", _("Council vice-chair")
    PERMANENT = "permanent", _("Permanent council member")
    MEMBER = "member", _("Member")


class AllianceMembership(Versioned):
    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="alliance_memberships"
    )
    role = models.CharField(_("role"), max_length=12, choices=MemberRole, default=MemberRole.MEMBER)
    citations = GenericRelation("partnerships.Citation")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("alliance membership")
        verbose_name_plural = _("alliance memberships")
        ordering = ["alliance", "role", "organization__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "organization"], name="alliance_membership_unique"
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(org)s, %(role)s of %(alliance)s") % {
            "org": related_str(self, "organization"),
            "role": self.get_role_display().lower(),
            "alliance": related_str(self, "alliance"),
        }

    def get_absolute_url(self) -> str:
        return self.alliance.get_absolute_url()


(_event_on, _event_precision, _event_not_after) = partial_date_fields(_("date"))


class AllianceEvent(Versioned):
    """Something the sources report about how an alliance is governed."""

    class Kind(models.TextChoices):
        FOUNDED = "founded", _("Founded")
        COUNCIL_FORMED = "council_formed", _("Council formed")
        CHARTER_ADOPTED = "charter_adopted", _("Charter adopted")
        MEETING = "meeting", _("Meeting held")
        OTHER = "other", _("Other")

    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("what happened"), max_length=20, choices=Kind)
    occurred_on = _event_on
    occurred_precision = _event_precision
    occurred_not_after = _event_not_after
    conference = models.ForeignKey(
        Conference, null=True, blank=True, on_delete=models.SET_NULL, related_name="alliance_events"
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
        return PartialDate(self.occurred_on, self.occurred_precision, self.occurred_not_after)

    def clean(self):
        errors = {
            f"occurred_{k}": v
            for k, v in partial_date_errors(
                self.occurred_on, self.occurred_precision, self.occurred_not_after, gettext("Date")
            ).items()
        }
        if errors:
            raise ValidationError(errors)


# --------------------------------------------------------------------------- partnerships


class PartnershipLevel(models.TextChoices):
    SCHOOL = "school", _("School to school")
    COMPREHENSIVE = "comprehensive", _("Comprehensive (between education authorities)")


class PartnershipStatus(models.TextChoices):
    ESTABLISHED = "established", _("Established (current state not reported)")
    ACTIVE = "active", _("Active")
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


(_est_on, _est_precision, _est_not_after) = partial_date_fields(_("established"))


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
    level = models.CharField(_("level"), max_length=15, choices=PartnershipLevel)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=PartnershipStatus,
        default=PartnershipStatus.ESTABLISHED,
    )
    established_on = _est_on
    established_precision = _est_precision
    established_not_after = _est_not_after
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

    # PostgreSQL: migration 0010's partial indexes find the rows of a search in a few sample
    # buckets (facets.InSampleBuckets) without reading the others: a large search's facets
    # and count are estimated from them.
    search_sample_index = True

    class Meta:
        verbose_name = _("sister-school partnership")
        verbose_name_plural = _("sister-school partnerships")
        indexes = [
            # Newest first and oldest first, unknown dates last in both (newest_first,
            # oldest_first): one index for each direction.
            # Newest first also holds each row's key and words (PostgreSQL): the first page
            # of a search walks it in the list's order and checks the words in the index
            # alone, without reading each row it passes from the table (the keys of a 1%
            # search's first 26 rows at a million partnerships: 5.3 -> 1.4 ms, psql).
            NullsLastIndex(
                fields=["is_public", "-established_on", "slug"],
                postgresql_include=["id", "search_vector"],
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
                    "These two organizations already have a partnership at this level."
                ),
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
        parts = []
        for party in (self.party_a, self.party_b):
            if party.is_published:
                parts.append(party.name)
                parts.extend(alias.name for alias in party.other_names.all())
        return [*parts, self.summary]

    @property
    def established(self) -> PartialDate:
        return PartialDate(
            self.established_on, self.established_precision, self.established_not_after
        )

    def clean(self):
        errors = {
            f"established_{k}": v
            for k, v in partial_date_errors(
                self.established_on,
                self.established_precision,
                self.established_not_after,
                gettext("Established"),
            ).items()
        }
        if self.party_a_id and self.party_a_id == self.party_b_id:
            errors["party_b"] = gettext(
                "The second party is the same organization as the first: a partnership needs two "
                "different organizations."
            )
        if errors:
            raise ValidationError(errors)


# --------------------------------------------------------------------------- figures


class Qualifier(models.TextChoices):
    EXACT = "exact", _("exactly")
    ABOUT = "about", _("about")
    OVER = "over", _("over")
    NEARLY = "nearly", _("nearly")
    AT_LEAST = "at_least", _("at least")


class Metric(models.TextChoices):
    SISTER_SCHOOL_PARTNERSHIPS = "sister_school_partnerships", _("sister-school partnerships")
    COMPREHENSIVE_PARTNERSHIPS = (
        "comprehensive_partnerships",
        _("regional education administrations in comprehensive partnerships"),
    )
    PARTICIPANTS = "participants", _("participants")
    COUNTRIES = "countries", _("countries represented")
    EXCHANGE_VISITORS = "exchange_visitors", _("students and teachers on two-way visits")
    ALLIANCES = "alliances", _("China–Russia alliances of similar universities")
    OTHER = "other", _("other")


# The public records (roles.RECORD_MODELS) other than figures themselves.
FIGURE_SUBJECT_MODELS = tuple(m for m in RECORD_MODELS if m != "reportedfigure")


# The content types a figure may be about: our public records, nothing else.
FIGURE_SUBJECT_TYPES = models.Q(app_label="partnerships", model__in=FIGURE_SUBJECT_MODELS)


class ReportedFigure(Record):
    """A number a source reports, which is not a count of records we hold."""

    subject_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, limit_choices_to=FIGURE_SUBJECT_TYPES
    )
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    metric = models.CharField(_("what is counted"), max_length=40, choices=Metric)
    value = models.PositiveBigIntegerField(_("value"))
    qualifier = models.CharField(
        _("qualifier"), max_length=10, choices=Qualifier, default=Qualifier.EXACT
    )
    since_year = models.PositiveSmallIntegerField(
        _("since (year)"), null=True, blank=True, help_text=_("Start of the period counted.")
    )
    as_of = models.DateField(
        _("as of"), null=True, blank=True, help_text=_("Usually the source's publication date.")
    )
    description = models.CharField(
        _("description"), max_length=300, help_text=_("What exactly is counted, in our words.")
    )

    class Meta:
        verbose_name = _("reported figure")
        verbose_name_plural = _("reported figures")
        permissions = [("publish_reportedfigure", "Can publish and unpublish reported figures")]
        ordering = ["subject_type", "subject_id", "metric"]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "metric", "as_of"],
                name="figure_unique_per_subject_metric_date",
            ),
        ]

    def __str__(self) -> str:
        return self.text

    def clean(self):
        errors = {}
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
        if (
            self.as_of is None
            and self.subject_type_id is not None
            and self.subject_id is not None
            and self.metric
            and ReportedFigure._base_manager.filter(
                subject_type_id=self.subject_type_id,
                subject_id=self.subject_id,
                metric=self.metric,
                as_of__isnull=True,
            )
            .exclude(pk=self.pk)
            .exists()
        ):
            # The unique rule on (subject, metric, as_of) lets undated figures repeat: NULL
            # differs from NULL on SQLite and PostgreSQL alike.
            errors["as_of"] = gettext(
                "This subject already has a figure of %(metric)s with no date: give this one "
                "its as-of date, or correct that one."
            ) % {"metric": self.get_metric_display()}
        if errors:
            raise ValidationError(errors)

    def search_parts(self) -> list[str]:
        return [self.description]

    def get_absolute_url(self) -> str:
        subject = self.subject
        return subject.get_absolute_url() if subject is not None else ""

    @property
    def value_display(self) -> str:
        from django.contrib.humanize.templatetags.humanize import intcomma

        number = intcomma(self.value)
        if self.qualifier == Qualifier.EXACT:
            return number
        return f"{self.get_qualifier_display()} {number}"

    @property
    def text(self) -> str:
        text = f"{self.value_display} {self.get_metric_display()}"
        if self.since_year:
            text += " " + gettext("since %(year)s") % {"year": self.since_year}
        return text


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


from .jobmodels import ImportJob  # noqa: E402,F401
