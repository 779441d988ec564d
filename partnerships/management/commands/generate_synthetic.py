import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection, transaction

from partnerships import pagecache, synthetic
from partnerships.models import Organization, Region, SisterSchoolPartnership

DEFAULT_PARTNERSHIPS = 10_000
DEFAULT_ORGANIZATIONS = 2_000
DEFAULT_SEED = 1


class Command(BaseCommand):
    help = (
        "Fill the database with synthetic, reproducible data for browsing and benchmarks: real "
        "countries and subdivisions (ISO 3166), organizations of every kind, partnerships "
        f"established since {synthetic.FIRST_YEAR}, conferences and alliances. Every row made is "
        "published and marked synthetic (is_synthetic), cites nothing and has no history; sourced "
        "records are never changed. The same --seed gives the same data. Synthetic data already "
        "present is not added to: the command refuses and asks for --clear. --clear alone deletes "
        "every synthetic row and leaves exactly the sourced records; --clear with sizes replaces "
        "the synthetic data. All of it happens in one transaction: on any error nothing is left "
        "behind. On PostgreSQL, rows go in with COPY; a table that gets 50,000 rows or more has "
        "its indexes and constraints rebuilt after the load (same names and definitions), and "
        "other sessions wait for the commit to read it. SQLite takes batched INSERTs (slower)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--partnerships",
            metavar="N",
            help=f"Sister-school partnerships to make (1 to {synthetic.MAX_PARTNERSHIPS:,}; "
            f"default {DEFAULT_PARTNERSHIPS:,}).",
        )
        parser.add_argument(
            "--organizations",
            metavar="M",
            help=f"Organizations to make (2 to {synthetic.MAX_ORGANIZATIONS:,}; default "
            f"{DEFAULT_ORGANIZATIONS:,}). Two organizations have at most one partnership per "
            "level, so N may be at most M*(M-1).",
        )
        parser.add_argument(
            "--seed",
            metavar="S",
            help=f"Random seed (a whole number; default {DEFAULT_SEED}).",
        )
        parser.add_argument(
            "--clear",
            action="store_true",
            help="Delete all synthetic records first (alone: only delete them).",
        )

    def handle(self, *args, **options):
        clear = options["clear"]
        sizes_given = any(options[k] is not None for k in ("partnerships", "organizations", "seed"))
        try:
            n_partnerships = synthetic.parse_size(
                DEFAULT_PARTNERSHIPS
                if options["partnerships"] is None
                else options["partnerships"],
                "--partnerships",
                synthetic.MAX_PARTNERSHIPS,
            )
            n_organizations = synthetic.parse_size(
                DEFAULT_ORGANIZATIONS
                if options["organizations"] is None
                else options["organizations"],
                "--organizations",
                synthetic.MAX_ORGANIZATIONS,
                minimum=2,
            )
            seed = synthetic.parse_seed(
                DEFAULT_SEED if options["seed"] is None else options["seed"]
            )
            synthetic.check_sizes(n_partnerships, n_organizations)
        except synthetic.SyntheticError as exc:
            raise CommandError(str(exc)) from None
        generate = sizes_given or not clear

        verbosity = options["verbosity"]
        progress = synthetic.Progress(self.log if verbosity >= 1 else None)
        started = time.monotonic()
        try:
            with transaction.atomic():
                synthetic.lock(connection)
                # COPY and set-based SQL send no signals: cached public pages are dropped
                # when this transaction commits.
                pagecache.changed()
                if connection.vendor == "postgresql":
                    # A bulk load, not a web request: DJANGO_STATEMENT_TIMEOUT_MS (meant for
                    # public pages) must not cancel the COPY of a million rows halfway.
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL statement_timeout = 0")
                deleted = {}
                existing = synthetic.synthetic_counts()
                if clear:
                    deleted = synthetic.clear(connection, progress)
                elif any(existing.values()):
                    present = ", ".join(f"{n:,} {name}" for name, n in existing.items() if n)
                    raise CommandError(
                        f"The database already holds synthetic data ({present}). Nothing was "
                        "added. Run with --clear to replace it (with the sizes) or only to "
                        "delete it (without)."
                    )
                cleared_at = time.monotonic()
                made = {}
                if generate:
                    made = synthetic.generate(
                        connection,
                        partnerships=n_partnerships,
                        organizations=n_organizations,
                        seed=seed,
                        progress=progress,
                    )
                generated_at = time.monotonic()
                progress.note("Committing (foreign keys deferred until now are checked)")
        except synthetic.SyntheticError as exc:
            raise CommandError(str(exc)) from None
        except DatabaseError as exc:
            raise CommandError(
                f"The database refused the synthetic data, so nothing was changed: {exc}"
            ) from exc
        finished = time.monotonic()
        vacuumed = self.vacuum(progress)
        if verbosity >= 1:
            if clear:
                self.summary(
                    "Deleted synthetic records", deleted, cleared_at - started, "rows deleted"
                )
            if generate:
                self.summary(
                    f"Generated synthetic data (seed {seed})",
                    made,
                    generated_at - cleared_at,
                    "rows written",
                )
            total = sum(deleted.values()) + sum(made.values())
            seconds = finished - started
            self.stdout.write(
                f"Committed in {finished - generated_at:.1f} s. Altogether {seconds:.1f} s, "
                f"{total / seconds if seconds else 0:,.0f} rows/s."
            )
            if vacuumed is not None:
                self.stdout.write(f"VACUUM ANALYZE of the tables written: {vacuumed:.1f} s.")

    def vacuum(self, progress) -> float | None:
        """PostgreSQL, after the commit: VACUUM ANALYZE the tables written (seconds taken),
        so that the list's counts read their indexes only (index-only scans need the
        visibility map that VACUUM writes: at 1M partnerships the unfiltered list took 2.2 s
        before, 1.2 s after). Not inside a caller's transaction, where VACUUM cannot run."""
        if connection.vendor != "postgresql" or connection.in_atomic_block:
            return None
        progress.note("VACUUM ANALYZE of the tables written")
        started = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")  # this command's connection only
            for model in (Region, Organization, SisterSchoolPartnership):
                table = connection.ops.quote_name(model._meta.db_table)
                cursor.execute(f"VACUUM (ANALYZE) {table}")
        return time.monotonic() - started

    def log(self, text: str) -> None:
        self.stderr.write(text, style_func=lambda s: s)

    def summary(self, title: str, counts: dict, seconds: float, what: str) -> None:
        order = [k for k in synthetic.SUMMARY_ORDER if k in counts]
        order += sorted(k for k in counts if k not in order)
        width = max([len(k) for k in order] + [10])
        lines = [f"{title} in {seconds:.1f} s:"]
        for key in order:
            lines.append(f"  {key:<{width}} {counts[key]:>12,}")
        total = sum(counts.values())
        rate = total / seconds if seconds > 0 else 0
        lines.append(f"  {'total':<{width}} {total:>12,} {what} ({rate:,.0f} rows/s)")
        self.stdout.write(self.style.SUCCESS("\n".join(lines)))
