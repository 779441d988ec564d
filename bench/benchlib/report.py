"""docs/benchmarks.md from the latest full result of each size in bench/results/."""

from __future__ import annotations

import json
import re
from pathlib import Path

from .wrk import parse as wrk_parse

KEYS = ["list", "facets", "filter40", "search", "search_filters", "deep50", "detail"]

# Targets at 1M rows on PostgreSQL (p95, ms), from the issue.
TARGETS = [
    ("list", "Unfiltered list, page 1", 40),
    ("facets", "List with three facets", 100),
    ("filter40", "Filter matching ~40% + three facets", 150),
    ("search", "Search matching ~1%", 50),
    ("search_filters", "Search + two filters + a facet", 60),
    ("deep50", "Page 50", 30),
    ("detail", "Detail page", 10),
]
CSV_TARGET_ROWS_S = 100_000
FLAT_MEMORY_KB = 32 * 1024  # growth allowed over the second half of the export
WRK_TARGET_RPS = 20

WHY_START = "<!-- why:start -->"
WHY_END = "<!-- why:end -->"
PLACEHOLDER = "_Placeholder: to be written by whoever optimises the views._"

SIZE_ORDER = {"10k": 0, "100k": 1, "1m": 2}

# The app without its page cache ("ours": the listing engine; every result before the page
# cache is this) and with it ("ours_cached", as production runs it).
OURS_SIDES = ("ours", "ours_cached")
SIDE_NAMES = {"ours": "ours", "ours_cached": "ours, page cache", "datasette": "Datasette"}


def normalize(res: dict) -> dict:
    """Re-read wrk's raw output with the current parser (older results included)."""
    for side in (*OURS_SIDES, "datasette"):
        block = res.get(side) or {}
        runs = [block.get("wrk")] + list((block.get("load") or {}).values())
        for w in runs:
            if w and w.get("raw"):
                w.update(wrk_parse(w["raw"]))
    return res


def load_latest(results: Path, size: str, quick: bool = False) -> dict | None:
    path = results / f"latest-{size}{'-quick' if quick else ''}.json"
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text())
    except ValueError:
        return None


def all_latest(results: Path) -> list[dict]:
    found = []
    for path in results.glob("latest-*.json"):
        if path.stem.endswith("-quick"):
            continue
        try:
            found.append(json.loads(path.read_text()))
        except ValueError:
            continue
    return sorted(found, key=lambda r: r.get("n", 0))


def ms(v) -> str:
    if v is None:
        return "–"
    if v >= 100:
        return f"{v:,.0f}"
    return f"{v:.1f}"


def num(v, digits=0) -> str:
    if v is None:
        return "–"
    return f"{v:,.{digits}f}"


def ratio(a, b) -> str:
    if a is None or b is None or b == 0:
        return "–"
    if a / b < 0.1:
        return f"{a / b:.2g}×"  # a cache hit against a query: 0.022×, not 0.0×
    return f"{a / b:.1f}×" if a / b < 100 else f"{a / b:,.0f}×"


def mb(kb) -> str:
    return "–" if kb is None else f"{kb / 1024:,.0f} MB"


def ep(res: dict, side: str, key: str) -> dict:
    return ((res.get(side) or {}).get("endpoints") or {}).get(key) or {}


def hit_share(r: dict) -> str:
    """X-Cache of a page's measured requests: "100% (100 of 100)", or "–" without headers."""
    seen = r.get("x_cache") or {}
    if not r.get("n") or not seen:
        return "–"
    hits = seen.get("hit", 0)
    return f"{hits / r['n']:.0%} ({hits} of {r['n']})"


def cache_setup(res: dict) -> str:
    pc = (res.get("ours_cached") or {}).get("page_cache") or {}
    if not pc:
        return ""
    where = (
        f"Redis (`REDIS_URL={pc['redis_url']}`, shared by the workers, emptied with FLUSHDB "
        "before each of our runs)"
        if pc.get("redis_url")
        else "local memory: each gunicorn worker has its own page cache, filled by the "
        "warm-up requests that reach it"
    )
    return f"`DJANGO_PAGE_CACHE_SECONDS={pc.get('seconds')}`, pages in {where}"


def csv_growth(c: dict) -> int | None:
    """kB the server's resident set grew during the second half of the export (from the
    samples, so older results are read the same way)."""
    if "growth_second_half_kb" in c:
        return c["growth_second_half_kb"]
    samples, seconds = c.get("samples") or [], c.get("seconds") or 0
    half = [kb for t, kb in samples if t >= seconds / 2]
    if not half:
        return c.get("growth_after_10pct_kb")
    return max(half) - half[0]


CSV_CAP_MESSAGE = "CSV contains more than"


def csv_capped(c: dict) -> bool:
    """Datasette ends a CSV larger than its max_csv_mb setting with this line."""
    return CSV_CAP_MESSAGE in (c.get("tail") or "")


def csv_rows(c: dict) -> int | None:
    """Data rows: lines after the header, less Datasette's closing message when capped."""
    if not c or c.get("lines") is None:
        return c.get("rows") if c else None
    return max(0, c["lines"] - 1 - (1 if csv_capped(c) else 0))


def csv_rate(c: dict) -> float | None:
    if not c or not c.get("seconds"):
        return None
    return (csv_rows(c) or 0) / c["seconds"]


# --------------------------------------------------------------------------- targets


