"""Model change events, published after commit to channel-layer groups.

``publish_changes(schema, "BookType")`` connects a model's signals: every committed create,
update (many-to-many changes included) and delete is sent to the groups of the model and of
the object, rendered exactly as the legacy ``retrieve`` of that object renders it. Events of
one transaction are coalesced per object (a create followed by tag changes is one ``create``),
and a rolled-back transaction sends nothing: the pending event lives in Django's own
``on_commit`` list, which a rollback empties. Bulk writes (``bulk_create``, ``update()``) send no
signals; call ``ModelEvents.publish()`` for them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from uuid import uuid4

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth.models import AnonymousUser
from django.db import models, router, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from graphql import GraphQLObjectType
from strawberry.types.graphql import OperationType

from .compiled import compile_read
from .context import LegacyContext
from .execution import execute_compiled, execute_sync
from .groups import group_safe
from .operations import plan_retrieve
from .settings import gql_channels_settings
from .shapes import RESULT, build_shape, lookup_names, root_fields

if TYPE_CHECKING:
    from strawberry import Schema

logger = logging.getLogger("gql_channels")

#: Channel-layer message types of a change event, sent to the model's group and to the object's.
#: Two types, because a connection in both groups gets the event twice and must tell the copies apart.
MODEL_EVENT_TYPE = "gql_channels.event.model"
OBJECT_EVENT_TYPE = "gql_channels.event.object"


def model_group(model: type[models.Model]) -> str:
    """The group receiving every event of ``model``."""
    return f"gql_channels.{model._meta.label_lower}"


def object_group(model: type[models.Model], pk: Any) -> str:
    """The group receiving the events of one object."""
    return group_safe(f"{model_group(model)}.{pk}")



class _RenderRequest:
    """What resolvers see as the request while an event is rendered: nobody in particular."""

    scope: dict[str, Any] = {"type": "event", "user": AnonymousUser()}


class _Pending:
    """One object's event, waiting in Django's ``on_commit`` list; later signals update it in place."""

    def __init__(self, events: ModelEvents, pk: Any, action: str) -> None:
        self.events, self.pk, self.action = events, pk, action
        self.data: Any = None

    def merge(self, action: str) -> None:
        if action == "delete":
            self.action = "delete"
        elif self.action == "delete" and action == "create":
            self.action = "update"  # deleted and created again in one transaction

    def __call__(self) -> None:
        self.events.send(self.pk, self.action, self.data)


class ModelEvents:
    """Publishes the changes of the model behind a strawberry-django type."""

    def __init__(self, schema: Schema, type_name: str, *, retrieve: str | None = None) -> None:
        gql_type = schema._schema.get_type(type_name)
        if not isinstance(gql_type, GraphQLObjectType):
            raise ValueError(f"`{type_name}` is not an object type of the schema.")
        self.schema = schema
        self.shape = build_shape(schema, gql_type)
        if self.shape.model is None:
            raise ValueError(f"`{type_name}` is not a strawberry-django type: it has no model to watch.")
        self.model: type[models.Model] = self.shape.model
        field_name = retrieve or self._retrieve_field(gql_type)
        arguments = root_fields(schema, OperationType.QUERY)[field_name].args
        lookup = next(name for name in (*lookup_names(self.model), next(iter(arguments), "pk")) if name in arguments)
        self.render_operation = plan_retrieve(schema, field_name, lookup, self.shape)
        #: The retrieve compiled when its fields allow (``gql_channels.compiled``): rendered from the row.
        self.render_plan = compile_read(schema, self.render_operation)
        #: The model's own many-to-many fields, by their through model (the signals' sender).
        self._many_to_many: dict[type[models.Model], models.ManyToManyField] = {}

    def _retrieve_field(self, gql_type: Any) -> str:
        for name, field_ in root_fields(self.schema, OperationType.QUERY).items():
            returned = getattr(field_.type, "of_type", field_.type)
            if returned is gql_type and set(lookup_names(self.model)) & field_.args.keys():
                return name
        raise ValueError(f"No Query field returns one `{gql_type.name}` by pk: pass retrieve=.")

    def connect(self) -> ModelEvents:
        """Connect the model's signals (idempotent)."""
        uid = f"gql_channels.events.{self.model._meta.label_lower}"
        post_save.connect(self._saved, sender=self.model, dispatch_uid=uid, weak=False)
        pre_delete.connect(self._deleting, sender=self.model, dispatch_uid=uid, weak=False)
        post_delete.connect(self._deleted, sender=self.model, dispatch_uid=uid, weak=False)
        for field in self.model._meta.many_to_many:
            through = field.remote_field.through
            assert isinstance(through, type), "a many-to-many field's through model, once the app registry is ready"
            self._many_to_many[through] = field
            m2m_changed.connect(self._m2m, sender=through, dispatch_uid=uid, weak=False)
        return self

    def publish(self, action: str, objects: Iterable[models.Model | Any]) -> None:
        """Publish ``action`` for objects or pks, after commit: for writes that send no signals."""
        for obj in objects:
            self._queue(obj.pk if isinstance(obj, models.Model) else obj, action)

    def render(self, pk: Any) -> Any:
        """The object as a legacy ``retrieve`` renders it; ``None`` when it cannot be rendered."""
        operation = self.render_operation
        context = LegacyContext(request=_RenderRequest(), ws=None)
        variables = {operation.lookup_variable or "pk": str(pk)}
        if self.render_plan is not None and gql_channels_settings()["COMPILED_READS"]:
            result = execute_compiled(self.schema, self.render_plan, variables, context)
        else:
            result = execute_sync(
                self.schema, operation.source, operation.document, variables, context, operation_type=OperationType.QUERY
            )
        if result.errors or not result.data:
            logger.warning("Could not render %s %s for an event: %s", self.model._meta.label, pk, result.errors)
            return None
        return self.shape.reshape(result.data[RESULT])

    def send(self, pk: Any, action: str, data: Any = None) -> None:
        """Send one event now (``data`` rendered here unless given, as for deletes)."""
        if action != "delete":
            data = self.render(pk)
        # "event" tells the copies of one event apart from another's: subscribers of a process check it once.
        message = {"event": uuid4().hex, "model": self.model._meta.label_lower, "action": action, "pk": str(pk), "data": data}
        layer = get_channel_layer()
        if layer is None:
            return
        try:
            for group, type_ in ((model_group(self.model), MODEL_EVENT_TYPE), (object_group(self.model, pk), OBJECT_EVENT_TYPE)):
                async_to_sync(layer.group_send)(group, {"type": type_, **message})
        except Exception:  # the write is committed: a lost event must not turn it into an error
            logger.exception("Could not publish the %s event of %s %s", action, self.model._meta.label, pk)

    def _queue(self, pk: Any, action: str) -> _Pending:
        connection = transaction.get_connection(router.db_for_write(self.model))
        if connection.in_atomic_block:
            for _sids, func, _robust in connection.run_on_commit:
                if isinstance(func, _Pending) and func.events is self and func.pk == pk:
                    func.merge(action)
                    return func
        pending = _Pending(self, pk, action)
        connection.on_commit(pending)
        return pending

    def _saved(self, sender: Any, instance: models.Model, created: bool, raw: bool = False, **kwargs: Any) -> None:
        if not raw:
            self._queue(instance.pk, "create" if created else "update")

    def _deleting(self, sender: Any, instance: models.Model, **kwargs: Any) -> None:
        # Rendered now: after the delete there is nothing left to render.
        instance._gql_channels_rendered = self.render(instance.pk)  # type: ignore[attr-defined]

    def _deleted(self, sender: Any, instance: models.Model, **kwargs: Any) -> None:
        self._queue(instance.pk, "delete").data = getattr(instance, "_gql_channels_rendered", None)

    def _m2m(
        self, sender: Any, instance: models.Model, action: str, reverse: bool, pk_set: set[Any] | None, **kwargs: Any
    ) -> None:
        """A change of one of the model's many-to-many fields, made from either side.

        ``book.tags.add(tag)`` changes the book; ``tag.books.add(book)`` changes the books added, and
        ``tag.books.clear()`` every book the tag had, read before the rows go.
        """
        if not reverse:
            if action.startswith("post_") and isinstance(instance, self.model):
                self._queue(instance.pk, "update")
            return
        if action == "pre_clear":
            accessor = self._many_to_many[sender].remote_field.get_accessor_name() or ""
            instance._gql_channels_cleared = list(getattr(instance, accessor).values_list("pk", flat=True))  # type: ignore[attr-defined]
        elif action in ("post_add", "post_remove", "post_clear"):
            owners = pk_set if action != "post_clear" else getattr(instance, "_gql_channels_cleared", ())
            for pk in owners or ():
                self._queue(pk, "update")


def publish_changes(schema: Schema, type_name: str, *, retrieve: str | None = None) -> ModelEvents:
    """Publish the committed changes of ``type_name``'s model; call it from ``AppConfig.ready``."""
    return ModelEvents(schema, type_name, retrieve=retrieve).connect()
