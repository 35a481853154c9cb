"""Pick the storage backend from STORAGE_URL: file:///path or s3://bucket?endpoint_url=…&region=…"""

from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app

from journal.storage.base import (ObjectMissing, Storage, StorageError, StorageUnavailable, StoredObject,
                                  content_disposition, new_key)

__all__ = ["ObjectMissing", "Storage", "StorageError", "StorageUnavailable", "StoredObject", "content_disposition",
           "get_storage", "new_key", "signed_download", "storage_from_url"]


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


def signed_download(key: str, *, filename: str, media_type: str, inline: bool = False) -> str:
    """The one maker of download links: signed for DOWNLOAD_URL_SECONDS, under the name the caller chose.

    The object is looked up first, so that a storage outage is a clear "try again" page (StorageUnavailable)
    and a lost object a "missing" page (ObjectMissing) rather than a link that fails in the browser."""
    storage = get_storage()
    if not storage.exists(key):
        raise ObjectMissing(f"object {key!r} is missing")
    return storage.download_url(key, filename=filename, media_type=media_type, inline=inline,
                                expires_in=current_app.config["DOWNLOAD_URL_SECONDS"])
