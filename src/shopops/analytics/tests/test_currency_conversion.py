"""Money of a GBP store and a CNY store added up in the reporting currency (issue 21): the
real UCI Online Retail days as the GBP store `uk`, the real Tmall 订单报表 as the CNY store
`tm`, daily rates made here. The converted total equals a hand computation from the two
files and the rates, to the cent, on duckdb, reference and spark; a gap in the rates longer
than the window is refused naming the day; rows split by store each keep their currency."""

import csv
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from conftest import TMALL_REPORT

from shopops.analytics import lake
from shopops.analytics.errors import MixedCurrencies, RateMissing
from shopops.analytics.queries import metrics
from shopops.core import numbers, rates, services
from shopops.core.numbers import line_amount
from shopops.ingest.pipeline import run_import

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

UCI_DAYS = [date(2010, 12, d) for d in (1, 2, 3, 5, 6, 7, 8, 9, 10, 12)]  # no Saturdays
CENT = Decimal("0.01")
PERIOD = (date(2010, 12, 1), date(2020, 12, 31))  # both stores, ten years apart


def gbp_rate(day: date) -> Decimal:
    """A made-up GBP→CNY rate of each business day, with all six places in use."""
    return Decimal("10.2") + Decimal(day.toordinal() % 97) / 1000 + Decimal("0.000037")


def business_days(first: date, last: date):
    day = first
    while day <= last:
        if day.weekday() < 5:
            yield day
        day += timedelta(days=1)


def uci_orders(shared_file, tmp_path) -> tuple[dict, object]:
    """The UCI lines of the chosen days as orders (cancelled invoices "C…" left out): the
    CSV to import and each local day's paid amount, computed straight from the files."""
    by_invoice = {}
    for day in UCI_DAYS:
        path = shared_file(("online-retail", "by-day", f"{day.isoformat()}.csv"))
        with open(path, encoding="utf-8", newline="") as f:
            for r in csv.DictReader(f):
                if r["InvoiceNo"].startswith("C") or int(r["Quantity"]) <= 0:
                    continue
                order = by_invoice.setdefault(
                    r["InvoiceNo"],
                    {"at": r["InvoiceDate"], "customer": r["CustomerID"].split(".")[0], "amt": 0},
                )
                order["amt"] += line_amount(int(r["Quantity"]), Decimal(r["UnitPrice"]))
    out = tmp_path / "uci_orders.csv"
    per_day = defaultdict(Decimal)
    with open(out, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["order_id", "paid_amount", "created_at", "paid_at", "customer_id"])
        for invoice, o in sorted(by_invoice.items()):
            w.writerow([invoice, o["amt"], o["at"], o["at"], o["customer"]])
            # December in London is GMT: the invoice's local day is its date.
            per_day[datetime.fromisoformat(o["at"]).date()] += o["amt"]
    return per_day, out


def tmall_paid(shared_file) -> Decimal:
    with open(shared_file(TMALL_REPORT), encoding="utf-8", newline="") as f:
        rows = [{k.strip(): v for k, v in r.items()} for r in csv.DictReader(f)]
    return sum(Decimal(r["总金额"]) for r in rows if r["订单付款时间"].strip())


@pytest.fixture
def uk_and_tm(shared_file, tmp_path):
    uk = services.create_store(
        None, code="uk", name="UK", platform="own", currency="GBP", timezone="Europe/London"
    )
    tm = services.create_store(None, code="tm", name="天猫", platform="tmall", currency="CNY")
    per_day, orders = uci_orders(shared_file, tmp_path)
    assert run_import(store=uk, kind="orders", path=orders).rejected == 0
    made = run_import(store=tm, kind="orders", path=shared_file(TMALL_REPORT), fmt="taobao")
    assert made.rejected == 0
    return uk, tm, per_day, tmall_paid(shared_file)


def expected_total(per_day: dict, tm_paid: Decimal, rate_of) -> Decimal:
    converted = sum((amount * rate_of(day) for day, amount in per_day.items()), Decimal(0))
    return (converted + tm_paid).quantize(CENT, ROUND_HALF_UP)


def carried(known: dict):
    """The rate a day uses: its own, else the latest earlier one (the fixture's gaps are
    weekends, inside the default 7 days)."""

    def rate_of(day):
        while day not in known:
            day -= timedelta(days=1)
        return known[day]

    return rate_of


