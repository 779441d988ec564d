"""The benchmark databases: one PostgreSQL database per size built with the app's own
commands, the same public rows copied to a flat SQLite table for Datasette, and the query
parameters (busiest country, a ~1% search word, a detail row) read from the data."""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path

import psycopg

from .procs import log, run

PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
DB_NAME = re.compile(r"^bench_[0-9a-z]+$")

TARGET_FILTER_SHARE = 0.40
TARGET_SEARCH_SHARE = 0.01

P = "partnerships_sisterschoolpartnership"
ORG = "partnerships_organization"
REGION = "partnerships_region"
CONF = "partnerships_conference"
SERIES = "partnerships_conferenceseries"


def database_url(name: str) -> str:
    return f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{name}"


def connect(name: str, autocommit=True):
    return psycopg.connect(dbname=name, autocommit=autocommit, connect_timeout=10, **PG)


def psql(sql: str, db: str = "postgres", timeout: float = 600):
    return run(
        [
            "psql",
            "-h",
            PG["host"],
            "-p",
            PG["port"],
            "-U",
            PG["user"],
            "-d",
            db,
            "-v",
            "ON_ERROR_STOP=1",
            "-X",
            "-q",
            "-c",
            sql,
        ],
        timeout=timeout,
        capture=True,
    )


def exists(name: str) -> bool:
    with connect("postgres") as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    return row is not None


def recreate(name: str) -> None:
    if not DB_NAME.match(name):
        raise ValueError(f"refusing to drop a database not named bench_*: {name}")
    psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{name}"')


