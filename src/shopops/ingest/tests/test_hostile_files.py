"""Files can never take a process down: each hostile file ends as a failed run with a
reason, nothing is written, the process that started it stays up, and the process that
read it stays within its memory."""

import io
import logging
import os
import resource
import signal
import subprocess
import sys
import time
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shopops.ingest.errors import ImportFailed
from shopops.ingest.isolation import process_name, recover_orphans
from shopops.ingest.mapping_builder import preview
from shopops.ingest.models import ImportRun
from shopops.ingest.pipeline import run_import
from shopops.orders.models import Order

RSS_LIMIT_MB = 200  # the most a child process reading one of these files may use (seen: 87)
STARTER_LIMIT_MB = 1200  # the process that started them (the test process: Django, the suite)


def sparse_xlsx(path):
    """1.6 KB: cells only at A1 and XFD1048576 (a dense reader allocates 512 GiB)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["A1"] = "order_id"
    sheet["XFD1048576"] = "x"
    book.save(path)
    return path


def _with_sheet_data(path, write):
    """A valid workbook whose first sheet's rows are what `write(part)` writes."""
    book = openpyxl.Workbook()
    book.active.append(["order_id", "paid_amount"])
    buffer = io.BytesIO()
    book.save(buffer)
    with (
        zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out,
    ):
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                with out.open(item.filename, "w", force_zip64=True) as part:
                    head, tail = data.split(b"</sheetData>")
                    part.write(head)
                    write(part)
                    part.write(b"</sheetData>" + tail)
            else:
                out.writestr(item, data)
    return path


def expanding_xlsx(path, megabytes=520):
    """Under a few MB on disk, more than 500 MB of XML once unpacked."""

    def padding(part):
        for _ in range(megabytes):
            part.write(b" " * (1 << 20))

    return _with_sheet_data(path, padding)


def many_cells_xlsx(path, rows=200_000, columns=5):
    """Within every limit, but a million cells take more memory to read than 20 MB."""

    def cells(part):
        for r in range(2, rows + 2):
            row = "".join(f'<c r="{c}{r}"><v>{r}</v></c>' for c in "ABCDE"[:columns])
            part.write(f'<row r="{r}">{row}</row>'.encode())

    return _with_sheet_data(path, cells)


def one_line_csv(path, megabytes=50):
    with open(path, "w") as f:
        chunk = "a," * (1 << 19)  # 1 MB
        for _ in range(megabytes):
            f.write(chunk)
        f.write("\n")
    return path


def wide_csv(path, columns=10_000):
    path.write_text(",".join(f"c{i}" for i in range(columns)) + "\n" + "1," * columns + "\n")
    return path


def wide_xlsx(path, columns=10_000):
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append([f"c{i}" for i in range(columns)])
    book.save(path)
    return path


