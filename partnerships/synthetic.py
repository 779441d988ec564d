"""Synthetic data for browsing and benchmarks (``manage.py generate_synthetic``).

Everything made here is marked ``is_synthetic=True``, published, cites nothing and has no
history. It is written with bulk inserts that bypass ``save()`` and the signals, so this
module fills every column that ``save()`` and the signals would fill:

* ``search_text`` (what ``compute_search_text()`` gives), ``version``, the timestamps;
* ``Region.path`` and ``depth`` (ids are reserved before the rows are written);
* ``Organization.country`` and ``province``;
* the partnership copies of their parties' places and publication (``is_public``,
  ``a_country`` ... ``b_path``).

Places are real: the countries of ISO 3166-1 and the top-level subdivisions of ISO 3166-2
(pycountry), plus a few real prefecture-level cities per Chinese province. Rows that already
exist (the sourced China, Jiangsu, Xuzhou, Canada, ...) are reused, never duplicated: synthetic
records hang under them. Taiwan (TW, CN-TW) is left out, so that the generator takes no
position on how to file it, and CN-HK / CN-MO are the sourced special administrative regions
HK and MO.

PostgreSQL: ids come from the tables' sequences (``nextval``), rows go in with ``COPY``.
Other databases (SQLite): ids after the highest ever used, rows go in with ``executemany``
in batches. The caller runs everything inside one transaction.
"""

from __future__ import annotations

import datetime
import random
import re
import time
from bisect import bisect
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import accumulate

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from .dates import DatePrecision
from .models import (
    Alliance,
    AllianceEvent,
    AllianceFocus,
    AllianceMembership,
    Citation,
    Conference,
    ConferenceSeries,
    MemberRole,
    Organization,
    OrganizationKind,
    OrganizationName,
    PartnershipLevel,
    PartnershipStatus,
    Person,
    Publication,
    Record,
    Region,
    RegionKind,
    ReportedFigure,
    SisterSchoolPartnership,
    Source,
    Speech,
    place_names,
    slug_base,
)
from .search import searchable_text

MAX_PARTNERSHIPS = 10_000_000
MAX_ORGANIZATIONS = 2_000_000
# On PostgreSQL, a table that gets at least this many rows has its indexes and constraints
# set aside during the load and rebuilt after it (see PostgresWriter.indexes_set_aside).
BULK_LOAD_ROWS = 50_000

# Every model that has ``is_synthetic``, in the order --clear deletes them (dependents first).
SYNTHETIC_MODELS: list[type[Record]] = [
    SisterSchoolPartnership,
    ReportedFigure,
    Alliance,
    Conference,
    ConferenceSeries,
    Person,
    Source,
    Organization,
    Region,
]

FIRST_YEAR = 2005
LAST_YEAR = 2025

# Plain strings (the choices' values) for the rows: COPY must not see enum members.
DAY, MONTH, YEAR = DatePrecision.DAY.value, DatePrecision.MONTH.value, DatePrecision.YEAR.value
SCHOOL, COMPREHENSIVE = PartnershipLevel.SCHOOL.value, PartnershipLevel.COMPREHENSIVE.value
STATUSES = [s.value for s in PartnershipStatus]


class SyntheticError(Exception):
    """A request the generator refuses, with a message for the user."""


# --------------------------------------------------------------------------- sizes


def parse_size(value, option: str, maximum: int, minimum: int = 1) -> int:
    """A whole number between ``minimum`` and ``maximum``, or a SyntheticError saying why not."""
    if isinstance(value, bool):
        raise SyntheticError(f"{option} must be a whole number, not {value!r}.")
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip().replace("_", "")
        if not re.fullmatch(r"[+-]?\d+", text):
            raise SyntheticError(f"{option} must be a whole number, not {value!r}.")
        number = int(text)
    if number < minimum:
        raise SyntheticError(f"{option} must be at least {minimum:,}; got {number:,}.")
    if number > maximum:
        raise SyntheticError(
            f"{option} {number:,} is more than the limit of {maximum:,}; "
            "ask for fewer (the generator is for browsing and benchmarks)."
        )
    return number


def parse_seed(value) -> int:
    if isinstance(value, bool):
        raise SyntheticError(f"--seed must be a whole number, not {value!r}.")
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if not re.fullmatch(r"[+-]?\d+", text):
        raise SyntheticError(f"--seed must be a whole number, not {value!r}.")
    return int(text)


def max_partnerships(organizations: int) -> int:
    """Every unordered pair of distinct organizations, once at each of the two levels the
    generator makes (school and comprehensive)."""
    return organizations * (organizations - 1) // 2 * len((SCHOOL, COMPREHENSIVE))


def check_sizes(partnerships: int, organizations: int) -> None:
    if organizations < 2:
        raise SyntheticError("--organizations must be at least 2: a partnership needs two.")
    most = max_partnerships(organizations)
    if partnerships > most:
        raise SyntheticError(
            f"{partnerships:,} partnerships cannot be made from {organizations:,} organizations: "
            f"two organizations have at most one partnership per level, so at most {most:,}. "
            "Ask for fewer partnerships or more organizations."
        )


# --------------------------------------------------------------------------- counts

ADVISORY_LOCK = 0x53594E5448  # "SYNTH": one generate_synthetic at a time per database


def lock(connection) -> None:
    """PostgreSQL: wait for any other run of the command to finish (until our commit)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK])


def synthetic_counts() -> dict[str, int]:
    """Synthetic rows per model (verbose plural name -> count)."""
    return {
        str(model._meta.verbose_name_plural): model._base_manager.filter(is_synthetic=True).count()
        for model in SYNTHETIC_MODELS
    }


# --------------------------------------------------------------------------- progress


class Progress:
    """Plain-text progress: one line per step and per 5% of a long step."""

    def __init__(self, write: Callable[[str], None] | None):
        self.write = write
        self.started = time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def note(self, text: str) -> None:
        if self.write:
            self.write(f"[{self.elapsed():7.1f} s] {text}")

    def counter(self, label: str, total: int) -> Callable[[int], None]:
        """A function to call with the number of rows done so far."""
        if not self.write or total < 20_000:
            return lambda done: None
        step = max(1, total // 20)
        state = {"next": step}

        def update(done: int) -> None:
            if done >= state["next"]:
                self.note(f"{label}: {done * 100 // total:3d}% ({done:,} / {total:,})")
                state["next"] = (done // step + 1) * step

        return update


# --------------------------------------------------------------------------- writers


class Table:
    """The columns written to one table. Columns the generator does not know (added to the
    model later) get their model default, NULL, or "" for optional text; a required one
    without any of these stops it."""

    def __init__(self, connection, model, columns: Iterable[str]):
        self.model = model
        self.name = model._meta.db_table
        self.columns = list(columns)
        known = set(self.columns)
        extra_columns, extra_values = [], []
        for f in model._meta.concrete_fields:
            if f.column in known or f.primary_key:
                continue
            if f.has_default():
                value = f.get_db_prep_save(f.get_default(), connection)
            elif f.null:
                value = None
            elif f.blank and f.empty_strings_allowed:
                value = ""  # an optional text column: empty, as a form would save it
            else:
                raise SyntheticError(
                    f"generate_synthetic does not know how to fill {self.name}.{f.column}: "
                    "update partnerships/synthetic.py."
                )
            extra_columns.append(f.column)
            extra_values.append(value)
        self.all_columns = self.columns + extra_columns
        self.extra_values = tuple(extra_values)


class Writer:
    """executemany in batches; ids after the highest ever used (SQLite and others)."""

    batch = 2_000

    def __init__(self, connection, note: Callable[[str], None] = lambda text: None):
        self.connection = connection
        self.quote = connection.ops.quote_name
        self.note = note
        self.next_id: dict[str, int] = {}

    def reserve_ids(self, model, n: int) -> list[int]:
        """Ids after the highest ever used (never an id a deleted row had: history and
        citations may still name it) and after those reserved before."""
        table = model._meta.db_table
        if table not in self.next_id:
            with self.connection.cursor() as cursor:
                table_name = self.quote(table)  # from the model, quoted
                cursor.execute(f"SELECT MAX({self.quote('id')}) FROM {table_name}")  # noqa: S608
                highest = cursor.fetchone()[0] or 0
                if self.connection.vendor == "sqlite":
                    cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
                    row = cursor.fetchone()
                    highest = max(highest, row[0] if row and row[0] else 0)
            self.next_id[table] = highest + 1
        start = self.next_id[table]
        self.next_id[table] = start + n
        return list(range(start, start + n))

    def insert(self, table: Table, rows: Iterable[tuple], update=None, expected: int = 0) -> int:
        columns = ", ".join(self.quote(c) for c in table.all_columns)
        marks = ", ".join(["%s"] * len(table.all_columns))
        sql = f"INSERT INTO {self.quote(table.name)} ({columns}) VALUES ({marks})"  # noqa: S608
        extra = table.extra_values
        done = 0
        batch: list[tuple] = []
        with self.connection.cursor() as cursor:
            for row in rows:
                batch.append(row + extra if extra else row)
                if len(batch) >= self.batch:
                    cursor.executemany(sql, batch)
                    done += len(batch)
                    batch = []
                    if update:
                        update(done)
            if batch:
                cursor.executemany(sql, batch)
                done += len(batch)
                if update:
                    update(done)
        return done


class PostgresWriter(Writer):
    """ids from the table's sequence, rows through COPY."""

    def reserve_ids(self, model, n: int) -> list[int]:
        if n <= 0:
            return []
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [self.quote(model._meta.db_table), n],
            )
            return [row[0] for row in cursor.fetchall()]

    def insert(self, table: Table, rows: Iterable[tuple], update=None, expected: int = 0) -> int:
        if expected >= BULK_LOAD_ROWS:
            with self.indexes_set_aside(table.name):
                return self.copy(table, rows, update)
        return self.copy(table, rows, update)

    def copy(self, table: Table, rows: Iterable[tuple], update=None) -> int:
        columns = ", ".join(self.quote(c) for c in table.all_columns)
        extra = table.extra_values
        done = 0
        sql = f"COPY {self.quote(table.name)} ({columns}) FROM STDIN"
        with self.connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            write = copy.write_row
            for row in rows:
                write(row + extra if extra else row)
                done += 1
                if update and not done % 1_000:
                    update(done)
        if update:
            update(done)
        return done

    def indexes_set_aside(self, table: str):
        return indexes_set_aside(self.connection, table, self.note)


