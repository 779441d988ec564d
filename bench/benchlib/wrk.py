"""wrk runs against 127.0.0.1 only, always with a duration, and their output parsed."""

from __future__ import annotations

import re
import shutil

from .procs import LOOPBACK, run

UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def to_ms(text: str) -> float | None:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not m:
        return None
    return float(m.group(1)) * UNITS_MS[m.group(2)]


def parse(output: str) -> dict:
    out: dict = {"raw": output}
    m = re.search(r"Latency\s+(\S+)\s+(\S+)\s+(\S+)", output)
    if m:
        out["latency_avg_ms"] = to_ms(m.group(1))
        out["latency_stdev_ms"] = to_ms(m.group(2))
        out["latency_max_ms"] = to_ms(m.group(3))
    for pct in ("50", "75", "90", "99"):
        m = re.search(rf"^\s*{pct}%\s+(\S+)", output, re.M)
        if m:
            out[f"latency_p{pct}_ms"] = to_ms(m.group(1))
    m = re.search(r"(\d+) requests in ([\d.]+)(\w+)", output)
    if m:
        out["requests"] = int(m.group(1))
    m = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if m:
        out["rps"] = float(m.group(1))
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    out["non_2xx_3xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    out["socket_errors"] = (
        dict(zip(("connect", "read", "write", "timeout"), map(int, m.groups()), strict=True))
        if m
        else {"connect": 0, "read": 0, "write": 0, "timeout": 0}
    )
    out["errors_total"] = out["non_2xx_3xx"] + sum(out["socket_errors"].values())
    if not out.get("latency_max_ms"):
        # wrk records no latency for responses that came after its timeout: none in time.
        for key in list(out):
            if key.startswith("latency_"):
                out[key] = None
        out["no_response_in_time"] = True
    return out


def wrk_command(port: int, path: str, *, threads: int, connections: int, seconds: int) -> list:
    return [
        shutil.which("wrk") or "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "--latency",
        f"http://{LOOPBACK}:{port}{path}",
    ]


def run_wrk(port: int, path: str, *, threads=2, connections=16, seconds=30) -> dict:
    cmd = wrk_command(port, path, threads=threads, connections=connections, seconds=seconds)
    result = run(cmd, capture=True, timeout=seconds + 60, check=False)
    out = parse(result.stdout + result.stderr)
    out.update(
        path=path,
        threads=threads,
        connections=connections,
        seconds=seconds,
        command=" ".join(str(c) for c in cmd),
        exit_code=result.returncode,
    )
    return out
