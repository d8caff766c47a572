"""``exceptions``: status and ``errors`` shapes (legacy-protocol.md section 3), GraphQL error mapping."""

from __future__ import annotations

import logging

import pytest
from django.core.exceptions import ObjectDoesNotExist
from graphql import GraphQLError

from gql_channels.exceptions import (
    APIException,
    MethodNotAllowed,
    NotFound,
    ParseError,
    PermissionDenied,
    ValidationError,
    exception_handler,
    from_graphql_errors,
)

SERVER_ERROR = (500, [{"detail": "A server error occurred."}])
NOT_FOUND_DETAIL = "No Article matches the given query."


class ArticleDoesNotExist(ObjectDoesNotExist):
    """What ``Article.DoesNotExist`` is, without a model."""


def raised(exc: BaseException) -> BaseException:
    """``exc`` with a traceback, as the consumer catches it."""
    try:
        raise exc
    except BaseException as caught:  # noqa: BLE001 - any exception, as the consumer catches it
        return caught


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (MethodNotAllowed("list"), (405, ['Action "list" not allowed in message body.'])),
        (PermissionDenied(), (403, ["You do not have permission to perform this action."])),
        (
            ValidationError({"title": ["This field is required."], "pages": ["A valid integer is required."]}),
            (400, [{"title": ["This field is required."], "pages": ["A valid integer is required."]}]),
        ),
        (ValidationError(), (400, [{"non_field_errors": ["Invalid input."]}])),
        (
            ValidationError({"non_field_errors": ["No data provided"]}),
            (400, [{"non_field_errors": ["No data provided"]}]),
        ),
        (NotFound("Invalid page."), (404, [{"detail": "Invalid page."}])),
        (NotFound(NOT_FOUND_DETAIL), (404, [{"detail": NOT_FOUND_DETAIL}])),
        (NotFound("Unable to find action in message body."), (404, [{"detail": "Unable to find action in message body."}])),
        (ParseError("Empty frame."), (400, [{"detail": "Empty frame."}])),
        (ParseError(), (400, [{"detail": "Malformed request."}])),
        (APIException(), SERVER_ERROR),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else "",
)
def test_exception_handler_shapes(exc: APIException, expected: tuple) -> None:
    assert exception_handler(exc) == expected


def test_subclass_keeps_its_parent_shape() -> None:
    class NotAuthenticated(PermissionDenied):
        default_detail = "Authentication credentials were not provided."

    assert exception_handler(NotAuthenticated()) == (403, ["Authentication credentials were not provided."])


def test_api_exception_is_not_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="gql_channels"):
        exception_handler(raised(NotFound("Invalid page.")))

    assert caplog.records == []


@pytest.mark.parametrize(
    "exc",
    [
        RuntimeError("secret /etc/passwd"),
        KeyError("password"),
        ZeroDivisionError("division by zero"),
        ArticleDoesNotExist("Article matching query does not exist."),
        GraphQLError("Article matching query does not exist."),
    ],
    ids=lambda exc: type(exc).__name__,
)
def test_unexpected_exception_is_500_and_logged(exc: Exception, caplog: pytest.LogCaptureFixture) -> None:
    exc = raised(exc)

    with caplog.at_level(logging.ERROR, logger="gql_channels"):
        result = exception_handler(exc)

    assert result == SERVER_ERROR
    [record] = caplog.records
    assert record.name == "gql_channels"
    assert record.levelno == logging.ERROR
    assert record.exc_info[1] is exc
    assert record.exc_info[2] is not None
    assert "Traceback" in caplog.text


# -- from_graphql_errors ---------------------------------------------------------------------


@pytest.mark.parametrize("original", [ObjectDoesNotExist(), ArticleDoesNotExist("Article matching query does not exist.")])
def test_object_does_not_exist_is_not_found_with_the_given_detail(original: Exception) -> None:
    exc = from_graphql_errors([GraphQLError("whatever", original_error=original)], not_found=NOT_FOUND_DETAIL)

    assert isinstance(exc, NotFound)
    assert exception_handler(exc) == (404, [{"detail": NOT_FOUND_DETAIL}])


