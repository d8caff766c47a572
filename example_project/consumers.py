"""The example's legacy consumer: the seed page's routes, now served from the GraphQL schema."""

from __future__ import annotations

from django.urls import path, re_path

from gql_channels import ActionConsumer, Resource
from gql_channels.pagination import PageNumberPagination
from schema import schema


class ArticlePagination(PageNumberPagination):
    page_size = 10
    page_size_query_param = "page_size"
    max_page_size = 100


class LegacyConsumer(ActionConsumer):
    schema = schema
    routepatterns = [
        path("test_child_route/", Resource(list="articles", pagination_class=ArticlePagination)),
        re_path(r"^test_child_route/(?P<pk>[-\w]+)/$", Resource(retrieve="article")),
        path("books/", Resource.for_type("BookType", pagination_class=ArticlePagination)),
        path("books/<str:pk>/", Resource.for_type("BookType", pagination_class=ArticlePagination)),
        path("authors/", Resource.for_type("AuthorType")),
        path("authors/<str:pk>/", Resource.for_type("AuthorType")),
    ]
