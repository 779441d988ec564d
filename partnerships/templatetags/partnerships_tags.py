import datetime
import functools
import re
from dataclasses import dataclass
from html import escape

import pycountry
from django import template
from django.conf.locale import LANG_INFO
from django.urls import reverse
from django.utils import translation
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, gettext_lazy, ngettext

register = template.Library()


@register.inclusion_tag("includes/cite.html", takes_context=True)
def cite(context, obj):
    """Citation numbers for a record's sources, linking to the page's reference list."""
    refs = context.get("refs")
    if refs is None or obj is None:
        return {"refs": []}
    return {"refs": refs.cite(obj.citations.all())}


@register.filter
def get_item(mapping, key):
    return mapping.get(key)


# The site's sections, in the header's order: URL name, label, and whether only the URL itself
# (not the pages under it) is that section.
NAV = (
    ("dashboard", gettext_lazy("Overview"), True),
    ("partnership-list", gettext_lazy("Partnerships"), False),
    ("alliance-list", gettext_lazy("Alliances"), False),
    ("conference-list", gettext_lazy("Conferences"), False),
    ("organization-list", gettext_lazy("Organizations"), False),
    ("region-list", gettext_lazy("Regions"), False),
    ("person-list", gettext_lazy("People"), False),
    ("source-list", gettext_lazy("Sources"), False),
)


@dataclass(frozen=True)
class Section:
    url: str
    label: str
    current: bool


@register.simple_tag(takes_context=True)
def site_sections(context) -> list[Section]:
    """The header's sections (includes/header.html), the one the page is in marked current:
    the first whose address is the page's, or starts it (a section's own pages)."""
    request = context.get("request")
    path = request.path if request is not None else ""
    sections, found = [], False
    for name, label, exact in NAV:
        url = reverse(name)
        current = not found and (path == url or (not exact and path.startswith(url)))
        found = found or current
        sections.append(Section(url, str(label), current))
    return sections


# --------------------------------------------------------------------------- detail pages


@register.inclusion_tag("includes/cite.html", takes_context=True)
def cite_account(context, account):
    """The citation number of another source's account of a fact (an OtherAccount cites its
    source's paragraph or section itself)."""
    refs = context.get("refs")
    if refs is None or account is None:
        return {"refs": []}
    return {"refs": refs.cite([account])}


@register.inclusion_tag("includes/differs.html", takes_context=True)
def differs(context, accounts, *facts):
    """Beside a fact on a page: what other sources say of it (the record's OtherAccount rows
    whose fact is one of ``facts``, compared without case), each with its citation."""
    names = {str(fact).casefold().strip() for fact in facts}
    matching = [a for a in accounts or () if a.fact.casefold().strip() in names]
    return {"accounts": matching, "refs": context.get("refs")}


@register.filter
def source_date(source) -> str:
    """A source's date with what the page says it is: "Updated 24 November 2023",
    "Posted 16 October 2017", "2018, from the page's address"."""
    from partnerships.models import SourceDateKind

    if not source.published_on:
        return gettext("Date not reported")
    date = str(source.date)
    kind = source.date_kind
    if kind == SourceDateKind.UPDATED:
        return gettext("Updated %(date)s") % {"date": date}
    if kind == SourceDateKind.POSTED:
        return gettext("Posted %(date)s") % {"date": date}
    if kind == SourceDateKind.ADDRESS:
        return gettext("%(date)s, from the page’s address (no date printed)") % {"date": date}
    if kind == SourceDateKind.COPYRIGHT:
        return gettext("Copyright %(year)s (no other date printed)") % {
            "year": source.published_on.year
        }
    return gettext("Published %(date)s") % {"date": date}


@register.simple_tag
def date_range(date, ends_on=None) -> str:
    """A partial date to its last day (dates.PartialDate.through)."""
    return date.through(ends_on)


@functools.lru_cache(maxsize=256)
def _language_name(code: str, language: str | None) -> str:
    base, *subtags = code.split("-")
    try:
        name = str(translation.get_language_info(code.lower())["name_translated"])
        if code.lower() in LANG_INFO:  # "zh-hans": Django names the script itself
            return name
    except KeyError:
        found = pycountry.languages.get(alpha_2=base.lower()) or pycountry.languages.get(
            alpha_3=base.lower()
        )
        if found is None:
            return code
        name = found.name
    # A script subtag says how the name is written: "zh-Latn" is Chinese in Latin letters
    # (pinyin), not Chinese as Chinese is written.
    scripts = [part for part in subtags if len(part) == 4 and part.isalpha()]
    script = pycountry.scripts.get(alpha_4=scripts[0].title()) if scripts else None
    if script is None:
        return name
    return gettext("%(language)s, %(script)s script") % {"language": name, "script": script.name}


