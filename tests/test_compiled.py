"""``compiled``: which generated reads compile, and that a compiled read answers exactly what executing its
document answers (``GQL_CHANNELS["COMPILED_READS"] = "compare"`` runs both and refuses a difference),
over the example's routes and a schema of nullable columns and many-to-many keys, on Hypothesis rows."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
import strawberry
import strawberry_django
from asgiref.sync import sync_to_async
from django.contrib.auth.models import Group, User
from django.db import models
from django.urls import path
from graphql import GraphQLInt, GraphQLScalarType, GraphQLString
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry_django.optimizer import DjangoOptimizerExtension
from strawberry_django.pagination import OffsetPaginated

from example_project.consumers import BookConsumer, LegacyConsumer
from example_project.demo.models import Article, Author, Book, Tag
from gql_channels import ActionConsumer, Resource
from gql_channels.compiled import _column_serializer, _frozen, compile_read, plain_schema
from gql_channels.pagination import PageNumberPagination
from gql_channels.testing import ActionCommunicator

from .conftest import HUNG


def compiled_of(consumer: Any, plans: str = "compiled") -> dict[str, set[str]]:
    """The actions each route's binding has compiled plans for (``plans``: its ``compiled`` or ``compiled_writes``)."""
    routes = consumer.compiled_routes
    return {
        entry.route: {plan.operation.action for plan in getattr(routes.binding(entry.resource), plans).values()}
        for entry in routes.table.entries()
    }


def test_the_example_compiles_its_plain_reads() -> None:
    compiled = compiled_of(LegacyConsumer)
    for route in ("test_child_route/", "articles/", "books/", "authors/", "offset/articles/"):
        assert "list" in compiled[route], route
    assert compiled["books/<str:pk>/"] >= {"retrieve"}
    # A permission on the field (tags), and connections, execute as GraphQL.
    assert compiled["tags/"] == compiled["cursor/articles/"] == compiled["connection/articles/"] == set()
    assert compiled_of(BookConsumer)[""] == {"list", "retrieve"}


# --- a schema of nullable columns, many-to-many keys, and what must not compile ---------------------


@strawberry_django.type(Group)
class GroupType:
    id: strawberry.auto
    name: strawberry.auto


@strawberry_django.order_type(User)
class UserOrder:
    id: strawberry.auto
    username: strawberry.auto


@strawberry_django.type(User, ordering=UserOrder)
class UserType:
    id: strawberry.auto
    username: strawberry.auto
    first_name: strawberry.auto
    last_login: strawberry.auto  # nullable
    is_staff: strawberry.auto
    date_joined: strawberry.auto


@strawberry_django.type(User, ordering=UserOrder)
class GroupedUserType:
    id: strawberry.auto
    groups: list[GroupType]  # Group has no ordering: its rows' order is each query's


@strawberry_django.type(Group)
class PrivateGroupType:
    id: strawberry.auto
    name: strawberry.auto

    @classmethod
    def get_queryset(cls, queryset: Any, info: Any, **kwargs: Any) -> Any:
        return queryset.filter(name__startswith="public")


@strawberry_django.type(User)
class ComputedUserType:
    id: strawberry.auto
    username: strawberry.auto

    @strawberry_django.field
    def shout(self) -> str:
        return self.username.upper()


@strawberry_django.type(User)
class RestrictedUserType:
    id: strawberry.auto
    groups: list[PrivateGroupType]


@strawberry.type
class Query:
    users: OffsetPaginated[UserType] = strawberry_django.offset_paginated()
    user: UserType = strawberry_django.field()
    all_users: list[UserType] = strawberry_django.field()
    grouped: list[GroupedUserType] = strawberry_django.field()
    computed: list[ComputedUserType] = strawberry_django.field()
    restricted: list[RestrictedUserType] = strawberry_django.field()


user_schema = strawberry.Schema(query=Query, extensions=[DjangoOptimizerExtension])


class UserPages(PageNumberPagination):
    page_size = 4
    page_size_query_param = "page_size"


