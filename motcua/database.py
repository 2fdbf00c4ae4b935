"""Preparing a database for use: migrations, then the shipped reference data."""

import catalogue
from db.migrate import upgrade_async
from db.reference import load_procedures, load_units
from db.session import make_engine, make_sessionmaker


async def prepare_database(database_url: str) -> None:
    await upgrade_async(database_url)
    engine = make_engine(database_url)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            await load_units(session, catalogue.load_units())
            await load_procedures(session, catalogue.load_procedures())
    finally:
        await engine.dispose()
