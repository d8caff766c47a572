"""The djangochannelsrestframework 1.3.0 contender: the example's DCRF endpoints, as written for DCRF itself.

Benchmark-only code (the library and the example never import it). The equivalents of
``example_project.consumers.ArticleConsumer`` and ``BookConsumer`` for what the benchmarks send:

- ``DcrfArticleConsumer``: ``PaginatedModelListMixin`` with ``WebsocketLimitOffsetPagination``
  (``default_limit=5``, ``max_limit=50``, as ``ArticleWebsocketPagination``), ``RetrieveModelMixin``,
  ``CreateModelMixin`` on ``ModelSerializer(fields="__all__")`` over ``Article``;
- ``DcrfBookConsumer``: ``ObserverModelInstanceMixin`` (``subscribe_instance``: every change of the
  book is sent to the subscriber, rendered by ``retrieve``) plus ``PatchModelMixin`` for the writer
  of the fan-out benchmark, on ``ModelSerializer(fields="__all__")`` over ``Book``.

``application`` serves them at ``/ws/articles/`` and ``/ws/books/`` behind Channels'
``AuthMiddlewareStack``, as the example serves its own; ``server()`` (``uvicorn --factory``) does the
same in a process of its own, with gql_channels' event publishing turned off there (the example app
is installed for its models, and would otherwise render and publish every book write for nobody):

    DJANGO_SETTINGS_MODULE=benchmarks.bench_settings python -m uvicorn --factory benchmarks.dcrf_app:server
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.bench_settings")
django_application = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.db.models.signals import m2m_changed, post_delete, post_init, post_save, pre_delete  # noqa: E402
from django.urls import path  # noqa: E402
from djangochannelsrestframework.generics import GenericAsyncAPIConsumer  # noqa: E402
from djangochannelsrestframework.mixins import (  # noqa: E402
    CreateModelMixin,
    PaginatedModelListMixin,
    PatchModelMixin,
    RetrieveModelMixin,
)
from djangochannelsrestframework.observer.generics import ObserverModelInstanceMixin  # noqa: E402
from djangochannelsrestframework.pagination import WebsocketLimitOffsetPagination  # noqa: E402
from rest_framework import serializers  # noqa: E402

from example_project.demo.models import Article, Book  # noqa: E402


class ArticleSerializer(serializers.ModelSerializer):
    class Meta:
        model = Article
        fields = "__all__"


class BookSerializer(serializers.ModelSerializer):
    class Meta:
        model = Book
        fields = "__all__"


class ArticleWebsocketPagination(WebsocketLimitOffsetPagination):
    default_limit = 5
    max_limit = 50


class DcrfArticleConsumer(PaginatedModelListMixin, RetrieveModelMixin, CreateModelMixin, GenericAsyncAPIConsumer):
    queryset = Article.objects.all()
    serializer_class = ArticleSerializer
    pagination_class = ArticleWebsocketPagination


class DcrfBookConsumer(ObserverModelInstanceMixin, PatchModelMixin, GenericAsyncAPIConsumer):
    queryset = Book.objects.all()
    serializer_class = BookSerializer


application = ProtocolTypeRouter(
    {
        "http": django_application,
        "websocket": AuthMiddlewareStack(
            URLRouter([path("ws/articles/", DcrfArticleConsumer.as_asgi()), path("ws/books/", DcrfBookConsumer.as_asgi())])
        ),
    }
)

#: gql_channels' receivers of book changes (``example_project.demo.apps``: ``publish_changes``), by signal.
GQL_CHANNELS_UID = "gql_channels.events.demo.book"


def gql_channels_book_receivers() -> list[tuple[Any, Any]]:
    """(signal, sender) of every receiver gql_channels connected for books."""
    through = Book.tags.through
    return [(post_save, Book), (pre_delete, Book), (post_delete, Book), (m2m_changed, through)]


def mute_gql_channels_events() -> None:
    for signal, sender in gql_channels_book_receivers():
        signal.disconnect(sender=sender, dispatch_uid=GQL_CHANNELS_UID)


@contextmanager
def only_gql_channels_events() -> Iterator[None]:
    """Book writes inside the block are observed by gql_channels only (DCRF's observer disconnected)."""
    observer = DcrfBookConsumer.handle_instance_change
    for signal in (post_init, post_save, post_delete):
        signal.disconnect(sender=Book, dispatch_uid=str(id(observer)))
    try:
        yield
    finally:
        observer._connect()


@contextmanager
def only_dcrf_events() -> Iterator[None]:
    """Book writes inside the block are observed by DCRF only (gql_channels' publishing disconnected)."""
    from example_project.demo import apps

    mute_gql_channels_events()
    try:
        yield
    finally:
        apps.book_events.connect()


def server() -> Any:
    """``uvicorn --factory`` target: ``application`` with gql_channels' book events disconnected."""
    mute_gql_channels_events()
    return application
