"""The app's djangochannelsrestframework consumers, one per URL, every mixin used once at least."""

from __future__ import annotations

from djangochannelsrestframework import permissions
from djangochannelsrestframework.decorators import action
from djangochannelsrestframework.generics import GenericAsyncAPIConsumer
from djangochannelsrestframework.mixins import (
    CreateModelMixin,
    DeleteModelMixin,
    ListModelMixin,
    PaginatedModelListMixin,
    PatchModelMixin,
    RetrieveModelMixin,
    StreamedPaginatedListMixin,
    UpdateModelMixin,
)
from djangochannelsrestframework.observer.generics import ObserverModelInstanceMixin
from djangochannelsrestframework.pagination import WebsocketLimitOffsetPagination
from rest_framework.permissions import IsAuthenticatedOrReadOnly

from .models import Author, Book, Tag
from .serializers import AuthorSerializer, BookSerializer, TagSerializer


class TagPagination(WebsocketLimitOffsetPagination):
    default_limit = 2
    max_limit = 5


class BookPagination(WebsocketLimitOffsetPagination):
    default_limit = 3
    max_limit = 10


class BookConsumer(
    ListModelMixin,
    RetrieveModelMixin,
    CreateModelMixin,
    UpdateModelMixin,
    PatchModelMixin,
    DeleteModelMixin,
    GenericAsyncAPIConsumer,
):
    """Every book action; reading is open, writing (and publishing) needs a login."""

    queryset = Book.objects.all()
    serializer_class = BookSerializer
    permission_classes = (IsAuthenticatedOrReadOnly,)

    @action()
    def publish(self, pk, **kwargs):
        book = self.get_object(pk=pk)
        book.published = True
        book.save(update_fields=["published"])
        return {"pk": book.pk, "published": True}, 200


class TagConsumer(
    PaginatedModelListMixin,
    RetrieveModelMixin,
    CreateModelMixin,
    UpdateModelMixin,
    PatchModelMixin,
    DeleteModelMixin,
    GenericAsyncAPIConsumer,
):
    """Tags by their slug, listed a page at a time ({"action": "list", "limit": 2, "offset": 2})."""

    queryset = Tag.objects.all()
    serializer_class = TagSerializer
    pagination_class = TagPagination


class StreamedBookConsumer(StreamedPaginatedListMixin, GenericAsyncAPIConsumer):
    """Every book, page after page under one request_id; signed-in users only."""

    queryset = Book.objects.all()
    serializer_class = BookSerializer
    pagination_class = BookPagination
    permission_classes = (permissions.IsAuthenticated,)


class AuthorConsumer(ObserverModelInstanceMixin, ListModelMixin, CreateModelMixin, GenericAsyncAPIConsumer):
    """Authors, and subscriptions to one author's changes (subscribe_instance)."""

    queryset = Author.objects.all()
    serializer_class = AuthorSerializer