def target_rows(res: dict | None) -> tuple[list[list[str]], list[str]]:
    """Rows of the targets table and the list of misses."""
    rows, misses = [], []
    if res is None:
        return rows, misses
    for key, label, limit in TARGETS:
        p95 = ep(res, "ours", key).get("p95")
        cached = ep(res, "ours_cached", key)
        with_cache = (
            f"{ms(cached['p95'])} ms, hits {hit_share(cached)}"
            if cached.get("p95") is not None
            else "–"
        )
        if p95 is None:
            rows.append([label, f"p95 ≤ {limit} ms", "not measured", "–", "–", with_cache])
            misses.append(f"{label}: not measured")
            continue
        ok = p95 <= limit
        by = "–" if ok else f"+{p95 - limit:,.0f} ms ({p95 / limit:.1f}× the target)"
        rows.append(
            [
                label,
                f"p95 ≤ {limit} ms",
                f"{ms(p95)} ms",
                "met" if ok else "**missed**",
                by,
                with_cache,
            ]
        )
        if not ok:
            misses.append(f"{label}: p95 {ms(p95)} ms against ≤ {limit} ms ({by})")
    c = (res.get("ours") or {}).get("csv") or {}
    rate = csv_rate(c)
    if rate is None:
        rows.append(
            [
                "CSV export of all rows",
                "≥ 100,000 rows/s, flat memory",
                "not measured",
                "–",
                "–",
                "not cached",
            ]
        )
        misses.append("CSV export: not measured")
    else:
        growth = csv_growth(c)
        flat = growth is not None and growth <= FLAT_MEMORY_KB
        limited = "client time limit" in (c.get("error") or "")
        complete = limited or (not c.get("error") and csv_rows(c) == c.get("expected_rows"))
        ok_rate = rate >= CSV_TARGET_ROWS_S
        measured = (
            f"{num(rate)} rows/s; peak RSS {mb(c.get('rss_peak_kb'))}, "
            f"+{mb(growth)} over the second half"
            + (
                f" (over the first {num(csv_rows(c))} of {num(c.get('expected_rows'))} rows: "
                "the run's time limit for the export)"
                if limited
                else ""
            )
        )
        notes = []
        if not ok_rate:
            notes.append(
                f"{CSV_TARGET_ROWS_S - rate:,.0f} rows/s short "
                f"({rate / CSV_TARGET_ROWS_S:.0%} of the target)"
            )
        if not flat:
            notes.append(f"memory grew {mb(growth)} (flat means ≤ {mb(FLAT_MEMORY_KB)})")
        if not complete:
            notes.append(
                f"incomplete: {csv_rows(c)} of {c.get('expected_rows')} rows"
                + (f", {c['error']}" if c.get("error") else "")
            )
        ok = ok_rate and flat and complete
        rows.append(
            [
                "CSV export of all rows",
                "≥ 100,000 rows/s, flat memory",
                measured,
                "met" if ok else "**missed**",
                "; ".join(notes) or "–",
                "not cached (not a page)",
            ]
        )
        if not ok:
            misses.append("CSV export: " + "; ".join(notes))
    w = (res.get("ours") or {}).get("wrk") or {}
    wc = (res.get("ours_cached") or {}).get("wrk") or {}
    wrk_cached = (
        f"{wc['rps']:.1f} req/s, p99 {ms(wc.get('latency_p99_ms'))} ms"
        if wc.get("rps") is not None
        else "–"
    )
    if w.get("rps") is None:
        rows.append(
            [
                "wrk -c16 on the filtered faceted page",
                "≥ 20 req/s",
                "not measured",
                "–",
                "–",
                wrk_cached,
            ]
        )
        misses.append("wrk on the filtered faceted page: not measured")
    else:
        ok = w["rps"] >= WRK_TARGET_RPS and w.get("errors_total", 0) == 0
        notes = []
        if w["rps"] < WRK_TARGET_RPS:
            notes.append(
                f"{WRK_TARGET_RPS - w['rps']:.1f} req/s short "
                f"({w['rps'] / WRK_TARGET_RPS:.0%} of the target)"
            )
        if w.get("errors_total"):
            notes.append(f"{w['errors_total']} errors (non-2xx/socket)")
        rows.append(
            [
                "wrk -c16 on the filtered faceted page",
                "≥ 20 req/s, no errors",
                (
                    f"{w['rps']:.1f} req/s: no response within wrk's 10 s timeout"
                    if w.get("no_response_in_time")
                    else f"{w['rps']:.1f} req/s, p99 {ms(w.get('latency_p99_ms'))} ms"
                ),
                "met" if ok else "**missed**",
                "; ".join(notes) or "–",
                wrk_cached,
            ]
        )
        if not ok:
            misses.append("wrk -c16 on the filtered faceted page: " + "; ".join(notes))
    return rows, misses


# --------------------------------------------------------------------------- tables


def table(header: list[str], rows: list[list[str]], align: str | None = None) -> str:
    align = align or ("l" + "r" * (len(header) - 1))
    sep = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(sep) + " |"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def label_of(res: dict, key: str) -> str:
    for page in res.get("pages") or []:
        if page["key"] == key:
            return page["label"]
    return key


