"""The example consumer through Channels' communicator: the contract's sections 1-4 and 7."""

from __future__ import annotations

import pytest

from gql_channels.testing import ActionCommunicator

pytestmark = pytest.mark.django_db(transaction=True)


def ids(reply: dict) -> list[int]:
    return [row["id"] for row in reply["data"]["results"]]


async def test_seed_exchange_page_4(client: ActionCommunicator, articles) -> None:
    reply = await client.request("list", "test_child_route/?page=4")
    first = articles[0].id
    assert list(reply) == ["errors", "data", "action", "route", "status"]
    assert reply["errors"] == [] and reply["status"] == 200
    assert reply["action"] == "list" and reply["route"] == "test_child_route/?page=4"
    assert list(reply["data"]) == ["count", "next", "previous", "results"]
    assert reply["data"]["count"] == 100
    assert reply["data"]["next"] == "test_child_route/?page=5"
    assert reply["data"]["previous"] == "test_child_route/?page=3"
    assert ids(reply) == list(range(first + 30, first + 40))
    assert reply["data"]["results"][0] == {"id": first + 30, "title": "Title31", "content": "Content31"}
    assert all(type(i) is int for i in ids(reply))


async def test_first_second_and_last_pages(client: ActionCommunicator, articles) -> None:
    first = await client.request("list", "test_child_route/")
    assert first["data"]["previous"] is None
    assert first["data"]["next"] == "test_child_route/?page=2"
    assert [r["title"] for r in first["data"]["results"]] == [f"Title{i}" for i in range(1, 11)]
    second = await client.request("list", "test_child_route/?page=2&foo=bar")
    assert second["data"]["previous"] == "test_child_route/?foo=bar"
    assert second["data"]["next"] == "test_child_route/?foo=bar&page=3"
    last = await client.request("list", "test_child_route/?page=last")
    assert last["data"]["next"] is None
    assert last["data"]["previous"] == "test_child_route/?page=9"
    assert last["data"]["results"][-1]["title"] == "Title100"
    page10 = await client.request("list", "test_child_route/?page=10")
    assert page10["data"] == last["data"]


@pytest.mark.parametrize("page", ["0", "-1", "abc", "4.5", "4.0", "11", "999"])
async def test_invalid_pages(client: ActionCommunicator, articles, page: str) -> None:
    reply = await client.request("list", f"test_child_route/?page={page}")
    assert reply == {
        "errors": [{"detail": "Invalid page."}],
        "data": None,
        "action": "list",
        "route": f"test_child_route/?page={page}",
        "status": 404,
    }


async def test_percent_encoded_and_repeated_page(client: ActionCommunicator, articles) -> None:
    reply = await client.request("list", "test_child_route/?page=%34")
    assert reply["data"]["results"][0]["title"] == "Title31"
    reply = await client.request("list", "test_child_route/?page=9&page=2")
    assert reply["data"]["results"][0]["title"] == "Title11"


async def test_empty_list_has_a_valid_first_and_last_page(client: ActionCommunicator) -> None:
    for route in ("test_child_route/", "test_child_route/?page=1", "test_child_route/?page=last"):
        reply = await client.request("list", route)
        assert reply["status"] == 200
        assert reply["data"] == {"count": 0, "next": None, "previous": None, "results": []}
    reply = await client.request("list", "test_child_route/?page=2")
    assert reply["status"] == 404


async def test_page_size_param_is_clamped_and_bad_values_fall_back(client: ActionCommunicator, articles) -> None:
    reply = await client.request("list", "test_child_route/?page_size=25&page=2")
    assert len(reply["data"]["results"]) == 25
    assert reply["data"]["results"][0]["title"] == "Title26"
    assert reply["data"]["next"] == "test_child_route/?page=3&page_size=25"
    reply = await client.request("list", "test_child_route/?page_size=1000")
    assert len(reply["data"]["results"]) == 100 and reply["data"]["next"] is None
    for bad in ("0", "-5", "x", ""):
        reply = await client.request("list", f"test_child_route/?page_size={bad}")
        assert len(reply["data"]["results"]) == 10
    reply = await client.request("list", "test_child_route/?page_size=x&page=2")
    assert reply["data"]["next"] == "test_child_route/?page=3&page_size=x"


