"""Search over the ``search_text`` column every public record keeps.

On PostgreSQL a search matches whole words first: ``websearch_to_tsquery`` over the stored
``search_vector`` column (which a trigger keeps equal to ``to_tsvector('simple',
search_text)``, migration 0002), through its GIN index; quotes, ``or`` and ``-word`` work as
on a web search engine. When no record has those words, it looks for the text inside the
records instead ("Pee" finds Peel; from three characters on), through the trigram GIN
index on ``UPPER(search_text)`` (models.search_indexes). Words first keeps a common search fast:
the word index is exact, where a substring match has to re-read and re-check every row it returns.

SQLite has neither index: there a search is a case-insensitive match of each word inside the
text, in any order, which is what the fallback does on PostgreSQL.

Chinese (and Japanese) text has no spaces between words: "中俄中学联盟" is one word to the
word index, and a two-character search such as 中俄 is shorter than a trigram. So the search
text also carries every pair of neighbouring characters of such a run (searchable_text), as
words of their own: a search for 中俄 finds it through the word index like any other word.
"""

import re
import unicodedata

from django.contrib.postgres.search import SearchQuery
from django.db import OperationalError, connections
from django.db.models import Q

from .middleware import is_query_canceled
from .pgsettings import statement_settings

MAX_QUERY_LENGTH = 200
# The shortest text looked for inside words on PostgreSQL: the trigram index's unit.
MIN_FRAGMENT = 3

# Runs of Han ideographs (with extension A and the compatibility block) and kana, long enough
# to hold a word shorter than themselves.
UNSPACED_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{3,}")


# Dashes and hyphens sources and readers use for one another: "China–ASEAN" (an en dash, as
# our names write it) and "China-ASEAN" (as a reader types it) are one word to a search.
DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
# And the apostrophes: "Xi’an" (as a school's own page writes it) and "Xi'an" are one word.
APOSTROPHES = "\u2018\u2019\u02bc\uff07"
AS_TYPED = str.maketrans({**dict.fromkeys(DASHES, "-"), **dict.fromkeys(APOSTROPHES, "'")})


def as_typed(text: str) -> str:
    """``text`` as a keyboard types it: Unicode's compatibility forms folded (NFKC: "Level Ⅱ"
    is "Level II", a full-width "ＪＳＮＵ ２０１８" is "JSNU 2018", as Chinese pages write
    them), dashes as hyphens and apostrophes straight."""
    return unicodedata.normalize("NFKC", text).translate(AS_TYPED)


# An apostrophe inside a word: "Xi'an", which a reader may type "Xian".
INNER_APOSTROPHE = re.compile(r"\w+(?:'\w+)+")


def searchable_text(parts) -> str:
    """The search text of a record whose search_parts() are ``parts``: the parts with their
    white space made single, folded as typed (as_typed), then the pairs of neighbouring
    characters of every unspaced run (中俄中学 adds 中俄 俄中 中学) and every word with an
    apostrophe inside written without it (Xi'an adds Xian), each once."""
    text = as_typed(" ".join(" ".join(part.split()) for part in parts if part))
    extra = dict.fromkeys(
        run[i : i + 2] for run in UNSPACED_RUN.findall(text) for i in range(len(run) - 1)
    )
    extra.update(dict.fromkeys(w.replace("'", "") for w in INNER_APOSTROPHE.findall(text)))
    return " ".join([text, *extra]) if extra else text


# A hyphen or slash inside a word joins two words ("Tacoma-Fuzhou", "sister-city", "AI/education").
JOINED = re.compile(r"(?<=\w)[-/](?=\w)")
# What may stand around a word without being part of it: "(AUA)", "“Consensus”,".
# (A straight double quote stays: on PostgreSQL it makes a phrase, as on a web search engine.)
AROUND_WORDS = "()[]{}<>'“”‘’«»「」『』.,;:!?"


def query_words(text: str) -> list[str]:
    """The words of a search as the search text can hold them: every dash a hyphen, every
    apostrophe a straight one, words joined by a hyphen or slash apart, the brackets and
    quotes around them and words of punctuation alone ("–", "&") left out. A "-" before a
    word (not this word) is kept."""
    text = JOINED.sub(" ", as_typed((text or "")[:MAX_QUERY_LENGTH]))
    words = []
    for word in text.split():
        negated = word.startswith("-")
        word = word.lstrip("-").strip(AROUND_WORDS)
        if any(character.isalnum() for character in word):
            words.append(f"-{word}" if negated else word)
    return words


def search_condition(queryset, text: str) -> Q | None:
    """The filter that searches ``queryset`` for ``text`` (None for an empty search)."""
    text = " ".join(query_words(text))
    if not text:
        return None
    if connections[queryset.db].vendor == "postgresql":
        words = Q(search_vector=SearchQuery(text, search_type="websearch", config="simple"))
        if len(text) < MIN_FRAGMENT or bounded_exists(queryset.filter(words)):
            # Shorter than a trigram, text inside words has no index to be found through
            # (matching "zz" read the whole table: 6 s at a million rows): words only.
            return words
    return text_inside(text)


def text_inside(text: str) -> Q:
    """Each word of ``text`` inside the record's text, in any order ("Jiangsu Canada" finds
    a partnership of a Jiangsu school with a Canadian one); a word after "-" not in it."""
    condition = Q()
    for word in text.split():
        negated, word = word.startswith("-"), word.lstrip("-").strip('"')
        if word:
            found = Q(search_text__icontains=word)
            condition &= ~found if negated else found
    return condition


# How long the planner's own way of checking that a word exists may take before the check
# goes through the word index instead.
QUICK_CHECK_MS = 50


def bounded_exists(queryset) -> bool:
    """``queryset.exists()`` for a word search, bounded at a million rows.

    For a word the planner thinks common, "LIMIT 1" makes a scan in table order look
    cheapest, and it usually is (the first few rows have the word). If the rows that have it
    all lie at the end of the table, that scan would read all of it (a second at a million
    rows): it gets QUICK_CHECK_MS, then the check reads the word index's bitmap instead (a
    few milliseconds, 60 ms for a word in nearly every row)."""
    using = queryset.db
    # Each try with its settings for itself only (pgsettings): the time limit, or the
    # planner told to use the index.
    try:
        with statement_settings(using, statement_timeout=f"{QUICK_CHECK_MS}ms"):
            return queryset.exists()
    except OperationalError as exc:
        if not is_query_canceled(exc):  # only the time limit sends it the other way
            raise
    with statement_settings(using, enable_seqscan="off", enable_indexscan="off"):
        return queryset.exists()


def search_queryset(queryset, text: str):
    condition = search_condition(queryset, text)
    return queryset if condition is None else queryset.filter(condition)