def size_tables(res: dict) -> str:
    out = []
    queries = (res.get("ours") or {}).get("queries") or {}
    rows = []
    for key in KEYS:
        o, t = ep(res, "ours", key), ep(res, "datasette", key)
        page = next((pg for pg in res.get("pages") or [] if pg["key"] == key), {})
        q = queries.get(page.get("ours") or "", {}) if isinstance(queries, dict) else {}
        rows.append(
            [
                label_of(res, key),
                ms(o.get("p50")),
                ms(o.get("p95")),
                ms(o.get("p99")),
                num(o.get("rps"), 1),
                num(q.get("queries")) if q else "–",
                ms(t.get("p50")),
                ms(t.get("p95")),
                ms(t.get("p99")),
                num(t.get("rps"), 1),
                ratio(o.get("p50"), t.get("p50")),
                ratio(o.get("p95"), t.get("p95")),
                ratio(o.get("p99"), t.get("p99")),
            ]
        )
    out.append(
        table(
            [
                "Measurement",
                "ours p50",
                "ours p95",
                "ours p99",
                "ours req/s",
                "SQL queries",
                "Datasette p50",
                "Datasette p95",
                "Datasette p99",
                "Datasette req/s",
                "ratio p50",
                "ratio p95",
                "ratio p99",
            ],
            rows,
        )
    )
    n_ours = {ep(res, "ours", k).get("n") for k in KEYS} - {None}
    n_ds = {ep(res, "datasette", k).get("n") for k in KEYS} - {None}
    engine = (res.get("ours") or {}).get("page_cache") or {}
    out.append(
        f"\nTimes in ms from sending the request to the last byte; requests measured per "
        f"endpoint: ours {sorted(n_ours) or '–'}, Datasette {sorted(n_ds) or '–'} "
        f"(after {res['config'].get('warmup')} warm-up requests). Ratio = ours ÷ Datasette "
        f"(above 1× means ours is slower). SQL queries: counted with CaptureQueriesContext "
        f"around django.test.Client in a separate process on the same database. "
        + (
            "**Ours here is the listing engine without its caches** "
            "(`DJANGO_PAGE_CACHE_SECONDS=0`, `DJANGO_FACET_CACHE_SECONDS=0`): every request "
            "renders its page and counts its facets and rows, cold."
            if engine
            else "Ours here had no page cache (the run predates it)."
        )
    )
    if res.get("ours_cached", {}).get("endpoints"):
        rows = []
        for key in KEYS:
            c, t = ep(res, "ours_cached", key), ep(res, "datasette", key)
            rows.append(
                [
                    label_of(res, key),
                    ms(c.get("p50")),
                    ms(c.get("p95")),
                    ms(c.get("p99")),
                    num(c.get("rps"), 1),
                    hit_share(c),
                    ms(t.get("p50")),
                    ms(t.get("p95")),
                    ratio(c.get("p50"), t.get("p50")),
                    ratio(c.get("p95"), t.get("p95")),
                    ratio(c.get("p99"), t.get("p99")),
                ]
            )
        hits = (res["ours_cached"].get("x_cache")) or {}
        measured = sum(hits.values())
        out.append(
            f"\n**With the page cache** (as in production: {cache_setup(res)}), the same pages "
            "and the same Datasette figures:\n"
        )
        out.append(
            table(
                [
                    "Measurement",
                    "cached p50",
                    "cached p95",
                    "cached p99",
                    "cached req/s",
                    "X-Cache: hit",
                    "Datasette p50",
                    "Datasette p95",
                    "ratio p50",
                    "ratio p95",
                    "ratio p99",
                ],
                rows,
            )
        )
        out.append(
            "\nThe warm-up requests store every page before any is timed, so this measures "
            "pages answered from the cache: "
            + (
                f"{hits.get('hit', 0):,} of the {measured:,} measured requests were hits "
                f"(`X-Cache: hit`), {hits.get('miss', 0):,} misses"
                + (f", {hits['none']:,} without the header" if hits.get("none") else "")
                + ". "
                if measured
                else ""
            )
            + "A hit costs a Redis read and no SQL; a visitor's first request for an address, "
            "and every address after a write (a new data version), is a miss and costs what "
            "the table above shows."
        )
    if res.get("datasette_from") or res.get("ours_from"):
        out.append(
            f"\nNote: one side's figures come from an earlier run of this size "
            f"({res.get('datasette_from') or res.get('ours_from')})."
        )

    # URLs
    p = res.get("params") or {}
    rows = []
    for page in res.get("pages") or []:
        o, t = ep(res, "ours", page["key"]), ep(res, "datasette", page["key"])
        rows.append(
            [
                page["label"],
                f"`{page['ours']}`",
                (
                    ("more than " if o.get("result_count_capped") else "")
                    + num(o.get("result_count"))
                    + (f" (left out: {o['facets_left_out']})" if o.get("facets_left_out") else "")
                )
                if o.get("result_count") is not None
                else "–",
                f"`{page['theirs']}`" if page.get("theirs") else "–",
                num(t.get("filtered_table_rows_count"))
                if t.get("filtered_table_rows_count") is not None
                else "–",
            ]
        )
    out.append(
        "\n"
        + table(
            ["Measurement", "Our URL", "our count", "Datasette URL", "Datasette count"],
            rows,
            "lllll",
        )
    )
    out.append(
        f"\nParameters read from the data: filter country **{p.get('country_name')}** "
        f"(`{p.get('country_slug')}`, {num(p.get('country_rows'))} of "
        f"{num(p.get('public_rows'))} public rows = {(p.get('country_share') or 0):.0%} as "
        f"either party; {num(p.get('country_rows_a_side'))} as party A, "
        f"{num(p.get('country_rows_b_side'))} as party B); search word **{p.get('search_word')}** "
        f"({num(p.get('search_rows'))} rows = {(p.get('search_share') or 0):.2%} with the app's "
        f"search; {num(p.get('sqlite_search_rows'))} with Datasette's FTS5 over party names and "
        f"summary); level **{p.get('level')}**; search + country + level matches "
        f"{num(p.get('search_filtered_rows'))} rows; detail row id {p.get('detail_id')}."
        + (
            f" The busiest country, {p['busiest_country']['name']}, is a party to "
            f"{p['busiest_country']['share']:.0%} of the rows, so the filter uses the country "
            "whose share is closest to the 40% the issue asks for."
            if p.get("busiest_country") and p["busiest_country"]["name"] != p.get("country_name")
            else ""
        )
    )
    code = res.get("code") or {}
    if not code:
        out.append(
            f"\nCode measured: not recorded (this run predates that record); the working tree "
            f"as of {res.get('started')}."
        )
    else:
        changed = code.get("changed_files") or []
        out.append(
            f"\nCode measured: commit `{code.get('commit')}`"
            + (
                f" plus uncommitted changes to {len(changed)} files (diff sha1 "
                f"`{code.get('diff_sha1')}`: "
                + ", ".join(f"`{f}`" for f in changed[:12])
                + (", …" if len(changed) > 12 else "")
                + ")"
                if changed
                else ""
            )
            + "."
        )
    c = res.get("config") or {}
    out.append(
        f"\nSettings of this run: {c.get('requests')} requests per page after {c.get('warmup')} "
        f"warm-up requests, at most {c.get('endpoint_seconds'):.0f} s per page (at least "
        f"{c.get('min_requests', 5)} requests), gunicorn --workers {c.get('workers')}, wrk "
        f"{c.get('wrk_seconds')} s, load test {c.get('load_seconds')} s, CSV limit "
        f"{c.get('csv_seconds')} s."
    )

    # CSV
    rows = []
    for side, name in (("ours", "ours (gunicorn, 1 fresh worker)"), ("datasette", "Datasette")):
        c = (res.get(side) or {}).get("csv") or {}
        if not c:
            continue
        notes = []
        if c.get("error"):
            notes.append(c["error"])
        if c.get("status") != 200:
            notes.append(f"HTTP {c.get('status')}")
        if csv_capped(c):
            notes.append(
                "stopped by Datasette's `max_csv_mb` cap (100 MB by default): the download "
                f"ends with “{CSV_CAP_MESSAGE} 104857600 bytes”"
            )
        if csv_rows(c) != c.get("expected_rows"):
            notes.append(f"{num(csv_rows(c))} of {num(c.get('expected_rows'))} rows")
        rows.append(
            [
                name,
                num(csv_rows(c)),
                num(c.get("seconds"), 1),
                num(csv_rate(c)),
                num((c.get("bytes") or 0) / 1e6, 1),
                mb(c.get("rss_before_kb")),
                mb(c.get("rss_peak_kb")),
                mb(csv_growth(c)),
                mb(c.get("vmhwm_after_kb")),
                "; ".join(notes) or "complete",
            ]
        )
    if rows:
        out.append(
            "\n**CSV export of all rows** (`/partnerships/?format=csv`, "
            "`/db/partnerships.csv?_stream=on&_size=max`):\n"
        )
        out.append(
            table(
                [
                    "Server",
                    "rows",
                    "seconds",
                    "rows/s",
                    "MB sent",
                    "RSS before",
                    "RSS peak",
                    "growth, 2nd half",
                    "VmHWM after",
                    "notes",
                ],
                rows,
                "lrrrrrrrrl",
            )
        )

    # wrk
    rows = []
    for side, name in (
        ("ours", "ours, no page cache"),
        ("ours_cached", "ours, page cache"),
        ("datasette", "Datasette"),
    ):
        w = (res.get(side) or {}).get("wrk") or {}
        if w:
            rows.append(wrk_row(name, w))
    if rows:
        w = (res.get("ours") or {}).get("wrk") or {}
        out.append(f"\n**wrk -t2 -c16 -d{w.get('seconds', 30)}s on the filtered faceted page:**\n")
        out.append(table(WRK_HEADER, rows, "lrrrrrrrrr"))

    load = (res.get("ours") or {}).get("load") or {}
    load_cached = (res.get("ours_cached") or {}).get("load") or {}
    if load or load_cached:
        rows = [wrk_row(label_of(res, k) + ", no page cache", w) for k, w in load.items()]
        rows += [wrk_row(label_of(res, k) + ", page cache", w) for k, w in load_cached.items()]
        first = next(iter((load or load_cached).values()))
        out.append(f"\n**Load test, ours, wrk -t2 -c50 -d{first.get('seconds')}s per page:**\n")
        out.append(table(WRK_HEADER, rows, "lrrrrrrrrr"))

    s = (res.get("datasette") or {}).get("suggest_on_list")
    if s:
        off = ep(res, "datasette", "list")
        out.append(
            f"\nDatasette unfiltered list with `suggest_facets` **on**: p50 {ms(s.get('p50'))} "
            f"ms, p95 {ms(s.get('p95'))} ms, p99 {ms(s.get('p99'))} ms (off: p50 "
            f"{ms(off.get('p50'))}, p95 {ms(off.get('p95'))} ms); ours ÷ Datasette-with-"
            f"suggestions at p95: {ratio(ep(res, 'ours', 'list').get('p95'), s.get('p95'))}."
        )
    busy = []
    for side, name in (
        ("ours", "ours, no page cache"),
        ("ours_cached", "ours, page cache"),
        ("datasette", "Datasette"),
    ):
        phases = (res.get(side) or {}).get("cpu_busy_before") or {}
        if phases:
            busy.append(f"{name}: " + ", ".join(f"{k} {v:.0%}" for k, v in phases.items()))
    if busy:
        out.append(
            "\nOther work on the machine (share of all cores busy during the second before each "
            "phase, while the server under test was idle): " + "; ".join(busy) + "."
        )
    b = res.get("build") or {}
    counts = res.get("counts") or {}
    sq = res.get("sqlite") or {}
    if b or counts:
        out.append(
            "\nData: "
            + ", ".join(
                f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}"
                for k, v in counts.items()
                if k != "database_bytes"
            )
            + (
                f"; PostgreSQL database {counts['database_bytes'] / 1e6:,.0f} MB"
                if counts.get("database_bytes")
                else ""
            )
            + (
                f"; SQLite file {sq['bytes'] / 1e6:,.0f} MB ({sq['rows']:,} rows, exported in "
                f"{sq['seconds']:.0f} s)"
                if sq.get("bytes")
                else ""
            )
            + (". Build: " + ", ".join(f"{k} {v:,.0f} s" for k, v in b.items()) if b else "")
            + "."
        )
    return "\n".join(out)


