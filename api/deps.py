"""The API's shared resources and the dependency aliases routes ask for."""

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Annotated

from asn1crypto import x509 as asn1_x509
from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

from db.session import SessionMaker, without_transaction
from motcua.settings import Settings
from motcua.signing import signing, trust_roots
from motcua.storage import content_store
from signing.seals import Signing
from store.content import ContentStore


@dataclass(frozen=True)
class Resources:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: SessionMaker
    temporal: Client
    # Built from the settings unless given (a test's own store).
    documents: ContentStore | None = field(default=None)
    # The unit's seal for the forms, and the roots signatures are verified against.
    signing: Signing | None = field(init=False, default=None)
    trust_roots: list[asn1_x509.Certificate] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        if self.documents is None:
            object.__setattr__(self, "documents", content_store(self.settings))
        object.__setattr__(self, "signing", signing(self.settings))
        object.__setattr__(self, "trust_roots", trust_roots(self.settings))

    @property
    def content(self) -> ContentStore:
        assert self.documents is not None
        return self.documents


async def get_resources(request: Request) -> Resources:
    # async: FastAPI runs a plain `def` dependency on its thread pool, a hop per request.
    resources: Resources = request.app.state.resources
    return resources


ResourcesDep = Annotated[Resources, Depends(get_resources)]

_READS = {"GET", "HEAD"}


async def get_session(request: Request, resources: ResourcesDep) -> AsyncIterator[AsyncSession]:
    """The request's session: its work commits when the route has returned, and an exception
    rolls it back (services.transaction says when a route commits earlier)."""
    async with resources.sessionmaker() as session:
        if request.method in _READS:
            await without_transaction(session)
        yield session
        if session.in_transaction():
            await session.commit()


# "function": the commit happens before the answer is sent, so a client that reads right
# after its write sees it, and a failed commit is answered as the failure it is.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
