"""Spreadsheet import speed: 50,000 organization rows through the import job (the preview,
then the confirmation), in CSV and XLSX, on SQLite and on PostgreSQL.

    .venv/bin/python bench/import_speed.py       # SQLite and PostgreSQL, CSV and XLSX
    .venv/bin/python bench/import_speed.py --databases sqlite --formats csv --rows 5000

Each case runs in its own process on a fresh database (SQLite: a temporary file; PostgreSQL:
``bench_import`` on 127.0.0.1:5432, user postgres, dropped and created again), with the
fixtures loaded and a superuser. It generates the file, creates the preview job and runs the
worker's task (``partnerships.tasks.run_job``) on it, then confirms and runs the import job:
the code path of the admin's jobs, timed from the job's start to its end. Peak memory is the
process's maximum resident set size (``ru_maxrss``) after the import, beside its size before
the file was generated. Prints one JSON line per case and a Markdown table.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_URL = "postgres://postgres@127.0.0.1:5432/bench_import"
REGIONS = ("xuzhou", "suzhou", "wuxi", "jiangsu", "canada", "denmark", "heilongjiang")
KINDS = ("school", "university", "authority", "school_board", "special_school")


def rows(n: int):
    yield ["name", "kind", "region", "other_names", "website", "description", "source", "paragraph"]
    for i in range(1, n + 1):
        yield [
            f"Benchmark School {i}",
            KINDS[i % len(KINDS)],
            REGIONS[i % len(REGIONS)],
            f"Bench Alias {i}" if i % 10 == 0 else "",
            f"https://school{i}.example.org" if i % 3 == 0 else "",
            f"A generated school, number {i}." if i % 2 == 0 else "",
            "2" if i % 4 == 0 else "",
            str(1 + i % 6) if i % 4 == 0 else "",
        ]


def make_file(fmt: str, n: int) -> bytes:
    if fmt == "csv":
        import csv

        buffer = io.StringIO()
        csv.writer(buffer).writerows(rows(n))
        return buffer.getvalue().encode("utf-8")
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    for row in rows(n):
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def one_case(database: str, fmt: str, n: int) -> dict:
    """Runs in the child process: a fresh database, then the two jobs."""
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("loaddata", str(ROOT / "fixtures" / "seed.json"), verbosity=0)
    from django.contrib.auth import get_user_model
    from partnerships.jobmodels import ImportJob, JobKind
    from partnerships.models import Organization
    from partnerships.tasks import run_job

    user = get_user_model().objects.create_superuser("bench", "b@example.org", "bench-only")
    before_mb = peak_mb()
    data = make_file(fmt, n)
    common = {"model": "partnerships.organization", "user": user, "format_index": 0}
    common["format_index"] = 0 if fmt == "csv" else 1
    preview = ImportJob.objects.create(kind=JobKind.PREVIEW, data=data, **common)
    start = time.perf_counter()
    run_job.call(str(preview.pk))
    preview_s = time.perf_counter() - start
    preview.refresh_from_db()
    assert preview.result["totals"]["new"] == n, preview.result
    job = ImportJob.objects.create(kind=JobKind.IMPORT, preview=preview, **common)
    count = Organization.objects.count()
    start = time.perf_counter()
    run_job.call(str(job.pk))
    import_s = time.perf_counter() - start
    job.refresh_from_db()
    assert job.result["imported"], job.result.get("file_errors")
    assert Organization.objects.count() == count + n
    return {
        "database": database,
        "format": fmt,
        "rows": n,
        "file_mb": round(len(data) / 1e6, 1),
        "preview_s": round(preview_s, 1),
        "preview_rows_per_s": round(n / preview_s),
        "import_s": round(import_s, 1),
        "import_rows_per_s": round(n / import_s),
        "peak_rss_mb": round(peak_mb()),
        "rss_before_mb": round(before_mb),
    }


def fresh_postgres() -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        c.execute("DROP DATABASE IF EXISTS bench_import")
        c.execute("CREATE DATABASE bench_import")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--formats", nargs="+", default=["csv", "xlsx"], choices=["csv", "xlsx"])
    parser.add_argument(
        "--databases", nargs="+", default=["sqlite", "postgres"], choices=["sqlite", "postgres"]
    )
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)  # database format (child)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_case(*args.one, args.rows)))
        return
    results = []
    for database in args.databases:
        for fmt in args.formats:
            env = {**os.environ, "DJANGO_SETTINGS_MODULE": "partnerships.settings"}
            env["DJANGO_DEBUG"] = "1"
            env["DJANGO_LOG_LEVEL"] = "WARNING"
            with tempfile.TemporaryDirectory() as folder:
                if database == "sqlite":
                    env["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
                else:
                    fresh_postgres()
                    env["DATABASE_URL"] = PG_URL
                command = [sys.executable, __file__, "--one", database, fmt, "--rows"]
                out = subprocess.run(
                    [*command, str(args.rows)],
                    cwd=ROOT,
                    env=env,
                    capture_output=True,
                    text=True,
                    timeout=1800,
                    check=False,
                )
            if out.returncode:
                sys.exit(f"{database} {fmt} failed:\n{out.stderr[-3000:]}")
            result = json.loads(out.stdout.strip().splitlines()[-1])
            print(json.dumps(result), flush=True)
            results.append(result)
    print()
    print("| Database | Format | Rows | Preview (rows/s) | Import (rows/s) | Peak memory |")
    print("| --- | --- | --- | --- | --- | --- |")
    for r in results:
        print(
            f"| {r['database']} | {r['format'].upper()} | {r['rows']:,} | "
            f"{r['preview_s']} s ({r['preview_rows_per_s']:,}) | "
            f"{r['import_s']} s ({r['import_rows_per_s']:,}) | "
            f"{r['peak_rss_mb']} MB (before the file: {r['rss_before_mb']} MB) |"
        )


if __name__ == "__main__":
    main()
