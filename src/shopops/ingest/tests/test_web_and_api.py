import re
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from shopops.ingest.models import ImportRun
from shopops.orders.models import Order

CSV = (
    "order_id,paid_amount,created_at,paid_at\n"
    "W1,10.00,2024-06-18 10:00,2024-06-18 10:01\n"
    "W2,x,2024-06-18 10:00,2024-06-18 10:01\n"
)


def upload(name="orders.csv", text=CSV):
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_api_import_runs_in_the_background_and_reports(
    as_role, store_a, django_capture_on_commit_callbacks
):
    client = as_role("product_ops")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/imports",
            {"store": "alpha", "kind": "orders", "file": upload(), "skip_invalid": "true"},
        )
    assert response.status_code == 202
    run_id = response.json()["id"]
    body = client.get(f"/api/v1/imports/{run_id}").json()
    assert (body["status"], body["inserted"], body["rejected"]) == ("done", 1, 1)
    assert body["rejects"] == [
        {"line": 3, "column": "paid_amount", "reason": "'x' is not a number"}
    ]
    assert Order.objects.filter(store=store_a).count() == 1


def test_api_import_without_skip_is_atomic(as_role, store_a, django_capture_on_commit_callbacks):
    client = as_role("ops_lead")
    with django_capture_on_commit_callbacks(execute=True):
        run_id = client.post(
            "/api/v1/imports", {"store": "alpha", "kind": "orders", "file": upload()}
        ).json()["id"]
    body = client.get(f"/api/v1/imports/{run_id}").json()
    assert body["status"] == "failed"
    assert body["error"] == "orders.csv, line 3, column paid_amount: 'x' is not a number"
    assert not Order.objects.exists()


def test_api_import_scoping_and_roles(as_role, store_b):
    assert (
        as_role("ops_lead")
        .post("/api/v1/imports", {"store": "beta", "kind": "orders", "file": upload()})
        .status_code
        == 404
    )
    assert (
        as_role("analyst")
        .post("/api/v1/imports", {"store": "alpha", "kind": "orders", "file": upload()})
        .status_code
        == 403
    )
    other = ImportRun.objects.create(
        store=store_b, kind="orders", format="shopops", file_name="b.csv"
    )
    assert as_role("ops_lead").get(f"/api/v1/imports/{other.pk}").status_code == 404
    assert as_role("ops_lead").get(f"/imports/{other.pk}/").status_code == 404


def test_upload_page_queues_and_shows_the_result(
    as_role, store_a, django_capture_on_commit_callbacks
):
    client = as_role("product_ops")
    page = client.get("/imports/").content.decode()
    assert "order_id" in page and "/imports/templates/orders.csv" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/imports/",
            {"kind": "orders", "format": "shopops", "file": upload(), "skip_invalid": "on"},
        )
    assert response.status_code == 302
    detail = client.get(response.url).content.decode()
    assert "&#x27;x&#x27; is not a number" in detail
    assert "orders.csv" in client.get("/imports/").content.decode()


def test_templates_import_cleanly(as_role, store_a, tmp_path):
    from shopops.ingest.pipeline import run_import

    client = as_role("product_ops")
    for kind in ("products", "stock", "orders", "order_lines", "traffic", "ads"):
        response = client.get(f"/imports/templates/{kind}.csv")
        assert response.status_code == 200
        path = tmp_path / f"{kind}.csv"
        path.write_bytes(response.content)
        result = run_import(store=store_a, kind=kind, path=path)
        assert (result.inserted, result.rejected) == (1, 0), kind


def test_mapping_built_from_a_preview_and_saved(
    as_role, store_a, django_capture_on_commit_callbacks
):
    from shopops.ingest.models import SavedMapping

    client = as_role("product_ops")
    erp = "单号,实付金额,下单时间,付款时间,备注\nE1,88.00,2024-06-18 20:00,2024-06-18 20:01,x\n"
    page = client.post("/imports/mapping/", {"kind": "orders", "file": upload("erp.csv", erp)})
    html = page.content.decode()
    assert page.status_code == 200 and "实付金额" in html and "E1" in html
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    picks = {"pick_order_id": "单号", "pick_paid_amount": "实付金额", "pick_created_at": "下单时间"}
    missing = client.post("/imports/mapping/import/", {"token": token, **picks})
    assert "pick a column for: paid_at" in missing.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            "/imports/mapping/import/",
            {"token": token, **picks, "pick_paid_at": "付款时间", "save_as": "ERP 订单"},
        )
    assert done.status_code == 302
    order = Order.objects.get(store=store_a, order_id="E1")
    assert order.paid_amount == Decimal("88.00")
    saved = SavedMapping.objects.get(store=store_a, name="ERP 订单")
    assert saved.options["columns"]["实付金额"] == "paid_amount"
    # The saved mapping is offered on the upload page and imports the next file.
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(
            "/imports/",
            {
                "kind": "orders",
                "format": "shopops",
                "mapping": saved.pk,
                "file": upload("erp2.csv", erp.replace("E1", "E2")),
            },
        )
    assert again.status_code == 302
    assert Order.objects.filter(store=store_a, order_id="E2").exists()


def test_api_mapping_errors_fail_the_run_clearly(
    as_role, store_a, django_capture_on_commit_callbacks
):
    client = as_role("ops_lead")
    bad_json = client.post(
        "/api/v1/imports",
        {
            "store": "alpha",
            "kind": "orders",
            "format": "mapping",
            "file": upload(),
            "mapping": "{not json",
        },
    )
    assert bad_json.status_code == 422
    mapping = (
        '{"columns": {"order_id": "order_id", "paid_amount": "paid_amount", '
        '"created_at": "created_at", "paid_at": "paid_at"}, "time_zone": "Mars/Base"}'
    )
    with django_capture_on_commit_callbacks(execute=True):
        run_id = client.post(
            "/api/v1/imports",
            {
                "store": "alpha",
                "kind": "orders",
                "format": "mapping",
                "file": upload(),
                "mapping": mapping,
            },
        ).json()["id"]
    body = client.get(f"/api/v1/imports/{run_id}").json()
    assert (body["status"], body["error"]) == (
        "failed",
        "time_zone: 'Mars/Base' is not a known time zone",
    )
    assert not Order.objects.exists()
