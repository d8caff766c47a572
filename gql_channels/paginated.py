"""A strawberry-django paginated type whose page query also counts the rows.

``OffsetPaginated`` answers ``totalCount`` with a ``COUNT(*)`` of its own: two queries per page,
three with a prefetched many-to-many. ``CountedOffsetPaginated`` adds ``COUNT(*) OVER ()`` to the
page's query instead, so the count comes with the rows: one query per page plus prefetches.
An empty page, a DISTINCT or an already prefetched queryset falls back to ``COUNT(*)``.

    articles: CountedOffsetPaginated[ArticleType] = strawberry_django.offset_paginated()

gql_channels selects ``results`` before ``totalCount``, so the count is read from the rows.
The window makes the database count every matching row with the page: one round trip fewer,
each one heavier. Worth it when round trips dominate (a remote database, modest tables); on a
large local table ``OffsetPaginated``'s separate ``COUNT(*)`` is faster.
"""

from __future__ import annotations

from typing import Generic

import strawberry
from django.db.models import Count, QuerySet, Window
from strawberry_django.optimizer import is_optimized_by_prefetching
from strawberry_django.pagination import NodeType, OffsetPaginated, apply

#: The annotation carrying the count on each row of a counted page (compiled reads read it too).
TOTAL_COUNT = "_gql_channels_total_count"


@strawberry.type(name="OffsetPaginated")
class CountedOffsetPaginated(OffsetPaginated[NodeType], Generic[NodeType]):
    _page: strawberry.Private[QuerySet | None] = None

    def get_paginated_queryset(self) -> QuerySet | None:
        if self._page is None:
            if self.queryset is None or is_optimized_by_prefetching(self.queryset) or self.queryset.query.distinct:
                self._page = super().get_paginated_queryset()
            else:
                self._page = apply(self.pagination, self.queryset.annotate(**{TOTAL_COUNT: Window(Count("*"))}))
        return self._page

    def get_total_count(self) -> int:
        rows = self._page._result_cache if self._page is not None else None
        if rows and hasattr(rows[0], TOTAL_COUNT):
            return getattr(rows[0], TOTAL_COUNT)
        return super().get_total_count()
