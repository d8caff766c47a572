"""The server of benchmarks/slow_query.py: the example, plus one message whose resolver takes its time on PostgreSQL.

Benchmark-only code. One process serves:

- everything the example serves (``example_project.asgi:application``): the 20 reading connections
  send ``retrieve`` s of ``test_child_route/<pk>/`` to the example's ``LegacyConsumer`` at ``/ws/``;
- ``/ws/slow/``: ``SlowConsumer``, an ``ActionConsumer`` whose custom action ``report``
  (``Action("slow")``) runs ``SELECT pg_sleep(seconds)`` in a resolver (as ``tests/test_db.py`` does):
  ``{"action": "report", "route": "slow/1/", "data": {"seconds": 2}}``. Its database work runs where
  every legacy message's does (``gql_channels.db``: the process's pool of threads, or Channels'
  shared thread with ``DATABASE_THREADS`` 0), so it competes with the example's messages as a slow
  report of the example's own schema would;
- ``/ws/rfc/``: rest_framework_channels' consumer of ``benchmarks/drf_app.py`` plus a ``report``
  action doing the same ``pg_sleep`` (``@async_action``: Channels' shared thread, as all of it).

    DATABASE_URL=postgres://... BENCH_DATABASE_THREADS=8 python -m uvicorn benchmarks.slow_app:application
"""

from __future__ import annotations

import os
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.bench_settings")

from example_project.asgi import application as example_application  # first: it sets Django up

# isort: split
import strawberry
import strawberry_django
from channels.auth import AuthMiddlewareStack
from django.db import connection
from django.urls import path, re_path
from rest_framework import status
from rest_framework_channels import generics
from rest_framework_channels.decorators import async_action

from benchmarks.drf_app import ArticleSerializer, DrfConsumer
from example_project.demo.models import Article
from gql_channels import Action, ActionConsumer, Resource


def pg_sleep(seconds: float) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(%s)", [seconds])


@strawberry_django.type(Article)
class ArticleType:
    id: strawberry.auto
    title: strawberry.auto


@strawberry.type
class Query:
    article: ArticleType = strawberry_django.field()

    @strawberry.field
    def slow(self, seconds: float) -> bool:
        """A query the database takes its time over (a report, a lock wait)."""
        pg_sleep(seconds)
        return True


class SlowConsumer(ActionConsumer):
    schema = strawberry.Schema(query=Query)
    routepatterns = [path("slow/<str:pk>/", Resource(retrieve="article", actions={"report": Action("slow")}))]


class SlowHandler(generics.GenericAsyncAPIActionHandler):
    serializer_class = ArticleSerializer
    queryset = Article.objects.all()

    @async_action()
    def report(self, data: Any, *args: Any, **kwargs: Any) -> tuple[bool, int]:
        pg_sleep(float(data["seconds"]))
        return True, status.HTTP_200_OK


class SlowDrfConsumer(DrfConsumer):
    routepatterns = [re_path(r"^slow/(?P<pk>[-\w]+)/$", SlowHandler.as_aaah()), *DrfConsumer.routepatterns]


slow_application = AuthMiddlewareStack(SlowConsumer.as_asgi())
rfc_application = AuthMiddlewareStack(SlowDrfConsumer.as_asgi())


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "websocket" and scope["path"] == "/ws/slow/":
        return await slow_application(scope, receive, send)
    if scope["type"] == "websocket" and scope["path"] == "/ws/rfc/":
        return await rfc_application(scope, receive, send)
    return await example_application(scope, receive, send)
