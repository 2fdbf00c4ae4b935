"""When a request's work is committed.

The request's session commits once, when its route has returned (`api.deps.get_session`);
an exception rolls everything back. `commit_now` is the one explicit step before that, for
the two cases where the end of the request is too late:

- before Temporal is called: a workflow must never be started or told about a row the
  request could still roll back (a reserved dossier code, a calendar change);
- a count that must stand although the request is then refused (failed sign-ins, tracking
  look-ups): the refusal is the count's purpose.
"""

from sqlmodel.ext.asyncio.session import AsyncSession


async def commit_now(session: AsyncSession) -> None:
    await session.commit()
