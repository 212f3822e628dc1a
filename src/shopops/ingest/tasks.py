from huey.contrib.djhuey import db_task


@db_task(retries=0)
def import_file(run_id: int):
    from shopops.ingest.services import execute

    execute(run_id)
