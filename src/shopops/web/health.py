"""The state /healthz reports: the database answers, and a worker beat recently."""

from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from shopops.core.models import WorkerHeartbeat


def database_status() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "down"; say why
        return {"ok": False, "vendor": connection.vendor, "error": str(exc)[:200]}
    return {"ok": True, "vendor": connection.vendor}


def worker_status() -> dict:
    try:
        beat = WorkerHeartbeat.objects.order_by("-beat_at").first()
    except Exception as exc:
        return {"ok": False, "error": str(exc)[:200]}
    if beat is None:
        return {"ok": False, "state": "never seen"}
    age = timezone.now() - beat.beat_at
    ok = age <= timedelta(seconds=settings.WORKER_HEARTBEAT_MAX_AGE)
    return {
        "ok": ok,
        "state": "running" if ok else "stale",
        "name": beat.name,
        "last_beat": beat.beat_at.isoformat(),
        "age_seconds": int(age.total_seconds()),
    }
