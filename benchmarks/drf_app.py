"""The rest_framework_channels 0.0.7 contender of benchmarks/legacy_vs_drf.py: the seed page, as written for it.

Benchmark-only code (the library and the example never import it). The equivalent of
``example_project.consumers.LegacyConsumer`` for the routes the benchmark sends:

- ``test_child_route/``: ``list``, paginated by ``ArticlePagination`` (DRF's ``PageNumberPagination``,
  page_size 10, ``page_size`` query parameter, max 100), exactly as on the seed page;
- ``test_child_route/<pk>/``: ``retrieve``;
- ``articles/``: ``create``;

all rendered by ``ModelSerializer(fields="__all__")``. rest_framework_channels matches routes by
prefix, first pattern first, so the detail route is listed before the list route (the other way
round the list handler would shadow it).

``application`` serves the consumer at ``/ws/`` behind Channels' ``AuthMiddlewareStack``, like the
gql_channels server it is compared with:

    DJANGO_SETTINGS_MODULE=benchmarks.bench_settings python -m uvicorn benchmarks.drf_app:application

With ``GQL_CHANNELS_RECORD=legacy.jsonl`` it records the frames its clients send
(``gql_channels.recording.RecordingMiddleware``), for ``manage.py gql_channels_compare`` to replay:
the README's "Migrating an existing consumer" walks through it.
"""

from __future__ import annotations

import logging
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.bench_settings")
django_application = get_asgi_application()  # django.setup(): models and DRF importable below

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path, re_path  # noqa: E402
from rest_framework import serializers  # noqa: E402
from rest_framework.pagination import PageNumberPagination  # noqa: E402
from rest_framework_channels import generics  # noqa: E402
from rest_framework_channels.consumers import AsyncAPIConsumer  # noqa: E402

from example_project.demo.models import Article  # noqa: E402

# rest_framework_channels logs two INFO lines per message to its own stderr handler; gql_channels
# logs nothing per message. Silenced so that neither console I/O nor a flooded terminal is measured.
logging.getLogger("rest_framework_channels").setLevel(logging.WARNING)


class ArticleSerializer(serializers.ModelSerializer):
    class Meta:
        model = Article
        fields = "__all__"


class ArticlePagination(PageNumberPagination):
    page_size = 10
    page_size_query_param = "page_size"
    max_page_size = 100


class ArticleListHandler(generics.ListAPIActionHandler):
    serializer_class = ArticleSerializer
    queryset = Article.objects.all()
    pagination_class = ArticlePagination


class ArticleRetrieveHandler(generics.RetrieveAPIActionHandler):
    serializer_class = ArticleSerializer
    queryset = Article.objects.all()


class ArticleCreateHandler(generics.CreateAPIActionHandler):
    serializer_class = ArticleSerializer
    queryset = Article.objects.all()


class DrfConsumer(AsyncAPIConsumer):
    routepatterns = [
        re_path(r"^test_child_route/(?P<pk>[-\w]+)/$", ArticleRetrieveHandler.as_aaah()),
        path("test_child_route/", ArticleListHandler.as_aaah()),
        path("articles/", ArticleCreateHandler.as_aaah()),
    ]


websocket_application = DrfConsumer.as_asgi()
if os.environ.get("GQL_CHANNELS_RECORD"):
    from gql_channels.recording import RecordingMiddleware  # noqa: E402

    websocket_application = RecordingMiddleware(websocket_application, path=os.environ["GQL_CHANNELS_RECORD"])

application = ProtocolTypeRouter(
    {
        "http": django_application,
        "websocket": AuthMiddlewareStack(URLRouter([re_path(r"^ws/?$", websocket_application)])),
    }
)
