"""Legacy writes: the input checked as DRF's serializer checked it, the mutation run in one transaction.

The counterpart of DRF's ``CreateModelMixin``/``UpdateModelMixin``/``DestroyModelMixin`` for a
``BoundResource``: a write runs in one thread inside one ``transaction.atomic``, so a failed write
changes nothing, and a bad input is answered with every bad field at once, as DRF answered it.
"""

from __future__ import annotations

import builtins
from contextlib import nullcontext
from typing import TYPE_CHECKING, Any

from django.db import DEFAULT_DB_ALIAS, router, transaction

from .db import database_sync_to_async, without_savepoints
from .exceptions import NotFound, ValidationError
from .execution import execute_compiled_write, execute_sync
from .inputs import InvalidInput
from .model_validation import drf_validation
from .settings import gql_channels_settings

if TYPE_CHECKING:
    from django.db import models
    from graphql import ExecutionResult
    from strawberry import Schema

    from .compiled_writes import CompiledWrite
    from .operations import Operation

__all__ = ["WriteMixin"]

#: Writes run by the mutations a resource names (strawberry-django's), not by custom actions.
_GENERATED_WRITES = frozenset({"create", "update", "partial_update", "destroy"})


class WriteMixin:
    """Runs a resource's mutations for legacy clients (mixed into ``BoundResource``)."""

    schema: Schema
    #: The compiled writes of generated mutations that can be compiled, by document (``compiled_writes``).
    compiled_writes: dict[str, CompiledWrite]

    if TYPE_CHECKING:

        @property
        def model(self) -> type[models.Model] | None: ...

        @property
        def not_found_detail(self) -> str: ...

        def _result(self, operation: Operation, result: ExecutionResult) -> Any: ...

    async def translate(self, operation: Operation, data: Any, *, partial: bool, pk: str | None = None) -> dict[str, Any]:
        """A write's input value, or every bad field at once, as DRF's serializer reported them.

        On the failure path only (good writes pay nothing): a related key naming no row is one more
        bad field; and an update's missing object is the 404 first, as DRF's ``get_object()`` ran
        before validation.
        """
        assert operation.input is not None, "planned by plan_mutation for create and update"
        try:
            return operation.input.translate(data, partial=partial)
        except InvalidInput as invalid:
            errors = await database_sync_to_async(self._every_error)(operation, invalid, pk)
            raise ValidationError(errors) from None

    def _every_error(self, operation: Operation, invalid: InvalidInput, pk: str | None) -> dict[str, builtins.list[str]]:
        assert operation.input is not None
        model = self.model
        if pk is not None and model is not None and not model._default_manager.filter(pk=pk).exists():
            raise NotFound(self.not_found_detail)
        return operation.input.every_error(invalid, instance=pk)

    async def write(self, operation: Operation, value: dict[str, Any], context: Any, *, pk: str | None = None) -> Any:
        """Run a mutation in one thread inside one transaction: any failure rolls it all back."""
        try:
            return await database_sync_to_async(self._write_atomic)(operation, {operation.data_variable: value}, context)
        except NotFound:
            # A related key naming no row is the client's 400 (DRF's PrimaryKeyRelatedField), the route's 404 not.
            errors = await database_sync_to_async(self._missing_related)(operation, value, pk)
            if errors:
                raise ValidationError(errors) from None
            raise

    def _missing_related(self, operation: Operation, value: dict[str, Any], pk: str | None) -> dict[str, builtins.list[str]]:
        model = self.model
        if operation.input is None or (pk and model and not model._default_manager.filter(pk=pk).exists()):
            return {}  # the object itself is gone: the 404 stands
        return operation.input.missing_related(value)

    @staticmethod
    def _sent(operation: Operation, variables: dict[str, Any]) -> tuple[type[models.Model] | None, frozenset[str]]:
        """The model a create/update writes and the model fields its client sent (``drf_validation``)."""
        if operation.input is None or operation.shape is None or operation.data_variable not in variables:
            return None, frozenset()
        sent = variables[operation.data_variable]
        return operation.shape.model, frozenset(operation.input.legacy_name(name) for name in sent)

    def _write_atomic(self, operation: Operation, variables: dict[str, Any], context: Any) -> Any:
        model = operation.shape.model if operation.shape else None
        using = router.db_for_write(model) if model else DEFAULT_DB_ALIAS
        # A resource's own create/update/destroy mutations are strawberry-django's: no savepoints in them.
        # A custom action's mutation is the user's code, which may catch an error inside a savepoint.
        generated = operation.action in _GENERATED_WRITES
        with (
            transaction.atomic(using=using),
            without_savepoints(using) if generated else nullcontext(),
            drf_validation(*self._sent(operation, variables)),
        ):
            plan = self.compiled_writes.get(operation.source) if gql_channels_settings()["COMPILED_READS"] else None
            if plan is not None:
                result = execute_compiled_write(self.schema, plan, variables, context)
            else:
                result = execute_sync(
                    self.schema, operation.source, operation.document, variables, context,
                    operation_type=operation.operation_type, plain=operation.plain_readers,
                    optimize=operation.needs_optimizer,
                )
            data = self._result(operation, result)
        return operation.shape.reshape(data) if operation.shape and operation.action != "destroy" else data

