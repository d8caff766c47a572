"""The strawberry-django schema serving the old consumers, written by ``manage.py gql_channels_migrate``
from

- tests.test_migrate.ExcludeConsumer (rest_framework_channels)

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

from example_project.demo.models import Author, Book, Tag


@strawberry_django.type(Book)
class BookExcludeType:
    """tests.test_migrate.BookExcludeSerializer, as it rendered books."""

    id: auto
    title: auto
    pages: auto
    published: auto
    author: AuthorType
    tags: list[TagType]


@strawberry_django.input(Book)
class BookExcludeInput:
    """What BookExcludeSerializer accepted on create (its read-only fields left out)."""

    title: auto
    pages: auto
    published: auto
    author: auto
    tags: auto


@strawberry_django.partial(Book)
class BookExcludePartial:
    """What BookExcludeSerializer accepted on update: any of it, the key naming the object."""

    id: auto
    title: auto
    pages: auto
    published: auto
    author: auto
    tags: auto


@strawberry_django.type(Author)
class AuthorType:
    """tests.test_migrate.AuthorSerializer, as it rendered authors."""

    id: auto
    name: auto


@strawberry_django.type(Tag)
class TagType:
    """tests.test_migrate.TagSerializer, as it rendered tags."""

    id: auto
    name: auto


@strawberry.input(description="The primary key of the object to delete.")
class KeyInput:
    id: strawberry.ID


@strawberry.type
class Query:
    book_excludes: OffsetPaginated[BookExcludeType] = (
        strawberry_django.offset_paginated()
    )
    book_exclude: BookExcludeType = strawberry_django.field()
    author: AuthorType = strawberry_django.field()
    tag: TagType = strawberry_django.field()


@strawberry.type
class Mutation:
    create_book_exclude: BookExcludeType = mutations.create(BookExcludeInput)
    update_book_exclude: BookExcludeType = mutations.update(BookExcludePartial)
    delete_book_exclude: BookExcludeType = mutations.delete(KeyInput)


schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    extensions=[DjangoOptimizerExtension],
)