@register.filter
def language_name(code) -> str:
    """The name of a BCP 47 language code: "en" -> "English", "zh" -> "Chinese", "und" ->
    "Not known"; the code itself when it is not one we can name."""
    if not code:
        return ""
    if str(code).lower() == "und":  # BCP 47's "undetermined": we could not tell
        return gettext("Not known")
    return _language_name(str(code), get_language())


@register.filter
def ends_sentence(text) -> bool:
    """Whether ``text`` ends as a sentence does ("… of Education.", "Why?"), so that a list of
    references adds no second full stop after it."""
    return str(text).rstrip().endswith((".", "!", "?", "…", "。", "！", "？"))


@dataclass
class FigureGroup:
    """Reported figures that count the same thing at the same time as far as their dates
    say (the same metric, breakdown, period, status, start year and description of what is
    counted; as-of dates that can be the same day): one figure, or several whose values
    differ because their sources do."""

    figures: list

    @property
    def first(self):
        return self.figures[0]

    @property
    def differ(self) -> bool:
        return len({(f.qualifier, f.value) for f in self.figures}) > 1

    @property
    def what(self) -> str:
        """What is counted, without the value: the figure's text after its value."""
        figure = self.first
        text = figure.text
        value = figure.value_display
        return text[len(value) :].strip() if text.startswith(value) else text

    @property
    def heading(self) -> str:
        """What is counted, for a line of its own ("Money: the sources differ.")."""
        return self.what or str(self.first.get_metric_display())

    def admits(self, figure) -> bool:
        """Another source's account of the same count: the same time, and not a source of a
        figure already here (one source's figures are parts of a whole or a running total,
        e.g. 122 events of which 65 in the opening week, not a disagreement)."""
        sources = cited_sources(figure)
        return all(
            same_time(f.as_of_date, figure.as_of_date) and not sources & cited_sources(f)
            for f in self.figures
        )


def cited_sources(figure) -> set[int]:
    return {citation.source_id for citation in figure.citations.all()}


# What makes two figures count the same thing: ReportedFigure.IDENTITY without the value
# and its qualifier (a different value for the same count is another source's account)
# and without the as-of date, which same_time() compares.
SAME_COUNT = (
    "metric",
    "currency",
    "period",
    "status",
    "country_id",
    "organization_kind",
    "mode",
    "origin",
    "since_year",
    "given_by_id",
    "counted",  # units named in the description: a count of its own each
)


