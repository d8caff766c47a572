"""gql_channels consumers replacing the old ones, written by ``manage.py gql_channels_migrate``.

- FieldsConsumer: tests.test_migrate.FieldsConsumer (rest_framework_channels)

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


# tests.test_migrate.FieldsConsumerList: create, list.
fields_consumer_list = Resource(
    list="articleFieldses",
    create="createArticleFields",
    pagination_class=ItemPagination,
    fields=["title", "id"],
)


# tests.test_migrate.FieldsConsumerDetail: destroy, partial_update, retrieve, update.
# create= only tells update which fields are required: it is not served on routes
# capturing `pk`, the only routes this resource is on.
fields_consumer_detail = Resource(
    retrieve="articleFields",
    destroy="deleteArticleFields",
    update="updateArticleFields",
    create="createArticleFields",
    fields=["title", "id"],
)


class FieldsConsumer(ActionConsumer):
    """tests.test_migrate.FieldsConsumer, served from the GraphQL schema."""

    schema = schema
    routepatterns = [
        path("items/", fields_consumer_list),
        path("items/<int:pk>/", fields_consumer_detail),
    ]
