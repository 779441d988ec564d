"""A 50,000-row organizations import through the admin, over HTTP, as staff do it: gunicorn and
the job worker on PostgreSQL, a publisher signs in, uploads the file, waits for the preview,
confirms; the web server is killed (SIGKILL) right after the confirmation and started again.

    .venv/bin/python bench/import_e2e.py --rows 50000 --format csv
    .venv/bin/python bench/import_e2e.py --rows 50000 --format xlsx --bad-row 49999

Prints every request's duration (the longest is what "no request longer than 2 s" is about),
the preview and import times from upload to "done" as the job page shows them, rows/s, and
the organizations in the database afterwards. Uses the database ``bench_e2e`` on
127.0.0.1:5432 (dropped and created again) and port 8179.
"""

from __future__ import annotations

import argparse
import contextlib
import http.cookiejar
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from import_speed import make_file  # noqa: E402

DB = "bench_e2e"
URL = f"postgres://postgres@127.0.0.1:5432/{DB}"
PORT = 8179
BASE = f"http://127.0.0.1:{PORT}"
PY = str(ROOT / ".venv" / "bin" / "python")
ENV = {
    **os.environ,
    "DATABASE_URL": URL,
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "bench-only-secret-key-not-for-production-use-1234567890",
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    "DJANGO_SESSION_COOKIE_SECURE": "0",
    "DJANGO_CSRF_COOKIE_SECURE": "0",
    "DJANGO_SECURE_HSTS_SECONDS": "0",
}
LOG = Path(tempfile.gettempdir()) / "import_e2e_web.log"  # the servers' stderr
PASSWORD = "bench-publisher-password-1"  # noqa: S105
durations: list[tuple[str, float]] = []


def manage(*args, env=None):
    subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=env or ENV, check=True, stdout=subprocess.DEVNULL
    )


def start_web():  # noqa: SIM115 (the log stays open for the server's life)
    return subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "partnerships.wsgi",
            "-c",
            "partnerships/gunicorn_conf.py",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            "2",
        ],
        cwd=ROOT,
        env={**ENV, "DJANGO_STATEMENT_TIMEOUT_MS": "5000"},
        stdout=subprocess.DEVNULL,
        stderr=open(LOG, "a"),
        start_new_session=True,
    )


def wait_up():
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{BASE}/healthz", timeout=2)  # noqa: S310
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the web server did not start")


class Browser:
    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def request(self, label, path, data=None, headers=None):
        started = time.perf_counter()
        req = urllib.request.Request(BASE + path, data=data, headers=headers or {})
        if data is not None:
            req.add_header("X-CSRFToken", self.csrf())
            req.add_header("Referer", BASE + path)
        with self.opener.open(req, timeout=60) as response:
            body = response.read().decode("utf-8", "replace")
            final = response.geturl()
        durations.append((label, time.perf_counter() - started))
        return final, body

    def post(self, label, path, fields):
        return self.request(label, path, urllib.parse.urlencode(fields).encode())

    def upload(self, label, path, fields, filename, content):
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in fields.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"'
                f"\r\n\r\n{value}\r\n".encode()
            )
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="import_file"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request(
            label,
            path,
            b"".join(parts),
            {"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )


def wait_job(browser, path, label):
    started = time.perf_counter()
    while True:
        _, body = browser.request(label, path)
        if 'http-equiv="refresh"' not in body:
            return time.perf_counter() - started, body
        time.sleep(1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    parser.add_argument("--bad-row", type=int, default=0, help="make this data row invalid")
    args = parser.parse_args()

    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DB], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DB], check=True)
    manage("migrate", "--no-input")
    manage("loaddata", "fixtures/seed.json")
    manage("collectstatic", "--no-input", "-v", "0")
    subprocess.run(
        [
            PY,
            "manage.py",
            "shell",
            "-c",
            "from django.contrib.auth.models import User; "
            f"User.objects.create_user('pub', 'p@x.org', '{PASSWORD}')",
        ],
        cwd=ROOT,
        env=ENV,
        check=True,
    )
    manage("grant_role", "pub", "publisher")
    content = make_file(args.format, args.rows)
    if args.bad_row:
        if args.format != "csv":
            raise SystemExit("--bad-row works with --format csv")
        lines = content.decode().splitlines()
        cells = lines[args.bad_row].split(",")
        cells[1] = "no-such-kind"
        lines[args.bad_row] = ",".join(cells)
        content = ("\n".join(lines) + "\n").encode()

    worker = subprocess.Popen(
        [PY, "manage.py", "db_worker", "--no-reload"],
        cwd=ROOT,
        env={**ENV, "DJANGO_STATEMENT_TIMEOUT_MS": "0"},
        stdout=subprocess.DEVNULL,
        stderr=open(LOG, "a"),  # noqa: SIM115 (open for the worker's life)
        start_new_session=True,
    )
    web = start_web()
    try:
        wait_up()
        browser = Browser()
        browser.request("login page", "/admin/login/")
        browser.post(
            "sign in",
            "/admin/login/?next=/admin/",
            {"username": "pub", "password": PASSWORD, "next": "/admin/"},
        )
        browser.request("import page", "/admin/partnerships/organization/import/")
        fmt = "0" if args.format == "csv" else "1"
        job_url, _ = browser.upload(
            "upload",
            "/admin/partnerships/organization/import/",
            {"resource": "0", "format": fmt},
            f"orgs.{args.format}",
            content,
        )
        job_path = urllib.parse.urlparse(job_url).path
        preview_s, body = wait_job(browser, job_path, "preview page")
        print(f"preview: {preview_s:.1f} s ({args.rows / preview_s:,.0f} rows/s)")
        if args.bad_row:
            invalid = re.findall(
                r'<tr class="row-invalid">\s*<td>(\d+)</td>.*?'
                r'<li class="import-error-li">(.*?)</li>',
                body,
                re.S,
            )
            print("rows with errors:", [(n, re.sub("<[^>]+>", "", e)) for n, e in invalid])
            print("confirm button shown:", 'name="confirm"' in body)
            print(f"organizations in the database: {count()} (the fixtures' 11)")
        else:
            before = count()
            import_url, _ = browser.post("confirm", job_path + "confirm/", {})
            # The web server dies while the import job runs; the worker goes on.
            os.killpg(web.pid, signal.SIGKILL)
            web.wait()
            killed = time.perf_counter()
            web = start_web()
            wait_up()
            print(f"web server killed and started again in {time.perf_counter() - killed:.1f} s")
            import_s, body = wait_job(
                browser, urllib.parse.urlparse(import_url).path, "import page"
            )
            job_seconds = re.search(r"rows · ([\d.]+) s", body)
            if job_seconds:
                seconds = float(job_seconds.group(1))
                print(f"import job: {seconds:.1f} s ({args.rows / seconds:,.0f} rows/s)")
            print(
                f"import: {import_s:.1f} s after the restart; organizations "
                f"{before} -> {count()} (+{count() - before})"
            )
        slowest = sorted(durations, key=lambda d: -d[1])[:5]
        print("slowest requests:", ", ".join(f"{label} {s:.2f} s" for label, s in slowest))
        print(f"requests: {len(durations)}")
    finally:
        for proc in (web, worker):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)


def count() -> int:
    out = subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            DB,
            "-Atc",
            "select count(*) from partnerships_organization",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout.strip())


if __name__ == "__main__":
    main()
