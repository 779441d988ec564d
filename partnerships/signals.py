"""Keep derived columns current: search text that includes related names, and the
country/province of organizations. Runs for fixtures too (loaddata saves raw).

Search text holds a related record's name only while that record is published (see the
models' ``search_parts``), so every save of an organization or a series, including the
admin's publish and unpublish actions (``save(update_fields=[...])``, which sends post_save
too), refreshes the records whose search text names it. Other names kept in rows of their
own (an organization's, a person's) refresh their record's search text when one is added,
changed or deleted; those kept in a field (an alliance's, a conference's or a series') are
read by the record's own save.

And the page cache (partnerships/pagecache.py): every save, delete and many-to-many change of
the data public pages show (every model of the app but history, pending revisions, readers'
reports and jobs) asks for a new data version once its transaction commits; so do migrations
and ``flush`` (post_migrate). Writes that send no signal (queryset.update(), bulk_create(),
raw SQL) call ``pagecache.changed()`` where they are made."""

from django.apps import apps
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.db.models.signals import (
    m2m_changed,
    post_delete,
    post_migrate,
    post_save,
    pre_delete,
    pre_save,
)
from django.dispatch import receiver
from simple_history.models import HistoricalChanges

from . import pagecache, placesearch
from .models import (
    Agreement,
    Alliance,
    AllianceBody,
    AllianceDocument,
    AllianceEvent,
    AllianceMembership,
    Conference,
    ConferenceDocument,
    ConferenceSeries,
    Organization,
    OrganizationName,
    PartnershipParty,
    PartnershipPerson,
    Person,
    PersonName,
    PersonPosition,
    Publication,
    Region,
    RegionName,
    ReportedFigure,
    SisterSchoolPartnership,
    Source,
    Speech,
    Visit,
    people_of_organizations,
)
from .tasks import enqueue_place_refresh

SIMPLE = (Alliance, Conference, ConferenceSeries, Person, ReportedFigure, Source)


def sync_party_columns(org_ids) -> None:
    """Recompute the partnership columns copied from their parties (place, publication), in
    three UPDATEs whatever the number of rows. ``org_ids``: organization keys, or a queryset
    of organizations (then used as a subquery, never read into memory)."""
    if isinstance(org_ids, QuerySet):
        org_ids = org_ids.values("pk")
    else:
        org_ids = list(org_ids)
        if not org_ids:
            return
    for side in ("a", "b"):
        party = Organization.objects.filter(pk=OuterRef(f"party_{side}"))
        SisterSchoolPartnership.objects.filter(**{f"party_{side}__in": org_ids}).update(
            **{
                f"{side}_country": Subquery(party.values("country")[:1]),
                f"{side}_province": Subquery(party.values("province")[:1]),
                f"{side}_path": Coalesce(Subquery(party.values("region__path")[:1]), Value("")),
            }
        )
    published = Publication.PUBLISHED
    both_public = Case(
        When(
            Q(publication=published)
            & Exists(Organization.objects.filter(pk=OuterRef("party_a"), publication=published))
            & Exists(Organization.objects.filter(pk=OuterRef("party_b"), publication=published)),
            then=Value(True),
        ),
        default=Value(False),
        output_field=BooleanField(),
    )
    SisterSchoolPartnership.objects.filter(Q(party_a__in=org_ids) | Q(party_b__in=org_ids)).update(
        is_public=both_public
    )


def partnerships_naming(org_ids):
    """The partnerships whose search text holds these organizations' names: as a party, a
    further party or a body in another role."""
    return SisterSchoolPartnership.objects.filter(
        Q(party_a__in=org_ids) | Q(party_b__in=org_ids) | Q(other_parties__organization__in=org_ids)
    ).distinct()


def refresh_events_naming(org_ids) -> None:
    """The search text of the conferences and alliances that name these organizations: where
    a conference was held, who organized it, who was at it or signed its documents (while
    published); an alliance's published members and the holders of roles held for them."""
    for conference in Conference.objects.filter(
        Q(venue__in=org_ids)
        | Q(organizers__in=org_ids)
        | Q(run_by__in=org_ids)
        | Q(co_organizers__in=org_ids)
        | Q(initiated_by__in=org_ids)
        | Q(speeches__organization__in=org_ids)
        | Q(speeches__person__organization__in=org_ids)
        | Q(documents__issuers__in=org_ids)
    ).distinct():
        conference.refresh_search_text()
    for alliance in Alliance.objects.filter(memberships__organization__in=org_ids).distinct():
        alliance.refresh_search_text()