class UserConsumer(ActionConsumer):
    schema = user_schema
    routepatterns = [
        path("users/", Resource(list="users", pagination_class=UserPages)),
        path("users/<str:pk>/", Resource(retrieve="user")),
        path("all/", Resource(list="allUsers")),
    ]


def test_what_does_not_compile() -> None:
    compiled = compiled_of(UserConsumer)
    assert compiled == {"users/": {"list"}, "users/<str:pk>/": {"retrieve"}, "all/": {"list"}}
    binding = Resource(list="computed", fields=["id", "shout"]).bind(user_schema)
    assert compile_read(user_schema, binding.operations["list"]) is None  # a resolver of its own
    binding = Resource(list="restricted").bind(user_schema)
    assert compile_read(user_schema, binding.operations["list"]) is None  # a related type's get_queryset
    binding = Resource(list="grouped").bind(user_schema)
    assert compile_read(user_schema, binding.operations["list"]) is None  # related rows without an order


@strawberry.type
class Refused:
    reason: str


class RefusedHandler(strawberry.ExceptionHandler[PermissionError, Refused]):
    def handle(self, exception: PermissionError, *, field: Any, info: Any) -> Refused:
        return Refused(reason=str(exception))


class TracedExecutor(StrawberryGraphQLCoreExecutionContext):
    """An executor of the schema's own: its execution would be passed by."""


def test_a_schema_whose_execution_is_its_own_compiles_nothing() -> None:
    assert plain_schema(user_schema)
    traced = strawberry.Schema(query=Query, extensions=[DjangoOptimizerExtension], execution_context_class=TracedExecutor)
    assert not plain_schema(traced)
    handled = strawberry.Schema(query=Query, types=[Refused], exception_handlers=[RefusedHandler()])
    assert not plain_schema(handled)  # a handler may turn an error into a result


def test_text_and_boolean_columns_are_read_as_graphql_writes_them() -> None:
    plan = compile_read(user_schema, Resource(list="users", pagination_class=UserPages).bind(user_schema).operations["list"])
    assert plan is not None
    serializers = {column.key: column.serialize for column in plan.columns}
    assert serializers["username"] is serializers["first_name"] is serializers["is_staff"] is None
    assert serializers["last_login"] is not None and serializers["date_joined"] is not None
    # Only Django's own fields, and only GraphQL's own scalars: a subclass may convert what it reads.
    assert _column_serializer(GraphQLString, models.EmailField()) is GraphQLString.serialize
    assert _column_serializer(GraphQLInt, models.IntegerField()) is GraphQLInt.serialize  # it checks the range
    shout = GraphQLScalarType("Shout", serialize=str.upper)
    assert _column_serializer(shout, models.CharField()) is shout.serialize


# --- the differential ----------------------------------------------------------------------------------

names = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30)


def refused_differences(caplog: pytest.LogCaptureFixture, plan: str = "read") -> list[str]:
    """The differences "compare" refused (each logged as the cause of a 500) for a compiled ``plan``: read or write."""
    causes = [str(record.exc_info[1]) for record in caplog.records if record.exc_info]
    return [cause for cause in causes if f"compiled {plan}" in cause]


