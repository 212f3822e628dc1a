"""On PostgreSQL an import's write transaction blocks nobody: a console write made while
the import is writing its batches commits at once."""

import json
import threading

import pytest
from django.db import connection

from shopops.ingest.pipeline import run_import
from shopops.orders.models import Order
from shopops.planning.models import Goal

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'"),
]


def test_console_writes_proceed_during_an_import(as_role, store_a, tmp_path):
    path = tmp_path / "orders.csv"
    rows = "".join(f"P{i},10.00,2024-06-18 10:00,2024-06-18 10:01\n" for i in range(8000))
    path.write_text("order_id,paid_amount,created_at,paid_at\n" + rows)
    client = as_role("ops_lead")
    answers = []

    def console_write():
        goal = {
            "store": "alpha",
            "name": f"写入 {len(answers)}",
            "metric": "orders",
            "target": "100",
            "period": "month",
            "start": "2026-07-01",
            "end": "2026-07-31",
        }
        answer = client.post("/api/v1/goals", json.dumps(goal), content_type="application/json")
        answers.append(answer.status_code)
        connection.close()  # this thread's own connection

    def progress(rows_read, done, total):
        if done > total // 2 and len(answers) < 2:  # writing: the import's transaction is open
            writer = threading.Thread(target=console_write)
            writer.start()
            writer.join(timeout=20)
            assert not writer.is_alive(), "a console write waited for the import"

    result = run_import(store=store_a, kind="orders", path=path, progress=progress)
    assert result.inserted == 8000 and Order.objects.count() == 8000
    assert answers == [200, 200]
    assert Goal.objects.filter(store=store_a).count() == 2
