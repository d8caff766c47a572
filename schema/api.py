"""Build the example's ``strawberry.Schema``."""

from __future__ import annotations

import strawberry
from strawberry_django.optimizer import DjangoOptimizerExtension

from .types import Mutation, Query, Subscription

schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    extensions=[DjangoOptimizerExtension],
)
