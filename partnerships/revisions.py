"""Review before publishing: a change to a published record by someone who may not publish it
is kept as a pending ``Revision`` and applied only when a publisher approves it.

A revision holds what changes, as the difference between two snapshots of the record and its
inline rows (citations, other names, speeches, memberships, events, bodies, agreements, status
changes, visits, figures, other sources' accounts, and the citations of those rows):
``snapshot()`` before the editor's save and after it (the admin makes the save in a
transaction that it then rolls back, so the public record never changes), ``diff()`` between
them; a row added with a citation of its own is linked to it by a reference, so that approving
creates both and ties them together. A revision keeps the values it started from ("was"), so
``approve()`` applies the difference to the record as it is now, changes others made since to
other fields and rows included, refuses when a field or row it changes was changed since, and
writes one history entry naming the author and the approver."""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, models, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext

from .models import (
    FIGURE_SUBJECT_MODELS,
    Citation,
    OtherAccount,
    Publication,
    Record,
    ReportedFigure,
    Revision,
    RevisionStatus,
    Versioned,
)

# Bookkeeping and derived columns: never part of a change.
HIDDEN_FIELDS = {"search_text", "search_vector", "updated_at", "version", "id", "created_at"}


class RevisionConflict(Exception):
    """The record (or one of its rows) changed since the revision was made."""


def tracked_fields(model) -> list:
    """The fields history keeps and staff edit (not the derived or bookkeeping ones)."""
    kept = {f.attname for f in model.history.model._meta.concrete_fields}
    return [
        f
        for f in model._meta.concrete_fields
        if f.attname in kept and f.name not in HIDDEN_FIELDS and f.editable
    ]


def rows_of(model, pk) -> list[tuple]:
    """(row model, filter) for each kind of row that belongs to a record and is edited in its
    form: other names, speeches, memberships, events, bodies, agreements, status changes,
    visits (these go with it when it is deleted), the figures about it, other sources'
    accounts of it, its citations."""
    found = []
    for rel in model._meta.related_objects:
        row_model = rel.related_model
        if (
            rel.one_to_many
            and rel.on_delete is models.CASCADE
            and issubclass(row_model, Versioned)
            and not issubclass(row_model, Record)
        ):
            found.append((row_model, {f"{rel.field.attname}": pk}))
    ct = None
    if issubclass(model, Record) and model._meta.app_label == "partnerships":
        ct = ContentType.objects.get_for_model(model)
        if model._meta.model_name in FIGURE_SUBJECT_MODELS:
            found.append((ReportedFigure, {"subject_type_id": ct.pk, "subject_id": pk}))
        found.append((OtherAccount, {"content_type_id": ct.pk, "object_id": pk}))
    if has_citations(model):
        ct = ct or ContentType.objects.get_for_model(model)
        found.append((Citation, {"content_type_id": ct.pk, "object_id": pk}))
    return found


def has_citations(model) -> bool:
    return any(
        isinstance(f, GenericRelation) and f.related_model is Citation
        for f in model._meta.private_fields
    )


# Which record a row belongs to, for a row edited on its own page.
PARENT_FIELD = {
    "organizationname": "organization",
    "personname": "person",
    "personposition": "person",
    "speech": "conference",
    "conferencedocument": "conference",
    "alliancedocument": "alliance",
    "alliancemembership": "alliance",
    "allianceevent": "alliance",
    "alliancebody": "alliance",
    "partnershipparty": "partnership",
    "agreement": "partnership",
    "statuschange": "partnership",
    "visit": "partnership",
    "partnershipperson": "partnership",
    "regionname": "region",
    "allianceeventactor": "alliance",
}


def parent_of(row):
    """The record whose form the row is edited in (a citation's record, a speech's
    conference, a citation of an agreement: the agreement's partnership, ...), or None."""
    try:
        if isinstance(row, (Citation, OtherAccount)):
            record = row.record if row.content_type_id and row.object_id else None
            return record if record is None or isinstance(record, Record) else parent_of(record)
        field = PARENT_FIELD.get(row._meta.model_name)
        return getattr(row, field) if field and getattr(row, f"{field}_id") else None
    except ObjectDoesNotExist:
        return None


def can_publish(user, model) -> bool:
    opts = model._meta
    return user.has_perm(f"{opts.app_label}.publish_{opts.model_name}")


def needs_review(user, record) -> bool:
    """A change to this record by this user waits for a publisher: the record is published
    (as stored) and the user may not publish it."""
    if record is None or record.pk is None or not isinstance(record, Record):
        return False
    if can_publish(user, type(record)):
        return False
    stored = (
        type(record)
        ._base_manager.filter(pk=record.pk)
        .values_list("publication", flat=True)
        .first()
    )
    return stored == Publication.PUBLISHED


