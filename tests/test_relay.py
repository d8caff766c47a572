"""Relay Node types: GlobalIDs in the schema, plain primary keys for legacy clients."""

from __future__ import annotations

import pytest
import strawberry
import strawberry_django
from django.urls import path
from strawberry import auto, relay
from strawberry_django.mutations import mutations

from example_project.demo import models
from gql_channels import ActionConsumer, Resource
from gql_channels.testing import ActionCommunicator

pytestmark = pytest.mark.django_db(transaction=True)


@strawberry_django.type(models.Author)
class AuthorNode(relay.Node):
    name: auto


@strawberry_django.type(models.Book)
class BookNode(relay.Node):
    title: auto
    author: AuthorNode


@strawberry.type
class Query:
    books: list[BookNode] = strawberry_django.field()
    book: BookNode = strawberry_django.field()


@strawberry.type
class Mutation:
    delete_book: BookNode = mutations.delete(strawberry_django.NodeInput)


books = Resource.for_type("BookNode")


class NodeConsumer(ActionConsumer):
    schema = strawberry.Schema(query=Query, mutation=Mutation)
    routepatterns = [path("books/", books), path("books/<str:pk>/", books)]


async def test_node_ids_render_as_primary_keys_and_node_input_deletes(library) -> None:
    book = library["books"][0]
    async with ActionCommunicator(NodeConsumer.as_asgi(), "/ws/") as client:
        listing = await client.request("list", "books/")
        assert listing["data"][0] == {"id": book.id, "title": "Earthsea", "author": book.author_id}
        reply = await client.request("retrieve", f"books/{book.id}/")
        assert reply["data"]["id"] == book.id
        reply = await client.request("destroy", f"books/{book.id}/")
        assert reply["status"] == 204
        assert not await models.Book.objects.filter(pk=book.id).aexists()
        reply = await client.request("destroy", f"books/{book.id}/")
        assert reply["status"] == 404
