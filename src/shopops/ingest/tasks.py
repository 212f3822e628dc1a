from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task


@db_task(retries=0)
def import_file(run_id: int):
    from shopops.ingest.isolation import execute
    from shopops.ingest.kinds import KINDS
    from shopops.ingest.models import ImportRun
    from shopops.monitoring.tasks import after_new_facts

    run = execute(run_id)
    run = ImportRun.objects.get(pk=run.pk)
    facts = KINDS[run.kind].facts if run.kind in KINDS else True
    if run.status == ImportRun.Status.DONE and (run.inserted or run.updated) and facts:
        after_new_facts(run.store_id)


@HUEY.on_startup()
def fail_interrupted_imports_on_start():
    # A worker killed mid-import left its run "running"; a restarted worker says so at once.
    from django.db import close_old_connections

    from shopops.ingest.isolation import recover_orphans

    close_old_connections()
    recover_orphans()


@db_periodic_task(crontab(minute="*"))
def fail_interrupted_imports():
    from shopops.ingest.isolation import recover_orphans

    recover_orphans()
