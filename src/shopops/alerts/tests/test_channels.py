"""Delivery to each platform, against a real HTTP server on loopback playing it: the payload
has the platform's documented shape, the signature verifies the way the platform verifies
it (computed here independently), a 500 then 200 arrives exactly once, a permanent 400 is
failed with its reason (and holds up no other channel), 25 alerts in one minute to one
DingTalk robot arrive as at most 20 messages, and no error carries the robot's token."""

import base64
import hashlib
import hmac
import json
import threading
from datetime import timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from shopops.alerts import delivery, services
from shopops.alerts.evaluation import Finding
from shopops.alerts.models import AlertRule, Channel, Delivery

pytestmark = pytest.mark.django_db
SECRET = "SECtest0123456789"


class Platform:
    """A loopback server: records each request and answers from a script per path."""

    def __init__(self):
        self.requests: list[dict] = []
        self.script: dict[str, list[tuple[int, dict]]] = {}
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                split = urlsplit(self.path)
                platform.requests.append({
                    "path": split.path, "query": parse_qs(split.query), "raw": raw,
                    "headers": dict(self.headers), "json": json.loads(raw),
                })  # fmt: skip
                answers = platform.script.get(split.path) or [(200, {"errcode": 0})]
                status, body = answers.pop(0) if len(answers) > 1 else answers[0]
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def on(self, path):
        return [r for r in self.requests if r["path"] == path]


@pytest.fixture
def platform():
    server = Platform()
    yield server
    server.server.shutdown()


@pytest.fixture
def rule(store_a):
    services.ensure_default_rules(store_a)
    return AlertRule.objects.get(store=store_a, default_key="stock_safety")


def _alert(rule, n=1, now=None):
    found = Finding(f"stock:SKU{n}@HZ", f"SKU{n}（保温杯）HZ 可用库存 3，低于安全线 10",
                    f"SKU{n} at HZ: 3 available", Decimal(3), None, {"kind": "sku"})  # fmt: skip
    return services._open(rule, found, now or timezone.now())


def _channel(store, kind, url, **more):
    return services.save_channel(None, store, kind=kind, name=kind, url=url, **more)


def test_dingtalk_markdown_signed_as_dingtalk_verifies(store_a, rule, platform):
    _channel(store_a, "dingtalk", f"{platform.url}/robot/send?access_token=TOKEN1",
             secret=SECRET)  # fmt: skip
    alert = _alert(rule)
    assert delivery.dispatch() == 1
    (got,) = platform.on("/robot/send")
    stamp, sign = got["query"]["timestamp"][0], got["query"]["sign"][0]
    assert got["query"]["access_token"] == ["TOKEN1"]
    expected = hmac.new(SECRET.encode(), f"{stamp}\n{SECRET}".encode(), hashlib.sha256)
    assert sign == base64.b64encode(expected.digest()).decode()  # parse_qs URL-decoded it
    assert abs(int(stamp) / 1000 - timezone.now().timestamp()) < 60
    assert got["json"]["msgtype"] == "markdown"
    assert got["json"]["markdown"]["title"] == "【严重】库存低于安全线（断货风险）"
    assert alert.title_zh in got["json"]["markdown"]["text"]
    assert f"/alerts/{alert.pk}/" in got["json"]["markdown"]["text"]
    assert delivery.dispatch() == 0 and len(platform.requests) == 1  # never twice


