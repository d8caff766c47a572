"""``hooks``: a legacy execution makes and runs the schema extensions that can see it, and only those.

Its document was parsed and validated once, so extensions that only configure parsing or validation
are left out; every other hook (an override, an unknown factory, a custom ``get_extensions``) runs once
per message, on compiled reads and on executed ones alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

import pytest
import strawberry
import strawberry_django
from asgiref.sync import sync_to_async
from django.urls import path
from strawberry.directive import DirectiveLocation
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.extensions.directives import DirectivesExtensionSync
from strawberry_django.mutations import mutations
from strawberry_django.optimizer import DjangoOptimizerExtension
from strawberry_django.pagination import OffsetPaginated

from example_project.demo.models import Article
from gql_channels import ActionConsumer, Resource, execution
from gql_channels.context import LegacyContext
from gql_channels.extensions import MaskErrors
from gql_channels.hooks import legacy_extensions
from gql_channels.pagination import PageNumberPagination
from gql_channels.testing import ActionCommunicator
from schema import schema as example_schema

from .conftest import HUNG

seen: list[str] = []


class Recorder(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        seen.append(f"operation {type(self.execution_context.context).__name__}")
        yield

    def on_execute(self) -> Iterator[None]:
        seen.append("execute")
        yield


class DepthLimiterThatLogs(QueryDepthLimiter):
    """A validation extension overriding ``on_operation``: its own hook runs."""

    def on_operation(self) -> Iterator[None]:
        seen.append("override")
        yield from super().on_operation()


class CountedTokens(MaxTokensLimiter):
    made = 0

    def __init__(self, max_token_count: int) -> None:
        super().__init__(max_token_count)
        type(self).made += 1


class Unknown(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        seen.append("unknown")
        yield


@strawberry_django.type(Article)
class ArticleType:
    id: strawberry.auto
    title: strawberry.auto


@strawberry_django.input(Article)
class ArticleInput:
    title: strawberry.auto
    content: strawberry.auto


@strawberry.type
class Query:
    articles: OffsetPaginated[ArticleType] = strawberry_django.offset_paginated()
    article: ArticleType = strawberry_django.field()


@strawberry.type
class Mutation:
    create_article: ArticleType = mutations.create(ArticleInput)


hooked_schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    extensions=[
        MaskErrors,
        DjangoOptimizerExtension,
        Recorder,
        partial(DepthLimiterThatLogs, max_depth=5),
        partial(CountedTokens, max_token_count=500),
        partial(ParserCache, maxsize=8),
        ValidationCache,
        lambda: Unknown(),  # what a lambda makes is not known without calling it
    ],
)


class Pages(PageNumberPagination):
    page_size = 2


class HookedConsumer(ActionConsumer):
    schema = hooked_schema
    routepatterns = [
        path("articles/", Resource(list="articles", create="createArticle", pagination_class=Pages)),
        path("articles/<str:pk>/", Resource(retrieve="article")),
    ]


def _types(extensions: list[SchemaExtension]) -> list[type]:
    return [type(extension) for extension in extensions]


def test_the_example_schema_keeps_only_the_optimizer_and_a_compiled_read_nothing() -> None:
    assert _types(legacy_extensions(example_schema, sync=True)) == [DjangoOptimizerExtension]
    assert legacy_extensions(example_schema, sync=True, compiled=True) == []
    # Strawberry itself makes all of them per operation.
    assert len(example_schema.get_extensions(sync=True)) == len(example_schema.extensions)


def test_which_extensions_are_left_out() -> None:
    kept = _types(legacy_extensions(hooked_schema, sync=True))
    assert kept == [DjangoOptimizerExtension, Recorder, DepthLimiterThatLogs, Unknown]
    assert _types(legacy_extensions(hooked_schema, sync=False, compiled=True)) == [Recorder, DepthLimiterThatLogs, Unknown]


def test_a_custom_get_extensions_is_respected() -> None:
    class PerRequest(strawberry.Schema):
        def get_extensions(self, sync: bool = False) -> list[SchemaExtension]:
            return [*super().get_extensions(sync=sync), Unknown(), AddValidationRules([])]

    custom = PerRequest(query=Query, extensions=[Recorder, ParserCache])
    assert _types(legacy_extensions(custom, sync=True)) == [Recorder, Unknown]


def test_directives_are_added_as_get_extensions_adds_them() -> None:
    @strawberry.directive(locations=[DirectiveLocation.FIELD])
    def shout(value: str) -> str:
        return value.upper()

    with_directives = strawberry.Schema(query=Query, directives=[shout], extensions=[partial(MaxTokensLimiter, max_token_count=900)])
    assert _types(legacy_extensions(with_directives, sync=True)) == [DirectivesExtensionSync]


def test_other_contexts_get_every_extension() -> None:
    operation = Resource(list="articles", pagination_class=Pages).bind(hooked_schema).operations["list"]

    def made(context: Any) -> list[type]:
        _, _, extensions = execution._begin(
            hooked_schema, operation.source, operation.document, {}, context, operation.operation_type, sync=True
        )
        return _types(extensions)

    assert made({}) == _types(hooked_schema.get_extensions(sync=True))
    assert made(LegacyContext()) == _types(legacy_extensions(hooked_schema, sync=True))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("compiled", [True, False])
async def test_each_message_runs_the_hooks_that_can_see_it(compiled: bool, settings: Any) -> None:
    settings.GQL_CHANNELS = {"COMPILED_READS": compiled}
    article = await Article.objects.acreate(title="t", content="c")
    seen.clear()
    CountedTokens.made = 0
    async with ActionCommunicator(HookedConsumer.as_asgi(), "/ws/") as client:
        listed = await client.request("list", "articles/?page=1", timeout=HUNG)
        assert listed["status"] == 200 and listed["data"]["count"] == 1, listed
        retrieved = await client.request("retrieve", f"articles/{article.pk}/", timeout=HUNG)
        assert retrieved["status"] == 200 and retrieved["data"]["title"] == "t", retrieved
        missing = await client.request("retrieve", "articles/0/", timeout=HUNG)
        assert missing["status"] == 404, missing
        created = await client.request("create", "articles/", {"title": "n", "content": "c"}, timeout=HUNG)
        assert created["status"] == 201, created
    once = ["operation LegacyContext", "override", "execute", "unknown"]
    assert sorted(seen) == sorted(once * 4)
    binding = HookedConsumer.compiled_routes.binding(HookedConsumer.routepatterns[0].callback)
    assert binding.compiled and binding.compiled_writes  # with COMPILED_READS on, plans answered every message
    assert CountedTokens.made == 0
    # A GraphQL client's operation makes every extension (the count can move).
    assert not (await sync_to_async(hooked_schema.execute_sync)("{ articles { totalCount } }")).errors
    assert CountedTokens.made == 1
