"""The Parquet lake is exported incrementally, and the spark engine on it gives the numbers
of DuckDB and of the plain-Python reference, to the cent, for the whole catalog."""

from datetime import date
from decimal import Decimal

import pytest

from shopops.analytics import lake, lake_read
from shopops.analytics.queries import metrics
from shopops.analytics.request import DIMENSIONS
from shopops.analytics.tests.conftest import make_demo_store
from shopops.analytics.tests.test_dimensions_costs_compare import FILES, load
from shopops.analytics.tests.test_order_metrics import whole_catalog
from shopops.core import services
from shopops.marketing.models import AdFact
from shopops.orders.models import Order

pytestmark = pytest.mark.django_db(transaction=True)


def written(summary) -> dict:
    return {t: (v["written"], v["removed"]) for t, v in summary["tables"].items()}


def test_export_writes_only_what_changed(tmp_path, lake_dir):
    store = services.create_store(None, code="d", name="D", platform="tmall")
    load(store, tmp_path)
    first = lake.export(lake_dir)
    assert {t: v["rows"] for t, v in first["tables"].items()} == {
        "orders": 4,
        "lines": 5,
        "traffic": 4,
        "ads": 2,
    }
    assert (lake_dir / "orders" / f"store_id={store.pk}" / "month=2024-06").is_dir()
    assert written(lake.export(lake_dir)) == {t: (0, 0) for t in lake_read.SCHEMAS}

    # One order changes: only its month's orders partition is rewritten.
    order = Order.objects.get(store=store, order_id="A")
    order.refunded_amount = Decimal("10.00")
    order.save()
    assert written(lake.export(lake_dir)) == {
        "orders": (1, 0),
        "lines": (0, 0),
        "traffic": (0, 0),
        "ads": (0, 0),
    }
    # The ads of June go away: their partition is removed, not left behind.
    AdFact.objects.filter(store=store).delete()
    assert written(lake.export(lake_dir))["ads"] == (0, 1)
    assert not (lake_dir / "ads" / f"store_id={store.pk}" / "month=2024-06").exists()


def test_spark_refuses_a_stale_lake(tmp_path, lake_dir):
    store = services.create_store(None, code="d", name="D", platform="tmall")
    with pytest.raises(lake_read.StaleLake, match="no lake"):
        metrics(["gmv"], store, date(2024, 6, 18), date(2024, 6, 19), engine="spark")
    lake.export(lake_dir)
    load(store, tmp_path, {"orders": FILES["orders"]})
    with pytest.raises(lake_read.StaleLake, match="older than the data of store d"):
        metrics(["gmv"], store, date(2024, 6, 18), date(2024, 6, 19), engine="spark")


def test_whole_catalog_equal_on_duckdb_sql_and_spark(lake_dir):
    store = make_demo_store(seed=7, target_orders=2000)
    lake.export(lake_dir)
    keys = whole_catalog()
    span = (date(2025, 10, 1), date(2025, 11, 30))
    cases = [{"grain": g} for g in ("day", "week", "month", "none")]
    cases += [{"grain": "none", "dims": [d]} for d in DIMENSIONS]
    cases += [
        {"grain": "month", "dims": ["category", "province"], "filters": {"channel": ["天猫"]}},
        {"grain": "week", "compare": "prev"},
    ]
    for case in cases:
        grain = case.pop("grain")
        reference = metrics(keys, store, *span, grain, "reference", **case)
        assert reference, case
        assert metrics(keys, store, *span, grain, "duckdb", **case) == reference, (grain, case)
        assert metrics(keys, store, *span, grain, "spark", **case) == reference, (grain, case)


def test_duckdb_reads_the_lake_while_it_is_current_and_the_live_database_after(
    tmp_path, lake_dir, used
):
    from datetime import UTC, datetime

    from shopops.analytics.cache import facts_changed

    store = services.create_store(None, code="d", name="D", platform="tmall")
    load(store, tmp_path)
    june = (date(2024, 6, 18), date(2024, 6, 19))

    def gmv():
        return metrics(["gmv"], store, *june, "none", use_cache=False)[0]["gmv"]

    assert gmv() == Decimal("190.00") and used == ["DuckDBSources"]
    lake.export(lake_dir)
    assert gmv() == Decimal("190.00") and used[-1] == "DuckDBLakeSources"
    moment = datetime(2024, 6, 18, 3, tzinfo=UTC)
    Order.objects.create(
        store=store, order_id="N", created_at=moment, paid_at=moment, paid_amount=Decimal("1")
    )
    facts_changed(store.pk)  # as every writer of facts does
    # The lake no longer holds the store's current data: the live database answers.
    assert gmv() == Decimal("191.00") and used[-1] == "DuckDBSources"


def test_the_worker_refreshes_the_lake_only_when_data_moved(tmp_path, lake_dir):
    from shopops.analytics.lake_refresh import refresh_lake

    store = services.create_store(None, code="d", name="D", platform="tmall")
    load(store, tmp_path, {"orders": FILES["orders"]})
    assert refresh_lake()["tables"]["orders"]["rows"] == 4
    assert refresh_lake() is None
    load(store, tmp_path, {"ads": FILES["ads"]})
    assert refresh_lake()["tables"]["ads"]["written"] == 1


def test_after_an_import_the_worker_refreshes_the_lake_and_warms_the_dashboard(
    tmp_path, lake_dir, monkeypatch
):
    from shopops.analytics import engines, queries
    from shopops.core.models import User
    from shopops.monitoring import dashboard
    from shopops.monitoring.tasks import after_new_facts

    store = services.create_store(None, code="d", name="D", platform="tmall")
    load(store, tmp_path)
    after_new_facts(store.pk)  # huey runs tasks inline in tests
    assert lake_read.staleness(lake_dir, [store])[1] is None
    calls = []
    real = engines.ENGINES["duckdb"]
    monkeypatch.setitem(queries.ENGINES, "duckdb", lambda r, b: calls.append(r) or real(r, b))
    admin = User.objects.create_superuser("root", password="x-Long-pass-1")
    dashboard.data(store, admin, None, 30, "zh-hans")
    assert calls == []  # every number of the default dashboard was computed already
