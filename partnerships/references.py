"""Numbered references for a page: each (source, paragraph) cited on the page gets a
number, in order of first use, and the page ends with the list of them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Reference:
    number: int
    source: object
    paragraph: int


class References:
    def __init__(self):
        self.entries: list[Reference] = []
        self._numbers: dict[tuple[int, int], int] = {}

    def cite(self, citations) -> list[Reference]:
        refs = []
        for citation in citations:
            key = (citation.source_id, citation.paragraph)
            if key not in self._numbers:
                ref = Reference(len(self.entries) + 1, citation.source, citation.paragraph)
                self.entries.append(ref)
                self._numbers[key] = ref.number
            refs.append(self.entries[self._numbers[key] - 1])
        return sorted({r.number: r for r in refs}.values(), key=lambda r: r.number)
