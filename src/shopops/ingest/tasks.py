from huey.contrib.djhuey import db_task


@db_task(retries=0)
def import_file(run_id: int):
    from shopops.analytics.tasks import after_new_facts
    from shopops.ingest.models import ImportRun
    from shopops.ingest.services import execute

    run = execute(run_id)
    run = ImportRun.objects.get(pk=run.pk)
    if run.status == ImportRun.Status.DONE and (run.inserted or run.updated):
        after_new_facts(run.store_id)
