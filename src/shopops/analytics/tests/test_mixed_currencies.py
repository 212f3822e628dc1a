"""No rates, no mixed total (issue 21, point 3): money over stores of different currencies is
refused unless split by store, in the engine's one query layer, so the CLI exits 2 and the
API answers 422, both naming the currencies; counts and per-store rows still answer."""

import json
from datetime import date
from decimal import Decimal

import pytest

from shopops.analytics.errors import MixedCurrencies
from shopops.analytics.queries import metrics
from shopops.core import services
from shopops.ingest.pipeline import run_import

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ORDERS = """order_id,paid_amount,created_at,paid_at,customer_id
{p}1,10.00,2024-03-01 10:00,2024-03-01 10:00,a
{p}2,30.00,2024-03-02 10:00,2024-03-02 10:00,b
"""


@pytest.fixture
def two_currencies(tmp_path):
    uk = services.create_store(
        None, code="uk", name="UK", platform="own", currency="GBP", timezone="Europe/London"
    )
    tm = services.create_store(None, code="tm", name="天猫", platform="tmall", currency="CNY")
    for store, prefix in ((uk, "U"), (tm, "T")):
        path = tmp_path / f"{prefix}.csv"
        path.write_text(ORDERS.format(p=prefix))
        assert run_import(store=store, kind="orders", path=path).rejected == 0
    return uk, tm


START, END = date(2024, 3, 1), date(2024, 3, 31)


@pytest.mark.parametrize("engine", ["duckdb", "reference"])
def test_money_across_currencies_is_refused_counts_and_per_store_rows_answer(
    two_currencies, engine
):
    uk, tm = two_currencies
    for keys in (["gmv"], ["aov"], ["orders", "gmv"]):
        with pytest.raises(MixedCurrencies, match=r"uk \(GBP\).*tm \(CNY\)"):
            metrics(keys, [uk, tm], START, END, "none", engine)
    (both,) = metrics(["orders", "buyers"], [uk, tm], START, END, "none", engine)
    assert (both["orders"], both["buyers"]) == (4, 4)
    rows = metrics(["gmv"], [uk, tm], START, END, "none", engine, dims=["store"])
    assert {r["store"]: r["gmv"] for r in rows} == {"uk": Decimal("40.00"), "tm": Decimal("40.00")}
    (one,) = metrics(["gmv"], [uk], START, END, "none", engine)
    assert one["gmv"] == Decimal("40.00")


def test_cli_exits_2_naming_both_currencies(cli, tmp_path):
    for code, currency, prefix in (("uk", "GBP", "U"), ("tm", "CNY", "T")):
        made = cli("store", "add", code, "--name", code, "--platform", "own",
                   "--currency", currency)  # fmt: skip
        assert made.returncode == 0, made.stderr
        path = tmp_path / f"{prefix}.csv"
        path.write_text(ORDERS.format(p=prefix))
        assert cli("import", "orders", str(path), "--store", code).returncode == 0
    ask = ["metrics", "gmv", "--store", "uk", "--store", "tm", "--from", "2024-03-01",
           "--to", "2024-03-31", "--by", "none"]  # fmt: skip
    out = cli(*ask)
    assert out.returncode == 2 and "GBP" in out.stderr and "CNY" in out.stderr, out.stderr
    split = cli(*ask, "--dim", "store")
    assert split.returncode == 0, split.stderr


def test_api_answers_422_naming_both_currencies(two_currencies, as_role):
    from shopops.core.models import StoreGrant, User

    client = as_role("analyst")
    analyst = User.objects.get(username="analyst")
    for store in two_currencies:
        StoreGrant.objects.get_or_create(user=analyst, store=store)
    query = "store=uk&store=tm&from=2024-03-01&to=2024-03-31&by=none&metric=gmv"
    refused = client.get(f"/api/v1/metrics?{query}")
    assert refused.status_code == 422
    assert "GBP" in refused.json()["detail"] and "CNY" in refused.json()["detail"]
    answered = client.get(f"/api/v1/metrics?{query}&dim=store")
    assert answered.status_code == 200 and len(answered.json()) == 2


RATES = "date,currency,rate\n2024-03-01,GBP,9.100000\n2024-03-02,gbp,9.2\n"