def flush_deferred_checks(cursor) -> None:
    """Run the foreign-key checks queued so far (PostgreSQL refuses to ALTER a table that
    has some pending), and keep deferring the later ones to the commit."""
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@contextmanager
def indexes_set_aside(connection, table: str, note: Callable[[str], None]):
    """PostgreSQL: drop the table's secondary indexes, unique and foreign-key constraints,
    then make them again, exactly as they were (same names, same definitions), once the
    rows are in.

    Building an index over a million rows at once is several times faster than updating it
    row by row, and adding a foreign key checks all rows in one query instead of one query
    per row at commit. All of it happens inside the caller's transaction: if anything fails
    (a duplicate, a dangling reference), PostgreSQL rolls the DDL back with the rows.
    Meanwhile the table is locked (ACCESS EXCLUSIVE): other sessions wait for the commit."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        flush_deferred_checks(cursor)
        cursor.execute(
            """
            SELECT c.conname, pg_get_constraintdef(c.oid), c.contype
            FROM pg_constraint c
            WHERE c.conrelid = %s::regclass
              AND (c.contype = 'f' OR (c.contype = 'u' AND NOT EXISTS (
                  SELECT 1 FROM pg_constraint f
                  WHERE f.contype = 'f' AND f.conindid = c.conindid)))
            ORDER BY c.contype DESC, c.conname
            """,
            [quote(table)],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            """
            SELECT i.relname, pg_get_indexdef(i.oid)
            FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
            WHERE x.indrelid = %s::regclass
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
            ORDER BY i.relname
            """,
            [quote(table)],
        )
        indexes = cursor.fetchall()
        for name, _definition, _kind in constraints:
            cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {quote(name)}")
    yield
    uniques = sum(kind == "u" for _n, _d, kind in constraints)
    note(
        f"{table}: rows in; building {len(indexes)} indexes, {uniques} unique and "
        f"{len(constraints) - uniques} foreign-key constraints"
    )
    steps = len(indexes) + len(constraints)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        for k, (name, definition) in enumerate(indexes, 1):
            note(f"{table}: {k}/{steps} index {name}")
            cursor.execute(definition)
        for k, (name, definition, _kind) in enumerate(constraints, len(indexes) + 1):
            note(f"{table}: {k}/{steps} constraint {name}")  # unique ones first
            cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")


@contextmanager
def foreign_keys_set_aside(connection, tables: list[str], note: Callable[[str], None]):
    """PostgreSQL: drop the foreign keys that point at ``tables`` and add them again
    (same names, same definitions) afterwards. Deleting many rows then costs one check per
    foreign key when it is added back, instead of one per deleted row and foreign key."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        flush_deferred_checks(cursor)
        cursor.execute(
            """
            SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
            FROM pg_constraint c
            WHERE c.contype = 'f' AND c.confrelid = ANY(%s::regclass[])
            ORDER BY 1, 2
            """,
            [[quote(t) for t in tables]],
        )
        constraints = cursor.fetchall()
        for table, name, _definition in constraints:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
    yield
    note(f"Checking {len(constraints)} foreign keys")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '256MB'")
        for table, name, definition in constraints:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}")


def writer_for(connection, note: Callable[[str], None] = lambda text: None) -> Writer:
    if connection.vendor == "postgresql":
        return PostgresWriter(connection, note)
    return Writer(connection, note)


# --------------------------------------------------------------------------- reference data

# Overseas countries by how often they appear in China's school partnerships (our rough
# guess for realistic facets: the United States in about 40% of partnerships). Every other
# country shares OTHER_COUNTRIES.
COUNTRY_WEIGHTS = {
    "US": 0.42,
    "GB": 0.075,
    "AU": 0.065,
    "CA": 0.06,
    "JP": 0.04,
    "KR": 0.04,
    "DE": 0.03,
    "FR": 0.025,
    "NZ": 0.02,
    "RU": 0.02,
    "SG": 0.015,
    "TH": 0.01,
    "MY": 0.01,
    "IT": 0.01,
    "ES": 0.008,
    "NL": 0.008,
    "DK": 0.006,
    "SE": 0.006,
    "FI": 0.006,
    "IE": 0.005,
}
OTHER_COUNTRIES = 0.119

# Subdivisions that come first (most common) in their country; the others follow in a
# seeded random order with falling weights.
TOP_SUBDIVISIONS = {
    "US": ["US-CA", "US-NY", "US-MA", "US-TX", "US-IL", "US-WA", "US-NJ", "US-PA", "US-FL"],
    "GB": ["GB-ENG", "GB-SCT", "GB-WLS", "GB-NIR"],
    "AU": ["AU-NSW", "AU-VIC", "AU-QLD", "AU-WA", "AU-SA"],
    "CA": ["CA-ON", "CA-BC", "CA-QC", "CA-AB"],
    "DE": ["DE-BY", "DE-BW", "DE-NW", "DE-BE"],
    "JP": ["JP-13", "JP-27", "JP-14"],
}

# Provinces of mainland China by share of partnerships.
PROVINCE_WEIGHTS = {
    "CN-JS": 0.12,
    "CN-GD": 0.11,
    "CN-ZJ": 0.10,
    "CN-SH": 0.09,
    "CN-BJ": 0.09,
    "CN-SD": 0.07,
    "CN-SC": 0.05,
    "CN-HB": 0.04,
    "CN-FJ": 0.04,
    "CN-LN": 0.035,
    "CN-HL": 0.03,
    "CN-TJ": 0.03,
    "CN-HA": 0.03,
    "CN-HN": 0.03,
    "CN-AH": 0.025,
    "CN-CQ": 0.025,
    "CN-SN": 0.02,
    "CN-YN": 0.02,
    "CN-JL": 0.015,
    "CN-HE": 0.015,
    "CN-GX": 0.015,
    "CN-JX": 0.012,
    "CN-SX": 0.01,
    "CN-GZ": 0.01,
    "CN-NM": 0.008,
    "CN-HI": 0.008,
    "CN-XJ": 0.006,
    "CN-GS": 0.006,
    "CN-NX": 0.004,
    "CN-QH": 0.003,
    "CN-XZ": 0.003,
}

# Real prefecture-level cities (the first is the capital). Municipalities have none.
CHINESE_CITIES = {
    "CN-AH": ["Hefei", "Wuhu", "Bengbu", "Anqing"],
    "CN-FJ": ["Fuzhou", "Xiamen", "Quanzhou", "Zhangzhou"],
    "CN-GS": ["Lanzhou", "Tianshui", "Jiuquan"],
    "CN-GD": ["Guangzhou", "Shenzhen", "Foshan", "Dongguan", "Zhuhai", "Shantou"],
    "CN-GX": ["Nanning", "Guilin", "Liuzhou", "Beihai"],
    "CN-GZ": ["Guiyang", "Zunyi", "Anshun"],
    "CN-HI": ["Haikou", "Sanya"],
    "CN-HE": ["Shijiazhuang", "Tangshan", "Baoding", "Handan"],
    "CN-HL": ["Harbin", "Qiqihar", "Daqing", "Suihua", "Mudanjiang"],
    "CN-HA": ["Zhengzhou", "Luoyang", "Kaifeng", "Xinxiang"],
    "CN-HB": ["Wuhan", "Yichang", "Xiangyang", "Jingzhou"],
    "CN-HN": ["Changsha", "Zhuzhou", "Xiangtan", "Yueyang"],
    "CN-NM": ["Hohhot", "Baotou", "Ordos"],
    "CN-JS": ["Nanjing", "Suzhou", "Wuxi", "Xuzhou", "Changzhou", "Nantong", "Yangzhou"],
    "CN-JX": ["Nanchang", "Jiujiang", "Ganzhou"],
    "CN-JL": ["Changchun", "Jilin", "Siping"],
    "CN-LN": ["Shenyang", "Dalian", "Anshan", "Dandong"],
    "CN-NX": ["Yinchuan", "Shizuishan"],
    "CN-QH": ["Xining", "Haidong"],
    "CN-SN": ["Xi'an", "Baoji", "Xianyang", "Yan'an"],
    "CN-SD": ["Jinan", "Qingdao", "Yantai", "Weifang", "Weihai"],
    "CN-SX": ["Taiyuan", "Datong", "Yuncheng"],
    "CN-SC": ["Chengdu", "Mianyang", "Leshan", "Yibin"],
    "CN-XJ": ["Urumqi", "Kashgar", "Karamay"],
    "CN-XZ": ["Lhasa", "Shigatse"],
    "CN-YN": ["Kunming", "Dali", "Lijiang", "Qujing"],
    "CN-ZJ": ["Hangzhou", "Ningbo", "Wenzhou", "Shaoxing", "Jiaxing"],
}

