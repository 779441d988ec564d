"""The partnership page: its parties, people, and its history (agreements, changes of
status and visits) as one timeline, oldest first."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch, Q

from ..dates import NO_YEAR, DatePrecision, PartialDate
from ..models import (
    Agreement,
    Organization,
    PartnershipParty,
    PartnershipPerson,
    PartyRole,
    Person,
    PersonRoleInPartnership,
    Region,
    SisterSchoolPartnership,
    StatusChange,
    Visit,
)
from .common import PUBLISHED, published_citations
from .record_detail import RecordDetailView


@dataclass
class TimelineEntry:
    """One dated entry of a partnership's history: an agreement, a change of status or a
    visit (``kind``), with its date."""

    kind: str
    date: PartialDate
    row: object
    ends_on: object = None

    KINDS = ("status", "agreement", "visit")

    @property
    def sort_key(self) -> tuple[int, int, int, int]:
        """Oldest first, each date at the last day it may be: a month or a year known comes
        after the days known within it (an ending announced in March 2024 and effective
        "2024"); entries whose year no source gives after those, then the undated."""
        date = self.date
        if date.on is not None and date.precision not in NO_YEAR:
            group, day = 0, last_day(date)
        elif date.on is None and date.not_after is not None:
            group, day = 0, date.not_after
        elif date.on is not None:  # a day and month, or a month, with no year
            group, day = 1, last_day(date)
        else:
            group, day = 2, None
        return (group, day.toordinal() if day else 0, self.KINDS.index(self.kind), self.row.pk)


def last_day(date: PartialDate) -> datetime.date:
    """The last day of the period a partial date gives (its first day is ``date.on``)."""
    if date.precision == DatePrecision.YEAR:
        return date.on.replace(month=12, day=31)
    if date.precision in (DatePrecision.MONTH, DatePrecision.MONTH_ONLY):
        following = date.on.replace(day=28) + datetime.timedelta(days=4)
        return following - datetime.timedelta(days=following.day)
    return date.on


def timeline_of(partnership) -> list[TimelineEntry]:
    """A partnership's agreements, changes of status and visits, oldest first."""
    entries = [
        *(TimelineEntry("agreement", a.signed, a) for a in partnership.agreements.all()),
        *(TimelineEntry("status", s.changed, s) for s in partnership.status_changes.all()),
        *(TimelineEntry("visit", v.visited, v, v.ends_on) for v in partnership.visits.all()),
    ]
    return sorted(entries, key=lambda entry: entry.sort_key)


def by_person_role(rows) -> list:
    """People's parts (PartnershipPerson): who led the group first, then the other roles in
    the order of PersonRoleInPartnership (whose first, the default, is "went on the visit"),
    then as entered."""
    order = {role: i for i, role in enumerate(PersonRoleInPartnership.values)}
    return sorted(
        rows,
        key=lambda row: (
            row.role != PersonRoleInPartnership.LED,
            order.get(row.role, len(order)),
            row.pk,
        ),
    )


def people_of(partnership) -> dict:
    """The partnership's people (prefetched), by visit key (None: the whole partnership);
    each visit of the prefetch gets its own as ``people_shown``."""
    found: dict = {}
    for row in by_person_role(partnership.people.all()):
        found.setdefault(row.visit_id, []).append(row)
    for visit in partnership.visits.all():
        visit.people_shown = found.get(visit.pk, [])
    return found


def organizations_named():
    """Published organizations by name: a visit's other senders, its hosts and the bodies it
    also went to."""
    return Organization.objects.published().order_by("name")


def partnerships_named():
    """Published partnerships with what their names and links need."""
    return SisterSchoolPartnership.objects.published().select_related("party_a", "party_b")


class PartnershipDetailView(RecordDetailView):
    model = SisterSchoolPartnership
    draft_relations = (
        "party_a__region",
        "party_b__region",
        "party_a__province",
        "party_b__province",
        "party_a__country",
        "party_b__country",
        "conference",
        "series",
        "agreements__conference",
        "status_changes__by",
        "visits__sender",
        "visits__sent_from",
    )
    # Partnerships linked from this one; each is public only with both its parties.
    linked = ("predecessor", "parent")

    def get_queryset(self):
        return (
            SisterSchoolPartnership.objects.published()
            .select_related(
                "party_a__region",
                "party_b__region",
                "party_a__province",
                "party_b__province",
                "party_a__country",
                "party_b__country",
                "conference",
                "series",
                "predecessor__party_a",
                "predecessor__party_b",
                "parent__party_a",
                "parent__party_b",
            )
            .prefetch_related(
                published_citations(),
                Prefetch(
                    "other_parties",
                    queryset=PartnershipParty.objects.filter(organization__publication=PUBLISHED)
                    .select_related("organization")
                    .prefetch_related(published_citations()),
                ),
                Prefetch(
                    "agreements",
                    queryset=Agreement.objects.select_related(
                        "conference", "place", "signed_at", "visit"
                    ).prefetch_related(
                        published_citations(),
                        Prefetch(
                            "signatories",
                            queryset=Person.objects.published().select_related("organization"),
                        ),
                        Prefetch("signed_by", queryset=organizations_named()),
                    ),
                ),
                Prefetch(
                    "status_changes",
                    queryset=StatusChange.objects.select_related("by").prefetch_related(
                        published_citations()
                    ),
                ),
                Prefetch(
                    "visits",
                    queryset=Visit.objects.select_related("sender", "sent_from").prefetch_related(
                        published_citations(),
                        Prefetch("places", queryset=Region.objects.published().order_by("name")),
                        Prefetch("other_senders", queryset=organizations_named()),
                        Prefetch("hosts", queryset=organizations_named()),
                        Prefetch("organizations_visited", queryset=organizations_named()),
                    ),
                ),
                # People's parts in the partnership and in its visits, in one query: the
                # view hands each visit its own (people_of).
                Prefetch(
                    "people",
                    queryset=PartnershipPerson.objects.filter(
                        Q(person__publication=PUBLISHED) | Q(person__isnull=True)
                    )
                    .select_related("person__organization")
                    .prefetch_related(published_citations()),
                ),
                Prefetch("successors", queryset=partnerships_named()),
                Prefetch("pairings", queryset=partnerships_named()),
            )
        )

    def get_object(self, queryset=None):
        obj = super().get_object(queryset)
        for name in self.linked:
            related = getattr(obj, name)
            if related is not None and not related.is_public:
                setattr(obj, name, None)
        return obj

    def rows_with_accounts(self):
        obj = self.object
        return [
            *obj.agreements.all(),
            *obj.status_changes.all(),
            *obj.visits.all(),
            *obj.other_parties.all(),
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        obj = self.object
        roles: dict = {}
        for party in obj.other_parties.all():
            roles.setdefault(party.role, []).append(party)
        people = people_of(obj)
        context.update(
            people=people.get(None, []),
            timeline=timeline_of(obj),
            further_parties=roles.get(PartyRole.PARTY, []),
            # Bodies that led, guided, facilitated, funded or witnessed it, not parties: by
            # role, in the order of PartyRole.
            non_parties=[
                (role.label, roles[role.value])
                for role in PartyRole
                if role != PartyRole.PARTY and role.value in roles
            ],
        )
        return context
