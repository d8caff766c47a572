"""The example's legacy consumer: the seed page's routes, now served from the GraphQL schema."""

from __future__ import annotations

from django.urls import path, re_path

from gql_channels import Action, ActionConsumer, Resource
from gql_channels.pagination import (
    CursorPagination,
    LimitOffsetPagination,
    PageNumberPagination,
    WebsocketLimitOffsetPagination,
)
from gql_channels.permissions import (
    CascadeDeletePermissions,
    DjangoModelPermissionsOrAnonReadOnly,
    IsAuthenticatedOrReadOnly,
)
from schema import schema


class ArticlePagination(PageNumberPagination):
    page_size = 10
    page_size_query_param = "page_size"
    max_page_size = 100


class ArticleLimitOffset(LimitOffsetPagination):
    default_limit = 5
    max_limit = 50


class ArticleCursor(CursorPagination):
    page_size = 10
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = "id"


class BookPermissions(DjangoModelPermissionsOrAnonReadOnly):
    """Anyone reads; writing needs Django's add/change/delete_book, publishing change_book."""

    perms_map = {
        **DjangoModelPermissionsOrAnonReadOnly.perms_map,
        "publish": ["%(app_label)s.change_%(model_name)s"],
    }


#: The seed page's handler, now every action on articles, open to anyone.
articles = Resource(
    list="articles",
    retrieve="article",
    create="createArticle",
    update="updateArticle",
    destroy="deleteArticle",
    pagination_class=ArticlePagination,
)
books = Resource.for_type(
    "BookType",
    pagination_class=ArticlePagination,
    permission_classes=[BookPermissions],
    actions={
        # The publishBook mutation, its book rendered like retrieve; sent to everyone subscribed to the
        # book's route too, like async_action(mode="broadcast").
        "publish": Action("publishBook", broadcast="book-{pk}"),
    },
    subscribe="bookChanged",
    subscribe_list="booksChanged",
)
#: The same articles through the other pagination styles: limit/offset on the offset-paginated
#: field, keyset cursors on a DjangoCursorConnection, page numbers on a DjangoListConnection.
articles_by_offset = Resource(list="articles", pagination_class=ArticleLimitOffset)
articles_by_cursor = Resource(list="articleCursor", pagination_class=ArticleCursor)
articles_by_page_on_connection = Resource(list="articleConnection", pagination_class=ArticlePagination)
#: Author mutations use strawberry-django's other error style (handle_django_errors=True). Deleting an
#: author deletes its books (on_delete=CASCADE): that needs demo.delete_book, as deleting a book does.
authors = Resource.for_type("AuthorType", permission_classes=[IsAuthenticatedOrReadOnly, CascadeDeletePermissions])
#: The `tags` field is guarded inside the schema (strawberry-django IsAuthenticated).
tags = Resource(list="tags")


class LegacyConsumer(ActionConsumer):
    schema = schema
    routepatterns = [
        path("test_child_route/", articles),
        re_path(r"^test_child_route/(?P<pk>[-\w]+)/$", articles),
        path("articles/", articles),
        path("articles/<str:pk>/", articles),
        path("books/", books),
        path("books/<str:pk>/", books),
        path("authors/", authors),
        path("authors/<str:pk>/", authors),
        path("tags/", tags),
        path("offset/articles/", articles_by_offset),
        path("cursor/articles/", articles_by_cursor),
        path("connection/articles/", articles_by_page_on_connection),
    ]


# --- djangochannelsrestframework clients -----------------------------------------------------------
# The same schema, served in DCRF's dialect: one consumer per URL (GqlChannelsRouter(consumers=...)),
# messages without a route ({"action": "retrieve", "pk": 1, "request_id": 2}), replies with
# response_status; and all of them on one socket for channelsmultiplexer clients (dcrf-client).


class ArticleWebsocketPagination(WebsocketLimitOffsetPagination):
    default_limit = 5
    max_limit = 50


#: DCRF's GenericAsyncAPIConsumer with the list/retrieve/create/update/patch/delete mixins, an
#: ObserverModelInstanceMixin (subscribe_instance) and an @action (publish).
dcrf_books = Resource(
    list="allBooks",
    retrieve="book",
    create="createBook",
    update="updateBook",
    destroy="deleteBook",
    subscribe="bookChanged",
    actions={"publish": Action("publishBook")},
    permission_classes=[BookPermissions],
)
#: PaginatedModelListMixin with WebsocketLimitOffsetPagination: {"action": "list", "limit": 5, "offset": 10}.
dcrf_articles = Resource(
    list="articles",
    retrieve="article",
    create="createArticle",
    update="updateArticle",
    destroy="deleteArticle",
    pagination_class=ArticleWebsocketPagination,
)
#: StreamedPaginatedListMixin: one list, every page under its request_id; list_cancel stops it.
dcrf_streamed_articles = Resource(list="articles", pagination_class=ArticleWebsocketPagination, stream=True)


class DcrfConsumer(ActionConsumer):
    """DCRF's dialect on the example's schema; each subclass is one URL's consumer."""

    dialect = "djangochannelsrestframework"
    schema = schema


class BookConsumer(DcrfConsumer):
    routepatterns = [path("", dcrf_books)]


class ArticleConsumer(DcrfConsumer):
    routepatterns = [path("", dcrf_articles)]


class StreamedArticleConsumer(DcrfConsumer):
    routepatterns = [path("", dcrf_streamed_articles)]


class MultiplexedConsumer(DcrfConsumer):
    """The three on one socket, as channelsmultiplexer served them: ``{"stream": "books", "payload": {...}}``."""

    routepatterns = [
        path("books", dcrf_books),
        path("articles", dcrf_articles),
        path("streamed_articles", dcrf_streamed_articles),
    ]


#: The DCRF endpoints of the example, by URL.
DCRF_CONSUMERS = {
    "ws/books/": BookConsumer,
    "ws/articles/": ArticleConsumer,
    "ws/articles/stream/": StreamedArticleConsumer,
    "ws/multiplex/": MultiplexedConsumer,
}
