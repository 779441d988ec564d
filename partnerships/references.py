"""Numbered references for a page: each place in a source cited on the page (a paragraph,
a section, or both) gets a number, in order of first use, and the page ends with the list
of them."""

from __future__ import annotations

from dataclasses import dataclass


def locator_of(paragraph, section) -> str:
    """Where in a source, in words: "paragraph 6", "section “History”", or both. The same
    words as Citation.locator, for anything that cites a place in a source (a citation,
    another source's account of a fact)."""
    from .models import Citation

    return Citation(paragraph=paragraph, section=section or "").locator


@dataclass
class Reference:
    number: int
    source: object
    paragraph: int | None
    section: str = ""

    @property
    def locator(self) -> str:
        return locator_of(self.paragraph, self.section)


class References:
    def __init__(self):
        self.entries: list[Reference] = []
        self._numbers: dict[tuple[int, int | None, str], int] = {}

    def cite(self, citations) -> list[Reference]:
        """The references of ``citations``: rows with a source, a paragraph and a section
        (citations, or other sources' accounts of a fact), numbered on first use."""
        refs = []
        for citation in citations:
            section = getattr(citation, "section", "") or ""
            key = (citation.source_id, citation.paragraph, section)
            if key not in self._numbers:
                ref = Reference(len(self.entries) + 1, citation.source, citation.paragraph, section)
                self.entries.append(ref)
                self._numbers[key] = ref.number
            refs.append(self.entries[self._numbers[key] - 1])
        return sorted({r.number: r for r in refs}.values(), key=lambda r: r.number)
