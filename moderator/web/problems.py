"""Errors as RFC 9457 problem details, so every API failure is JSON a client can read."""

from __future__ import annotations

from flask import Flask, Response, json, request
from werkzeug.exceptions import HTTPException

PROBLEM_BASE = "https://moderator.invalid/problems/"


class Problem(Exception):
    """An API error with its status, a short title and a detail for the client's developer."""

    def __init__(self, status: int, title: str, detail: str = "", **extra) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.extra = extra

    def to_response(self) -> Response:
        """Return the problem as an application/problem+json response."""
        slug = self.title.lower().replace(" ", "-")
        body = {
            "type": PROBLEM_BASE + slug,
            "title": self.title,
            "status": self.status,
            "detail": self.detail or self.title,
            "instance": request.path,
            **self.extra,
        }
        response = Response(json.dumps(body), status=self.status)
        response.mimetype = "application/problem+json"
        if "retry_after" in self.extra:
            response.headers["Retry-After"] = str(self.extra["retry_after"])
        return response


def invalid(errors: list[dict], detail: str = "the request body has invalid fields") -> Problem:
    """Return a 422 problem listing each invalid field (`field`, `message`)."""
    return Problem(422, "Unprocessable Content", detail, errors=errors)


def _wants_problem_json() -> bool:
    return request.path.startswith("/api/")


def init_app(app: Flask) -> None:
    """Render Problem and HTTP errors under /api/ as problem details."""

    @app.errorhandler(Problem)
    def handle_problem(problem: Problem):
        return problem.to_response()

    @app.errorhandler(HTTPException)
    def handle_http(error: HTTPException):
        if not _wants_problem_json():
            return error
        detail = error.description or error.name
        if error.code == 413:
            limit = request.max_content_length or app.config["MAX_BODY_BYTES"]
            detail = f"the request body is larger than {limit} bytes"
        response = Problem(error.code or 500, error.name, detail).to_response()
        if error.code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response