def build(
    name: str,
    n: int,
    *,
    python: str,
    env: dict,
    root: Path,
    log_file: Path,
    timeout: float,
    seed: int = 1,
) -> dict:
    """Create ``name`` and fill it the way the issue says; returns step timings (s)."""
    timings = {}
    t = time.monotonic()
    recreate(name)
    manage = [python, "manage.py"]
    run([*manage, "migrate", "--no-input"], env=env, cwd=root, timeout=1800, log_file=log_file)
    timings["migrate"] = time.monotonic() - t
    t = time.monotonic()
    run(
        [*manage, "loaddata", "fixtures/seed.json"],
        env=env,
        cwd=root,
        timeout=600,
        log_file=log_file,
    )
    timings["loaddata"] = time.monotonic() - t
    t = time.monotonic()
    run(
        [
            *manage,
            "generate_synthetic",
            "--partnerships",
            n,
            "--organizations",
            max(1, n // 10),
            "--seed",
            seed,
        ],
        env=env,
        cwd=root,
        timeout=timeout,
        log_file=log_file,
    )
    timings["generate_synthetic"] = time.monotonic() - t
    t = time.monotonic()
    psql("VACUUM ANALYZE", db=name, timeout=3600)
    timings["vacuum_analyze"] = time.monotonic() - t
    return timings


def table_counts(name: str) -> dict:
    with connect(name) as conn:
        rows = conn.execute(
            f"SELECT count(*), count(*) FILTER (WHERE is_public), "
            f"count(*) FILTER (WHERE is_synthetic) FROM {P}"
        ).fetchone()
        orgs = conn.execute(f"SELECT count(*) FROM {ORG}").fetchone()[0]
        size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
    return {
        "partnerships": rows[0],
        "public_partnerships": rows[1],
        "synthetic_partnerships": rows[2],
        "organizations": orgs,
        "database_bytes": size,
    }


# --------------------------------------------------------------------------- SQLite

SQLITE_COLUMNS = [
    ("id", "INTEGER PRIMARY KEY"),
    ("slug", "TEXT"),
    ("party_a", "TEXT"),
    ("party_b", "TEXT"),
    ("a_country", "TEXT"),
    ("b_country", "TEXT"),
    ("a_province", "TEXT"),
    ("b_province", "TEXT"),
    ("level", "TEXT"),
    ("status", "TEXT"),
    ("established_on", "TEXT"),
    ("established_precision", "TEXT"),
    ("conference", "TEXT"),
    ("series", "TEXT"),
    ("summary", "TEXT"),
]
SQLITE_INDEXED = [
    "a_country",
    "b_country",
    "a_province",
    "b_province",
    "level",
    "status",
    "conference",
    "established_on",
]
FTS_COLUMNS = ["party_a", "party_b", "summary"]

EXPORT_SQL = f"""
SELECT p.id, p.slug, oa.name, ob.name, ca.name, cb.name, pa.name, pb.name, p.level, p.status,
       to_char(p.established_on, 'YYYY-MM-DD'), p.established_precision, c.name, s.name,
       p.summary
FROM {P} p
JOIN {ORG} oa ON oa.id = p.party_a_id
JOIN {ORG} ob ON ob.id = p.party_b_id
LEFT JOIN {REGION} ca ON ca.id = p.a_country_id
LEFT JOIN {REGION} cb ON cb.id = p.b_country_id
LEFT JOIN {REGION} pa ON pa.id = p.a_province_id
LEFT JOIN {REGION} pb ON pb.id = p.b_province_id
LEFT JOIN {CONF} c ON c.id = p.conference_id
LEFT JOIN {SERIES} s ON s.id = p.series_id
WHERE p.is_public
ORDER BY p.id
"""


def export_sqlite(pg_name: str, path: Path) -> dict:
    """The public partnerships as one flat table ``partnerships`` with indexes on the faceted
    and filtered columns and an FTS5 index (party names and summary) that Datasette detects."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    if tmp.exists():
        tmp.unlink()
    t = time.monotonic()
    db = sqlite3.connect(tmp)
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    columns = ", ".join(f"[{name}] {kind}" for name, kind in SQLITE_COLUMNS)
    db.execute(f"CREATE TABLE [partnerships] ({columns})")
    placeholders = ", ".join("?" for _ in SQLITE_COLUMNS)
    n = 0
    with connect(pg_name, autocommit=False) as conn, conn.cursor(name="export") as cur:
        cur.itersize = 20000
        cur.execute(EXPORT_SQL)
        while True:
            rows = cur.fetchmany(20000)
            if not rows:
                break
            db.executemany(f"INSERT INTO [partnerships] VALUES ({placeholders})", rows)
            n += len(rows)
    db.commit()
    for name in SQLITE_INDEXED:
        db.execute(f"CREATE INDEX [idx_partnerships_{name}] ON [partnerships] ([{name}])")
    fts_cols = ", ".join(f"[{c}]" for c in FTS_COLUMNS)
    # The form sqlite-utils' enable_fts writes; Datasette finds it by content=[partnerships].
    db.execute(
        f"CREATE VIRTUAL TABLE [partnerships_fts] USING FTS5 ({fts_cols}, content=[partnerships])"
    )
    db.execute("INSERT INTO [partnerships_fts] ([partnerships_fts]) VALUES ('rebuild')")
    db.commit()
    db.execute("ANALYZE")
    db.commit()
    db.close()
    tmp.replace(path)
    seconds = time.monotonic() - t
    log(f"exported {n} rows to {path} in {seconds:.1f}s")
    return {"rows": n, "seconds": seconds, "bytes": path.stat().st_size}


def sqlite_count(path: Path, where: str = "", params=()) -> int:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return db.execute(f"SELECT count(*) FROM partnerships {where}", params).fetchone()[0]
    finally:
        db.close()


def sqlite_fts_count(path: Path, word: str) -> int:
    return sqlite_count(
        path,
        "WHERE rowid IN (SELECT rowid FROM partnerships_fts WHERE partnerships_fts MATCH ?)",
        [f'"{word}"'],
    )


# --------------------------------------------------------------------------- parameters

# The app's search for a word that some record has (the candidates come from ts_stat, so
# they do): whole words, through the search vector (partnerships/search.py).
SEARCH_SQL = (
    f"SELECT count(*) FROM {P} WHERE is_public AND ("
    "search_vector @@ websearch_to_tsquery('simple'::regconfig, %s))"
)


def pick_parameters(name: str, sqlite_path: Path | None) -> dict:
    """What the measured URLs ask for, chosen from the data as the issue says."""
    out: dict = {}
    with connect(name) as conn:
        conn.execute("SET statement_timeout = '300s'")
        total = conn.execute(f"SELECT count(*) FROM {P} WHERE is_public").fetchone()[0]
        out["public_rows"] = total

        # Countries by partnerships (either party, as the app's filter counts). The issue asks
        # for the busiest country, matching ~40% of rows; China is a party to nearly every
        # partnership, so the country whose share is closest to 40% is used (and the busiest
        # one is recorded beside it).
        rows = conn.execute(
            f"""
            WITH x AS (
                SELECT a_country_id AS c FROM {P} WHERE is_public AND a_country_id IS NOT NULL
                UNION ALL
                SELECT b_country_id FROM {P}
                WHERE is_public AND b_country_id IS NOT NULL
                  AND b_country_id IS DISTINCT FROM a_country_id
            )
            SELECT r.id, r.slug, r.name, count(*) FROM x JOIN {REGION} r ON r.id = x.c
            WHERE r.publication = 'published' AND r.kind IN ('country', 'sar')
            GROUP BY r.id, r.slug, r.name ORDER BY count(*) DESC LIMIT 20
            """
        ).fetchall()
        out["busiest_country"] = {
            "name": rows[0][2],
            "rows": rows[0][3],
            "share": rows[0][3] / total if total else None,
        }
        out["top_countries"] = [(r[2], r[3]) for r in rows[:8]]
        row = min(rows, key=lambda r: abs(r[3] / max(1, total) - TARGET_FILTER_SHARE))
        cid, out["country_slug"], out["country_name"], out["country_rows"] = row
        out["country_share"] = out["country_rows"] / total if total else None
        out["country_rows_a_side"] = conn.execute(
            f"SELECT count(*) FROM {P} WHERE is_public AND a_country_id = %s", [cid]
        ).fetchone()[0]
        out["country_rows_b_side"] = conn.execute(
            f"SELECT count(*) FROM {P} WHERE is_public AND b_country_id = %s", [cid]
        ).fetchone()[0]
        side = "a" if out["country_rows_a_side"] >= out["country_rows_b_side"] else "b"
        out["datasette_country_column"] = f"{side}_country"

        level = conn.execute(
            f"SELECT level, count(*) FROM {P} WHERE is_public GROUP BY level "
            "ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()
        out["level"] = level[0]

        # A word that matches about 1% of rows: document frequencies from a sample (ts_stat),
        # then exact counts with the app's own search predicate for the closest candidates.
        step = max(1, total // 20000)
        sample_n = conn.execute(
            f"SELECT count(*) FROM {P} WHERE is_public AND id % {step} = 0"
        ).fetchone()[0]
        inner = f"SELECT search_vector FROM {P} WHERE is_public AND id % {step} = 0"
        candidates = conn.execute(
            "SELECT word, ndoc FROM ts_stat(%s) WHERE word ~ '^[a-z]{4,}$' "
            "ORDER BY abs(ln(ndoc::float / %s) - ln(%s)) LIMIT 8",
            [inner, max(1, sample_n), TARGET_SEARCH_SHARE],
        ).fetchall()
        filtered_sql = SEARCH_SQL.replace(
            "WHERE is_public AND (",
            "WHERE is_public AND (a_country_id = %s OR b_country_id = %s) AND level = %s AND (",
        )
        tried = []
        for word, _ndoc in candidates:
            n = conn.execute(SEARCH_SQL, [word]).fetchone()[0]
            # With the two filters of "search + two filters" (the country, the commonest level).
            nf = conn.execute(filtered_sql, [cid, cid, out["level"], word])
            tried.append((word, n, nf.fetchone()[0]))
        out["search_candidates"] = tried
        # Of the words within 30% of the target share, the one the two filters keep most of
        # (a search that the filters reduce to nothing would measure an empty page).
        close = [t for t in tried if abs(t[1] / max(1, total) / TARGET_SEARCH_SHARE - 1) <= 0.3]
        if close:
            word, n, nf = max(close, key=lambda t: t[2])
        elif tried:
            word, n, nf = min(tried, key=lambda t: abs(t[1] / max(1, total) - TARGET_SEARCH_SHARE))
        else:
            word = "school"
            n = conn.execute(SEARCH_SQL, [word]).fetchone()[0]
            nf = conn.execute(filtered_sql, [cid, cid, out["level"], word])
            nf = nf.fetchone()[0]
        out["search_word"], out["search_rows"], out["search_filtered_rows"] = word, n, nf
        out["search_share"] = n / total if total else None

        # A detail page: the public row in the middle of the id range.
        row = conn.execute(
            f"SELECT id, slug FROM {P} WHERE is_public ORDER BY id OFFSET %s LIMIT 1",
            [total // 2],
        ).fetchone()
        out["detail_id"], out["detail_slug"] = row

    if sqlite_path is not None and sqlite_path.exists():
        col = out["datasette_country_column"]
        out["sqlite_rows"] = sqlite_count(sqlite_path)
        out["sqlite_country_rows"] = sqlite_count(
            sqlite_path, f"WHERE [{col}] = ?", [out["country_name"]]
        )
        out["sqlite_search_rows"] = sqlite_fts_count(sqlite_path, out["search_word"])
    return out
