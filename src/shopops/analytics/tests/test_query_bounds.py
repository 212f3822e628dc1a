"""Issue 11, point 7: metric queries outside the dates ShopOps reads answer 422 naming the
parameter (never 500), on SQLite exactly as on PostgreSQL; `./shopops metrics` refuses the
same with exit 2. The bounds live in core.bounds and analytics.limits."""

import pytest

from shopops.core import bounds

pytestmark = pytest.mark.postgres

METRICS = "/api/v1/metrics?store=alpha&metric=gmv"
EXPLAIN = "/api/v1/metrics/explain?store=alpha&metric=gmv"
LATEST = bounds.latest_query_date()

REFUSED = {
    # Found point 7, as probed
    "explain_year_315": (EXPLAIN, "from=0315-04-14&to=1184-12-05", "from"),
    "metrics_whole_calendar": (METRICS, "from=0001-01-01&to=9999-12-31", "from"),
    "metrics_yoy_at_9999": (METRICS, "from=9999-12-01&to=9999-12-31&compare=yoy", "from"),
    "metrics_prev_at_0001": (METRICS, "from=0001-01-01&to=0001-01-31&compare=prev", "from"),
    # The window's edges and the longest period
    "metrics_before_2000": (METRICS, "from=1999-12-31&to=2000-01-31", "from"),
    "metrics_past_latest": (
        METRICS, f"from={LATEST.replace(month=1, day=1)}&to={LATEST.replace(year=LATEST.year + 1)}",
        "to",
    ),
    "metrics_too_long": (METRICS, "from=2000-01-01&to=2005-12-31", "to"),
    "metrics_backwards": (METRICS, "from=2024-03-02&to=2024-03-01", "to"),
    "metrics_prev_before_2000": (METRICS, "from=2000-01-01&to=2000-01-31&compare=prev", "compare"),
    "metrics_yoy_before_2000": (
        METRICS, "from=2000-06-01&to=2000-06-30&by=month&compare=yoy", "compare",
    ),
    "explain_too_long": (EXPLAIN, "from=2000-01-01&to=2009-12-31", "to"),
    "explain_base_before_2000": (EXPLAIN, "from=2000-01-01&to=2000-01-31", "base_from"),
    "explain_base_9999": (
        EXPLAIN, "from=2024-03-01&to=2024-03-31&base_from=9999-01-01&base_to=9999-01-31",
        "base_from",
    ),
    "explain_backwards": (EXPLAIN, "from=2024-03-31&to=2024-03-01", "to"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_metric_queries_outside_the_window_are_refused(case, as_role, transactional_db):
    path, query, field = REFUSED[case]
    answer = as_role("analyst").get(f"{path}&{query}")
    assert answer.status_code == 422, answer.content[:500]
    assert answer.json()["detail"].startswith(f"{field}: "), answer.json()


def test_metric_queries_at_the_edges_of_the_window_run(as_role, transactional_db):
    analyst = as_role("analyst")
    longest = analyst.get(f"{METRICS}&from=2001-01-01&to=2005-12-31&by=none&compare=yoy")
    assert longest.status_code == 200, longest.content[:300]
    assert analyst.get(f"{METRICS}&from={LATEST}&to={LATEST}&compare=yoy").status_code == 200


def test_metrics_command_refuses_the_same_with_exit_2(cli):
    assert cli("store", "add", "s", "--name", "S", "--platform", "jd").returncode == 0
    for args, option in (
        (("--from", "0001-01-01", "--to", "9999-12-31"), "--from"),
        (("--from", "2024-01-01", "--to", "9999-12-31"), "--to"),
        (("--from", "2000-01-01", "--to", "2000-01-31", "--compare", "prev"), "--compare"),
    ):
        out = cli("metrics", "gmv", "--store", "s", *args)
        assert out.returncode == 2, (args, out.stdout, out.stderr)
        assert f"error: {option}: " in out.stderr and "Traceback" not in out.stderr
