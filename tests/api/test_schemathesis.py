"""Property-based tests of the whole HTTP API with Schemathesis, from the app's own `/openapi.json`.

A secured archive (tests/secured.py: documents at every classification in and out of the unit, one user per
role) is served in-process over ASGI, and every operation of its OpenAPI document is called with data
generated from the schema, valid and invalid, with the bearer token of a records officer, a clerk and an
inspector in turn (between them every action but the auditor's). Each answer must

- not be a server error (no 5xx; 503 is declared, but nothing is down here),
- have a status code, media type, headers and body that the schema declares (so the declarations in
  `archive/api/openapi.py` are what the handlers really send),
- reject what the schema says is invalid (4xx), and refuse the call without the token where the schema
  asks for one.

Generated document ids, serials and page numbers seldom name anything, so most path parameters are mapped
(deterministically, from the generated value) onto what the archive holds: the in-unit item, the out-of-unit
one, and documents the caller may and may not see. Bounded for CI on 2 cores: `MAX_EXAMPLES` per operation,
derandomized (the same cases every run), no example database.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from archive.api import create_app
from archive.config import Settings
from tests.secured import ITEM_IN, ITEM_OUT, build_secured

ROLES = ("records_officer", "clerk", "inspector")
MAX_EXAMPLES = 30
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    ignored_auth,
]


def _serve_secured_archive():
    """Built once, when this module is collected: Schemathesis makes one test per operation from the schema,
    so the app must exist before the tests do (schemathesis.pytest.from_fixture does not run on pytest 9.2)."""
    data = tempfile.TemporaryDirectory(prefix="schemathesis-")  # removed when the test process ends
    secured = build_secured(Settings(data_dir=Path(data.name) / "data"))
    secured.tempdir = data
    return secured, create_app(secured.settings)


SECURED, APP = _serve_secured_archive()


def _schema_for(role: str):
    config = schemathesis.Config.from_dict({
        "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
        "phases": {"stateful": {"enabled": False}},
        # The token goes where the schema's security scheme says (the `bearer` scheme of archive/api/auth.py).
        "auth": {"openapi": {"bearer": {"bearer": SECURED.tokens[role]}}},
    })
    return schemathesis.openapi.from_asgi("/openapi.json", APP, config=config)


def _test_as(role: str):
    @_schema_for(role).parametrize()
    def test(case):
        _point_at_real_records(case, SECURED)
        case.call_and_validate(checks=CHECKS)

    test.__name__ = test.__qualname__ = f"test_api_answers_as_its_schema_says_as_{role}"
    return test


test_api_answers_as_its_schema_says_as_records_officer = _test_as("records_officer")
test_api_answers_as_its_schema_says_as_clerk = _test_as("clerk")
test_api_answers_as_its_schema_says_as_inspector = _test_as("inspector")
assert {name.rsplit("_as_", 1)[1] for name in globals() if name.startswith("test_api_")} == set(ROLES)


def _point_at_real_records(case, secured) -> None:
    """Most generated ids become ids the archive holds; a fifth stay as generated (mostly unknown ones)."""
    meta = case.meta
    if meta is not None and meta.is_negative_at(ParameterLocation.PATH):
        return  # an invalid path parameter stays invalid
    params = case.path_parameters or {}
    visible = sorted(secured.visible_ids())
    choices = {
        "document_id": visible + sorted(secured.documents.values()),  # seen and unseen, the seen ones twice
        "serial": [ITEM_IN, ITEM_OUT, ITEM_IN.lower().replace("-", " ")],
        "page": [1, 2],
        "version": [1, 2],
    }
    for name, options in choices.items():
        if name in params:
            params[name] = _pick(params[name], options)


def _pick(generated, options: list):
    digest = hashlib.sha256(repr(generated).encode()).digest()
    return generated if digest[0] % 5 == 0 else options[digest[1] % len(options)]
