"""The example's GraphQL endpoint parses and validates each document text once (Strawberry's
``ParserCache``/``ValidationCache``): repeats reuse both, the limits still refuse, results are never reused."""

from __future__ import annotations

import json
from typing import Any

import pytest
from channels.testing import HttpCommunicator
from strawberry.extensions.parser_cache import _get_parse_cache
from strawberry.extensions.validation_cache import _get_validate_cache

from example_project.asgi import application
from example_project.demo.models import Article
from schema.api import DOCUMENT_CACHE_SIZE

from .conftest import HUNG

pytestmark = pytest.mark.django_db(transaction=True)

ARTICLE = "query ($pk: ID!) { article(pk: $pk) { title } }"


async def post(query: str, variables: dict[str, Any] | None = None) -> tuple[int, Any]:
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    headers = [(b"content-type", b"application/json"), (b"host", b"127.0.0.1")]
    response = await HttpCommunicator(application, "POST", "/graphql/", body=body, headers=headers).get_response(HUNG)
    return response["status"], json.loads(response["body"])


async def test_a_repeated_document_is_parsed_and_validated_once() -> None:
    first, second = await Article.objects.acreate(title="one", content="c"), await Article.objects.acreate(title="two", content="c")
    parsed, validated = _get_parse_cache(DOCUMENT_CACHE_SIZE), _get_validate_cache(DOCUMENT_CACHE_SIZE)
    parsed.cache_clear()
    validated.cache_clear()
    answers = [await post(ARTICLE, {"pk": pk}) for pk in (first.pk, second.pk, first.pk)]
    # The document is reused; its results are not.
    titles = [body["data"]["article"]["title"] for status, body in answers if status == 200]
    assert titles == ["one", "two", "one"]
    assert (parsed.cache_info().misses, parsed.cache_info().hits) == (1, 2)
    assert (validated.cache_info().misses, validated.cache_info().hits) == (1, 2)
    assert parsed.cache_info().maxsize == validated.cache_info().maxsize == DOCUMENT_CACHE_SIZE


async def test_a_refused_document_is_refused_each_time() -> None:
    deep = "{ authors " + "{ books { author " * 5 + "{ name }" + " } }" * 5 + " }"
    for _ in range(2):
        status, body = await post(deep)
        assert status == 200 and body["data"] is None
        assert "exceeds maximum operation depth" in body["errors"][0]["message"]
