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
            "currency": "CNY",
        }
    ]
    bad = cli("metrics", "gvm", "--store", "s", "--from", "2024-03-01", "--to", "2024-03-02")
    assert bad.returncode == 2 and "unknown metric 'gvm'" in bad.stderr
    span = ("--store", "s", "--from", "2024-03-02", "--to", "2024-03-02")
    compared = cli("metrics", "gmv", *span, "--compare", "prev", "--format", "csv")
    assert compared.returncode == 0, compared.stderr
    assert compared.stdout.splitlines() == [
        "period,currency,gmv,period_prev,gmv_prev,gmv_prev_change",
        "2024-03-02,CNY,20.20,2024-03-01,10.10,1.000000",
    ]
    table = cli("--lang", "zh-hans", "metrics", "gmv", *span, "--dim", "province")
    assert table.returncode == 0 and "销售额 (CNY)" in table.stdout.splitlines()[0]
    assert "dimension 'colour'" in cli("metrics", "gmv", *span, "--dim", "colour").stderr
    assert "filter 'paid'" in cli("metrics", "gmv", *span, "--filter", "paid").stderr


def test_bench_metrics_runs_and_all_paths_agree(cli):
    out = cli("bench", "metrics", "--lines", "3000", "--format", "json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["orders"] == 1200
    assert all(report["same_numbers"].values()), report
    assert report["same_numbers"]["engine (duckdb, lake replica)"] is True
    assert set(report["ratios"]["engine (duckdb, live database)"]) == {
        "(a) hand-written DuckDB SQL",
        "(b) the same SQL on SQLite",
        "(c) pandas",
    }
    assert report["lake_rows"] > 3000  # orders, lines
    # Whole processes (the engine on the lake, with a day read live, and live) and the
    # hand-written baselines in their own processes give the in-process engine's numbers.
    # The first compiles its SQL; the second finds it kept only from another period.
    assert len(report["processes"]["same_numbers"]) == 7
    assert all(report["processes"]["same_numbers"].values()), report["processes"]
    assert report["api"]["cold_metrics"]["p95_ms"] > 0


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
        {"period": "2024-03", "gmv": "30.30", "aov": "30.300000", "buyers": "1", "currency": "CNY"}
    ]
    assert client.get(f"/api/v1/metrics?store=beta&{query}").status_code == 404
    assert as_role("content_editor").get(f"/api/v1/metrics?store=alpha&{query}").status_code == 403
    bad = client.get("/api/v1/metrics?store=alpha&from=2024-03-01&to=2024-03-02&metric=gvm")
    assert bad.status_code == 422 and "unknown metric" in bad.json()["detail"]


def test_metrics_command_on_the_real_tmall_report(cli, shared_file):
    """`./shopops metrics` gives the paid-order count and GMV computed from the file itself."""
    import csv
    from decimal import Decimal

    from conftest import TMALL_REPORT

    path = shared_file(TMALL_REPORT)
    with open(path, encoding="utf-8", newline="") as f:
        rows = [{k.strip(): v for k, v in r.items()} for r in csv.DictReader(f)]
    paid = [r for r in rows if r["订单付款时间"].strip()]
    assert cli("store", "add", "tm", "--name", "天猫", "--platform", "tmall").returncode == 0
    imported = cli("import", "orders", str(path), "--store", "tm", "--format", "taobao")
    assert imported.returncode == 0, imported.stderr
    out = cli(
        "metrics", "orders", "gmv", "--store", "tm", "--from", "2020-01-01", "--to", "2020-12-31",
        "--by", "none", "--format", "json",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == [
        {
            "period": "all",
            "orders": str(len(paid)),
            "gmv": str(sum(Decimal(r["总金额"]) for r in paid)),
            "currency": "CNY",
        }
    ]


def test_metrics_api_costs_catalog_dims_and_compare(as_role, store_a, store_b, transactional_db):
    costs = "from=2024-03-01&to=2024-03-31&by=none&metric=gross_margin"
    assert as_role("analyst").get(f"/api/v1/metrics?store=alpha&{costs}").status_code == 200
    # 用户运营 sees metrics but not costs: nothing derived from a cost either.
    user_ops = as_role("user_ops")
    assert user_ops.get(f"/api/v1/metrics?store=alpha&{costs}").status_code == 403
    listed = {m["key"] for m in user_ops.get("/api/v1/metrics/catalog").json()}
    assert {"gmv", "cvr", "roi"} <= listed and not listed & {"cogs", "gross_profit", "commission"}
    full = {m["key"]: m for m in as_role("analyst").get("/api/v1/metrics/catalog").json()}
    assert full["gross_margin"]["zh"] == "毛利率" and full["gross_margin"]["cost"] is True
    query = "from=2024-03-02&to=2024-03-02&metric=gmv&dim=province&compare=wow"
    response = as_role("analyst").get(f"/api/v1/metrics?store=alpha&{query}")
    assert response.status_code == 200 and response.json() == []
    # Store B is not granted to the analyst: asking for both is refused as a whole.
    both = f"store=alpha&store=beta&{query}"
    assert as_role("analyst").get(f"/api/v1/metrics?{both}").status_code == 404
    bad = as_role("analyst").get(f"/api/v1/metrics?store=alpha&{query}&filter=nope")
    assert bad.status_code == 422 and "dimension:value" in bad.json()["detail"]


def test_spark_without_a_current_lake_is_a_clear_refusal(cli, as_role, store_a, tmp_path):
    assert cli("store", "add", "s", "--name", "S", "--platform", "jd").returncode == 0
    span = ("--store", "s", "--from", "2024-03-01", "--to", "2024-03-02")
    out = cli("metrics", "gmv", *span, "--engine", "spark")
    assert out.returncode == 2 and "lake export" in out.stderr and "Traceback" not in out.stderr
    query = "store=alpha&from=2024-03-01&to=2024-03-02&metric=gmv&engine=spark"
    response = as_role("analyst").get(f"/api/v1/metrics?{query}")
    assert response.status_code == 503 and "lake export" in response.json()["detail"]