HOSTILE = {
    "sparse.xlsx": (sparse_xlsx, "column 16384"),
    "bomb.xlsx": (expanding_xlsx, "MB of XML"),
    "oneline.csv": (one_line_csv, "line 1 is longer than"),
    "wide.csv": (wide_csv, "10000 columns"),
    "wide.xlsx": (wide_xlsx, "column 10000"),
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    return {name: make(folder / name) for name, (make, _) in HOSTILE.items()}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_each_hostile_file_is_refused_with_its_reason(name, hostile, store_a):
    with pytest.raises(ImportFailed) as refused:
        run_import(store=store_a, kind="orders", path=hostile[name], display_name=name)
    assert refused.value.message.startswith(name)
    assert HOSTILE[name][1] in refused.value.message
    assert not Order.objects.exists()


@pytest.mark.parametrize("name", list(HOSTILE))
def test_the_mapping_preview_refuses_them_too(name, hostile):
    with pytest.raises(ImportFailed, match=HOSTILE[name][1]):
        preview(hostile[name], name)


def _upload(client, path, name):
    return client.post(
        "/api/v1/imports",
        {
            "store": "alpha",
            "kind": "orders",
            "file": SimpleUploadedFile(name, path.read_bytes()),
        },
    )


@pytest.mark.django_db(transaction=True)
def test_uploads_fail_as_runs_in_a_child_process_within_memory(
    hostile, as_role, store_a, settings, caplog
):
    settings.SHOPOPS_IMPORT_ISOLATION = True
    caplog.set_level(logging.INFO, logger="shopops.ingest.isolation")
    client = as_role("ops_lead")
    for name in HOSTILE:
        answer = _upload(client, hostile[name], name)
        assert answer.status_code == 202
        body = client.get(f"/api/v1/imports/{answer.json()['id']}").json()
        assert body["status"] == "failed", (name, body)
        assert HOSTILE[name][1] in body["error"]
        assert body["error"].startswith(name)  # the name the user chose, not the kept file's
    assert not Order.objects.exists()
    peaks = [r.peak_rss_mb for r in caplog.records if getattr(r, "peak_rss_mb", None)]
    assert len(peaks) == len(HOSTILE)  # each file was read in a child process of its own
    assert max(peaks) < RSS_LIMIT_MB, f"a child import used {max(peaks)} MB"
    # The process that started them (here the test process, as the worker is in production)
    # never read a file.
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss >> 10 < STARTER_LIMIT_MB


@pytest.mark.django_db(transaction=True)
def test_a_child_that_runs_out_of_memory_fails_its_run_only(as_role, store_a, settings, tmp_path):
    settings.SHOPOPS_IMPORT_ISOLATION = True
    os.environ["SHOPOPS_IMPORT_MEMORY_MB"] = "20"
    try:
        path = many_cells_xlsx(tmp_path / "orders.xlsx")
        answer = _upload(as_role("ops_lead"), path, "orders.xlsx")
    finally:
        del os.environ["SHOPOPS_IMPORT_MEMORY_MB"]
    run = ImportRun.objects.get(pk=answer.json()["id"])
    assert run.status == "failed"
    assert "memory" in run.error and run.error.startswith("orders.xlsx"), run.error
    assert not Order.objects.exists()


def _running(store, file_name: str, **fields) -> ImportRun:
    """An orders import claimed and running, as a worker leaves it."""
    return ImportRun.objects.create(
        store=store,
        kind="orders",
        format="shopops",
        file_name=file_name,
        status=ImportRun.Status.RUNNING,
        **fields,
    )


@pytest.mark.django_db(transaction=True)
def test_a_child_out_of_memory_while_recording_it_still_says_memory(store_a, monkeypatch):
    """The import's own MemoryError handler can run out too (the failed read's frames hold
    their memory while it runs): the child lifts its cap and records the reason itself,
    instead of exiting 1 with "stopped unexpectedly" (seen once in CI)."""
    from shopops.ingest import isolation, runs

    run = _running(store_a, "big.xlsx")
    lifted = []
    monkeypatch.setattr(isolation, "_limit_memory", lambda: None)  # not on the test process
    monkeypatch.setattr(isolation, "_lift_memory_limit", lambda: lifted.append(True))
    monkeypatch.delenv("SHOPOPS_IMPORT_REPORT_FD", raising=False)

    def out_of_memory_twice(run_id):
        try:
            raise MemoryError
        except MemoryError:
            raise MemoryError from None

    monkeypatch.setattr(runs, "run_claimed", out_of_memory_twice)
    assert isolation.child_main(run.pk) == 0
    run.refresh_from_db()
    assert run.status == "failed" and lifted
    assert run.error.startswith("big.xlsx: reading the file needed more than"), run.error


@pytest.mark.django_db(transaction=True)
def test_a_run_whose_process_was_killed_is_failed_on_recovery(store_a):
    victim = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        run = _running(store_a, "big.csv", worker=process_name(victim.pid))
        assert recover_orphans() == 0  # still alive: left running
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        started = time.monotonic()
        assert recover_orphans() == 1
        assert time.monotonic() - started < 60
    finally:
        if victim.poll() is None:
            victim.kill()
    run.refresh_from_db()
    assert run.status == "failed"
    assert "interrupted" in run.error and run.finished_at is not None


def test_messages_name_the_file_the_user_chose(
    as_role, store_a, django_capture_on_commit_callbacks
):
    client = as_role("ops_lead")
    binary = SimpleUploadedFile("我的订单.csv", b"\x00\xff\xfe\x80" * 1000 + bytes(range(256)))
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            "/api/v1/imports", {"store": "alpha", "kind": "orders", "file": binary}
        )
    error = client.get(f"/api/v1/imports/{answer.json()['id']}").json()["error"]
    assert error.startswith("我的订单.csv: not a text file"), error


def test_a_failed_run_is_run_again_in_one_click(
    as_role, store_a, django_capture_on_commit_callbacks
):
    client = as_role("ops_lead")
    good = "order_id,paid_amount,created_at,paid_at\nR1,10.00,2024-06-18 10:00,2024-06-18 10:01\n"
    with django_capture_on_commit_callbacks(execute=True):
        run_id = client.post(
            "/api/v1/imports",
            {
                "store": "alpha",
                "kind": "orders",
                "file": SimpleUploadedFile("r.csv", good.encode()),
            },
        ).json()["id"]
    run = ImportRun.objects.get(pk=run_id)
    ImportRun.objects.filter(pk=run_id).update(status="failed", error="r.csv: interrupted")
    Order.objects.all().delete()
    page = client.get(f"/imports/{run_id}/").content.decode()
    assert 'id="run-again"' in page
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(f"/imports/{run_id}/again/")
    again = ImportRun.objects.exclude(pk=run_id).get()
    assert answer.status_code == 302 and answer["Location"].endswith(f"/imports/{again.pk}/")
    assert (again.status, again.inserted, again.file_name) == ("done", 1, "r.csv")
    assert again.file_path == run.file_path
    assert as_role("analyst").post(f"/imports/{run_id}/again/").status_code == 403
