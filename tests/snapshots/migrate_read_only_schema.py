"""The strawberry-django schema serving the old consumers, written by ``manage.py gql_channels_migrate``
from

- tests.test_migrate.ReadOnlyConsumer (rest_framework_channels)

Code to own: edit it freely; ``manage.py gql_channels_compare`` tells whether the legacy replies still
match. One type per serializer, its fields in the serializer's order (``auto``: strawberry-django reads
the model field); inputs with what the serializer accepted on writes.

To do (not translated):

- nothing: every serializer field was translated.
"""

from __future__ import annotations

import strawberry
import strawberry_django
from strawberry import auto
from strawberry_django.mutations import mutations
from strawberry_django.optimizer import DjangoOptimizerExtension
from strawberry_django.pagination import OffsetPaginated

from example_project.demo.models import Book


@strawberry_django.type(Book)
class BookReadOnlyType:
    """tests.test_migrate.BookReadOnlySerializer, as it rendered books."""

    id: auto
    title: auto
    pages: auto
    published: auto
    created_at: auto
    author: auto
    tags: auto


@strawberry_django.input(Book)
class BookReadOnlyInput:
    """What BookReadOnlySerializer accepted on create (its read-only fields left out)."""

    pages: auto
    published: auto
    author: auto


@strawberry_django.partial(Book)
class BookReadOnlyPartial:
    """What BookReadOnlySerializer accepted on update: any of it, the key naming the object."""

    id: auto
    pages: auto
    published: auto
    author: auto


@strawberry.input(description="The primary key of the object to delete.")
class KeyInput:
    id: strawberry.ID


@strawberry.type
class Query:
    book_read_onlies: OffsetPaginated[BookReadOnlyType] = (
        strawberry_django.offset_paginated()
    )
    book_read_only: BookReadOnlyType = strawberry_django.field()


@strawberry.type
class Mutation:
    create_book_read_only: BookReadOnlyType = mutations.create(BookReadOnlyInput)
    update_book_read_only: BookReadOnlyType = mutations.update(BookReadOnlyPartial)
    delete_book_read_only: BookReadOnlyType = mutations.delete(KeyInput)


schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    extensions=[DjangoOptimizerExtension],
)
