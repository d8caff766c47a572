"""The fresh project's legacy consumer, routed as its old rest_framework_channels one was."""

from __future__ import annotations

from django.urls import path, re_path

from gql_channels import ActionConsumer, Resource
from gql_channels.pagination import PageNumberPagination

from .schema import schema


class Pages(PageNumberPagination):
    page_size = 10


samples = Resource.for_type("SampleType", pagination_class=Pages)


class FreshConsumer(ActionConsumer):
    schema = schema
    routepatterns = [
        path("samples/", samples),
        path("samples/<str:pk>/", samples),
        path("gadgets/", Resource.for_type("GadgetType", pagination_class=Pages)),
        # Detail routes of their own, capturing the key by another name than `pk`, with no pagination class.
        re_path(r"^gadgets/(?P<uid>[-\w]+)/$", Resource.for_type("GadgetType")),
        re_path(r"^products/(?P<slug>[-\w]+)/$", Resource(retrieve="product", update="updateProduct")),
    ]
