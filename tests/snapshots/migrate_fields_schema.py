"""The strawberry-django schema serving the old consumers, written by ``manage.py gql_channels_migrate``
from

- tests.test_migrate.FieldsConsumer (rest_framework_channels)

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

from example_project.demo.models import Article


@strawberry_django.type(Article)
class ArticleFieldsType:
    """tests.test_migrate.ArticleFieldsSerializer, as it rendered articles."""

    title: auto
    id: auto


@strawberry_django.input(Article)
class ArticleFieldsInput:
    """What ArticleFieldsSerializer accepted on create (its read-only fields left out)."""

    title: auto


@strawberry_django.partial(Article)
class ArticleFieldsPartial:
    """What ArticleFieldsSerializer accepted on update: any of it, the key naming the object."""

    id: auto
    title: auto


@strawberry.input(description="The primary key of the object to delete.")
class KeyInput:
    id: strawberry.ID


@strawberry.type
class Query:
    article_fieldses: OffsetPaginated[ArticleFieldsType] = (
        strawberry_django.offset_paginated()
    )
    article_fields: ArticleFieldsType = strawberry_django.field()


@strawberry.type
class Mutation:
    create_article_fields: ArticleFieldsType = mutations.create(ArticleFieldsInput)
    update_article_fields: ArticleFieldsType = mutations.update(ArticleFieldsPartial)
    delete_article_fields: ArticleFieldsType = mutations.delete(KeyInput)


schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    extensions=[DjangoOptimizerExtension],
)
