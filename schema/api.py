"""Build the example's ``strawberry.Schema``, hardened for clients on the internet."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import strawberry
from django.conf import settings
from strawberry.extensions import DisableIntrospection, MaxTokensLimiter, SchemaExtension
from strawberry_django.optimizer import DjangoOptimizerExtension

from gql_channels.extensions import MaskErrors, MaxAliasesLimiter, QueryDepthLimiter

from .types import Mutation, Query, Subscription


def build_schema(*, introspection: bool) -> strawberry.Schema:
    """The schema, with limits on what a direct GraphQL client may ask, and what it is told of failures.

    The legacy binding's own documents are generated, parsed and validated once, and never go
    through these limits (they run from execution on); ``MaskErrors`` leaves their errors alone too.
    gql_channels' depth and alias limiters are Strawberry's, in time linear in the document.
    """
    extensions: list[type[SchemaExtension] | Callable[[], SchemaExtension]] = [
        MaskErrors,  # first: it leaves an operation last, when every error is known
        DjangoOptimizerExtension,
        partial(QueryDepthLimiter, max_depth=10),
        partial(MaxTokensLimiter, max_token_count=2000),
        partial(MaxAliasesLimiter, max_alias_count=30),
    ]
    if not introspection:
        extensions.append(DisableIntrospection)
    return strawberry.Schema(query=Query, mutation=Mutation, subscription=Subscription, extensions=extensions)


schema = build_schema(introspection=getattr(settings, "GRAPHQL_INTROSPECTION", False))
