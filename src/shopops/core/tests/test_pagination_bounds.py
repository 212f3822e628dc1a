"""Issue 11, point 7: pagination limits below 1 or above the maximum answer 422 naming
`limit` (a negative slice was a 500), on SQLite exactly as on PostgreSQL."""

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/audit?limit=-14",
        "/api/v1/audit?limit=0",
        "/api/v1/audit?limit=1001",
        "/api/v1/audit?store=alpha&limit=-14",
        "/api/v1/imports?limit=-203593",
        "/api/v1/imports?limit=0",
        "/api/v1/imports?limit=501",
        "/api/v1/imports?limit=99999999999999999999999",
    ],
)
def test_out_of_range_limits_are_refused_naming_limit(path, as_role):
    answer = as_role("ops_lead").get(path)
    assert answer.status_code == 422, answer.content[:300]
    errors = answer.json()["detail"]
    assert [e["loc"][-1] for e in errors] == ["limit"], errors


@pytest.mark.parametrize("path", ["/api/v1/audit?limit=1", "/api/v1/imports?limit=500"])
def test_limits_in_range_answer(path, as_role):
    assert as_role("ops_lead").get(path).status_code == 200
