"""gql_channels consumers replacing the old ones, written by ``manage.py gql_channels_migrate``.

- ExcludeConsumer: tests.test_migrate.ExcludeConsumer (rest_framework_channels)

Each keeps its old class name, routes and dialect: mount it where the old one was mounted
(``Consumer.as_asgi()``). Code to own: edit it freely; ``manage.py gql_channels_compare`` replays
recorded messages through the old and the new consumer and shows every difference.

To do (not translated):

- nothing: every route, handler and permission was translated.
"""

from __future__ import annotations

from django.urls import path, re_path
from gql_channels import ActionConsumer, Resource
from gql_channels.pagination import LimitOffsetPagination

from .schema import schema


class ItemPagination(LimitOffsetPagination):
    """tests.test_migrate.ItemPagination, with its attributes."""

    default_limit = 5
    max_limit = 20


# tests.test_migrate.ExcludeConsumerList: create, list.
exclude_consumer_list = Resource(
    list="bookExcludes",
    create="createBookExclude",
    pagination_class=ItemPagination,
)


# tests.test_migrate.ExcludeConsumerDetail: destroy, partial_update, retrieve, update.
# create= only tells update which fields are required: it is not served on routes
# capturing `pk`, the only routes this resource is on.
exclude_consumer_detail = Resource(
    retrieve="bookExclude",
    destroy="deleteBookExclude",
    update="updateBookExclude",
    create="createBookExclude",
)


# tests.test_migrate.ExcludeConsumerOther0: retrieve.
exclude_consumer_other0 = Resource(retrieve="author")


# tests.test_migrate.ExcludeConsumerOther1: retrieve.
exclude_consumer_other1 = Resource(retrieve="tag")


class ExcludeConsumer(ActionConsumer):
    """tests.test_migrate.ExcludeConsumer, served from the GraphQL schema."""

    schema = schema
    routepatterns = [
        path("items/", exclude_consumer_list),
        path("items/<int:pk>/", exclude_consumer_detail),
        re_path(r"^other0/(?P<pk>\d+)/$", exclude_consumer_other0),
        re_path(r"^other1/(?P<pk>\d+)/$", exclude_consumer_other1),
    ]