def test_converted_total_equals_the_hand_computation_on_every_engine(uk_and_tm, lake_dir):
    uk, tm, per_day, tm_paid = uk_and_tm
    with pytest.raises(MixedCurrencies, match=r"GBP.*CNY"):
        metrics(["gmv"], [uk, tm], *PERIOD, "none")
    known = {d: gbp_rate(d) for d in business_days(date(2010, 11, 29), date(2010, 12, 31))}
    rates.set_rates(None, [rates.RateRow(d, "GBP", r) for d, r in known.items()], via="cli")
    expected = expected_total(per_day, tm_paid, carried(known))
    assert per_day[date(2010, 12, 12)] > 0  # a Sunday: it takes Friday's rate
    lake.export(lake_dir)
    answers = {}
    for engine in ("duckdb", "reference", "spark"):
        rows = metrics(["gmv", "buyers", "aov"], [uk, tm], *PERIOD, "none", engine)
        (row,) = rows
        assert row["gmv"].quantize(CENT, ROUND_HALF_UP) == expected, engine
        assert rows.currency == "CNY" and rows.conversion.currency == "CNY"
        answers[engine] = row
    assert answers["duckdb"] == answers["reference"] == answers["spark"]
    # AOV from the converted amounts; the rates used are named, Friday's serving Sunday.
    row = answers["duckdb"]
    # (money, so to the cent like every converted amount)
    assert abs(row["aov"] - numbers.ratio(row["gmv"], row["buyers"])) <= CENT / 2
    used = {(u[0], u[1]): (u[3], u[4]) for u in rows.conversion.used}
    assert used[("GBP", date(2010, 12, 10))] == (date(2010, 12, 10), date(2010, 12, 12))
    assert not any(u[0] == "CNY" for u in rows.conversion.used)

    # By month: December 2010 is the GBP store alone, converted; 2020's months are yuan
    # (the report's orders were paid in February and the first days of March).
    by_month = metrics(["gmv"], [uk, tm], *PERIOD, "month", "duckdb")
    months = {r["period"]: r["gmv"] for r in by_month if r["gmv"]}
    assert sum(v for m, v in months.items() if m.startswith("2020")) == tm_paid
    assert months["2010-12"].quantize(CENT, ROUND_HALF_UP) == expected_total(
        per_day, Decimal(0), carried(known)
    )

    # Split by store, nothing is converted and each row keeps its store's currency.
    split = metrics(["gmv"], [uk, tm], *PERIOD, "none", dims=["store"])
    assert {r["store"]: split.currency_of(r) for r in split} == {"uk": "GBP", "tm": "CNY"}
    assert {r["store"]: r["gmv"] for r in split} == {
        "uk": sum(per_day.values()),
        "tm": tm_paid,
    }
    assert split.conversion is None


def test_a_gap_longer_than_the_window_is_refused_naming_the_day(uk_and_tm):
    uk, tm, per_day, tm_paid = uk_and_tm
    # Rates until Friday 12-03, then none until 12-20: 12-11 is the first day more than
    # 7 days after the last rate.
    known = {d: gbp_rate(d) for d in business_days(date(2010, 11, 29), date(2010, 12, 3))}
    known |= {d: gbp_rate(d) for d in business_days(date(2010, 12, 20), date(2010, 12, 31))}
    rates.set_rates(None, [rates.RateRow(d, "GBP", r) for d, r in known.items()])
    for engine in ("duckdb", "reference"):
        with pytest.raises(RateMissing, match=r"GBP→CNY 2010-12-11") as refused:
            metrics(["gmv"], [uk, tm], *PERIOD, "none", engine)
        assert refused.value.day == date(2010, 12, 11)
    # A wider window reaches back to Friday 12-03 for every day of the gap.
    rates.save_currency_settings(None, reporting_currency="CNY", rate_window_days=10)
    (row,) = metrics(["gmv"], [uk, tm], *PERIOD, "none")
    assert row["gmv"].quantize(CENT, ROUND_HALF_UP) == expected_total(
        per_day, tm_paid, carried(known)
    )
    # Rates quoted in another reporting currency are not used for this one.
    rates.save_currency_settings(None, reporting_currency="USD", rate_window_days=10)
    with pytest.raises(MixedCurrencies, match="USD"):
        metrics(["gmv"], [uk, tm], *PERIOD, "none")
