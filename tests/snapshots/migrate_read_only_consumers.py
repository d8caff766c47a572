"""gql_channels consumers replacing the old ones, written by ``manage.py gql_channels_migrate``.

- ReadOnlyConsumer: tests.test_migrate.ReadOnlyConsumer (rest_framework_channels)

Each keeps its old class name, routes and dialect: mount it where the old one was mounted
(``Consumer.as_asgi()``). Code to own: edit it freely; ``manage.py gql_channels_compare`` replays
recorded messages through the old and the new consumer and shows every difference.

To do (not translated):

- nothing: every route, handler and permission was translated.
"""

from __future__ import annotations

from django.urls import path
from gql_channels import ActionConsumer, Resource
from gql_channels.pagination import LimitOffsetPagination

from .schema import schema


class ItemPagination(LimitOffsetPagination):
    """tests.test_migrate.ItemPagination, with its attributes."""

    default_limit = 5
    max_limit = 20


# tests.test_migrate.ReadOnlyConsumerList: create, list.
read_only_consumer_list = Resource(
    list="bookReadOnlies",
    create="createBookReadOnly",
    pagination_class=ItemPagination,
)


# tests.test_migrate.ReadOnlyConsumerDetail: destroy, partial_update, retrieve, update.
# create= only tells update which fields are required: it is not served on routes
# capturing `pk`, the only routes this resource is on.
read_only_consumer_detail = Resource(
    retrieve="bookReadOnly",
    destroy="deleteBookReadOnly",
    update="updateBookReadOnly",
    create="createBookReadOnly",
)


class ReadOnlyConsumer(ActionConsumer):
    """tests.test_migrate.ReadOnlyConsumer, served from the GraphQL schema."""

    schema = schema
    routepatterns = [
        path("items/", read_only_consumer_list),
        path("items/<int:pk>/", read_only_consumer_detail),
    ]
