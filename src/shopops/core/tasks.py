"""Worker liveness: a heartbeat on start and every minute, read by /healthz."""

import os
import socket

from django.db import IntegrityError
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task

from shopops.core.models import WorkerHeartbeat

WORKER_NAME = f"{socket.gethostname()}:{os.getpid()}"


def beat() -> None:
    now = timezone.now()
    # Several consumer threads start at once; the update-then-create order keeps them from
    # tripping over each other's insert.
    if WorkerHeartbeat.objects.filter(name=WORKER_NAME).update(beat_at=now):
        return
    try:
        WorkerHeartbeat.objects.create(name=WORKER_NAME, started_at=now, beat_at=now)
    except IntegrityError:
        WorkerHeartbeat.objects.filter(name=WORKER_NAME).update(beat_at=now)


@HUEY.on_startup()
def on_worker_start():
    from django.db import close_old_connections

    close_old_connections()
    beat()


@db_periodic_task(crontab(minute="*"))
def heartbeat():
    beat()
