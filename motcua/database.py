"""Preparing a database for use: migrations, then the shipped reference data."""

import catalogue
from db.migrate import upgrade_async
from db.reference import load_procedures, load_units
from db.session import make_engine, make_sessionmaker


async def prepare_database(database_url: str, timezone: str) -> None:
    await upgrade_async(database_url, timezone)
    engine = make_engine(database_url)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            await load_units(session, catalogue.load_units())
            await load_procedures(session, catalogue.load_procedures())
    finally:
        await engine.dispose()


async def recount_statistics(database_url: str, timezone: str) -> int:
    """Rebuilds the daily roll-up from the projection (after a restore or a repair)."""
    from zoneinfo import ZoneInfo

    from db.statistics import rebuild_daily

    engine = make_engine(database_url)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            return await rebuild_daily(session, ZoneInfo(timezone))
    finally:
        await engine.dispose()


async def save_staff(
    database_url: str,
    username: str,
    full_name: str,
    password: str,
    role: str,
    unit: str,
    *,
    enable: bool = False,
) -> bool:
    """Create or update the account; whether it is active afterwards (a disabled account
    stays disabled unless `enable`)."""
    [active] = await _save_users(
        database_url, [(username, full_name, role, unit)], password, enable=enable
    )
    return active


async def disable_staff(database_url: str, username: str) -> bool:
    """Disable the account and end its sessions; False when there is no such account."""
    from db.users import disable_user

    engine = make_engine(database_url)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            return await disable_user(session, username)
    finally:
        await engine.dispose()


async def ensure_demo_users(database_url: str) -> None:
    """The demo accounts of `make run` (development only), all with the demo password."""
    from motcua.demo import DEMO_PASSWORD, DEMO_USERS

    await _save_users(database_url, DEMO_USERS, DEMO_PASSWORD)


async def save_demo_staff(database_url: str, password: str) -> None:
    """A clerk, an officer and a leader in every unit, `{role}.{unit}` (demo seeding only)."""
    import catalogue

    roles = [("clerk", "Cán bộ một cửa"), ("officer", "Chuyên viên"), ("leader", "Lãnh đạo")]
    staff = [
        (f"{role}.{unit.code}", f"{title} {unit.name_vi}", role, unit.code)
        for unit in catalogue.load_units()
        for role, title in roles
    ]
    await _save_users(database_url, staff, password)


async def _save_users(
    database_url: str,
    users: list[tuple[str, str, str, str]],
    password: str,
    *,
    enable: bool = False,
) -> list[bool]:
    """Each account saved, and whether it is active afterwards."""
    from db.users import passwords, save_user

    engine = make_engine(database_url)
    try:
        password_hash = passwords.hash(password)
        async with make_sessionmaker(engine)() as session, session.begin():
            return [
                await save_user(
                    session, username, full_name, password_hash, role, unit, enable=enable
                )
                for username, full_name, role, unit in users
            ]
    finally:
        await engine.dispose()