async def test_extra_params_sorted_and_reencoded(client: ActionCommunicator, articles) -> None:
    reply = await client.request("list", "test_child_route/?zeta=1&page=3&alpha=2")
    assert reply["data"]["next"] == "test_child_route/?alpha=2&page=4&zeta=1"
    assert reply["data"]["previous"] == "test_child_route/?alpha=2&page=2&zeta=1"
    reply = await client.request("list", "test_child_route/?q=a%20b&page=2&w=été&empty=")
    assert reply["data"]["next"] == "test_child_route/?page=3&q=a+b&w=%C3%A9t%C3%A9"
    assert reply["data"]["previous"] == "test_child_route/?q=a+b&w=%C3%A9t%C3%A9"


async def test_params_do_not_leak_between_messages(client: ActionCommunicator, articles) -> None:
    await client.request("list", "test_child_route/?page=3&page_size=5&x=1")
    reply = await client.request("list", "test_child_route/")
    assert len(reply["data"]["results"]) == 10
    assert reply["data"]["next"] == "test_child_route/?page=2"


async def test_route_echoed_exactly_and_fragment_dropped(client: ActionCommunicator, articles) -> None:
    route = "test_child_route/?page=2#fragment-été"
    reply = await client.request("list", route)
    assert reply["route"] == route
    assert reply["data"]["next"] == "test_child_route/?page=3"


async def test_retrieve_found_and_not_found(client: ActionCommunicator, articles) -> None:
    article = articles[41]
    reply = await client.request("retrieve", f"test_child_route/{article.id}/")
    assert reply == {
        "errors": [],
        "data": {"id": article.id, "title": "Title42", "content": "Content42"},
        "action": "retrieve",
        "route": f"test_child_route/{article.id}/",
        "status": 200,
    }
    for missing in ("999999", "abc", "-1"):
        reply = await client.request("retrieve", f"test_child_route/{missing}/")
        assert reply["status"] == 404
        assert reply["errors"] == [{"detail": "No Article matches the given query."}]
        assert reply["data"] is None


async def test_detail_route_reachable_whatever_the_order(client: ActionCommunicator, articles) -> None:
    reply = await client.request("list", f"test_child_route/{articles[0].id}/")
    assert reply["status"] == 405
    reply = await client.request("retrieve", "test_child_route/")
    assert reply["status"] == 405
    assert reply["errors"] == ['Action "retrieve" not allowed in message body.']


async def test_relations_render_as_pks(client: ActionCommunicator, library) -> None:
    book = library["books"][0]
    reply = await client.request("retrieve", f"books/{book.id}/")
    data = reply["data"]
    assert list(data) == ["id", "title", "pages", "published", "created_at", "author", "tags"]
    assert data["id"] == book.id and data["author"] == library["authors"][0].id
    assert data["tags"] == [t.id for t in library["tags"][:2]]
    assert data["published"] is True and data["pages"] == 183
    listing = await client.request("list", "books/")
    assert listing["data"]["count"] == 3
    assert listing["data"]["results"][2]["tags"] == []


async def test_unpaginated_list_is_a_plain_array(client: ActionCommunicator, library) -> None:
    reply = await client.request("list", "authors/")
    assert reply["data"] == [{"id": a.id, "name": a.name} for a in library["authors"]]


async def test_request_id_echoed_and_other_keys_ignored(client: ActionCommunicator, articles) -> None:
    reply = await client.request("list", "test_child_route/", request_id=7, self="x", pk=3)
    assert list(reply)[-1] == "request_id" and reply["request_id"] == 7
    assert reply["status"] == 200
    reply = await client.request("retrieve", f"test_child_route/{articles[0].id}/", pk=articles[1].id, request_id="abc")
    assert reply["data"]["title"] == "Title1" and reply["request_id"] == "abc"


async def test_empty_route_targets_the_root_resource(transactional_db, articles) -> None:
    from django.urls import path

    from example_project.consumers import ArticlePagination, LegacyConsumer
    from gql_channels import Resource

    app = LegacyConsumer.as_asgi(routepatterns=[path("", Resource(list="articles", pagination_class=ArticlePagination))])
    async with ActionCommunicator(app, "/ws/") as client:
        reply = await client.request("list", "?page=2")
        assert reply["data"]["previous"] == "" and reply["data"]["next"] == "?page=3"
        reply = await client.request("list")
        assert reply["data"]["count"] == 100