def _json(value):
    """A field value as JSON (dates as ISO text, decimals as text)."""
    return (
        DjangoJSONEncoder().default(value)
        if value is not None and not isinstance(value, (str, int, float, bool))
        else value
    )


def values_of(obj, fields) -> dict:
    return {f.attname: _json(getattr(obj, f.attname)) for f in fields}


def row_key(model, pk) -> str:
    return f"{model._meta.label_lower}:{pk}"


def snapshot(record) -> dict:
    """The record's fields and its rows' fields, as JSON values. A row's own citations (an
    agreement's, a figure's) are rows too, after it; a row's many-to-many fields (an
    agreement's signatories) are sorted ids."""
    model = type(record)
    rows = {}
    for row_model, where in rows_of(model, record.pk):
        fields = tracked_fields(row_model)
        many = row_model._meta.many_to_many
        found = list(
            row_model._base_manager.filter(**where)
            .order_by("pk")
            .prefetch_related(*(f.name for f in many))
        )
        for row in found:
            values = values_of(row, fields)
            for field in many:
                values[field.name] = sorted(r.pk for r in getattr(row, field.name).all())
            rows[row_key(row_model, row.pk)] = values
        if found and row_model is not Citation and has_citations(row_model):
            citations = Citation._base_manager.filter(
                content_type=ContentType.objects.get_for_model(row_model),
                object_id__in=[row.pk for row in found],
            ).order_by("pk")
            cited = tracked_fields(Citation)
            for citation in citations:
                rows[row_key(Citation, citation.pk)] = values_of(citation, cited)
    fields = values_of(record, tracked_fields(model))
    # Many-to-many fields (an alliance's countries, a conference's organizers): sorted ids.
    for field in model._meta.many_to_many:
        fields[field.name] = sorted(getattr(record, field.name).values_list("pk", flat=True))
    return {"version": record.version, "fields": fields, "rows": rows}


def links_to_added(label: str, values: dict, changed: dict, added: set) -> dict:
    """{attname: key of an added row} for each of ``changed``'s fields that points to a row
    added in the same change (a citation of a new agreement, a member of a new body): the
    added row's id is that of the rolled-back save, so approving puts the new row's id there."""
    model = _model(label)
    links = {}
    for field in model._meta.concrete_fields:
        if field.attname in changed and field.many_to_one and changed[field.attname] is not None:
            key = row_key(field.related_model, changed[field.attname])
            if key in added:
                links[field.attname] = key
    for gfk in model._meta.private_fields:
        if not hasattr(gfk, "ct_field") or not hasattr(gfk, "fk_field"):
            continue
        ct_id = values.get(model._meta.get_field(gfk.ct_field).attname)
        fk_attname = model._meta.get_field(gfk.fk_field).attname
        if ct_id is None or changed.get(fk_attname) is None:
            continue
        target = ContentType.objects.get_for_id(ct_id).model_class()
        key = row_key(target, changed[fk_attname]) if target is not None else None
        if key in added:
            links[fk_attname] = key
    return links


def diff(before: dict, after: dict) -> dict:
    """What ``after`` changes of ``before``: fields with their new values, rows added, changed
    (only the changed fields) and deleted. A row added keeps no id (ids of the rolled-back
    save are not kept) but a "ref" by which rows added with it point to it ("links")."""
    fields = {k: v for k, v in after["fields"].items() if before["fields"].get(k) != v}
    added = {key for key in after["rows"] if key not in before["rows"]}
    rows = []
    for key, values in after["rows"].items():
        label, pk = key.split(":")
        old = before["rows"].get(key)
        if old is None:
            row = {"model": label, "pk": None, "action": "add", "fields": values, "ref": key}
        else:
            changed = {k: v for k, v in values.items() if old.get(k) != v}
            if not changed:
                continue
            row = {
                "model": label,
                "pk": int(pk),
                "action": "change",
                "fields": changed,
                "was": {k: old.get(k) for k in changed},
            }
        links = links_to_added(label, values, row["fields"], added)
        if links:
            row["links"] = links
        rows.append(row)
    for key, old in before["rows"].items():
        if key not in after["rows"]:
            label, pk = key.split(":")
            rows.append(
                {"model": label, "pk": int(pk), "action": "delete", "fields": {}, "was": old}
            )
    if not fields and not rows:
        return {}
    return {"fields": fields, "was": {k: before["fields"].get(k) for k in fields}, "rows": rows}


