"""Issue 11: schemathesis over every operation of /api/v1 against a live server.

A fresh SQLite database in a temp dir holds one small store (three SKUs with stock, a few
orders, a draft purchase order, a goal) and two users with API tokens: the operations lead
(every module) and a customer service agent (orders and stores only; 403 everywhere
else). granian serves the app as a real process; schemathesis (pinned in the dev group)
runs its examples, coverage and fuzzing phases over every operation of the app's own
OpenAPI schema, once per user, with a fixed seed, derandomized, one worker and a bounded
number of examples per operation. The checks: no 5xx, every status code declared, every
response body matching the schema declared for its status.

The schema the fuzzer reads is the app's, with `example` values added here for the
parameters and body fields that name the seeded data (store, sku, order, warehouse …), so
the examples and coverage phases reach past the 404 of an unknown store.
"""

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEED = 11
# Examples per operation and phase; SHOPOPS_FUZZ_EXAMPLES=200 asks for a wider search.
MAX_EXAMPLES = int(os.environ.get("SHOPOPS_FUZZ_EXAMPLES", "8"))
CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance"

SETUP = textwrap.dedent(
    """
    import json, sys
    import django
    django.setup()
    from datetime import date
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)

    from shopops.api import api
    from shopops.catalog.models import Product, Sku
    from shopops.core import services as core
    from shopops.inventory import purchasing
    from shopops.inventory import services as inventory
    from shopops.inventory.models import Warehouse
    from shopops.orders import intake
    from shopops.planning import goals

    store = core.create_store(None, via="test", code="fz", name="Fuzz shop", platform="tmall")
    product = Product.objects.create(store=store, spu="FZ", name="Thermos")
    skus = [
        Sku.objects.create(store=store, product=product, code=f"FZ-{i}", price="59.00")
        for i in (1, 2, 3)
    ]
    warehouse = Warehouse.objects.create(store=store, code="HZ", name="Hangzhou")
    for sku in skus[:2]:
        inventory.receive(None, store, sku, warehouse, 20, reason="opening")
    lead = core.create_user(username="fz_lead", password=None, role="ops_lead", stores=[store])
    agent = core.create_user(
        username="fz_agent", password=None, role="customer_service", stores=[store]
    )
    address = {
        "name": "Buyer", "phone": "13800000000", "province": "Zhejiang", "city": "Hangzhou",
        "address": "1 Wensan Road",
    }
    for n, (sku, paid) in enumerate([("FZ-1", True), ("FZ-2", False), ("FZ-3", True)], 1):
        intake.receive(lead, store, {
            "store": "fz", "order_id": f"FZ-O{n}", "created_at": "2026-01-05T10:00:00+08:00",
            "paid_at": "2026-01-05T10:01:00+08:00" if paid else None,
            "customer_id": f"buyer-{n}", "paid_amount": "59.00",
            "lines": [{"sku": sku, "quantity": 1, "unit_price": "59.00"}],
            "shipping_address": address,
        })
    po = purchasing.create(lead, store, warehouse=warehouse, lines=[(skus[2], 10)])
    goals.create_goal(
        lead, store, via="test", name="Q1 GMV", metric="gmv", target="100000",
        period="quarter", start=date(2026, 1, 1), end=date(2026, 3, 31),
    )
    tokens = {
        "ops_lead": core.create_token(lead, "fuzz")[1],
        "customer_service": core.create_token(agent, "fuzz")[1],
    }
    with open(sys.argv[1], "w") as out:
        json.dump(api.get_openapi_schema(), out)
    print(json.dumps({"tokens": tokens, "po": po.number}))
    """
)


def _examples(seeded: dict) -> dict:
    return {
        "store": "fz",
        "code": "fz",
        "sku": "FZ-1",
        "order_id": "FZ-O1",
        "number": seeded["po"],
        "warehouse": "HZ",
        "channel": "tmall",
        "metric": "gmv",
        "from": "2026-01-01",
        "to": "2026-01-31",
        "start": "2026-01-01",
        "end": "2026-01-31",
        "day": "2026-01-05",
    }


ORDER_ACTIONS = ["pay", "audit", "ship", "deliver", "complete", "cancel", "refund", "resolve"]
PO_ACTIONS = ["place", "cancel", "receive"]


def _pin(schema: dict, values: list) -> None:
    target = schema.get("items", schema) if schema.get("type") == "array" else schema
    target["enum"] = values


