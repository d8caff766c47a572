"""Strawberry field extensions guarding the schema's own fields, for GraphQL clients too.

The legacy binding checks a message before it runs anything; a GraphQL client reaches the
resolvers directly, so what must hold for both protocols is checked on the field itself.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

from django.core.exceptions import ValidationError
from strawberry.extensions import FieldExtension
from strawberry.types import Info

from .inputs import too_many_keys

__all__ = ["RelatedKeysLimiter"]

#: The lists of strawberry-django's relation inputs (``ListInput``, ``ManyToManyInput``...).
_KEY_LISTS = ("set", "add", "remove")


def _limit_relation_lists(data: Any) -> None:
    """Send each relation list's keys once, and refuse one longer than ``MAX_RELATED_KEYS``."""
    errors: dict[str, list[str]] = {}
    for field in dataclasses.fields(data) if dataclasses.is_dataclass(data) else ():
        relation = getattr(data, field.name)
        if not dataclasses.is_dataclass(relation):
            continue
        for name in _KEY_LISTS:
            keys = getattr(relation, name, None)
            if not isinstance(keys, list):
                continue
            if (message := too_many_keys(keys)) is not None:
                errors[field.name] = [message]
                break
            setattr(relation, name, list(dict.fromkeys(keys)))
    if errors:
        raise ValidationError(errors)


class RelatedKeysLimiter(FieldExtension):
    """Caps a mutation's many-to-many lists (``tags: {set: [...]}``) at ``GQL_CHANNELS["MAX_RELATED_KEYS"]``.

    strawberry-django's ``update_m2m`` costs about six queries per key, repeated keys included:
    ``tags: {set: ["1", "1", ...]}`` twelve hundred times held the database thread for seconds.
    Repeats are dropped (a set is a set) and a longer list is a ``ValidationError`` on the field,
    before the resolver runs::

        create_book: BookType = mutations.create(BookInput, extensions=[RelatedKeysLimiter()])
    """

    def resolve(self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any) -> Any:
        for value in kwargs.values():
            _limit_relation_lists(value)
        return next_(source, info, **kwargs)

    async def resolve_async(self, next_: Callable[..., Awaitable[Any]], source: Any, info: Info, **kwargs: Any) -> Any:
        for value in kwargs.values():
            _limit_relation_lists(value)
        return await next_(source, info, **kwargs)