def describe(model, changes: dict) -> str:
    """A one-line summary: which fields, how many rows."""
    parts = [
        str(model._meta.get_field(name_of(model, k)).verbose_name)
        for k in changes.get("fields", {})
    ]
    verbs = {"add": gettext("added"), "change": gettext("changed"), "delete": gettext("deleted")}
    for row in changes.get("rows", []):
        row_model = _model(row["model"])
        parts.append(f"{row_model._meta.verbose_name} {verbs[row['action']]}")
    return "; ".join(parts)[:500]


def name_of(model, attname: str) -> str:
    for field in model._meta.concrete_fields:
        if field.attname == attname:
            return field.name
    return attname


def _model(label: str):
    from django.apps import apps

    return apps.get_model(label)


def new_revision(
    record,
    changes: dict,
    author,
    base_version: int,
    origin: str = "admin",
    kind: str = Revision.Kind.CHANGE,
) -> Revision:
    """An unsaved revision of ``record`` (imports create many at once with bulk_create)."""
    return Revision(
        content_type=ContentType.objects.get_for_model(type(record)),
        object_id=record.pk,
        kind=kind,
        base_version=base_version,
        changes=changes,
        summary=describe(type(record), changes) if kind == Revision.Kind.CHANGE else "",
        origin=origin,
        author=author,
    )


def propose(record, changes: dict, author, base_version: int, **kwargs) -> Revision:
    revision = new_revision(record, changes, author, base_version, **kwargs)
    revision.save()
    return revision


def proposal_for(record, values: dict, author, origin: str = "import") -> Revision | None:
    """An unsaved revision that sets ``values`` ({attname: value}) on the stored ``record``;
    None when they change nothing."""
    stored = values_of(record, tracked_fields(type(record)))
    fields = {k: _json(v) for k, v in values.items() if stored.get(k) != _json(v)}
    if not fields:
        return None
    changes = {"fields": fields, "was": {k: stored.get(k) for k in fields}, "rows": []}
    return new_revision(record, changes, author, record.version, origin)


def pending_for(record):
    return Revision.objects.filter(
        content_type=ContentType.objects.get_for_model(type(record)),
        object_id=record.pk,
        status=RevisionStatus.PENDING,
    )


def _set(obj, values: dict) -> dict:
    """Set the field values on ``obj``; returns the many-to-many ones, to set after a save."""
    many = {}
    for attname, value in values.items():
        field = obj._meta.get_field(name_of(type(obj), attname))
        if field.many_to_many:
            many[field.name] = value
            continue
        setattr(obj, attname, field.to_python(value) if value is not None else None)
    return many


def apply_changes(revision: Revision, author, reason: str, check_versions: bool = True):
    """Apply the revision to the stored record, inside the caller's transaction. Returns the
    record (None after a deletion). Raises RevisionConflict when the record or a row changed
    or vanished since the revision was made."""
    model = revision.content_type.model_class()
    record = model._base_manager.select_for_update().filter(pk=revision.object_id).first()
    if record is None:
        raise RevisionConflict(gettext("The record has been deleted since."))
    if check_versions:
        check_unchanged_since(revision, record)
    record._history_user = author
    record._change_reason = reason
    if revision.kind == Revision.Kind.DELETE:
        try:
            record.delete()
        except ProtectedError as exc:  # checked before anything is deleted
            named = sorted({str(obj) for obj in exc.protected_objects})
            raise RevisionConflict(
                gettext(
                    "It cannot be deleted while other records name it: %(records)s. Change "
                    "those first."
                )
                % {"records": "; ".join(named[:5]) + ("…" if len(named) > 5 else "")}
            ) from None
        return None
    many = _set(record, revision.changes.get("fields", {}))
    record.save()
    for name, ids in many.items():
        getattr(record, name).set(ids)
    created = {}  # ref of an added row -> its new id
    for row in in_link_order(revision.changes.get("rows", [])):
        row_model = _model(row["model"])
        values = dict(row["fields"])
        for attname, ref in row.get("links", {}).items():
            values[attname] = created[ref]
        if row["action"] == "add":
            obj = row_model()
        else:
            obj = row_model._base_manager.filter(pk=row["pk"]).first()
            if obj is None:
                if row["action"] == "delete":
                    continue  # gone already (deleted with a row deleted before it)
                raise RevisionConflict(
                    gettext("A %(row)s of this change has been deleted since.")
                    % {"row": row_model._meta.verbose_name}
                )
            if row["action"] == "delete":
                obj._history_user = author
                obj._change_reason = reason
                obj.delete()
                continue
        many = _set(obj, values)
        if (
            row["action"] == "add"
            and row_model is ReportedFigure
            and record.publication == Publication.PUBLISHED
        ):
            # A figure added to a published record is published once approved, as the
            # record's other rows are.
            obj.publication = Publication.PUBLISHED
        obj._history_user = author
        obj._change_reason = reason
        obj.save()
        for name, ids in many.items():
            getattr(obj, name).set(ids)
        if row["action"] == "add" and row.get("ref"):
            created[row["ref"]] = obj.pk
    return record


