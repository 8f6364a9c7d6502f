"""Concurrent load with wrk (Debian's package): requests per second and latency percentiles."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

RESULT_MARK = "BENCH_RESULT "

# wrk runs this script: it sets the authentication headers, counts answers other than 200
# (a redirect to the sign-in page must not pass as a fast page) and prints the figures as JSON.
LUA_TEMPLATE = """
local headers = %(headers)s
for name, value in pairs(headers) do wrk.headers[name] = value end
wrk.method = %(method)s
if %(body)s ~= "" then wrk.body = %(body)s end

local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) unexpected = 0 end
function response(status, headers, body)
  if status ~= %(status)d then unexpected = unexpected + 1 end
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + thread:get("unexpected") end
  local e = summary.errors
  io.write(string.format(
    '%(mark)s{"requests":%%d,"duration_us":%%d,"p50_us":%%d,"p95_us":%%d,"p99_us":%%d,' ..
    '"max_us":%%d,"mean_us":%%.0f,"unexpected":%%d,"socket_errors":%%d,"timeouts":%%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, latency.mean, bad,
    e.connect + e.read + e.write, e.timeout))
end
"""


@dataclass
class LoadResult:
    """What one wrk run measured."""

    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float
    unexpected: int
    socket_errors: int
    timeouts: int

    @property
    def errors(self) -> int:
        return self.unexpected + self.socket_errors + self.timeouts


def ensure_wrk() -> str:
    """The wrk binary; installed from Debian's packages when missing and running as root."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is not installed: installing Debian's package", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-q"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, env=env)
        found = shutil.which("wrk")
    if not found:
        raise RuntimeError("wrk is needed: apt-get install wrk")
    return found


def _lua_string(value: str) -> str:
    # A JSON string literal is a Lua string literal once non-ASCII is kept as UTF-8 bytes.
    return json.dumps(value, ensure_ascii=False)


def run_wrk(
    wrk: str,
    url: str,
    headers: dict[str, str],
    *,
    seconds: float,
    connections: int,
    threads: int,
    method: str = "GET",
    body: str = "",
    status: int = 200,
) -> LoadResult:
    """Load `url` for `seconds`; answers other than `status` count as errors."""
    if body and "Content-Type" not in headers:
        headers = {**headers, "Content-Type": "application/json"}
    table = "{" + ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in headers.items())
    script = LUA_TEMPLATE % {
        "headers": table + "}",
        "method": _lua_string(method),
        "body": _lua_string(body),
        "status": status,
        "mark": RESULT_MARK,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        completed = subprocess.run(
            [
                wrk,
                f"--threads={min(threads, connections)}",
                f"--connections={connections}",
                f"--duration={max(1, round(seconds))}s",
                "--timeout=10s",
                f"--script={handle.name}",
                url,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        Path(handle.name).unlink()
    lines = [x for x in completed.stdout.splitlines() if x.startswith(RESULT_MARK)]
    if completed.returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed ({completed.returncode}): {completed.stderr.strip()}")
    data = json.loads(lines[-1][len(RESULT_MARK) :])
    duration = data["duration_us"] / 1e6
    return LoadResult(
        requests=data["requests"],
        seconds=round(duration, 2),
        rps=round(data["requests"] / duration, 1) if duration else 0.0,
        p50_ms=data["p50_us"] / 1000,
        p95_ms=data["p95_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        max_ms=data["max_us"] / 1000,
        mean_ms=data["mean_us"] / 1000,
        unexpected=data["unexpected"],
        socket_errors=data["socket_errors"],
        timeouts=data["timeouts"],
    )
