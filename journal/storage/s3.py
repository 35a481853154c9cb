"""Objects in any S3-compatible server (AWS S3, SeaweedFS, MinIO) through boto3."""

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import BinaryIO

import boto3
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError

from journal.storage.base import (HashingReader, ObjectMissing, Storage, StorageError, StorageUnavailable,
                                  StoredObject, check_key, content_disposition)

# One part in memory at a time; S3 wants parts of at least 5 MiB (except the last) and at most 10,000 of them.
PART_SIZE = 8 * 1024 * 1024
EXISTS_CODES = {"PreconditionFailed", "412", "ConditionalRequestConflict"}
MISSING_CODES = {"404", "NoSuchKey", "NotFound"}


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _unavailable(doing: str, exc: Exception) -> StorageUnavailable:
    """Anything but "exists" or "missing" is the service failing us (refused, timed out, 5xx, access denied):
    for the user the files service is unavailable; the log keeps botocore's text with the endpoint."""
    return StorageUnavailable(f"could not {doing}: {exc}")


class S3Storage(Storage):
    name = "s3"

    def __init__(self, bucket: str, *, endpoint_url: str | None = None, region: str | None = None,
                 prefix: str = "", create_bucket: bool = False, access_key: str | None = None,
                 secret_key: str | None = None):
        """Credentials default to boto3's usual sources (AWS_ACCESS_KEY_ID, …, instance roles)."""
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region or "us-east-1",
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            # An endpoint that drops packets must not hold a request for minutes (the default waits 60 s a try).
            config=BotoConfig(signature_version="s3v4", s3={"addressing_style": "path"}, connect_timeout=5,
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
        return self.prefix + check_key(key)

    def put(self, key, stream, *, media_type="application/octet-stream", max_size=None) -> StoredObject:
        name = self._key(key)
        if self.exists(key):  # fail before reading the stream; the conditional write below is the real guard
            raise StorageError(f"object {key!r} exists; stored files are never overwritten")
        reader = HashingReader(stream, max_size)
        try:
            first = reader.read(PART_SIZE)
            if len(first) < PART_SIZE:
                self.client.put_object(Bucket=self.bucket, Key=name, Body=first, ContentType=media_type,
                                       IfNoneMatch="*")
            else:
                pending = [first]
                del first  # the part list owns it, so it is freed once uploaded
                self._put_multipart(name, reader, pending, media_type)
        except ClientError as exc:
            if _code(exc) in EXISTS_CODES:
                raise StorageError(f"object {key!r} exists; stored files are never overwritten") from exc
            raise _unavailable(f"store {key!r} in bucket {self.bucket!r}", exc) from exc
        except BotoCoreError as exc:
            raise _unavailable(f"store {key!r} in bucket {self.bucket!r}", exc) from exc
        return StoredObject(key=key, size=reader.size, sha256=reader.sha256)

    def _put_multipart(self, name: str, reader: HashingReader, pending: list[bytes], media_type: str) -> None:
        """Parts one after another, in order, so at most one part is in memory; aborted on any failure."""
        upload_id = self.client.create_multipart_upload(Bucket=self.bucket, Key=name,
                                                        ContentType=media_type)["UploadId"]
        try:
            parts, part = [], pending.pop()
            while part:
                number = len(parts) + 1
                etag = self.client.upload_part(Bucket=self.bucket, Key=name, UploadId=upload_id,
                                               PartNumber=number, Body=part)["ETag"]
                parts.append({"PartNumber": number, "ETag": etag})
                part = None  # free this part before reading the next
                part = reader.read(PART_SIZE)
            self.client.complete_multipart_upload(Bucket=self.bucket, Key=name, UploadId=upload_id,
                                                  MultipartUpload={"Parts": parts}, IfNoneMatch="*")
        except BaseException:
            with contextlib.suppress(BotoCoreError, ClientError):
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=name, UploadId=upload_id)
            raise

    def open(self, key: str) -> BinaryIO:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"]
        except ClientError as exc:
            if _code(exc) in MISSING_CODES:
                raise ObjectMissing(f"object {key!r} is missing") from exc
            raise _unavailable(f"read {key!r} in bucket {self.bucket!r}", exc) from exc
        except BotoCoreError as exc:
            raise _unavailable(f"read {key!r} in bucket {self.bucket!r}", exc) from exc

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))
        except (BotoCoreError, ClientError) as exc:
            if isinstance(exc, ClientError) and _code(exc) in MISSING_CODES:
                return
            raise _unavailable(f"delete {key!r} in bucket {self.bucket!r}", exc) from exc

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
            return True
        except ClientError as exc:
            if _code(exc) in MISSING_CODES:
                return False
            raise _unavailable(f"look up {key!r} in bucket {self.bucket!r}", exc) from exc
        except BotoCoreError as exc:
            raise _unavailable(f"look up {key!r} in bucket {self.bucket!r}", exc) from exc

    def keys(self, prefix: str = "") -> Iterator[str]:
        for key, _written in self.listing(prefix):
            yield key

    def listing(self, prefix: str = "") -> Iterator[tuple[str, datetime]]:
        paginator = self.client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix + prefix):
                for item in page.get("Contents", []):
                    yield item["Key"][len(self.prefix):], item["LastModified"].astimezone(UTC)
        except (BotoCoreError, ClientError) as exc:
            raise _unavailable(f"list bucket {self.bucket!r}", exc) from exc

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
            raise StorageUnavailable(f"S3 bucket {self.bucket!r} is not reachable: {exc}") from exc