WRK_HEADER = [
    "Page",
    "req/s",
    "avg ms",
    "p50 ms",
    "p90 ms",
    "p99 ms",
    "max ms",
    "requests",
    "non-2xx",
    "socket errors",
]


def wrk_row(name: str, w: dict) -> list[str]:
    se = w.get("socket_errors") or {}
    errs = ", ".join(f"{k} {v}" for k, v in se.items() if v) or "0"
    if w.get("no_response_in_time"):
        errs += " (no response within wrk's 10 s timeout)"
    return [
        name,
        num(w.get("rps"), 1),
        ms(w.get("latency_avg_ms")),
        ms(w.get("latency_p50_ms")),
        ms(w.get("latency_p90_ms")),
        ms(w.get("latency_p99_ms")),
        ms(w.get("latency_max_ms")),
        num(w.get("requests")),
        num(w.get("non_2xx_3xx")),
        errs,
    ]


def oddities(results: list[dict]) -> list[str]:
    notes = []
    for res in results:
        size = res["size"]
        for side in (*OURS_SIDES, "datasette"):
            block = res.get(side) or {}
            if block.get("failed"):
                last = block["failed"].strip().splitlines()[-1]
                notes.append(f"{size}, {SIDE_NAMES[side]}: the run failed: `{last}`")
            for key, r in (block.get("endpoints") or {}).items():
                if r.get("error"):
                    notes.append(
                        f"{size}, {SIDE_NAMES[side]}, {key}: {r['error']} (`{r.get('path')}`)"
                    )
                if r.get("non_2xx"):
                    notes.append(
                        f"{size}, {SIDE_NAMES[side]}, {key}: {r['non_2xx']} non-2xx responses "
                        f"{r.get('statuses')} (`{r.get('path')}`)"
                    )
                slow = (r.get("p95") or 0) > 1000
                if r.get("stopped_early") and not r.get("same_as") and not slow:
                    notes.append(
                        f"{size}, {SIDE_NAMES[side]}, {key}: {r['stopped_early']} "
                        f"(`{r.get('path')}`, p50 {ms(r.get('p50'))} ms)"
                    )
                if r.get("facets_timed_out"):
                    notes.append(
                        f"{size}, Datasette, {key}: facets timed out "
                        f"{r['facets_timed_out']} (`{r.get('path')}`)"
                    )
                if r.get("facets_left_out") and not r.get("same_as"):
                    notes.append(
                        f"{size}, {SIDE_NAMES[side]}, {key}: facets left out (out of time): "
                        f"{r['facets_left_out']} (`{r.get('path')}`)"
                    )
                seen = r.get("x_cache") or {}
                if side == "ours_cached" and r.get("n") and seen.get("hit", 0) < r["n"]:
                    notes.append(
                        f"{size}, ours with the page cache, {key}: {hit_share(r)} of the "
                        f"measured requests were cache hits (`{r.get('path')}`)"
                    )
                if r.get("form_errors"):
                    notes.append(
                        f"{size}, ours, {key}: the page shows form errors (`{r.get('path')}`)"
                    )
                if slow and not r.get("same_as"):
                    notes.append(
                        f"{size}, {SIDE_NAMES[side]}, {key}: slow, p50 {ms(r.get('p50'))} ms, p95 "
                        f"{ms(r['p95'])} ms over {r.get('n')} requests (`{r.get('path')}`)"
                    )
            for name in ("wrk",):
                w = block.get(name) or {}
                if w.get("errors_total"):
                    notes.append(
                        f"{size}, {SIDE_NAMES[side]}, wrk -c16: {errors_text(w)} in "
                        f"{num(w.get('requests'))} requests (`{w.get('path')}`)"
                    )
            for key, w in (block.get("load") or {}).items():
                if w.get("errors_total"):
                    notes.append(
                        f"{size}, {SIDE_NAMES[side]}, load -c50 {key}: {errors_text(w)} in "
                        f"{num(w.get('requests'))} requests (`{w.get('path')}`)"
                    )
            c = block.get("csv") or {}
            rate = csv_rate(c)
            if side == "ours" and rate is not None and rate < CSV_TARGET_ROWS_S:
                q = (block.get("queries") or {}).get("/partnerships/?format=csv") or {}
                where = ""
                if q.get("view_ms"):
                    where = (
                        f"; in-process the export took {q['view_ms'] / 1000:,.1f} s of which "
                        f"{q['sql_ms'] / 1000:,.1f} s in {q['queries']} SQL queries, the rest in "
                        "Python"
                    )
                notes.append(
                    f"{size}, ours, CSV: {num(rate)} rows/s against the 100,000 rows/s target"
                    + where
                    + " (`/partnerships/?format=csv`)"
                )
            if c and (c.get("error") or csv_rows(c) != c.get("expected_rows")):
                notes.append(
                    f"{size}, {SIDE_NAMES[side]}, CSV: {num(csv_rows(c))} rows of "
                    f"{num(c.get('expected_rows'))} in {num(c.get('seconds'), 1)} s, "
                    f"{num((c.get('bytes') or 0) / 1e6, 1)} MB"
                    + (f", {c['error']}" if c.get("error") else "")
                    + f"; last bytes: `{tail_text(c.get('tail'))}`"
                )
            for line in (block.get("errors_in_log") or []) + (block.get("csv_errors_in_log") or []):
                notes.append(f"{size}, {SIDE_NAMES[side]}, server log: `{line[:300]}`")
            q = block.get("queries")
            if side == "ours" and isinstance(q, dict) and not q.get("error"):
                for page in res.get("pages") or []:
                    r = (block.get("endpoints") or {}).get(page["key"]) or {}
                    info = q.get(page["ours"]) or {}
                    if r.get("same_as") or not r.get("p50") or not info.get("view_ms"):
                        continue
                    if r["p50"] > 200 and info["view_ms"] < r["p50"] / 3:
                        notes.append(
                            f"{size}, ours, {page['key']}: {ms(r['p50'])} ms over HTTP (p50) but "
                            f"{ms(info['view_ms'])} ms in-process when the queries were counted "
                            "a few minutes later: the app's code changed during the run, or "
                            f"the server was contended (`{page['ours']}`)"
                        )
            if isinstance(q, dict) and q.get("error"):
                notes.append(f"{size}, ours: counting queries failed: `{q['error'][-300:]}`")
        for side in (*OURS_SIDES, "datasette"):
            phases = (res.get(side) or {}).get("cpu_busy_before") or {}
            busy = {k: v for k, v in phases.items() if v > 0.3}
            if busy:
                notes.append(
                    f"{size}, {SIDE_NAMES[side]}: other work kept the machine busy before "
                    "some phases ("
                    + ", ".join(f"{k} {v:.0%}" for k, v in busy.items())
                    + "), so these figures are pessimistic"
                )
        p = res.get("params") or {}
        if p.get("search_rows") and p.get("sqlite_search_rows") is not None:
            a, b = p["search_rows"], p["sqlite_search_rows"]
            if abs(a - b) > 0.1 * max(a, b):
                notes.append(
                    f"{size}: the search word '{p.get('search_word')}' matches {a:,} "
                    f"rows in the app and {b:,} in Datasette's FTS (the app also "
                    f"matches substrings and other names of the parties)"
                )
    return notes


