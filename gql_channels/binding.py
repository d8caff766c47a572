"""A consumer's route table with its resources bound to one schema: every document generated, parsed and validated.

Built once per consumer class and schema (``ActionConsumer.as_asgi``); the routes tool and the AsyncAPI
document read the same object, so they describe exactly what the consumer serves.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.urls import URLPattern, URLResolver

from .dialects import DIALECTS, Dialect
from .execution import deny_instead_of_failing_silently
from .handlers import BoundResource
from .resources import Resource
from .routing import LookupKey, RouteEntry, RouteTable, ends_with_capture, lookup_key


class CompiledRoutes:
    """A route table whose resources are bound to one schema (documents built and validated).

    A route capturing one key that is not its resource's ``lookup_url_kwarg`` and ends with it
    (``products/(?P<uuid>[-\\w]+)/$`` for a resource looking objects up by ``pk``) serves the detail
    actions with that capture as the lookup. Any other route capturing keys but not the lookup
    would serve ``list`` there, ignoring them: refused when the class is built.
    """

    def __init__(
        self,
        routepatterns: Sequence[URLPattern | URLResolver],
        schema: Any,
        dialect: Dialect = DIALECTS["rest_framework_channels"],
    ) -> None:
        deny_instead_of_failing_silently()
        lookups: dict[LookupKey, tuple[str, str]] = {}
        #: Whether each resource is served on a collection route (only then does ``list`` need planning).
        collection: dict[int, bool] = {}
        for entry in RouteTable(routepatterns).entries():
            resource = entry.resource
            if not isinstance(resource, Resource):
                raise ImproperlyConfigured(f"Route {entry.route!r} must point at a Resource, not {resource!r}.")
            detail = resource.lookup_url_kwarg in entry.captures
            if entry.captures and not detail:
                capture = _lookup_capture(entry, resource, schema)
                if capture is not None:
                    lookups[lookup_key(resource, entry.captures)] = (capture, resource.lookup_url_kwarg)
                    detail = True
            collection[id(resource)] = collection.get(id(resource), False) or not detail
        self.table = RouteTable(routepatterns, lookups)
        self.bindings: dict[int, BoundResource] = {}
        for entry in self.table.entries():
            resource = entry.resource
            if id(resource) not in self.bindings:
                self.bindings[id(resource)] = resource.bind(schema, collection=collection[id(resource)])
            binding = self.bindings[id(resource)]
            # A DCRF message carries its object's key (``pk``): a detail action needs no route capturing it.
            keyed = entry.captures | {resource.lookup_url_kwarg}
            if not binding.actions_for(entry.captures) and not (dialect.keys_in_message and binding.actions_for(keyed)):
                raise ImproperlyConfigured(
                    f"{resource!r} serves no action on route {entry.route!r}: list and create "
                    f"need a route without `{resource.lookup_url_kwarg}`, the other actions a route "
                    "capturing it (see lookup_url_kwarg)."
                )

    def binding(self, resource: Any) -> BoundResource:
        return self.bindings[id(resource)]


def _lookup_capture(entry: RouteEntry, resource: Resource, schema: Any) -> str | None:
    """The capture serving as ``entry``'s lookup, ``None`` for a route of custom actions only; else refused."""
    names = resource.action_names(schema)
    detail = any(names[action] for action in ("retrieve", "update", "destroy")) or resource.subscription_names[True]
    captures = sorted(entry.captures)
    if detail and len(captures) == 1 and ends_with_capture(entry, captures[0]):
        return captures[0]
    if not (detail or names["list"] or names["create"]):
        return None
    lookup = resource.lookup_url_kwarg
    raise ImproperlyConfigured(
        f"Route {entry.route!r} captures {', '.join(f'`{c}`' for c in captures)}, but {resource!r} finds its "
        f"objects by `{lookup}` (lookup_url_kwarg): its list would ignore the capture and its detail actions "
        f"would not be served there. Capture the key as `{lookup}` (`(?P<{lookup}>...)`, `<str:{lookup}>`), "
        f"or pass Resource(..., lookup_url_kwarg={captures[-1]!r})."
    )
