"""The fresh project's strawberry-django schema, written as its README-following team would."""

from __future__ import annotations

import datetime
from collections.abc import AsyncGenerator

import strawberry
import strawberry_django
from django.utils.dateparse import parse_duration
from django.utils.duration import duration_iso_string
from strawberry import auto
from strawberry.schema.config import StrawberryConfig
from strawberry_django.mutations import mutations
from strawberry_django.pagination import OffsetPaginated

from gql_channels.subscriptions import ModelEvent, model_events

from . import models

#: strawberry-django has no scalar for DurationField: an ISO 8601 one, as such teams write.
DURATION = strawberry.scalar(name="Duration", serialize=duration_iso_string, parse_value=parse_duration)


@strawberry_django.type(models.Gadget)
class GadgetType:
    uid: auto
    name: auto


@strawberry_django.type(models.Product)
class ProductType:
    slug: auto
    title: auto
    content: auto


@strawberry_django.type(models.Sample)
class SampleType:
    id: auto
    label: auto
    text: auto
    count: auto
    positive: auto
    flag: auto
    maybe: auto
    price: auto
    ratio: auto
    created: auto
    day: auto
    clock: auto
    span: datetime.timedelta | None
    token: auto
    payload: auto
    size: auto
    level: auto
    note: auto
    gadget: GadgetType | None
    product: ProductType | None
    gadgets: list[GadgetType]


@strawberry_django.input(models.Gadget)
class GadgetInput:
    uid: auto
    name: auto


@strawberry_django.partial(models.Gadget)
class GadgetPartial:
    uid: auto
    name: auto


@strawberry_django.input(models.Product)
class ProductInput:
    slug: auto
    title: auto
    content: auto


@strawberry_django.partial(models.Product)
class ProductPartial:
    slug: auto
    title: auto
    content: auto


@strawberry_django.input(models.Sample)
class SampleInput:
    label: auto
    text: auto
    count: auto
    positive: auto
    flag: auto
    maybe: auto
    price: auto
    ratio: auto
    created: auto
    day: auto
    clock: auto
    span: datetime.timedelta | None = strawberry.UNSET
    token: auto
    payload: auto
    size: auto
    level: auto
    note: auto
    gadget: auto
    product: auto
    gadgets: auto


@strawberry_django.partial(models.Sample)
class SamplePartial(SampleInput):
    id: auto


@strawberry.input
class GadgetKey:
    uid: strawberry.ID


@strawberry.input
class ProductKey:
    slug: strawberry.ID


@strawberry.type
class Query:
    gadgets: OffsetPaginated[GadgetType] = strawberry_django.offset_paginated()
    gadget: GadgetType = strawberry_django.field()
    products: OffsetPaginated[ProductType] = strawberry_django.offset_paginated()
    product: ProductType = strawberry_django.field()
    samples: OffsetPaginated[SampleType] = strawberry_django.offset_paginated()
    sample: SampleType = strawberry_django.field()


@strawberry.type
class Mutation:
    create_gadget: GadgetType = mutations.create(GadgetInput)
    update_gadget: GadgetType = mutations.update(GadgetPartial, key_attr="uid")
    delete_gadget: GadgetType = mutations.delete(GadgetKey, key_attr="uid")
    create_product: ProductType = mutations.create(ProductInput)
    update_product: ProductType = mutations.update(ProductPartial, key_attr="slug")
    delete_product: ProductType = mutations.delete(ProductKey, key_attr="slug")
    create_sample: SampleType = mutations.create(SampleInput)
    update_sample: SampleType = mutations.update(SamplePartial)
    delete_sample: SampleType = mutations.delete(strawberry_django.NodeInput)


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Committed changes of one gadget, by its UUID key.")
    async def gadget_changed(self, info: strawberry.Info, uid: strawberry.ID) -> AsyncGenerator[ModelEvent, None]:
        async for event in model_events(info, models.Gadget, pk=uid, type_=GadgetType):
            yield event


schema = strawberry.Schema(
    query=Query, mutation=Mutation, subscription=Subscription, config=StrawberryConfig(scalar_map={datetime.timedelta: DURATION})
)
