"""`./shopops bench startup`: how long a user waits for a command, as whole processes.

Each command runs as a user runs it (a new interpreter with PYTHONDONTWRITEBYTECODE=1, on a
SQLite file migrated beforehand), several times; the figure is the median. The baselines
are measured in the same run: the bare interpreter (`python -c pass`) and `shopops --help`,
which loads no Django. `worker` and `serve` are timed to ready: the consumer's "started"
line, and the first 200 from /healthz.
"""

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from shopops.core.output import format_rows
from shopops.devtools.processes import stop

TARGETS = {"store list": 0.8, "worker ready": 2.0, "serve ready": 2.0}
READY_TIMEOUT = 60.0


def _env(var_dir: Path) -> dict:
    return {
        **os.environ,
        "PYTHONDONTWRITEBYTECODE": "1",
        "SHOPOPS_VAR_DIR": str(var_dir),
        "DATABASE_URL": f"sqlite:///{var_dir / 'bench.sqlite3'}",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-only-" + "x" * 50,
        "SHOPOPS_LANG": "en",
    }


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "shopops.cli", *args]


def _timed(cmd: list[str], env: dict) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=120)  # noqa: S603
    return time.perf_counter() - started


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _until_ready(cmd: list[str], env: dict, ready) -> float:
    """Seconds from start until `ready(proc, lines)` is true; the process is stopped after."""
    started = time.perf_counter()
    proc = subprocess.Popen(  # noqa: S603 (our own interpreter and CLI)
        cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        while time.perf_counter() - started < READY_TIMEOUT:
            if proc.poll() is not None:
                raise RuntimeError(f"{' '.join(cmd[2:])} ended before it was ready")
            if ready(proc):
                return time.perf_counter() - started
        raise RuntimeError(f"{' '.join(cmd[2:])} not ready within {READY_TIMEOUT:.0f} s")
    finally:
        stop(proc, timeout=10)


def _worker_ready(proc) -> bool:
    line = proc.stderr.readline()  # blocks until the consumer says something
    return "consumer started" in line


def _serve_ready(port: int):
    url = f"http://127.0.0.1:{port}/healthz"

    def ready(proc) -> bool:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                return response.status == 200
        except OSError:
            time.sleep(0.02)
            return False

    return ready


def measure(runs: int = 5) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="shopops-bench-startup-") as tmp:
        var_dir = Path(tmp)
        env = _env(var_dir)
        subprocess.run(  # noqa: S603
            _cli("manage", "migrate", "--noinput", "-v", "0"), env=env, check=True, timeout=300
        )
        subprocess.run(  # noqa: S603
            _cli("store", "add", "b", "--name", "Bench", "--platform", "tmall"),
            env=env,
            check=True,
            capture_output=True,
            timeout=120,
        )
        cases = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "shopops --help": _cli("--help"),
            "store list": _cli("store", "list"),
            "metrics --help": _cli("metrics", "--help"),
        }
        seconds = {name: [] for name in cases}
        for _ in range(runs):  # interleaved, so a slow moment of the machine hits all alike
            for name, cmd in cases.items():
                seconds[name].append(_timed(cmd, env))
        for _ in range(max(1, runs // 2)):
            seconds.setdefault("worker ready", []).append(
                _until_ready(_cli("worker"), env, _worker_ready)
            )
            port = _free_port()
            seconds.setdefault("serve ready", []).append(
                _until_ready(_cli("serve", "--port", str(port)), env, _serve_ready(port))
            )
    baseline = statistics.median(seconds["shopops --help"])
    return [
        {
            "what": name,
            "seconds": round(statistics.median(values), 3),
            "x_help": round(statistics.median(values) / baseline, 2),
            "target": TARGETS.get(name),
            "ok": None if name not in TARGETS else statistics.median(values) <= TARGETS[name],
        }
        for name, values in seconds.items()
    ]


def run(runs: int, out_fmt: str) -> int:
    rows = measure(runs)
    sys.stdout.write(format_rows(rows, ["what", "seconds", "x_help", "target", "ok"], out_fmt))
    return 0
