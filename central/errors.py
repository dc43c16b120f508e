"""The errors the reference server answers with, as application/problem+json."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

PROBLEM_MEDIA_TYPE = "application/problem+json"


class ApiError(Exception):
    """An error the caller made (or a state it must react to), never a server bug."""

    def __init__(self, status: int, code: str, detail: str = "", *,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(detail or code)
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = headers or {}

    def problem(self) -> dict[str, Any]:
        return problem(self.status, self.code, self.detail)


def problem(status: int, code: str, detail: str = "") -> dict[str, Any]:
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    return {
        "type": f"https://desk.example/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