def errors_text(w: dict) -> str:
    se = {k: v for k, v in (w.get("socket_errors") or {}).items() if v}
    parts = []
    if w.get("non_2xx_3xx"):
        parts.append(f"{w['non_2xx_3xx']:,} non-2xx/3xx responses")
    if se:
        parts.append("socket errors " + ", ".join(f"{k} {v:,}" for k, v in se.items()))
    return " and ".join(parts)


def tail_text(text) -> str:
    return re.sub(r"\s+", " ", (text or ""))[-120:].replace("`", "'")


def short_sql(sql: str, limit: int = 400) -> str:
    """One line, the long column list of the outer SELECT shown as an ellipsis."""
    sql = re.sub(r"\s+", " ", sql)
    m = re.match(r"^(.*?SELECT (?:DISTINCT )?)(.*?)( FROM .*)$", sql)
    if m and len(m.group(2)) > 80:
        sql = m.group(1) + "…" + m.group(3)
    return sql[:limit].replace("`", "'")


def slowest_sql(res: dict) -> str:
    q = (res.get("ours") or {}).get("queries") or {}
    if not isinstance(q, dict) or q.get("error"):
        return ""
    out = []
    for path, info in q.items():
        out.append(
            f"- `{path}`: HTTP {info.get('status')}, {info.get('queries')} queries, "
            f"{ms(info.get('sql_ms'))} ms in SQL, {ms(info.get('view_ms'))} ms in the "
            f"view (in-process, DEBUG cursor)"
        )
        for s in (info.get("slowest") or [])[:2]:
            sql = short_sql(s["sql"])
            out.append(f"  - {ms(s['ms'])} ms: `{sql}`")
    return "\n".join(out)