BAD_FRAMES = [
    ("not json", None, "", 400),
    ("", None, "", 400),
    ("   ", None, "", 400),
    ("5", None, "", 400),
    ("null", None, "", 400),
    ('"text"', None, "", 400),
    ("[1, 2]", None, "", 400),
    ('{"action": NaN}', None, "", 400),
    ("{" * 5000, None, "", 400),
    ('{"route": "test_child_route/"}', None, "", 404),
    ('{"action": null, "route": "test_child_route/"}', None, "test_child_route/", 400),
    ('{"action": 5, "route": "test_child_route/"}', None, "test_child_route/", 400),
    ('{"action": "list", "route": 5}', "list", "", 400),
    ('{"action": "list", "route": null}', "list", "", 400),
    ('{"action": "nope", "route": "test_child_route/"}', "nope", "test_child_route/", 405),
    ('{"action": "list", "route": "unknown/"}', "list", "unknown/", 405),
    ('{"action": "list"}', "list", "", 405),
]


@pytest.mark.parametrize(("frame", "action", "route", "status"), BAD_FRAMES)
async def test_bad_frames_get_an_envelope_and_the_connection_survives(
    client: ActionCommunicator, articles, frame: str, action, route: str, status: int
) -> None:
    await client.send_input({"type": "websocket.receive", "text": frame})
    reply = await client.receive_json_from()
    assert list(reply) == ["errors", "data", "action", "route", "status"]
    assert (reply["status"], reply["action"], reply["route"], reply["data"]) == (status, action, route, None)
    assert len(reply["errors"]) == 1
    assert "Traceback" not in str(reply)
    if status == 405:
        assert reply["errors"] == [f'Action "{action}" not allowed in message body.']
    elif status == 404:
        assert reply["errors"] == [{"detail": "Unable to find action in message body."}]
    else:
        assert set(reply["errors"][0]) == {"detail"}
    good = await client.request("list", "test_child_route/?page=4")
    assert good["status"] == 200 and good["data"]["count"] == 100


async def test_binary_frame(client: ActionCommunicator, articles) -> None:
    await client.send_to(bytes_data=b'{"action": "list", "route": "test_child_route/"}')
    reply = await client.receive_json_from()
    assert reply["status"] == 400 and reply["action"] is None and reply["route"] == ""
    assert (await client.request("list", "test_child_route/"))["status"] == 200


async def test_unexpected_error_is_a_500_without_traceback(client: ActionCommunicator, articles, monkeypatch, caplog) -> None:
    from example_project.demo.models import Article

    def explode(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(Article.objects.model._meta.pk.__class__, "to_python", explode)
    reply = await client.request("retrieve", f"test_child_route/{articles[0].id}/")
    assert reply["status"] == 500
    assert reply["errors"] == [{"detail": "A server error occurred."}]
    assert "secret" not in str(reply)
    assert "secret internals" in caplog.text
    monkeypatch.undo()
    assert (await client.request("list", "test_child_route/"))["status"] == 200


async def test_can_connect_false_rejects_the_handshake(transactional_db) -> None:
    from django.urls import path

    from gql_channels import ActionConsumer, Resource
    from gql_channels.permissions import BasePermission
    from schema import schema

    class Closed(BasePermission):
        async def can_connect(self, scope) -> bool:
            return False

    class ClosedConsumer(ActionConsumer):
        permission_classes = [Closed]

    app = ClosedConsumer.as_asgi(schema=schema, routepatterns=[path("authors/", Resource(list="authors"))])
    communicator = ActionCommunicator(app, "/ws/")
    connected, _ = await communicator.connect()
    assert not connected
    await communicator.disconnect()


async def test_a_reply_that_cannot_be_sent_is_logged_not_raised(transactional_db, articles, caplog) -> None:
    import asyncio
    import logging

    from example_project.consumers import LegacyConsumer

    class Vanishing(LegacyConsumer):
        async def send_reply(self, reply):
            raise ConnectionError("the socket went away")

    async with ActionCommunicator(Vanishing.as_asgi(), "/ws/") as client:
        with caplog.at_level(logging.DEBUG, logger="gql_channels"):
            await client.send_json_to({"action": "list", "route": "test_child_route/"})
            assert await client.receive_nothing(timeout=0.3)
            await asyncio.sleep(0.05)
        assert "A legacy reply could not be sent" in caplog.text
