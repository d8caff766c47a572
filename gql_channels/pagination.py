"""Legacy pagination styles on top of GraphQL list fields, with DRF's names and semantics.

A style turns the route's query parameters into a window (offset, limit), lets the
binding fetch that window through the generated GraphQL operation, and builds the
legacy ``{count, next, previous, results}`` with ``next``/``previous`` as *routes*.
Links come from what the schema answered (``totalCount``, the applied ``limit``),
not from what was asked: strawberry-django caps limits.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import ImproperlyConfigured
from strawberry_django.settings import strawberry_django_settings

from .exceptions import NotFound
from .settings import gql_channels_settings

QueryParams = Mapping[str, Sequence[str]]


@dataclass(frozen=True, slots=True)
class Page:
    """One window of a list field, as the schema returned it."""

    count: int
    offset: int
    #: The limit the schema applied (``pageInfo.limit``), ``None`` when unlimited.
    limit: int | None
    results: list[Any]


#: ``fetch(offset, limit)`` runs the list operation for one window.
Fetch = Callable[[int, int], Awaitable[Page]]


def build_route(path: str, params: QueryParams) -> str:
    """``path?query`` with the parameters sorted by key, like DRF's link helpers."""
    query = urlencode(sorted(params.items()), doseq=True)
    return f"{path}?{query}" if query else path


def replace_query_param(path: str, params: QueryParams, key: str, value: object) -> str:
    return build_route(path, {**params, key: [str(value)]})


def remove_query_param(path: str, params: QueryParams, key: str) -> str:
    return build_route(path, {k: v for k, v in params.items() if k != key})


def _positive_int(value: str, *, strict: bool = False, cutoff: int | None = None) -> int:
    """DRF's ``_positive_int``: ``ValueError`` for negatives (and 0 when ``strict``)."""
    number = int(value)
    if number < 0 or (number == 0 and strict):
        raise ValueError(value)
    return min(number, cutoff) if cutoff else number


def schema_limit_cap() -> int | None:
    """The most rows strawberry-django lets one page return (``PAGINATION_MAX_LIMIT``)."""
    return strawberry_django_settings()["PAGINATION_MAX_LIMIT"]


class BasePagination:
    """Base of the legacy pagination styles."""

    def check_configuration(self, field_name: str) -> None:
        """Raise ``ImproperlyConfigured`` if the schema could not serve this style's pages."""

    async def paginate(self, fetch: Fetch, path: str, params: QueryParams) -> dict[str, Any]:
        raise NotImplementedError


class PageNumberPagination(BasePagination):
    """Page-number pagination, as DRF's ``PageNumberPagination``.

    ``articles/?page=4`` -> ``{"count": 100, "next": "articles/?page=5",
    "previous": "articles/?page=3", "results": [...]}``; with ``page_size_query_param``
    set, ``articles/?page=4&page_size=20`` picks the page size (up to ``max_page_size``).
    """

    #: Rows per page; ``None`` falls back to ``GQL_CHANNELS["PAGE_SIZE"]``.
    page_size: int | None = None
    #: Query parameter naming the page.
    page_query_param = "page"
    #: Query parameter letting the client pick the page size; ``None`` disables it.
    page_size_query_param: str | None = None
    #: Largest page size a client may pick; ``None`` means the schema's cap.
    max_page_size: int | None = None
    #: Page values meaning "the last page".
    last_page_strings: Sequence[str] = ("last",)
    invalid_page_message = "Invalid page."

    def get_default_page_size(self) -> int:
        page_size = self.page_size or gql_channels_settings()["PAGE_SIZE"]
        if not page_size:
            raise ImproperlyConfigured(
                f"{type(self).__name__} has no page_size: set it on the class or "
                "set GQL_CHANNELS['PAGE_SIZE']."
            )
        return page_size

    def check_configuration(self, field_name: str) -> None:
        page_size = self.get_default_page_size()
        cap = schema_limit_cap()
        if cap is None:
            return
        for name, value in (
            ("page_size", page_size),
            ("max_page_size", self.max_page_size),
        ):
            if value is not None and value > cap:
                raise ImproperlyConfigured(
                    f"{type(self).__name__}.{name} = {value} exceeds the {cap} rows that "
                    f"strawberry-django lets `{field_name}` return "
                    "(STRAWBERRY_DJANGO['PAGINATION_MAX_LIMIT']): lower it or raise the cap."
                )

    def get_page_size(self, params: QueryParams) -> int:
        cutoff = self.max_page_size or schema_limit_cap()
        if self.page_size_query_param and self.page_size_query_param in params:
            try:
                return _positive_int(
                    params[self.page_size_query_param][-1], strict=True, cutoff=cutoff
                )
            except ValueError:
                pass
        return self.get_default_page_size()

    async def paginate(self, fetch: Fetch, path: str, params: QueryParams) -> dict[str, Any]:
        page_size = self.get_page_size(params)
        raw = params.get(self.page_query_param, ["1"])[-1]
        if raw in self.last_page_strings:
            probe = await fetch(0, 0)
            number = max(1, math.ceil(probe.count / page_size))
        else:
            try:
                number = int(raw)
            except ValueError:
                raise NotFound(self.invalid_page_message) from None
            if number < 1:
                raise NotFound(self.invalid_page_message)
        page = await fetch((number - 1) * page_size, page_size)
        num_pages = max(1, math.ceil(page.count / (page.limit or page_size)))
        if number > num_pages:
            raise NotFound(self.invalid_page_message)
        return {
            "count": page.count,
            "next": self.get_next_link(path, params, number, num_pages),
            "previous": self.get_previous_link(path, params, number),
            "results": page.results,
        }

    def get_next_link(self, path: str, params: QueryParams, number: int, num_pages: int) -> str | None:
        if number >= num_pages:
            return None
        return replace_query_param(path, params, self.page_query_param, number + 1)

    def get_previous_link(self, path: str, params: QueryParams, number: int) -> str | None:
        if number <= 1:
            return None
        if number == 2:
            return remove_query_param(path, params, self.page_query_param)
        return replace_query_param(path, params, self.page_query_param, number - 1)
