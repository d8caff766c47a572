"""Resolve a legacy ``route`` string against Django ``path()``/``re_path()`` entries.

The old library matched prefixes, so the first listed pattern could shadow a detail route.
Here the path part is resolved by Django's own ``URLResolver`` (full match, ``include()``
works), the query string is parsed once, and a ``#fragment`` is dropped.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from django.urls import Resolver404, URLPattern, URLResolver
from django.urls.resolvers import RegexPattern
from django.utils.regex_helper import normalize


@dataclass(frozen=True, slots=True)
class RouteMatch:
    """What a route resolved to: the ``Resource`` plus everything the client put in the route."""

    resource: Any
    #: The pattern that matched, as written (``books/<str:pk>/``), include() prefixes joined.
    pattern: str
    #: The path part exactly as sent: links are built on it.
    path: str
    kwargs: dict[str, Any]
    #: Query parameters, blank values dropped, each key's values in order sent.
    query_params: dict[str, list[str]]


def split_route(route: str) -> tuple[str, str]:
    """Split ``route`` into its path and query string, dropping any fragment."""
    route = route.partition("#")[0]
    path, _, query = route.partition("?")
    return path, query


class RouteTable:
    """A ``routepatterns`` list, resolvable like a URLconf.

    ``lookups`` maps a route (as ``RouteEntry.route`` writes it) whose only capture is not its
    resource's ``lookup_url_kwarg`` to ``(capture, lookup_url_kwarg)``: ``products/<uuid>/`` then
    matches with ``uuid`` also given as ``pk``, so its resource serves the detail actions there.
    """

    def __init__(
        self, routepatterns: Sequence[URLPattern | URLResolver], lookups: Mapping[str, tuple[str, str]] | None = None
    ) -> None:
        self.routepatterns = list(routepatterns)
        self.lookups = dict(lookups or {})
        self._resolver = URLResolver(RegexPattern(r"^"), self.routepatterns)

    def resolve(self, route: str) -> RouteMatch | None:
        """Return the match for ``route``, or ``None`` when no pattern matches its path."""
        path, query = split_route(route)
        try:
            match = self._resolver.resolve(path)
        except Resolver404:
            return None
        kwargs = match.kwargs
        if match.route in self.lookups:
            capture, lookup = self.lookups[match.route]
            kwargs = {**kwargs, lookup: kwargs[capture]}
        return RouteMatch(
            resource=match.func,
            pattern=match.route,
            path=path,
            kwargs=kwargs,
            query_params=parse_qs(query),
        )

    def reverse(self, resource: Any, **kwargs: Any) -> str | None:
        """The route of ``resource`` for ``kwargs`` (an object's detail route, for pushed events)."""
        for entry in _entries(self.routepatterns, "", frozenset()):
            values = dict(kwargs)
            if entry.route in self.lookups:  # the route's own capture, not the lookup it is served as
                capture, lookup = self.lookups[entry.route]
                values = {capture: values.pop(lookup), **values} if lookup in values else values
            if entry.resource is not resource or entry.captures != set(values):
                continue
            for template, params in normalize(entry.regex):
                if set(params) == set(values):
                    route = template % {
                        k: entry.converters[k].to_url(v) if k in entry.converters else str(v) for k, v in values.items()
                    }
                    match = self.resolve(route)
                    if match is not None and match.resource is resource:
                        return route
        return None

    def entries(self) -> list[RouteEntry]:
        """Every pattern in the table, ``include()``d ones too, in declaration order (a route in
        ``lookups`` captures its lookup too)."""
        entries = _entries(self.routepatterns, "", frozenset())
        return [
            dataclasses.replace(entry, captures=entry.captures | {self.lookups[entry.route][1]})
            if entry.route in self.lookups else entry
            for entry in entries
        ]


@dataclass(frozen=True, slots=True)
class RouteEntry:
    """One pattern of the table: its full route text, the kwargs it captures, its callback."""

    route: str
    captures: frozenset[str]
    resource: Any
    #: The regex of the whole route (include() prefixes joined), to build routes back from kwargs.
    regex: str
    converters: dict[str, Any]


def ends_with_capture(entry: RouteEntry, capture: str) -> bool:
    """Whether ``capture`` is the route's last part (``products/<uuid>/``): a detail route's key,
    not a parent's (``shops/<shop>/products/``)."""
    return any(template.rstrip("/").endswith(f"%({capture})s") for template, _ in normalize(entry.regex))


def _captures(pattern: Any) -> frozenset[str]:
    if isinstance(pattern, RegexPattern):
        return frozenset(pattern.regex.groupindex)
    return frozenset(getattr(pattern, "converters", {}))


def _entries(
    patterns: Sequence[URLPattern | URLResolver],
    prefix: str,
    captured: frozenset[str],
    regex: str = "",
    converters: dict[str, Any] | None = None,
) -> Iterator[RouteEntry]:
    for entry in patterns:
        route = prefix + str(entry.pattern)
        captures = captured | _captures(entry.pattern)
        joined = regex + entry.pattern.regex.pattern.lstrip("^")
        known = {**(converters or {}), **getattr(entry.pattern, "converters", {})}
        if isinstance(entry, URLResolver):
            yield from _entries(entry.url_patterns, route, captures, joined, known)
        else:
            yield RouteEntry(route, captures, entry.callback, joined, known)
