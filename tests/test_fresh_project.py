"""What a team adopting gql_channels in a project of its own hits: keys not named ``id``, routes not capturing
``pk``, detail-only resources, an ``update`` without a ``create`` (issue 13, items 2 to 5).

Each test builds the routes it needs, as the team's consumer would declare them.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import path, re_path

from gql_channels import ActionConsumer, Resource
from gql_channels.pagination import PageNumberPagination
from gql_channels.testing import ActionCommunicator
from tests.drf_app.models import Gadget, Product, Sample
from tests.drf_app.schema import schema

pytestmark = pytest.mark.django_db(transaction=True)

REQUIRED = ["This field is required."]


class Pages(PageNumberPagination):
    page_size = 10


def app(*routes: Any) -> Any:
    return ActionConsumer.as_asgi(schema=schema, routepatterns=list(routes))


@pytest.fixture
async def connect() -> AsyncIterator[Any]:
    opened: list[ActionCommunicator] = []

    async def open_on(*routes: Any) -> ActionCommunicator:
        opened.append(await ActionCommunicator(app(*routes), "/ws/").__aenter__())
        return opened[-1]

    yield open_on
    for client in opened:
        await client.disconnect()


async def sample() -> Sample:
    created = datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC)
    return await Sample.objects.acreate(label="x", count=1, price=decimal.Decimal("1.00"), created=created)


async def test_a_route_capturing_its_key_by_another_name_serves_the_detail_actions(connect) -> None:
    """Item 2: ``re_path(r"gadgets/(?P<uid>...)/$")`` for a resource looking objects up by ``pk``."""
    from django.urls import include

    gadgets = Resource(list="gadgets", retrieve="gadget", pagination_class=Pages)
    client = await connect(
        re_path(r"gadgets/(?P<uid>[-\w]+)/$", gadgets),
        path("v2/", include([re_path(r"^gadgets/(?P<key>[-\w]+)/$", gadgets)])),
    )
    gadget = await Gadget.objects.acreate(name="lamp")
    for route in (f"gadgets/{gadget.uid}/", f"v2/gadgets/{gadget.uid}/"):
        assert (await client.request("retrieve", route))["data"] == {"uid": str(gadget.uid), "name": "lamp"}
        assert (await client.request("list", route))["status"] == 405  # not the whole list, paged under that route
    assert (await client.request("retrieve", f"gadgets/{uuid.uuid4()}/"))["status"] == 404


def test_a_route_whose_captures_cannot_be_the_lookup_fails_when_the_class_is_built() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"captures `shop`, `uid`.*lookup_url_kwarg='uid'"):
        app(re_path(r"^shops/(?P<shop>\w+)/gadgets/(?P<uid>[-\w]+)/$", Resource(retrieve="gadget")))
    with pytest.raises(ImproperlyConfigured, match=r"Route 'shops/<str:shop>/gadgets/' captures `shop`"):
        app(path("shops/<str:shop>/gadgets/", Resource(list="gadgets", pagination_class=Pages)))


async def test_updates_and_deletes_carry_the_key_strawberry_django_reads(connect) -> None:
    """Item 3: ``mutations.update(GadgetPartial, key_attr="uid")``: the route's key goes into ``uid``."""
    client = await connect(path("gadgets/<str:pk>/", Resource(retrieve="gadget", update="updateGadget", destroy="deleteGadget")))
    gadget = await Gadget.objects.acreate(name="lamp")
    reply = await client.request("update", f"gadgets/{gadget.uid}/", {"name": "chair"})
    assert reply["status"] == 200 and reply["data"] == {"uid": str(gadget.uid), "name": "chair"}
    assert (await client.request("update", f"gadgets/{uuid.uuid4()}/", {"name": "x"}))["status"] == 404
    assert (await client.request("update", "gadgets/not-a-uuid/", {"name": "x"}))["status"] == 404
    assert (await client.request("destroy", f"gadgets/{gadget.uid}/"))["status"] == 204
    assert not await Gadget.objects.filter(uid=gadget.uid).aexists()


async def test_a_detail_only_resource_needs_no_pagination_class(connect) -> None:
    """Item 4: ``Resource.for_type`` on a detail route alone; its paginated list field is never served there."""
    client = await connect(re_path(r"^samples/(?P<pk>\d+)/$", Resource.for_type("SampleType")))
    row = await sample()
    assert (await client.request("retrieve", f"samples/{row.pk}/"))["data"]["label"] == "x"
    assert (await client.request("partial_update", f"samples/{row.pk}/", {"label": "y"}))["data"]["label"] == "y"
    with pytest.raises(ImproperlyConfigured, match="is paginated: set pagination_class"):
        app(path("samples/", Resource.for_type("SampleType")))


async def test_update_without_create_requires_what_model_serializer_required(connect) -> None:
    """Item 5: an ``update`` over a partial input, no ``create`` beside it: the model says what a full write needs."""
    client = await connect(re_path(r"^samples/(?P<pk>\d+)/$", Resource(retrieve="sample", update="updateSample")))
    row = await sample()
    reply = await client.request("update", f"samples/{row.pk}/", {"label": "y"})
    assert reply["status"] == 400
    assert reply["errors"] == [{"count": REQUIRED, "price": REQUIRED, "created": REQUIRED}]
    partial = await client.request("update", f"samples/{row.pk}/", {"label": "y"}, partial=True)
    assert partial["status"] == 200 and partial["data"]["label"] == "y"


async def test_a_slug_key_is_required_on_update_as_model_serializer_required_it(connect) -> None:
    """An editable primary key without a default is a required field of ``ModelSerializer``; a UUID one with a default is not."""
    client = await connect(
        re_path(r"^products/(?P<slug>[-\w]+)/$", Resource(retrieve="product", update="updateProduct")),
        path("gadgets/<str:pk>/", Resource(retrieve="gadget", update="updateGadget")),
    )
    await Product.objects.acreate(slug="tea", title="Tea", content="Green")
    reply = await client.request("update", "products/tea/", {"title": "x"})
    assert reply["status"] == 400 and reply["errors"] == [{"slug": REQUIRED, "content": REQUIRED}]
    full = await client.request("update", "products/tea/", {"slug": "tea", "title": "Tea", "content": "Black"})
    assert full["data"] == {"slug": "tea", "title": "Tea", "content": "Black"}
    gadget = await Gadget.objects.acreate(name="lamp")
    assert (await client.request("update", f"gadgets/{gadget.uid}/", {}))["errors"] == [{"name": REQUIRED}]


async def test_a_subscription_by_the_models_own_key_name(connect) -> None:
    """Item 3 for subscriptions: ``gadgetChanged(uid:)`` on a route capturing ``uid``; the event after the reply."""
    client = await connect(
        re_path(r"^gadgets/(?P<uid>[-\w]+)/$", Resource(retrieve="gadget", update="updateGadget", subscribe="gadgetChanged"))
    )
    gadget = await Gadget.objects.acreate(name="lamp")
    route = f"gadgets/{gadget.uid}/"
    assert (await client.request("subscribe", route, request_id=1))["status"] == 201
    assert (await client.request("partial_update", route, {"name": "chair"}))["status"] == 200
    event = await client.receive_json_from(timeout=30)
    assert event["data"] == {"uid": str(gadget.uid), "name": "chair"} and event["route"] == route
