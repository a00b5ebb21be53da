"""Every error declares its response (code, status, body fields, headers) and one generic
builder renders them all: codes are unique, every body carries its class's code, and no
error class renders itself."""

import inspect
import uuid

import pytest
from rest_framework.exceptions import APIException

import chat.errors
import todos.errors
from config.errors import (
    DatabaseUnavailable,
    DatabaseUnavailableMayHaveRun,
    DeclaredError,
    DomainError,
    HttpError,
    declared_errors,
)
from config.exception_handler import exception_handler

# The app modules that declare errors, so that every class is loaded.
ERROR_MODULES = (chat.errors, todos.errors)


def instance(error: type[DeclaredError]) -> DeclaredError:
    """An instance of `error`, with a task number for the errors that name one."""
    required = [
        parameter
        for parameter in inspect.signature(error).parameters.values()
        if parameter.default is parameter.empty and parameter.kind is parameter.POSITIONAL_OR_KEYWORD
    ]
    return error(*[7] * len(required))


def test_every_declared_code_is_unique() -> None:
    codes = [error.code for error in declared_errors()]
    assert len(codes) > 15
    assert sorted(code for code in set(codes) if codes.count(code) > 1) == []


def test_the_tool_result_codes_are_not_error_codes_too() -> None:
    codes = {error.code for error in declared_errors()}
    assert codes & set(chat.errors.TOOL_RESULT_CODES) == set()


@pytest.mark.parametrize("error", declared_errors(), ids=lambda error: error.__name__)
def test_every_error_body_has_its_code(error: type[DeclaredError]) -> None:
    body = instance(error).body()
    assert body["code"] == error.code
    assert isinstance(body["detail"], str) and body["detail"]


def test_no_error_class_renders_itself() -> None:
    for error in [DomainError, HttpError, *declared_errors()]:
        assert "body" not in vars(error) and "headers" not in vars(error), error


def test_http_only_errors_are_api_exceptions_and_domain_errors_are_not() -> None:
    assert issubclass(DatabaseUnavailable, APIException)
    assert not issubclass(DomainError, APIException)


def test_declared_data_fields_go_into_the_body_once_they_have_a_value() -> None:
    assert "conversation_id" not in DatabaseUnavailableMayHaveRun().body()
    conversation = uuid.uuid4()
    assert DatabaseUnavailableMayHaveRun(conversation_id=conversation).body() == {
        "detail": DatabaseUnavailableMayHaveRun.default_detail,
        "code": "database_unavailable_may_have_run",
        "conversation_id": str(conversation),
    }


def test_the_handler_answers_with_the_declared_status_body_and_headers() -> None:
    response = exception_handler(DatabaseUnavailable(), {})
    assert response is not None
    assert (response.status_code, response["Retry-After"]) == (503, "5")
    assert response.data == {"detail": DatabaseUnavailable.default_detail, "code": "database_unavailable"}
    not_found = exception_handler(todos.errors.TaskNotFound(3), {})
    assert not_found is not None
    assert (not_found.status_code, not_found.data) == (404, {"detail": "Task 3 not found.", "code": "task_not_found"})
    assert not not_found.has_header("Retry-After")