def _with_examples(schema: dict, examples: dict) -> dict:
    """The app's schema with `example`s for the parameters and top-level body fields that
    name seeded data (schemathesis' examples and coverage phases start from them), and the
    store and action parameters pinned to the seeded store and the real actions, so that
    the generated requests reach the operations' own logic instead of a 404 (negative
    cases still send other values)."""
    for path, item in schema["paths"].items():
        actions = PO_ACTIONS if "purchase-orders" in path else ORDER_ACTIONS
        for operation in item.values():
            for param in operation.get("parameters", []):
                if param["name"] in examples:
                    value = examples[param["name"]]
                    if param.get("schema", {}).get("type") == "array":
                        value = [value]
                    param["example"] = value
                if param["name"] in ("store", "code") and param["in"] in ("path", "query"):
                    _pin(param["schema"], ["fz"])
                if param["name"] == "action":
                    _pin(param["schema"], actions)
            content = operation.get("requestBody", {}).get("content", {})
            for media in content.values():
                body = media.get("schema", {})
                if "$ref" in body:
                    name = body["$ref"].rsplit("/", 1)[-1]
                    body = schema["components"]["schemas"][name]
                props = body.get("properties", {})
                if "store" in props:
                    props["store"]["enum"] = ["fz"]
                example = {k: examples[k] for k in props if k in examples}
                if example and "example" not in media:
                    for key in body.get("required", []):
                        if key not in example and "default" not in props[key]:
                            break
                    else:
                        media["example"] = example
    return schema


def _env(tmp: Path) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "SHOPOPS_HUEY_IMMEDIATE"}
    }
    env.update(
        DATABASE_URL=f"sqlite:///{tmp / 'fuzz.sqlite3'}",
        SHOPOPS_VAR_DIR=str(tmp / "var"),
        SHOPOPS_LAKE_DIR=str(tmp / "lake"),
        SHOPOPS_LANG="en",
        SECRET_KEY=env.get("SECRET_KEY") or "fuzz-only-" + "x" * 50,
        DJANGO_SETTINGS_MODULE="shopops.settings",
        PYTHONPATH=os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")]),
    )
    return env


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    from shopops.devtools.processes import _wait_ready, web_command
    from shopops.devtools.testrun import free_port

    tmp = tmp_path_factory.mktemp("fuzz")
    env = _env(tmp)
    raw_schema = tmp / "openapi.raw.json"
    made = subprocess.run(
        [sys.executable, "-c", SETUP, str(raw_schema)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert made.returncode == 0, made.stderr[-4000:]
    seeded = json.loads(made.stdout.strip().splitlines()[-1])
    schema_path = tmp / "openapi.json"
    schema = _with_examples(json.loads(raw_schema.read_text()), _examples(seeded))
    schema_path.write_text(json.dumps(schema))

    port = free_port()
    log = tmp / "server.log"
    with open(log, "wb") as out:
        server = subprocess.Popen(
            web_command("127.0.0.1", port, workers=1, threads=4),
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        if not _wait_ready(f"http://127.0.0.1:{port}/healthz", [server], timeout=60):
            pytest.fail(f"the server did not come up:\n{log.read_text()[-4000:]}")
        yield {
            "url": f"http://127.0.0.1:{port}",
            "schema": schema_path,
            "tokens": seeded["tokens"],
            "env": env,
            "tmp": tmp,
            "log": log,
        }
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


@pytest.mark.parametrize("role", ["ops_lead", "customer_service"])
def test_every_operation_answers_as_declared(live, role):
    report = live["tmp"] / f"report-{role}"
    command = [
        str(Path(sys.executable).with_name("st")),
        "run",
        str(live["schema"]),
        "--url",
        live["url"],
        "--header",
        f"Authorization: Bearer {live['tokens'][role]}",
        "--checks",
        CHECKS,
        "--phases",
        "examples,coverage,fuzzing",
        "--seed",
        str(SEED),
        "--generation-deterministic",
        "--generation-with-security-parameters",
        "false",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--workers",
        "1",
        "--no-shrink",
        "--request-timeout",
        "60",
        "--suppress-health-check",
        "all",
        "--no-color",
        "--output-truncate",
        "false",
        "--report",
        "junit",
        "--report-dir",
        str(report),
    ]
    started = time.monotonic()
    result = subprocess.run(
        command, env=live["env"], capture_output=True, text=True, timeout=3600, check=False
    )
    took = time.monotonic() - started
    print(f"schemathesis as {role}: {took:.1f} s, exit {result.returncode}")
    print(result.stdout[-6000:])
    if result.returncode != 0:
        pytest.fail(
            f"schemathesis as {role} found failures (exit {result.returncode}, {took:.0f} s):\n"
            f"{result.stdout[-20000:]}\n{result.stderr[-3000:]}\n"
            f"server log tail:\n{live['log'].read_text(errors='replace')[-3000:]}",
            pytrace=False,
        )