def _period(date):
    """The first and last day a partial date can be, and whether its year is unknown."""
    from partnerships.dates import NO_YEAR, DatePrecision

    on, precision = date.on, date.precision
    if on is None:
        return (datetime.date.min, date.not_after, False)
    if precision in (DatePrecision.DAY, DatePrecision.DAY_MONTH):
        end = on
    elif precision in (DatePrecision.MONTH, DatePrecision.MONTH_ONLY):
        end = (on.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        end -= datetime.timedelta(days=1)
    else:
        end = on.replace(month=12, day=31)
    if date.not_after is not None and precision not in NO_YEAR:
        end = max(min(end, date.not_after), on)
    return (on, end, precision in NO_YEAR)


def same_time(one, other) -> bool:
    """Whether two as-of dates can be the same day: two running totals a few months apart
    are not two accounts of one count. A figure with no date is the same time only as
    another with no date."""
    if not one or not other:
        return not one and not other
    start1, end1, yearless1 = _period(one)
    start2, end2, yearless2 = _period(other)
    if not (yearless1 or yearless2):
        return start1 <= end2 and start2 <= end1
    # A day or month with no year: compare the days of the year the two can be.
    if (not yearless1 and end1.year != start1.year) or (not yearless2 and end2.year != start2.year):
        return True
    days1 = ((start1.month, start1.day), (end1.month, end1.day))
    days2 = ((start2.month, start2.day), (end2.month, end2.day))
    return days1[0] <= days2[1] and days2[0] <= days1[1]


@register.filter
def figure_groups(figures) -> list[FigureGroup]:
    """``figures`` of one record, those that count the same thing at the same time
    together, in the order of their first figure."""
    groups: list[tuple[tuple, FigureGroup]] = []
    for figure in figures or ():
        # A description says what exactly is counted: "19 countries" the guests came from
        # and "22 countries" of the founding members are two counts, not a disagreement.
        key = (
            *(getattr(figure, name) for name in SAME_COUNT),
            " ".join(figure.description.split()).casefold(),
        )
        for other_key, group in groups:
            if other_key == key and group.admits(figure):
                group.figures.append(figure)
                break
        else:
            groups.append((key, FigureGroup([figure])))
    return [group for _key, group in groups]


@register.simple_tag
def visit_direction(visit, partnership) -> str:
    """Which way a visit went, or is to go, in words with the parties' names."""
    from partnerships.models import EventFormat, VisitDirection, VisitStatus

    a, b = partnership.party_a.name, partnership.party_b.name
    # A planned visit has not happened: "A to visit B", not "A visited B". An exchange
    # online (a video call, emails) went from one to the other without anyone travelling.
    if visit.format == EventFormat.ONLINE:
        went = gettext("From %(from)s to %(to)s")
    elif visit.status == VisitStatus.PLANNED:
        went = gettext("%(from)s to visit %(to)s")
    else:
        went = gettext("%(from)s visited %(to)s")
    if visit.direction == VisitDirection.A_TO_B:
        return went % {"from": a, "to": b}
    if visit.direction == VisitDirection.B_TO_A:
        return went % {"from": b, "to": a}
    if visit.direction == VisitDirection.BOTH:
        return gettext("Visits both ways between %(a)s and %(b)s") % {"a": a, "b": b}
    if visit.direction == VisitDirection.JOINT:
        return gettext("Joint event of %(a)s and %(b)s") % {"a": a, "b": b}
    return gettext("Visit or activity between %(a)s and %(b)s") % {"a": a, "b": b}


@register.filter
def term_display(agreement) -> str:
    """An agreement's term in years: "2012–2022", "from 2012", "until 2022", with its length
    when the source gives one ("from 2019, 5 years"; "5 years" alone)."""
    start, end = agreement.term_start_year, agreement.term_end_year
    if start and end:
        years = f"{start}–{end}"
    elif start:
        years = gettext("from %(year)s") % {"year": start}
    elif end:
        years = gettext("until %(year)s") % {"year": end}
    else:
        years = ""
    length = agreement.term_length_years
    if not length:
        return years
    length_text = ngettext("%(n)s year", "%(n)s years", length) % {"n": length}
    return f"{years}, {length_text}" if years else length_text


@register.filter
def history_cell(record, column: str):
    """A column of a record's history list: a field with choices in words ("Published"), as
    the change form shows it, not its stored value ("published")."""
    display = getattr(record, f"get_{column}_display", None)
    if callable(display):
        return display()
    return getattr(record, column, "")


# --------------------------------------------------------------------------- search results

HIGHLIGHT_MAX_WORDS = 10


@functools.lru_cache(maxsize=128)
def _search_pattern(query: str):
    """The words of a search (as search.py reads them: quotes and a leading "-" dropped,
    "or" and words left out with "-" ignored), as one case-insensitive pattern; None when
    there are none."""
    words = []
    for word in query.replace('"', " ").split():
        if word.startswith("-") or word.lower() == "or":
            continue
        if word not in words:
            words.append(word)
    if not words:
        return None
    words = sorted(words[:HIGHLIGHT_MAX_WORDS], key=len, reverse=True)
    return re.compile("|".join(re.escape(word) for word in words), re.IGNORECASE)


@register.filter
def highlight(text, query) -> SafeString:
    """``text`` escaped, with each word of the search ``query`` in it marked (<mark>): in a
    list's or the site search's results, the words the reader searched for."""
    text = "" if text is None else str(text)
    pattern = _search_pattern(str(query or "")[:200]) if query else None
    if pattern is None:
        return conditional_escape(text)
    parts, last = [], 0
    for found in pattern.finditer(text):
        parts.append(escape(text[last : found.start()]))
        parts.append(f"<mark>{escape(found.group())}</mark>")
        last = found.end()
    parts.append(escape(text[last:]))
    return mark_safe("".join(parts))  # noqa: S308 - every part escaped above
