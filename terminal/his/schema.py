"""The JSON schema of a pushed bill (the README bill format, a required ``bill_no``, an optional patient hint and
the ``replace`` flag), and the field an error names (``items[0].price``).

jsonschema (~9 MB resident) is imported on the first pushed bill, not when the window opens its HIS desk."""
from __future__ import annotations

from functools import cache
from typing import Any

_TEXT = {"type": "string", "maxLength": 100}
_CODE = {"type": "string", "maxLength": 50}
_NUMBER = {"type": ["string", "number"], "maxLength": 30}

ITEM: dict[str, Any] = {
    "type": "object",
    "required": ["hosp_code", "national_code", "name", "price", "qty"],
    "additionalProperties": False,
    "properties": {
        "hosp_code": {"type": "string", "minLength": 1, "maxLength": 50},
        "national_code": {"type": "string", "minLength": 1, "maxLength": 50},
        "name": {"type": "string", "minLength": 1, "maxLength": 200},
        "price": _NUMBER, "qty": _NUMBER,
        "dept_code": _CODE, "dr_code": _CODE, "rxno": _CODE, "spec": _TEXT, "unit": {"type": "string", "maxLength": 20},
    },
}

BILL: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["bill_no", "items"],
    "additionalProperties": False,
    "properties": {
        "bill_no": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,30}$"},
        "med_type": {"type": "string", "pattern": "^[0-9A-Za-z]{1,6}$"},
        "dept_code": _CODE, "dept_name": _TEXT, "dr_code": _CODE, "dr_name": _TEXT,
        "dise_codg": _CODE, "dise_name": {"type": "string", "maxLength": 200},
        "opsp_dise_code": {"type": "string", "maxLength": 30}, "opsp_dise_name": {"type": "string", "maxLength": 300},
        "items": {"type": "array", "minItems": 1, "maxItems": 500, "items": ITEM},
        "patient": {
            "type": "object", "additionalProperties": False,
            "properties": {
                "name": {"type": "string", "maxLength": 50},
                "id_no": {"type": "string", "pattern": "^([0-9]{15}|[0-9]{17}[0-9Xx])$"},
                "card_no": {"type": "string", "pattern": "^[0-9A-Za-z]{1,32}$"},
            },
        },
        "replace": {"type": "boolean"},
    },
}


@cache
def _validator() -> Any:
    import jsonschema

    return jsonschema.Draft202012Validator(BILL)


def _path(parts: Any) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def _extra(message: str) -> str:
    """The property an additionalProperties / required message names ("'x' is a required property")."""
    return message.split("'")[1] if message.count("'") >= 2 else ""


def schema_error(body: Any) -> tuple[str, str] | None:
    """(field, message) of the first schema violation of ``body``, None when it conforms."""
    import jsonschema

    errors = sorted(_validator().iter_errors(body), key=lambda e: (list(map(str, e.absolute_path)), e.validator))
    if not errors:
        return None
    e = jsonschema.exceptions.best_match(errors) or errors[0]
    field = _path(e.absolute_path)
    if e.validator in ("required", "additionalProperties"):
        name = _extra(e.message)
        field = f"{field}.{name}" if field and name else (name or field)
        what = "缺少必填字段 (missing)" if e.validator == "required" else "未知字段 (unknown)"
        return field, f"{what}: {field}"
    return field or "(body)", f"{field or '请求体'}: {e.message}"