def refresh_organization(org: Organization) -> None:
    """The search text of the organization and of the records that name it, after its names,
    its parent or its publication changed (resources.BulkImport.refresh_named_by does the
    same for a file's organizations)."""
    org.refresh_search_text()
    refresh_partnerships(partnerships_naming([org.pk]))
    people = people_of_organizations([org.pk]).select_related("organization__parent")
    for person in people.prefetch_related("other_names", "other_positions"):
        person.refresh_search_text()
    refresh_events_naming([org.pk])


@receiver(post_save, sender=Organization)
def organization_saved(sender, instance, raw, **kwargs):
    if raw:
        places = instance.place_fields()
        Organization.objects.filter(pk=instance.pk).update(
            country=places["country"], province=places["province"]
        )
    sync_party_columns([instance.pk])
    refresh_organization(instance)


@receiver(post_save, sender=OrganizationName)
@receiver(post_delete, sender=OrganizationName)
def organization_name_changed(sender, instance, **kwargs):
    org = Organization.objects.filter(pk=instance.organization_id).first()
    if org is not None:
        refresh_organization(org)


@receiver(post_save, sender=PersonPosition)
@receiver(post_delete, sender=PersonPosition)
@receiver(post_save, sender=PersonName)
@receiver(post_delete, sender=PersonName)
def person_row_changed(sender, instance, **kwargs):
    """A person's other names and other positions are in their search text (a search for a
    second spelling or another script finds them, as an organization's do); other names
    are in the text of the records naming them too (models.person_names), positions not."""
    person = Person.objects.filter(pk=instance.person_id).select_related("organization").first()
    if person is not None:
        person.refresh_search_text()
        if sender is PersonName:
            refresh_naming([person.pk])


@receiver(post_save, sender=RegionName)
@receiver(post_delete, sender=RegionName)
def region_name_changed(sender, instance, raw=False, **kwargs):
    """A region's other names are in its own search text and, while it is published, in that
    of every record under it (models.place_names), as its name is: those are refreshed as
    for a renamed region, by the background job; when fixtures load (raw), at once."""
    region = Region.objects.filter(pk=instance.region_id).first()
    if region is None:
        return
    region.refresh_search_text()
    if region.publication != Publication.PUBLISHED:
        return
    if raw:
        placesearch.refresh_under(region)
    else:
        enqueue_place_refresh(region.pk)


@receiver(pre_save, sender=Region)
def region_before_save(sender, instance, raw, **kwargs):
    """Note where the region was (parent, kind), to tell a move from a rename after it, and
    its name and publication, which the search text of the records under it holds."""
    before = (
        Region.objects.filter(pk=instance.pk)
        .values_list("parent_id", "kind", "name", "publication")
        .first()
        if instance.pk
        else None
    )
    instance._placed_before = before[:2] if before else None
    instance._named_before = before[2:] if before else None


@receiver(post_save, sender=Region)
def region_saved(sender, instance, raw, created, **kwargs):
    if raw:
        instance.refresh_search_text()
    placed = (instance.parent_id, instance.kind)
    named = (instance.name, instance.publication)
    moved = placed[0] != (getattr(instance, "_placed_before", None) or (None,))[0]
    if not raw and not created and (named != getattr(instance, "_named_before", None) or moved):
        # Renamed, published, unpublished or moved: the search text of the records under
        # it names it (or its ancestors): refreshed by a background job, in batches.
        enqueue_place_refresh(instance.pk)
    if not raw and (created or getattr(instance, "_placed_before", None) == placed):
        return  # a new region holds nothing yet; a renamed one moves nothing
    # A region that moved or changed kind changes the country and province of what lies in
    # it: one UPDATE per region of its subtree (a few hundred at most), not one per
    # organization, then the partnerships' copies of them (sync_party_columns, set-based).
    for region in Region.objects.filter(path__startswith=instance.path):
        country, province = region.country(), region.province()
        Organization.objects.filter(region=region).exclude(
            country=country, province=province
        ).update(country=country, province=province)
    sync_party_columns(Organization.objects.filter(region__path__startswith=instance.path))


@receiver(pre_delete, sender=Region)
def region_before_delete(sender, instance, **kwargs):
    """Its name is in the search text of the alliances and conferences that list it among
    their places; the many-to-many rows that do are deleted with it, without m2m_changed.
    Note those records, to refresh them once it is gone (region_deleted)."""
    instance._named_by = (
        list(placesearch.alliances_under(instance.path).values_list("pk", flat=True)),
        list(placesearch.conferences_under(instance).values_list("pk", flat=True)),
    )


