"""Where views and downloads wait to be counted: never the database while a reader waits.

A reader's view or download appends one small event (`UsageEvent`) to a buffer; `flask journal flush-usage`
(journal/services/usage.py) takes the buffer's events in batches and counts them by the COUNTER rules. Two buffers,
chosen by `USAGE_BUFFER_URL`:

- `redis://…` (production, several app servers): one Redis list (RPUSH per event). A flush renames the list to a
  batch key, atomically, so events appended meanwhile start a new list; the batch key stays until its counts are
  committed, then the events it had not yet counted go back to the list in one MULTI.
- otherwise (`make run`, one machine): append-only files under `<instance>/usage/`, one per minute and process
  (`<YYYYmmddHHMM>-<pid>.jsonl`, one line per event, opened in append mode for each event). A flush takes only the
  files of minutes that ended a minute ago or more, moving them into a batch directory.

Either way a batch has an id, and its counts are committed with a `UsageBatch` row of that id: a batch found again
after a crash whose id is already in the database is not counted again, only cleared.

The event keeps no IP address: `visitor` is a keyed hash (SECRET_KEY) of the signed-in account, or of the IP
address and user agent (COUNTER R5 §7.3's surrogate for a session), and `robot` is decided at once from the COUNTER
robots list (journal/data/counter_robots.json, §7.8).
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import re
import shutil
import uuid
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from pathlib import Path

VIEW, DOWNLOAD = "view", "download"
ROBOTS_FILE = Path(__file__).parent / "data" / "counter_robots.json"
REDIS_KEY = "journal:usage"
REDIS_BATCH_KEY = "journal:usage:batch"
REDIS_BATCH_ID_KEY = "journal:usage:batch-id"
REDIS_LOCK_KEY = "journal:usage:flush-lock"
SETTLE = timedelta(minutes=1)  # the file buffer leaves alone the files of the last minute that ended


@dataclass(frozen=True)
class UsageEvent:
    article_id: int
    kind: str  # VIEW or DOWNLOAD
    at: float  # POSIX seconds, UTC
    visitor: str  # a keyed hash: the account, or the IP address and user agent; never the address itself
    robot: bool

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> UsageEvent:
        return cls(**json.loads(text))

    @property
    def moment(self) -> datetime:
        return datetime.fromtimestamp(self.at, UTC)


@cache
def robot_pattern() -> re.Pattern:
    """The COUNTER robots list as one case-insensitive regular expression (any pattern found in the user agent)."""
    patterns = [entry["pattern"] for entry in json.loads(ROBOTS_FILE.read_text(encoding="utf-8"))]
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


@lru_cache(maxsize=4096)  # the 327 patterns take ~0.25 ms per new user agent; readers' agents repeat
def is_robot(user_agent: str | None) -> bool:
    """COUNTER R5 §7.8: a user agent matching the COUNTER robots list is a robot or crawler. No user agent at all
    is not a browser either."""
    return not user_agent or robot_pattern().search(user_agent) is not None


def visitor_key(secret: str, *, user_id: int | None, address: str | None, user_agent: str | None) -> str:
    """COUNTER R5 §7.2 and §7.3: the user is the signed-in account where there is one, else the IP address with the
    user agent. Only a keyed hash is kept."""
    who = f"user:{user_id}" if user_id is not None else f"ip:{address or ''}|{user_agent or ''}"
    return hmac.new(secret.encode(), who.encode(), hashlib.sha256).hexdigest()[:32]


class UsageBuffer:
    """Append events; hand them to a flush as a batch (see the module's docstring)."""

    def append(self, event: UsageEvent) -> None:
        raise NotImplementedError

    @contextmanager
    def flushing(self, now: datetime | None = None):
        """Hold the flush lock; yield `take()`, which returns (batch id, its events, resumed): the batch an earlier
        flush left unfinished if there is one (resumed), else a new batch of what waits (None, [] if nothing)."""
        raise NotImplementedError

    def finish(self, batch_id: str, remaining: list[UsageEvent]) -> None:
        """The batch is counted: drop it, putting back the events it did not count."""
        raise NotImplementedError


class RedisBuffer(UsageBuffer):
    def __init__(self, url: str):
        import redis

        self.redis = redis.Redis.from_url(url)
        # A reader never waits long for a Redis that does not answer: the count is lost, the page is served.
        self.appender = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
        self.db = int(self.appender.connection_pool.connection_kwargs.get("db") or 0)

    def append(self, event: UsageEvent) -> None:
        self.appender.rpush(REDIS_KEY, event.to_json())

    @contextmanager
    def flushing(self, now: datetime | None = None):
        lock = self.redis.lock(REDIS_LOCK_KEY, timeout=600, blocking_timeout=0)
        if not lock.acquire():
            raise FlushBusy()
        try:
            yield self._take
        finally:
            lock.release()

    def _take(self) -> tuple[str | None, list[UsageEvent], bool]:
        resumed = bool(self.redis.exists(REDIS_BATCH_KEY))
        if not resumed:
            pipe = self.redis.pipeline()  # MULTI: the list becomes the batch with its id, or nothing happens
            if not self.redis.exists(REDIS_KEY):
                return None, [], False
            pipe.rename(REDIS_KEY, REDIS_BATCH_KEY)
            pipe.set(REDIS_BATCH_ID_KEY, uuid.uuid4().hex)
            pipe.execute()
        batch_id = self.redis.get(REDIS_BATCH_ID_KEY).decode()
        return batch_id, [UsageEvent.from_json(line) for line in self.redis.lrange(REDIS_BATCH_KEY, 0, -1)], resumed

    def finish(self, batch_id: str, remaining: list[UsageEvent]) -> None:
        pipe = self.redis.pipeline()
        if remaining:
            pipe.rpush(REDIS_KEY, *(e.to_json() for e in remaining))
        pipe.delete(REDIS_BATCH_KEY, REDIS_BATCH_ID_KEY)
        pipe.execute()


class FileBuffer(UsageBuffer):
    def __init__(self, directory: Path | str):
        self.directory = Path(directory)

    def append(self, event: UsageEvent) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{event.moment:%Y%m%d%H%M}-{os.getpid()}.jsonl"
        # One write of one short line in append mode: lines from several processes never interleave.
        with open(self.directory / name, "a", encoding="utf-8") as out:
            out.write(event.to_json() + "\n")

    @contextmanager
    def flushing(self, now: datetime | None = None):
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / ".flush-lock", "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise FlushBusy() from None
            yield lambda: self._take(now)

    def _batches(self) -> list[Path]:
        return sorted(p for p in self.directory.glob("batch-*") if p.is_dir())

    def _take(self, now: datetime | None) -> tuple[str | None, list[UsageEvent], bool]:
        batches = self._batches()
        if batches:
            batch = batches[0]
        else:
            # Minutes over for a minute at least: a request that read the clock just before a minute ended may
            # still be writing its line.
            minute = f"{(now or datetime.now(UTC)) - SETTLE:%Y%m%d%H%M}"
            ready = [p for p in self.directory.glob("*.jsonl") if p.name[:12] < minute]
            if not ready:
                return None, [], False
            batch = self.directory / f"batch-{uuid.uuid4().hex}"
            batch.mkdir()
            for path in ready:
                path.rename(batch / path.name)
        events = [UsageEvent.from_json(line) for path in sorted(batch.glob("*.jsonl"))
                  for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        return batch.name.removeprefix("batch-"), events, bool(batches)

    def finish(self, batch_id: str, remaining: list[UsageEvent]) -> None:
        if remaining:
            # Named after the batch and written whole before it is renamed: finishing twice writes it once.
            first = min(e.moment for e in remaining)
            path = self.directory / f"{first:%Y%m%d%H%M}-back-{batch_id}.jsonl"
            temporary = path.with_suffix(".tmp")
            temporary.write_text("".join(e.to_json() + "\n" for e in remaining), encoding="utf-8")
            temporary.rename(path)
        shutil.rmtree(self.directory / f"batch-{batch_id}", ignore_errors=True)


class FlushBusy(Exception):
    """Another flush holds the lock."""


def buffer_for(config: dict, instance_path: str) -> UsageBuffer:
    url = config.get("USAGE_BUFFER_URL") or ""
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisBuffer(url)
    return FileBuffer(url.removeprefix("file://") if url.startswith("file://") else Path(instance_path) / "usage")
