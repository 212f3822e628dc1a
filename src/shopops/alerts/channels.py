"""How each channel is spoken to: the payload its platform documents, the signature it
verifies, and what its answer means (sent, worth retrying, or failed for good).

- DingTalk custom robot: markdown; with a secret, `timestamp` (ms) and `sign` =
  base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}")), URL-encoded, on the URL. An
  answer of errcode 0 is sent; 130101 (too fast) is retried.
- WeCom group robot: markdown; errcode 0 is sent, 45009 (too fast) retried.
- Feishu/Lark custom bot: a post; with a secret, `timestamp` (s) and `sign` =
  base64(HMAC-SHA256(key=f"{timestamp}\\n{secret}", message=b"")) in the body; code 0 is
  sent, 11232 (too fast) retried.
- A JSON webhook: {"event", "title", "text", "link", "alert"}, or Slack's {"text"}; with a
  secret, `X-ShopOps-Signature: sha256=<hex HMAC-SHA256(secret, body)>`.
- E-mail: Django's mail backend (SMTP from the environment; the console by default).
Network errors, 5xx and 429 are retried; other 4xx fail for good. Errors are told by
kind and status, never with the URL (its token is the robot's password)."""

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from urllib.parse import quote_plus

import requests
from django.conf import settings
from django.core.mail import EmailMessage

from shopops.alerts.models import Channel, ChannelKind

TIMEOUT = 10  # seconds
# Messages a minute each platform takes from one robot (beyond: one digest message).
PER_MINUTE = {
    ChannelKind.DINGTALK: 20,
    ChannelKind.WECOM: 20,
    ChannelKind.FEISHU: 100,
    ChannelKind.WEBHOOK: 60,
    ChannelKind.EMAIL: 30,
}
TOO_FAST = {ChannelKind.DINGTALK: {130101}, ChannelKind.WECOM: {45009},
            ChannelKind.FEISHU: {11232, 9499}}  # fmt: skip


@dataclass
class Answer:
    sent: bool
    retry: bool = False
    error: str = ""


def absolute(path: str) -> str:
    """A console path as messages link it (`SHOPOPS_BASE_URL`)."""
    return settings.SHOPOPS_BASE_URL.rstrip("/") + path


def dingtalk_sign(secret: str, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256)
    return quote_plus(base64.b64encode(digest.digest()))


def feishu_sign(secret: str, timestamp: int) -> str:
    key = f"{timestamp}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def webhook_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def request_of(channel: Channel, title: str, text: str, link: str, extra: dict | None = None,
               now: float | None = None) -> tuple[str, dict, bytes]:  # fmt: skip
    """(url, headers, body) of one message to a webhook channel."""
    now = time.time() if now is None else now
    url, headers = channel.url, {"Content-Type": "application/json; charset=utf-8"}
    more = f"\n\n[查看详情]({link})" if link else ""
    if channel.kind == ChannelKind.DINGTALK:
        payload = {
            "msgtype": "markdown",
            "markdown": {"title": title, "text": f"### {title}\n\n{text}{more}"},
        }
        if channel.secret:
            stamp = int(now * 1000)
            sep = "&" if "?" in url else "?"
            url = f"{url}{sep}timestamp={stamp}&sign={dingtalk_sign(channel.secret, stamp)}"
    elif channel.kind == ChannelKind.WECOM:
        payload = {"msgtype": "markdown", "markdown": {"content": f"### {title}\n{text}{more}"}}
    elif channel.kind == ChannelKind.FEISHU:
        line = [{"tag": "text", "text": text}]
        if link:
            line.append({"tag": "a", "text": " 查看详情", "href": link})
        payload = {"msg_type": "post",
                   "content": {"post": {"zh_cn": {"title": title, "content": [line]}}}}  # fmt: skip
        if channel.secret:
            stamp = int(now)
            payload = {"timestamp": str(stamp), "sign": feishu_sign(channel.secret, stamp),
                       **payload}  # fmt: skip
    elif channel.slack:
        payload = {"text": f"*{title}*\n{text}" + (f"\n<{link}|查看详情>" if link else "")}
    else:
        payload = {"title": title, "text": text, "link": link, **(extra or {})}
    body = json.dumps(payload, ensure_ascii=False).encode()
    if channel.kind == ChannelKind.WEBHOOK and channel.secret:
        headers["X-ShopOps-Signature"] = webhook_signature(channel.secret, body)
    return url, headers, body


def _answer(channel: Channel, response: requests.Response) -> Answer:
    status = response.status_code
    if status == 429 or status >= 500:
        return Answer(False, True, f"HTTP {status}")
    if status >= 400:
        return Answer(False, False, f"HTTP {status}: {response.text[:200]}")
    if channel.kind in TOO_FAST:  # the robots answer 200 with their own error code
        try:
            data = response.json()
        except ValueError:
            return Answer(False, False, f"HTTP {status}: not the platform's answer")
        code = data.get("errcode", data.get("code", data.get("StatusCode", 0)))
        if code not in (0, None):
            message = data.get("errmsg") or data.get("msg") or ""
            return Answer(False, code in TOO_FAST[channel.kind], f"code {code}: {message[:200]}")
    return Answer(True)


def send(channel: Channel, title: str, text: str, link: str = "", extra: dict | None = None,
         attachment: tuple[str, bytes, str] | None = None) -> Answer:  # fmt: skip
    """Send one message; what the answer means for the queue. `attachment` (name, bytes,
    type) goes with an e-mail only."""
    if channel.kind == ChannelKind.EMAIL:
        try:
            mail = EmailMessage(title, f"{text}\n\n{link}".strip(), None, list(channel.emails))
            if attachment:
                mail.attach(*attachment)
            mail.send()
        except OSError as exc:  # smtplib's errors are OSErrors: a network fault, retried
            return Answer(False, True, f"mail: {type(exc).__name__}")
        return Answer(True)
    url, headers, body = request_of(channel, title, text, link, extra)
    try:
        response = requests.post(url, data=body, headers=headers, timeout=TIMEOUT)
    except requests.RequestException as exc:
        return Answer(False, True, f"network: {type(exc).__name__}")
    return _answer(channel, response)
