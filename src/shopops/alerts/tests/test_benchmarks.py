"""行业基准: a file of benchmarks (CSV or XLSX, English or Chinese headers, 3.5% or 0.035)
stored all or none with each bad value named by file, line and column; one entered or
removed on the page and through the API, audited; only the ops lead writes them, and a
cost metric's benchmark is never shown to a role that may not see costs."""

import json
from decimal import Decimal

import openpyxl
import pytest

from shopops.alerts import benchmarks
from shopops.alerts.models import Benchmark
from shopops.core.models import AuditEntry
from shopops.ingest.errors import ImportFailed

pytestmark = pytest.mark.django_db


def _csv(tmp_path, text: str, name="基准.csv", encoding="utf-8-sig"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_a_chinese_file_is_read_with_its_shares_and_names(tmp_path, store_a):
    text = "指标,基准值,来源\n点击率,3.5%,生意参谋 行业大盘\ncvr,0.042,\n客单价,128.50,行业\n"
    path = _csv(tmp_path, text, encoding="gb18030")
    done = benchmarks.import_file(None, store_a, path)
    assert done == {"benchmarks": 3, "metrics": ["ctr", "cvr", "aov"], "inserted": 3,
                    "updated": 0, "unchanged": 0}  # fmt: skip
    stored = dict(Benchmark.objects.filter(store=store_a).values_list("metric", "value"))
    assert stored == {"ctr": Decimal("0.035"), "cvr": Decimal("0.042"), "aov": Decimal("128.5")}
    assert Benchmark.objects.get(store=store_a, metric="ctr").source == "生意参谋 行业大盘"
    assert (
        AuditEntry.objects.filter(object_type__icontains="benchmark", action="create").count() == 3
    )
    again = benchmarks.import_file(None, store_a, path)
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, 3)


def test_an_xlsx_with_english_headers(tmp_path, store_a):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["metric", "value", "source"])
    sheet.append(["ctr", 0.031, "industry"])
    path = tmp_path / "benchmarks.xlsx"
    book.save(path)
    assert benchmarks.import_file(None, store_a, path)["inserted"] == 1
    assert Benchmark.objects.get(store=store_a, metric="ctr").value == Decimal("0.031")


def test_bad_rows_are_named_and_nothing_is_stored(tmp_path, store_a):
    Benchmark.objects.create(store=store_a, metric="ctr", value=Decimal("0.03"))
    path = _csv(tmp_path, "metric,value\nctr,0.05\nctrr,0.1\ncvr,abc\ngmv,5%\nroi,-1\nctr,0.02\n")
    with pytest.raises(ImportFailed) as refused:
        benchmarks.import_file(None, store_a, path)
    message = refused.value.message
    assert "基准.csv, line 3, column metric: unknown metric 'ctrr'" in message
    assert "基准.csv, line 4, column value:" in message
    assert "line 5, column value: gmv is not a percentage" in message
    assert "line 6, column value: '-1' is negative" in message
    assert "line 7, column metric: ctr is on line 2 already" in message
    assert Benchmark.objects.get(store=store_a, metric="ctr").value == Decimal("0.03")
    with pytest.raises(ImportFailed, match="no column value"):
        benchmarks.import_file(None, store_a, _csv(tmp_path, "metric,amount\nctr,1\n", "b.csv"))


