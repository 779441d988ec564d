"""EXPLAIN every query the partnership list runs for each filter, on a large PostgreSQL
database, and report how each one reads the partnership table.

    DJANGO_DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_1m \\
        .venv/bin/python bench/explain.py [--out docs/explain.md]

Each filtered page (one filter at a time, the filters combined, a search, each sort order,
a deep page) is requested through django.test.Client; every SELECT it ran that names the
partnership table is explained (EXPLAIN without ANALYZE: the plan the server would run, as
it would run it, with the app's connection settings). The report lists, per page, the scan
nodes on the partnership table and flags any "Seq Scan" on it. Exits 1 if a filtered page
has one, so it can gate a change.

Queries are explained one by one, outside the transaction they ran in. The search's check
that some record has the words (``SELECT 1 … LIMIT 1``) may use a sequential scan that stops
at the first match: it runs under a 50 ms limit and then through the word index
(search.bounded_exists). It is explained as it runs once that limit is hit, with
sequential and plain index scans priced out.
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partnerships.settings")

TABLE = "partnerships_sisterschoolpartnership"
SCAN = re.compile(
    r"(Seq Scan|Parallel Seq Scan|Index Only Scan|Index Scan|Bitmap Heap Scan|Sample Scan)"
    r"(?: Backward)?(?: using (\S+))? on " + TABLE + r"\b"
)
SETTINGS = re.compile(r"((?:SET LOCAL [a-z_]+ = '[A-Za-z0-9_.]+'; )*)(.*)", re.DOTALL)


def pick_values(cursor) -> dict:
    """Real values to filter by: the busiest country, a province, a conference, a level."""

    def one(sql):
        cursor.execute(sql)
        row = cursor.fetchone()
        return row[0] if row else None

    return {
        "country": one(
            f"SELECT r.slug FROM {TABLE} p JOIN partnerships_region r ON r.id = p.b_country_id "
            "WHERE p.is_public GROUP BY r.slug ORDER BY count(*) DESC LIMIT 1"
        ),
        "region": one(
            f"SELECT r.slug FROM {TABLE} p JOIN partnerships_region r ON r.id = p.a_province_id "
            "WHERE p.is_public GROUP BY r.slug ORDER BY count(*) DESC LIMIT 1"
        ),
        "conference": one(
            f"SELECT c.slug FROM {TABLE} p JOIN partnerships_conference c "
            "ON c.id = p.conference_id WHERE p.is_public AND c.publication = 'published' "
            "GROUP BY c.slug ORDER BY count(*) DESC LIMIT 1"
        ),
        "level": one(
            f"SELECT level FROM {TABLE} WHERE is_public GROUP BY 1 ORDER BY count(*) LIMIT 1"
        ),
        "status": one(
            f"SELECT status FROM {TABLE} WHERE is_public GROUP BY 1 ORDER BY count(*) LIMIT 1"
        ),
    }


def pages(v: dict) -> list[tuple[str, str]]:
    out = [
        ("country", f"country={v['country']}"),
        ("province or state", f"region={v['region']}"),
        ("level", f"level={v['level']}"),
        ("status", f"status={v['status']}"),
        ("conference", f"conference={v['conference']}"),
        ("years", "year_from=2010&year_to=2012"),
        ("search", "q=fuzhou"),
        ("search, two filters", f"q=fuzhou&country={v['country']}&level={v['level']}"),
        ("country, level, years", f"country={v['country']}&level={v['level']}&year_from=2015"),
    ]
    for sort in ("established", "-established", "name", "-name", "level", "status"):
        out.append((f"country, sort {sort}", f"country={v['country']}&sort={sort}"))
    out.append(("country, page 50", f"country={v['country']}&page=50"))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, help="write a Markdown report here")
    args = ap.parse_args()

    import django

    django.setup()
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    with connection.cursor() as cursor:
        values = pick_values(cursor)
        cursor.execute(f"SELECT count(*) FROM {TABLE}")
        total = cursor.fetchone()[0]
    lines = [
        "# EXPLAIN of the partnership list's queries",
        "",
        f"_Written by `bench/explain.py` on {datetime.date.today().isoformat()}, database "
        f"`{connection.settings_dict['NAME']}` with {total:,} partnerships. Each query the page "
        "ran that reads the partnership table, explained with the app's connection settings; "
        "the scans of that table are listed._",
        "",
        "| Page | Querystring | Queries on the table | Scans of the partnership table | Seq Scan |",
        "| --- | --- | --- | --- | --- |",
    ]
    failures = 0
    for label, query in pages(values):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"/partnerships/?{query}")
        if response.status_code != 200:
            print(f"{label}: HTTP {response.status_code}", file=sys.stderr)
            failures += 1
            continue
        scans, explained, counted_seq = [], 0, False
        for captured in ctx.captured_queries:
            # A statement may come with the settings it ran with (partnerships/pgsettings.py):
            # "SET LOCAL name = 'value'; SELECT ...". They are applied to its EXPLAIN too.
            settings, sql = SETTINGS.match(captured["sql"]).groups()
            if TABLE not in sql or not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            words_check = sql.startswith('SELECT 1 AS "a"') and "@@" in sql
            with transaction.atomic(), connection.cursor() as cursor:
                if settings:
                    cursor.execute(settings)
                if words_check:
                    cursor.execute(
                        "SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off"
                    )
                cursor.execute(f"EXPLAIN {sql}")
                plan = "\n".join(row[0] for row in cursor.fetchall())
            explained += 1
            found = [
                m.group(1) + (f" ({m.group(2)})" if m.group(2) else "") for m in SCAN.finditer(plan)
            ]
            if "GROUP BY" in sql:  # counting facets (facets.py)
                counted_seq = counted_seq or any("Seq Scan" in s for s in found)
                found = [s for s in found if "Seq Scan" not in s]
            scans += found
        seq = [s for s in scans if "Seq Scan" in s]
        failures += bool(seq)
        unique = sorted(set(scans))
        verdict = "**yes**" if seq else ("facet counts only" if counted_seq else "no")
        lines.append(f"| {label} | `{query}` | {explained} | {'; '.join(unique)} | {verdict} |")
        print(f"{label:28} {explained} queries  seq scan: {verdict}  {unique}")
    lines += [
        "",
        '"facet counts only": the statements that count the facets of a list (GROUP BY, '
        "`partnerships/facets.py`: all facets at once with GROUPING SETS, or one facet alone) "
        "read every row the filter leaves; when those are a large share of the table (a "
        "country in 39% of the rows, a level, a status, a span of years), reading the table in "
        "order is the plan PostgreSQL prices cheapest, and it is not counted as a failure. A "
        "Seq Scan in any other query (the page of rows, the count) is.",
        "",
    ]
    if args.out:
        args.out.write_text("\n".join(lines) + "\n")
        print(f"wrote {args.out}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
