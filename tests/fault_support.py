"""Real faults on 127.0.0.1 for the fault tests: a PostgreSQL server of the test's own (to stop,
freeze and restart without disturbing other tests) and a TCP proxy in front of it that cuts a
connection at a chosen moment (a commit that reached the database but whose answer was lost)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tracker import ROOT

SCRIPT = ROOT / "scripts" / "test-postgres"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def postgres_available() -> bool:
    """Whether PostgreSQL's server programs are here (the script installs them as root)."""
    if os.getuid() == 0:
        return True
    return any(Path("/usr/lib/postgresql").glob("*/bin/initdb")) if Path("/usr/lib/postgresql").exists() else False


class PrivatePostgres:
    """A PostgreSQL server started for one test module, in a folder of its own."""

    def __init__(self):
        # Under /tmp itself: the server runs as the postgres account, which cannot enter pytest's
        # private temporary folders.
        self.folder = Path(tempfile.mkdtemp(prefix="tracker-pgfault-"))
        self.port = free_port()
        self.env = {**os.environ, "PGTEST_DIR": str(self.folder), "PGTEST_PORT": str(self.port)}
        self.url = None
        self.frozen: list[int] = []

    def start(self) -> str:
        done = subprocess.run([str(SCRIPT), "start"], env=self.env, capture_output=True, text=True, timeout=180)
        if done.returncode != 0:
            raise RuntimeError(f"the private PostgreSQL did not start: {done.stderr[-2000:]}")
        self.url = done.stdout.strip().splitlines()[-1]
        return self.url

    def database(self, name: str, template: str | None = None) -> str:
        admin = create_engine(self.url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                connection.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
        finally:
            admin.dispose()
        return make_url(self.url).set(database=name).render_as_string(hide_password=False)

    def restart(self) -> None:
        done = subprocess.run([str(SCRIPT), "restart"], env=self.env, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"the private PostgreSQL did not restart: {done.stderr[-2000:]}")

    def pids(self) -> list[int]:
        postmaster = int((self.folder / "data" / "postmaster.pid").read_text().split()[0])
        children = subprocess.run(["pgrep", "-P", str(postmaster)], capture_output=True, text=True).stdout.split()
        return [postmaster] + [int(pid) for pid in children]

    def freeze(self) -> None:
        """Every process of the server stopped (SIGSTOP): connections stay open, nothing answers."""
        self.frozen = self.pids()
        for pid in self.frozen:
            os.kill(pid, signal.SIGSTOP)

    def thaw(self) -> None:
        for pid in self.frozen:
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
        self.frozen = []

    def stop(self) -> None:
        self.thaw()
        subprocess.run([str(SCRIPT), "stop"], env=self.env, capture_output=True, timeout=120)
        subprocess.run(["rm", "-rf", str(self.folder)], timeout=60)


# The simple-query message psycopg sends to commit: 'Q', its length (4 + 7), "COMMIT\0".
COMMIT = b"Q\x00\x00\x00\x0bCOMMIT\x00"


class _Link:
    def __init__(self, client: socket.socket, upstream: socket.socket):
        self.client, self.upstream = client, upstream
        self.marked = False  # this connection's transaction wrote the watched table
        self.swallow = False  # drop the server's next answer and cut the connection
        self.stop_after_answer = False  # pass the next answer, then take the whole server away
        self.tail = b""


class CuttingProxy:
    """A TCP proxy on 127.0.0.1 in front of a PostgreSQL server. Armed with `arm(table, mode)`,
    it watches for a transaction that inserts into `table` and, at its COMMIT:
    - "lose_answer": passes the COMMIT to the server, then drops the server's answer and cuts the
      connection (the commit happened; the app cannot know);
    - "away_after": passes the COMMIT and its answer, then refuses every connection (the database
      went away just after committing)."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.links: list[_Link] = []
        self.lock = threading.Lock()
        self.watch: bytes | None = None
        self.mode: str | None = None
        self.fired = threading.Event()
        self.away = False
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def url(self, database_url: str) -> str:
        return make_url(database_url).set(host="127.0.0.1", port=self.port).render_as_string(hide_password=False)

    def arm(self, table: str, mode: str) -> None:
        assert mode in ("lose_answer", "away_after")
        with self.lock:
            self.watch = f"INSERT INTO {table} ".encode()
            self.mode = mode
            self.fired.clear()

    def come_back(self) -> None:
        self.away = False

    def _accept(self) -> None:
        while self.running:
            try:
                client, _address = self.listener.accept()
            except OSError:
                return
            if self.away:
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            link = _Link(client, upstream)
            with self.lock:
                self.links.append(link)
            threading.Thread(target=self._to_server, args=(link,), daemon=True).start()
            threading.Thread(target=self._to_client, args=(link,), daemon=True).start()

    def _to_server(self, link: _Link) -> None:
        try:
            while True:
                data = link.client.recv(65536)
                if not data:
                    break
                window = link.tail + data
                link.tail = window[-64:]
                with self.lock:
                    if self.watch and self.watch in window:
                        link.marked = True
                    if link.marked and self.mode and COMMIT in window:
                        if self.mode == "lose_answer":
                            link.swallow = True
                        else:
                            link.stop_after_answer = True
                        self.mode = None
                        self.watch = None
                link.upstream.sendall(data)
        except OSError:
            pass
        finally:
            self._cut(link)

    def _to_client(self, link: _Link) -> None:
        try:
            while True:
                data = link.upstream.recv(65536)
                if not data:
                    break
                if link.swallow:
                    self.fired.set()
                    break  # the answer to the COMMIT is never delivered
                link.client.sendall(data)
                if link.stop_after_answer:
                    self.away = True
                    self.fired.set()
                    self._cut_all()
                    break
        except OSError:
            pass
        finally:
            self._cut(link)

    def _cut(self, link: _Link) -> None:
        for sock in (link.client, link.upstream):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                sock.close()
            except OSError:
                pass

    def _cut_all(self) -> None:
        with self.lock:
            links = list(self.links)
        for link in links:
            self._cut(link)

    def close(self) -> None:
        self.running = False
        self.listener.close()
        self._cut_all()


def wait_until(condition, timeout: float, step: float = 0.1, what: str = "the condition"):
    """Poll `condition` until it returns something true, at most `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"{what} did not happen within {timeout} s")
