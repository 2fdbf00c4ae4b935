"""The document store the settings describe: a folder under data/, or S3-compatible storage;
sealed with the payload key ring either way."""

from motcua.codec import development_key, parse_keys
from motcua.settings import Settings
from store.backends import Backend, FolderBackend, S3Backend
from store.clamd import Clamd
from store.content import ContentStore
from store.sealing import KeyRing


def key_ring(settings: Settings) -> KeyRing:
    return KeyRing(parse_keys(settings.payload_keys) or [development_key(settings.secret_key)])


def backend(settings: Settings) -> Backend:
    if settings.documents_backend == "s3":
        return S3Backend(
            settings.documents_s3_bucket,
            endpoint_url=settings.documents_s3_endpoint or None,
            region=settings.documents_s3_region or None,
            access_key=settings.documents_s3_access_key or None,
            secret_key=settings.documents_s3_secret_key or None,
            prefix=settings.documents_s3_prefix,
        )
    return FolderBackend(settings.data_dir / "documents")


def content_store(settings: Settings) -> ContentStore:
    scanner = Clamd(settings.documents_clamd) if settings.documents_clamd else None
    return ContentStore(
        backend(settings), key_ring(settings), settings.data_dir / "spool", scanner=scanner
    )
