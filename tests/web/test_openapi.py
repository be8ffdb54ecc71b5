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
    """Return (path, method) for every operation the document describes."""
    return {
        (path, method)
        for path, item in document["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }


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
            if path == "/openapi.json":
                assert operation["security"] == [], method
                continue
            assert operation["security"] == [{"siteKey": []}], (path, method)
            assert "401" in operation["responses"], (path, method)
