"""Two places to keep sealed objects, behind one small interface: a folder (the embedded
default, nothing to set up) and S3-compatible object storage (a provincial data centre's
MinIO or Ceph RGW, a government cloud)."""

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Protocol

READ_CHUNK = 256 * 1024


class Backend(Protocol):
    async def exists(self, name: str) -> bool: ...

    async def put(self, name: str, source: Path) -> None:
        """Keep the file at `source` under `name`; a reader never sees it half-written."""

    def get(self, name: str) -> AsyncIterator[bytes]: ...

    async def delete(self, name: str) -> None: ...


class FolderBackend:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, name: str) -> Path:
        return self.root / name[:2] / name[2:4] / name

    async def exists(self, name: str) -> bool:
        return await asyncio.to_thread(self._path(name).exists)

    async def put(self, name: str, source: Path) -> None:
        await asyncio.to_thread(self._put, name, source)

    def _put(self, name: str, source: Path) -> None:
        target = self._path(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(f".{os.getpid()}.partial")
        with source.open("rb") as reader, partial.open("wb") as writer:
            while block := reader.read(READ_CHUNK):
                writer.write(block)
            writer.flush()
            os.fsync(writer.fileno())
        os.replace(partial, target)

    async def get(self, name: str) -> AsyncIterator[bytes]:
        reader = await asyncio.to_thread(self._path(name).open, "rb")
        try:
            while block := await asyncio.to_thread(reader.read, READ_CHUNK):
                yield block
        finally:
            reader.close()

    async def delete(self, name: str) -> None:
        await asyncio.to_thread(self._path(name).unlink, True)


class S3Backend:
    """Through aioboto3; one client per call keeps the backend free of loop-bound state."""

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        prefix: str = "",
    ) -> None:
        import aioboto3  # only a deployment that configures S3 needs it loaded

        self.bucket = bucket
        self.prefix = prefix
        self._session = aioboto3.Session(
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            region_name=region or "us-east-1",
        )
        self._endpoint_url = endpoint_url

    def _client(self) -> Any:
        return self._session.client("s3", endpoint_url=self._endpoint_url)

    async def exists(self, name: str) -> bool:
        from botocore.exceptions import ClientError

        async with self._client() as s3:
            try:
                await s3.head_object(Bucket=self.bucket, Key=self.prefix + name)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                    return False
                raise
            return True

    async def put(self, name: str, source: Path) -> None:
        # upload_file sends a large file in parts, from disk: never whole in memory. S3
        # makes the object visible only once complete.
        async with self._client() as s3:
            await s3.upload_file(str(source), self.bucket, self.prefix + name)

    async def get(self, name: str) -> AsyncIterator[bytes]:
        async with self._client() as s3:
            answer = await s3.get_object(Bucket=self.bucket, Key=self.prefix + name)
            body = answer["Body"]
            try:
                async for block in body.iter_chunks(READ_CHUNK):
                    yield block
            finally:
                body.close()

    async def delete(self, name: str) -> None:
        async with self._client() as s3:
            await s3.delete_object(Bucket=self.bucket, Key=self.prefix + name)

    async def ensure_bucket(self) -> None:
        from botocore.exceptions import ClientError

        async with self._client() as s3:
            try:
                await s3.head_bucket(Bucket=self.bucket)
            except ClientError:
                await s3.create_bucket(Bucket=self.bucket)
