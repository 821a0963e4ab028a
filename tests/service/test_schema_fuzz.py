"""Schemathesis over every operation of the app's own OpenAPI schema: no 5xx, and every
response matches what the schema documents (status, content type, body)."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from classifier.registry import Registry
from service.app import create_app
from tests.service.conftest import ADMIN_TOKEN, make_settings

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory, tiny_trained, tiny_data_dir):
    registry = Registry(tmp_path_factory.mktemp("fuzz") / "models")
    registry.publish(tiny_trained)
    app = create_app(
        make_settings(registry, tiny_data_dir, admin_token=ADMIN_TOKEN, max_text_chars=5_000)
    )
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def test_every_endpoint_answers_within_its_schema(api_schema):
    """One Hypothesis run per operation. (The schemathesis pytest plugin does not work with
    pytest 9, so the operations' strategies are driven directly.)"""
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 15
    failures = {}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def exercise(case):
            case.call_and_validate(headers=AUTH, checks=checks)

        try:
            exercise()
        except Exception as exc:  # collect every operation's failure, then report them all
            failures[operation.label] = str(exc)[:2000]
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
