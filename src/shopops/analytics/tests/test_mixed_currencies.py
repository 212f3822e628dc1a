"""No rates, no mixed total (issue 21, point 3): money over stores of different currencies is
refused unless split by store, in the engine's one query layer, so the CLI exits 2 and the
API answers 422, both naming the currencies; counts and per-store rows still answer."""

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
