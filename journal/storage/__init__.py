"""Pick the storage backend from STORAGE_URL: file:///path or s3://bucket?endpoint_url=…&region=…"""

from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app

from journal.storage.base import Storage, StorageError, StoredObject, content_disposition, new_key

__all__ = ["Storage", "StorageError", "StoredObject", "content_disposition", "get_storage", "new_key",
           "storage_from_url"]


def storage_from_url(url: str, secret_key: str) -> Storage:
    parts = urlsplit(url)
    if parts.scheme == "file":
        from journal.storage.local import LocalStorage

        return LocalStorage(unquote(parts.path), secret_key)
    if parts.scheme == "s3":
        from journal.storage.s3 import S3Storage

        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        return S3Storage(
            parts.netloc,
            endpoint_url=query.get("endpoint_url"),
            region=query.get("region"),
            prefix=parts.path,
            create_bucket=query.get("create_bucket", "false").lower() in ("1", "true", "yes"),
        )
    raise ValueError(f"STORAGE_URL must start with file:// or s3://, not {url!r}")


def get_storage() -> Storage:
    return current_app.extensions["journal.storage"]
