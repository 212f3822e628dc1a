"""Today's cards compare today so far with yesterday up to the same local time."""

from datetime import datetime, timedelta

import pytest

from shopops.ingest.pipeline import run_import
from shopops.monitoring import dashboard

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_no_change_for_a_day_not_over_yet(store_a, tmp_path):
    now = datetime.now(store_a.zone).replace(microsecond=0, tzinfo=None)
    today, yesterday = now.date(), now.date() - timedelta(days=1)
    early = min(now, datetime.combine(today, datetime.min.time()) + timedelta(minutes=1))
    rows = [f"Y{i},100.00,{yesterday} 10:00:00,{yesterday} 10:0{i}:00,c{i}," for i in range(5)]
    rows.append(f"T1,100.00,{early},{early},c9,")
    path = tmp_path / "o.csv"
    path.write_text(
        "order_id,paid_amount,created_at,paid_at,customer_id,province\n" + "\n".join(rows) + "\n"
    )
    assert run_import(store=store_a, kind="orders", path=path).rejected == 0
    board = dashboard.data(store_a, None, None, 30, "zh-hans")
    gmv = next(c for c in board["cards"] if c["key"] == "gmv")
    assert board["is_today"] and gmv["today"] == "¥100.00" and gmv["yesterday"] == "¥500.00"
    # Yesterday's orders were paid from 10:00: before that time of day, yesterday had none
    # when the test runs early; later, all five.
    until = now.time()
    made_by_then = sum(
        100 for i in range(5) if until > datetime.strptime(f"10:0{i}", "%H:%M").time()
    )
    assert gmv["same_time"] == f"¥{made_by_then:,.2f}"
    expected = "—" if not made_by_then else f"{(100 - made_by_then) / made_by_then * 100:+.1f}%"
    assert gmv["change"] == expected
    visitors = next(c for c in board["cards"] if c["key"] == "visitors")
    assert visitors["change"] == "" and visitors["same_time"] == ""  # a daily fact
    # The store has no traffic import: unknown, not 0, and which import supplies it.
    assert visitors["today"] == "无数据" and visitors["import"] == "./shopops import traffic"
    past = dashboard.data(store_a, None, yesterday, 30, "zh-hans")
    gmv = next(c for c in past["cards"] if c["key"] == "gmv")
    assert gmv["change"].startswith("+") or gmv["change"] == "—"