def test_cli_rates_import_then_the_total_is_converted(cli, tmp_path):
    for code, currency, prefix in (("uk", "GBP", "U"), ("tm", "CNY", "T")):
        made = cli("store", "add", code, "--name", code, "--platform", "own",
                   "--currency", currency)  # fmt: skip
        assert made.returncode == 0, made.stderr
        path = tmp_path / f"{prefix}.csv"
        path.write_text(ORDERS.format(p=prefix))
        assert cli("import", "orders", str(path), "--store", code).returncode == 0
    bad = tmp_path / "bad.csv"
    bad.write_text("日期,币种,汇率\n2024-03-01,GBP,9.1\n2024-03-02,GBP,abc\n2024-03-01,GBP,9\n")
    refused = cli("rates", "import", str(bad))
    assert refused.returncode == 2
    assert "bad.csv, line 3, column rate: 'abc' is not a number" in refused.stderr
    assert "bad.csv, line 4, column date: GBP 2024-03-01 is on line 2 already" in refused.stderr
    assert "No rates yet" in cli("rates", "list").stderr  # all or none: nothing was written
    good = tmp_path / "rates.csv"
    good.write_text(RATES)
    done = cli("rates", "import", str(good), "--output", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["inserted"] == 2
    ask = ["metrics", "gmv", "aov", "--store", "uk", "--store", "tm", "--from", "2024-03-01",
           "--to", "2024-03-31", "--by", "none"]  # fmt: skip
    out = cli(*ask, "--format", "json")
    assert out.returncode == 0, out.stderr
    # 10.00 GBP x 9.1 + 30.00 GBP x 9.2 + 40.00 CNY, over 4 buyers.
    assert json.loads(out.stdout) == [
        {"period": "all", "gmv": "407.00", "aov": "101.75", "currency": "CNY"}
    ]
    assert "GBP→CNY ×2 (2024-03-01…2024-03-02)" in out.stderr
    table = cli(*ask)
    assert "GMV (CNY)" in table.stdout.splitlines()[0] and "407.00" in table.stdout
    # A single-currency answer stays in that currency, unconverted.
    alone = cli("metrics", "gmv", "--store", "uk", "--from", "2024-03-01", "--to", "2024-03-31",
                "--by", "none", "--format", "csv")  # fmt: skip
    assert alone.stdout.splitlines() == ["period,currency,gmv", "all,GBP,40.00"]


def test_api_converts_with_rates_and_names_them(two_currencies, as_role):
    from shopops.core.models import AuditEntry, StoreGrant, User

    lead = as_role("ops_lead")
    put = lead.put(
        "/api/v1/rates",
        [{"date": "2024-03-01", "currency": "GBP", "rate": "9.1"},
         {"date": "2024-03-02", "currency": "GBP", "rate": "9.2"}],
        content_type="application/json",
    )  # fmt: skip
    assert put.status_code == 200, put.content
    assert put.json() == {"inserted": 2, "updated": 0, "unchanged": 0}
    assert AuditEntry.objects.filter(object_type="core.exchangerate", via="api").count() == 2
    listed = lead.get("/api/v1/rates").json()
    assert listed["reporting_currency"] == "CNY" and len(listed["rates"]) == 2
    wrong = lead.put(
        "/api/v1/rates",
        [{"date": "2024-03-03", "currency": "GBP", "rate": "9.3"},
         {"date": "2024-03-04", "currency": "CNY", "rate": "1.1"}],
        content_type="application/json",
    )  # fmt: skip
    assert wrong.status_code == 422 and "CNY" in str(wrong.json())
    assert len(lead.get("/api/v1/rates").json()["rates"]) == 2  # all or none

    client = as_role("analyst")
    analyst = User.objects.get(username="analyst")
    for store in two_currencies:
        StoreGrant.objects.get_or_create(user=analyst, store=store)
    assert client.put("/api/v1/rates", [], content_type="application/json").status_code == 403
    query = "store=uk&store=tm&from=2024-03-01&to=2024-03-31&by=none&metric=gmv"
    (row,) = client.get(f"/api/v1/metrics?{query}").json()
    assert (row["gmv"], row["currency"]) == ("407.00", "CNY")
    assert row["rates"] == "GBP→CNY ×2 (2024-03-01…2024-03-02)"
    split = client.get(f"/api/v1/metrics?{query}&dim=store").json()
    assert {r["store"]: (r["gmv"], r["currency"]) for r in split} == {
        "uk": ("40.00", "GBP"),
        "tm": ("40.00", "CNY"),
    }
