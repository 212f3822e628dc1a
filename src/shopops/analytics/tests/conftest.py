from datetime import date
from decimal import Decimal

import pytest

from shopops.core import services


def make_demo_store(seed: int, target_orders: int):
    """Two simulated months (Oct-Nov 2025, with 双11) of a store with every order cost set."""
    from shopops.devtools import demo_data

    store = services.create_store(
        None,
        code="demo",
        name="示例",
        platform="tmall",
        commission_rate=Decimal("0.05"),
        payment_fee_rate=Decimal("0.006"),
        shipping_cost_per_order=Decimal("4.50"),
        packaging_cost_per_order=Decimal("0.80"),
    )
    demo_data.load(
        store,
        seed=seed,
        months=2,
        end=date(2025, 11, 30),
        target_orders=target_orders,
        progress=lambda m: None,
    )
    return store


@pytest.fixture
def demo_store():
    return make_demo_store(seed=3, target_orders=3000)


@pytest.fixture
def used(monkeypatch):
    """The source class (live database or lake) each engine call read from."""
    from shopops.analytics import engines

    seen = []
    real = engines.run_expressions

    def spy(src, request, base):
        seen.append(type(src).__name__)
        return real(src, request, base)

    monkeypatch.setattr(engines, "run_expressions", spy)
    return seen


@pytest.fixture
def lake_dir(tmp_path, monkeypatch):
    """A Parquet lake of the test's own, where the engine and the worker look for it."""
    path = tmp_path / "lake"
    monkeypatch.setenv("SHOPOPS_LAKE_DIR", str(path))
    return path
