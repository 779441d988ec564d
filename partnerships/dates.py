"""Dates that sources give only in part.

A partial date is stored as three columns: the first day of the period that is
known (``<name>_on``), how much of it is known (``<name>_precision``: day, month
or year) and, when the source only gives an upper bound, the last possible day
(``<name>_not_after``). Only the known part is ever shown; the rest of the
stored date is a sort key, never a fact.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass

from django.db import models
from django.utils import formats
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _


class DatePrecision(models.TextChoices):
    DAY = "day", gettext_lazy("Day known")
    MONTH = "month", gettext_lazy("Month known")
    YEAR = "year", gettext_lazy("Year known")


@dataclass(frozen=True)
class PartialDate:
    on: datetime.date | None
    precision: str = DatePrecision.DAY
    not_after: datetime.date | None = None

    @property
    def year(self) -> int | None:
        return self.on.year if self.on else None

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
                return _("date not reported")
            return _("by %(date)s") % {"date": formats.date_format(self.not_after, "j F Y")}
        if self.precision == DatePrecision.DAY:
            text = formats.date_format(self.on, "j F Y")
        elif self.precision == DatePrecision.MONTH:
            text = formats.date_format(self.on, "F Y")
        else:
            text = str(self.on.year)
        if self.not_after is not None and self.precision != DatePrecision.DAY:
            if self.not_after.year == self.on.year:
                bound = formats.date_format(self.not_after, "j F")
            else:
                bound = formats.date_format(self.not_after, "j F Y")
            text = _("%(period)s, before %(date)s") % {"period": text, "date": bound}
        return text


@functools.lru_cache(maxsize=8192)
def _formatted(language: str | None, date: PartialDate) -> str:
    """date.format() while ``language`` is the active language."""
    return date.format()


def partial_date_errors(on, precision, not_after, label) -> dict[str, str]:
    """Human-readable problems with one partial date, keyed by field-name suffix."""
    errors = {}
    if on is not None:
        if precision in (DatePrecision.MONTH, DatePrecision.YEAR) and on.day != 1:
            errors["on"] = _(
                "%(label)s: only the month is known, so store the first day of that month."
            ) % {"label": label}
        if precision == DatePrecision.YEAR and on.month != 1:
            errors["on"] = _(
                "%(label)s: only the year is known, so store 1 January of that year."
            ) % {"label": label}
        if not_after is not None and not_after < on:
            errors["not_after"] = _(
                "%(label)s: the 'not after' bound is earlier than the date itself."
            ) % {"label": label}
    return errors


def partial_date_constraints(prefix: str, model_name: str) -> list[models.CheckConstraint]:
    """Database rules for a partial date: the stored day must not pretend to be known."""
    on, precision, not_after = f"{prefix}_on", f"{prefix}_precision", f"{prefix}_not_after"
    return [
        models.CheckConstraint(
            condition=models.Q(**{precision: DatePrecision.DAY})
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
    ]