COUNTRY_NAMES = {
    "CD": "Democratic Republic of the Congo",
    "CG": "Republic of the Congo",
    "FM": "Micronesia",
    "PS": "Palestine",
    "VA": "Vatican City",
    "VG": "British Virgin Islands",
    "VI": "United States Virgin Islands",
    "FK": "Falkland Islands",
    "BQ": "Caribbean Netherlands",
    "MF": "Saint Martin",
    "SX": "Sint Maarten",
    "SH": "Saint Helena",
    "CC": "Cocos (Keeling) Islands",
}
SKIPPED_CODES = {"TW", "CN-TW", "CN-HK", "CN-MO"}
SARS = {"HK": "Hong Kong", "MO": "Macau"}
CHINESE_SUFFIX = re.compile(r"\s+(?:(?:Huizu|Zhuangzu|Uygur)\s+)?(?:Sheng|Shi|Zizhiqu)$")
CHINESE_NAMES = {"CN-NM": "Inner Mongolia"}

KINDS = list(OrganizationKind.values)
KIND_SHARES = {
    "school": 0.55,
    "special_school": 0.05,
    "university": 0.14,
    "authority": 0.08,
    "school_board": 0.05,
    "government": 0.04,
    "network": 0.04,
    "ministry": 0.003,
    "diplomatic": 0.002,
    "research": 0.005,
    "enterprise": 0.005,
    "chamber": 0.002,
    "broadcaster": 0.001,
    "media": 0.01,
    "foundation": 0.004,
    "cultural": 0.003,
    "other": 0.005,
}
# How readily each kind enters a school-level partnership.
KIND_ACTIVITY = {
    "school": 1.0,
    "special_school": 0.6,
    "university": 0.8,
    "authority": 0.3,
    "school_board": 0.5,
    "government": 0.1,
    "network": 0.2,
    "ministry": 0.05,
    "diplomatic": 0.02,
    "research": 0.2,
    "enterprise": 0.05,
    "chamber": 0.05,
    "broadcaster": 0.02,
    "media": 0.02,
    "foundation": 0.1,
    "cultural": 0.3,
    "vocational": 0.4,
    "joint_institute": 0.3,
    "intergovernmental": 0.02,
    "other": 0.2,
}
AUTHORITIES = {"authority", "school_board", "government"}


def words(text: str) -> list[str]:
    return text.split()


# Made-up place names: two pinyin syllables ("Xinhua") or an English-sounding compound.
CN_SYLLABLES = words(
    "an bei chang dong feng guang hai he hong hua jian jin kang le long ming nan ning ping qing "
    "ren rong shan sheng shun tai tian wen xi xin xing yang yong yu yuan zhong hui mei ling"
)
TOWN_START = words(
    "Ash Beech Birch Brook Cedar Clear Elm Fair Green Hazel High Holly Lake Maple Mill North "
    "Oak Pine River Rose South Spring Stone Sun West East Willow Wood Glen Red"
)
TOWN_END = words(
    "field ford dale wood view mont brook ridge vale haven ton bury side crest wick gate"
)
TOWN_PREFIX = ["", "", "", "", "North ", "East ", "West ", "New ", "Port ", "Mount ", "Upper "]

# Name patterns. Most include a made-up place name ({town}), so that synthetic records do
# not borrow the names of well-known real institutions (no "{city} University").
CN_TEMPLATES = {
    "school": [
        "{city} No. {n} Middle School",
        "{city} No. {n} Primary School",
        "{city} {town} Primary School",
        "{city} {town} Middle School",
        "{city} {town} Senior High School",
        "{city} {town} Experimental School",
        "{city} {town} Bilingual School",
        "{city} {town} Foreign Languages School",
    ],
    "special_school": [
        "{city} {town} Special Education School",
        "{city} {town} School for the Deaf",
        "{city} {town} School for the Blind",
    ],
    "university": [
        "{city} {town} University",
        "{city} {town} Normal College",
        "{city} {town} Vocational and Technical College",
        "{city} {town} College",
        "{prov} {town} University of Technology",
    ],
    "authority": [
        "{city} {town} District Education Bureau",
        "{city} {town} County Education Bureau",
    ],
    "school_board": ["{city} {town} School District", "{city} {town} Education Group"],
    "government": [
        "People's Government of {town} District, {city}",
        "{city} {town} District Foreign Affairs Office",
    ],
    "network": [
        "{city} {town} Principals' Association",
        "{city} {town} School Alliance",
    ],
    "media": ["{city} {town} Education News", "{city} {town} Evening Post"],
    "ministry": ["{prov} {town} Provincial Education Commission"],
    "diplomatic": ["{town} Consular Office in {city}"],
    "research": ["{city} {town} Institute of Educational Sciences"],
    "enterprise": ["{city} {town} Education Technology Co."],
    "chamber": ["{city} {town} Chamber of Commerce"],
    "broadcaster": ["{city} {town} Education Television"],
    "foundation": ["{city} {town} Education Foundation"],
    "cultural": ["{city} {town} Language and Culture Centre"],
    "vocational": ["{city} {town} Vocational and Technical College"],
    "joint_institute": ["{city} {town} Joint Institute"],
    "intergovernmental": ["{town} Regional Cooperation Secretariat in {city}"],
    "other": [
        "{city} {town} Youth Exchange Centre",
        "{city} {town} Teacher Training Centre",
        "{city} {town} Education Research Institute",
    ],
}
OVERSEAS_TEMPLATES = {
    "school": [
        "{town} High School",
        "{town} Primary School",
        "{town} Secondary College",
        "{town} Academy",
        "{town} Grammar School",
        "{town} International School",
        "{town} Elementary School",
        "{town} Middle School",
        "{town} Collegiate Institute",
    ],
    "special_school": [
        "{town} School for the Deaf",
        "{town} Special School",
        "{town} School for the Blind",
    ],
    "university": [
        "{town} University",
        "University of {town}",
        "{town} College",
        "{town} Institute of Technology",
        "{town} College of Education",
    ],
    "authority": [
        "{town} Education Authority",
        "{town} Education Office",
        "{town} Department of Education",
    ],
    "school_board": [
        "{town} District School Board",
        "{town} Unified School District",
        "{town} Catholic School Board",
        "{town} School District",
    ],
    "government": ["City of {town}", "{town} City Council", "{town} Municipal Government"],
    "network": [
        "{town} Schools Network",
        "{town} Association of Schools",
        "{town} International Education Network",
    ],
    "media": ["The {town} Courier", "{town} Herald", "{town} Education Weekly"],
    "ministry": ["{town} National Education Agency"],
    "diplomatic": ["{town} Consulate"],
    "research": ["{town} Institute for Education Research"],
    "enterprise": ["{town} Learning Systems Ltd"],
    "chamber": ["{town} Chamber of Commerce"],
    "broadcaster": ["{town} Public Broadcasting"],
    "foundation": ["{town} Cultural Exchange Foundation", "{town} Education Foundation"],
    "cultural": ["{town} Chinese Language Centre"],
    "vocational": ["{town} Technical Training Centre"],
    "joint_institute": ["{town} Joint College"],
    "intergovernmental": ["{town} Intergovernmental Education Council"],
    "other": ["{town} Youth Exchange Council", "{town} Centre for Global Learning"],
}
KIND_WORDS = {
    "school": "school",
    "special_school": "special-education school",
    "university": "university or college",
    "authority": "education authority",
    "school_board": "school board",
    "government": "local government",
    "network": "network of schools",
    "media": "news outlet",
    "ministry": "ministry or national agency",
    "diplomatic": "consulate",
    "research": "research institute",
    "enterprise": "enterprise",
    "chamber": "chamber of commerce",
    "broadcaster": "broadcaster",
    "foundation": "foundation",
    "cultural": "language and culture centre",
    "vocational": "vocational college",
    "joint_institute": "joint institute",
    "intergovernmental": "intergovernmental organization",
    "other": "education organization",
}
SMALL_WORDS = {"of", "the", "and", "for", "to", "No", "No."}

CN_SURNAMES = words("Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Gao")
CN_GIVEN = words("Wei Fang Min Jing Qiang Lei Jun Yong Yan Jie Tao Ming Chao Xiuying Xia Ping")
WEST_FIRST = words("James Mary John Emma David Sarah Michael Anna Peter Laura Thomas Sophie")
WEST_LAST = words("Smith Johnson Brown Taylor Miller Wilson Anderson Thompson Martin Walker")
POSITIONS = {
    "school": ["Principal", "Vice-principal", "Head of International Affairs"],
    "special_school": ["Principal", "Vice-principal"],
    "university": ["President", "Vice-president", "Dean of International Education"],
    "authority": ["Director", "Deputy Director", "Head of International Exchange"],
    "school_board": ["Director of Education", "Chair of the Board"],
    "government": ["Mayor", "Deputy Mayor"],
}
OTHER_POSITIONS = ["Director", "Chair", "Coordinator"]

