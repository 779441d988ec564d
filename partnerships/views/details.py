"""The detail pages of alliances, conferences, conference series, organizations,
regions, people and sources, each a RecordDetailView (record_detail.py). The partnership
page is in partnership_detail.py."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, Q, prefetch_related_objects
from django.utils.translation import gettext_lazy as _

from .. import filters
from ..models import (
    Agreement,
    Alliance,
    AllianceBody,
    AllianceDocument,
    AllianceEvent,
    AllianceEventActor,
    AllianceMembership,
    Citation,
    Conference,
    ConferenceDocument,
    ConferenceSeries,
    EventRole,
    MemberRole,
    Organization,
    OtherAccount,
    PartnershipParty,
    PartnershipPerson,
    Person,
    PersonPosition,
    Region,
    SisterSchoolPartnership,
    Source,
    Speech,
    StatusChange,
    Visit,
    newest_first,
)
from ..references import anchor_of, locator_of, place_order
from ..templatetags.partnerships_tags import visit_direction
from .common import (
    PART_OF,
    PUBLISHED,
    hide_drafts,
    prefetch_names,
    public_citations_q,
    published_citations,
    shown_memberships,
    speeches_shown_q,
)
from .record_detail import RecordDetailView, first_rows, list_url


def published_partnerships():
    return SisterSchoolPartnership.objects.published().select_related(
        "party_a__country", "party_b__country", "conference"
    )


def by_role(memberships) -> list:
    """Members and roles in the order of MemberRole (initiators and leads first, plain
    members last), then as entered."""
    order = {role: i for i, role in enumerate(MemberRole.values)}
    return sorted(memberships, key=lambda m: (order.get(m.role, len(order)), m.pk))


class AllianceDetailView(RecordDetailView):
    model = Alliance
    draft_relations = (
        "founding_conference",
        "founding_conference__venue",
        "founding_conference__host_region",
        "part_of",
        "founded_in",
        "memberships__country",
        "bodies__country",
        "bodies__host",
        "meetings__host_region",
    )

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related(
                "founding_conference__venue",
                "founding_conference__host_region",
                "part_of",
                "founded_in",
            )
            .prefetch_related(
                Prefetch("countries", queryset=Region.objects.published()),
                Prefetch(
                    "memberships",
                    queryset=shown_memberships()
                    .select_related("organization", "person__organization", "country")
                    .prefetch_related(published_citations()),
                ),
                Prefetch(
                    "events",
                    queryset=self.model.events.rel.related_model.objects.select_related(
                        "conference", "place", "venue", "body"
                    ).prefetch_related(
                        published_citations(),
                        Prefetch(
                            "actors",
                            queryset=AllianceEventActor.objects.shown()
                            .select_related("organization", "person__organization", "side")
                            .prefetch_related(published_citations()),
                        ),
                    ),
                ),
                Prefetch(
                    "bodies",
                    queryset=AllianceBody.objects.select_related(
                        "country", "host"
                    ).prefetch_related(
                        published_citations(),
                        Prefetch("guided_by", queryset=Organization.objects.published()),
                    ),
                ),
                Prefetch("parts", queryset=Alliance.objects.published()),
                Prefetch("meeting_series", queryset=ConferenceSeries.objects.published()),
                Prefetch(
                    "meetings",
                    queryset=Conference.objects.published().select_related("host_region"),
                ),
                Prefetch(
                    "documents",
                    queryset=AllianceDocument.objects.prefetch_related(
                        published_citations(),
                        Prefetch("issuers", queryset=Organization.objects.published()),
                    ),
                ),
            )
        )

    def rows_with_accounts(self):
        return [*self.object.bodies.all(), *self.object.documents.all()]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        memberships = by_role(self.object.memberships.all())
        bodies = list(self.object.bodies.all())
        for body in bodies:
            body.shown_members = [m for m in memberships if m.body_id == body.pk]
        context.update(
            members=[m for m in memberships if m.body_id is None],
            bodies=bodies,
            # Meetings reported as governance events, with no conference record of their own.
            meetings_in_governance=any(
                e.kind == AllianceEvent.Kind.MEETING for e in self.object.events.all()
            ),
        )
        return context


def by_event_role(speeches) -> list[tuple[str, list]]:
    """People at an event grouped by their part (spoke, chaired, signed, ...), in the order
    of EventRole."""
    groups: dict = {}
    for speech in speeches:
        groups.setdefault(speech.role, []).append(speech)
    labels = dict(EventRole.choices)
    known = [(labels[role], groups[role]) for role in EventRole.values if role in groups]
    return known + [(role, rows) for role, rows in groups.items() if role not in labels]


def public_partnership_pks():
    """The keys of the public partnerships, as a subquery: a part of a partnership (an
    agreement, a change of status, a visit) is public only with it."""
    return SisterSchoolPartnership.objects.published().values("pk")


def alliance_event_parts_shown():
    """Parts in the governance events of published alliances whose holders are published
    (AllianceEventActor.shown), with the alliance, the event and the holders, oldest event
    first."""
    return (
        AllianceEventActor.objects.shown()
        .filter(alliance__publication=PUBLISHED)
        .select_related("alliance", "event", "organization", "person__organization")
        .prefetch_related(published_citations())
        .order_by("event__occurred_on", "event_id", "pk")
    )


def visits_of(condition: Q) -> list:
    """The visits of public partnerships that ``condition`` selects (those an organization
    sent or hosted), oldest first, drafts' places masked."""
    return hide_drafts(
        list(
            Visit.objects.filter(condition, partnership__in=public_partnership_pks())
            .distinct()
            .select_related("partnership__party_a", "partnership__party_b", "sent_from")
            .prefetch_related(published_citations())
            .order_by("visited_on", "pk")
        ),
        ["sent_from"],
    )


