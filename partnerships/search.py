"""Search over the ``search_text`` column every public record keeps.

On PostgreSQL two indexes serve it (created by migration 0002): a GIN index on
``to_tsvector('simple', search_text)`` for whole words and a trigram GIN index for
substrings ("Pee" finds Peel). SQLite has neither, so it gets a case-insensitive
substring match, which is what the trigram half does on PostgreSQL.
"""

from django.contrib.postgres.search import SearchQuery, SearchVector, SearchVectorExact
from django.db import connections
from django.db.models import Q

MAX_QUERY_LENGTH = 200


def search_vector():
    return SearchVector("search_text", config="simple")


def search_queryset(queryset, text: str):
    text = " ".join((text or "").split())[:MAX_QUERY_LENGTH]
    if not text:
        return queryset
    if connections[queryset.db].vendor == "postgresql":
        # A condition, not an annotation: an annotation would be computed for every row of
        # every count and page query that wraps this one.
        matches = SearchVectorExact(
            search_vector(), SearchQuery(text, search_type="websearch", config="simple")
        )
        return queryset.filter(Q(matches) | Q(search_text__icontains=text))
    return queryset.filter(search_text__icontains=text)
