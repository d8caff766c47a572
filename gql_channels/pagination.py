"""Legacy pagination styles on top of GraphQL list fields, with DRF's names and semantics.

A style turns the route's query parameters into a window (offset, limit), lets the
binding fetch that window through the generated GraphQL operation, and builds the
legacy ``{count, next, previous, results}`` with ``next``/``previous`` as *routes*.
Links come from what the schema answered (``totalCount``, the applied ``limit``),
not from what was asked: strawberry-django caps limits.
"""

from __future__ import annotations

import math
from base64 import urlsafe_b64decode, urlsafe_b64encode
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
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


def _hard_limit(size: int) -> int:
    """No page is larger than ``GQL_CHANNELS["MAX_PAGE_SIZE"]``, whatever a class allows."""
    return min(size, gql_channels_settings()["MAX_PAGE_SIZE"])


def _page_size_setting(owner: object) -> int:
    page_size = gql_channels_settings()["PAGE_SIZE"]
    if not page_size:
        raise ImproperlyConfigured(
            f"{type(owner).__name__} has no page size: set page_size (default_limit) on the class or set "
            "GQL_CHANNELS['PAGE_SIZE']."
        )
    return page_size


class BasePagination:
    """Base of the legacy pagination styles."""

    #: The schema's cap on one page of the field served (``bind`` sets it for connections).
    limit_cap: Callable[[], int | None] = staticmethod(schema_limit_cap)

    def bind(self, field_name: str, *, limit_cap: Callable[[], int | None] | None = None) -> None:
        """Attach to the list field it will page through; check the schema can serve the pages."""
        if limit_cap is not None:
            self.limit_cap = limit_cap
        self.check_configuration(field_name)

    def check_configuration(self, field_name: str) -> None:
        """Raise ``ImproperlyConfigured`` if the schema could not serve this style's pages."""

    def _check_cap(self, field_name: str, **sizes: int | None) -> None:
        cap = self.limit_cap()
        for name, value in sizes.items():
            if cap is not None and value is not None and value > cap:
                raise ImproperlyConfigured(
                    f"{type(self).__name__}.{name} = {value} exceeds the {cap} rows that "
                    f"the schema lets `{field_name}` return (strawberry-django's "
                    "PAGINATION_MAX_LIMIT, or relay_max_results for connections): lower it or raise the cap."
                )


class WindowPagination(BasePagination):
    """Styles that page by (offset, limit) windows: served by offset-paginated fields and list connections."""

    async def paginate(self, fetch: Fetch, path: str, params: QueryParams) -> dict[str, Any]:
        raise NotImplementedError


class PageSizeMixin:
    """DRF's page size attributes, shared by page-number and cursor pagination."""

    #: Rows per page; ``None`` falls back to ``GQL_CHANNELS["PAGE_SIZE"]``.
    page_size: int | None = None
    #: Query parameter letting the client pick the page size; ``None`` disables it.
    page_size_query_param: str | None = None
    #: Largest page size a client may pick; ``None`` means the schema's cap.
    max_page_size: int | None = None
    limit_cap: Callable[[], int | None]

    def get_default_page_size(self) -> int:
        return self.page_size or _page_size_setting(self)

    def check_configuration(self, field_name: str) -> None:
        self._check_cap(field_name, page_size=self.get_default_page_size(), max_page_size=self.max_page_size)

    def get_page_size(self, params: QueryParams) -> int:
        cutoff = self.max_page_size or self.limit_cap()
        if self.page_size_query_param and self.page_size_query_param in params:
            try:
                return _hard_limit(_positive_int(params[self.page_size_query_param][-1], strict=True, cutoff=cutoff))
            except ValueError:
                pass
        return _hard_limit(self.get_default_page_size())


class PageNumberPagination(PageSizeMixin, WindowPagination):
    """Page-number pagination, as DRF's ``PageNumberPagination``.

    ``articles/?page=4`` -> ``{"count": 100, "next": "articles/?page=5",
    "previous": "articles/?page=3", "results": [...]}``; with ``page_size_query_param``
    set, ``articles/?page=4&page_size=20`` picks the page size (up to ``max_page_size``).
    """

    #: Query parameter naming the page.
    page_query_param = "page"
    #: Page values meaning "the last page".
    last_page_strings: Sequence[str] = ("last",)
    invalid_page_message = "Invalid page."

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


