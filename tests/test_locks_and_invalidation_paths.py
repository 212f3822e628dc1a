"""Two rules of the code that grep can check (issue 12, points 4 and 5): row locks are
taken only through the `locks` modules, and no model signal invalidates the metrics cache
behind the writers' backs."""

from pathlib import Path

from django.db.models.signals import post_delete, post_save

SRC = Path(__file__).resolve().parents[1] / "src" / "shopops"


def test_select_for_update_is_written_only_in_the_locks_modules():
    found = sorted(
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if "select_for_update" in path.read_text(encoding="utf-8")
        and path.name != "locks.py"
        and "tests" not in path.parts
    )
    assert found == []


def test_no_model_signal_raises_facts_changed():
    from shopops.catalog.models import Product, Sku
    from shopops.marketing.models import AdFact, TrafficFact
    from shopops.orders.models import Order, OrderLine

    for model in (Order, OrderLine, TrafficFact, AdFact, Sku, Product):
        for signal in (post_save, post_delete):
            assert not signal.has_listeners(model), (signal, model)
