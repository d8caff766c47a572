"""The strawberry-django schema serving the old consumers, written by ``manage.py gql_channels_migrate``
from

- tests.test_migrate.ExtraKwargsConsumer (rest_framework_channels)

Code to own: edit it freely; ``manage.py gql_channels_compare`` tells whether the legacy replies still
match. One type per serializer, its fields in the serializer's order (``auto``: strawberry-django reads
the model field); inputs with what the serializer accepted on writes.

To do (not translated):

- BookExtraKwargsSerializer.title: not required on writes (extra_kwargs) where the model requires it; the input requires it (a save without it would fail the model's validation): give the model field a default.
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
class BookExtraKwargsType:
    """tests.test_migrate.BookExtraKwargsSerializer, as it rendered books."""

    id: auto
    title: auto
    pages: auto
    author: auto


@strawberry_django.input(Book)
class BookExtraKwargsInput:
    """What BookExtraKwargsSerializer accepted on create (its read-only fields left out)."""

    title: auto
    # Required on writes (extra_kwargs), where the model field is optional.
    pages: int
    published: auto


@strawberry_django.partial(Book)
class BookExtraKwargsPartial:
    """What BookExtraKwargsSerializer accepted on update: any of it, the key naming the object."""

    id: auto
    title: auto
    pages: auto
    published: auto


@strawberry.input(description="The primary key of the object to delete.")
class KeyInput:
    id: strawberry.ID


@strawberry.type
class Query:
    book_extra_kwargses: OffsetPaginated[BookExtraKwargsType] = (
        strawberry_django.offset_paginated()
    )
    book_extra_kwargs: BookExtraKwargsType = strawberry_django.field()


@strawberry.type
class Mutation:
    create_book_extra_kwargs: BookExtraKwargsType = mutations.create(
        BookExtraKwargsInput,
    )
    update_book_extra_kwargs: BookExtraKwargsType = mutations.update(
        BookExtraKwargsPartial,
    )
    delete_book_extra_kwargs: BookExtraKwargsType = mutations.delete(KeyInput)


schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    extensions=[DjangoOptimizerExtension],
)