# --------------------------------------------------------------------------- document


def machine_section(m: dict) -> str:
    pg = m.get("postgresql_settings") or {}
    rows = [
        ["Date", m.get("date", "–")],
        ["CPU", f"{m.get('cpu_model', '–')}, {m.get('nproc')} cores (nproc)"],
        ["Memory", f"{m.get('memory_gib')} GiB"],
        ["Kernel", m.get("kernel", "–")],
        [
            "PostgreSQL",
            f"{m.get('postgresql')} (" + ", ".join(f"{k} {v}" for k, v in pg.items()) + ")",
        ],
        ["Python (app)", m.get("python", "–")],
        ["Django", m.get("django", "–")],
        ["gunicorn", m.get("gunicorn", "–")],
        ["psycopg", m.get("psycopg", "–")],
        ["Datasette", m.get("datasette", "–")],
        ["Python, SQLite (Datasette)", m.get("datasette_python", "–")],
        ["wrk", m.get("wrk", "–")],
    ]
    return table(["", ""], rows, "ll")


def write(results_dir: Path, doc: Path) -> None:
    """Rewrite ``doc``, keeping the hand-written "Why targets were missed" section and the
    hand-written sections after it (one-off measurements: exports, the page cache)."""
    results = all_latest(results_dir)
    old_why = None
    tail = ""
    if doc.exists():
        text = doc.read_text()
        if WHY_START in text and WHY_END in text:
            body, after = text.split(WHY_START, 1)[1].split(WHY_END, 1)
            if PLACEHOLDER not in body:
                old_why = body.strip("\n")
            tail = after.strip("\n")
    doc.write_text(render(results, old_why) + ("\n" + tail + "\n" if tail else ""))


