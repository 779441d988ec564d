"""Search over the ``search_text`` column every public record keeps.

On PostgreSQL two indexes serve it: a GIN index on the stored ``search_vector`` column (which
a trigger keeps equal to ``to_tsvector('simple', search_text)``, migration 0006) for whole
words, and a trigram GIN index on ``UPPER(search_text)`` for substrings ("Pee" finds Peel,
migration 0002). SQLite has neither, so it gets a case-insensitive substring match, which is
what the trigram half does on PostgreSQL.
"""

from django.contrib.postgres.search import SearchQuery
from django.db import connections
from django.db.models import Q

MAX_QUERY_LENGTH = 200


def search_queryset(queryset, text: str):
    text = " ".join((text or "").split())[:MAX_QUERY_LENGTH]
    if not text:
        return queryset
    if connections[queryset.db].vendor == "postgresql":
        words = SearchQuery(text, search_type="websearch", config="simple")
        return queryset.filter(Q(search_vector=words) | Q(search_text__icontains=text))
    return queryset.filter(search_text__icontains=text)
