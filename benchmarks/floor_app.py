"""The consumer floor of benchmarks/legacy_vs_drf.py: a minimal Channels consumer doing the messages' database work directly.

Benchmark-only code. ``FloorConsumer`` answers the three messages the benchmark sends (``list`` of
``test_child_route/?page=N``, ``retrieve`` of ``test_child_route/<pk>/``, ``create`` on ``articles/``)
with the same reply text as gql_channels and rest_framework_channels, doing for each one
``database_sync_to_async`` call (Channels' shared thread) holding the whole of the message's work:
for a list ``count()`` + a ``values()`` slice + ``json.dumps``, for a retrieve one ``values()`` row,
for a create one ``objects.create()``. No routing table, no serializer, no permissions, no
validation beyond what the three messages need: what any consumer would have to spend at least.

``application`` serves it at ``/ws/`` behind Channels' ``AuthMiddlewareStack``, like the others:

    DJANGO_SETTINGS_MODULE=benchmarks.bench_settings python -m uvicorn benchmarks.floor_app:application
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.bench_settings")
django_application = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.db import database_sync_to_async  # noqa: E402
from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import re_path  # noqa: E402

from example_project.demo.models import Article  # noqa: E402

PAGE_SIZE = 10
FIELDS = ("id", "title", "content")
DETAIL = re.compile(r"^test_child_route/(?P<pk>\d+)/$")
LIST = re.compile(r"^test_child_route/\?page=(?P<page>\d+)$")


def _reply(data: Any, action: str, route: str, status: int) -> str:
    return json.dumps({"errors": [], "data": data, "action": action, "route": route, "status": status})


def _list(route: str, page: int) -> str:
    qs = Article.objects.all()
    count = qs.count()
    offset = (page - 1) * PAGE_SIZE
    results = list(qs.values(*FIELDS)[offset : offset + PAGE_SIZE])
    last = (count + PAGE_SIZE - 1) // PAGE_SIZE
    data = {
        "count": count,
        "next": f"test_child_route/?page={page + 1}" if page < last else None,
        "previous": None if page == 1 else "test_child_route/" if page == 2 else f"test_child_route/?page={page - 1}",
        "results": results,
    }
    return _reply(data, "list", route, 200)


def _retrieve(route: str, pk: int) -> str:
    row = Article.objects.filter(pk=pk).values(*FIELDS).first()
    if row is None:
        return json.dumps({"errors": ["Not found."], "data": None, "action": "retrieve", "route": route, "status": 404})
    return _reply(row, "retrieve", route, 200)


def _create(route: str, data: dict[str, Any]) -> str:
    article = Article.objects.create(title=data["title"], content=data["content"])
    return _reply({"id": article.pk, "title": article.title, "content": article.content}, "create", route, 201)


def answer(message: dict[str, Any]) -> str:
    """The reply to one of the benchmark's messages, all of its database work included."""
    action, route = message["action"], message["route"]
    if action == "list" and (match := LIST.match(route)):
        return _list(route, int(match["page"]))
    if action == "retrieve" and (match := DETAIL.match(route)):
        return _retrieve(route, int(match["pk"]))
    if action == "create" and route == "articles/":
        return _create(route, message["data"])
    return json.dumps({"errors": ["Not found."], "data": None, "action": action, "route": route, "status": 404})


class FloorConsumer(AsyncWebsocketConsumer):
    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        message = json.loads(text_data or bytes_data or b"null")
        await self.send(text_data=await database_sync_to_async(answer)(message))


application = ProtocolTypeRouter(
    {
        "http": django_application,
        "websocket": AuthMiddlewareStack(URLRouter([re_path(r"^ws/?$", FloorConsumer.as_asgi())])),
    }
)