def render(results: list[dict], why: str | None = None) -> str:
    results = [normalize(r) for r in results]
    by_size = {r["size"]: r for r in results}
    big = by_size.get("1m")
    latest = max(results, key=lambda r: r.get("started", "")) if results else None
    cfg = (latest or {}).get("config") or {}
    parts = [
        "# Benchmarks: the partnership list at 10k, 100k and 1M rows, against Datasette",
        "",
        "_Written by `bench/run.py` from the latest results in `bench/results/` "
        "(git-ignored); edit the generator, not this file, except the section "
        '"Why targets were missed" and the sections after it, which a rerun keeps._',
        "",
        "## How to reproduce",
        "",
        "```sh",
        "make install                                    # the app's .venv",
        ".venv/bin/python bench/run.py                   # 10k, 100k and 1M (builds the databases)",
        ".venv/bin/python bench/run.py --sizes 100k      # one size",
        ".venv/bin/python bench/run.py --quick           # 10k, 5 requests per page: a self-check",
        ".venv/bin/python bench/run.py --skip-build      # reuse bench_* databases, SQLite files",
        ".venv/bin/python bench/run.py --only ours       # or --only datasette",
        ".venv/bin/python bench/run.py --page-cache off  # ours without the page cache only "
        "(or on; default both)",
        ".venv/bin/python bench/run.py --report-only     # rewrite this file from bench/results/",
        "```",
        "",
        "`make bench` runs `.venv/bin/python bench/run.py $(BENCH_ARGS)`. Needs PostgreSQL on "
        "127.0.0.1:5432 (user `postgres`, trust; started with `pg_ctlcluster` if it is down), "
        "`wrk` and `psql`; the script creates `bench/.venv-datasette` with "
        "`bench/requirements-datasette.txt` (Datasette 0.65.5) on first use.",
        "",
        "What it does, per size N:",
        "",
        "1. `DROP DATABASE IF EXISTS bench_<size> WITH (FORCE)`, `CREATE DATABASE`, then with "
        "`DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_<size>`: `manage.py migrate`, "
        "`manage.py loaddata fixtures/seed.json`, `manage.py generate_synthetic --partnerships N "
        "--organizations N/10 --seed 1`, `VACUUM ANALYZE`.",
        "2. The public partnerships copied to `bench/data/bench_<size>/db.db`: one flat table "
        "`partnerships` (id, slug, party_a, party_b, a_country, b_country, a_province, "
        "b_province, level, status, established_on, established_precision, conference, series, "
        "summary; country and place names as text), an index on each faceted or filtered column "
        "and an FTS5 table `partnerships_fts` (party_a, party_b, summary; "
        "`content=[partnerships]`, as sqlite-utils' `enable_fts` makes it).",
        "3. `manage.py collectstatic` into a temporary `DJANGO_STATIC_ROOT`; the app served by "
        "`.venv/bin/gunicorn partnerships.wsgi --config partnerships/gunicorn_conf.py "
        f"--bind 127.0.0.1:<port> --workers "
        f"{cfg.get('workers', 3)} --timeout 120` with `DJANGO_DEBUG=0`, "
        "`DJANGO_SECRET_KEY=bench-…`, `DJANGO_ALLOWED_HOSTS=127.0.0.1`, "
        "`DJANGO_SECURE_SSL_REDIRECT=0`, `DJANGO_SESSION_COOKIE_SECURE=0`, "
        "`DJANGO_CSRF_COOKIE_SECURE=0`, `DJANGO_SECURE_HSTS_SECONDS=0`, "
        "`DJANGO_LOG_LEVEL=WARNING`, `DJANGO_FACET_TIME_LIMIT_MS=1000`, "
        "`DJANGO_STATEMENT_TIMEOUT_MS=10000` (Datasette's two limits) and "
        "`DJANGO_COUNT_TIME_LIMIT_MS` left at its default (1,000 ms). "
        "The app is measured twice, each time on a fresh gunicorn with "
        "`REDIS_URL=redis://127.0.0.1:6379/14` (database 14 emptied with FLUSHDB first, "
        "`--redis-url` to change): **without its caches** "
        "(`DJANGO_PAGE_CACHE_SECONDS=0` and `DJANGO_FACET_CACHE_SECONDS=0`, the listing "
        "engine cold: every request renders its page and counts its facets and rows) "
        "and **with them** (`DJANGO_PAGE_CACHE_SECONDS=600` and the facet counts cached, the "
        "production defaults; pages in "
        "Redis as production keeps them, one cache and one data version for all workers). "
        "With `--redis-url ''` the caches are in local memory and each worker has its own "
        "page cache.",
        "4. Before any page is timed, every page is requested by as many concurrent clients as "
        "there are workers, so that each worker is warm (Datasette: twice, by one client); "
        "with the page cache, that also stores every page, so the timed requests are hits "
        "(the `X-Cache` header of every timed response is counted and shown). "
        "Each page: warm-up requests, then N sequential requests from one Python "
        "`http.client` connection (kept alive where the server allows: gunicorn's sync workers "
        "close every connection, uvicorn keeps it), timed from sending to the last byte; "
        "p50/p95/p99 by linear interpolation, req/s = requests ÷ wall time. A page stops "
        f"early (with at least 5 requests) after {cfg.get('endpoint_seconds', 60):.0f} s.",
        "5. `wrk -t2 -c16 -d30s --timeout 10s --latency` on the filtered faceted page; a load "
        "test of three `wrk -t2 -c50 -d20s` runs (list, search, detail: 60 s in all).",
        "6. The CSV export of every row from a fresh gunicorn with one worker (`--timeout` "
        "raised to the export's limit), read in 64 kB blocks while VmRSS of the worker is read "
        'from `/proc/<pid>/status` every 50 ms; VmHWM after. "Flat memory" means the resident '
        f"set grows by at most {FLAT_MEMORY_KB // 1024} MB over the second half of the export.",
        "7. SQL queries per page: `bench/count_queries.py` calls the views through "
        "`django.test.Client` inside `CaptureQueriesContext` in a separate process on the "
        "same database (the CSV export too, up to 100k rows).",
        "8. Datasette: `bench/.venv-datasette/bin/datasette serve db.db -h 127.0.0.1 -p <port> "
        "--setting suggest_facets off --setting facet_time_limit_ms 1000 --setting "
        "sql_time_limit_ms 10000 --setting default_page_size 25`, the equivalent pages "
        "measured the same way, then a second Datasette with `suggest_facets on` for the "
        "unfiltered list.",
        "",
        "Differences to keep in mind when reading the ratios:",
        "",
        "- Our list's first page always computes its six facets (country, province or state, "
        "level, status, conference, year) and the list's total, all exact: no sampling, no "
        "estimate. Each facet is one GROUP BY with its own statement time limit "
        "(`DJANGO_FACET_TIME_LIMIT_MS`, set to 1,000 ms like Datasette's "
        "`facet_time_limit_ms`); a facet that runs out of time is left out and the page says "
        "so (shown in the URL tables). The total is counted exactly within "
        "`DJANGO_COUNT_TIME_LIMIT_MS` (default 1,000 ms); only when that runs out does the "
        'page count up to `LIST_COUNT_CAP` and say "more than 10,000" '
        '(`partnerships/pagination.py`). "list" and "three facets" are the same URL '
        "for us (measured once, shown twice). Datasette's list has no facets unless asked "
        "(`_facet=`) and counts exactly within `sql_time_limit_ms`.",
        "- The whole list's numbers (no filter: its six facets and total, and those of the "
        "other lists) are counted ahead, as the job worker does after each write "
        "(`partnerships.tasks.count_lists`): `bench/run.py` runs that count once after "
        "starting each server (its time is in the results' `counted_ahead`), and the "
        "unfiltered list, the overview and any later page of the whole list read them. "
        "Every filtered or searched page counts its own on each request (the facet cache "
        "is off).",
        "- A facet's number is what clicking it gives: several countries or regions narrow "
        "(AND: a partnership between both), so their facets are counted on the list as it "
        "is; level and status widen (OR), so when one is chosen their facet is counted "
        "without its own filter (disjunctive counts, one more GROUP BY). The pages measured "
        "choose at most one value per facet.",
        "- Our country filter matches either party (`a_country` or `b_country`); Datasette's "
        "`?a_country=<name>` matches one column (the side that holds the country most often). "
        "Result counts are in the URL tables.",
        "- Our page 50 is `?page=50` (OFFSET 1225, ordered by date then slug, no facets: they "
        "are on the first page); Datasette's is a "
        "keyset `_next=<id>` token (ordered by primary key), found by following 49 `next` "
        "tokens from page 1.",
        "- Our search is PostgreSQL full-text (websearch syntax, whole words) over names, "
        "other names and summary, falling back to a trigram-indexed substring match when no "
        "record has the words; Datasette's is FTS5 over party names and summary.",
        "- Our detail page also loads citations and reported figures; Datasette's row page "
        "shows one row.",
        "- Our page cache (`partnerships/pagecache.py`) answers an anonymous GET of a public "
        "page it has stored under the same address and data version (`X-Cache: hit`); every "
        "write to the app's data makes a new data version, after which each address is "
        "rendered once again. Datasette caches no responses (its `default_cache_ttl` only "
        "sets a `Cache-Control` header, which the clients here ignore), so the cached ratios "
        "compare a cache read with Datasette's queries; the uncached ones compare the two "
        "engines.",
        "- Code under test: each size records the commit and uncommitted changes it measured; "
        "sizes measured at different times may have measured different code.",
        "- Both servers, PostgreSQL and the client share the same two cores.",
        "",
        "## Machine",
        "",
        machine_section((latest or {}).get("machine") or {}),
        "",
        "## Targets at 1M rows (PostgreSQL)",
        "",
    ]
    rows, misses = target_rows(big)
    if big is None:
        parts.append("Not measured yet: run `.venv/bin/python bench/run.py --sizes 1m`.")
        misses = ["All targets: the 1M run has not been done yet."]
    else:
        parts.append(
            table(
                [
                    "Target",
                    "Goal",
                    "Measured (no page cache)",
                    "Result",
                    "By how much",
                    "With the page cache (p95)",
                ],
                rows,
                "llllll",
            )
        )
        parts.append(
            f"\nFrom the run started {big.get('started')}. A target is judged on the app "
            "without its page cache (every request renders the page: what a visitor's first "
            "request for an address, or any request after a write, costs); the last column is "
            "the same page answered from the page cache, for comparison."
        )
    parts += ["", "## Results by size", ""]
    if not results:
        parts.append("No results yet.")
    for res in results:
        parts += [
            f"### {res['n']:,} partnerships ({res['size']})",
            "",
            f"Run started {res.get('started')}, finished {res.get('finished')}; database "
            f"`{res.get('database')}`, SQLite `{res.get('sqlite_file')}`.",
            "",
            size_tables(res),
            "",
        ]
    parts += ["## Anything that failed or looked odd", ""]
    notes = oddities(results)
    parts += [f"- {n}" for n in notes] if notes else ["Nothing: every response was a 2xx."]
    if results:
        biggest = results[-1]
        parts += [
            "",
            f"### SQL per page at {biggest['size']} (two slowest queries each)",
            "",
            slowest_sql(biggest) or "Not counted.",
        ]
    parts += ["", "## Why targets were missed", "", WHY_START]
    if why:
        parts.append(why)
    else:
        parts.append(PLACEHOLDER)
        parts.append("")
        parts.append("Misses to explain:")
        parts.append("")
        parts += [f"- {m}" for m in misses] if misses else ["- None: every target was met."]
    parts += [WHY_END, ""]
    return "\n".join(parts)


