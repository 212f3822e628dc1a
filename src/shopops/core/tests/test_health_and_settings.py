import os
import subprocess
import sys

from shopops.core.tasks import beat


def test_healthz_reports_database_and_worker(client, db):
    body = client.get("/healthz").json()
    assert body["database"]["ok"] is True
    assert body["worker"] == {"ok": False, "state": "never seen"}
    assert body["status"] == "degraded"
    beat()
    body = client.get("/healthz").json()
    assert body["worker"]["state"] == "running"
    assert body["status"] == "ok"


def test_pages_carry_a_content_security_policy(client, db):
    response = client.get("/login/")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    script_src = next(d for d in csp.split("; ") if d.startswith("script-src"))
    assert "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
    assert response.headers["X-Frame-Options"] == "DENY"


def test_console_is_chinese_unless_switched(client, db):
    html = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
    assert "登录" in html
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert "Sign in" in client.get("/login/").content.decode()


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "SHOPOPS_VAR_DIR": str(tmp_path),
        "SHOPOPS_HTTPS": "1",
        "SHOPOPS_DEBUG": "0",
        "SECRET_KEY": "k" * 20 + "-Zq8!xV3#pL0@rT6$wN1%yB4^mC7&" * 2,
        "ALLOWED_HOSTS": "shop.example.com",
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "shopops.cli",
            "manage",
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_api_docs_and_schema_need_sign_in(client, db, django_user_model):
    assert client.get("/api/v1/openapi.json").status_code == 302
    assert client.get("/api/v1/docs").status_code == 302
    client.force_login(django_user_model.objects.create_user("u", password="Pass-word-99"))
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/stores/{code}" in schema["paths"]
    assert "ModuleAuth" in schema["components"]["securitySchemes"]
    assert client.get("/api/v1/docs").status_code == 200


def test_api_schema_and_docs_with_a_bearer_token(client, db, django_user_model):
    from shopops.core.services import create_token

    user = django_user_model.objects.create_user("tok", password="Pass-word-99")
    _token, raw = create_token(user, "generator")
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    response = client.get("/api/v1/openapi.json", **bearer)
    assert response.status_code == 200
    assert "/api/v1/orders" in response.json()["paths"]
    assert client.get("/api/v1/docs", **bearer).status_code == 200
    refused = client.get("/api/v1/openapi.json", HTTP_AUTHORIZATION="Bearer not-a-token")
    assert refused.status_code == 401 and refused.json() == {"detail": "Unauthorized"}
    user.is_active = False
    user.save()
    assert client.get("/api/v1/openapi.json", **bearer).status_code == 401
