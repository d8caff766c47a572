"""Build the example's schema (Strawberry's, through ``gql_channels.extensions.Schema``), hardened for clients on the internet."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from django.conf import settings
from strawberry.extensions import DisableIntrospection, MaxTokensLimiter, ParserCache, SchemaExtension, ValidationCache
from strawberry_django.optimizer import DjangoOptimizerExtension

from gql_channels.extensions import MaskErrors, MaxAliasesLimiter, QueryDepthLimiter, Schema

from .types import Mutation, Query, Subscription

#: Distinct document texts kept parsed and validated (least recently used ones are dropped).
DOCUMENT_CACHE_SIZE = 256


def build_schema(*, introspection: bool) -> Schema:
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
        # A client repeats its documents: each text is parsed and validated once (bounded LRUs of
        # Strawberry's own; validation is most of a small query's cost).
        partial(ParserCache, maxsize=DOCUMENT_CACHE_SIZE),
        partial(ValidationCache, maxsize=DOCUMENT_CACHE_SIZE),
    ]
    if not introspection:
        extensions.append(DisableIntrospection)
    # gql_channels' Schema logs the client's errors in one line each, without a traceback.
    return Schema(query=Query, mutation=Mutation, subscription=Subscription, extensions=extensions)


schema = build_schema(introspection=getattr(settings, "GRAPHQL_INTROSPECTION", False))
