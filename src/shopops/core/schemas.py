from datetime import datetime
from decimal import Decimal
from typing import Any

from ninja import Schema
from pydantic import ConfigDict


class StoreOut(Schema):
    code: str
    name: str
    platform: str
    platform_label: str
    currency: str
    timezone: str
    is_active: bool
    commission_rate: Decimal | None = None  # absent for roles that must not see costs
    payment_fee_rate: Decimal | None = None
    shipping_cost_per_order: Decimal | None = None
    packaging_cost_per_order: Decimal | None = None
    margin_floor: Decimal | None = None


class StoreIn(Schema):
    code: str
    name: str
    platform: str
    currency: str = "CNY"
    timezone: str = "Asia/Shanghai"
    commission_rate: Decimal = Decimal("0")
    payment_fee_rate: Decimal = Decimal("0")
    shipping_cost_per_order: Decimal = Decimal("0")
    packaging_cost_per_order: Decimal = Decimal("0")
    margin_floor: Decimal = Decimal("0.05")


class StorePatch(Schema):
    """The fields to change, as a JSON object; anything else (an array, a string, an unknown
    field) is refused with 422 rather than read as "change nothing"."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    platform: str | None = None
    currency: str | None = None
    timezone: str | None = None
    commission_rate: Decimal | None = None
    payment_fee_rate: Decimal | None = None
    shipping_cost_per_order: Decimal | None = None
    packaging_cost_per_order: Decimal | None = None
    margin_floor: Decimal | None = None
    is_active: bool | None = None


class ModuleOut(Schema):
    key: str
    label: str
    built: bool
    can_change: bool


class MeOut(Schema):
    username: str
    role: str | None
    can_see_costs: bool
    can_see_personal_data: bool
    stores: list[str]
    modules: list[ModuleOut]


class AuditOut(Schema):
    id: int
    at: datetime
    actor: str
    store: str | None
    action: str
    object_type: str
    object_id: str
    object_repr: str
    before: dict | None
    after: dict | None
    via: str


# --- The API's error answers ----------------------------------------------------------------


class ErrorOut(Schema):
    """400 (a body that is not JSON), 401 (no or invalid credentials), 403 (the role may
    not; CSRF), 404 (unknown or not granted), 409 (a conflict), 429 (too many failed
    authentications; see Retry-After), 503 (the database is busy with another write, or an
    engine is unavailable; see Retry-After where given)."""

    detail: str


class FieldErrorOut(Schema):
    """One of django-ninja's request errors: where (`loc`, e.g. ["query", "limit"]), what
    (`type`) and why (`msg`)."""

    model_config = ConfigDict(extra="allow")

    type: str
    loc: list[str | int]
    msg: str
    ctx: dict[str, Any] | None = None


class ValidationErrorOut(Schema):
    """422, from one handler (core.validation) for every operation. `errors`: each refused
    field by its path in the request (`lines[0].sku`, `shipping_address.phone`, `limit`;
    `__all__` for the input as a whole) with its message. `detail`: the same as a sentence
    ("field: message; …"), except when the query string or path does not fit the
    operation's parameters, where it is django-ninja's list of errors. A few operations'
    own refusals (a metrics query's parameters, an import's format or mapping, the daily
    report's measures, some inventory checks) still answer `detail` alone."""

    detail: str | list[FieldErrorOut]
    errors: dict[str, str] | None = None


# Every operation can answer these: 401 and 429 come from authentication, 403 from the
# module permission (and CSRF for a session), 422 from the request's own validation, 503
# from a write that met SQLite's lock (core.busy).
COMMON_ERRORS = (401, 403, 422, 429, 503)


def responses(success: dict[int, Any], *errors: int) -> dict[int, Any]:
    """An operation's `response=` map: its success statuses with their schemas, the errors
    every operation can answer, and `errors` of its own (400 for a JSON body that does not
    parse, 404 for a store or object looked up, 409 for a conflict)."""
    codes = sorted({*COMMON_ERRORS, *errors})
    return {
        **success,
        **{code: ValidationErrorOut if code == 422 else ErrorOut for code in codes},
    }
