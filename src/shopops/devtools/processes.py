"""Starting the web server and worker as child processes and stopping them cleanly."""

import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

# Request threads per worker. Django's work is CPU-bound Python under one GIL, so threads
# add throughput only where calls wait together: a worker's concurrent order intakes are
# written in one transaction (orders.group_commit), and under a 秒杀's 64 clients 16
# threads a worker took 1.8x the intakes of 4 at half the CPU a call, with a shorter p99
# (benchmarks/README.md, bench flash-sale, 2026-12-03 "group commit"). Without that, 16
# threads had cost 25% more CPU a call than 2, with a p99 4x as long.
THREADS = 16
# Requests a worker admits (granian's backpressure), whatever its threads: the ones no
# thread runs yet wait in order. An idle keep-alive connection holds a slot, so this must
# be well above the connections a worker keeps open: when it equalled the threads, a busy
# client's connections starved for 30 s at a time.
ADMITTED = 512


def web_command(host: str, port: int, workers: int, threads: int = THREADS) -> list[str]:
    """granian serving the WSGI app; `threads` bounds each worker's concurrent requests, and
    so its database connections."""
    granian = Path(sys.executable).with_name("granian")
    return [
        *(str(granian), "--interface", "wsgi", "--no-ws"),
        *("--host", host, "--port", str(port), "--workers", str(workers)),
        *("--blocking-threads", str(threads), "--backpressure", str(max(ADMITTED, threads * 8))),
        "shopops.wsgi:application",
    ]


def worker_command() -> list[str]:
    return [sys.executable, "-m", "shopops.cli", "worker"]


def _wait_ready(url: str, procs, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in procs):
            return False
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (our own loopback URL)
                return True
        except OSError:
            time.sleep(0.3)
    return False


def run_foreground(commands: list[list[str]], ready_message: str = "", ready_url: str = "") -> int:
    """Run the commands until one exits or we get SIGINT/SIGTERM; then stop all of them."""
    procs = [subprocess.Popen(cmd) for cmd in commands]  # noqa: S603 (our own commands)
    stopping = False

    def stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    if ready_url:
        if _wait_ready(ready_url, procs):
            print(ready_message, flush=True)
        else:
            print(
                "shopops: the web server did not come up; see the messages above", file=sys.stderr
            )
            stopping = True
    code = 0
    while not stopping:
        for p in procs:
            if p.poll() is not None:
                code = p.returncode or 0
                stopping = True
        time.sleep(0.2)
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    print("shopops: stopped", file=sys.stderr, flush=True)
    return code


def stop(proc, timeout: float = 20) -> None:
    """Ask a child to end (SIGTERM), and kill it if it has not within `timeout` seconds."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
