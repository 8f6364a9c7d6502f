"""The production server under test, and the memory it uses."""

from __future__ import annotations

import http.client
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`accord serve` (gunicorn, the production server) on a free loopback port."""

    def __init__(
        self, *, env: dict[str, str], workers: int, threads: int | None, log_path: Path
    ) -> None:
        self.port = free_port()
        self.env = env
        self.workers = workers
        self.threads = threads
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> None:
        command = [
            sys.executable, "-m", "accord.cli", "serve",
            "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers),
        ]  # fmt: skip
        if self.threads:
            command += ["--threads", str(self.threads)]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited; see {self.log_path}")
            if self.answers() and len(self.pids()) > self.workers:
                return
            time.sleep(0.2)
        raise RuntimeError(f"the server did not start within {timeout:.0f} s; see {self.log_path}")

    def answers(self) -> bool:
        try:
            status, _ = self.get("/accounts/login/", {})
        except OSError:
            return False
        return status == 200

    def get(
        self, path: str, headers: dict[str, str], method: str = "GET", body: str | None = None
    ) -> tuple[int, bytes]:
        """One request without following redirects: a redirect to the sign-in page shows here."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        if body is not None and "Content-Type" not in headers:
            headers = {**headers, "Content-Type": "application/json"}
        try:
            conn.request(method, path, body=body.encode() if body else None, headers=headers)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def pids(self) -> list[int]:
        """The master and every process below it."""
        if not self.process:
            return []
        children: dict[int, list[int]] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # The command name may hold spaces and parentheses; fields resume after the last ")".
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
        found, todo = [], [self.process.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            todo.extend(children.get(pid, []))
        return found

    def memory(self) -> tuple[float, float]:
        """(RSS, PSS) of the whole server in MB; PSS counts shared pages once."""
        rss = pss = 0
        for pid in self.pids():
            rss += _proc_kb(pid, "status", "VmRSS:")
            pss += _proc_kb(pid, "smaps_rollup", "Pss:")
        return rss / 1024, pss / 1024


def _proc_kb(pid: int, name: str, label: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/{name}").read_text().splitlines():
            if line.startswith(label):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class MemorySampler:
    """Samples the server's memory in the background; keeps the peak."""

    def __init__(self, server: Server, interval: float = 0.25) -> None:
        self.server = server
        self.interval = interval
        self.peak_rss = self.peak_pss = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self) -> None:
        rss, pss = self.server.memory()
        self.peak_rss = max(self.peak_rss, rss)
        self.peak_pss = max(self.peak_pss, pss)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def server_env(base: dict[str, str]) -> dict[str, str]:
    """The production settings: no debug, no test mode, warnings only."""
    env = dict(base)
    for name in ("ACCORD_DEBUG", "ACCORD_TESTING", "ACCORD_SECURE"):
        env.pop(name, None)
    env["DJANGO_SETTINGS_MODULE"] = "accord.config.settings"
    env.setdefault("ACCORD_LOG_LEVEL", "WARNING")
    return env
