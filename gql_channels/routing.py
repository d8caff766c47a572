"""Resolve a legacy ``route`` string against Django ``path()``/``re_path()`` entries.

The old library matched prefixes, so the first listed pattern could shadow a detail route.
Here the path part is resolved by Django's own ``URLResolver`` (full match, ``include()``
works), the query string is parsed once, and a ``#fragment`` is dropped.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Iterator, Mapping, Sequence
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


#: How many reversed routes a table keeps (the objects events were last pushed for).
REVERSED_ROUTES = 4096

#: A resource and the kwargs one of its routes captures (``RouteTable.lookups``).
LookupKey = tuple[int, frozenset[str]]


def lookup_key(resource: Any, captures: Iterable[str]) -> LookupKey:
    """Keyed by what a match tells (its resource and kwargs), not by route text, which ``include()`` rewrites."""
    return id(resource), frozenset(captures)


def split_route(route: str) -> tuple[str, str]:
    """Split ``route`` into its path and query string, dropping any fragment."""
    route = route.partition("#")[0]
    path, _, query = route.partition("?")
    return path, query


class RouteTable:
    """A ``routepatterns`` list, resolvable like a URLconf.

    ``lookups`` maps the routes of a resource capturing a key that is not its ``lookup_url_kwarg``
    (keyed ``lookup_key(resource, captures)``) to ``(capture, lookup_url_kwarg)``: ``products/<uuid>/``
    then matches with ``uuid`` also given as ``pk``, so its resource serves the detail actions there.
    """

    def __init__(
        self, routepatterns: Sequence[URLPattern | URLResolver], lookups: Mapping[LookupKey, tuple[str, str]] | None = None
    ) -> None:
        self.routepatterns = list(routepatterns)
        self.lookups = dict(lookups or {})
        self._resolver = URLResolver(RegexPattern(r"^"), self.routepatterns)
        # Every subscriber of an object is sent the same route with each event: reversed once.
        self._reversed = functools.lru_cache(maxsize=REVERSED_ROUTES)(self._reverse)

    def resolve(self, route: str) -> RouteMatch | None:
        """Return the match for ``route``, or ``None`` when no pattern matches its path."""
        path, query = split_route(route)
        try:
            match = self._resolver.resolve(path)
        except Resolver404:
            return None
        kwargs = match.kwargs
        alias = self.lookups.get(lookup_key(match.func, kwargs))
        if alias is not None:
            capture, lookup = alias
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
        return self._reversed(resource, tuple(sorted(kwargs.items())))

    def _reverse(self, resource: Any, items: tuple[tuple[str, Any], ...]) -> str | None:
        kwargs = dict(items)
        for entry in _entries(self.routepatterns, "", frozenset()):
            values = dict(kwargs)
            alias = self.lookups.get(lookup_key(entry.resource, entry.captures))
            if alias is not None:  # the route's own capture, not the lookup it is served as
                capture, lookup = alias
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
        entries = []
        for entry in _entries(self.routepatterns, "", frozenset()):
            alias = self.lookups.get(lookup_key(entry.resource, entry.captures))
            entries.append(dataclasses.replace(entry, captures=entry.captures | {alias[1]}) if alias else entry)
        return entries


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
