"""The `shopops` CLI, run as a user runs it: a real process against a real database file."""

import json

import pytest


def test_store_and_user_lifecycle(cli):
    added = cli(
        "store",
        "add",
        "tm01",
        "--name",
        "天猫旗舰店",
        "--platform",
        "tmall",
        "--currency",
        "CNY",
        "--timezone",
        "Asia/Shanghai",
        "--commission-rate",
        "0.05",
    )
    assert added.returncode == 0, added.stderr
    listed = json.loads(cli("store", "list", "--format", "json").stdout)
    assert listed == [
        {
            "code": "tm01",
            "name": "天猫旗舰店",
            "platform": "tmall",
            "currency": "CNY",
            "timezone": "Asia/Shanghai",
            "commission_rate": "0.0500",
            "active": True,
        }
    ]
    user = cli(
        "user", "add", "amy", "--role", "analyst", "--store", "tm01", "--password", "Amy-pass-2026"
    )
    assert user.returncode == 0, user.stderr
    users = json.loads(cli("user", "list", "--format", "json").stdout)
    assert users == [{"username": "amy", "role": "analyst", "stores": "tm01", "active": True}]
    token = cli("user", "token", "amy")
    assert token.returncode == 0
    lines = token.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("sho_")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["store", "add", "x1", "--name", "X", "--platform", "tmall", "--timezone", "Mars/X"],
            "timezone",
        ),
        (["store", "add", "x1", "--name", "X", "--platform", "ebay"], "ebay"),
        (["store", "add", "X 1", "--name", "X", "--platform", "jd"], "code"),
        (
            ["store", "add", "x1", "--name", "X", "--platform", "jd", "--commission-rate", "abc"],
            "commission-rate",
        ),
        (["user", "add", "bob", "--role", "boss", "--password", "Bob-pass-2026"], "role"),
        (
            [
                "user",
                "add",
                "bob",
                "--role",
                "analyst",
                "--store",
                "nope",
                "--password",
                "Bob-pass-2026",
            ],
            "nope",
        ),
        (["user", "token", "ghost"], "ghost"),
    ],
)
def test_bad_input_is_a_clear_error(cli, args, message):
    result = cli(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_demo_prepares_store_and_one_login_per_role(cli):
    result = cli("demo", "--no-run", "--orders", "800", "--months", "1")
    assert result.returncode == 0, result.stderr
    for username in (
        "admin",
        "ops_lead",
        "product_ops",
        "user_ops",
        "campaign_planner",
        "content_editor",
        "customer_service",
        "analyst",
        "warehouse",
    ):
        assert f"\n{username} " in result.stdout
    assert json.loads(cli("store", "list", "--format", "json").stdout)[0]["code"] == "demo"


def test_messages_follow_lang(cli):
    zh = cli("--lang", "zh-hans", "store", "add", "s1", "--name", "一店", "--platform", "pdd")
    assert "已创建" in zh.stdout
    en = cli("--lang", "en", "store", "add", "s2", "--name", "Two", "--platform", "pdd")
    assert "store s2 created" in en.stdout
    err = cli("--lang", "zh-hans", "user", "token", "ghost")
    assert err.returncode == 2 and "错误" in err.stderr
