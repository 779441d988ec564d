"""Subprocesses with timeouts, servers started in their own process group and stopped by it,
and memory readings from /proc."""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import socket
import subprocess
import time
from pathlib import Path

LOOPBACK = "127.0.0.1"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(cmd, *, env=None, cwd=None, timeout: float, capture=False, log_file=None, check=True):
    """Run ``cmd`` with a timeout. Output goes to ``log_file`` (appended), is captured, or is
    inherited. Raises on timeout or (with check) on a non-zero exit."""
    log("$ " + shlex.join(str(c) for c in cmd))
    kwargs = {}
    handle = None
    if capture:
        kwargs.update(stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    elif log_file:
        handle = open(log_file, "a")  # noqa: SIM115 - closed below
        kwargs.update(stdout=handle, stderr=subprocess.STDOUT)
    try:
        result = subprocess.run(
            [str(c) for c in cmd], env=env, cwd=cwd, timeout=timeout, check=False, **kwargs
        )
    finally:
        if handle:
            handle.close()
    if check and result.returncode != 0:
        detail = ""
        if capture:
            detail = (result.stderr or result.stdout or "")[-2000:]
        elif log_file:
            detail = f"(see {log_file})"
        raise RuntimeError(
            f"command failed ({result.returncode}): {shlex.join(map(str, cmd))} {detail}"
        )
    return result


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


class Server:
    """A server process in its own session; ``stop()`` ends that process group only."""

    def __init__(self, name: str, cmd: list, *, env, cwd, log_path: Path, port: int):
        self.name = name
        self.cmd = [str(c) for c in cmd]
        self.port = port
        self.log_path = log_path
        log(f"starting {name}: {shlex.join(self.cmd)}")
        self._log = open(log_path, "a")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            self.cmd,
            env=env,
            cwd=cwd,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait_ready(self, path: str, timeout: float = 60.0) -> None:
        import http.client

        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self.proc.returncode}; see {self.log_path}"
                )
            try:
                conn = http.client.HTTPConnection(LOOPBACK, self.port, timeout=5)
                conn.request("GET", path)
                resp = conn.getresponse()
                resp.read()
                conn.close()
                if resp.status == 200:
                    return
                last = f"HTTP {resp.status}"
            except OSError as exc:
                last = str(exc)
            time.sleep(0.3)
        raise RuntimeError(f"{self.name} not ready after {timeout}s ({last}); see {self.log_path}")

    def stop(self, timeout: float = 15.0) -> None:
        if self.proc.poll() is None:
            log(f"stopping {self.name} (pid {self.proc.pid})")
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        # Stray children of the group (a gunicorn worker whose master died, say).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self._log.close()

    def children(self) -> list[int]:
        return child_pids(self.proc.pid)


def child_pids(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        return [int(p) for p in path.read_text().split()]
    except OSError:
        pass
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                for line in (entry / "status").read_text().splitlines():
                    if line.startswith("PPid:") and int(line.split()[1]) == pid:
                        found.append(int(entry.name))
                        break
            except OSError:
                continue
    return found


def memory_kb(pid: int) -> dict:
    """VmRSS and VmHWM (peak resident set) of a process, in kB."""
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0])
    except OSError:
        pass
    return out


def python_info(python: str) -> str:
    return run(
        [python, "-c", "import sys; print(sys.version.split()[0])"], capture=True, timeout=30
    ).stdout.strip()


def cpu_busy(seconds: float = 1.0) -> float:
    """Share of all cores busy over ``seconds`` (from /proc/stat), 0..1: what else runs."""

    def sample():
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
        return idle, sum(fields)

    try:
        i1, t1 = sample()
        time.sleep(seconds)
        i2, t2 = sample()
    except OSError:
        return -1.0
    return round(1 - (i2 - i1) / max(1, t2 - t1), 3)
