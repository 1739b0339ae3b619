"""A throwaway PostgreSQL cluster from Debian's `postgresql` package, on a free loopback port under a
temporary directory, for the shared DuckLake catalog. Postgres refuses to run as root: as root, the
cluster runs as the `postgres` user."""

import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve_postgres(database: str = "lake") -> Iterator[str]:
    """Start a cluster, create `database`, yield its libpq connection string; stop and remove it after."""
    if shutil.which("initdb") is None and not Path("/usr/lib/postgresql").exists():
        raise RuntimeError("PostgreSQL is not installed: apt-get install postgresql (the .ci/run script does)")
    bin_dir = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"))), None)
    tool = lambda name: str(bin_dir / name) if bin_dir else name  # noqa: E731
    root = Path(tempfile.mkdtemp(prefix="dynosaur-pg-"))
    data, port = root / "data", _free_port()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    run = lambda command: subprocess.run(_as_postgres(command), check=True, capture_output=True, text=True)  # noqa: E731
    run([tool("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"])
    run([tool("pg_ctl"), "-D", str(data), "-o", f"-p {port} -k {root} -c listen_addresses=127.0.0.1", "-w",
         "-l", str(root / "server.log"), "start"])
    try:
        for _ in range(50):
            if subprocess.run(_as_postgres([tool("pg_isready"), "-h", "127.0.0.1", "-p", str(port)]),
                              capture_output=True).returncode == 0:
                break
            time.sleep(0.1)
        run([tool("createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", database])
        yield f"dbname={database} host=127.0.0.1 port={port} user=postgres"
    finally:
        subprocess.run(_as_postgres([tool("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]), capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def create_databases(dsn: str, names: list[str]) -> list[str]:
    """Create these databases in the cluster of `dsn`; return each one's libpq connection string."""
    import psycopg2

    conn = psycopg2.connect(dsn)
    conn.autocommit = True  # CREATE DATABASE runs outside a transaction
    try:
        with conn.cursor() as cursor:
            for name in names:
                cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        conn.close()
    return [re.sub(r"dbname=\S+", f"dbname={name}", dsn) for name in names]


def sqlalchemy_url(dsn: str) -> str:
    """The SQLAlchemy URL of a libpq connection string (for dagster-postgres: psycopg2, no password)."""
    fields = dict(part.split("=", 1) for part in dsn.split())
    return f"postgresql+psycopg2://{fields['user']}@{fields['host']}:{fields['port']}/{fields['dbname']}"
