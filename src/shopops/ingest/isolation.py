"""Imports of uploaded files run in a child process with a memory limit, and runs whose
process is gone are failed with the reason.

A file is the one input a user controls whole. The limits of `limits.py` refuse the known
bombs before a reader sees them; the child process is the net under them: if a reader
still runs away (a native library aborting on an allocation, an expansion nobody
foresaw), the child dies, the run is failed with its reason, and the worker that started
it stays up. The child is a fresh interpreter (`python -m shopops.ingest.isolation RUN`),
not a fork: a forked copy of an open SQLite connection must never be used or closed.

Nothing partial is ever written (the import is one transaction), so failing an orphaned run
loses nothing; the user runs it again from the import page in one click.
"""

import logging
import os
import resource
import socket
import subprocess
import sys
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

# No model imports at module level: this module is also the child's `__main__`, which
# sets Django up first.
from shopops.ingest.limits import memory_limit_mb

log = logging.getLogger(__name__)
ORPHAN_AFTER = timedelta(minutes=3)  # no heartbeat of the host's workers for this long


def enabled() -> bool:
    return bool(getattr(settings, "SHOPOPS_IMPORT_ISOLATION", True))


def process_name(pid: int | None = None) -> str:
    return f"{socket.gethostname()}:{pid or os.getpid()}"


def execute(run_id: int):
    """Run a queued import (in the worker). Safe to call twice: a run that is not queued is
    left alone. The file is read in a child process with a memory limit (below), so a
    hostile file can fail its run but never take the worker down."""
    from shopops.ingest.models import ImportRun
    from shopops.ingest.runs import run_claimed

    claimed = ImportRun.objects.filter(pk=run_id, status=ImportRun.Status.QUEUED).update(
        status=ImportRun.Status.RUNNING, worker=process_name()
    )
    if claimed and enabled():
        run_in_child(run_id)
    elif claimed:
        run_claimed(run_id)
    return ImportRun.objects.select_related("store", "user").get(pk=run_id)


def run_in_child(run_id: int) -> None:
    """Run a claimed import in a child process and wait for it; a child that dies leaves
    its run failed with the reason."""
    from shopops.ingest.models import ImportRun
    from shopops.ingest.runs import fail, memory_message

    report_out, report_in = os.pipe()
    env = {
        **os.environ,
        "SHOPOPS_IMPORT_DB_NAME": str(connection.settings_dict["NAME"]),
        "SHOPOPS_IMPORT_REPORT_FD": str(report_in),
    }
    child = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "shopops.ingest.isolation", str(run_id)],
        env=env,
        pass_fds=(report_in,),
    )
    os.close(report_in)
    ImportRun.objects.filter(pk=run_id).update(worker=process_name(child.pid))
    code = child.wait()
    with os.fdopen(report_out) as report:
        peak = report.read().strip()  # nothing when the child died before reporting
    log.info(
        "import run %s: child process %s exited %s, peak RSS %s MB",
        run_id,
        child.pid,
        code,
        peak or "?",
        extra={"run_id": run_id, "peak_rss_mb": int(peak) if peak else None, "exit_code": code},
    )
    if code == 0:
        return
    name = _file_name(run_id)
    if code in (-6, -9, 134, 137):  # aborted or killed: what running out of memory looks like
        reason = memory_message(name or "the file")
    else:
        reason = (
            f"{name}: the import process stopped unexpectedly (exit {code}); nothing was imported"
        )
    fail(run_id, reason)


def _file_name(run_id: int) -> str | None:
    from shopops.ingest.models import ImportRun

    return ImportRun.objects.filter(pk=run_id).values_list("file_name", flat=True).first()


def _limit_memory() -> None:
    """Cap the address space at what the process has now plus the import's budget. Only
    the soft limit: the child lifts it again to record that the budget ran out."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[0])
    current = pages * os.sysconf("SC_PAGE_SIZE")
    budget = current + (memory_limit_mb() << 20)
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        budget = min(budget, hard)
    resource.setrlimit(resource.RLIMIT_AS, (budget, hard))


def _lift_memory_limit() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (hard, hard))


def child_main(run_id: int) -> int:
    import django

    name = os.environ.get("SHOPOPS_IMPORT_DB_NAME")
    if name:  # the parent's database, also when it is a test database
        settings.DATABASES["default"]["NAME"] = name
    django.setup()
    import python_calamine  # noqa: F401

    from shopops.ingest import readers  # noqa: F401 - loaded before the limit applies
    from shopops.ingest.pipeline import run_import  # noqa: F401
    from shopops.ingest.runs import fail, memory_message, run_claimed

    _limit_memory()
    try:
        run_claimed(run_id)
    except MemoryError:
        # The import's own handler ran out too: while it runs, the failed read's frames
        # still hold their memory. Without the cap, say so on the run.
        _lift_memory_limit()
        fail(run_id, memory_message(_file_name(run_id) or "the file"))
    finally:
        _lift_memory_limit()  # reading the peak allocates too
        _report_peak()
    return 0


def _report_peak() -> None:
    """The child's own peak RSS to the parent (VmHWM starts anew at exec, unlike
    getrusage's maxrss, which a child inherits from the process that forked it)."""
    fd = os.environ.get("SHOPOPS_IMPORT_REPORT_FD")
    if not fd:
        return
    with open("/proc/self/status") as f:
        peak = next((line.split()[1] for line in f if line.startswith("VmHWM:")), "0")
    with os.fdopen(int(fd), "w") as out:
        out.write(str(int(peak) >> 10))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def orphaned(run) -> bool:
    """Whether the process that runs `run` is gone."""
    from shopops.core.models import WorkerHeartbeat

    host, _, pid = run.worker.rpartition(":")
    if not host or not pid.isdigit():
        return True  # claimed before runs recorded their process: nobody can be running it
    if host == socket.gethostname():
        return not _alive(int(pid))
    recent = timezone.now() - ORPHAN_AFTER
    return not WorkerHeartbeat.objects.filter(
        name__startswith=f"{host}:", beat_at__gte=recent
    ).exists()


def recover_orphans() -> int:
    """Fail every running import whose process is gone; returns how many."""
    from shopops.ingest.models import ImportRun
    from shopops.ingest.runs import fail

    failed = 0
    for run in ImportRun.objects.filter(status=ImportRun.Status.RUNNING):
        if orphaned(run):
            failed += fail(
                run.pk,
                f"{run.file_name}: the import was interrupted (its process ended); nothing "
                "was imported. Run it again.",
            )
    return failed


if __name__ == "__main__":
    sys.exit(child_main(int(sys.argv[1])))