@receiver(post_delete, sender=Region)
def region_deleted(sender, instance, **kwargs):
    alliances, conferences = getattr(instance, "_named_by", ((), ()))
    for model, keys in ((Alliance, alliances), (Conference, conferences)):
        for record in model.objects.filter(pk__in=keys):
            record.refresh_search_text()


@receiver(post_save, sender=SisterSchoolPartnership)
def partnership_saved(sender, instance, raw, **kwargs):
    if raw:
        derived = instance.derived_fields()
        SisterSchoolPartnership.objects.filter(pk=instance.pk).update(**derived)
        for name, value in derived.items():  # the search text names the parties' places
            setattr(instance, name, value)
        instance.refresh_search_text()


PLACE_M2M = {
    Conference.other_host_regions.through: Conference,
    Conference.participating_regions.through: Conference,
    Conference.partner_regions.through: Conference,
    Alliance.countries.through: Alliance,
}


def places_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """A conference's or an alliance's places are in its search text: the admin (and
    loaddata) set them after the record's save."""
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:
        instance.refresh_search_text()
    elif pk_set:
        for record in PLACE_M2M[sender].objects.filter(pk__in=pk_set):
            record.refresh_search_text()


for through in PLACE_M2M:
    m2m_changed.connect(places_changed, sender=through, dispatch_uid=f"places-{through}")


ORGANIZER_M2M = (
    Conference.organizers.through,
    Conference.run_by.through,
    Conference.co_organizers.through,
    Conference.initiated_by.through,
)


@receiver(m2m_changed, sender=ConferenceDocument.issuers.through)
def document_issuers_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """Who issued or signed a meeting's documents is in the meeting's search text."""
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:
        instance.conference.refresh_search_text()
    elif pk_set:  # from the organization's side: pk_set holds documents
        for conference in Conference.objects.filter(documents__in=pk_set).distinct():
            conference.refresh_search_text()


def organizers_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """A conference's organizers' names are in its search text: the admin (and loaddata)
    set them after the conference's save."""
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:
        instance.refresh_search_text()
    elif pk_set:
        for conference in Conference.objects.filter(pk__in=pk_set):
            conference.refresh_search_text()


for through in ORGANIZER_M2M:
    m2m_changed.connect(organizers_changed, sender=through, dispatch_uid=f"organizers-{through}")


def refresh_partnerships(partnerships) -> None:
    """The search text of these partnerships, in batches, with the names of their places
    read once per batch (a region's change moves a_path and b_path first:
    sync_party_columns)."""
    placesearch.refresh_batches(
        placesearch.with_search_names(partnerships), lambda p: [p.a_path, p.b_path]
    )


def refresh_partnerships_naming(person_ids) -> None:
    """The search text of the partnerships that name any of these people (as a signatory or
    on it or its visits), after their names or publication changed."""
    refresh_partnerships(
        SisterSchoolPartnership._base_manager.filter(
            Q(people__person__in=person_ids) | Q(agreements__signatories__in=person_ids)
        ).distinct()
    )


def refresh_naming(person_ids) -> None:
    """The search text of every record that names any of these people (models.person_names):
    partnerships, the conferences they were at and the alliances they hold a role in, after
    their names or publication changed."""
    refresh_partnerships_naming(person_ids)
    for record in Conference.objects.filter(speeches__person__in=person_ids).distinct():
        record.refresh_search_text()
    for record in Alliance.objects.filter(memberships__person__in=person_ids).distinct():
        record.refresh_search_text()


@receiver(post_save, sender=Person)
def person_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        refresh_naming([instance.pk])


@receiver(pre_delete, sender=Person)
def person_deleting(sender, instance, **kwargs):
    """Its signatures go with it without a many-to-many signal: the partnerships it signed
    for are noted now and refreshed once it is gone."""
    instance._signed_for = list(
        SisterSchoolPartnership._base_manager.filter(agreements__signatories=instance)
        .values_list("pk", flat=True)
        .distinct()
    )


@receiver(post_delete, sender=Person)
def person_deleted(sender, instance, **kwargs):
    if getattr(instance, "_signed_for", None):
        refresh_partnerships(
            SisterSchoolPartnership._base_manager.filter(pk__in=instance._signed_for)
        )