TOPICS = [
    "student exchange visits",
    "teacher exchanges",
    "online joint lessons",
    "language and culture exchange",
    "joint STEM projects",
    "sports and arts exchanges",
    "summer study tours",
    "joint teaching research",
]
# Partnerships per year established: growth, a dip in 2020-2022, recovery.
YEAR_WEIGHTS = [
    1.0, 1.2, 1.5, 1.8, 2.0, 2.3, 2.6, 2.9, 3.2, 3.5, 3.8, 4.0, 4.2, 4.4, 4.5,
    1.6, 1.4, 2.0, 3.6, 4.2, 4.6,
]  # fmt: skip
assert len(YEAR_WEIGHTS) == LAST_YEAR - FIRST_YEAR + 1

SERIES_PROVINCES = ["CN-GD", "CN-ZJ", "CN-SD", "CN-SH", "CN-BJ", "CN-SC"]
SERIES_COUNTRIES = ["US", "GB", "AU", "CA", "JP", "KR", "DE", "FR", "RU"]
ALLIANCE_FOCUS_NAMES = {
    AllianceFocus.SPECIAL_EDUCATION: ["Alliance of Special Education Schools of China and {c}"],
    AllianceFocus.HIGHER_EDUCATION: [
        "China–{c} Alliance of Normal Universities",
        "China–{c} Alliance of Technical Universities",
        "China–{c} Alliance of Comprehensive Universities",
        "{p}–{c} University Alliance",
    ],
    AllianceFocus.BASIC_EDUCATION: [
        "China–{c} Sister Schools Alliance",
        "{p}–{c} Basic Education Alliance",
    ],
    AllianceFocus.VOCATIONAL: [
        "China–{c} Vocational Education Alliance",
        "{p}–{c} Alliance for Vocational Training",
    ],
    AllianceFocus.LANGUAGES: ["China–{c} Language Teaching Alliance"],
    AllianceFocus.SCIENCE: ["China–{c} Alliance of Science and Technology Universities"],
    AllianceFocus.ENGINEERING: ["China–{c} Alliance for Transport and Infrastructure Talent"],
    AllianceFocus.MEDICINE: ["China–{c} Medical Universities Alliance"],
    AllianceFocus.GENERAL: ["{p}–{c} Education Cooperation Alliance"],
    AllianceFocus.OTHER: ["{p}–{c} Youth Exchange Network"],
}
FOCUS_KINDS = {
    AllianceFocus.SPECIAL_EDUCATION: {"special_school"},
    AllianceFocus.HIGHER_EDUCATION: {"university"},
    AllianceFocus.BASIC_EDUCATION: {"school", "authority", "school_board"},
    AllianceFocus.VOCATIONAL: {"university", "school"},
    AllianceFocus.LANGUAGES: {"school", "university"},
    AllianceFocus.SCIENCE: {"university", "research"},
    AllianceFocus.ENGINEERING: {"university", "vocational"},
    AllianceFocus.MEDICINE: {"university"},
    AllianceFocus.GENERAL: {"school", "university", "authority"},
    AllianceFocus.OTHER: {"network", "other", "school"},
}


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def search_text(*parts: str) -> str:
    """What Record.compute_search_text() gives for these search_parts()."""
    return searchable_text(parts)


def acronym(name: str) -> str:
    if any(ch.isdigit() for ch in name):
        return ""
    words = [w for w in re.findall(r"[A-Za-z']+", name) if w not in SMALL_WORDS]
    if not 3 <= len(words) <= 6:
        return ""
    return "".join(w[0].upper() for w in words)


# --------------------------------------------------------------------------- generator


class Slugs:
    """Unique slugs for new rows of a model, as unique_slug() would make them."""

    def __init__(self, model):
        self.used = set(model._base_manager.values_list("slug", flat=True))
        self.max_length = model._meta.get_field("slug").max_length
        self.counters: dict[str, int] = {}

    def free(self, text: str) -> bool:
        base = slug_base(text, self.max_length)
        return bool(base) and base not in self.used

    def __call__(self, text: str, fallback: str = "") -> str:
        base = slug_base(text, self.max_length) or slug_base(fallback) or "record"
        slug = base
        if slug in self.used:
            n = self.counters.get(base, 2)
            while True:
                suffix = f"-{n}"
                slug = f"{base[: self.max_length - len(suffix)]}{suffix}"
                n += 1
                if slug not in self.used:
                    break
            self.counters[base] = n
        self.used.add(slug)
        return slug


@dataclass
class Place:
    id: int
    name: str
    kind: str
    path: str
    code: str = ""
    country_id: int | None = None
    province_id: int | None = None
    slug: str = ""
    parent_id: int | None = None
    parent: Place | None = field(default=None, repr=False, compare=False)


@dataclass
class OrgInfo:
    """What partnerships need to know of an organization (parallel lists, by index)."""

    ids: list[int] = field(default_factory=list)
    slugs: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)  # name and other names, normalized
    names: list[str] = field(default_factory=list)
    others: list[str] = field(default_factory=list)  # the other name (an acronym) or ""
    kinds: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)  # mainland, sar, overseas
    country_ids: list[int | None] = field(default_factory=list)
    province_ids: list[int | None] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)


class Sampler:
    """Weighted choice of an index from a fixed list (cumulative weights and bisect)."""

    def __init__(self, rng, items: list[int], weights: list[float]):
        self.rng = rng
        self.items = items
        self.cum = list(accumulate(weights))
        self.total = self.cum[-1] if self.cum else 0.0
        self.hi = len(items) - 1

    def __bool__(self) -> bool:
        return bool(self.items) and self.total > 0

    def pick(self) -> int:
        return self.items[bisect(self.cum, self.rng.random() * self.total, 0, self.hi)]