def check_unchanged_since(revision: Revision, record) -> None:
    """Raise RevisionConflict when approving would undo a change made since the revision was:
    a field it changes, or a row it changes or deletes, no longer holds the value the
    revision started from (and not the one it sets either). What others changed elsewhere on
    the record, and rows they added, do not stand in the way: both changes are kept.
    A revision made before the starting values were kept ("was") needs the record's version
    to be the one it was made on."""
    changes = revision.changes
    if "was" not in changes:
        if record.version != revision.base_version:
            raise RevisionConflict(
                gettext(
                    "The record has been changed since this revision was made (version "
                    "%(then)s, now %(now)s): approving it would undo that change. Reject it "
                    "and make the change again on the current version."
                )
                % {"then": revision.base_version, "now": record.version}
            )
        return
    model = type(record)
    now = snapshot(record)
    stale = [
        str(model._meta.get_field(name_of(model, attname)).verbose_name)
        for attname, value in changes["fields"].items()
        if now["fields"].get(attname) not in (changes["was"].get(attname), value)
    ]
    for row in changes.get("rows", []):
        if row["action"] == "add":
            continue
        current = now["rows"].get(f"{row['model']}:{row['pk']}")
        if current is None:
            continue  # gone: apply_changes says so for a change, and a deletion is done
        was = row.get("was", {})
        if any(current.get(k) not in (old, row["fields"].get(k, old)) for k, old in was.items()):
            stale.append(str(_model(row["model"])._meta.verbose_name))
    if stale:
        raise RevisionConflict(
            gettext(
                "Since this revision was made, someone else changed what it changes "
                "(%(what)s): approving it would undo that change. Reject it and make the "
                "change again on the current version."
            )
            % {"what": ", ".join(dict.fromkeys(stale))}
        )


def in_link_order(rows: list[dict]) -> list[dict]:
    """The rows with each one after the added rows it links to (a body before its members,
    an agreement before its citations); otherwise in their order."""
    ordered, done, waiting = [], set(), list(rows)
    while waiting:
        ready = [r for r in waiting if set(r.get("links", {}).values()) <= done]
        if not ready:  # a link to a row that is not in the change: it cannot be applied
            raise RevisionConflict(gettext("This change refers to a row it does not contain."))
        for row in ready:
            ordered.append(row)
            if row.get("ref"):
                done.add(row["ref"])
        taken = {id(r) for r in ready}
        waiting = [r for r in waiting if id(r) not in taken]
    return ordered


def approve(revision: Revision, approver, comment: str = "") -> None:
    """Apply a pending revision: one history entry on the record with the author as its user
    and the approver in its reason. Raises RevisionConflict (nothing written) when it cannot."""
    try:
        with transaction.atomic():
            revision = Revision.objects.select_for_update().get(pk=revision.pk)
            if revision.status != RevisionStatus.PENDING:
                raise RevisionConflict(gettext("This revision has been reviewed already."))
            reason = gettext("Approved by %(approver)s") % {"approver": approver.get_username()}
            if comment:
                reason += f": {comment}"
            apply_changes(revision, revision.author, reason[:100])
            revision.status = RevisionStatus.APPROVED
            revision.reviewer = approver
            revision.reviewed_at = timezone.now()
            revision.comment = comment
            revision.save()
    except IntegrityError as exc:
        # A row it adds is there already (added since, by another change): nothing written.
        raise RevisionConflict(
            gettext(
                "This change adds a row the record has already (added since this revision "
                "was made). Reject it, or make the change again on the current version."
            )
        ) from exc


def reject(revision: Revision, reviewer, comment: str = "") -> None:
    with transaction.atomic():
        revision = Revision.objects.select_for_update().get(pk=revision.pk)
        if revision.status != RevisionStatus.PENDING:
            raise RevisionConflict(gettext("This revision has been reviewed already."))
        revision.status = RevisionStatus.REJECTED
        revision.reviewer = reviewer
        revision.reviewed_at = timezone.now()
        revision.comment = comment
        revision.save()
