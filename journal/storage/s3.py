"""Objects in any S3-compatible server (AWS S3, SeaweedFS, MinIO) through boto3."""

from collections.abc import Iterator
from typing import BinaryIO

import boto3
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError

from journal.storage.base import HashingReader, Storage, StorageError, StoredObject, content_disposition


class S3Storage(Storage):
    name = "s3"

    def __init__(self, bucket: str, *, endpoint_url: str | None = None, region: str | None = None,
                 prefix: str = "", create_bucket: bool = False):
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region or "us-east-1",
            config=BotoConfig(signature_version="s3v4", s3={"addressing_style": "path"},
                              retries={"max_attempts": 3, "mode": "standard"}),
        )
        if create_bucket:
            self._ensure_bucket()

    def _ensure_bucket(self) -> None:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError:
            self.client.create_bucket(Bucket=self.bucket)

    def _key(self, key: str) -> str:
        if not key or key.startswith("/") or ".." in key.split("/"):
            raise StorageError(f"invalid storage key {key!r}")
        return self.prefix + key

    def put(self, key, stream, *, media_type="application/octet-stream", max_size=None) -> StoredObject:
        if self.exists(key):
            raise StorageError(f"object {key!r} exists; stored files are never overwritten")
        reader = HashingReader(stream, max_size)
        try:
            # The reader has no seek(): boto3 streams it part by part, in order, never whole in memory.
            self.client.upload_fileobj(reader, self.bucket, self._key(key), ExtraArgs={"ContentType": media_type})
        except (BotoCoreError, ClientError) as exc:
            self.delete(key)
            raise StorageError(f"could not store {key!r}: {exc}") from exc
        return StoredObject(key=key, size=reader.size, sha256=reader.sha256)

    def open(self, key: str) -> BinaryIO:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"]
        except ClientError as exc:
            raise StorageError(f"object {key!r} is missing: {exc}") from exc

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
            return True
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise

    def keys(self, prefix: str = "") -> Iterator[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix + prefix):
            for item in page.get("Contents", []):
                yield item["Key"][len(self.prefix):]

    def download_url(self, key, *, filename, media_type, inline=False, expires_in=300) -> str:
        return self.client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": self._key(key),
                "ResponseContentDisposition": content_disposition(filename, inline),
                "ResponseContentType": media_type,
            },
            ExpiresIn=expires_in,
        )

    def check(self) -> None:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"S3 bucket {self.bucket!r} is not reachable: {exc}") from exc
