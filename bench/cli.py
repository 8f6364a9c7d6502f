"""`python -m bench`: generate, serve, load, report."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"
QUICK = {
    "projects": 20, "users": 200, "milestones": 100, "audit_records": 5_000,
    "requirements": 2_000, "risks": 500, "tasks": 5_000, "changes": 200,
    "duration": 2.0, "warmup": 0.5,
}  # fmt: skip


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Generate a dataset, serve it with the production server and measure it.",
    )
    sizes = parser.add_argument_group("dataset")
    sizes.add_argument("--projects", type=int, default=200)
    sizes.add_argument("--users", type=int, default=5_000)
    sizes.add_argument("--milestones", type=int, default=2_000)
    sizes.add_argument("--audit-records", type=int, default=200_000)
    sizes.add_argument(
        "--requirements", type=int, default=20_000, help="requirements of the big project"
    )
    sizes.add_argument("--risks", type=int, default=5_000, help="risks of the big project")
    sizes.add_argument("--tasks", type=int, default=50_000, help="tasks of the big project")
    sizes.add_argument(
        "--changes", type=int, default=2_000, help="change requests of the big project"
    )
    sizes.add_argument("--seed", type=int, default=2026)
    load = parser.add_argument_group("load")
    load.add_argument("--duration", type=float, default=10.0, help="seconds per endpoint")
    load.add_argument("--warmup", type=float, default=2.0, help="seconds before measuring")
    load.add_argument("--connections", type=int, default=8)
    # One wrk thread drives 8 connections easily and leaves the second core to the server.
    load.add_argument("--threads", type=int, default=1, help="wrk threads")
    load.add_argument("--workers", type=int, default=2, help="server worker processes")
    load.add_argument(
        "--server-threads", type=int, help="threads per worker (default: as `accord serve`)"
    )
    load.add_argument(
        "--only", action="append", default=[], help="measure scenarios whose name has this text"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: a small dataset and 2 s per endpoint (figures are not comparable)",
    )
    where = parser.add_argument_group("where")
    where.add_argument(
        "--database-url",
        help="PostgreSQL database to fill instead of SQLite in the data folder, e.g. "
        "postgres://postgres@127.0.0.1:5432/accord_bench (created if missing)",
    )
    where.add_argument(
        "--reset-database",
        action="store_true",
        help="drop and recreate the --database-url database if it already holds data",
    )
    where.add_argument("--data-dir", type=Path, help="fresh data folder (default: a temporary one)")
    where.add_argument("--keep-data", action="store_true", help="keep the data folder afterwards")
    where.add_argument("--output-dir", type=Path, default=RESULTS_DIR)
    args = parser.parse_args(argv)
    if args.quick:
        defaults = {a.dest: a.default for a in parser._actions}
        for name, value in QUICK.items():
            if getattr(args, name) == defaults[name]:
                setattr(args, name, value)
    return args


def prepare_postgres(url: str, reset: bool) -> None:
    """Create the benchmark database; refuse to touch one that holds data unless told to."""
    import dj_database_url
    import psycopg
    from psycopg import sql

    config = dj_database_url.parse(url)
    name = config["NAME"]
    params = {
        "host": config["HOST"] or None,
        "port": config["PORT"] or None,
        "user": config["USER"] or None,
        "password": config["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**{k: v for k, v in params.items() if v is not None}) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists:
            if not reset:
                with psycopg.connect(
                    **{**{k: v for k, v in params.items() if v is not None}, "dbname": name}
                ) as target:
                    tables = target.execute(
                        "SELECT count(*) FROM information_schema.tables "
                        "WHERE table_schema = 'public'"
                    ).fetchone()[0]
                if tables:
                    raise SystemExit(
                        f"Database {name} already holds tables; pass --reset-database to "
                        "drop and recreate it."
                    )
                return
            print(f"Dropping database {name}", flush=True)
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        print(f"Creating database {name}", flush=True)
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def say(message: str) -> None:
    print(message, flush=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = dt.datetime.now(dt.UTC)
    # Other work on the machine skews the figures; the load average tells a reader.
    load_at_start = [round(x, 2) for x in os.getloadavg()]
    stem = started.strftime("%Y%m%dT%H%M%SZ")

    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="accord-bench-"))
    data_dir = data_dir.resolve()
    if data_dir.exists() and any(data_dir.iterdir()):
        raise SystemExit(
            f"The data folder {data_dir} is not empty; the benchmark needs a fresh one."
        )
    data_dir.mkdir(parents=True, exist_ok=True)

    # The benchmark never reads the caller's database settings: only what is given here.
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("ACCORD_TESTING", None)
    os.environ.pop("ACCORD_DEBUG", None)
    os.environ["ACCORD_DATA_DIR"] = str(data_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "accord.config.settings"
    if args.database_url:
        prepare_postgres(args.database_url, args.reset_database)
        os.environ["DATABASE_URL"] = args.database_url

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections

    from bench.datagen import Sizes, generate
    from bench.load import ensure_wrk, run_wrk
    from bench.probe import probe, sign_in
    from bench.report import Report, Row
    from bench.scenarios import SCENARIOS
    from bench.server import MemorySampler, Server, server_env

    wrk = ensure_wrk()
    database = (
        f"PostgreSQL {connection.pg_version // 10000}.{connection.pg_version % 10000}"
        if connection.vendor == "postgresql"
        else f"SQLite {connection.Database.sqlite_version} (WAL)"
    )
    say(f"== Data folder {data_dir}; database: {database}")
    t0 = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    say(f"   migrated and collected static files in {time.perf_counter() - t0:.1f} s")

    sizes = Sizes(
        projects=args.projects,
        users=args.users,
        milestones=args.milestones,
        audit_records=args.audit_records,
        requirements=args.requirements,
        risks=args.risks,
        tasks=args.tasks,
        changes=args.changes,
    )
    say(
        f"== Generating {sizes.projects:,} projects, {sizes.users:,} users, "
        f"{sizes.milestones:,} milestones, {sizes.audit_records:,} audit records, "
        f"{sizes.requirements:,} requirements, {sizes.risks:,} risks, {sizes.tasks:,} tasks, "
        f"{sizes.changes:,} change requests"
    )
    dataset = generate(sizes, seed=args.seed)
    say(f"   done in {dataset.seconds} s: {dataset.counts}")
    if connection.vendor == "postgresql":
        # Autovacuum analyses a table within a minute of a bulk load; measured at once, the
        # planner would still expect the empty tables it saw before (52 rows, not 20,000).
        t0 = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        say(f"   vacuumed and analysed in {time.perf_counter() - t0:.1f} s")
    credentials = sign_in(dataset)

    scenarios = [
        s for s in SCENARIOS if not args.only or any(o.lower() in s.name.lower() for o in args.only)
    ]
    rows = []
    say("== SQL queries per request (in-process)")
    for scenario in scenarios:
        result = probe(scenario, dataset, credentials)
        rows.append(Row(scenario, path=result.path, queries=result.queries, problem=result.problem))
        say(f"   {scenario.name}: {result.path} {result.queries} queries {result.problem}")
    connections.close_all()

    report = Report(
        started=started.isoformat(timespec="seconds"),
        environment={
            "cpus": os.cpu_count(),
            "cpu_model": cpu_model(),
            "load_average_at_start": load_at_start,
            "python": platform.python_version(),
            "database": database,
            "workers": args.workers,
            "server_threads": args.server_threads or "default",
            "connections": args.connections,
            "duration": args.duration,
            "warmup": args.warmup,
            "quick": args.quick,
        },
        dataset=dataset.summary(),
        rows=rows,
    )
    server = Server(
        env=server_env(dict(os.environ)),
        workers=args.workers,
        threads=args.server_threads,
        log_path=data_dir / "server.log",
    )
    say(f"== Starting `accord serve` with {args.workers} workers on {server.address}")
    server.start()
    try:
        with MemorySampler(server) as memory:
            for row in rows:
                if row.problem:
                    say(f"   {row.scenario.name}: not measured ({row.problem})")
                    continue
                scenario = row.scenario
                headers = credentials.headers(scenario.auth)
                body = scenario.body(dataset) if scenario.body else None
                if body is not None:
                    headers["Content-Type"] = scenario.content_type
                status, _ = server.get(row.path, headers, scenario.method, body)
                if status != scenario.status:
                    row.problem = f"the server answers {status}, not {scenario.status}"
                    say(f"   {scenario.name}: not measured ({row.problem})")
                    continue
                url = server.address + row.path
                options = {
                    "connections": args.connections,
                    "threads": args.threads,
                    "method": scenario.method,
                    "body": body or "",
                    "status": scenario.status,
                }
                if args.warmup > 0:
                    run_wrk(wrk, url, headers, seconds=args.warmup, **options)
                row.load = run_wrk(wrk, url, headers, seconds=args.duration, **options)
                say(
                    f"   {row.scenario.name}: {row.load.rps:.0f} req/s, "
                    f"p99 {row.load.p99_ms:.1f} ms, {row.load.errors} errors"
                )
            memory.sample()
        report.memory_rss_mb, report.memory_pss_mb = memory.peak_rss, memory.peak_pss
    finally:
        server.stop()

    # Concurrent writes went through the real server: the audit chains must still hold.
    from accord.core.audit import verify_audit_chains
    from accord.core.models import AuditEvent

    problems = [str(p) for p in verify_audit_chains()]
    report.audit_check = {"records": AuditEvent.objects.count(), "problems": problems}
    say(
        f"== Audit chains after the load: {report.audit_check['records']:,} records, "
        + (f"BROKEN: {problems[0]}" if problems else "verified")
    )

    say("")
    say(report.table())
    say("")
    md, js = report.write(args.output_dir, stem)
    say(f"Written to {md} and {js.name}")
    say(f"Overall: {'pass' if report.passed else 'FAIL'} (against the budget of DESIGN.md)")
    if not args.keep_data and not args.data_dir:
        shutil.rmtree(data_dir, ignore_errors=True)
    elif args.keep_data:
        say(f"Data kept in {data_dir}")
    if args.quick:
        # Smoke run: the figures mean little, but every endpoint must have answered cleanly.
        return 0 if all(r.load and not r.load.errors and not r.problem for r in rows) else 1
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
