import json


def test_metrics_command_json(tmp_path, cli):
    assert cli("store", "add", "s", "--name", "S", "--platform", "jd").returncode == 0
    orders = tmp_path / "o.csv"
    orders.write_text(
        "order_id,paid_amount,created_at,paid_at,customer_id\n"
        "1,10.10,2024-03-01 10:00,2024-03-01 10:00,a\n"
        "2,20.20,2024-03-02 10:00,2024-03-02 10:00,a\n"
    )
    assert cli("import", "orders", str(orders), "--store", "s").returncode == 0
    out = cli(
        "metrics",
        "gmv",
        "buyers",
        "aov",
        "repurchase_rate",
        "--store",
        "s",
        "--from",
        "2024-03-01",
        "--to",
        "2024-03-31",
        "--by",
        "month",
        "--format",
        "json",
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == [
        {
            "period": "2024-03",
            "gmv": "30.30",
            "buyers": "1",
            "aov": "30.300000",
            "repurchase_rate": "1.000000",
        }
    ]
    bad = cli("metrics", "gvm", "--store", "s", "--from", "2024-03-01", "--to", "2024-03-02")
    assert bad.returncode == 2 and "unknown metric 'gvm'" in bad.stderr


def test_metrics_api_same_numbers_and_same_scoping(
    as_role, store_a, store_b, tmp_path, transactional_db
):
    from shopops.ingest.pipeline import run_import

    orders = tmp_path / "o.csv"
    orders.write_text(
        "order_id,paid_amount,created_at,paid_at,customer_id\n"
        "1,10.10,2024-03-01 10:00,2024-03-01 10:00,a\n"
        "2,20.20,2024-03-02 10:00,2024-03-02 10:00,a\n"
    )
    run_import(store=store_a, kind="orders", path=orders)
    client = as_role("analyst")
    query = "from=2024-03-01&to=2024-03-31&by=month&metric=gmv&metric=aov&metric=buyers"
    response = client.get(f"/api/v1/metrics?store=alpha&{query}")
    assert response.status_code == 200, response.content
    assert response.json() == [
        {"period": "2024-03", "gmv": "30.30", "aov": "30.300000", "buyers": "1"}
    ]
    assert client.get(f"/api/v1/metrics?store=beta&{query}").status_code == 404
    assert as_role("content_editor").get(f"/api/v1/metrics?store=alpha&{query}").status_code == 403
    bad = client.get("/api/v1/metrics?store=alpha&from=2024-03-01&to=2024-03-02&metric=gvm")
    assert bad.status_code == 422 and "unknown metric" in bad.json()["detail"]
