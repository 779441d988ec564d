"""Benchmark of the public partnership list against Datasette, at 10k, 100k and 1M rows.

    .venv/bin/python bench/run.py                  # all three sizes (builds the databases)
    .venv/bin/python bench/run.py --sizes 100k     # one size
    .venv/bin/python bench/run.py --quick          # 10k, few requests: a self-check
    .venv/bin/python bench/run.py --skip-build     # reuse bench_* databases and SQLite files
    .venv/bin/python bench/run.py --only ours      # or: --only datasette
    .venv/bin/python bench/run.py --page-cache off # the app without its page cache only
    .venv/bin/python bench/run.py --report-only    # rewrite docs/benchmarks.md from results

Per size: a PostgreSQL database bench_<size> (migrate, loaddata fixtures/seed.json,
generate_synthetic, VACUUM ANALYZE), the same public rows in bench/data/bench_<size>/db.db
for Datasette, the app under gunicorn and Datasette under uvicorn on 127.0.0.1, measured
one after the other with a sequential keep-alive client and with wrk; the app twice, without
its page cache (DJANGO_PAGE_CACHE_SECONDS=0) and with it (in Redis, as in production). Raw
results go to bench/results/ (git-ignored); docs/benchmarks.md is written from the latest
full result of each size. Every subprocess and request has a time limit; servers are
stopped in finally.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

from benchlib import data, httpbench, report, wrk  # noqa: E402
from benchlib.procs import Server, cpu_busy, free_port, log, run  # noqa: E402

APP_PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
DS_VENV = BENCH / ".venv-datasette"
DATASETTE = DS_VENV / "bin" / "datasette"
RESULTS = BENCH / "results"
DATA = BENCH / "data"
DOC = ROOT / "docs" / "benchmarks.md"

# Measured requests per page: 100 at every size, so that a p95 rests on the five slowest
# requests rather than on the two slowest of 30 (the 1M default before 2026-11-30).
DEFAULT_REQUESTS = {10_000: 100, 100_000: 100, 1_000_000: 100}
# Sync workers: on 2 cores shared with PostgreSQL, 3 keeps both cores busy while one worker
# waits on the database (see docs/benchmarks.md for the comparison that chose it).
DEFAULT_WORKERS = 3
# The app's caches in Redis as in production (settings.CACHES), in a database of their own
# that each run empties first.
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
PAGE_CACHE_SECONDS = 600  # the production default (DJANGO_PAGE_CACHE_SECONDS)
DATASETTE_SETTINGS = [
    ("suggest_facets", "off"),
    ("facet_time_limit_ms", "1000"),
    ("sql_time_limit_ms", "10000"),
    ("default_page_size", "25"),
]


def parse_size(text: str) -> int:
    m = re.fullmatch(r"(\d+)([km]?)", text.strip().lower())
    if not m:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (use e.g. 10k, 100k, 1m)")
    return int(m.group(1)) * {"": 1, "k": 1_000, "m": 1_000_000}[m.group(2)]


def size_label(n: int) -> str:
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}m"
    if n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


# --------------------------------------------------------------------------- environment


def app_env(db_name: str, static_root: Path) -> dict:
    env = os.environ.copy()
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="bench-" + secrets.token_urlsafe(40),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SESSION_COOKIE_SECURE="0",
        DJANGO_CSRF_COOKIE_SECURE="0",
        DJANGO_SECURE_HSTS_SECONDS="0",
        DJANGO_LOG_LEVEL="WARNING",
        # The same bounds as Datasette's: facet_time_limit_ms 1000, sql_time_limit_ms 10000.
        DJANGO_FACET_TIME_LIMIT_MS="1000",
        DJANGO_STATEMENT_TIMEOUT_MS="10000",
        DATABASE_URL=data.database_url(db_name),
        DJANGO_STATIC_ROOT=str(static_root),
        PYTHONUNBUFFERED="1",
    )
    return env


def ensure_datasette() -> None:
    if DATASETTE.exists():
        return
    log(f"creating {DS_VENV} for Datasette")
    run([sys.executable, "-m", "venv", DS_VENV], timeout=300)
    run(
        [
            DS_VENV / "bin" / "python",
            "-m",
            "pip",
            "install",
            "--quiet",
            "-r",
            BENCH / "requirements-datasette.txt",
        ],
        timeout=900,
    )


def ensure_postgres() -> None:
    res = run(
        ["pg_isready", "-h", "127.0.0.1", "-p", "5432"], timeout=20, capture=True, check=False
    )
    if res.returncode == 0:
        return
    versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
    if versions:
        run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "start"],
            timeout=120,
            check=False,
        )
    for _ in range(30):
        if (
            run(
                ["pg_isready", "-h", "127.0.0.1", "-p", "5432"],
                timeout=20,
                capture=True,
                check=False,
            ).returncode
            == 0
        ):
            return
        time.sleep(1)
    raise RuntimeError("PostgreSQL does not answer on 127.0.0.1:5432")


def machine_info() -> dict:
    info: dict = {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "kernel": platform.release(),
    }
    try:
        meminfo = Path("/proc/meminfo").read_text()
        kb = int(re.search(r"MemTotal:\s+(\d+)", meminfo).group(1))
        info["memory_gib"] = round(kb / 1024 / 1024, 1)
    except (OSError, AttributeError):
        pass
    try:
        m = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        info["cpu_model"] = m.group(1).strip() if m else "unknown"
    except OSError:
        info["cpu_model"] = "unknown"

    def out(cmd, timeout=60):
        try:
            res = run(cmd, capture=True, timeout=timeout, check=False)
            return (res.stdout or res.stderr).strip()
        except (OSError, subprocess.TimeoutExpired):
            return "unknown"

    info["python"] = out([APP_PYTHON, "-c", "import sys; print(sys.version.split()[0])"])
    info["django"] = out([APP_PYTHON, "-c", "import django; print(django.get_version())"])
    info["gunicorn"] = out([APP_PYTHON, "-c", "import gunicorn; print(gunicorn.__version__)"])
    info["psycopg"] = out([APP_PYTHON, "-c", "import psycopg; print(psycopg.__version__)"])
    if DATASETTE.exists():
        info["datasette"] = out([DATASETTE, "--version"]).replace("datasette, version ", "")
        info["datasette_python"] = out(
            [
                DS_VENV / "bin" / "python",
                "-c",
                "import sys, sqlite3; print(sys.version.split()[0], sqlite3.sqlite_version)",
            ]
        )
    info["wrk"] = out(["wrk", "-v"]).splitlines()[0] if shutil.which("wrk") else "missing"
    try:
        with data.connect("postgres") as conn:
            info["postgresql"] = conn.execute("SHOW server_version").fetchone()[0]
            info["postgresql_settings"] = {
                name: conn.execute(f"SHOW {name}").fetchone()[0]
                for name in (
                    "shared_buffers",
                    "work_mem",
                    "effective_cache_size",
                    "max_parallel_workers_per_gather",
                    "jit",
                )
            }
    except Exception as exc:  # noqa: BLE001 - reported, not fatal
        info["postgresql"] = f"unknown ({exc})"
    return info


def code_info() -> dict:
    """The app code measured: commit, and the uncommitted changes to it (files and a digest),
    since the views may be edited between runs."""
    import hashlib

    def git(*args):
        res = run(["git", *args], cwd=ROOT, timeout=60, capture=True, check=False)
        return res.stdout if res.returncode == 0 else ""

    app = ["partnerships", "templates", "static"]
    diff = git("diff", "HEAD", "--", *app)
    changed = [line[3:] for line in git("status", "--porcelain", "--", *app).splitlines()]
    return {
        "commit": git("rev-parse", "--short", "HEAD").strip(),
        "changed_files": changed,
        "diff_sha1": hashlib.sha1(diff.encode()).hexdigest()[:12] if diff else None,  # noqa: S324
    }


# --------------------------------------------------------------------------- endpoints


def endpoints(p: dict, ds_next: str | None) -> list[dict]:
    """(key, label, our path, Datasette's path) for the sequential measurements."""
    q = urllib.parse.urlencode
    word, slug, name, level = p["search_word"], p["country_slug"], p["country_name"], p["level"]
    col = p["datasette_country_column"]
    facets3 = [("_facet", "a_country"), ("_facet", "level"), ("_facet", "status")]
    base = "/db/partnerships"
    search_filters = [("_search", word), (col, name), ("level", level), ("_facet", "status")]
    return [
        {
            "key": "list",
            "label": "Unfiltered list, page 1",
            "ours": "/partnerships/",
            "theirs": base,
        },
        {
            "key": "facets",
            "label": "List with three facets",
            "ours": "/partnerships/",
            "theirs": f"{base}?{q(facets3)}",
        },
        {
            "key": "filter40",
            "label": f"Filter ~{(p['country_share'] or 0):.0%} + three facets",
            "ours": f"/partnerships/?{q({'country': slug})}",
            "theirs": f"{base}?{q([(col, name), *facets3])}",
        },
        {
            "key": "search",
            "label": f"Search ~{(p['search_share'] or 0):.1%}",
            "ours": f"/partnerships/?{q({'q': word})}",
            "theirs": f"{base}?{q({'_search': word})}",
        },
        {
            "key": "search_filters",
            "label": "Search + two filters + a facet",
            "ours": f"/partnerships/?{q({'q': word, 'country': slug, 'level': level})}",
            "theirs": f"{base}?{q(search_filters)}",
        },
        {
            "key": "deep50",
            "label": "Page 50",
            "ours": "/partnerships/?page=50",
            "theirs": f"{base}?{q({'_next': ds_next})}" if ds_next else None,
        },
        {
            "key": "detail",
            "label": "Detail page",
            "ours": f"/partnerships/{p['detail_slug']}/",
            "theirs": f"{base}/{p['detail_id']}",
        },
    ]


RESULT_COUNT = re.compile(rb'id="result-count"[^>]*>\s*(more than )?([\d,]+)')
FACETS_LEFT_OUT = re.compile(rb"Left out because counting them took too long: ([^<]*?)\. ")


def check_ours(body: bytes) -> dict:
    """The result count the page shows (exact, or "more than 10,000" when counting ran out
    of COUNT_TIME_LIMIT_MS) and the facets it left out because they ran out of time."""
    m = RESULT_COUNT.search(body)
    out = {"result_count": int(m.group(2).replace(b",", b"")) if m else None}
    if m and m.group(1):
        out["result_count_capped"] = True
    left_out = FACETS_LEFT_OUT.search(body)
    if left_out:
        out["facets_left_out"] = left_out.group(1).decode("utf-8", "replace").strip()
    if b'class="errors"' in body:
        out["form_errors"] = True
    return out


def measure_all(
    port: int, pages: list[dict], side: str, cfg: dict, check=None, name: str | None = None
) -> dict:
    results: dict = {}
    by_path: dict = {}
    for page in pages:
        path = page[side]
        if path is None:
            results[page["key"]] = {"skipped": "no URL"}
            continue
        if path in by_path:
            results[page["key"]] = {**by_path[path], "same_as": by_path[path]["key"]}
            continue
        log(f"{name or side} {page['key']}: {path}")
        try:
            r = httpbench.measure(
                port,
                path,
                requests=cfg["requests"],
                warmup=cfg["warmup"],
                budget_s=cfg["endpoint_seconds"],
                timeout=cfg["request_timeout"],
                check=check,
                min_requests=cfg["min_requests"],
            )
        except Exception as exc:  # noqa: BLE001 - recorded; the run goes on
            r = {"path": path, "error": f"{type(exc).__name__}: {exc}"}
        r["key"] = page["key"]
        log(
            f"  -> p50 {fmt(r.get('p50'))} p95 {fmt(r.get('p95'))} ms, n={r.get('n')}, "
            f"statuses {r.get('statuses')}"
        )
        results[page["key"]] = r
        by_path[path] = r
    return results


def fmt(v):
    return "-" if v is None else f"{v:.1f}"


def datasette_json(port: int, path: str) -> dict:
    """The JSON twin of a Datasette table URL: counts, timed-out facets, next token."""
    base, _, query = path.partition("?")
    url = f"{base}.json" + (f"?{query}" if query else "")
    status, body, ms, _h = httpbench.Client(port, 120).get(url)
    if status != 200:
        return {"json_status": status}
    doc = json.loads(body)
    return {
        "filtered_table_rows_count": doc.get("filtered_table_rows_count"),
        "facets_timed_out": doc.get("facets_timed_out"),
        "next": doc.get("next"),
        "json_ms": ms,
    }


def follow_next(port: int, hops: int) -> tuple[str | None, float]:
    """Follow Datasette's _next tokens ``hops`` times from page 1: the token of page hops+1."""
    client = httpbench.Client(port, 120)
    token = None
    start = time.perf_counter()
    try:
        for _ in range(hops):
            path = "/db/partnerships.json" + (
                f"?_next={urllib.parse.quote(token)}" if token else ""
            )
            status, body, _ms, _h = client.get(path)
            if status != 200:
                return None, 0
            token = json.loads(body).get("next")
            if not token:
                return None, 0
    finally:
        client.close()
    return token, time.perf_counter() - start


def log_errors(path: Path) -> list[str]:
    """Tracebacks and 5xx lines the server logged (first lines of each)."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return []
    hits = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if (
            "Traceback" in line
            or "Internal Server Error" in line
            or "WORKER TIMEOUT" in line
            or "[ERROR]" in line
        ):
            hits.append(
                " | ".join(
                    lines[i : i + 1]
                    + [x for x in lines[i + 1 : i + 40] if x and not x.startswith(" ")][-1:]
                )
            )
    return hits[:20]


# --------------------------------------------------------------------------- servers


def start_gunicorn(env, logs: Path, name: str, workers: int, timeout: int) -> Server:
    port = free_port()
    cmd = [
        GUNICORN,
        "partnerships.wsgi",
        "--config",
        ROOT / "partnerships" / "gunicorn_conf.py",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        workers,
        "--timeout",
        timeout,
        "--graceful-timeout",
        "5",
        "--log-level",
        "warning",
    ]
    srv = Server(name, cmd, env=env, cwd=ROOT, log_path=logs / f"{name}.log", port=port)
    srv.wait_ready("/healthz", timeout=90)
    return srv


def start_datasette(db_file: Path, logs: Path, name: str, suggest: bool) -> Server:
    port = free_port()
    cmd = [DATASETTE, "serve", db_file, "-h", "127.0.0.1", "-p", port]
    for key, value in DATASETTE_SETTINGS:
        if key == "suggest_facets":
            value = "on" if suggest else "off"
        cmd += ["--setting", key, value]
    srv = Server(
        name,
        cmd,
        env=os.environ.copy(),
        cwd=db_file.parent,
        log_path=logs / f"{name}.log",
        port=port,
    )
    srv.wait_ready("/-/versions.json", timeout=90)
    return srv


# --------------------------------------------------------------------------- one size


def warm(
    port: int, paths: list[str], rounds: int, timeout: float, budget: float, clients: int = 1
) -> None:
    """Requests every page ``rounds`` times from each of ``clients`` concurrent clients (for
    at most ``budget`` seconds) so that every worker has its database connection, compiled
    templates and the data in cache before anything is timed. Concurrent, because sequential
    requests mostly go to the same one or two idle workers (the kernel wakes the latest
    waiter): a worker's first requests took 130 to 170 ms and landed among the timed ones."""
    start = time.monotonic()

    def one_client() -> None:
        client = httpbench.Client(port, timeout)
        try:
            for _ in range(rounds):
                for path in paths:
                    client.get(path)
                    if time.monotonic() - start > budget:
                        return
        finally:
            client.close()

    with ThreadPoolExecutor(max_workers=clients) as pool:
        for future in [pool.submit(one_client) for _ in range(clients)]:
            future.result()


DRAIN_LIMIT = 30.0


def drain(port: int, path: str, limit: float = DRAIN_LIMIT) -> float:
    """After wrk stops, the server still works through the requests queued for closed
    connections: wait until it answers ``path`` within a second again (at most ``limit`` s;
    the time waited is returned, ``limit`` or more meaning it did not drain)."""
    start = time.monotonic()
    while time.monotonic() - start < limit:
        try:
            timeout = max(1.0, min(10.0, limit - (time.monotonic() - start)))
            status, _b, ms, _h = httpbench.Client(port, timeout).get(path)
            if status == 200 and ms < 1000:
                return time.monotonic() - start
        except OSError:
            pass
        time.sleep(0.5)
    return max(limit, time.monotonic() - start)


def settle(cfg: dict) -> float:
    """Share of the cores busy with other work right now; with --wait-idle, first wait (up to
    that many seconds) until it is below 30%."""
    busy = cpu_busy()
    deadline = time.monotonic() + cfg["wait_idle"]
    if busy > 0.3 and cfg["wait_idle"]:
        log(f"the machine is {busy:.0%} busy: waiting up to {cfg['wait_idle']}s for it to settle")
    while busy > 0.3 and time.monotonic() < deadline:
        busy = cpu_busy(2)
    return busy


def wrk_phase(
    out: dict, cfg: dict, name: str, port: int, path: str, conns: int, seconds: int, ready: str
):
    out.setdefault("cpu_busy_before", {})[name] = settle(cfg)
    log(f"{name}: wrk -c{conns} on {path} for {seconds}s")
    result = wrk.run_wrk(port, path, threads=2, connections=conns, seconds=seconds)
    result["drain_seconds"] = drain(port, ready)
    log(
        f"  -> {result.get('rps')} req/s, p99 {fmt(result.get('latency_p99_ms'))} ms, "
        f"errors {result.get('errors_total')}"
    )
    return result


# The app measured twice (--page-cache both): "ours" with DJANGO_PAGE_CACHE_SECONDS=0 and
# DJANGO_FACET_CACHE_SECONDS=0 (the listing engine itself, cold: every request renders the
# page and counts its facets and rows, as a first visit of an address or any request after
# a write does; with the facet cache on, the timed requests of one address would reuse the
# counts of the warm-up) and "ours_cached" with both caches as production runs them
# (partnerships/pagecache.py): REDIS_URL set, so the three gunicorn workers share one cache
# and one data version. Both have REDIS_URL (when --redis-url is not empty), so that the
# caches are the only difference.
VARIANTS = {"ours": False, "ours_cached": True}


def flush_redis(url: str) -> None:
    """Empty the benchmark's Redis database (its own number, 14 by default) before a run."""
    run(
        [APP_PYTHON, "-c", "import redis, sys; redis.Redis.from_url(sys.argv[1]).flushdb()", url],
        timeout=60,
    )


def variant_env(env: dict, cfg: dict, cached: bool) -> dict:
    env = dict(env)
    env["DJANGO_PAGE_CACHE_SECONDS"] = str(cfg["page_cache_seconds"]) if cached else "0"
    if cached:
        env.pop("DJANGO_FACET_CACHE_SECONDS", None)  # the production default
    else:
        env["DJANGO_FACET_CACHE_SECONDS"] = "0"
    if cfg["redis_url"]:
        env["REDIS_URL"] = cfg["redis_url"]
    else:
        env.pop("REDIS_URL", None)
        # Local memory: each worker has its own page cache; the data version in a file.
        env["DJANGO_CACHE_DIR"] = tempfile.mkdtemp(prefix="bench-cache-")
    return env


def cache_hits(out: dict) -> dict:
    """X-Cache over the measured requests of every page: hits, misses, no header."""
    total = {"hit": 0, "miss": 0, "none": 0}
    for r in (out.get("endpoints") or {}).values():
        if r.get("same_as") or not r.get("n"):
            continue
        seen = r.get("x_cache") or {}
        total["hit"] += seen.get("hit", 0)
        total["miss"] += seen.get("miss", 0)
        total["none"] += r["n"] - sum(seen.values())
    return total


def count_lists_ahead(env: dict) -> str:
    """What the job worker does after each write (partnerships.tasks.count_lists): count the
    whole lists (no filter) before any visitor asks, under the current data version. Run here
    because the data was written before the servers started and the Redis database holding
    the version was flushed since."""
    code = (
        "from partnerships import pagecache, tasks; "
        "print(tasks.count_lists.call(pagecache.data_version()))"
    )
    started = time.monotonic()
    result = run(
        [APP_PYTHON, "manage.py", "shell", "-c", code],
        env=env,
        cwd=ROOT,
        timeout=600,
        capture=True,
    )
    seconds = time.monotonic() - started
    said = result.stdout.strip().splitlines()[-1]  # after the shell's own lines
    log(f"  lists counted ahead: {said} in {seconds:.1f} s")
    return f"{said} in {seconds:.1f} s"


def bench_ours(res, p, cfg, env, logs, pages, side="ours", extras=True):
    """Our app under gunicorn: the pages, wrk, the load test; with ``extras``, also the CSV
    export and the SQL queries per page (neither depends on the page cache)."""
    cached = VARIANTS[side]
    out = res.setdefault(side, {})
    out["finished"] = None
    env = variant_env(env, cfg, cached)
    out["page_cache"] = {
        "seconds": int(env["DJANGO_PAGE_CACHE_SECONDS"]),
        "backend": "redis" if env.get("REDIS_URL") else "local memory (per worker)",
        "redis_url": env.get("REDIS_URL"),
    }
    if env.get("REDIS_URL"):
        flush_redis(env["REDIS_URL"])
    out["cpu_busy_before"] = {"start": settle(cfg)}
    servers = [start_gunicorn(env, logs, f"gunicorn-{side}", cfg["workers"], timeout=120)]
    try:
        srv = servers[-1]
        out["server"] = {"workers": cfg["workers"], "command": " ".join(srv.cmd)}
        paths = list(dict.fromkeys(pg["ours"] for pg in pages))
        time.sleep(2)  # the other workers finish booting
        out["counted_ahead"] = count_lists_ahead(env)
        # With the page cache, this also stores every page (in Redis: once for all workers;
        # in local memory: in each worker the requests reach), so the timed requests are hits.
        warm(
            srv.port,
            paths,
            rounds=cfg["workers"],
            timeout=cfg["request_timeout"],
            budget=cfg["endpoint_seconds"],
            clients=cfg["workers"],
        )
        out["endpoints"] = measure_all(srv.port, pages, "ours", cfg, check=check_ours, name=side)
        out["x_cache"] = cache_hits(out)
        log(f"{side}: X-Cache over the measured requests {out['x_cache']}")
        path = {pg["key"]: pg["ours"] for pg in pages}
        phases = [("wrk", path["filter40"], 16, cfg["wrk_seconds"])]
        share = max(1, cfg["load_seconds"] // 3)
        phases += [(f"load-{key}", path[key], 50, share) for key in ("list", "search", "detail")]
        out["load"] = {}
        for name, target, conns, seconds in phases:
            result = wrk_phase(out, cfg, name, servers[-1].port, target, conns, seconds, "/healthz")
            if cached:
                # What the next request gets: whether wrk's page was still a hit.
                _s, _b, _ms, headers = httpbench.Client(servers[-1].port, 30).get(target)
                result["x_cache_after"] = httpbench.x_cache(headers)
            if name == "wrk":
                out["wrk"] = result
            else:
                out["load"][name.removeprefix("load-")] = result
            if result["drain_seconds"] >= DRAIN_LIMIT:
                # Still busy with requests queued by wrk: a fresh server for the next phase.
                result["restarted_after"] = True
                servers[-1].stop()
                servers.append(
                    start_gunicorn(
                        env,
                        logs,
                        f"gunicorn-{side}-{len(servers) + 1}",
                        cfg["workers"],
                        timeout=120,
                    )
                )
    finally:
        for srv in servers:
            srv.stop()
    out["errors_in_log"] = [line for srv in servers for line in log_errors(srv.log_path)]
    if not extras:
        out["finished"] = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        return
    # The CSV export and the query counts are not cached pages: measured once, without the
    # page cache, and kept with "ours".
    env["DJANGO_PAGE_CACHE_SECONDS"] = "0"
    out = res.setdefault("ours", {})
    out.setdefault("cpu_busy_before", {})

    # CSV of every row from a fresh single-worker gunicorn, its memory sampled from /proc.
    csv_timeout = cfg["csv_seconds"]
    out["cpu_busy_before"]["csv"] = settle(cfg)
    srv = start_gunicorn(env, logs, "gunicorn-csv", 1, timeout=csv_timeout + 60)
    try:
        time.sleep(1)
        workers = srv.children()
        log(f"CSV export from worker {workers}")
        out["csv"] = httpbench.stream_download(
            srv.port, "/partnerships/?format=csv", pids=workers, timeout=csv_timeout
        )
        out["csv"]["expected_rows"] = p["public_rows"]
        out["csv"]["rows"] = max(0, out["csv"]["lines"] - 1)
        log(
            f"  -> {out['csv']['rows']} lines in {out['csv']['seconds']:.1f}s, peak RSS "
            f"{out['csv']['rss_peak_kb'] // 1024} MB"
        )
    finally:
        srv.stop()
    out["csv_errors_in_log"] = log_errors(srv.log_path)

    # SQL queries per page, from the views called in another process.
    paths = list(dict.fromkeys(pg["ours"] for pg in pages))
    if res["n"] <= cfg["csv_query_count_max"]:
        paths.append("/partnerships/?format=csv")
    log("counting SQL queries per page")
    try:
        result = run(
            [APP_PYTHON, BENCH / "count_queries.py", *paths],
            env=env,
            cwd=ROOT,
            timeout=cfg["query_count_timeout"],
            capture=True,
        )
        out["queries"] = json.loads(result.stdout.strip().splitlines()[-1])
    except Exception as exc:  # noqa: BLE001 - recorded; the run goes on
        out["queries"] = {"error": str(exc)[-1500:]}
    res[side]["finished"] = dt.datetime.now().astimezone().isoformat(timespec="seconds")


def bench_datasette(res, p, cfg, db_file, logs):
    out = res.setdefault("datasette", {})
    out["finished"] = None
    out["cpu_busy_before"] = {"start": settle(cfg)}
    srv = start_datasette(db_file, logs, "datasette", suggest=False)
    try:
        out["server"] = {"command": " ".join(srv.cmd)}
        token, seconds = follow_next(srv.port, 49)
        out["deep50_token"], out["deep50_follow_seconds"] = token, seconds
        pages = endpoints(p, token)
        paths = [pg["theirs"] for pg in pages if pg["theirs"]]
        warm(
            srv.port,
            paths,
            rounds=2,
            timeout=cfg["request_timeout"],
            budget=cfg["endpoint_seconds"],
        )
        out["endpoints"] = measure_all(srv.port, pages, "theirs", cfg)
        for page in pages:
            r = out["endpoints"].get(page["key"], {})
            if page["theirs"] and page["key"] != "detail" and "error" not in r:
                try:
                    r.update(datasette_json(srv.port, page["theirs"]))
                except Exception as exc:  # noqa: BLE001
                    r["json_error"] = str(exc)
        filt = next(pg["theirs"] for pg in pages if pg["key"] == "filter40")
        out["wrk"] = wrk_phase(
            out, cfg, "wrk", srv.port, filt, 16, cfg["wrk_seconds"], "/-/versions.json"
        )
        log("Datasette CSV export")
        out["cpu_busy_before"]["csv"] = settle(cfg)
        out["csv"] = httpbench.stream_download(
            srv.port,
            "/db/partnerships.csv?_stream=on&_size=max",
            pids=[srv.pid],
            timeout=cfg["csv_seconds"],
        )
        out["csv"]["rows"] = max(0, out["csv"]["lines"] - 1)
        out["csv"]["expected_rows"] = p["sqlite_rows"]
        log(f"  -> {out['csv']['rows']} lines in {out['csv']['seconds']:.1f}s")
    finally:
        srv.stop()
    out["errors_in_log"] = log_errors(srv.log_path)

    srv = start_datasette(db_file, logs, "datasette-suggest", suggest=True)
    try:
        log("Datasette unfiltered list with suggest_facets on")
        out["suggest_on_list"] = httpbench.measure(
            srv.port,
            "/db/partnerships",
            requests=cfg["requests"],
            warmup=cfg["warmup"],
            budget_s=cfg["endpoint_seconds"],
            timeout=cfg["request_timeout"],
        )
    finally:
        srv.stop()
    out["finished"] = dt.datetime.now().astimezone().isoformat(timespec="seconds")


def bench_size(n: int, cfg: dict, static_root: Path, logs: Path, machine: dict) -> dict:
    label = size_label(n)
    db_name = f"bench_{label}"
    db_file = DATA / db_name / "db.db"
    env = app_env(db_name, static_root)
    previous = report.load_latest(RESULTS, label, quick=cfg["quick"])
    res: dict = {
        "size": label,
        "n": n,
        "quick": cfg["quick"],
        "started": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine,
        "code": code_info(),
        "config": {k: v for k, v in cfg.items() if k != "sizes"},
        "database": db_name,
        "sqlite_file": str(db_file.relative_to(ROOT)),
    }
    if previous and cfg["only"]:
        # Keep the other side's figures from the last run of this size.
        others = ["datasette"] if cfg["only"] == "ours" else list(VARIANTS)
        for other in others:
            if other in previous:
                res[other] = previous[other]
                res[f"{other}_from"] = previous.get("started")

    build_file = db_file.parent / "build.json"
    if cfg["skip_build"]:
        if not data.exists(db_name):
            raise RuntimeError(f"--skip-build: database {db_name} does not exist")
        log(f"reusing database {db_name}")
        # Migrations added since the database was built (an index, say) are applied first.
        check = run(
            [APP_PYTHON, "manage.py", "migrate", "--check", "--no-input"],
            env=env,
            cwd=ROOT,
            timeout=300,
            capture=True,
            check=False,
        )
        if check.returncode != 0:
            log(f"applying new migrations to {db_name}")
            run(
                [APP_PYTHON, "manage.py", "migrate", "--no-input"],
                env=env,
                cwd=ROOT,
                timeout=cfg["build_timeout"],
                log_file=logs / f"migrate-{label}.log",
            )
            data.psql("ANALYZE", db=db_name, timeout=3600)
            res["migrated_before_run"] = True
        if build_file.exists():
            res.update(json.loads(build_file.read_text()))
    else:
        log(f"building {db_name} with {n} partnerships")
        res["build"] = data.build(
            db_name,
            n,
            python=str(APP_PYTHON),
            env=env,
            root=ROOT,
            log_file=logs / f"build-{label}.log",
            timeout=cfg["build_timeout"],
        )
        res["built"] = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        res.pop("sqlite", None)
    res["counts"] = data.table_counts(db_name)
    if cfg["only"] != "ours" and (not cfg["skip_build"] or not db_file.exists()):
        res["sqlite"] = data.export_sqlite(db_name, db_file)
    if not cfg["skip_build"] or not build_file.exists() or "sqlite" in res:
        build_file.parent.mkdir(parents=True, exist_ok=True)
        keep = {k: res[k] for k in ("build", "built", "sqlite") if k in res}
        build_file.write_text(json.dumps(keep, indent=1))
    if cfg["build_only"]:
        return None
    log("choosing parameters from the data")
    p = data.pick_parameters(db_name, db_file if cfg["only"] != "ours" else None)
    res["params"] = p
    log(f"params: {json.dumps({k: v for k, v in p.items() if k != 'search_candidates'})}")
    pages = endpoints(p, None)
    res["pages"] = pages

    if cfg["only"] in (None, "ours"):
        sides = {"off": ["ours"], "on": ["ours_cached"], "both": ["ours", "ours_cached"]}
        for i, side in enumerate(sides[cfg["page_cache"]]):
            try:
                bench_ours(res, p, cfg, env, logs, pages, side=side, extras=i == 0)
            except Exception:  # noqa: BLE001 - recorded, the rest still runs
                res.setdefault(side, {})["failed"] = traceback.format_exc()[-3000:]
                log(res[side]["failed"])
    if cfg["only"] in (None, "datasette"):
        if "sqlite_rows" not in p:
            p.update(data.pick_parameters(db_name, db_file))
        try:
            bench_datasette(res, p, cfg, db_file, logs)
        except Exception:  # noqa: BLE001
            res.setdefault("datasette", {})["failed"] = traceback.format_exc()[-3000:]
            log(res["datasette"]["failed"])
    res["pages"] = endpoints(p, (res.get("datasette") or {}).get("deep50_token"))
    res["finished"] = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    return res


def save(res: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    suffix = "-quick" if res["quick"] else ""
    path = RESULTS / f"{stamp}-{res['size']}{suffix}.json"
    path.write_text(json.dumps(res, indent=1, default=str))
    latest = RESULTS / f"latest-{res['size']}{suffix}.json"
    latest.write_text(json.dumps(res, indent=1, default=str))
    log(f"results: {path}")
    return path


# --------------------------------------------------------------------------- main


def interrupted(signum, frame):
    """SIGTERM (from `timeout`, say) unwinds like Ctrl-C, so every server is stopped."""
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv=None) -> int:
    signal.signal(signal.SIGTERM, interrupted)
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--sizes",
        default="10k,100k,1m",
        help="comma-separated sizes, e.g. 10k,100k,1m (default all three)",
    )
    ap.add_argument(
        "--requests",
        type=int,
        default=None,
        help="measured requests per endpoint (default 100)",
    )
    ap.add_argument("--warmup", type=int, default=3, help="unmeasured requests first")
    ap.add_argument(
        "--skip-build",
        action="store_true",
        help="reuse the bench_* databases (and SQLite files when present)",
    )
    ap.add_argument("--only", choices=["ours", "datasette"], default=None)
    ap.add_argument(
        "--quick",
        action="store_true",
        help="10k only, few requests, short wrk runs; does not write the doc",
    )
    ap.add_argument(
        "--page-cache",
        choices=["on", "off", "both"],
        default="both",
        help="measure the app with its page cache (as in production), without it "
        "(DJANGO_PAGE_CACHE_SECONDS=0: the listing engine), or both (default)",
    )
    ap.add_argument(
        "--redis-url",
        default=DEFAULT_REDIS_URL,
        help="REDIS_URL for the app (its caches; FLUSHDB before each run of the app); "
        "empty: local memory, one page cache per worker",
    )
    ap.add_argument("--workers", type=int, default=DEFAULT_WORKERS, help="gunicorn workers")
    ap.add_argument("--wrk-seconds", type=int, default=30, help="wrk -c16 duration")
    ap.add_argument(
        "--load-seconds",
        type=int,
        default=60,
        help="total of the three wrk -c50 load runs (list, search, detail)",
    )
    ap.add_argument(
        "--endpoint-seconds",
        type=float,
        default=60,
        help="stop measuring an endpoint after this long (at least 5 requests)",
    )
    ap.add_argument(
        "--min-requests",
        type=int,
        default=5,
        help="measured requests per endpoint even when its time budget is spent",
    )
    ap.add_argument("--request-timeout", type=float, default=120)
    ap.add_argument("--csv-seconds", type=int, default=600, help="time limit of a CSV export")
    ap.add_argument(
        "--build-timeout", type=int, default=4 * 3600, help="time limit of generate_synthetic"
    )
    ap.add_argument(
        "--wait-idle",
        type=int,
        default=0,
        help="before each phase, wait up to this many seconds for other work on the machine "
        "to drop below 30%% of the cores (the share found is recorded either way)",
    )
    ap.add_argument(
        "--build-only",
        action="store_true",
        help="only build the databases (PostgreSQL and SQLite), measure nothing",
    )
    ap.add_argument("--no-doc", action="store_true", help="do not rewrite docs/benchmarks.md")
    ap.add_argument(
        "--report-only",
        action="store_true",
        help="only rewrite docs/benchmarks.md from bench/results/",
    )
    args = ap.parse_args(argv)

    if args.report_only:
        report.write(RESULTS, DOC)
        log(f"wrote {DOC}")
        return 0

    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    if args.quick:
        sizes = [10_000]
    cfg = {
        "sizes": sizes,
        "quick": args.quick,
        "warmup": 1 if args.quick else args.warmup,
        "skip_build": args.skip_build,
        "only": args.only,
        "workers": args.workers,
        "page_cache": args.page_cache,
        "page_cache_seconds": PAGE_CACHE_SECONDS,
        "redis_url": args.redis_url.strip(),
        "wrk_seconds": 5 if args.quick else args.wrk_seconds,
        "load_seconds": 6 if args.quick else args.load_seconds,
        "endpoint_seconds": 20 if args.quick else args.endpoint_seconds,
        "request_timeout": args.request_timeout,
        "csv_seconds": args.csv_seconds,
        "build_timeout": args.build_timeout,
        "query_count_timeout": 900,
        "wait_idle": args.wait_idle,
        "min_requests": max(1, args.min_requests),
        "build_only": args.build_only,
        "csv_query_count_max": 100_000,
    }
    for key in ("wrk_seconds", "load_seconds"):
        if not 1 <= cfg[key] <= 60:
            ap.error(f"--{key.replace('_', '-')} must be between 1 and 60")

    ensure_postgres()
    if args.only != "ours":
        ensure_datasette()
    RESULTS.mkdir(parents=True, exist_ok=True)
    logs = RESULTS / "logs" / time.strftime("%Y%m%d-%H%M%S")
    logs.mkdir(parents=True, exist_ok=True)
    machine = machine_info()
    static_root = Path(tempfile.mkdtemp(prefix="bench-static-"))
    failures = 0
    try:
        env = app_env("bench_static", static_root)
        run(
            [APP_PYTHON, "manage.py", "collectstatic", "--no-input", "-v", "0"],
            env=env,
            cwd=ROOT,
            timeout=600,
            log_file=logs / "collectstatic.log",
        )
        for n in sizes:
            c = dict(cfg)
            c["requests"] = args.requests or (5 if args.quick else DEFAULT_REQUESTS.get(n, 100))
            try:
                res = bench_size(n, c, static_root, logs, machine)
            except Exception:  # noqa: BLE001 - the next size still runs
                failures += 1
                log(f"size {size_label(n)} failed:\n{traceback.format_exc()}")
                continue
            if res is None:  # --build-only
                continue
            save(res)
            print(report.console_summary(res), flush=True)
        if not args.quick and not args.no_doc and not args.build_only:
            report.write(RESULTS, DOC)
            log(f"wrote {DOC}")
    finally:
        shutil.rmtree(static_root, ignore_errors=True)
    log(f"logs: {logs}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