@pytest.mark.django_db(transaction=True)
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    users=st.lists(st.tuples(names, names, st.booleans(), st.booleans(), st.sets(st.integers(0, 3))), max_size=9),
    pages=st.lists(
        st.sampled_from([
            "?ordering=id", "?ordering=-username&page=2", "?page=3&page_size=2&ordering=id", "?page=last&ordering=id",
            "?page=9&ordering=id", "",  # unordered: executed as GraphQL, whatever the setting
        ]),
        min_size=1, max_size=3,
    ),
)
async def test_compiled_reads_answer_what_execution_answers(
    users: list[tuple[str, str, bool, bool, set[int]]], pages: list[str], caplog: pytest.LogCaptureFixture,
    settings: Any,
) -> None:
    settings.GQL_CHANNELS = {"COMPILED_READS": "compare"}

    def seed() -> list[int]:
        User.objects.all().delete()
        Group.objects.all().delete()
        groups = [Group.objects.create(name=f"g{n}") for n in range(4)]
        made = []
        for n, (username, first_name, logged_in, staff, member_of) in enumerate(users):
            user = User.objects.create(
                username=f"{n}-{username}"[:150], first_name=first_name, is_staff=staff,
                last_login="2026-01-02T03:04:05Z" if logged_in else None,
            )
            user.groups.set([groups[g] for g in member_of])
            made.append(user.pk)
        return made

    made = await sync_to_async(seed)()
    with caplog.at_level(logging.ERROR):
        async with ActionCommunicator(UserConsumer.as_asgi(), "/ws/") as client:
            for query in pages:
                reply = await client.request("list", f"users/{query}", timeout=HUNG)
                assert reply["status"] in (200, 404), reply
            assert (await client.request("list", "all/?ordering=-id", timeout=HUNG))["status"] == 200
            for pk in [*made[:3], 10**6]:
                reply = await client.request("retrieve", f"users/{pk}/", timeout=HUNG)
                assert reply["status"] == (200 if pk in made else 404), reply
    assert refused_differences(caplog) == []


@pytest.mark.django_db(transaction=True)
@settings(max_examples=20, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    books=st.lists(st.tuples(names, st.integers(0, 2**31 - 1), st.booleans(), st.integers(0, 2), st.sets(st.integers(0, 2))), max_size=8),
    routes=st.lists(
        st.sampled_from([
            "books/", "books/?page=2&page_size=3", "books/?ordering=-pages,title", "books/?tags__in=1,2",
            "books/?title__icontains=a&published=true", "books/?author=1", "authors/", "test_child_route/",
            "offset/articles/?limit=3&offset=1", "books/?page=99",
        ]),
        min_size=1, max_size=4,
    ),
)
async def test_the_examples_compiled_reads_answer_what_execution_answers(
    books: list[tuple[str, int, bool, int, set[int]]], routes: list[str], caplog: pytest.LogCaptureFixture,
    settings: Any,
) -> None:
    settings.GQL_CHANNELS = {"COMPILED_READS": "compare"}

    def seed() -> list[int]:
        Book.objects.all().delete()
        Author.objects.all().delete()
        Tag.objects.all().delete()
        authors = [Author.objects.create(pk=n + 1, name=f"author {n}") for n in range(3)]
        tags = [Tag.objects.create(pk=n + 1, name=f"tag {n}") for n in range(3)]
        made = []
        for title, pages, published, author, tagged in books:
            book = Book.objects.create(title=title[:200], pages=pages, published=published, author=authors[author])
            book.tags.set([tags[t] for t in tagged])
            made.append(book.pk)
        return made

    made = await sync_to_async(seed)()
    with caplog.at_level(logging.ERROR):
        async with ActionCommunicator(LegacyConsumer.as_asgi(), "/ws/") as client:
            for route in routes:
                reply = await client.request("list", route, timeout=HUNG)
                assert reply["status"] in (200, 404), reply
            for pk in [*made[:2], 10**6]:
                reply = await client.request("retrieve", f"books/{pk}/", timeout=HUNG)
                assert reply["status"] == (200 if pk in made else 404), reply
        async with ActionCommunicator(BookConsumer.as_asgi(), "/ws/") as dcrf:
            await dcrf.send_json_to({"action": "list"})
            assert (await dcrf.receive_json_from(timeout=HUNG))["response_status"] == 200
    assert refused_differences(caplog) == []


@pytest.mark.django_db(transaction=True)
async def test_a_difference_is_refused(settings: Any, caplog: pytest.LogCaptureFixture) -> None:
    """The switch can fail: a compiled read that read another column is a 500, logged."""
    settings.GQL_CHANNELS = {"COMPILED_READS": "compare"}
    await sync_to_async(User.objects.create)(username="ada", first_name="Ada")
    plan = UserConsumer.compiled_routes.binding(UserConsumer.routepatterns[2].callback).compiled
    (read,) = plan.values()
    columns = read.columns
    wrong = tuple(
        type(column)(column.key, "last_name" if column.key == "first_name" else column.attname, column.serialize,
                     column.relation, column.nullable)
        for column in columns
    )
    object.__setattr__(read, "columns", wrong)  # frozen: plans never change while serving
    try:
        async with ActionCommunicator(UserConsumer.as_asgi(), "/ws/") as client:
            reply = await client.request("list", "all/?ordering=id", timeout=HUNG)
        assert reply["status"] == 500
        assert refused_differences(caplog)
    finally:
        object.__setattr__(read, "columns", columns)