class LimitOffsetMixin:
    """DRF's limit/offset attributes, shared by the two limit/offset styles."""

    #: Rows when the client asks for none; ``None`` falls back to ``GQL_CHANNELS["PAGE_SIZE"]``.
    default_limit: int | None = None
    limit_query_param = "limit"
    offset_query_param = "offset"
    #: Largest limit a client may ask for; ``None`` means the schema's cap.
    max_limit: int | None = None

    def get_default_limit(self) -> int:
        return self.default_limit or _page_size_setting(self)

    def check_configuration(self, field_name: str) -> None:
        self._check_cap(field_name, default_limit=self.get_default_limit(), max_limit=self.max_limit)
    limit_cap: Callable[[], int | None]
    _check_cap: Callable[..., None]


class LimitOffsetPagination(LimitOffsetMixin, WindowPagination):
    """Limit/offset pagination, as DRF's ``LimitOffsetPagination``.

    ``articles/?limit=5&offset=10`` -> ``{"count": 100, "next": "articles/?limit=5&offset=15",
    "previous": "articles/?limit=5&offset=5", "results": [...]}``.
    """


    def get_limit(self, params: QueryParams) -> int:
        if self.limit_query_param in params:
            try:
                cutoff = self.max_limit or self.limit_cap()
                return _hard_limit(_positive_int(params[self.limit_query_param][-1], strict=True, cutoff=cutoff))
            except ValueError:
                pass
        return _hard_limit(self.get_default_limit())

    def get_offset(self, params: QueryParams) -> int:
        try:
            return _positive_int(params[self.offset_query_param][-1])
        except (KeyError, ValueError):
            return 0

    async def paginate(self, fetch: Fetch, path: str, params: QueryParams) -> dict[str, Any]:
        offset = self.get_offset(params)
        page = await fetch(offset, self.get_limit(params))
        limit = page.limit or self.get_limit(params)
        return {
            "count": page.count,
            "next": self.get_next_link(path, params, offset, limit, page.count),
            "previous": self.get_previous_link(path, params, offset, limit),
            "results": page.results,
        }

    def get_next_link(self, path: str, params: QueryParams, offset: int, limit: int, count: int) -> str | None:
        if offset + limit >= count:
            return None
        params = {**params, self.limit_query_param: [str(limit)]}
        return replace_query_param(path, params, self.offset_query_param, offset + limit)

    def get_previous_link(self, path: str, params: QueryParams, offset: int, limit: int) -> str | None:
        if offset <= 0:
            return None
        params = {**params, self.limit_query_param: [str(limit)]}
        if offset - limit <= 0:
            return remove_query_param(path, params, self.offset_query_param)
        return replace_query_param(path, params, self.offset_query_param, offset - limit)


def _dcrf_int(value: Any) -> int:
    """DCRF read ``limit``/``offset`` with ``int()``: ``"7"`` is 7, ``7.9`` is 7, ``true`` is 1, ``"7.5"`` is not a number.

    ``null`` and lists (which ``int()`` crashed on) are not numbers either.
    """
    if value is None or isinstance(value, list | dict):
        raise ValueError(value)
    if isinstance(value, str) and len(value) > 100:  # what int() would spend time on for nothing
        raise ValueError(value)
    return int(value)


