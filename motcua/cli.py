"""The `motcua` command: run the product, or one of its parts."""

import argparse
import asyncio
import logging

from motcua.settings import get_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="motcua", description="Một cửa dossier engine")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="API + worker + embedded Temporal, with demo data")
    run.add_argument("--no-demo", action="store_true", help="do not create demo dossiers")
    commands.add_parser("worker", help="run a Temporal worker")
    commands.add_parser("api", help="serve the HTTP API")
    commands.add_parser("migrate", help="apply migrations and load reference data")
    args = parser.parse_args(argv)

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for noisy in ("alembic", "weasyprint", "fontTools"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    settings = get_settings()
    if args.command == "run":
        from motcua.runner import run as run_all

        return run_all(settings, demo=not args.no_demo)
    if args.command == "worker":
        from motcua.worker import main as run_worker

        run_worker(settings)
        return 0
    if args.command == "api":
        import uvicorn

        uvicorn.run(
            "api.app:create_app", factory=True, host=settings.api_host, port=settings.api_port
        )
        return 0
    from motcua.database import prepare_database

    asyncio.run(prepare_database(settings.resolved_database_url))
    return 0
