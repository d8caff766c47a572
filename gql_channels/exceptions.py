"""The error tree and the one handler that turns any exception into a legacy status + errors.

Modelled on DRF's ``exceptions.py``: each subclass only sets ``status_code``,
``default_detail`` and ``default_code``; ``exception_handler`` decides the shape.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Protocol

from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.utils import InterfaceError, OperationalError
from graphql import GraphQLError, VariableDefinitionNode

from .model_validation import drf_words, unique_message

logger = logging.getLogger("gql_channels")

#: What Django raises when it cannot reach or talk to the database (a 503, not a 500).
DatabaseUnavailable = (OperationalError, InterfaceError)


class APIException(Exception):
    """Base of every error a legacy client may be answered with."""

    status_code: int = 500
    default_detail: Any = "A server error occurred."
    default_code: str = "error"

    def __init__(self, detail: Any = None, code: str | None = None) -> None:
        self.detail = self.default_detail if detail is None else detail
        self.code = self.default_code if code is None else code
        super().__init__(self.detail)


class ParseError(APIException):
    status_code = 400
    default_detail = "Malformed request."
    default_code = "parse_error"


class ValidationError(APIException):
    """``detail`` is a ``{field: [messages]}`` dict, as DRF serializers report it."""

    status_code = 400
    default_detail = {"non_field_errors": ["Invalid input."]}
    default_code = "invalid"


class PermissionDenied(APIException):
    status_code = 403
    default_detail = "You do not have permission to perform this action."
    default_code = "permission_denied"


class NotFound(APIException):
    status_code = 404
    default_detail = "Not found."
    default_code = "not_found"


class MethodNotAllowed(APIException):
    status_code = 405
    default_detail = 'Action "{action}" not allowed in message body.'
    default_code = "method_not_allowed"

    def __init__(self, action: Any, detail: Any = None, code: str | None = None) -> None:
        #: The action as the client named it: each dialect words the refusal its own way.
        self.action = action
        super().__init__(self.default_detail.format(action=action) if detail is None else detail, code)


class ServiceUnavailable(APIException):
    """The database (or another service the action needs) cannot be reached; try again later."""

    status_code = 503
    default_detail = "Service unavailable."
    default_code = "service_unavailable"


class Throttled(APIException):
    status_code = 429
    default_detail = "Request was throttled."
    default_code = "throttled"


#: Errors rest_framework_channels sent as a bare string rather than ``{"detail": ...}``.
_BARE_DETAIL = (MethodNotAllowed, PermissionDenied)


def as_api_exception(exc: BaseException) -> APIException:
    """What a client is told of ``exc``: itself, 503 for an unreachable database, else a logged 500."""
    if isinstance(exc, DatabaseUnavailable):
        logger.error("The database is unavailable to a legacy message", exc_info=exc)
        return ServiceUnavailable()
    if not isinstance(exc, APIException):
        logger.error("Unhandled error while serving a legacy message", exc_info=exc)
        return APIException()
    return exc


def exception_handler(exc: BaseException) -> tuple[int, list[Any]]:
    """Return ``(status, errors)`` for any exception, shaped as rest_framework_channels did."""
    exc = as_api_exception(exc)
    if isinstance(exc, _BARE_DETAIL):
        return exc.status_code, [exc.detail]
    if isinstance(exc, ValidationError):
        return exc.status_code, [exc.detail]
    return exc.status_code, [{"detail": exc.detail}]


class _FieldNames(Protocol):
    """What error mapping needs of an ``InputShape``: legacy names (and its ``model``, when it has one)."""

    def legacy_name(self, graphql_name: str) -> str: ...


def _legacy_key(field: str | None, fields: _FieldNames | None) -> str:
    if not field or field == NON_FIELD_ERRORS:
        return "non_field_errors"
    return fields.legacy_name(field) if fields else field


def _validation_detail(error: DjangoValidationError) -> dict[str, list[str]]:
    """A Django ``ValidationError`` as DRF reported it: ``{field: [messages]}``."""
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if field == NON_FIELD_ERRORS else field): messages
            for field, messages in error.message_dict.items()
        }
    return {"non_field_errors": error.messages}


def from_graphql_errors(errors: Sequence[GraphQLError], *, not_found: str) -> APIException:
    """Map a failed execution to an ``APIException`` by ``original_error`` type, never by text."""
    for error in errors:
        original = error.original_error
        if isinstance(original, APIException):
            return original
        if isinstance(original, ObjectDoesNotExist):
            return NotFound(not_found)
        if isinstance(original, DjangoPermissionDenied):
            return PermissionDenied()
        if isinstance(original, DjangoValidationError):
            return ValidationError(_validation_detail(drf_words(original)))
        if isinstance(original, DatabaseUnavailable):
            logger.error("The database is unavailable to a legacy message", exc_info=original)
            return ServiceUnavailable()
    if all(error.nodes and all(isinstance(node, VariableDefinitionNode) for node in error.nodes) for error in errors):
        # Variable coercion refused the client's values before execution: a 400, not a bug.
        return ValidationError({"non_field_errors": [error.message for error in errors]})
    first = errors[0]
    logger.error(
        "GraphQL execution failed for a legacy message: %s",
        first.message,
        exc_info=first.original_error,
    )
    return APIException()


def from_operation_info(
    messages: Sequence[dict[str, Any]], *, not_found: str, fields: _FieldNames | None = None
) -> APIException:
    """Map strawberry-django's ``OperationInfo`` (``handle_django_errors=True``) by message kind."""
    kinds = {message["kind"] for message in messages}
    if "PERMISSION" in kinds:
        return PermissionDenied()
    if kinds == {"ERROR"}:
        # strawberry-django reports only ObjectDoesNotExist with this kind.
        return NotFound(not_found)
    detail: dict[str, list[str]] = {}
    model = getattr(fields, "model", None)
    for message in messages:
        key = _legacy_key(message["field"], fields)
        text = message["message"]
        if message.get("code") == "unique" and model is not None:  # UniqueValidator's words, as DRF wrote them
            text = unique_message(model, key) or text
        detail.setdefault(key, []).append(text)
    return ValidationError(detail)
