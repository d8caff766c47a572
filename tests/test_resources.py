"""Binding resources to a schema: discovery, and misconfiguration caught when the class is built."""

from __future__ import annotations

import pytest
import strawberry
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from django.urls import path, re_path
from strawberry_django.auth.utils import get_current_user

from example_project.consumers import ArticlePagination
from gql_channels import ActionConsumer, Resource
from gql_channels.pagination import PageNumberPagination
from gql_channels.testing import ActionCommunicator
from schema import schema


def test_for_type_discovers_every_field() -> None:
    bound = Resource.for_type("BookType", pagination_class=ArticlePagination).bind(schema)
    assert {a: op.field_name for a, op in bound.operations.items()} == {
        "list": "books", "retrieve": "book", "create": "createBook",
        "update": "updateBook", "partial_update": "updateBook", "destroy": "deleteBook",
    }
    assert bound.actions_for({"pk"}) == {"retrieve", "update", "partial_update", "destroy"}
    assert bound.actions_for(set()) == {"list", "create"}
    assert bound.model.__name__ == "Book"


def test_for_type_prefers_the_paginated_list_and_explicit_names_win() -> None:
    bound = Resource.for_type("AuthorType", retrieve="author").bind(schema)
    assert bound.operations["list"].field_name == "authors" and bound.pagination is None
    assert Resource.for_type("ArticleType", pagination_class=ArticlePagination).bind(schema).pagination is not None


@pytest.mark.parametrize(
    ("resource", "message"),
    [
        (Resource(list="nope"), "list='nope'"),
        (Resource(list="article"), "list='article'"),
        (Resource(retrieve="articles"), "retrieve='articles'"),
        (Resource(retrieve="nope"), "retrieve='nope'"),
        (Resource(list="articles"), "`articles` is paginated"),
        (Resource(list="authors", pagination_class=ArticlePagination), "`authors` is a plain list"),
        (Resource(list="authors", create="nope"), "create='nope'"),
        (Resource(list="authors", create="publishBook"), "create='publishBook'"),
        (Resource(list="authors", actions={"list": "{ authors { id } }"}), "shadows a standard action"),
        (Resource(list="authors", actions={"x": "{ nope }"}), "Custom action 'x'"),
        (Resource(list="authors", actions={"x": "{ authors { id "}), "Custom action 'x'"),
        (Resource(list="authors", actions={"x": "query A { authors { id } } query B { tags { id } }"}), "exactly one"),
        (Resource(), "serves no action"),
        (Resource.for_type("Nope"), "no such object type"),
        (Resource.for_type("OffsetPaginationInfo"), "no field returns that type"),
        (Resource(list="books", fields=["id", "nope"], pagination_class=ArticlePagination), "'nope'"),
    ],
)
def test_misconfiguration_names_the_field(resource: Resource, message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message.replace("(", r"\(").replace("[", r"\[")):
        resource.bind(schema)


def test_max_page_size_above_the_schema_cap_fails_at_configuration() -> None:
    class Huge(PageNumberPagination):
        page_size = 10
        max_page_size = 500

    with pytest.raises(ImproperlyConfigured, match=r"max_page_size = 500 exceeds the 100 rows .*`articles`"):
        Resource(list="articles", pagination_class=Huge).bind(schema)
    with override_settings(STRAWBERRY_DJANGO={"PAGINATION_MAX_LIMIT": 1000}):
        Resource(list="articles", pagination_class=Huge).bind(schema)


def test_default_pagination_class_from_settings() -> None:
    with override_settings(GQL_CHANNELS={"DEFAULT_PAGINATION_CLASS": "example_project.consumers.ArticlePagination"}):
        assert isinstance(Resource(list="articles").bind(schema).pagination, ArticlePagination)


def test_consumer_class_fails_when_built_not_at_first_message() -> None:
    with pytest.raises(ImproperlyConfigured, match="list='missing'"):

        class Broken(ActionConsumer):
            schema = globals()["schema"]
            routepatterns = [path("x/", Resource(list="missing"))]


def test_retrieve_on_a_route_without_the_lookup_kwarg_is_rejected() -> None:
    with pytest.raises(ImproperlyConfigured, match="serves no action on route 'articles/'"):

        class Broken(ActionConsumer):
            schema = globals()["schema"]
            routepatterns = [path("articles/", Resource(retrieve="article"))]


def test_route_entries_must_be_resources() -> None:
    with pytest.raises(ImproperlyConfigured, match="must point at a Resource"):
        ActionConsumer.as_asgi(schema=schema, routepatterns=[path("x/", lambda: None)])


def test_as_asgi_needs_a_schema() -> None:
    with pytest.raises(ImproperlyConfigured, match="needs a schema"):
        ActionConsumer.as_asgi(routepatterns=[path("x/", Resource(list="authors"))])