def agreements_shown():
    """Agreements of public partnerships, with the names of their parties."""
    return Agreement.objects.filter(partnership__in=public_partnership_pks()).select_related(
        "partnership__party_a", "partnership__party_b"
    )


def visits_in_region(region):
    """Visits of public partnerships that went to or came from ``region`` or a region under
    it, newest first: a party of the partnership is there (the partnership list's region
    filter: the visiting and the hosting side), the group came from a published region there
    (sent_from), the source names a published place there (places), or a published
    organization there sent it. A draft place or sender never puts a visit on a page."""
    places = Region.objects.published().filter(path__startswith=region.path)
    named_place = Exists(
        Visit.places.through.objects.filter(visit=OuterRef("pk"), region__in=places)
    )
    return (
        Visit.objects.filter(partnership__in=public_partnership_pks())
        .filter(
            Q(partnership__in=SisterSchoolPartnership.objects.published().in_region(region))
            | Q(sent_from__in=places)
            | Q(named_place)
            | Q(
                sender__in=Organization.objects.published().filter(
                    region__path__startswith=region.path
                )
            )
        )
        .select_related("partnership__party_a", "partnership__party_b", "sent_from", "sender")
        .prefetch_related(published_citations())
        .order_by(newest_first("visited_on"), "-pk")
    )


class ConferenceDetailView(RecordDetailView):
    model = Conference
    draft_relations = (
        "series",
        "held_within",
        "host_region",
        "venue",
        "alliance",
        "speeches__person__organization",
        "speeches__organization",
    )

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("series", "held_within", "host_region", "venue", "alliance")
            .prefetch_related(
                Prefetch(
                    "held_within_it",
                    queryset=Conference.objects.published().order_by("held_on", "name"),
                ),
                Prefetch("organizers", queryset=Organization.objects.published()),
                Prefetch("run_by", queryset=Organization.objects.published()),
                Prefetch("co_organizers", queryset=Organization.objects.published()),
                Prefetch("guided_by", queryset=Organization.objects.published()),
                Prefetch("initiated_by", queryset=Organization.objects.published()),
                Prefetch("participating_regions", queryset=Region.objects.published()),
                Prefetch("partner_regions", queryset=Region.objects.published()),
                Prefetch("other_host_regions", queryset=Region.objects.published()),
                Prefetch(
                    "speeches",
                    queryset=Speech.objects.filter(speeches_shown_q())
                    .select_related("person__organization", "organization", "side", "for_alliance")
                    .prefetch_related(published_citations()),
                ),
                Prefetch("alliances_founded", queryset=Alliance.objects.published()),
                Prefetch(
                    "documents",
                    queryset=ConferenceDocument.objects.prefetch_related(
                        published_citations(),
                        Prefetch("issuers", queryset=Organization.objects.published()),
                    ),
                ),
            )
        )

    def rows_with_accounts(self):
        return [*self.object.documents.all()]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["partnerships"] = first_rows(
            published_partnerships().filter(conference=self.object),
            list_url("partnership-list", conference=self.object.slug),
        )
        context["people_by_role"] = by_event_role(self.object.speeches.all())
        # What published alliances record as having happened here (initiated, a charter, a
        # meeting...); a founding already named as the alliance's founding conference once.
        founded = {alliance.pk for alliance in self.object.alliances_founded.all()}
        context["alliance_events"] = [
            event
            for event in AllianceEvent.objects.filter(
                conference=self.object, alliance__publication=PUBLISHED
            )
            .select_related("alliance")
            .prefetch_related(published_citations())
            if not (event.kind == AllianceEvent.Kind.FOUNDED and event.alliance_id in founded)
        ]
        context["agreements"] = list(
            agreements_shown()
            .filter(conference=self.object)
            .prefetch_related(published_citations())
        )
        return context


