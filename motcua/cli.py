"""The `motcua` command: run the product, or one of its parts."""

import argparse
import asyncio
import getpass
import sys

from motcua.logs import configure as configure_logging
from motcua.settings import Environment, Settings, get_settings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="motcua", description="Một cửa dossier engine")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="API + worker + embedded Temporal, with demo data")
    run.add_argument("--no-demo", action="store_true", help="do not create demo dossiers")
    seed = commands.add_parser(
        "seed", help="DEMO MODE: back-dated demo dossiers across the province (development only)"
    )
    seed.add_argument("--dossiers", type=int, default=200, help="how many (default 200)")
    seed.add_argument("--days", type=int, default=60, help="spread over the last N days")
    seed.add_argument("--concurrency", type=int, default=6)
    seed.add_argument("--seed", type=int, default=None, help="random seed, for a repeatable run")
    seed.add_argument("--api", default=None, help="API base URL (default: the settings' host/port)")
    commands.add_parser("worker", help="run a Temporal worker")
    alive = commands.add_parser(
        "alive", help="exit 0 while the worker's heartbeat file is fresh (a liveness probe)"
    )
    alive.add_argument("file", nargs="?", help="the heartbeat file (default: the settings')")
    commands.add_parser("api", help="serve the HTTP API")
    commands.add_parser("migrate", help="apply migrations and load reference data")
    commands.add_parser(
        "recount", help="rebuild the statistics' daily roll-up from the dossier projection"
    )
    user = commands.add_parser(
        "user", help="create or update a staff account (a new password ends its sessions)"
    )
    user.add_argument("username")
    user.add_argument("--name", help="full name")
    user.add_argument("--role", choices=["clerk", "officer", "leader", "supervisor", "admin"])
    user.add_argument("--unit", help="unit code, e.g. xa-vu-bon")
    switch = user.add_mutually_exclusive_group()
    switch.add_argument(
        "--disable", action="store_true", help="disable the account and end its sessions now"
    )
    switch.add_argument("--enable", action="store_true", help="enable a disabled account again")
    return parser


def command_names() -> set[str]:
    """The subcommands, for checks that deployment files only run what exists."""
    subcommands = next(
        a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)
    )
    return set(subcommands.choices)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)

    settings = get_settings()
    configure_logging(settings)
    # The embedded SQLite file and the Temporal log live here.
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if args.command == "run":
        from motcua.runner import run as run_all

        return run_all(settings, demo=not args.no_demo)
    if args.command == "seed":
        return _seed(settings, args)
    if args.command == "alive":
        from pathlib import Path

        from motcua.heartbeat import heartbeat_file, stale

        beat = Path(args.file) if args.file else heartbeat_file(settings)
        if stale(beat, settings):
            print(f"{beat}: no recent heartbeat; the worker makes no progress", file=sys.stderr)
            return 1
        return 0
    if args.command == "worker":
        from motcua.worker import main as run_worker

        run_worker(settings)
        return 0
    if args.command == "api":
        import uvicorn

        # Our logging (JSON in production) stays in charge; requests are logged by the app.
        uvicorn.run(
            "api.app:create_app",
            factory=True,
            host=settings.api_host,
            port=settings.api_port,
            log_config=None,
            access_log=False,
            # On SIGTERM, requests in flight get this long; what is still open then (a
            # dashboard's event stream never ends by itself) is closed, so a pod stops
            # within its grace period instead of being killed.
            timeout_graceful_shutdown=settings.api_drain_seconds,
        )
        return 0
    if args.command == "recount":
        from motcua.database import recount_statistics

        rows = asyncio.run(recount_statistics(settings.resolved_database_url, settings.timezone))
        print(f"{rows} day rows")
        return 0
    if args.command == "user":
        from motcua.database import disable_staff, save_staff

        if args.disable:
            if not asyncio.run(disable_staff(settings.resolved_database_url, args.username)):
                parser.error(f"no account {args.username!r}")
            print(f"{args.username}: đã khoá, mọi phiên đăng nhập đã kết thúc · disabled")
            return 0
        if not (args.name and args.role and args.unit):
            parser.error("--name, --role and --unit are needed to create or update an account")

        # From a terminal, asked without echo; from a pipe, the first line of input.
        password = (
            getpass.getpass("Mật khẩu / password: ")
            if sys.stdin.isatty()
            else (sys.stdin.readline().rstrip("\n"))
        )
        if len(password) < 10:
            parser.error("the password needs at least 10 characters")
        active = asyncio.run(
            save_staff(
                settings.resolved_database_url,
                args.username,
                args.name,
                password,
                args.role,
                args.unit,
                enable=args.enable,
            )
        )
        if not active:
            print(
                f"{args.username}: tài khoản đang bị khoá; thêm --enable để mở lại · "
                "the account is disabled: pass --enable to enable it",
                file=sys.stderr,
            )
        return 0
    from motcua.database import prepare_database

    asyncio.run(prepare_database(settings.resolved_database_url, settings.timezone))
    return 0


def _seed(settings: Settings, args: argparse.Namespace) -> int:
    from motcua.seed import seed

    if settings.environment is not Environment.DEVELOPMENT:
        print("motcua seed creates demo data: development only.", file=sys.stderr)
        return 2
    base_url = args.api or f"http://{settings.api_host}:{settings.api_port}"
    print(
        f"DEMO MODE — {args.dossiers} back-dated demo dossiers over {args.days} days "
        f"through {base_url} (the API must run with MOTCUA_DEMO_CLOCK=true; make run does).",
        file=sys.stderr,
    )
    tally = asyncio.run(
        seed(
            settings,
            base_url,
            args.dossiers,
            days=args.days,
            concurrency=args.concurrency,
            random_seed=args.seed,
        )
    )
    for outcome, count in sorted(tally.outcomes.items()):
        print(f"  {outcome:<22} {count}")
    print(f"  created {tally.created}, failed {tally.failed}")
    for error in tally.errors[:5]:
        print(f"  ! {error}", file=sys.stderr)
    return 0 if tally.failed == 0 else 1
