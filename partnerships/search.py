"""Search over the ``search_text`` column every public record keeps.

On PostgreSQL a search matches whole words first: ``websearch_to_tsquery`` over the stored
``search_vector`` column (which a trigger keeps equal to ``to_tsvector('simple',
search_text)``, migration 0006), through its GIN index; quotes, ``or`` and ``-word`` work as
on a web search engine. When no record has those words, it looks for the text inside the
records instead ("Pee" finds Peel), through the trigram GIN index on ``UPPER(search_text)``
(migration 0002). Words first keeps a common search fast: the word index is exact, where a
substring match has to re-read and re-check every row it returns.

SQLite has neither index: there a search is a case-insensitive substring match, which is what
the fallback does on PostgreSQL.
"""

from django.contrib.postgres.search import SearchQuery
from django.db import connections
from django.db.models import Q

MAX_QUERY_LENGTH = 200


def search_condition(queryset, text: str) -> Q | None:
    """The filter that searches ``queryset`` for ``text`` (None for an empty search)."""
    text = " ".join((text or "").split())[:MAX_QUERY_LENGTH]
    if not text:
        return None
    if connections[queryset.db].vendor == "postgresql":
        words = Q(search_vector=SearchQuery(text, search_type="websearch", config="simple"))
        if queryset.filter(words).exists():
            return words
    return Q(search_text__icontains=text)


def search_queryset(queryset, text: str):
    condition = search_condition(queryset, text)
    return queryset if condition is None else queryset.filter(condition)