def test_a_resource_is_not_a_django_view() -> None:
    with pytest.raises(TypeError, match="not as a Django view"):
        Resource(list="articles")(None)


@strawberry.type
class Me:
    id: strawberry.ID
    username: str


@strawberry.type
class WhoQuery:
    @strawberry.field
    def me(self, info: strawberry.Info) -> list[Me]:
        user = get_current_user(info)
        return [Me(id=strawberry.ID(str(user.pk)), username=user.username)] if user.is_authenticated else []


@pytest.mark.django_db(transaction=True)
async def test_resolvers_see_the_scope_user_like_strawberry_consumers(django_user_model) -> None:
    from asgiref.sync import sync_to_async
    from django.contrib.auth.models import AnonymousUser

    who = strawberry.Schema(query=WhoQuery)
    app = ActionConsumer.as_asgi(schema=who, routepatterns=[path("me/", Resource(list="me"))])
    user = await sync_to_async(django_user_model.objects.create_user)("ada", password="pw")
    async with ActionCommunicator(app, "/ws/") as client:
        client.scope["user"] = AnonymousUser()
        assert (await client.request("list", "me/"))["data"] == []
    client = ActionCommunicator(app, "/ws/")
    client.scope["user"] = user
    async with client:
        assert (await client.request("list", "me/"))["data"] == [{"id": str(user.pk), "username": "ada"}]


def test_include_and_re_path_routes_bind() -> None:
    from django.urls import include

    app = ActionConsumer.as_asgi(
        schema=schema,
        routepatterns=[
            path("v1/", include([path("authors/", Resource(list="authors"))])),
            re_path(r"^v1/authors/(?P<pk>\d+)/$", Resource(retrieve="author")),
        ],
    )
    assert app.consumer_initkwargs["compiled_routes"].table.resolve("v1/authors/").path == "v1/authors/"


@pytest.mark.django_db(transaction=True)
async def test_routes_from_schema_serves_every_list_field(articles) -> None:

    with override_settings(GQL_CHANNELS={"PAGE_SIZE": 10}):
        await _serve_routes_from_schema(articles)


async def _serve_routes_from_schema(articles) -> None:
    from gql_channels import routes_from_schema

    routepatterns = routes_from_schema(schema)
    app = ActionConsumer.as_asgi(schema=schema, routepatterns=routepatterns)
    routes = [str(p.pattern) for p in routepatterns]
    assert routes[:7] == [
        "articles/", "articles/<str:pk>/", "books/", "books/<str:pk>/", "all-books/", "all-books/<str:pk>/", "authors/"
    ]
    assert {"article-cursor/", "article-connection/", "tags/"} <= set(routes)
    async with ActionCommunicator(app, "/ws/") as client:
        page = await client.request("list", "articles/?page=2")
        assert page["data"]["count"] == 100 and page["data"]["next"] == "articles/?page=3"
        cursor = await client.request("list", "article-cursor/")
        assert len(cursor["data"]["results"]) == 10 and cursor["data"]["next"].startswith("article-cursor/?cursor=")
        detail = await client.request("retrieve", f"articles/{articles[0].id}/")
        assert detail["data"]["title"] == "Title1"


@pytest.mark.django_db(transaction=True)
async def test_custom_action_variables_are_checked_per_field(library) -> None:
    """Missing or mistyped variables name the field, in DRF's words, not in GraphQL's."""
    title = "query Title($pk: ID!, $withId: Boolean = false) { book(pk: $pk) { title id @include(if: $withId) } }"
    app = ActionConsumer.as_asgi(schema=schema, routepatterns=[path("titles/", Resource(actions={"title": title}))])
    book = library["books"][0]
    async with ActionCommunicator(app, "/ws/") as client:
        reply = await client.request("title", "titles/", {"pk": book.pk})
        assert (reply["status"], reply["data"]) == (200, {"title": "Earthsea"})
        for data, errors in (
            ({}, {"pk": ["This field is required."]}),
            (None, {"pk": ["This field is required."]}),
            ({"pk": None}, {"pk": ["This field may not be null."]}),
            ({"pk": [1]}, {"pk": ["Invalid value."]}),
            ({"pk": book.pk, "withId": "maybe"}, {"withId": ["Invalid value."]}),
        ):
            reply = await client.request("title", "titles/", data)
            assert (reply["status"], reply["errors"]) == (400, [errors]), data


@pytest.mark.django_db(transaction=True)
async def test_consumer_without_auth_middleware_serves_everyone_as_anonymous(library) -> None:
    """No AuthMiddlewareStack: resolvers asking for the user see AnonymousUser, not a 500."""
    from example_project.consumers import LegacyConsumer

    client = ActionCommunicator(LegacyConsumer.as_asgi(), "/ws/")
    assert "user" not in client.scope
    async with client:
        reply = await client.request("list", "tags/")
        assert reply["status"] == 403
        assert (await client.request("list", "books/"))["status"] == 200
