"""Imports do not block the console on the embedded database: a file is read and validated
with no lock held, and a write that still meets the lock gets 503 with Retry-After and a
sentence, never a 500."""

import json
import sqlite3

import pytest
from django.db import connection

from shopops.ingest.pipeline import run_import
from shopops.orders.models import Order

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'sqlite'"),
]

SAID = ("try again in a moment", "请稍后重试")  # the console speaks 中文 unless told otherwise
GOAL = {
    "store": "alpha",
    "name": "Q3 GMV",
    "metric": "gmv",
    "target": "90000",
    "period": "quarter",
    "start": "2026-07-01",
    "end": "2026-09-30",
}


def _other_writer():
    db = sqlite3.connect(connection.settings_dict["NAME"], timeout=0)
    db.execute("CREATE TABLE IF NOT EXISTS probe (n INTEGER)")
    db.commit()
    return db


def test_the_file_is_read_and_validated_without_the_write_lock(store_a, tmp_path):
    path = tmp_path / "orders.csv"
    rows = "".join(f"L{i},10.00,2024-06-18 10:00,2024-06-18 10:01\n" for i in range(9000))
    path.write_text("order_id,paid_amount,created_at,paid_at\n" + rows)
    other = _other_writer()
    reading_writes = []

    def progress(rows_read, done, total):
        if done < total // 2:  # still reading: another writer goes straight through
            other.execute("INSERT INTO probe VALUES (?)", [rows_read])
            other.commit()
            reading_writes.append(rows_read)

    result = run_import(store=store_a, kind="orders", path=path, progress=progress)
    other.close()
    assert result.inserted == 9000 and Order.objects.count() == 9000
    assert reading_writes, "no write went through while the file was read"


def test_a_write_that_meets_the_lock_gets_503_not_500(as_role, store_a, store_a_form):
    client = as_role("ops_lead")
    holder = _other_writer()
    options = connection.settings_dict["OPTIONS"]
    timeout = options.get("timeout")
    connection.close()
    options["timeout"] = 0.2  # the brief retry, short for the test
    try:
        holder.execute("BEGIN IMMEDIATE")  # an import writing its batches
        api = client.post("/api/v1/goals", json.dumps(GOAL), content_type="application/json")
        page = client.post("/stores/alpha/edit/", store_a_form(name="Alpha 改名"))
    finally:
        holder.rollback()
        holder.close()
        connection.close()
        options["timeout"] = timeout
    assert api.status_code == 503, api.content
    assert api["Retry-After"] == "5"
    assert any(m in api.json()["detail"] for m in SAID)
    assert page.status_code == 503 and page["Retry-After"] == "5"
    assert any(m in page.content.decode() for m in SAID)
    again = client.post("/api/v1/goals", json.dumps(GOAL), content_type="application/json")
    assert again.status_code == 200