class SeriesDetailView(RecordDetailView):
    model = ConferenceSeries
    draft_relations = ("alliance", "venue_region", "venue")

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("alliance", "venue_region", "venue")
            .prefetch_related(Prefetch("organizers", queryset=Organization.objects.published()))
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["editions"] = hide_drafts(
            list(
                Conference.objects.published()
                .filter(series=self.object)
                .select_related("host_region")
            ),
            ["host_region"],
        )
        context["partnerships"] = first_rows(
            published_partnerships().filter(
                Q(series=self.object) | Q(conference__series=self.object)
            )
        )
        return context


class OrganizationDetailView(RecordDetailView):
    model = Organization
    draft_relations = ("region", "province", "country", "parent", "supervised_by")

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("region", "province", "country", "parent", "supervised_by")
            .prefetch_related("other_names")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        org = self.object
        context.update(
            # Its region and every published region above it, nearest first ("Changchun New
            # Area, Changchun, Jilin, China"): a district's city is not left out.
            places=[org.region, *reversed([r for r in org.region.ancestors() if r.is_published])]
            if org.region
            else [],
            partnerships=first_rows(published_partnerships().involving(org)),
            memberships=hide_drafts(
                by_role(
                    shown_memberships()
                    .filter(organization=org, alliance__publication=PUBLISHED)
                    .select_related("alliance", "person__organization", "body", "country")
                ),
                ["country"],
            ),
            bodies_hosted=AllianceBody.objects.filter(
                host=org, alliance__publication=PUBLISHED
            ).select_related("alliance"),
            # Agreements of published partnerships it signed (not as a party: a funding
            # agency, say) or that were signed at it, oldest first.
            agreements_signed=Agreement.objects.annotate(
                by_it=Exists(
                    Agreement.signed_by.through.objects.filter(
                        agreement=OuterRef("pk"), organization=org
                    )
                )
            )
            .filter(
                Q(by_it=True) | Q(signed_at=org),
                partnership__in=SisterSchoolPartnership.objects.published().values("pk"),
            )
            .select_related("partnership__party_a", "partnership__party_b")
            .prefetch_related(published_citations())
            .order_by("signed_on", "pk"),
            partnership_roles=PartnershipParty.objects.filter(
                organization=org,
                partnership__in=SisterSchoolPartnership.objects.published().values("pk"),
            ).select_related("partnership__party_a", "partnership__party_b"),
            bodies_guided=AllianceBody.objects.filter(
                guided_by=org, alliance__publication=PUBLISHED
            ).select_related("alliance"),
            conferences=conferences_of(org),
            series=ConferenceSeries.objects.published()
            .filter(Q(venue=org) | Q(organizers=org))
            .distinct(),
            # Its parts at events: an office speaking with no person named, or a person
            # speaking for it.
            event_roles=list(
                Speech.objects.filter(organization=org, conference__publication=PUBLISHED)
                .filter(speeches_shown_q())
                .select_related("conference", "person")
                .prefetch_related(published_citations())
                .order_by("conference__held_on", "conference_id", "role", "pk")
            ),
            alliance_event_parts=alliance_event_parts_shown().filter(organization=org),
            alliance_events_held=AllianceEvent.objects.filter(
                venue=org, alliance__publication=PUBLISHED
            )
            .select_related("alliance", "body")
            .prefetch_related(published_citations())
            .order_by("occurred_on", "pk"),
            visits_sent=visits_of(Q(sender=org) | Q(other_senders=org)),
            visits_hosted=visits_of(Q(hosts=org)),
            # Not those it hosted too: they are under "Visits it hosted".
            visits_as_stop=visits_of(Q(organizations_visited=org) & ~Q(hosts=org)),
            status_changes_made=list(
                StatusChange.objects.filter(by=org, partnership__in=public_partnership_pks())
                .select_related("partnership__party_a", "partnership__party_b")
                .prefetch_related(published_citations())
                .order_by("changed_on", "pk")
            ),
            people=Person.objects.published().filter(organization=org),
            units=Organization.objects.published().filter(parent=org),
        )
        return context


