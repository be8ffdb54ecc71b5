"""The OpenAPI document matches the routes and describes what they really answer."""

from __future__ import annotations

import re

import jsonschema
import pytest

from moderator.web.openapi import openapi_document

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def api_routes(app) -> set[tuple[str, str]]:
    """Return (path, method) for every /api/v1 route, in OpenAPI's path syntax."""
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        for method in rule.methods & {m.upper() for m in HTTP_METHODS}:
            routes.add((path, method.lower()))
    return routes


def documented(document) -> set[tuple[str, str]]:
    """Return (path, method) for every /api/v1 operation the document describes."""
    return {
        (path, method)
        for path, item in document["paths"].items()
        if "servers" not in item  # the health checks, served at the root
        for method in item
        if method in HTTP_METHODS
    }


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_health_checks_are_documented_at_the_root(app):
    paths = openapi_document()["paths"]
    for path in ("/healthz", "/readyz"):
        assert paths[path]["servers"] == [{"url": "/"}]
        assert any(rule.rule == path for rule in app.url_map.iter_rules())
    assert set(paths["/readyz"]["get"]["responses"]) == {"200", "503"}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_document_matches_the_routes(app):
    assert documented(openapi_document()) == api_routes(app)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_document_is_served(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    body = response.get_json()
    assert body["openapi"].startswith("3.1")
    jsonschema.Draft202012Validator.check_schema({"components": body["components"]})


def validate(instance, name: str) -> None:
    """Validate a response body against a named component schema."""
    document = openapi_document()
    schema = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
    jsonschema.validate(instance, schema, cls=jsonschema.Draft202012Validator)


def test_answers_follow_the_schemas(client, auth):
    created = client.post("/api/v1/comments", json={"content": "Nice post!"}, headers=auth)
    validate(created.get_json(), "Comment")
    scored = client.post(
        "/api/v1/score", json={"comments": [{"content": "hello"}]}, headers=auth
    ).get_json()
    validate(scored["results"][0], "Decision")
    problem = client.post("/api/v1/comments", json={}, headers=auth).get_json()
    validate(problem, "Problem")
    client.post(
        f"/api/v1/comments/{created.get_json()['id']}/reply-state",
        json={"state": "dismissed"},
        headers=auth,
    )
    events = client.get("/api/v1/events?include_platform=true", headers=auth).get_json()
    for event in events["events"]:
        validate(event, "Event")


def test_every_operation_but_the_document_needs_the_site_key():
    """Integrators read from the document which calls need the key and may answer 401."""
    for path, item in openapi_document()["paths"].items():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            if path in ("/openapi.json", "/healthz", "/readyz"):
                assert operation["security"] == [], method
                continue
            assert operation["security"] == [{"siteKey": []}], (path, method)
            assert "401" in operation["responses"], (path, method)


# -- schemathesis: the served document against the running service ------------------------

#: Examples per operation and phase: enough for the coverage phase's edge values and a
#: round of fuzzing, small enough for a couple of minutes on both databases.
EXAMPLES_PER_OPERATION = 25

#: Every check schemathesis has, with two statuses it may not know are refusals:
SCHEMATHESIS_CONFIG = f"""
# No cache of past runs in the checkout: every run starts afresh.
[cache]
enabled = false

[generation]
max-examples = {EXAMPLES_PER_OPERATION}
deterministic = true
database = "none"

[phases]
stateful.enabled = true

# A body over the size limit is refused before it is read: 413, documented on every
# operation (1,001 full comments in /score are over the limit before they are over maxItems).
[checks.negative_data_rejection]
expected-statuses = [400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 428, 429]

# `cursor` is an opaque token the previous page handed out; one made up is refused (400,
# documented) although the document cannot spell out which strings are tokens.
[[operations]]
include-path = "/comments"
include-method = "GET"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", 400, 401, 403, 404, 409, 429]

# Settings checks beyond what JSON Schema can say answer 422 naming the key (documented):
# thresholds out of order once merged with the stored ones, a malformed network, e-mail,
# domain, language or country code, a blank entry.
[[operations]]
include-path = "/site/settings"
include-method = "PUT"
checks.positive_data_acceptance.expected-statuses = ["2xx", 401, 422, 429]
"""


@pytest.fixture
def served(app, auth):
    """The app on a real socket with a few comments, its rate limit off, stub models."""
    import threading

    from werkzeug.serving import WSGIRequestHandler, make_server

    from tests.stubs import stub_models

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, *args, **kwargs) -> None:
            """Keep the run's thousands of requests out of the test output."""

    app.extensions["moderator.models"] = stub_models()  # /score with 1,000 comments stays quick
    app.config["API_RATE_LIMIT_PER_MINUTE"] = 0
    client = app.test_client()
    for number in range(3):
        client.post("/api/v1/comments", json={"content": f"hello {number}"}, headers=auth)
    httpd = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


def run_schemathesis(base_url: str, headers: dict, examples: int = EXAMPLES_PER_OPERATION):
    """Run schemathesis (every check, every phase) against the document served at
    `base_url`; return (cases sent, failures, engine errors, how the run stopped).

    bench/spec_fuzz.py runs the same with more examples.
    """
    import schemathesis
    from schemathesis.config import SchemathesisConfig
    from schemathesis.engine import events, from_schema

    config = SchemathesisConfig.from_str(SCHEMATHESIS_CONFIG)
    config.projects.default.generation.update(max_examples=examples)
    schema = schemathesis.openapi.from_url(f"{base_url}/api/v1/openapi.json", config=config)
    schema.config.update(headers=headers)
    cases, failures, errors, stop_reason = 0, [], [], None
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            cases += len(event.recorder.cases)
            for case_id, checks in event.recorder.checks.items():
                for check in checks:
                    if check.failure_info is not None:
                        case = event.recorder.cases[case_id].value
                        failures.append(
                            f"{event.recorder.label}: {check.name}: "
                            f"{check.failure_info.failure.title}\n  {case.as_curl_command()[:500]}"
                        )
        elif isinstance(event, events.NonFatalError | events.FatalError):
            errors.append(repr(event))
        elif isinstance(event, events.EngineFinished):
            stop_reason = str(event.stop_reason)
    return cases, list(dict.fromkeys(failures)), errors, stop_reason


def test_schemathesis_finds_nothing_with_every_check(served, auth):
    """Every operation of the served document, every check, every phase (examples,
    coverage, fuzzing, stateful), on SQLite and PostgreSQL."""
    cases, failures, errors, stop_reason = run_schemathesis(served, auth)
    assert not errors, "\n".join(errors)
    assert not failures, "\n".join(failures)
    assert stop_reason == "completed" and cases > 100