@pytest.mark.parametrize(
    "original",
    [PermissionDenied(), ValidationError({"title": ["This field is required."]}), NotFound("Invalid page."), APIException()],
    ids=lambda exc: type(exc).__name__,
)
def test_api_exception_original_passes_through(original: APIException) -> None:
    assert from_graphql_errors([GraphQLError("m", original_error=original)], not_found=NOT_FOUND_DETAIL) is original


@pytest.mark.parametrize(
    "error",
    [
        GraphQLError("Article matching query does not exist."),
        GraphQLError("No Article matches the given query."),
        GraphQLError("Invalid page."),
        GraphQLError("You do not have permission to perform this action."),
        GraphQLError("boom", original_error=ValueError("does not exist")),
        GraphQLError("boom", original_error=LookupError("not found")),
    ],
    ids=["does-not-exist-text", "no-matches-text", "invalid-page-text", "permission-text", "ValueError", "LookupError"],
)
def test_anything_else_is_500_and_logged(error: GraphQLError, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="gql_channels"):
        exc = from_graphql_errors([error], not_found=NOT_FOUND_DETAIL)

    assert type(exc) is APIException
    assert exception_handler(exc) == SERVER_ERROR
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert record.name == "gql_channels"
    assert error.message in record.getMessage()


def test_unexpected_original_is_logged_with_its_traceback(caplog: pytest.LogCaptureFixture) -> None:
    original = raised(ValueError("bad value"))

    with caplog.at_level(logging.ERROR, logger="gql_channels"):
        from_graphql_errors([GraphQLError("bad value", original_error=original)], not_found=NOT_FOUND_DETAIL)

    [record] = caplog.records
    assert record.exc_info[1] is original
    assert "Traceback" in caplog.text


def test_mapped_error_is_not_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="gql_channels"):
        from_graphql_errors([GraphQLError("m", original_error=ArticleDoesNotExist())], not_found=NOT_FOUND_DETAIL)

    assert caplog.records == []


def test_variable_coercion_errors_are_a_400() -> None:
    from graphql import parse

    from schema import schema

    document = parse("query Q($pk: ID!) { article(pk: $pk) { id } }")
    from graphql import execute

    result = execute(schema._schema, document, variable_values={"pk": {"nested": 1}})
    exc = from_graphql_errors(result.errors, not_found=NOT_FOUND_DETAIL)
    assert type(exc) is ValidationError
    assert exc.status_code == 400 and list(exc.detail) == ["non_field_errors"]


def test_uniqueness_is_reworded_as_drf_unique_validator_wrote_it() -> None:
    """``full_clean`` 's "Gadget with this Name already exists." is DRF's "gadget with this name already exists."."""
    from dataclasses import dataclass

    from django.core.exceptions import ValidationError as DjangoValidationError

    from gql_channels.exceptions import from_operation_info
    from tests.drf_app.models import Gadget

    error = DjangoValidationError({"name": [Gadget(name="x").unique_error_message(Gadget, ("name",))]})
    exc = from_graphql_errors([GraphQLError("m", original_error=error)], not_found=NOT_FOUND_DETAIL)
    assert exc.detail == {"name": ["gadget with this name already exists."]}

    @dataclass
    class Fields:  # what an InputShape tells the mapping: legacy names and the model
        model: type = Gadget

        def legacy_name(self, graphql_name: str) -> str:
            return graphql_name

    messages = [{"kind": "VALIDATION", "field": "name", "message": "Gadget with this Name already exists.", "code": "unique"}]
    assert from_operation_info(messages, not_found=NOT_FOUND_DETAIL, fields=Fields()).detail == {
        "name": ["gadget with this name already exists."]
    }
