"""Numbered references for a page: each source cited on the page gets a number, in order of
first use, and the page ends with the list of them, each source once with every place in it
the page cites ("paragraphs 6, 7 and 8"). A citation mark gives the source's number and, in
its title, its own place."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.text import get_text_list, slugify
from django.utils.translation import gettext


def anchor_of(paragraph, section) -> str:
    """The id of a place on its source's page ("paragraph-6", "section-history-paragraph-2"),
    where the page lists what the records take from it; "" for the source as a whole."""
    parts = []
    if section:
        parts.append(f"section-{slugify(section, allow_unicode=True) or 'untitled'}")
    if paragraph is not None:
        parts.append(f"paragraph-{paragraph}")
    return "-".join(parts)


def locator_of(paragraph, section) -> str:
    """Where in a source, in words: "paragraph 6", "section “History”", or both. The same
    words as Citation.locator, for anything that cites a place in a source (a citation,
    another source's account of a fact)."""
    from .models import Citation

    return Citation(paragraph=paragraph, section=section or "").locator


Place = tuple  # (paragraph or None, section): a place in a source


def places_in_words(places) -> str:
    """Places in one source, in words: "paragraph 6", "paragraphs 6, 7 and 10; section
    “History”"."""
    paragraphs = sorted({p for p, section in places if p is not None and not section})
    others = sorted(
        {(p, section) for p, section in places if section or p is None},
        key=lambda place: (place[1], place[0] or 0),
    )
    parts = []
    if len(paragraphs) == 1:
        parts.append(locator_of(paragraphs[0], ""))
    elif paragraphs:
        numbers = get_text_list([str(p) for p in paragraphs], gettext("and"))
        parts.append(gettext("paragraphs %(numbers)s") % {"numbers": numbers})
    parts.extend(locator_of(p, section) for p, section in others)
    return "; ".join(parts)


@dataclass
class Reference:
    """A source cited on the page, with the places in it the page cites."""

    number: int
    source: object
    places: set[Place] = field(default_factory=set)

    @property
    def locator(self) -> str:
        return places_in_words(self.places)

    @property
    def anchor(self) -> str:
        """The first place cited, on the source's page: its list of places goes on from
        there in the same order (paragraphs, then sections)."""
        return anchor_of(*min(self.places, key=place_order))


def place_order(place: Place) -> tuple:
    """Paragraphs in number order, then sections by name; the source as a whole last."""
    paragraph, section = place
    return (not section and paragraph is None, bool(section), section, paragraph or 0)


@dataclass(frozen=True)
class Mark:
    """A citation mark: its source's reference number, and the places it cites there."""

    number: int
    source: object
    locator: str


class References:
    def __init__(self):
        self.entries: list[Reference] = []
        self._by_source: dict[int, Reference] = {}

    def cite(self, citations) -> list[Mark]:
        """The marks of ``citations``: rows with a source, a paragraph and a section
        (citations, or other sources' accounts of a fact), their sources numbered on first
        use; one mark per source, in order of number."""
        cited: dict[int, set[Place]] = {}
        for citation in citations:
            ref = self._by_source.get(citation.source_id)
            if ref is None:
                ref = Reference(len(self.entries) + 1, citation.source)
                self.entries.append(ref)
                self._by_source[citation.source_id] = ref
            place = (citation.paragraph, getattr(citation, "section", "") or "")
            ref.places.add(place)
            cited.setdefault(ref.number, set()).add(place)
        return [
            Mark(number, self.entries[number - 1].source, places_in_words(places))
            for number, places in sorted(cited.items())
        ]
