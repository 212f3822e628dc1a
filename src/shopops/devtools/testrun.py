"""`./shopops test`: everything the suite needs, set up and torn down by itself.

Order: system packages (Chromium, CJK fonts) -> a throwaway PostgreSQL 15 cluster on a free
loopback port -> ruff -> lint-imports -> pytest on SQLite -> the `postgres` tests on
PostgreSQL -> the `browser` tests. The cluster is stopped and removed whatever happens.
"""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PG_BIN = Path("/usr/lib/postgresql/15/bin")
CHROMIUM = "/usr/bin/chromium"


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=False, **kwargs)  # noqa: S603 (fixed argument lists)


def _as_root(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return cmd
    if shutil.which("sudo"):
        return ["sudo", "-n", *cmd]
    raise SystemExit(f"shopops test: need root to run {' '.join(cmd)}")


def ensure_system_packages() -> None:
    wanted = []
    if not Path(CHROMIUM).exists():
        wanted.append("chromium")
    # Chinese pages need a CJK font in screenshots; fc-list itself comes with fontconfig.
    has_cjk = (
        shutil.which("fc-list")
        and _run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout.strip()
    )
    if not has_cjk:
        wanted.append("fonts-noto-cjk")
    if not (PG_BIN / "initdb").exists():
        wanted.append("postgresql-15")
    if not wanted:
        return
    say(f"installing Debian packages: {' '.join(wanted)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    _run(_as_root(["apt-get", "update", "-qq"]), env=env)
    result = _run(_as_root(["apt-get", "install", "-y", "-qq", *wanted]), env=env)
    if result.returncode != 0:
        raise SystemExit(f"shopops test: apt-get install {' '.join(wanted)} failed")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def postgres_cluster():
    """A PostgreSQL 15 cluster in a temp dir on a free loopback port; yields its URL."""
    base = Path(tempfile.mkdtemp(prefix="shopops-pg-"))
    data = base / "data"
    as_postgres = os.geteuid() == 0
    run_as = ["runuser", "-u", "postgres", "--"] if as_postgres else []
    if as_postgres:
        shutil.chown(base, "postgres", "postgres")
    port = free_port()
    started = False
    try:
        result = _run(
            [
                *run_as,
                str(PG_BIN / "initdb"),
                "-D",
                str(data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-locale",
            ],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise SystemExit(f"shopops test: initdb failed:\n{result.stderr}")
        options = (
            f"-p {port} -c listen_addresses=127.0.0.1 -k {base} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        result = _run(
            [
                *run_as,
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(base / "server.log"),
                "-w",
                "-t",
                "60",
                "start",
            ],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            log = (base / "server.log").read_text() if (base / "server.log").exists() else ""
            raise SystemExit(f"shopops test: PostgreSQL did not start:\n{result.stderr}{log}")
        started = True
        yield f"postgres://postgres@127.0.0.1:{port}/shopops"
    finally:
        if started:
            _run(
                [*run_as, str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                capture_output=True,
            )
        shutil.rmtree(base, ignore_errors=True)


class Tally:
    def __init__(self):
        self.passed = self.failed = self.skipped = 0

    def add(self, junit: Path) -> None:
        if not junit.exists():
            return
        root = ET.parse(junit).getroot()  # noqa: S314 (pytest's own report)
        for suite in root.iter("testsuite"):
            tests = int(suite.get("tests", 0))
            failures = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
            skipped = int(suite.get("skipped", 0))
            self.failed += failures
            self.skipped += skipped
            self.passed += tests - failures - skipped


def workers() -> int:
    """pytest-xdist processes for the database stages: one per core (the tests are mostly
    single-threaded Python), at most 4; SHOPOPS_TEST_WORKERS=1 runs them in one process."""
    try:
        return max(1, int(os.environ["SHOPOPS_TEST_WORKERS"]))
    except (KeyError, ValueError):
        return max(1, min(os.cpu_count() or 1, 4))


def pytest_stage(
    name: str,
    marker: str,
    env: dict,
    keyword,
    extra,
    tally: Tally,
    workdir: Path,
    parallel: bool = True,
) -> bool:
    junit = workdir / f"{name}.xml"
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-m",
        marker,
        "-p",
        "no:cacheprovider",
        f"--junitxml={junit}",
        "-o",
        "junit_family=xunit2",
    ]
    if parallel and workers() > 1:
        cmd += ["-n", str(workers())]
    if keyword:
        cmd += ["-k", keyword]
    cmd += extra
    say(f"pytest on {name}: {' '.join(cmd[3:])}")
    code = _run(cmd, cwd=ROOT, env=env).returncode
    tally.add(junit)
    # 5 = nothing selected, which a -k filter may legitimately cause in one stage.
    return code == 0 or (code == 5 and bool(keyword or extra))


def run(keyword=None, browser=True, postgres=True, extra=()) -> int:
    started = time.monotonic()
    ensure_system_packages()
    workdir = Path(tempfile.mkdtemp(prefix="shopops-test-"))
    base_env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    base_env.update(
        {
            "SHOPOPS_VAR_DIR": str(workdir / "var"),
            "SECRET_KEY": "test-only-" + "x" * 50,
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    ok = True
    say("ruff format --check && ruff check")
    ruff = str(Path(sys.executable).with_name("ruff"))
    for cmd in ([ruff, "format", "--check", "."], [ruff, "check", "."]):
        if _run(cmd, cwd=ROOT).returncode != 0:
            ok = False
    say("lint-imports (the layers of pyproject.toml)")
    lint_imports = str(Path(sys.executable).with_name("lint-imports"))
    if _run([lint_imports, "--no-cache"], cwd=ROOT, env=base_env).returncode != 0:
        ok = False
    tally = Tally()
    ok &= pytest_stage("sqlite", "not browser", base_env, keyword, list(extra), tally, workdir)
    if postgres:
        with postgres_cluster() as url:
            ok &= pytest_stage(
                "postgresql",
                "postgres and not browser",
                {**base_env, "DATABASE_URL": url},
                keyword,
                list(extra),
                tally,
                workdir,
            )
    if browser:
        # A handful of long page tests in one browser: not worth a second browser's start.
        ok &= pytest_stage(
            "browser", "browser", base_env, keyword, list(extra), tally, workdir, parallel=False
        )
    shutil.rmtree(workdir, ignore_errors=True)
    minutes = (time.monotonic() - started) / 60
    say(f"all stages done in {minutes:.1f} min; {'OK' if ok else 'FAILED'}")
    print(
        f"total: {tally.passed} passed, {tally.failed} failed, {tally.skipped} skipped", flush=True
    )
    return 0 if ok else 1
