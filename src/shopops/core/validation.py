"""A refused input told one way: each field's path with its message, and the same as one
sentence. The API's 422 (one handler on the NinjaAPI, install_validation_handler) and the
CLI's error line both come from here, so a service only raises django's ValidationError
(or core.bounds.OutOfBounds) and never formats it.

Paths name the field as the client wrote it: `lines[0].sku`, `shipping_address.phone`,
`limit`; NON_FIELD_ERRORS ("__all__") for a refusal of the whole input."""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _

from shopops.core import bounds

# Where django-ninja found a request's parameter: the first item of a pydantic error's loc.
BODY_SOURCES = ("body", "form", "file")


def field_errors(exc: ValidationError) -> dict[str, str]:
    """A django ValidationError as {path: its messages joined by a space}."""
    if hasattr(exc, "error_dict"):
        return {k: " ".join(str(m) for m in v) for k, v in exc.message_dict.items()}
    return {NON_FIELD_ERRORS: " ".join(str(m) for m in exc.messages)}


def sentence(errors: dict[str, str]) -> str:
    """ "field: message; other: message"; a message of the whole input without a name."""
    return "; ".join(v if k == NON_FIELD_ERRORS else f"{k}: {v}" for k, v in errors.items())


def message(exc: ValidationError) -> str:
    """The sentence of a django ValidationError (the CLI's error line)."""
    return sentence(field_errors(exc))


def path(loc) -> str:
    """A pydantic loc as a path: ("lines", 0, "sku") is "lines[0].sku"."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or NON_FIELD_ERRORS


def request_errors(errors: list[dict]) -> dict[str, str]:
    """django-ninja's request errors ({"loc": [source, …], "type", "msg"}) by path. The
    source (query, path, body …) is dropped, and in a body the operation's parameter name
    too: every operation of this API takes its JSON body as one schema, so the field's path
    starts inside the body."""
    found: dict[str, list[str]] = {}
    for error in errors:
        source, *rest = error.get("loc") or ["body"]
        if source == "body" and rest:
            rest = rest[1:]
        text = _("Required.") if error.get("type") == "missing" else str(error.get("msg", ""))
        found.setdefault(path(rest), []).append(text)
    return {k: " ".join(v) for k, v in found.items()}


def refusal(errors: dict[str, str]) -> dict:
    """The API's 422 body: `detail` the sentence, `errors` each field."""
    return {"detail": sentence(errors), "errors": errors}


def install_validation_handler(api) -> None:
    """The API's one 422: a django ValidationError or core.bounds.OutOfBounds raised by any
    operation or service, and a request that does not fit the operation's schema, all answer
    `errors` by path. `detail` is the same as a sentence, except when the query string or
    the path does not fit (no field of a body refused): there `detail` stays django-ninja's
    list of errors (`loc`, `type`, `msg`), as the API has always answered it."""
    from ninja.errors import ValidationError as RequestInvalid

    def answer(request, body: dict):
        return api.create_response(request, body, status=422)

    def on_validation_error(request, exc: ValidationError):
        return answer(request, refusal(field_errors(exc)))

    def on_out_of_bounds(request, exc: bounds.OutOfBounds):
        return answer(request, refusal({exc.field: exc.message}))

    def on_request_invalid(request, exc: RequestInvalid):
        body = refusal(request_errors(exc.errors))
        if any((e.get("loc") or ["body"])[0] not in BODY_SOURCES for e in exc.errors):
            body["detail"] = exc.errors
        return answer(request, body)

    api.add_exception_handler(ValidationError, on_validation_error)
    api.add_exception_handler(bounds.OutOfBounds, on_out_of_bounds)
    api.add_exception_handler(RequestInvalid, on_request_invalid)
