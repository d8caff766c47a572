"""GraphQL subscriptions over model change events, shared by GraphQL and legacy clients.

``model_events()`` is the body of a subscription resolver: it joins the channel-layer group of
a model (or of one object) through the process's one membership of it (``fanout.listen``) and
yields each committed change the subscriber may see. Strawberry's Channels consumer and ``ActionConsumer``
both provide it, so ``bookChanged(pk:)`` serves graphql-transport-ws clients and legacy
``subscribe`` messages alike.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import OrderedDict
from collections.abc import AsyncGenerator
from typing import Any

import strawberry
from django.db import models
from strawberry.scalars import JSON
from strawberry_django.filters import apply as apply_filters
from strawberry_django.utils.typing import get_django_definition

from .db import database_sync_to_async
from .events import MODEL_EVENT_TYPE, OBJECT_EVENT_TYPE, model_group, object_group
from .fanout import listen
from .permissions import resolve_user


@strawberry.type(description="A committed change of an object, rendered as a legacy retrieve renders it.")
class ModelEvent:
    action: str = strawberry.field(description="create, update or delete.")
    pk: strawberry.ID
    data: JSON | None = strawberry.field(description="The object after the change (before it, for delete).")


async def model_events(
    info: strawberry.Info,
    model: type[models.Model],
    *,
    pk: Any = None,
    filters: Any = None,
    type_: type | None = None,
) -> AsyncGenerator[ModelEvent, None]:
    """Yield the committed changes of ``model`` (one object when ``pk`` is given) the subscriber may see.

    ``filters`` is the field's strawberry-django filter input; ``type_`` the strawberry-django type
    whose ``get_queryset`` decides what the subscriber may see. Created and updated objects are
    checked against both in the database; a deleted one, gone from it, against its last rendering.
    """
    layer = info.context["ws"].channel_layer
    if layer is None:
        raise RuntimeError("Model events need a channel layer: set CHANNEL_LAYERS.")
    if pk is not None:
        type_of_event, group = OBJECT_EVENT_TYPE, object_group(model, pk)
    else:
        type_of_event, group = MODEL_EVENT_TYPE, model_group(model)
    asking = (repr(filters), type_)  # with the user, what subscribers alike share the check of an event by
    unrestricted = (filters is None or filters is strawberry.UNSET) and not _restricts(type_)
    seen: set[str] = set()
    async with listen(layer, group, type_of_event) as messages:
        subscribed = info.context.get("subscribed")
        if subscribed is not None:
            subscribed()
        async for message in messages:
            if message["model"] != model._meta.label_lower or (pk is not None and message["pk"] != str(pk)):
                continue
            if message["action"] == "delete":
                visible = message["pk"] in seen or _matches(filters, message["data"])
                seen.discard(message["pk"])
            elif unrestricted and message["data"] is not None:
                visible = True  # rendered after commit, so it exists; nothing narrows who sees it
            else:
                visible = await _visible(info, model, message, filters, type_, asking)
                (seen.add if visible else seen.discard)(message["pk"])
            if visible:
                yield ModelEvent(action=message["action"], pk=strawberry.ID(message["pk"]), data=message["data"])


#: Visibility checks under way or done, by (event, filters, type, user): one query per event for every
#: subscriber of a process that has the same filters and user, not one per subscriber.
_checks: OrderedDict[tuple[Any, ...], asyncio.Future[bool]] = OrderedDict()
#: Checks remembered (the oldest are forgotten first; an event's subscribers ask within moments).
_REMEMBERED = 4096


async def _visible(
    info: strawberry.Info, model: type[models.Model], message: dict[str, Any], filters: Any, type_: type | None, asking: tuple[Any, ...]
) -> bool:
    """Whether the subscriber may see the saved object: in the type's ``get_queryset`` and the filters.

    Asked once per (event, filters, type, user) in a process; other subscribers wait for that answer.
    """
    user = await resolve_user(info.context["request"].scope)  # per event: a login may change it
    key = (message.get("event"), message["pk"], *asking, getattr(user, "pk", None))
    check = _checks.get(key) if key[0] is not None else None
    if check is None or check.cancelled() or (check.done() and check.exception() is not None):
        check = asyncio.ensure_future(database_sync_to_async(_visible_in_database)(info, model, message["pk"], filters, type_))
        _checks[key] = check
        while len(_checks) > _REMEMBERED:
            _checks.popitem(last=False)
    elif check.done():
        return check.result()
    return await asyncio.shield(check)  # a subscriber leaving does not cancel the others' answer


def _restricts(type_: type | None) -> bool:
    """Whether the strawberry-django type narrows what a subscriber may see (its ``get_queryset``)."""
    return type_ is not None and get_django_definition(type_) is not None and hasattr(type_, "get_queryset")


def _visible_in_database(info: strawberry.Info, model: type[models.Model], pk: str, filters: Any, type_: type | None) -> bool:
    queryset = model._default_manager.filter(pk=pk)
    if _restricts(type_):
        assert type_ is not None
        queryset = type_.get_queryset(queryset, info)  # type: ignore[attr-defined]
    return apply_filters(filters, queryset, info).exists()


_COMPARE = {
    "exact": lambda v, x: v == x,
    "i_exact": lambda v, x: str(v).lower() == str(x).lower(),
    "contains": lambda v, x: str(x) in str(v),
    "i_contains": lambda v, x: str(x).lower() in str(v).lower(),
    "starts_with": lambda v, x: str(v).startswith(str(x)),
    "i_starts_with": lambda v, x: str(v).lower().startswith(str(x).lower()),
    "ends_with": lambda v, x: str(v).endswith(str(x)),
    "i_ends_with": lambda v, x: str(v).lower().endswith(str(x).lower()),
    "in_list": lambda v, x: v in x,
    "gt": lambda v, x: v > x,
    "gte": lambda v, x: v >= x,
    "lt": lambda v, x: v < x,
    "lte": lambda v, x: v <= x,
    "is_null": lambda v, x: (v is None) == x,
}


def _matches(filters: Any, data: Any) -> bool:
    """Whether an object's last rendering passed ``filters``; lookups this cannot judge count as a pass."""
    if filters is None or filters is strawberry.UNSET or not dataclasses.is_dataclass(filters):
        return True
    if not isinstance(data, dict):
        return False
    own = True
    for field in dataclasses.fields(filters):
        wanted = getattr(filters, field.name)
        if wanted is None or wanted is strawberry.UNSET or field.name in ("DISTINCT", "OR"):
            continue
        if field.name == "AND":
            own = own and _matches(wanted, data)
        elif field.name == "NOT":
            own = own and not _matches(wanted, data)
        elif field.name in data:
            own = own and _field_matches(wanted, data[field.name])
    alternative = getattr(filters, "OR", None)
    if alternative is not None and alternative is not strawberry.UNSET:
        return own or _matches(alternative, data)
    return own


def _field_matches(wanted: Any, value: Any) -> bool:
    values = value if isinstance(value, list) else [value]
    if not dataclasses.is_dataclass(wanted):
        return any(_same(v, wanted) for v in values)
    if hasattr(wanted, "pk"):
        return any(_same(v, wanted.pk) for v in values)
    for field in dataclasses.fields(wanted):
        expected = getattr(wanted, field.name)
        if expected is None or expected is strawberry.UNSET or field.name not in _COMPARE:
            continue
        if field.name in ("in_list",):
            expected = [_coerce(e, values[0] if values else None) for e in expected]
        else:
            expected = _coerce(expected, values[0] if values else None)
        try:
            if not any(_COMPARE[field.name](v, expected) for v in values):
                return False
        except TypeError:
            continue
    return True


def _same(value: Any, expected: Any) -> bool:
    return str(value) == str(expected)


def _coerce(expected: Any, like: Any) -> Any:
    """Filter inputs carry IDs as strings; rendered keys are ints."""
    if isinstance(like, int) and not isinstance(like, bool) and isinstance(expected, str) and expected.lstrip("-").isdigit():
        return int(expected)
    return expected