# An organization's parts in a conference besides being its venue, as its page names them:
# a co-organizer or supporter is not listed as an organizer.
CONFERENCE_PARTS = {
    "organizers": _("organized it"),
    "run_by": _("carried it out"),
    "co_organizers": _("co-organized or supported it"),
    "guided_by": _("guided it"),
    "initiated_by": _("initiated it"),
}


def conferences_of(org) -> list:
    """The published conferences ``org`` had a part in, each with ``parts``: what that part
    was (venue, CONFERENCE_PARTS), in one query."""
    as_part = {
        f"as_{name}": Exists(
            getattr(Conference, name).through.objects.filter(
                conference=OuterRef("pk"), organization=org
            )
        )
        for name in CONFERENCE_PARTS
    }
    any_part = Q(venue=org)
    for key in as_part:
        any_part |= Q(**{key: True})
    conferences = list(Conference.objects.published().annotate(**as_part).filter(any_part))
    for c in conferences:
        c.parts = [_("hosted it (venue)")] if c.venue_id == org.pk else []
        c.parts += [label for name, label in CONFERENCE_PARTS.items() if getattr(c, f"as_{name}")]
    return conferences


class RegionDetailView(RecordDetailView):
    model = Region
    draft_relations = ("parent",)

    def get_queryset(self):
        return super().get_queryset().select_related("parent")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        region = self.object
        within = Q(region__path__startswith=region.path)
        context.update(
            ancestors=[r for r in region.ancestors() if r.is_published],
            subregions=Region.objects.published().filter(parent=region),
            organizations=first_rows(
                Organization.objects.published().filter(within).select_related("region", "parent"),
                list_url("organization-list", region=region.slug),
                ["region", "parent"],
            ),
            partnerships=first_rows(
                published_partnerships().in_region(region),
                list_url("partnership-list", region=region.slug),
            ),
            # The same rules as the lists' region filters, so that the page and a click on
            # "all" agree.
            conferences=first_rows(
                filters.conferences_in_region(Conference.objects.published(), region)
                .annotate(held_here=filters.held_in_region(region))
                .select_related("host_region"),
                list_url("conference-list", region=region.slug),
                ["host_region"],
            ),
            alliances=first_rows(
                filters.alliances_in_region(Alliance.objects.published(), region),
                list_url("alliance-list", region=region.slug),
            ),
            visits=first_rows(visits_in_region(region), "", ["sent_from", "sender"]),
        )
        return context