class WebsocketLimitOffsetPagination(LimitOffsetMixin, WindowPagination):
    """djangochannelsrestframework's ``WebsocketLimitOffsetPagination``: ``limit``/``offset`` are message keys.

    ``{"action": "list", "limit": 5, "offset": 10}`` -> ``{"count": 100, "results": [...], "limit": 5,
    "offset": 10}``, no links. A ``limit`` that is not a positive number falls back to ``default_limit``
    and is clamped to ``max_limit``; an ``offset`` that is not a non-negative number is 0.
    """


    def get_limit(self, params: Mapping[str, Any]) -> int:
        try:
            limit = _dcrf_int(params.get(self.limit_query_param))
        except (TypeError, ValueError):
            return _hard_limit(self.get_default_limit())
        cutoff = self.max_limit or self.limit_cap()
        if limit <= 0:
            return _hard_limit(self.get_default_limit())
        return _hard_limit(min(limit, cutoff) if cutoff else limit)

    def get_offset(self, params: Mapping[str, Any]) -> int:
        try:
            return max(0, _dcrf_int(params.get(self.offset_query_param)))
        except (TypeError, ValueError):
            return 0

    async def paginate(self, fetch: Fetch, path: str, params: Mapping[str, Any]) -> dict[str, Any]:
        offset = self.get_offset(params)
        page = await fetch(offset, self.get_limit(params))
        return {"count": page.count, "results": page.results, "limit": page.limit or self.get_limit(params), "offset": offset}

    def next_offset(self, page: Mapping[str, Any]) -> int | None:
        """Where the next page of a streamed list starts; ``None`` after the last (DCRF's ``offset >= count - limit``)."""
        if page["offset"] >= page["count"] - page["limit"]:
            return None
        return page["offset"] + page["limit"]


@dataclass(frozen=True, slots=True)
class CursorPage:
    """One page of a Relay connection, as the schema returned it."""

    results: list[Any]
    start_cursor: str | None
    end_cursor: str | None
    has_next_page: bool
    has_previous_page: bool


class CursorFetch(Protocol):
    """Runs the list operation on a connection: ``first``/``after`` forward, ``last``/``before`` back."""

    async def __call__(
        self, *, first: int | None = None, after: str | None = None, last: int | None = None, before: str | None = None
    ) -> CursorPage: ...


class CursorPagination(PageSizeMixin, BasePagination):
    """Cursor pagination, as DRF's ``CursorPagination``, on a Relay connection field.

    ``articles/`` -> ``{"next": "articles/?cursor=YTpZWEp5...", "previous": null, "results": [...]}``.
    Cursors are opaque to clients; with strawberry-django's ``DjangoCursorConnection`` a deep page
    costs the same as the first (keyset pagination, no OFFSET).
    """

    cursor_query_param = "cursor"
    #: Default ordering (``"-created"`` or a sequence), used when the route sends no ordering.
    ordering: str | Sequence[str] | None = None
    invalid_cursor_message = "Invalid cursor"

    def encode_cursor(self, direction: str, cursor: str) -> str:
        """Wrap a GraphQL cursor with the direction to page in (``a``fter / ``b``efore)."""
        return urlsafe_b64encode(f"{direction}{cursor}".encode()).decode("ascii")

    def decode_cursor(self, value: str) -> tuple[str, str]:
        try:
            text = urlsafe_b64decode(value.encode("ascii")).decode()
        except (ValueError, UnicodeError):
            raise NotFound(self.invalid_cursor_message) from None
        if len(text) < 2 or text[0] not in "ab":
            raise NotFound(self.invalid_cursor_message)
        return text[0], text[1:]

    async def paginate(self, fetch: CursorFetch, path: str, params: QueryParams) -> dict[str, Any]:
        size = self.get_page_size(params)
        sent = params.get(self.cursor_query_param, [None])[-1]
        direction, cursor = self.decode_cursor(sent) if sent else ("a", None)
        if direction == "b":
            page = await fetch(last=size, before=cursor)
            has_next, has_previous = page.end_cursor is not None, page.has_previous_page
        else:
            page = await fetch(first=size, after=cursor)
            has_next, has_previous = page.has_next_page, cursor is not None and page.start_cursor is not None
        return {
            "next": self._link(path, params, "a", page.end_cursor) if has_next else None,
            "previous": self._link(path, params, "b", page.start_cursor) if has_previous else None,
            "results": page.results,
        }

    def _link(self, path: str, params: QueryParams, direction: str, cursor: str | None) -> str | None:
        if cursor is None:
            return None
        return replace_query_param(path, params, self.cursor_query_param, self.encode_cursor(direction, cursor))
