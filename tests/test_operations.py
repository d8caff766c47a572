"""Generated documents (snapshotted as .graphql files) and result reshaping."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import strawberry
import strawberry_django
from django.core.exceptions import ImproperlyConfigured
from graphql import GraphQLObjectType
from strawberry import auto

from example_project.demo import models
from gql_channels.filtering import FilterShape
from gql_channels.operations import plan_list, plan_retrieve
from gql_channels.shapes import build_shape
from schema import schema

SNAPSHOTS = Path(__file__).parent / "snapshots"


def check_snapshot(name: str, text: str) -> None:
    """Compare with ``snapshots/<name>.graphql``; ``UPDATE_SNAPSHOTS=1`` rewrites it."""
    path = SNAPSHOTS / f"{name}.graphql"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.write_text(text + "\n")
    assert path.read_text() == text + "\n", f"{path.name} differs; rerun with UPDATE_SNAPSHOTS=1 if intended"


def gql_type(name: str) -> GraphQLObjectType:
    return schema._schema.get_type(name)


@pytest.mark.parametrize(
    ("name", "plan"),
    [
        ("list_articles", lambda: plan_list(schema, "articles", build_shape(schema, gql_type("ArticleType")), kind="offset")),
        ("retrieve_article", lambda: plan_retrieve(schema, "article", "pk", build_shape(schema, gql_type("ArticleType")))),
        ("list_books", lambda: plan_list(schema, "books", build_shape(schema, gql_type("BookType")), kind="offset")),
        ("retrieve_book", lambda: plan_retrieve(schema, "book", "pk", build_shape(schema, gql_type("BookType")))),
        (
            "list_books_filtered",
            lambda: plan_list(
                schema, "books", build_shape(schema, gql_type("BookType")), kind="offset",
                filters=FilterShape.build(schema, schema._schema.query_type.fields["books"]),
            ),
        ),
        ("list_article_cursor", lambda: plan_list(schema, "articleCursor", build_shape(schema, gql_type("ArticleNode")), kind="connection")),
        ("list_authors", lambda: plan_list(schema, "authors", build_shape(schema, gql_type("AuthorType")), kind="list")),
        (
            "list_books_fields",
            lambda: plan_list(
                schema, "books", build_shape(schema, gql_type("BookType"), ["title", "tags", "id"]), kind="offset"
            ),
        ),
    ],
)
def test_generated_documents(name: str, plan) -> None:
    check_snapshot(name, plan().source)


def test_documents_take_client_values_only_as_variables() -> None:
    op = plan_retrieve(schema, "article", "pk", build_shape(schema, gql_type("ArticleType")))
    assert "$pk" in op.source and op.lookup_variable == "pk"
    listing = plan_list(schema, "articles", build_shape(schema, gql_type("ArticleType")), kind="offset")
    assert "$pagination" in listing.source and listing.list_kind == "offset"


def test_shape_orders_fields_like_model_serializer_and_skips_reverse_relations() -> None:
    assert build_shape(schema, gql_type("BookType")).keys == (
        "id", "title", "pages", "published", "created_at", "author", "tags",
    )
    assert build_shape(schema, gql_type("AuthorType")).keys == ("id", "name")


def test_reshape_converts_ids_and_relations() -> None:
    shape = build_shape(schema, gql_type("BookType"))
    item = {
        "id": "7", "title": "T", "pages": 3, "published": False, "created_at": "2026-01-01T00:00:00+00:00",
        "author": {"pk": "2"}, "tags": [{"pk": "1"}, {"pk": "5"}],
    }
    assert shape.reshape(item) == {
        "id": 7, "title": "T", "pages": 3, "published": False, "created_at": "2026-01-01T00:00:00Z",
        "author": 2, "tags": [1, 5],
    }
    assert list(item) == list(shape.keys)


@strawberry.type
class Thing:
    id: strawberry.ID
    label: str


@strawberry.type
class ThingQuery:
    things: list[Thing]


@strawberry_django.type(models.Author)
class NamelessAuthor:
    name: auto


@strawberry_django.type(models.Book)
class KeylessBook:
    id: auto
    author: NamelessAuthor


@strawberry.type
class KeylessQuery:
    books: list[KeylessBook] = strawberry_django.field()


def test_non_integer_keys_stay_strings() -> None:
    plain = strawberry.Schema(query=ThingQuery)
    shape = build_shape(plain, plain._schema.get_type("Thing"))
    assert shape.model is None and shape.keys == ("id", "label")
    assert shape.reshape({"id": "a1", "label": "x"}) == {"id": "a1", "label": "x"}
    assert shape.not_found_detail == "No Thing matches the given query."


def test_unknown_field_in_fields_is_a_configuration_error() -> None:
    with pytest.raises(ImproperlyConfigured, match="'nope'"):
        build_shape(schema, gql_type("BookType"), ["id", "nope"])


def test_relation_without_a_key_is_a_configuration_error() -> None:
    broken = strawberry.Schema(query=KeylessQuery)
    with pytest.raises(ImproperlyConfigured, match="KeylessBook.author"):
        build_shape(broken, broken._schema.get_type("KeylessBook"))
    shape = build_shape(broken, broken._schema.get_type("KeylessBook"), ["id"])
    assert shape.keys == ("id",)