def test_feishu_post_signed_as_feishu_verifies(store_a, rule, platform):
    _channel(store_a, "feishu", f"{platform.url}/open-apis/bot/v2/hook/abc", secret=SECRET)
    platform.script["/open-apis/bot/v2/hook/abc"] = [(200, {"code": 0, "msg": "success"})]
    _alert(rule)
    assert delivery.dispatch() == 1
    (got,) = platform.requests
    body = got["json"]
    key = f"{body['timestamp']}\n{SECRET}".encode()
    assert body["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert body["msg_type"] == "post"
    post = body["content"]["post"]["zh_cn"]
    assert post["title"].startswith("【严重】") and post["content"][0][0]["tag"] == "text"
    assert post["content"][0][1]["tag"] == "a" and "/alerts/" in post["content"][0][1]["href"]


def test_wecom_markdown_and_a_signed_json_webhook(store_a, rule, platform):
    _channel(store_a, "wecom", f"{platform.url}/cgi-bin/webhook/send?key=K")
    _channel(store_a, "webhook", f"{platform.url}/hook", secret=SECRET)
    _channel(store_a, "webhook", f"{platform.url}/slack", slack=True)
    alert = _alert(rule)
    assert delivery.dispatch() == 3
    (wecom,) = platform.on("/cgi-bin/webhook/send")
    assert wecom["json"]["msgtype"] == "markdown"
    assert alert.title_zh in wecom["json"]["markdown"]["content"]
    (hook,) = platform.on("/hook")
    signature = "sha256=" + hmac.new(SECRET.encode(), hook["raw"], hashlib.sha256).hexdigest()
    assert hook["headers"]["X-ShopOps-Signature"] == signature
    assert hook["json"]["event"] == "opened" and hook["json"]["alert"]["id"] == alert.pk
    (slack,) = platform.on("/slack")
    assert set(slack["json"]) == {"text"} and alert.title_zh in slack["json"]["text"]


def test_a_500_then_200_is_delivered_exactly_once(store_a, rule, platform):
    _channel(store_a, "dingtalk", f"{platform.url}/robot/send?access_token=T")
    platform.script["/robot/send"] = [(500, {}), (200, {"errcode": 0})]
    _alert(rule)
    now = timezone.now()
    assert delivery.dispatch(now) == 0
    (queued,) = Delivery.objects.all()
    assert queued.status == "pending" and queued.last_error == "HTTP 500"
    assert queued.next_attempt_at == now + timedelta(seconds=30)
    assert delivery.dispatch(now + timedelta(seconds=10)) == 0  # not due yet
    assert delivery.dispatch(now + timedelta(seconds=31)) == 1
    assert delivery.dispatch(now + timedelta(minutes=5)) == 0
    queued.refresh_from_db()
    assert queued.status == "sent" and queued.attempts == 2 and len(platform.requests) == 2


def test_a_permanent_400_fails_with_its_reason_and_stalls_nothing(store_a, rule, platform):
    bad = _channel(store_a, "webhook", f"{platform.url}/gone")
    _channel(store_a, "webhook", f"{platform.url}/fine")
    platform.script["/gone"] = [(400, {"error": "no such hook"})]
    _alert(rule)
    assert delivery.dispatch() == 1
    failed = Delivery.objects.get(channel=bad)
    assert failed.status == "failed" and failed.attempts == 1
    assert failed.last_error == 'HTTP 400: {"error": "no such hook"}'
    bad.refresh_from_db()
    assert bad.failing and bad.last_error == failed.last_error
    assert len(platform.on("/fine")) == 1
    # A robot's own error code: a wrong signature fails, "too fast" is retried.
    robot = _channel(store_a, "dingtalk", f"{platform.url}/robot/send?access_token=T")
    platform.script["/robot/send"] = [(200, {"errcode": 310000, "errmsg": "sign not match"})]
    _alert(rule, 2)
    delivery.dispatch()
    assert Delivery.objects.get(channel=robot).last_error == "code 310000: sign not match"


def test_25_alerts_in_a_minute_reach_one_dingtalk_robot_as_at_most_20_messages(
    store_a, rule, platform
):
    _channel(store_a, "dingtalk", f"{platform.url}/robot/send?access_token=T")
    now = timezone.now()
    alerts = [_alert(rule, n, now) for n in range(25)]
    delivery.dispatch(now)
    assert len(platform.requests) == 20
    digest = platform.requests[-1]["json"]["markdown"]
    assert digest["title"] == "【汇总】6 条预警"
    for alert in alerts[19:]:
        assert alert.title_zh in digest["text"]
    assert Delivery.objects.filter(status="batched").count() == 6
    assert Delivery.objects.filter(status="sent").count() == 20  # 19 alerts and the digest
    assert delivery.dispatch(now + timedelta(minutes=2)) == 0


def test_email_and_a_network_error_that_names_no_secret(store_a, rule, platform):
    services.save_channel(None, store_a, kind="email", name="运营组", emails=["ops@example.com"])
    closed = f"http://127.0.0.1:{_free_port()}/robot/send?access_token=SECRET_TOKEN"
    robot = _channel(store_a, "dingtalk", closed)
    alert = _alert(rule)
    delivery.dispatch()
    (sent,) = mail.outbox
    assert sent.to == ["ops@example.com"] and sent.subject == "【严重】库存低于安全线（断货风险）"
    assert alert.title_zh in sent.body
    queued = Delivery.objects.get(channel=robot)
    assert queued.status == "pending" and queued.last_error == "network: ConnectionError"
    assert "SECRET_TOKEN" not in queued.last_error
    assert robot.masked_url == f"{closed.split('/robot')[0]}/…OKEN"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"kind": "dingtalk", "url": "not a url"}, "url"),
        ({"kind": "dingtalk", "url": "https://example.com/robot/send"}, "url"),
        ({"kind": "email", "emails": ["not-an-address"]}, "emails"),
        ({"kind": "pager", "url": "https://example.com"}, "kind"),
    ],
)
def test_a_bad_channel_is_refused_naming_the_field(store_a, fields, named):
    with pytest.raises(ValidationError) as raised:
        services.save_channel(None, store_a, name="通道", **fields)
    assert named in raised.value.message_dict
    assert not Channel.objects.exists()
