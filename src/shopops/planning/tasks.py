"""The worker marks tasks past their due date 已延期; the alerts' late-task rule tells their
owners on its next round."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task


@db_periodic_task(crontab(minute="*/10"))
@lock_task("mark-late-tasks")
def mark_late_tasks():
    from shopops.planning import work

    return len(work.mark_late())