def console_summary(res: dict) -> str:
    normalize(res)
    lines = [f"== {res['size']} =="]
    for key in KEYS:
        o, t = ep(res, "ours", key), ep(res, "datasette", key)
        c = ep(res, "ours_cached", key)
        lines.append(
            f"{key:15} ours p50 {ms(o.get('p50')):>7} p95 {ms(o.get('p95')):>7} | "
            f"cached p50 {ms(c.get('p50')):>7} p95 {ms(c.get('p95')):>7} "
            f"hits {hit_share(c)} | "
            f"datasette p50 {ms(t.get('p50')):>7} p95 {ms(t.get('p95')):>7} | "
            f"ratio p95 {ratio(o.get('p95'), t.get('p95'))}, cached "
            f"{ratio(c.get('p95'), t.get('p95'))}"
        )
    for side in (*OURS_SIDES, "datasette"):
        c = (res.get(side) or {}).get("csv") or {}
        if c:
            lines.append(
                f"csv {side}: {csv_rows(c)} rows in {num(c.get('seconds'), 1)} s = "
                f"{num(csv_rate(c))} rows/s, peak RSS {mb(c.get('rss_peak_kb'))}, "
                f"growth {mb(csv_growth(c))} {c.get('error') or ''}"
            )
        w = (res.get(side) or {}).get("wrk") or {}
        if w:
            lines.append(
                f"wrk {side}: {w.get('rps')} req/s, p99 {ms(w.get('latency_p99_ms'))} "
                f"ms, errors {w.get('errors_total')}"
            )
    for side in OURS_SIDES:
        for key, w in ((res.get(side) or {}).get("load") or {}).items():
            lines.append(
                f"load {side} {key}: {w.get('rps')} req/s, "
                f"p99 {ms(w.get('latency_p99_ms'))} ms, errors {w.get('errors_total')}"
            )
    return "\n".join(lines)
