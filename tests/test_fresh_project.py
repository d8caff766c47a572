"""What a team adopting gql_channels in a project of its own hits: keys not named ``id``, routes not capturing
``pk``, detail-only resources, an ``update`` without a ``create`` (issue 13, items 2 to 5)."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import path, re_path

from gql_channels import ActionConsumer, Resource
from gql_channels.testing import ActionCommunicator
from tests.drf_app.consumers import FreshConsumer, Pages
from tests.drf_app.models import Gadget, Product
from tests.drf_app.schema import schema

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def client() -> ActionCommunicator:
    async with ActionCommunicator(FreshConsumer.as_asgi(), "/ws/") as communicator:
        yield communicator


async def test_a_route_capturing_its_key_by_another_name_serves_the_detail_actions(client) -> None:
    gadget = await Gadget.objects.acreate(name="lamp")
    route = f"gadgets/{gadget.uid}/"
    assert (await client.request("retrieve", route))["data"] == {"uid": str(gadget.uid), "name": "lamp"}
    assert (await client.request("list", route))["status"] == 405
    updated = await client.request("partial_update", route, {"name": "desk lamp"})
    assert updated["status"] == 200 and updated["data"] == {"uid": str(gadget.uid), "name": "desk lamp"}
    assert (await client.request("destroy", route))["status"] == 204
    assert not await Gadget.objects.filter(uid=gadget.uid).aexists()
    assert (await client.request("retrieve", route))["status"] == 404


def test_a_route_whose_captures_cannot_be_the_lookup_fails_when_the_class_is_built() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"captures `shop`, `uid`.*lookup_url_kwarg"):

        class Misrouted(ActionConsumer):
            schema = globals()["schema"]
            routepatterns = [re_path(r"^shops/(?P<shop>\w+)/gadgets/(?P<uid>[-\w]+)/$", Resource.for_type("GadgetType"))]

    with pytest.raises(ImproperlyConfigured, match=r"Route 'shops/<str:shop>/gadgets/' captures `shop`"):

        class NestedList(ActionConsumer):
            schema = globals()["schema"]
            routepatterns = [path("shops/<str:shop>/gadgets/", Resource(list="gadgets", pagination_class=Pages))]


def test_a_detail_only_resource_needs_no_pagination_class() -> None:
    app = ActionConsumer.as_asgi(schema=schema, routepatterns=[path("gadgets/<str:pk>/", Resource.for_type("GadgetType"))])
    binding = next(iter(app.consumer_initkwargs["compiled_routes"].bindings.values()))
    assert "list" not in binding.operations and binding.pagination is None
    with pytest.raises(ImproperlyConfigured, match="is paginated: set pagination_class"):
        ActionConsumer.as_asgi(schema=schema, routepatterns=[path("gadgets/", Resource.for_type("GadgetType"))])


async def test_updates_and_deletes_carry_the_key_strawberry_django_reads(client) -> None:
    """``mutations.update(GadgetPartial, key_attr="uid")``: the route's key goes into ``uid``, not ``id``."""
    gadget = await Gadget.objects.acreate(name="lamp")
    reply = await client.request("update", f"gadgets/{gadget.uid}/", {"name": "chair"})
    assert reply["status"] == 200 and reply["data"] == {"uid": str(gadget.uid), "name": "chair"}
    assert (await client.request("update", f"gadgets/{uuid.uuid4()}/", {"name": "x"}))["status"] == 404
    assert (await client.request("update", "gadgets/not-a-uuid/", {"name": "x"}))["status"] == 404


async def test_update_without_create_requires_what_model_serializer_required(client) -> None:
    await Product.objects.acreate(slug="tea", title="Tea", content="Green")
    reply = await client.request("update", "products/tea/", {"title": "x"})
    # An editable primary key without a default is a required field of ModelSerializer too.
    required = ["This field is required."]
    assert reply["status"] == 400 and reply["errors"] == [{"slug": required, "content": required}]
    partial = await client.request("update", "products/tea/", {"title": "x"}, partial=True)
    assert partial["status"] == 200 and partial["data"] == {"slug": "tea", "title": "x", "content": "Green"}
    full = await client.request("update", "products/tea/", {"slug": "tea", "title": "Tea", "content": "Black"})
    assert full["data"] == {"slug": "tea", "title": "Tea", "content": "Black"}
    gadget = await Gadget.objects.acreate(name="lamp")  # a UUID key with a default: not required
    assert (await client.request("update", f"gadgets/{gadget.uid}/", {}))["errors"] == [{"name": required}]
