"""strawberry-django types, inputs and the root Query/Mutation of the example."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry
import strawberry_django
from strawberry import auto, relay
from strawberry_django.mutations import mutations
from strawberry_django.pagination import OffsetPaginated
from strawberry_django.permissions import HasPerm, IsAuthenticated
from strawberry_django.relay import DjangoCursorConnection, DjangoListConnection

from example_project.demo import models
from gql_channels.field_extensions import RelatedKeysLimiter
from gql_channels.lookups import TextFilterLookup
from gql_channels.paginated import CountedOffsetPaginated
from gql_channels.subscriptions import ModelEvent, model_events


@strawberry_django.type(models.Article)
class ArticleType:
    id: auto
    title: auto
    content: auto


@strawberry_django.type(models.Tag)
class TagType:
    id: auto
    #: Tag names are for signed-in users, also when reached through a book (ids are public).
    name: auto = strawberry_django.field(extensions=[IsAuthenticated()])


@strawberry_django.type(models.Author)
class AuthorType:
    id: auto
    name: auto
    books: list[BookType]


@strawberry_django.filter_type(models.Book, lookups=True)
class BookFilter:
    id: auto
    #: No regex lookups: a client's pattern would run in the server's own process on SQLite.
    title: TextFilterLookup | None = strawberry_django.filter_field()
    pages: auto
    published: auto
    created_at: auto
    author: auto
    tags: auto


@strawberry_django.order_type(models.Book)
class BookOrder:
    id: auto
    title: auto
    pages: auto
    published: auto
    created_at: auto


@strawberry_django.type(models.Book, filters=BookFilter, ordering=BookOrder)
class BookType:
    id: auto
    title: auto
    pages: auto
    published: auto
    created_at: auto
    author: AuthorType
    tags: list[TagType]


@strawberry_django.order_type(models.Article)
class ArticleOrder:
    id: auto
    title: auto


@strawberry_django.type(models.Article, ordering=ArticleOrder)
class ArticleNode(relay.Node):
    """Articles as Relay nodes, for the connection fields that cursor pagination walks."""

    title: auto
    content: auto


@strawberry_django.input(models.Article)
class ArticleInput:
    title: auto
    content: auto


@strawberry_django.partial(models.Article)
class ArticlePartial:
    id: auto
    title: auto
    content: auto


@strawberry_django.input(models.Book)
class BookInput:
    title: auto
    pages: auto
    published: auto
    author: auto
    tags: auto


@strawberry_django.partial(models.Book)
class BookPartial:
    id: auto
    title: auto
    pages: auto
    published: auto
    author: auto
    tags: auto


@strawberry_django.input(models.Author)
class AuthorInput:
    name: auto


@strawberry_django.partial(models.Author)
class AuthorPartial:
    id: auto
    name: auto


@strawberry.input(description="The primary key of the object to delete.")
class KeyInput:
    id: strawberry.ID


@strawberry.type
class Query:
    articles: OffsetPaginated[ArticleType] = strawberry_django.offset_paginated()
    article: ArticleType = strawberry_django.field()
    books: CountedOffsetPaginated[BookType] = strawberry_django.offset_paginated()
    book: BookType = strawberry_django.field()
    #: Every book, unpaginated: what a djangochannelsrestframework ListModelMixin answered.
    all_books: list[BookType] = strawberry_django.field()
    authors: list[AuthorType] = strawberry_django.field()
    author: AuthorType = strawberry_django.field()
    #: Signed-in users only; GraphQL clients get [] otherwise (fail_silently), legacy ones 403.
    tags: list[TagType] = strawberry_django.field(extensions=[IsAuthenticated()])
    #: Keyset pagination: a page costs the same however deep it is.
    article_cursor: DjangoCursorConnection[ArticleNode] = strawberry_django.connection(
        DjangoCursorConnection[ArticleNode]
    )
    #: Offset-backed cursors (``arrayconnection:<offset>``), with a total count.
    article_connection: DjangoListConnection[ArticleNode] = strawberry_django.connection(
        DjangoListConnection[ArticleNode]
    )


@strawberry.type
class Mutation:
    create_article: ArticleType = mutations.create(ArticleInput)
    update_article: ArticleType = mutations.update(ArticlePartial)
    delete_article: ArticleType = mutations.delete(KeyInput)
    # The schema guards its writes as the legacy routes do (BookPermissions, IsAuthenticatedOrReadOnly):
    # a GraphQL client gets no further than a legacy one.
    # Many-to-many keys cost queries each: capped and deduplicated for GraphQL clients as for legacy ones.
    create_book: BookType = mutations.create(BookInput, extensions=[HasPerm("demo.add_book"), RelatedKeysLimiter()])
    update_book: BookType = mutations.update(BookPartial, extensions=[HasPerm("demo.change_book"), RelatedKeysLimiter()])
    delete_book: BookType = mutations.delete(KeyInput, extensions=[HasPerm("demo.delete_book")])
    #: strawberry-django's other error style: errors as an OperationInfo payload.
    create_author: AuthorType = mutations.create(AuthorInput, handle_django_errors=True, extensions=[IsAuthenticated()])
    update_author: AuthorType = mutations.update(AuthorPartial, handle_django_errors=True, extensions=[IsAuthenticated()])
    #: Deleting an author deletes its books too (on_delete=CASCADE): it needs the right to delete books.
    delete_author: AuthorType = mutations.delete(
        KeyInput, handle_django_errors=True, extensions=[IsAuthenticated(), HasPerm("demo.delete_book")]
    )

    @strawberry_django.mutation(extensions=[HasPerm("demo.change_book")])
    def publish_book(self, pk: strawberry.ID) -> BookType:
        """Served to legacy clients as the custom action ``publish``."""
        book = models.Book.objects.get(pk=pk)
        book.published = True
        book.save(update_fields=["published"])
        return book


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Committed changes of one book.")
    async def book_changed(self, info: strawberry.Info, pk: strawberry.ID) -> AsyncGenerator[ModelEvent, None]:
        async for event in model_events(info, models.Book, pk=pk, type_=BookType):
            yield event

    @strawberry.subscription(description="Committed changes of the books passing the filters.")
    async def books_changed(
        self, info: strawberry.Info, filters: BookFilter | None = None
    ) -> AsyncGenerator[ModelEvent, None]:
        async for event in model_events(info, models.Book, filters=filters, type_=BookType):
            yield event
