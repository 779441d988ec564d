"""Dates that sources give only in part.

A partial date is stored as six columns: the first day of the period that is
known (``<name>_on``), how much of it is known (``<name>_precision``: day, month,
year, or a day and month / a month with no year printed), when the source only
gives an upper bound the last possible day (``<name>_not_after``), and whether
the year is not printed but inferred from context (``<name>_year_inferred``, with
the reason in ``<name>_year_basis``), and words of time the columns cannot hold
("summer", "final week of September") in ``<name>_as_given``. Only the known part
is ever shown, and an inferred year is shown as inferred; the rest of the stored
date is a sort key, never a fact. A date with no year at all stores year 1, which is never shown.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass

from django.db import models
from django.utils import formats, timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _


class DatePrecision(models.TextChoices):
    DAY = "day", gettext_lazy("Day known")
    MONTH = "month", gettext_lazy("Month known")
    YEAR = "year", gettext_lazy("Year known")
    DAY_MONTH = "day_month", gettext_lazy("Day and month known, no year")
    MONTH_ONLY = "month_only", gettext_lazy("Month known, no year")


# The precisions whose year the source does not give: the stored year is 1, never shown.
NO_YEAR = (DatePrecision.DAY_MONTH, DatePrecision.MONTH_ONLY)
NO_YEAR_SORT_YEAR = 1


@dataclass(frozen=True)
class PartialDate:
    on: datetime.date | None
    precision: str = DatePrecision.DAY
    not_after: datetime.date | None = None
    year_inferred: bool = False
    year_basis: str = ""
    as_given: str = ""

    @property
    def year(self) -> int | None:
        if self.on is None or self.precision in NO_YEAR:
            return None
        return self.on.year

    def __bool__(self) -> bool:
        return self.on is not None or self.not_after is not None

    def __str__(self) -> str:
        # Formatting a date took about 20 µs, and a list page shows one on each row; the
        # dates of a list repeat (a day since 2005 is one of about 7,500).
        return _formatted(get_language(), self)

    def format(self) -> str:
        """The known part of the date, in the active language."""
        if self.on is None:
            if self.not_after is None:
                return self.as_given or _("date not reported")
            text = _("by %(date)s") % {"date": formats.date_format(self.not_after, "j F Y")}
            text = f"{self.as_given}, {text}" if self.as_given else text
            # A bound whose year is inferred ("by 16 December 2016", the page printing no
            # year) says so, as a known date does.
            note = self.inferred_year_note()
            return _("%(date)s (%(words)s)") % {"date": text, "words": note} if note else text
        if self.precision == DatePrecision.DAY and self.not_after and self.not_after > self.on:
            # A day known to lie between two ("the board met during the conference of 1-3
            # July"): both bounds, never the first as if it were the day.
            if (self.on.year, self.on.month) == (self.not_after.year, self.not_after.month):
                first = str(self.on.day)
            elif self.on.year == self.not_after.year:
                first = formats.date_format(self.on, "j F")
            else:
                first = formats.date_format(self.on, "j F Y")
            last = formats.date_format(self.not_after, "j F Y")
            text = _("between %(first)s and %(last)s") % {"first": first, "last": last}
        elif self.precision == DatePrecision.DAY:
            text = formats.date_format(self.on, "j F Y")
        elif self.precision == DatePrecision.MONTH:
            text = formats.date_format(self.on, "F Y")
        elif self.precision == DatePrecision.DAY_MONTH:
            text = _("%(date)s, year not stated") % {"date": formats.date_format(self.on, "j F")}
        elif self.precision == DatePrecision.MONTH_ONLY:
            text = _("%(month)s, year not stated") % {"month": formats.date_format(self.on, "F")}
        else:
            text = str(self.on.year)
        # Words of time the columns cannot hold, then how the year was inferred: one bracket
        # ("2014 (this autumn; year inferred: the report is of 2014)"), not two in a row.
        notes = [note for note in (self.as_given, self.inferred_year_note()) if note]
        if notes:
            text = _("%(date)s (%(words)s)") % {"date": text, "words": "; ".join(notes)}
        if self.not_after is not None and self.precision != DatePrecision.DAY:
            if self.not_after.year == self.on.year:
                bound = formats.date_format(self.not_after, "j F")
            else:
                bound = formats.date_format(self.not_after, "j F Y")
            text = _("%(period)s, by %(date)s") % {"period": text, "date": bound}
        return text

    def inferred_year_note(self) -> str:
        """How the year was inferred ("year inferred: the report is of 2014"), if it was."""
        if not self.year_inferred or self.precision in NO_YEAR:
            return ""
        if self.year_basis:
            return _("year inferred: %(basis)s") % {"basis": self.year_basis}
        return _("year inferred")

    def through(self, end: datetime.date | None) -> str:
        """The date to its last day, month or year, which is stored at this date's precision
        (last_date_error): "24–30 September 2017", "24–30 September, year not stated",
        "July 1990 – June 2012", "2012–2022". The last one is written by this same formatting
        (with this date's inferred year); the words as given close the whole period."""
        start = self.on
        if not end or start is None or end == start:
            return str(self)
        last = str(PartialDate(end, self.precision, None, self.year_inferred, self.year_basis))
        if self.precision == DatePrecision.YEAR:
            text = f"{start.year}–{last}"
        elif self.precision in (DatePrecision.MONTH, DatePrecision.MONTH_ONLY):
            if start.year == end.year:
                text = f"{formats.date_format(start, 'F')} – {last}"
            else:
                text = f"{formats.date_format(start, 'F Y')} – {last}"
        elif (start.year, start.month) == (end.year, end.month):
            text = f"{start.day}–{last}"
        elif start.year == end.year or self.precision == DatePrecision.DAY_MONTH:
            text = f"{formats.date_format(start, 'j F')} – {last}"
        else:
            text = f"{formats.date_format(start, 'j F Y')} – {last}"
        if self.as_given:
            text = _("%(date)s (%(words)s)") % {"date": text, "words": self.as_given}
        return text


def datetime_text(value: datetime.datetime) -> str:
    """A moment (a save, a report received) as every page writes one, in the site's time
    zone: "24 September 2017, 15:04" (DATETIME_FORMAT, partnerships/formats)."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return formats.date_format(value, "DATETIME_FORMAT")


@functools.lru_cache(maxsize=8192)
def _formatted(language: str | None, date: PartialDate) -> str:
    """date.format() while ``language`` is the active language."""
    return date.format()


def partial_date_errors(
    on, precision, not_after, label, year_inferred=False, year_basis=""
) -> dict[str, str]:
    """Human-readable problems with one partial date, keyed by field-name suffix."""
    errors = {}
    if precision in NO_YEAR:
        if year_inferred:
            errors["year_inferred"] = _(
                "%(label)s: the precision says no year is known; to give an inferred year, "
                "choose the precision to the day or month and tick 'year inferred'."
            ) % {"label": label}
        if not_after is not None:
            errors["not_after"] = _(
                "%(label)s: a date with no year cannot have a 'not after' bound."
            ) % {"label": label}
    if year_basis and not year_inferred:
        errors["year_basis"] = _(
            "%(label)s: a reason for an inferred year is given, but 'year inferred' is not ticked."
        ) % {"label": label}
    if on is not None:
        if precision in (DatePrecision.MONTH, DatePrecision.YEAR, DatePrecision.MONTH_ONLY) and (
            on.day != 1
        ):
            errors["on"] = _(
                "%(label)s: only the month is known, so store the first day of that month."
            ) % {"label": label}
        if precision == DatePrecision.YEAR and on.month != 1:
            errors["on"] = _(
                "%(label)s: only the year is known, so store 1 January of that year."
            ) % {"label": label}
        if precision in NO_YEAR and on.year != NO_YEAR_SORT_YEAR:
            errors["on"] = _(
                "%(label)s: the source gives no year, so store the year as 0001 (it is never "
                "shown), or choose a precision with a year."
            ) % {"label": label}
        if not_after is not None and not_after < on:
            errors["not_after"] = _(
                "%(label)s: the 'not after' bound is earlier than the date itself."
            ) % {"label": label}
    return errors


def last_date_error(date: PartialDate, last: datetime.date | None) -> str | None:
    """What is wrong with ``last``, the last day of a period that begins at ``date`` (a
    conference's days, a visit's stay), in words; None when nothing is. The last date is
    known as precisely as the first and stored the same way: a month as its first day, a
    year as 1 January, no year as year 1 ("July 1990 to June 2012", "22-24 September")."""
    if last is None:
        return None
    if date.on is None:
        return _("A last day needs the first day: give the first day too.")
    if last < date.on:
        return _("The last day is before the first day.")
    if date.precision in (DatePrecision.MONTH, DatePrecision.MONTH_ONLY) and last.day != 1:
        return _(
            "The first date is known to the month, so the last one is too: store the last "
            "month as its first day (e.g. 1 June 2012), or set the precision to a day."
        )
    if date.precision == DatePrecision.YEAR and (last.month, last.day) != (1, 1):
        return _(
            "The first date is known to the year, so the last one is too: store the last "
            "year as 1 January (e.g. 1 January 2022), or set the precision to a day."
        )
    if date.precision in NO_YEAR and last.year != NO_YEAR_SORT_YEAR:
        return _(
            "The source gives no year, so store the last date's year as 0001 too (it is "
            "never shown)."
        )
    return None


def partial_date_constraints(prefix: str, model_name: str) -> list[models.CheckConstraint]:
    """Database rules for a partial date: the stored day must not pretend to be known."""
    on, precision, not_after = f"{prefix}_on", f"{prefix}_precision", f"{prefix}_not_after"
    return [
        models.CheckConstraint(
            condition=models.Q(**{f"{precision}__in": (DatePrecision.DAY, DatePrecision.DAY_MONTH)})
            | models.Q(**{f"{on}__isnull": True})
            | models.Q(**{f"{on}__day": 1}),
            name=f"{model_name}_{prefix}_unknown_day_is_first",
        ),
        models.CheckConstraint(
            condition=~models.Q(**{precision: DatePrecision.YEAR})
            | models.Q(**{f"{on}__isnull": True})
            | models.Q(**{f"{on}__month": 1}),
            name=f"{model_name}_{prefix}_unknown_month_is_january",
        ),
        models.CheckConstraint(
            condition=models.Q(**{f"{on}__isnull": True})
            | models.Q(**{f"{not_after}__isnull": True})
            | models.Q(**{f"{not_after}__gte": models.F(on)}),
            name=f"{model_name}_{prefix}_bound_after_date",
        ),
        models.CheckConstraint(
            condition=~models.Q(**{f"{precision}__in": NO_YEAR})
            | models.Q(**{f"{on}__isnull": True})
            | models.Q(**{f"{on}__year": NO_YEAR_SORT_YEAR}),
            name=f"{model_name}_{prefix}_no_year_stored_as_year_1",
        ),
    ]


def partial_date_of(obj, prefix: str) -> PartialDate:
    """The partial date kept in ``obj``'s five ``<prefix>_…`` columns."""
    return PartialDate(
        getattr(obj, f"{prefix}_on"),
        getattr(obj, f"{prefix}_precision"),
        getattr(obj, f"{prefix}_not_after"),
        getattr(obj, f"{prefix}_year_inferred"),
        getattr(obj, f"{prefix}_year_basis"),
        getattr(obj, f"{prefix}_as_given"),
    )


def partial_date_errors_of(obj, prefix: str, label: str) -> dict[str, str]:
    """partial_date_errors() for ``obj``'s ``<prefix>_…`` columns, keyed by field name."""
    date = partial_date_of(obj, prefix)
    errors = partial_date_errors(
        date.on, date.precision, date.not_after, label, date.year_inferred, date.year_basis
    )
    return {f"{prefix}_{suffix}": message for suffix, message in errors.items()}