# --- shared converted arguments ---------------------------------------------------------------------------


def example_plan(route: str, action: str) -> Any:
    routes = LegacyConsumer.compiled_routes
    entry = next(entry for entry in routes.table.entries() if entry.route == route)
    return next(plan for plan in routes.binding(entry.resource).compiled.values() if plan.operation.action == action)


def test_which_plans_share_converted_arguments() -> None:
    # Input objects (the page, the filters) built by Strawberry's own conversion: shared.
    assert example_plan("test_child_route/", "list").shared_arguments
    assert example_plan("books/", "list").shared_arguments
    # A key alone converts cheaply: nothing to share.
    assert not example_plan("books/<str:pk>/", "retrieve").shared_arguments


def test_an_input_built_by_its_own_hook_is_not_shared(monkeypatch: pytest.MonkeyPatch) -> None:
    """``from_input`` sees the request (``InputContext.info``): what it builds is the execution's own."""
    binding = Resource(list="users", pagination_class=UserPages).bind(user_schema)
    operation = binding.operations["list"]
    plan = compile_read(user_schema, operation)
    assert plan is not None and plan.shared_arguments
    definition = user_schema.get_type_by_name("UserOrder")
    assert definition is not None
    monkeypatch.setattr(definition, "from_input", lambda type_, value, context: type_(**value))
    plan = compile_read(user_schema, operation)
    assert plan is not None and not plan.shared_arguments


@pytest.mark.django_db(transaction=True)
async def test_the_same_variables_are_converted_once(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.GQL_CHANNELS = {"COMPILED_READS": "compare"}
    from gql_channels.conversion import ArgumentConversion

    conversions: list[dict[str, Any]] = []
    convert = ArgumentConversion.convert

    def counted(self: ArgumentConversion, schema: Any, values: dict[str, Any], info: Any) -> Any:
        conversions.append(values)
        return convert(self, schema, values, info)

    monkeypatch.setattr(ArgumentConversion, "convert", counted)
    plan = example_plan("test_child_route/", "list")
    plan.arguments.clear()
    await sync_to_async(Article.objects.bulk_create)([Article(title=f"t{n}", content="c") for n in range(45)])
    async with ActionCommunicator(LegacyConsumer.as_asgi(), "/ws/") as client:
        first = await client.request("list", "test_child_route/?page=4", timeout=HUNG)
        again = await client.request("list", "test_child_route/?page=4", timeout=HUNG)
        other = await client.request("list", "test_child_route/?page=5", timeout=HUNG)
    assert first["status"] == again["status"] == other["status"] == 200  # "compare": each as executed
    assert first["data"] == again["data"] != other["data"]
    assert [value["pagination"]["offset"] for value in conversions] == [30, 40]


def test_remembered_arguments_are_bounded() -> None:
    plan = example_plan("test_child_route/", "list")
    plan.arguments.clear()
    for n in range(300):
        plan._remember(("key", n), ({}, {}))
    assert len(plan.arguments) == 256
    assert ("key", 299) in plan.arguments and ("key", 0) not in plan.arguments
    plan.arguments.clear()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=8,
)


@given(json_values, json_values)
@example(-0.0, 0.0)
@example(1, True)
@example([1], [1.0])
def test_variables_share_a_key_only_when_they_are_the_same_json(a: Any, b: Any) -> None:
    """``1``, ``1.0`` and ``true`` are equal in Python and different variables."""
    assert (_frozen(a) == _frozen(b)) == (json.dumps(a) == json.dumps(b))
    assert _frozen(a) is not None and hash(_frozen(a)) == hash(_frozen(json.loads(json.dumps(a))))