@receiver(m2m_changed, sender=Agreement.signatories.through)
def signatories_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """An agreement's signatories are in its partnership's search text."""
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    agreements = [instance.pk] if not reverse else pk_set
    if agreements:
        refresh_partnerships(
            SisterSchoolPartnership._base_manager.filter(agreements__in=agreements).distinct()
        )


# Rows whose words are in their record's search text, by the field naming that record: a
# further party's names, the people named on a partnership or its visits, its agreements'
# titles and signatories, its visits' programmes and topics; the people at a conference; an
# alliance's role holders, its members' sides, where its governance events happened and its
# bodies' names.
SEARCHED_ROWS = {
    PartnershipPerson: "partnership",
    Agreement: "partnership",
    PartnershipParty: "partnership",
    Speech: "conference",
    AllianceMembership: "alliance",
    AllianceEvent: "alliance",
    AllianceBody: "alliance",
    Visit: "partnership",
}


def note_record_before_save(sender, instance, raw=False, **kwargs):
    """A row moved to another record on its own admin page leaves the first record's text
    stale: note which record it belonged to, for row_changed."""
    if raw or instance.pk is None:
        return
    column = f"{SEARCHED_ROWS[sender]}_id"
    instance._record_before = (
        sender._base_manager.filter(pk=instance.pk).values_list(column, flat=True).first()
    )


def row_changed(sender, instance, **kwargs):
    """Refresh the record a row saved or deleted belongs to, and the one it left. (Fixtures
    load a row after the records it names, so a raw save refreshes too; a person deleted
    takes their speeches with them, and this refreshes the conferences then.)"""
    field = SEARCHED_ROWS[sender]
    keys = {getattr(instance, f"{field}_id"), getattr(instance, "_record_before", None)}
    record_model = sender._meta.get_field(field).related_model
    for record in record_model._base_manager.filter(pk__in=keys - {None}):
        record.refresh_search_text()


for model in SEARCHED_ROWS:
    pre_save.connect(note_record_before_save, sender=model, dispatch_uid=f"before-{model}")
    post_save.connect(row_changed, sender=model, dispatch_uid=f"saved-{model}")
    post_delete.connect(row_changed, sender=model, dispatch_uid=f"deleted-{model}")


@receiver(post_save, sender=ConferenceDocument)
@receiver(post_delete, sender=ConferenceDocument)
@receiver(post_save, sender=AllianceDocument)
@receiver(post_delete, sender=AllianceDocument)
def document_changed(sender, instance, **kwargs):
    """A document's titles are in the search text of the meeting or alliance that issued it."""
    owner = getattr(instance, instance.issued_by + "_id")
    record = type(instance)._meta.get_field(instance.issued_by).related_model
    issuer = record._base_manager.filter(pk=owner).first()
    if issuer is not None:
        issuer.refresh_search_text()


@receiver(post_save, sender=ConferenceSeries)
def series_saved(sender, instance, raw, **kwargs):
    if raw:
        instance.refresh_search_text()
    for conference in Conference.objects.filter(series=instance).select_related("series"):
        conference.refresh_search_text()


for model in SIMPLE:
    if model is ConferenceSeries:
        continue

    @receiver(post_save, sender=model, weak=False)
    def simple_saved(sender, instance, raw, **kwargs):
        if raw:
            instance.refresh_search_text()


# --------------------------------------------------------------------------- page cache

NOT_SHOWN = {"revision", "mistakereport", "importjob"}  # seen by staff only


def shown_in_public_pages(model) -> bool:
    return model._meta.model_name not in NOT_SHOWN and not issubclass(model, HistoricalChanges)


def data_changed(sender, using=None, action="post_", **kwargs):
    if action.startswith("post_"):  # m2m_changed: after the rows were added or removed
        pagecache.changed(using)


def migrated(sender, **kwargs):
    if sender.name == "partnerships":
        pagecache.bump()


# One receiver per model (not one for every sender): a model with delete receivers is
# deleted row by row, which other apps' models (sessions, sign-in attempts) need not be.
for model in apps.get_app_config("partnerships").get_models(include_auto_created=True):
    if shown_in_public_pages(model):
        # m2m_changed is sent with the through model as sender; its rows are added in bulk.
        signals = (
            [m2m_changed] if model._meta.auto_created else [post_save, post_delete, m2m_changed]
        )
        for signal in signals:
            signal.connect(data_changed, sender=model, dispatch_uid=f"pagecache-{model}")
post_migrate.connect(migrated, dispatch_uid="pagecache-migrated")