class PersonDetailView(RecordDetailView):
    model = Person
    draft_relations = ("organization",)

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            # The bodies a unit is part of are named with it (Organization.published_line).
            .select_related("organization__parent__parent", "country")
            .prefetch_related(
                "other_names",
                Prefetch(
                    "other_positions",
                    queryset=PersonPosition.objects.select_related(
                        "organization__parent__parent"
                    ).prefetch_related(published_citations()),
                ),
                Prefetch(
                    "speeches",
                    queryset=Speech.objects.filter(conference__publication="published")
                    .select_related("conference")
                    .prefetch_related(published_citations()),
                ),
                Prefetch(
                    "partnership_roles",
                    queryset=PartnershipPerson.objects.filter(
                        partnership__in=SisterSchoolPartnership.objects.published().values("pk")
                    )
                    .select_related("partnership__party_a", "partnership__party_b", "visit")
                    .prefetch_related(published_citations())
                    .order_by("partnership_id", "visit__visited_on", "visit_id", "pk"),
                ),
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        person = self.object
        context.update(
            alliance_roles=hide_drafts(
                by_role(
                    AllianceMembership.objects.filter(
                        person=person, alliance__publication=PUBLISHED
                    )
                    .select_related("alliance", "organization", "body", "country")
                    .prefetch_related(published_citations())
                ),
                ["organization", "country"],
            ),
            alliance_event_parts=alliance_event_parts_shown().filter(person=person),
            agreements_signed=hide_drafts(
                list(
                    agreements_shown()
                    .filter(signatories=person)
                    .select_related("conference")
                    .prefetch_related(published_citations())
                ),
                ["conference"],
            ),
        )
        return context


def name_rows(records) -> None:
    """prefetch_names() for every kind a source page lists, the parts included."""
    prefetch_names(records)
    by_model: dict = {}
    for record in records:
        if record is not None:
            by_model.setdefault(type(record), []).append(record)
    for model, same_kind in by_model.items():
        if model in PART_OF and PART_OF[model] == "partnership":
            prefetch_related_objects(same_kind, "partnership__party_a", "partnership__party_b")
        elif model in PART_OF:
            prefetch_related_objects(same_kind, PART_OF[model])
        elif model is AllianceMembership:
            prefetch_related_objects(same_kind, "person")


def row_label(record) -> str:
    """A record's name on a source page; a part of a record with the record's name."""
    if isinstance(record, Visit):  # as the partnership's page words it, not the admin's
        text = f"{visit_direction(record, record.partnership)}, {record.visited}"
        return (
            f"{record.occasion[:1].upper()}{record.occasion[1:]} ({text})"
            if record.occasion
            else text
        )
    parent = PART_OF.get(type(record))
    if parent:
        return f"{record} ({getattr(record, parent)})"
    return str(record)


def outlet_chain(source) -> list[str]:
    """The outlets a source's text passed through: the original outlet, those between
    (``via``, separated by arrows) and the outlet we read it in."""
    via = [part.strip() for part in source.via.split("→")]
    chain: list[str] = []
    for name in (source.original_outlet, *via, source.outlet):
        if name and (not chain or chain[-1] != name):
            chain.append(name)
    return chain


class SourceDetailView(RecordDetailView):
    model = Source
    draft_relations = ("mirror_of",)

    def get_queryset(self):
        return Source.objects.published().select_related("mirror_of")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        source = self.object
        groups: dict = {}
        citations = list(
            Citation.objects.filter(source=source)
            .filter(public_citations_q())
            .select_related("content_type")
            .prefetch_related("record")
            .order_by("paragraph", "section", "pk")
        )
        accounts = list(
            OtherAccount.objects.filter(source=source)
            .filter(public_citations_q())
            .select_related("content_type")
            .prefetch_related("record")
            .order_by("paragraph", "section", "pk")
        )
        name_rows([row.record for row in (*citations, *accounts)])
        places: dict = {}  # (paragraph, section) -> what records take from that place
        for citation in citations:
            record = citation.record
            if record is None:
                continue
            label = str(type(record)._meta.verbose_name).capitalize()
            item = {
                "record": row_label(record),
                "kind": label,
                "url": record.get_absolute_url(),
                "paragraph": citation.paragraph,
                "locator": citation.locator,
                "note": citation.note,
            }
            groups.setdefault(label, []).append(item)
            places.setdefault((citation.paragraph, citation.section), []).append(item)
        context.update(
            cited_records=sorted(groups.items()),
            # The places references on other pages link to (references.anchor_of).
            cited_places=[
                {"anchor": anchor_of(*place), "locator": locator_of(*place), "items": items}
                for place, items in sorted(places.items(), key=lambda pair: place_order(pair[0]))
                if anchor_of(*place)
            ],
            accounts_given=[
                {
                    "record": row_label(account.record),
                    "url": account.record.get_absolute_url(),
                    "account": account,
                    "locator": locator_of(account.paragraph, account.section),
                }
                for account in accounts
                if account.record is not None
            ],
            outlet_chain=outlet_chain(source),
            mirrors=list(Source.objects.published().filter(mirror_of=source)),
        )
        return context
