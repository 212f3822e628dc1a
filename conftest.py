import contextlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from shopops.core import services
from shopops.core.roles import ROLES

PASSWORD = "Test-pass-0451!"  # noqa: S105 (test accounts only)


def pytest_report_header(config):
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return "database: SQLite (embedded default)"
    import psycopg

    with psycopg.connect(url.replace("/shopops", "/postgres")) as conn:
        version = conn.execute("SELECT version()").fetchone()[0]
    return f"database: PostgreSQL server {version}"


@contextlib.contextmanager
def kept_for_module(django_db_blocker):
    """Rows made once for a module (Django's setUpTestData for pytest): created in an outer
    transaction that each test's own transaction nests in as a savepoint, and rolled back
    after the module. Only for modules whose tests are not `transaction=True`."""
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)


def make_store_a():
    return services.create_store(
        None,
        via="test",
        code="alpha",
        name="Alpha 旗舰店",
        platform="tmall",
        commission_rate="0.0500",
    )


def make_store_b():
    return services.create_store(
        None,
        via="test",
        code="beta",
        name="Beta Shop",
        platform="shopify",
        currency="USD",
        timezone="America/New_York",
        commission_rate="0.0290",
    )


def make_role_users(store_a):
    """One user per role, each granted store A only."""
    return {
        r.key: services.create_user(username=r.key, password=PASSWORD, role=r.key, stores=[store_a])
        for r in ROLES
    }


@pytest.fixture(scope="module")
def module_roles(django_db_setup, django_db_blocker):
    """Stores A and B and one user per role, made once for the module (see
    `kept_for_module`): a module whose tests only read them asks for `as_role_once`."""
    with kept_for_module(django_db_blocker):
        a, b = make_store_a(), make_store_b()
        yield a, b, make_role_users(a)


@pytest.fixture
def as_role_once(module_roles, db):
    return lambda role: login(module_roles[2][role])


@pytest.fixture
def store_a(db):
    return make_store_a()


@pytest.fixture
def store_b(db):
    return make_store_b()


@pytest.fixture
def store_a_form():
    """Store A's edit form as posted by a browser, with the given fields changed."""
    return lambda **changes: {
        "name": "Alpha 旗舰店",
        "platform": "tmall",
        "currency": "CNY",
        "timezone": "Asia/Shanghai",
        "commission_rate": "0.0500",
        "payment_fee_rate": "0",
        "shipping_cost_per_order": "0",
        "packaging_cost_per_order": "0",
        "margin_floor": "0.0500",
        "is_active": "on",
        **changes,
    }


@pytest.fixture
def role_users(store_a, store_b):
    return make_role_users(store_a)


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def login_as():
    return login


@pytest.fixture
def as_role(role_users):
    return lambda role: login(role_users[role])


@pytest.fixture(scope="session", autouse=True)
def _duckdb_lets_go_of_the_test_database(django_db_setup):
    # DuckDB keeps the test database attached for speed; it must let go before the test
    # database is dropped at the end of the session.
    yield
    from shopops.analytics.duckdb_engine import close_all

    close_all()


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # PBKDF2's deliberate slowness costs seconds per test; hashing is not under test here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _own_cache_and_lake(settings, tmp_path_factory, monkeypatch):
    # Each test reads and writes a cache and a lake of its own, never the console's var/.
    monkeypatch.setenv("SHOPOPS_LAKE_DIR", str(tmp_path_factory.mktemp("lake")))
    monkeypatch.delenv("SHOPOPS_DUCKDB_LAKE", raising=False)
    settings.CACHES = {
        alias: {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path_factory.mktemp(alias)),
        }
        for alias in ("default", "compiled")
    }
    # (Django's setting_changed handler rebuilds the cache connections.)


@pytest.fixture(autouse=True)
def _imports_in_the_test_process(settings):
    # Most tests import inside their own rolled-back transaction, which a child process
    # cannot see; the tests of the child process (ingest/tests/test_hostile_files.py) turn
    # the isolation back on with committed data.
    settings.SHOPOPS_IMPORT_ISOLATION = False


@pytest.fixture(autouse=True)
def _tasks_run_inline():
    # Background jobs run in the test's own process and transaction.
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True
    yield


def pytest_configure(config):
    from hypothesis import settings

    # The suite's own runs are repeatable (derandomized); a developer can ask for a wider
    # random search with HYPOTHESIS_PROFILE=explore.
    settings.register_profile("repeatable", derandomize=True, deadline=None, max_examples=50)
    settings.register_profile("explore", deadline=None, max_examples=2000)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


SHARED_DATA = Path(
    os.environ.get("SHOPOPS_SHARED_DATA")
    or Path(__file__).resolve().parent.parent / "shared" / "data"
)
TMALL_REPORT = ("tmall-order-report", "tmall_order_report.csv")
SHOPIFY_EXPORT = ("shopify-orders-export-devstore", "orders_export_1.csv")


@pytest.fixture
def shared_file():
    """A real export from ../shared/data. Missing data fails the test: these are the
    acceptance checks against real files, and a skip would hide them."""

    def get(parts: tuple[str, ...]) -> Path:
        path = SHARED_DATA.joinpath(*parts)
        if not path.exists():
            pytest.fail(
                f"{path} is missing: the real exports live in ../shared/data beside the "
                "repository (or set SHOPOPS_SHARED_DATA)"
            )
        return path

    return get


def _cli_env(var_dir: Path) -> dict:
    return {
        **os.environ,
        "SHOPOPS_VAR_DIR": str(var_dir),
        "SHOPOPS_LANG": "en",
        "DATABASE_URL": f"sqlite:///{var_dir / 'cli.sqlite3'}",
    }


@pytest.fixture(scope="session")
def migrated_cli_database(tmp_path_factory) -> Path:
    """One SQLite file migrated once per session; each `cli` test starts from a copy, as
    a user's second command does (the first one's migrations are not under test here)."""
    var_dir = tmp_path_factory.mktemp("cli-template")
    subprocess.run(
        [sys.executable, "-m", "shopops.cli", "manage", "migrate", "--noinput", "-v", "0"],
        env=_cli_env(var_dir),
        check=True,
        capture_output=True,
        timeout=300,
    )
    return var_dir / "cli.sqlite3"


@pytest.fixture
def cli(tmp_path, migrated_cli_database):
    """Run `shopops …` as a user does: a real process on its own SQLite file (already
    migrated), English messages unless --lang says otherwise."""
    env = _cli_env(tmp_path)
    shutil.copyfile(migrated_cli_database, tmp_path / "cli.sqlite3")

    def run(*args, input=None):
        return subprocess.run(
            [sys.executable, "-m", "shopops.cli", *args],
            env=env,
            capture_output=True,
            text=True,
            input=input,
            timeout=300,
        )

    return run