def test_the_page_sets_imports_and_removes_for_the_ops_lead_only(as_role, store_a, tmp_path):
    lead, warehouse = as_role("ops_lead"), as_role("warehouse")
    empty = lead.get("/alerts/benchmarks/").content.decode()
    assert 'id="benchmarks-empty"' in empty
    assert "<code>ctr</code>" in empty.split('id="benchmarks-unset"')[1]  # the default rule
    bad = lead.post("/alerts/benchmarks/", {"action": "set", "metric": "ctr", "value": "2000%"})
    assert "at most 10" in bad.content.decode() and not Benchmark.objects.exists()
    done = lead.post("/alerts/benchmarks/", {"action": "set", "metric": "点击率", "value": "3.5%",
                                             "source": "生意参谋"})  # fmt: skip
    assert done.status_code == 302
    page = lead.get("/alerts/benchmarks/").content.decode()
    assert 'data-benchmark="ctr"' in page and ">3.50%<" in page and "规则在用" in page
    assert 'id="benchmarks-unset"' not in page
    with open(_csv(tmp_path, "指标,基准值\n支付转化率,4.2%\n"), "rb") as upload:
        lead.post("/alerts/benchmarks/", {"action": "file", "file": upload})
    assert Benchmark.objects.get(store=store_a, metric="cvr").value == Decimal("0.042")
    with open(_csv(tmp_path, "指标,基准值\n转化,1\n", "坏.csv"), "rb") as upload:
        refused = lead.post("/alerts/benchmarks/", {"action": "file", "file": upload})
    assert "坏.csv, line 2, column metric" in refused.content.decode()
    assert warehouse.get("/alerts/benchmarks/").status_code == 200
    denied = warehouse.post("/alerts/benchmarks/", {"action": "remove", "metric": "ctr"})
    assert denied.status_code == 403 and Benchmark.objects.filter(metric="ctr").exists()
    lead.post("/alerts/benchmarks/", {"action": "remove", "metric": "ctr"})
    assert not Benchmark.objects.filter(metric="ctr").exists()
    assert AuditEntry.objects.filter(object_type__icontains="benchmark", action="delete").exists()


def test_cost_benchmarks_are_not_shown_to_a_role_without_costs(as_role, store_a):
    Benchmark.objects.create(store=store_a, metric="gross_margin", value=Decimal("0.35"))
    Benchmark.objects.create(store=store_a, metric="ctr", value=Decimal("0.03"))
    warehouse = as_role("warehouse")
    page = warehouse.get("/alerts/benchmarks/").content.decode()
    assert 'data-benchmark="ctr"' in page and "gross_margin" not in page
    listed = warehouse.get("/api/v1/alerts/benchmarks?store=alpha").json()
    assert [b["metric"] for b in listed] == ["ctr"]
    lead = as_role("ops_lead").get("/api/v1/alerts/benchmarks?store=alpha").json()
    assert [b["metric"] for b in lead] == ["ctr", "gross_margin"]


def test_the_api_sets_all_or_none_and_names_the_item(as_role, store_a):
    lead = as_role("ops_lead")
    url = "/api/v1/alerts/benchmarks?store=alpha"
    body = {"items": [{"metric": "ctr", "value": "0.03"}, {"metric": "cvr", "value": "-1"}]}
    refused = lead.put(url, json.dumps(body), content_type="application/json")
    assert refused.status_code == 422 and "items[1].value" in refused.json()["errors"]
    assert not Benchmark.objects.exists()
    body["items"][1]["value"] = "0.04"
    done = lead.put(url, json.dumps(body), content_type="application/json")
    answered = {b["metric"]: b["value"] for b in done.json()}
    assert done.status_code == 200 and answered == {"ctr": "0.030000", "cvr": "0.040000"}
    assert as_role("warehouse").put(url, json.dumps(body),
                                    content_type="application/json").status_code == 403  # fmt: skip
    assert lead.delete("/api/v1/alerts/benchmarks/ctr?store=alpha").status_code == 204
    assert lead.delete("/api/v1/alerts/benchmarks/ctr?store=alpha").status_code == 404


def test_the_cli_imports_and_lists(cli, tmp_path):
    assert cli("store", "add", "cn", "--name", "天猫店", "--platform", "tmall").returncode == 0
    path = _csv(tmp_path, "指标,基准值,来源\n点击率,3.5%,行业\n")
    dry = cli("alerts", "benchmarks", "import", str(path), "--store", "cn", "--dry-run")
    assert dry.returncode == 0 and "dry run" in dry.stdout
    assert "No benchmarks" in cli("alerts", "benchmarks", "list", "--store", "cn").stdout
    done = cli("alerts", "benchmarks", "import", str(path), "--store", "cn", "--format", "json")
    assert json.loads(done.stdout)["inserted"] == 1
    listed = cli("alerts", "benchmarks", "list", "--store", "cn", "--format", "json")
    assert json.loads(listed.stdout) == [{"metric": "ctr", "value": "0.035000", "source": "行业"}]
    bad = cli("alerts", "benchmarks", "import", str(_csv(tmp_path, "metric,value\nx,1\n", "b.csv")),
              "--store", "cn")  # fmt: skip
    assert bad.returncode == 2 and "b.csv, line 2, column metric: unknown metric 'x'" in bad.stderr
