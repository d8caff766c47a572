"""gql_channels consumers replacing the old ones, written by ``manage.py gql_channels_migrate``.

- ExtraKwargsConsumer: tests.test_migrate.ExtraKwargsConsumer (rest_framework_channels)

Each keeps its old class name, routes and dialect: mount it where the old one was mounted
(``Consumer.as_asgi()``). Code to own: edit it freely; ``manage.py gql_channels_compare`` replays
recorded messages through the old and the new consumer and shows every difference.

To do (not translated):

- BookExtraKwargsSerializer.title: not required on writes (extra_kwargs) where the model requires it; the input requires it (a save without it would fail the model's validation): give the model field a default.
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


# tests.test_migrate.ExtraKwargsConsumerList: create, list.
extra_kwargs_consumer_list = Resource(
    list="bookExtraKwargses",
    create="createBookExtraKwargs",
    pagination_class=ItemPagination,
)


# tests.test_migrate.ExtraKwargsConsumerDetail: destroy, partial_update, retrieve,
# update.
# create= only tells update which fields are required: it is not served on routes
# capturing `pk`, the only routes this resource is on.
extra_kwargs_consumer_detail = Resource(
    retrieve="bookExtraKwargs",
    destroy="deleteBookExtraKwargs",
    update="updateBookExtraKwargs",
    create="createBookExtraKwargs",
)


class ExtraKwargsConsumer(ActionConsumer):
    """tests.test_migrate.ExtraKwargsConsumer, served from the GraphQL schema."""

    schema = schema
    routepatterns = [
        path("items/", extra_kwargs_consumer_list),
        path("items/<int:pk>/", extra_kwargs_consumer_detail),
    ]