class Generator:
    def __init__(self, connection, *, partnerships: int, organizations: int, seed: int, progress):
        check_sizes(partnerships, organizations)
        self.connection = connection
        self.n_partnerships = partnerships
        self.n_organizations = organizations
        self.seed = seed
        self.rng = random.Random(seed)
        self.progress: Progress = progress
        self.writer = writer_for(connection, progress.note)
        self.now = connection.ops.adapt_datetimefield_value(timezone.now())
        self.common = (Publication.PUBLISHED.value, self.now, self.now, 1, True)
        self.counts: dict[str, int] = {}

    # ------------------------------------------------------------------ helpers

    def table(self, model, columns) -> Table:
        common = ["publication", "created_at", "updated_at", "version", "is_synthetic"]
        if issubclass(model, Record):
            columns = [*common, *columns]
        return Table(self.connection, model, columns)

    def write(self, model, columns, rows, label: str, total: int | None = None) -> int:
        update = self.progress.counter(label, total) if total else None
        n = self.writer.insert(self.table(model, columns), rows, update, expected=total or 0)
        self.counts[label] = self.counts.get(label, 0) + n
        return n

    def date(self, precision_weights=(0.6, 0.25, 0.15)) -> tuple[datetime.date, str]:
        rng = self.rng
        year = rng.choices(range(FIRST_YEAR, LAST_YEAR + 1), weights=YEAR_WEIGHTS)[0]
        precision = rng.choices([DAY, MONTH, YEAR], precision_weights)[0]
        if precision == YEAR:
            return datetime.date(year, 1, 1), precision
        month = rng.randint(1, 12)
        if precision == MONTH:
            return datetime.date(year, month, 1), precision
        return datetime.date(year, month, rng.randint(1, 28)), precision

    # ------------------------------------------------------------------ run

    def run(self) -> dict[str, int]:
        self.make_regions()
        self.make_organizations()
        self.make_people()
        self.make_conferences_and_alliances()
        self.make_partnerships()
        if self.connection.vendor == "postgresql":
            self.progress.note("Updating planner statistics (ANALYZE)")
            with self.connection.cursor() as cursor:
                for model in (Region, Organization, SisterSchoolPartnership):
                    cursor.execute(
                        f"ANALYZE {self.connection.ops.quote_name(model._meta.db_table)}"
                    )
        return self.counts

    # ------------------------------------------------------------------ regions

    def make_regions(self) -> None:
        import pycountry

        self.progress.note("Regions: ISO 3166 countries and subdivisions")
        existing = {}
        by_parent_name = {}
        # Key -> name of every published region, key -> path of every region: the names of
        # places in search text (models.place_names).
        self.region_names: dict[int, str] = {}
        self.region_paths: dict[int, str] = {}
        self.place_text_cache: dict[tuple[str, ...], str] = {}
        for pk, name, kind, code, path, parent_id, publication in Region._base_manager.values_list(
            "pk", "name", "kind", "iso_code", "path", "parent_id", "publication"
        ):
            place = Place(pk, name, kind, path, code, parent_id=parent_id)
            self.region_paths[pk] = path
            if publication == Publication.PUBLISHED:
                self.region_names[pk] = name
            if code:
                existing[code] = place
            by_parent_name[(parent_id, name.casefold())] = place
        slug = Slugs(Region)
        new_levels: list[list[Place]] = [[], [], []]

        def add(level, name, kind, code, parent: Place | None, alternative="") -> Place:
            """The existing region (same ISO code, or same name under the same parent) or a
            new one; a new one's slug is its name's, or ``alternative``'s when that is taken."""
            place = existing.get(code) if code else None
            if place is None and parent is not None:
                place = by_parent_name.get((parent.id, name.casefold()))
            if place is None:
                place = Place(0, name, kind.value, "", code)
                text = name if slug.free(name) or not alternative else alternative
                place.slug = slug(text, alternative or code)
                new_levels[level].append(place)
            place.parent = parent
            return place

        countries = sorted(pycountry.countries, key=lambda c: c.alpha_2)
        tops: dict[str, Place] = {}
        for country in countries:
            code = country.alpha_2
            if code in SKIPPED_CODES or code in SARS:
                continue
            name = COUNTRY_NAMES.get(code) or getattr(country, "common_name", None) or country.name
            tops[code] = add(0, name, RegionKind.COUNTRY, code, None, f"{name} country")
        self.assign_ids(new_levels[0])
        china = tops["CN"]
        for code, name in SARS.items():
            tops[code] = add(1, name, RegionKind.SAR, code, china)
        subdivisions: dict[str, list[Place]] = {}
        for sub in sorted(pycountry.subdivisions, key=lambda s: s.code):
            if sub.parent_code is not None or sub.code in SKIPPED_CODES:
                continue
            country_code = sub.country_code
            parent = tops.get(country_code)
            if parent is None:
                continue
            name = sub.name
            if country_code == "CN":
                name = CHINESE_NAMES.get(sub.code) or CHINESE_SUFFIX.sub("", name)
            # "georgia" is the country: the US state becomes "georgia-us-ga".
            place = add(1, name, RegionKind.PROVINCE, sub.code, parent, f"{name} {sub.code}")
            subdivisions.setdefault(country_code, []).append(place)
        self.assign_ids(new_levels[1])
        cities: dict[str, list[Place]] = {}
        for code, names in CHINESE_CITIES.items():
            province = existing.get(code) or next(
                (p for p in subdivisions.get("CN", []) if p.code == code), None
            )
            if province is None:
                continue
            for name in names:
                city = add(2, name, RegionKind.CITY, "", province, f"{name} city")
                cities.setdefault(code, []).append(city)
        self.assign_ids(new_levels[2])

        # Country and province of every place (as Region.country() / province() would say).
        for place in [*tops.values(), *(p for ps in subdivisions.values() for p in ps)]:
            self.fill_place(place)
        for ps in cities.values():
            for p in ps:
                self.fill_place(p)
        rows = []
        for level in new_levels:
            for p in level:
                self.region_names[p.id] = p.name  # new regions are published
                self.region_paths[p.id] = p.path
                rows.append(
                    (
                        *self.common,
                        search_text(p.name, p.code),
                        p.id,
                        p.name,
                        p.slug,
                        p.kind,
                        p.code,
                        p.parent_id,
                        p.path,
                        p.path.count("/") - 2,
                    )
                )
        self.write(
            Region,
            ["search_text", "id", "name", "slug", "kind", "iso_code", "parent_id", "path", "depth"],
            rows,
            "regions",
        )
        self.tops = tops
        self.subdivisions = subdivisions
        self.cities = cities

    def place_text(self, *paths: str) -> str:
        """What models.place_names() gives for these paths, as search text."""
        text = self.place_text_cache.get(paths)
        if text is None:
            text = self.place_text_cache[paths] = search_text(
                *place_names(paths, self.region_names)
            )
        return text

    def assign_ids(self, places: list[Place]) -> None:
        ids = self.writer.reserve_ids(Region, len(places))
        for place, pk in zip(places, ids, strict=True):
            place.id = pk
            parent = place.parent
            place.parent_id = parent.id if parent else None
            place.path = f"{parent.path if parent else '/'}{pk}/"

    @staticmethod
    def fill_place(place: Place) -> None:
        """Region.country() and Region.province() for the places made or reused here."""
        chain = []
        p = place
        while p is not None:
            chain.append(p)
            p = p.parent
        place.country_id = next(
            (p.id for p in chain if p.kind in (RegionKind.COUNTRY, RegionKind.SAR)), None
        )
        place.province_id = next((p.id for p in chain if p.kind == RegionKind.PROVINCE), None)

    # ------------------------------------------------------------------ organizations

    def region_samplers(self):
        """Where organizations go: for mainland China, the SARs and the rest of the world,
        a list of (region, its province or country) and a weighted sampler over it."""
        rng = self.rng
        china = self.tops["CN"]
        mainland: list[tuple[Place, Place]] = []  # (region, province)
        weights: list[float] = []
        for province in self.subdivisions.get("CN", []):
            share = PROVINCE_WEIGHTS.get(province.code, 0.002)
            cities = self.cities.get(province.code, [])
            if cities:
                mainland.append((province, province))
                weights.append(share * 0.4)
                city_weights = [1 / (rank + 1) for rank in range(len(cities))]
                total = sum(city_weights)
                for city, w in zip(cities, city_weights, strict=True):
                    mainland.append((city, province))
                    weights.append(share * 0.6 * w / total)
            else:
                mainland.append((province, province))
                weights.append(share)
        if not mainland:
            mainland, weights = [(china, china)], [1.0]
        overseas: list[tuple[Place, Place]] = []  # (region, country)
        o_weights: list[float] = []
        others = [c for code, c in self.tops.items() if code not in COUNTRY_WEIGHTS]
        others = [c for c in others if c.kind == RegionKind.COUNTRY and c.code != "CN"]
        for code, country in self.tops.items():
            if code == "CN" or country.kind != RegionKind.COUNTRY:
                continue
            share = COUNTRY_WEIGHTS.get(code, OTHER_COUNTRIES / max(1, len(others)))
            subs = list(self.subdivisions.get(code, []))
            if not subs:
                overseas.append((country, country))
                o_weights.append(share)
                continue
            preferred = TOP_SUBDIVISIONS.get(code, [])
            head = [s for c in preferred for s in subs if s.code == c]
            tail = [s for s in subs if s.code not in preferred]
            rng.shuffle(tail)
            ranked = head + tail
            sub_weights = [1 / (rank + 1.5) for rank in range(len(ranked))]
            total = sum(sub_weights)
            overseas.append((country, country))
            o_weights.append(share * 0.15)
            for sub, w in zip(ranked, sub_weights, strict=True):
                overseas.append((sub, country))
                o_weights.append(share * 0.85 * w / total)
        sars = [(self.tops[c], self.tops[c]) for c in SARS if c in self.tops]
        return (
            (mainland, Sampler(rng, list(range(len(mainland))), weights)),
            (sars, Sampler(rng, list(range(len(sars))), [0.8, 0.2][: len(sars)])),
            (overseas, Sampler(rng, list(range(len(overseas))), o_weights)),
        )

    def org_name(self, kind: str, group: str, region: Place, upper: Place) -> str:
        rng = self.rng
        if group == "overseas":
            template = rng.choice(OVERSEAS_TEMPLATES[kind])
            town = rng.choice(TOWN_PREFIX) + rng.choice(TOWN_START) + rng.choice(TOWN_END)
            return template.format(town=town)
        template = rng.choice(CN_TEMPLATES[kind])
        town = (rng.choice(CN_SYLLABLES) + rng.choice(CN_SYLLABLES)).capitalize()
        n = min(int(rng.paretovariate(1.2)), 99)
        return template.format(city=region.name, prov=upper.name, town=town, n=n)

    def make_organizations(self) -> None:
        rng = self.rng
        n = self.n_organizations
        self.progress.note(f"Organizations: {n:,}")
        (mainland, m_sampler), (sars, s_sampler), (overseas, o_sampler) = self.region_samplers()
        ids = self.writer.reserve_ids(Organization, n)
        slug = Slugs(Organization)
        used_names = {
            name.casefold() for name in Organization._base_manager.values_list("name", flat=True)
        }
        info = self.orgs = OrgInfo()
        by_country: dict[int, list[int]] = {}
        by_province: dict[int, list[int]] = {}
        names: list[tuple[int, str]] = []
        groups = ["mainland", "sar", "overseas"]
        kind_list = list(KIND_SHARES)
        kind_weights = list(KIND_SHARES.values())

        def rows() -> Iterator[tuple]:
            for i, pk in enumerate(ids):
                if i == 0:
                    group = "mainland"
                elif i == 1:
                    group = "overseas"
                else:
                    group = rng.choices(groups, (0.40, 0.05 if sars else 0, 0.55))[0]
                kind = KINDS[i] if i < len(KINDS) else rng.choices(kind_list, kind_weights)[0]
                if group == "mainland":
                    region, upper = mainland[m_sampler.pick()]
                elif group == "sar":
                    region, upper = sars[s_sampler.pick()]
                else:
                    region, upper = overseas[o_sampler.pick()]
                for _attempt in range(6):
                    name = self.org_name(kind, group, region, upper)
                    if name.casefold() not in used_names:
                        break
                else:
                    name = f"{name}, {region.name}"
                used_names.add(name.casefold())
                other = acronym(name) if rng.random() < 0.3 else ""
                place = region.name
                if group == "overseas" and region.kind != RegionKind.COUNTRY:
                    place = f"{region.name}, {upper.name}"
                description = f"Synthetic record: a {KIND_WORDS[kind]} in {place}."
                org_slug = slug(name)
                info.ids.append(pk)
                info.slugs.append(org_slug)
                # Its names as parts of a partnership's search_parts(), folded with them.
                info.texts.append(" ".join(part for part in (name, other) if part))
                info.names.append(name)
                info.others.append(other)
                info.kinds.append(kind)
                info.groups.append(group)
                info.country_ids.append(region.country_id)
                info.province_ids.append(region.province_id)
                info.paths.append(region.path)
                info.weights.append(
                    KIND_ACTIVITY[kind] * min(rng.paretovariate(2.0), 20.0)
                    if kind != "media"
                    else 0.02
                )
                by_country.setdefault(region.country_id, []).append(i)
                if region.province_id:
                    by_province.setdefault(region.province_id, []).append(i)
                if other:
                    names.append((pk, other))
                yield (
                    *self.common,
                    search_text(name, other, description, self.place_text(region.path)),
                    pk,
                    name,
                    org_slug,
                    kind,
                    region.id,
                    region.country_id,
                    region.province_id,
                    None,
                    "",
                    description,
                )

        self.write(
            Organization,
            [
                "search_text",
                "id",
                "name",
                "slug",
                "kind",
                "region_id",
                "country_id",
                "province_id",
                "parent_id",
                "website",
                "description",
            ],
            rows(),
            "organizations",
            total=n,
        )
        self.write(
            OrganizationName,
            ["organization_id", "name", "language", "note"],
            ((pk, name, "en", "Abbreviation (synthetic)") for pk, name in names),
            "other names",
        )
        self.by_country = by_country
        self.by_province = by_province

    # ------------------------------------------------------------------ people

    def make_people(self) -> None:
        rng = self.rng
        info = self.orgs
        n = max(1, min(self.n_organizations // 25, 10_000))
        slug = Slugs(Person)
        chosen = rng.sample(range(len(info.ids)), min(n, len(info.ids)))
        rows = []
        for i in chosen:
            if info.groups[i] == "overseas":
                name = f"{rng.choice(WEST_FIRST)} {rng.choice(WEST_LAST)}"
            else:
                name = f"{rng.choice(CN_SURNAMES)} {rng.choice(CN_GIVEN)}"
            position = rng.choice(POSITIONS.get(info.kinds[i], OTHER_POSITIONS))
            rows.append(
                (
                    *self.common,
                    search_text(name, position, info.names[i]),
                    name,
                    slug(name),
                    position,
                    info.ids[i],
                )
            )
        self.write(
            Person, ["search_text", "name", "slug", "position", "organization_id"], rows, "people"
        )

    # ------------------------------------------------------------------ conferences, alliances

    def overseas_country_sampler(self) -> Sampler:
        codes = [
            c
            for c, p in self.tops.items()
            if c != "CN" and p.kind == RegionKind.COUNTRY and self.by_country.get(p.id)
        ]
        weights = [COUNTRY_WEIGHTS.get(c, 0.0005) for c in codes]
        return Sampler(self.rng, [self.tops[c].id for c in codes], weights)

    def mainland_provinces(self) -> list[Place]:
        return list(self.subdivisions.get("CN", []))

    def make_conferences_and_alliances(self) -> None:
        rng = self.rng
        info = self.orgs
        n_conf = max(4, min(self.n_partnerships // 3000, 300))
        n_alliances = max(2, min(self.n_partnerships // 20_000, 50))
        n_series = max(1, min(n_conf // 8, len(SERIES_PROVINCES) + len(SERIES_COUNTRIES)))
        self.progress.note(
            f"Conference series: {n_series}, conferences: {n_conf}, alliances: {n_alliances}"
        )
        china = self.tops["CN"]
        provinces = self.mainland_provinces()
        province_by_code = {p.code: p for p in provinces}
        countries = self.overseas_country_sampler()
        country_by_id = {p.id: p for p in self.tops.values()}
        province_sampler = Sampler(
            rng,
            list(range(len(provinces))),
            [PROVINCE_WEIGHTS.get(p.code, 0.002) for p in provinces],
        )

        # Series: first the provincial ones, then the bilateral ones.
        series_specs = []
        for code in SERIES_PROVINCES:
            if code in province_by_code:
                prov = province_by_code[code]
                series_specs.append(
                    (f"{prov.name} International Education Exchange Conference", prov, None)
                )
        for code in SERIES_COUNTRIES:
            if code in self.tops:
                series_specs.append(
                    (f"China–{self.tops[code].name} Forum on School Cooperation", None, code)
                )
        series_specs = series_specs[:n_series]
        series_ids = self.writer.reserve_ids(ConferenceSeries, len(series_specs))
        series_slug = Slugs(ConferenceSeries)
        conf_slug = Slugs(Conference)
        series_rows = []
        plans = []  # one dict per conference
        n_in_series = int((n_conf - n_alliances // 2) * 0.85) if series_specs else 0
        per_series = [n_in_series // len(series_specs) if series_specs else 0] * len(series_specs)
        for k in range(n_in_series - sum(per_series)):
            per_series[k % len(per_series)] += 1
        for s, (name, prov, country_code) in enumerate(series_specs):
            editions = min(per_series[s], LAST_YEAR - FIRST_YEAR + 1)
            first_year = LAST_YEAR - editions + 1 - rng.randint(0, max(0, 21 - editions - 1))
            first_year = max(FIRST_YEAR, first_year)
            description = (
                "Synthetic record: a yearly conference where schools and education authorities "
                "from China and abroad meet and sign partnerships."
            )
            series_rows.append(
                (
                    *self.common,
                    search_text(name, description),
                    series_ids[s],
                    name,
                    series_slug(name),
                    first_year,
                    description,
                )
            )
            month = rng.randint(3, 11)
            for e in range(1, editions + 1):
                year = first_year + e - 1
                if year > LAST_YEAR:
                    break
                held = datetime.date(year, month, rng.randint(1, 24))
                host_province = prov or provinces[province_sampler.pick()]
                host = host_province
                if self.cities.get(host_province.code) and rng.random() < 0.6:
                    host = rng.choice(self.cities[host_province.code])
                participants = [china.id]
                if country_code:
                    participants.append(self.tops[country_code].id)
                else:
                    for _ in range(rng.randint(3, 8)):
                        if countries:
                            participants.append(countries.pick())
                plans.append(
                    {
                        "name": f"{ordinal(e)} {name}",
                        "series": s,
                        "edition": e,
                        "held": held,
                        "ends": held + datetime.timedelta(days=rng.randint(0, 3)),
                        "host": host,
                        "province": host_province,
                        "participants": participants,
                    }
                )
        self.write(
            ConferenceSeries,
            ["search_text", "id", "name", "slug", "first_held_year", "description"],
            series_rows,
            "conference series",
        )

        # Alliances (their founding conferences are planned with them).
        alliance_ids = self.writer.reserve_ids(Alliance, n_alliances)
        alliance_names = {
            n.casefold() for n in Alliance._base_manager.values_list("name", flat=True)
        }
        mainland_idx = [i for i, g in enumerate(info.groups) if g == "mainland"]
        sar_idx = [i for i, g in enumerate(info.groups) if g == "sar"]
        alliances = []
        # Each focus a synthetic alliance can have a name for ("not reported" has none).
        focuses = [focus for focus in AllianceFocus.values if focus in ALLIANCE_FOCUS_NAMES]
        for a in range(n_alliances):
            focus = focuses[a] if a < len(focuses) else rng.choice(focuses)
            country_id = countries.pick() if countries else None
            country = country_by_id.get(country_id)
            prov = provinces[province_sampler.pick()] if provinces else china
            name = ""
            for _attempt in range(12):
                template = rng.choice(ALLIANCE_FOCUS_NAMES[focus])
                c_name = country.name if country else "the World"
                name = template.format(c=c_name, p=prov.name)
                if name.casefold() not in alliance_names:
                    break
                country_id = countries.pick() if countries else None
                country = country_by_id.get(country_id)
                prov = provinces[province_sampler.pick()] if provinces else china
            if name.casefold() in alliance_names:
                name = f"{name} ({ordinal(a + 1)})"
            alliance_names.add(name.casefold())
            founded, precision = self.date()
            kinds = FOCUS_KINDS[focus]
            home = [i for i in mainland_idx if info.kinds[i] in kinds] or mainland_idx or sar_idx
            abroad_all = self.by_country.get(country_id, []) if country_id else []
            abroad = [i for i in abroad_all if info.kinds[i] in kinds] or abroad_all
            size = rng.randint(5, 40)
            members: list[int] = []
            seen = set()
            pools = [home, abroad]
            for k in range(size * 3):
                pool = pools[k % 2] or pools[(k + 1) % 2]
                if not pool:
                    break
                i = rng.choice(pool)
                if i not in seen:
                    seen.add(i)
                    members.append(i)
                if len(members) >= size:
                    break
            plan_conf = None
            if rng.random() < 0.4 and members:
                founded, precision = founded.replace(day=rng.randint(1, 28)), DAY
                lead_province = info.province_ids[members[0]]
                host = next((p for p in provinces if p.id == lead_province), prov)
                plan_conf = {
                    "name": f"Founding conference of the {name}",
                    "series": None,
                    "edition": None,
                    "held": founded,
                    "ends": founded,
                    "host": host,
                    "province": host,
                    "participants": [china.id] + ([country_id] if country_id else []),
                }
                plans.append(plan_conf)
            alliances.append(
                {
                    "id": alliance_ids[a],
                    "name": name,
                    "focus": focus,
                    "founded": founded,
                    "precision": precision,
                    "members": members,
                    "conference": plan_conf,
                }
            )
        # Other one-off conferences until there are n_conf.
        while len(plans) < n_conf:
            prov = provinces[province_sampler.pick()] if provinces else china
            cities = self.cities.get(prov.code, [])
            host = rng.choice(cities) if cities else prov
            held, _precision = self.date((1, 0, 0))
            plans.append(
                {
                    "name": f"{host.name} International Schools Cooperation Forum {held.year}",
                    "series": None,
                    "edition": None,
                    "held": held,
                    "ends": held + datetime.timedelta(days=rng.randint(0, 2)),
                    "host": host,
                    "province": prov,
                    "participants": [china.id]
                    + [countries.pick() for _ in range(rng.randint(2, 6)) if countries],
                }
            )
        conf_ids = self.writer.reserve_ids(Conference, len(plans))
        conf_rows, organizer_rows, region_rows = [], [], []
        self.conference_plans = plans
        for plan, pk in zip(plans, conf_ids, strict=True):
            plan["id"] = pk
            series = series_specs[plan["series"]][0] if plan["series"] is not None else ""
            summary = (
                f"Synthetic record: schools and education authorities met in "
                f"{plan['host'].name} to sign partnerships."
            )
            local = self.by_province.get(plan["province"].id, [])
            venue = None
            # The venue's and organizers' names, other names included, as
            # Conference.organization_names gives them.
            named = set()
            if local and rng.random() < 0.5:
                at = rng.choice(local)
                venue = info.ids[at]
                named.update(filter(None, (info.names[at], info.others[at])))
            organizers = {
                info.ids[i]: i for i in local[:200] if info.kinds[i] in AUTHORITIES
            }  # a few local authorities
            for org_id in sorted(organizers)[:2]:
                organizer_rows.append((pk, org_id))
                at = organizers[org_id]
                named.update(filter(None, (info.names[at], info.others[at])))
            for region_id in sorted(set(plan["participants"])):
                region_rows.append((pk, region_id))
            conf_rows.append(
                (
                    *self.common,
                    search_text(
                        plan["name"],
                        series,
                        summary,
                        self.place_text(
                            plan["host"].path,
                            *sorted({self.region_paths[r] for r in plan["participants"]}),
                        ),
                        *sorted(named),
                    ),
                    pk,
                    plan["name"],
                    conf_slug(plan["name"]),
                    series_ids[plan["series"]] if plan["series"] is not None else None,
                    plan["edition"],
                    plan["held"],
                    DAY,
                    None,
                    plan["ends"],
                    plan["host"].id,
                    venue,
                    summary,
                )
            )
        self.write(
            Conference,
            [
                "search_text",
                "id",
                "name",
                "slug",
                "series_id",
                "edition",
                "held_on",
                "held_precision",
                "held_not_after",
                "ends_on",
                "host_region_id",
                "venue_id",
                "summary",
            ],
            conf_rows,
            "conferences",
        )
        through = Conference.organizers.through
        self.write(through, ["conference_id", "organization_id"], organizer_rows, "M2M rows")
        through = Conference.participating_regions.through
        self.write(through, ["conference_id", "region_id"], region_rows, "M2M rows")

        alliance_slug = Slugs(Alliance)
        alliance_rows, member_rows, country_rows = [], [], []
        roles = [r.value for r in (MemberRole.LEAD, MemberRole.CHAIR, MemberRole.VICE_CHAIR)]
        roles.append(MemberRole.PERMANENT.value)
        for a in alliances:
            other = acronym(a["name"])
            member_countries = sorted(
                {info.country_ids[i] for i in a["members"] if info.country_ids[i]}
            )
            country_names = [country_by_id[c].name for c in member_countries if c in country_by_id]
            focus_label = str(AllianceFocus(a["focus"]).label).lower()
            summary = (
                f"Synthetic record: {len(a['members'])} members working together on "
                f"{focus_label}, from {', '.join(country_names[:4]) or 'China'}."
            )
            alliance_rows.append(
                (
                    *self.common,
                    search_text(
                        a["name"],
                        other,
                        summary,
                        self.place_text(*sorted(self.region_paths[c] for c in member_countries)),
                        # Its members' names, as Alliance.member_names() orders them.
                        *(
                            text
                            for i in sorted(
                                set(a["members"]), key=lambda i: (info.names[i], info.ids[i])
                            )
                            for text in (info.names[i], info.others[i])
                        ),
                    ),
                    a["id"],
                    a["name"],
                    alliance_slug(a["name"]),
                    other,
                    a["focus"],
                    a["founded"],
                    a["precision"],
                    None,
                    a["conference"]["id"] if a["conference"] else None,
                    summary,
                )
            )
            for k, i in enumerate(a["members"]):
                role = roles[k] if k < len(roles) else MemberRole.MEMBER.value
                member_rows.append((a["id"], info.ids[i], role))
            for c in member_countries:
                country_rows.append((a["id"], c))
        self.write(
            Alliance,
            [
                "search_text",
                "id",
                "name",
                "slug",
                "other_names",
                "focus",
                "founded_on",
                "founded_precision",
                "founded_not_after",
                "founding_conference_id",
                "summary",
            ],
            alliance_rows,
            "alliances",
        )
        self.write(
            AllianceMembership,
            ["alliance_id", "organization_id", "role"],
            member_rows,
            "alliance memberships",
        )
        self.write(
            Alliance.countries.through, ["alliance_id", "region_id"], country_rows, "M2M rows"
        )

    # ------------------------------------------------------------------ partnerships

    def party_samplers(self):
        """Weighted samplers of organization indexes: (group, level) -> Sampler."""
        info = self.orgs
        rng = self.rng
        samplers = {}
        for group in ("mainland", "sar", "overseas"):
            members = [i for i, g in enumerate(info.groups) if g == group]
            samplers[group, SCHOOL] = Sampler(rng, members, [info.weights[i] for i in members])
            authorities = [i for i in members if info.kinds[i] in AUTHORITIES]
            samplers[group, COMPREHENSIVE] = Sampler(rng, authorities, [1.0] * len(authorities))
        return samplers

    def pairs(self) -> Iterator[tuple[int, int, str]]:
        """(index of party a, index of party b, level): all distinct as unordered pairs per level.

        Realistic pairs (one Chinese party, one overseas; busy organizations more often) while
        that is easy; uniform pairs when realistic ones keep colliding (few organizations);
        an exact selection of all possible pairs when nearly all of them are asked for."""
        rng = self.rng
        n = self.n_partnerships
        m = len(self.orgs.ids)
        levels = [SCHOOL, COMPREHENSIVE]
        total = max_partnerships(m)
        if n * 2 > total:
            yield from self.dense_pairs(n, m, levels)
            return
        groups = self.orgs.groups
        samplers = self.party_samplers()
        combos = [
            ("mainland", "overseas", 0.88),
            ("sar", "mainland", 0.07),
            ("sar", "overseas", 0.05),
        ]
        combos = [
            (g1, g2, w)
            for g1, g2, w in combos
            if samplers[g1, levels[0]] and samplers[g2, levels[0]]
        ]
        combo_cum = list(accumulate(w for _g1, _g2, w in combos))
        seen: set[int] = set()
        misses = 0
        realistic = bool(combos)
        random = rng.random
        made = 0
        while made < n:
            if realistic:
                g1, g2, _w = combos[bisect(combo_cum, random() * combo_cum[-1], 0, len(combos) - 1)]
                level = levels[1] if random() < 0.06 else levels[0]
                s1, s2 = samplers[g1, level], samplers[g2, level]
                if not (s1 and s2):
                    level = levels[0]
                    s1, s2 = samplers[g1, level], samplers[g2, level]
                a, b = s1.pick(), s2.pick()
                if groups[a] != "mainland" and groups[b] == "mainland":
                    a, b = b, a
                if random() < 0.2:
                    a, b = b, a
            else:
                a = int(random() * m)
                b = int(random() * (m - 1))
                if b >= a:
                    b += 1
                level = levels[0] if random() < 0.5 else levels[1]
            if a == b:
                misses += 1
                continue
            lo, hi = (a, b) if a < b else (b, a)
            key = (lo * m + hi) * 2 + (level == levels[1])
            if key in seen:
                misses += 1
                if misses > 200:
                    realistic = False
                continue
            misses = 0
            seen.add(key)
            made += 1
            yield a, b, level

    def dense_pairs(self, n, m, levels):
        """n of all m*(m-1) (pair, level) combinations, chosen uniformly (selection sampling)."""
        rng = self.rng
        chosen = []
        needed, remaining = n, max_partnerships(m)
        groups = self.orgs.groups
        for a in range(m):
            for b in range(a + 1, m):
                for level in levels:
                    if rng.random() * remaining < needed:
                        first, second = (a, b) if groups[a] == "mainland" else (b, a)
                        chosen.append((first, second, level))
                        needed -= 1
                    remaining -= 1
        rng.shuffle(chosen)
        yield from chosen

    def make_partnerships(self) -> None:
        rng = self.rng
        info = self.orgs
        n = self.n_partnerships
        self.progress.note(f"Partnerships: {n:,}")
        used = set(SisterSchoolPartnership._base_manager.values_list("slug", flat=True))
        conferences = [(p["id"], p["held"]) for p in self.conference_plans]
        statuses = STATUSES
        status_cum = list(accumulate((0.55, 0.35, 0.10)))
        year_cum = list(accumulate(YEAR_WEIGHTS))
        years = list(range(FIRST_YEAR, LAST_YEAR + 1))
        day, month, year_p = DAY, MONTH, YEAR
        comprehensive = COMPREHENSIVE
        ids, slugs, texts = info.ids, info.slugs, info.texts
        country_ids, province_ids, paths = (
            info.country_ids,
            info.province_ids,
            info.paths,
        )
        random, date = rng.random, datetime.date
        common = self.common
        place_text = self.place_text
        summaries = [f"Synthetic record: {topic}." for topic in TOPICS]
        n_topics = len(TOPICS)

        def rows() -> Iterator[tuple]:
            for a, b, level in self.pairs():
                slug = f"{slugs[a]}-{slugs[b]}"
                if slug in used:
                    k = 2
                    while f"{slug}-{k}" in used:
                        k += 1
                    slug = f"{slug}-{k}"
                used.add(slug)
                r = random()
                conference = None
                if conferences and r < 0.12:
                    conference, established = conferences[int(random() * len(conferences))]
                    precision = day
                elif r < 0.13:
                    established, precision = None, day
                else:
                    y = years[bisect(year_cum, random() * year_cum[-1], 0, len(years) - 1)]
                    r = random()
                    if r < 0.6:
                        precision = day
                        established = date(y, 1 + int(random() * 12), 1 + int(random() * 28))
                    elif r < 0.85:
                        precision = month
                        established = date(y, 1 + int(random() * 12), 1)
                    else:
                        precision, established = year_p, date(y, 1, 1)
                status = statuses[bisect(status_cum, random() * status_cum[-1], 0, 2)]
                if level == comprehensive:
                    summary = (
                        "Synthetic record: comprehensive cooperation of education authorities."
                    )
                else:
                    summary = summaries[int(random() * n_topics)]
                yield (
                    *common,
                    search_text(texts[a], texts[b], summary, place_text(paths[a], paths[b])),
                    established,
                    precision,
                    None,
                    slug,
                    level,
                    status,
                    summary,
                    conference,
                    ids[a],
                    ids[b],
                    None,
                    True,
                    country_ids[a],
                    country_ids[b],
                    province_ids[a],
                    province_ids[b],
                    paths[a],
                    paths[b],
                )

        self.write(
            SisterSchoolPartnership,
            [
                "search_text",
                "established_on",
                "established_precision",
                "established_not_after",
                "slug",
                "level",
                "status",
                "summary",
                "conference_id",
                "party_a_id",
                "party_b_id",
                "series_id",
                "is_public",
                "a_country_id",
                "b_country_id",
                "a_province_id",
                "b_province_id",
                "a_path",
                "b_path",
            ],
            rows(),
            "partnerships",
            total=n,
        )


def generate(connection, *, partnerships: int, organizations: int, seed: int, progress) -> dict:
    """Make the synthetic data; the caller holds the transaction. Returns rows per table."""
    return Generator(
        connection,
        partnerships=partnerships,
        organizations=organizations,
        seed=seed,
        progress=progress,
    ).run()


# --------------------------------------------------------------------------- clear


def blockers() -> list[str]:
    """Records that are not synthetic but point at synthetic ones (they would be left
    dangling): deleting must wait until someone changes them."""
    problems = []
    synthetic = set(SYNTHETIC_MODELS)
    for model in apps.get_app_config("partnerships").get_models():
        is_record = issubclass(model, Record)
        for f in model._meta.concrete_fields:
            if not (f.is_relation and f.many_to_one and f.related_model in synthetic):
                continue
            if is_record:
                qs = model._base_manager.filter(is_synthetic=False)
            elif model is AllianceMembership and f.name == "organization":
                qs = model._base_manager.filter(alliance__is_synthetic=False)
            else:
                continue
            qs = qs.filter(**{f"{f.name}__is_synthetic": True})
            count = qs.count()
            if count:
                example = qs.first()
                problems.append(
                    f"{count} {model._meta.verbose_name_plural} that are not synthetic have a "
                    f"synthetic {f.verbose_name} (e.g. {example!s} -> {getattr(example, f.name)!s})"
                )
    return problems


def clear(connection, progress) -> dict[str, int]:
    """Delete every synthetic row and what hangs on it; sourced records stay as they are."""
    problems = blockers()
    if problems:
        raise SyntheticError(
            "Nothing was deleted: records that are not synthetic refer to synthetic ones. "
            "Change them first:\n  " + "\n  ".join(problems)
        )
    many = sum(
        model._base_manager.filter(is_synthetic=True).count()
        for model in (SisterSchoolPartnership, Organization)
    )
    if connection.vendor == "postgresql" and many >= BULK_LOAD_ROWS:
        tables = [model._meta.db_table for model in SYNTHETIC_MODELS]
        with foreign_keys_set_aside(connection, tables, progress.note):
            return delete_synthetic(connection, progress)
    return delete_synthetic(connection, progress)


def delete_synthetic(connection, progress) -> dict[str, int]:
    q = connection.ops.quote_name
    counts: dict[str, int] = {}

    def table(model) -> str:
        return q(model._meta.db_table)

    # Table and column names come from the models (quoted), values are parameters.
    def synthetic_ids(model) -> str:
        return f"(SELECT {q('id')} FROM {table(model)} WHERE {q('is_synthetic')} = %s)"  # noqa: S608

    def run(label: str, sql: str, params=()) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            counts[label] = counts.get(label, 0) + max(cursor.rowcount, 0)

    def delete_where(label, model, condition, params=()):
        run(label, f"DELETE FROM {table(model)} WHERE {condition}", params)  # noqa: S608

    def linked(column: str, model) -> str:
        return f"{q(column)} IN {synthetic_ids(model)}"

    progress.note("Deleting synthetic records")
    # Citations and history of synthetic records and of what hangs on them. The generator
    # makes none, but staff may have added some in the admin, or run populate_history.
    attached = [(model, f"{q('is_synthetic')} = %s", (True,)) for model in SYNTHETIC_MODELS] + [
        (
            AllianceMembership,
            f"{linked('alliance_id', Alliance)} OR {linked('organization_id', Organization)}",
            (True, True),
        ),
        (AllianceEvent, linked("alliance_id", Alliance), (True,)),
        (
            Speech,
            f"{linked('conference_id', Conference)} OR {linked('person_id', Person)}",
            (True, True),
        ),
        (OrganizationName, linked("organization_id", Organization), (True,)),
    ]
    citation_history = Citation.history.model
    for model, condition, params in attached:
        ct = ContentType.objects.get_for_model(model, for_concrete_model=False)
        for target in (Citation, citation_history):
            delete_where(
                "citations" if target is Citation else "history rows",
                target,
                f"{q('content_type_id')} = %s AND {q('object_id')} IN "  # noqa: S608
                f"(SELECT {q('id')} FROM {table(model)} WHERE {condition})",
                (ct.pk, *params),
            )
        history = getattr(model, "history", None)
        if history is not None:
            delete_where("history rows", history.model, condition, params)
    delete_where("citations", Citation, linked("source_id", Source), (True,))

    progress.note("Deleting synthetic partnerships")
    delete_where("partnerships", SisterSchoolPartnership, f"{q('is_synthetic')} = %s", (True,))
    delete_where("reported figures", ReportedFigure, f"{q('is_synthetic')} = %s", (True,))
    progress.note("Deleting synthetic alliances, conferences and people")
    delete_where(
        "alliance memberships",
        AllianceMembership,
        f"{linked('alliance_id', Alliance)} OR {linked('organization_id', Organization)}",
        (True, True),
    )
    delete_where("alliance events", AllianceEvent, linked("alliance_id", Alliance), (True,))
    run(
        "alliance events",
        f"UPDATE {table(AllianceEvent)} SET {q('conference_id')} = NULL "  # noqa: S608
        f"WHERE {linked('conference_id', Conference)}",
        (True,),
    )
    delete_where(
        "M2M rows",
        Alliance.countries.through,
        f"{linked('alliance_id', Alliance)} OR {linked('region_id', Region)}",
        (True, True),
    )
    delete_where("alliances", Alliance, f"{q('is_synthetic')} = %s", (True,))
    delete_where(
        "speeches",
        Speech,
        f"{linked('conference_id', Conference)} OR {linked('person_id', Person)}",
        (True, True),
    )
    delete_where(
        "M2M rows",
        Conference.organizers.through,
        f"{linked('conference_id', Conference)} OR {linked('organization_id', Organization)}",
        (True, True),
    )
    delete_where(
        "M2M rows",
        Conference.participating_regions.through,
        f"{linked('conference_id', Conference)} OR {linked('region_id', Region)}",
        (True, True),
    )
    delete_where("conferences", Conference, f"{q('is_synthetic')} = %s", (True,))
    delete_where("conference series", ConferenceSeries, f"{q('is_synthetic')} = %s", (True,))
    delete_where("people", Person, f"{q('is_synthetic')} = %s", (True,))
    delete_where("sources", Source, f"{q('is_synthetic')} = %s", (True,))
    progress.note("Deleting synthetic organizations")
    delete_where("other names", OrganizationName, linked("organization_id", Organization), (True,))
    delete_where("organizations", Organization, f"{q('is_synthetic')} = %s", (True,))
    progress.note("Deleting synthetic regions")
    depths = sorted(
        set(Region._base_manager.filter(is_synthetic=True).values_list("depth", flat=True)),
        reverse=True,
    )
    for depth in depths:  # children before parents
        delete_where(
            "regions",
            Region,
            f"{q('is_synthetic')} = %s AND {q('depth')} = %s",
            (True, depth),
        )
    return {label: n for label, n in counts.items() if n}


# The order of the summary's lines.
SUMMARY_ORDER = [
    "regions",
    "organizations",
    "other names",
    "people",
    "conference series",
    "conferences",
    "alliances",
    "alliance memberships",
    "M2M rows",
    "partnerships",
]
