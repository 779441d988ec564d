"""Sequential HTTP measurements on 127.0.0.1 with http.client (keep-alive where the server
offers it), percentiles, and streamed downloads with the server's memory sampled meanwhile."""

from __future__ import annotations

import http.client
import math
import threading
import time

from .procs import LOOPBACK, memory_kb


def percentile(values: list[float], p: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default), p in [0, 100]."""
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = math.floor(k), math.ceil(k)
    if lo == hi:
        return ordered[lo]
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summarize(times_ms: list[float], statuses: dict, wall_s: float) -> dict:
    n = len(times_ms)
    return {
        "n": n,
        "p50": percentile(times_ms, 50),
        "p95": percentile(times_ms, 95),
        "p99": percentile(times_ms, 99),
        "mean": sum(times_ms) / n if n else None,
        "min": min(times_ms) if n else None,
        "max": max(times_ms) if n else None,
        "rps": n / wall_s if wall_s > 0 else None,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "non_2xx": sum(v for k, v in statuses.items() if not 200 <= int(k) < 300),
    }


class Client:
    """One connection to 127.0.0.1:port, reused while the server keeps it open."""

    def __init__(self, port: int, timeout: float = 120.0):
        self.port = port
        self.timeout = timeout
        self.conn: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(LOOPBACK, self.port, timeout=self.timeout)
        return self.conn

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def get(self, path: str) -> tuple[int, bytes, float, dict]:
        """(status, body, milliseconds from sending to the last byte, headers)."""
        for attempt in (1, 2):
            conn = self._connection()
            start = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Accept-Encoding": "identity"})
                resp = conn.getresponse()
                body = resp.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed an idle kept-alive connection: reconnect once.
                self.close()
                if attempt == 2:
                    raise
                continue
            elapsed = (time.perf_counter() - start) * 1000
            if resp.will_close:
                self.close()
            return resp.status, body, elapsed, dict(resp.getheaders())
        raise AssertionError("unreachable")


def x_cache(headers: dict) -> str | None:
    """The value of the app's X-Cache header (partnerships/pagecache.py), if it sent one."""
    for name, value in headers.items():
        if name.lower() == "x-cache":
            return value.strip().lower()
    return None


def measure(
    port: int,
    path: str,
    *,
    requests: int,
    warmup: int,
    budget_s: float,
    timeout: float = 120.0,
    check=None,
    min_requests: int = 5,
) -> dict:
    """``warmup`` unmeasured requests (fewer if they take more than half of ``budget_s``),
    then ``requests`` measured ones in sequence, stopping early (with at least
    ``min_requests``) once ``budget_s`` seconds have been spent measuring."""
    client = Client(port, timeout)
    statuses: dict = {}
    times: list[float] = []
    x_caches: dict = {}  # the app's X-Cache header (hit/miss) over the measured requests
    info: dict = {"path": path}
    try:
        last_body = b""
        warm_start = time.perf_counter()
        for _ in range(warmup):
            status, last_body, elapsed, _h = client.get(path)
            info.setdefault("first_ms", elapsed)
            if time.perf_counter() - warm_start > budget_s / 2:
                break
        start = time.perf_counter()
        for i in range(requests):
            status, body, elapsed, headers = client.get(path)
            statuses[status] = statuses.get(status, 0) + 1
            times.append(elapsed)
            cache = x_cache(headers)
            if cache is not None:
                x_caches[cache] = x_caches.get(cache, 0) + 1
            last_body = body
            if time.perf_counter() - start > budget_s and i + 1 >= min_requests:
                info["stopped_early"] = f"time budget {budget_s:.0f}s spent after {i + 1} requests"
                break
        wall = time.perf_counter() - start
    finally:
        client.close()
    info.update(summarize(times, statuses, wall))
    if x_caches:
        info["x_cache"] = x_caches
    info["bytes"] = len(last_body)
    if check is not None:
        info.update(check(last_body))
    return info


def stream_download(port: int, path: str, *, pids: list[int], timeout: float, read_timeout=120.0):
    """Download ``path`` in 64 kB reads, counting bytes and lines, while a thread samples the
    resident memory of ``pids`` every 50 ms. Returns timings, sizes and memory figures."""
    samples: list[tuple[float, int]] = []  # (seconds since start, summed VmRSS kB)
    before = {pid: memory_kb(pid) for pid in pids}
    stop = threading.Event()
    start = time.perf_counter()

    def sample():
        while not stop.is_set():
            total = sum(memory_kb(pid).get("VmRSS", 0) for pid in pids)
            samples.append((time.perf_counter() - start, total))
            stop.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=read_timeout)
    size = lines = 0
    first_byte = None
    status = None
    error = None
    tail = b""
    try:
        conn.request("GET", path, headers={"Accept-Encoding": "identity"})
        resp = conn.getresponse()
        status = resp.status
        while True:
            chunk = resp.read(65536)
            if not chunk:
                break
            if first_byte is None:
                first_byte = time.perf_counter() - start
            size += len(chunk)
            lines += chunk.count(b"\n")
            tail = (tail + chunk)[-400:]
            if time.perf_counter() - start > timeout:
                error = f"stopped after {timeout:.0f}s (client time limit)"
                break
    except (OSError, http.client.HTTPException) as exc:
        error = f"{type(exc).__name__}: {exc}"
    finally:
        elapsed = time.perf_counter() - start
        stop.set()
        sampler.join(timeout=5)
        conn.close()
    after = {pid: memory_kb(pid) for pid in pids}
    rss_before = sum(m.get("VmRSS", 0) for m in before.values())
    peak = max((kb for _t, kb in samples), default=rss_before)
    second_half = [kb for t, kb in samples if t >= 0.5 * elapsed]
    rss_mid = second_half[0] if second_half else rss_before
    return {
        "path": path,
        "status": status,
        "error": error,
        "seconds": elapsed,
        "first_byte_s": first_byte,
        "bytes": size,
        "lines": lines,
        "tail": tail.decode("utf-8", "replace")[-200:],
        "rss_before_kb": rss_before,
        "rss_mid_kb": rss_mid,
        "rss_peak_kb": peak,
        "vmhwm_after_kb": sum(m.get("VmHWM", 0) for m in after.values()),
        "vmhwm_before_kb": sum(m.get("VmHWM", 0) for m in before.values()),
        # Flat memory: what the second half of the export adds (the first half includes the
        # query's start-up and the first chunks, which are paid once).
        "growth_second_half_kb": max(second_half, default=rss_mid) - rss_mid,
        "samples": [(round(t, 2), kb) for t, kb in samples[:: max(1, len(samples) // 200)]],
    }
