"""SQL queries per page: calls each view through django.test.Client inside
CaptureQueriesContext, against the database DATABASE_URL names, and prints JSON.

Run by bench/run.py in its own process with the app's virtualenv:
    DATABASE_URL=... .venv/bin/python bench/count_queries.py /partnerships/ /partnerships/?q=x
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partnerships.settings")


def main(paths: list[str]) -> dict:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    # Warm the process-wide caches a running server has (ContentType, templates) with the
    # cheapest page, a detail page, rather than with every page (slow lists at 1M rows).
    detail = [p for p in paths if "?" not in p and p.count("/") == 3]
    for path in detail or paths[:1]:
        client.get(path)
    out = {}
    for path in paths:
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(path)
            if getattr(response, "streaming", False):
                size = sum(len(chunk) for chunk in response.streaming_content)
            else:
                size = len(response.content)
            elapsed = time.perf_counter() - start
        queries = [
            {"ms": float(q.get("time") or 0) * 1000, "sql": q["sql"][:10000]}
            for q in ctx.captured_queries
        ]
        slowest = sorted(queries, key=lambda q: -q["ms"])[:3]
        out[path] = {
            "status": response.status_code,
            "queries": len(queries),
            "sql_ms": sum(q["ms"] for q in queries),
            "view_ms": elapsed * 1000,
            "bytes": size,
            "slowest": slowest,
        }
    return out


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:])))
