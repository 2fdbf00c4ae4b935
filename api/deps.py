"""The API's shared resources and the dependency aliases routes ask for."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

from db.session import SessionMaker
from motcua.settings import Settings


@dataclass(frozen=True)
class Resources:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: SessionMaker
    temporal: Client


async def get_resources(request: Request) -> Resources:
    # async: FastAPI runs a plain `def` dependency on its thread pool, a hop per request.
    resources: Resources = request.app.state.resources
    return resources


ResourcesDep = Annotated[Resources, Depends(get_resources)]


async def get_session(resources: ResourcesDep) -> AsyncIterator[AsyncSession]:
    # Writes commit explicitly, before any workflow is started or signalled.
    async with resources.sessionmaker() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]
