"""DRF-style ``permission_classes`` for legacy messages (403 envelope) and the handshake.

Hooks may be sync or async; sync ones usually query the database, so they run in a thread.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, ClassVar, Protocol

from asgiref.sync import iscoroutinefunction
from django.core.exceptions import ImproperlyConfigured
from django.db.models import CASCADE, Model
from django.utils.functional import LazyObject, empty

from .db import database_sync_to_async
from .exceptions import PermissionDenied

Scope = Mapping[str, Any]
PermissionClass = Callable[[], "BasePermission"]  # a class, or a composition like IsAuthenticated & IsAdminUser


class ModelResource(Protocol):
    """What a permission sees of the route's resource: the model it serves, if known."""

    model: type[Model] | None


async def resolve_user(scope: Scope) -> Any:
    """The scope's user or ``AnonymousUser()``; a lazy one is loaded in a thread (it may query the DB)."""
    from django.contrib.auth.models import (
        AnonymousUser,  # not at import: gql_channels is an installed app
    )

    user = scope.get("user")
    if isinstance(user, LazyObject):
        if user._wrapped is empty:
            await database_sync_to_async(user._setup)()
        user = user._wrapped
    return AnonymousUser() if user is None else user


async def _call(hook: Callable[..., Any], *args: Any) -> bool:
    """Await an async hook; run a sync one in a thread (it may touch the database)."""
    result = await hook(*args) if iscoroutinefunction(hook) else await database_sync_to_async(hook)(*args)
    return bool(await result if inspect.isawaitable(result) else result)


class OperationHolderMixin:
    """``&``, ``|`` and ``~`` on permission classes, deferring instantiation like DRF."""

    def __and__(self, other: Any) -> OperandHolder:
        return OperandHolder(AND, self, other)

    def __or__(self, other: Any) -> OperandHolder:
        return OperandHolder(OR, self, other)

    def __invert__(self) -> OperandHolder:
        return OperandHolder(NOT, self)


class OperandHolder(OperationHolderMixin):
    """A composed permission *class*: calling it instantiates the operands, then the operator."""

    def __init__(self, operator_class: type[_Operator], *op_classes: Any) -> None:
        self.operator_class = operator_class
        self.op_classes = op_classes

    def __call__(self) -> BasePermission:
        return self.operator_class(*(op_class() for op_class in self.op_classes))


class BasePermissionMetaclass(OperationHolderMixin, type):
    pass


class BasePermission(metaclass=BasePermissionMetaclass):
    """Allow everything; override either hook, sync or ``async`` (defaults are async: no thread hop)."""

    message: str = "You do not have permission to perform this action."

    async def has_permission(self, scope: Scope, action: str, resource: ModelResource) -> bool:
        return True

    async def can_connect(self, scope: Scope) -> bool:
        return True


class _Operator(BasePermission):
    """Applies one rule to both hooks, so composition works for messages and handshakes alike."""

    def __init__(self, *ops: BasePermission) -> None:
        self.ops = ops

    async def has_permission(self, scope: Scope, action: str, resource: ModelResource) -> bool:
        return await self._decide("has_permission", scope, action, resource)

    async def can_connect(self, scope: Scope) -> bool:
        return await self._decide("can_connect", scope)

    _decide: Callable[..., Awaitable[bool]]  # (hook name, *hook arguments), set by each operator


class AND(_Operator):
    """Short-circuits like ``and``; a denial reports the message of the operand that denied."""

    async def _decide(self, hook: str, *args: Any) -> bool:
        for op in self.ops:
            if not await _call(getattr(op, hook), *args):
                self.message = op.message
                return False
        return True


class OR(_Operator):
    """Short-circuits like ``or``; a denial reports the default message (no single culprit)."""

    async def _decide(self, hook: str, *args: Any) -> bool:
        return await _call(getattr(self.ops[0], hook), *args) or await _call(getattr(self.ops[1], hook), *args)


class NOT(_Operator):
    """Negates ``has_permission`` only: negating a handshake check that accepts would refuse everyone."""

    async def _decide(self, hook: str, *args: Any) -> bool:
        return not await _call(getattr(self.ops[0], hook), *args)

    async def can_connect(self, scope: Scope) -> bool:
        return True


#: Legacy actions that only read, DRF's ``SAFE_METHODS``.
READ_ACTIONS = frozenset({"list", "retrieve"})


class AllowAny(BasePermission):
    """Explicitly open; the same as an empty ``permission_classes``, but says so."""


class IsAuthenticated(BasePermission):
    """Logged-in users. The handshake is still accepted: legacy clients expect a per-message 403."""

    async def has_permission(self, scope: Scope, action: str, resource: ModelResource) -> bool:
        return bool((await resolve_user(scope)).is_authenticated)


class IsAdminUser(IsAuthenticated):
    """Staff only; ``is_authenticated`` is required too, so no anonymous object flagged staff passes."""

    async def has_permission(self, scope: Scope, action: str, resource: ModelResource) -> bool:
        user = await resolve_user(scope)
        return bool(user.is_authenticated and user.is_staff)


class IsAuthenticatedOrReadOnly(BasePermission):
    """Anyone may ``list`` and ``retrieve``; other actions need a logged-in user (DRF's name)."""

    async def has_permission(self, scope: Scope, action: str, resource: ModelResource) -> bool:
        return action in READ_ACTIONS or bool((await resolve_user(scope)).is_authenticated)


class DjangoModelPermissions(BasePermission):
    """Django's ``view``/``add``/``change``/``delete`` model permissions per legacy action, for logged-in users.

    Actions missing from ``perms_map`` (custom ones) are denied, as DRF answers an unmapped method
    with 405: allowing them would silently open every custom action; map them to allow them. The
    handshake is accepted: no action is known yet, and clients expect a per-message 403.
    """

    perms_map: ClassVar[dict[str, list[str]]] = {
        "list": ["%(app_label)s.view_%(model_name)s"],
        "retrieve": ["%(app_label)s.view_%(model_name)s"],
        "create": ["%(app_label)s.add_%(model_name)s"],
        "update": ["%(app_label)s.change_%(model_name)s"],
        "partial_update": ["%(app_label)s.change_%(model_name)s"],
        "destroy": ["%(app_label)s.delete_%(model_name)s"],
    }

    def get_required_permissions(self, action: str, model_cls: type[Model]) -> list[str] | None:
        """The permission names ``action`` needs on ``model_cls``; ``None`` when it is not mapped."""
        if action not in self.perms_map:
            return None
        kwargs = {"app_label": model_cls._meta.app_label, "model_name": model_cls._meta.model_name}
        return [perm % kwargs for perm in self.perms_map[action]]

    async def has_permission(self, scope: Scope, action: str, resource: ModelResource) -> bool:
        model_cls = getattr(resource, "model", None)
        if model_cls is None:
            raise ImproperlyConfigured(f"{type(self).__name__} needs {resource!r}.model to derive permission names.")
        perms = self.get_required_permissions(action, model_cls)
        if perms is None:
            return False
        user = await resolve_user(scope)
        if not user.is_authenticated:
            return False
        return bool(await database_sync_to_async(user.has_perms)(perms))


class DjangoModelPermissionsOrAnonReadOnly(DjangoModelPermissions):
    """Like ``DjangoModelPermissions``, but anyone may ``list`` and ``retrieve`` (DRF's name)."""

    async def has_permission(self, scope: Scope, action: str, resource: ModelResource) -> bool:
        return action in READ_ACTIONS or await super().has_permission(scope, action, resource)


def cascaded_models(model_cls: type[Model]) -> list[type[Model]]:
    """The models whose rows deleting a ``model_cls`` row deletes too (``on_delete=CASCADE``, followed through).

    Auto-created many-to-many tables are left out: their rows are links, not objects anyone has a
    permission on (Django's admin does not ask for them either).
    """
    found: list[type[Model]] = []
    pending = [model_cls]
    while pending:
        for relation in pending.pop()._meta.related_objects:
            related = relation.related_model
            if getattr(relation, "on_delete", None) is not CASCADE or related._meta.auto_created:
                continue
            if related is not model_cls and related not in found:
                found.append(related)
                pending.append(related)
    return found


class CascadeDeletePermissions(BasePermission):
    """``destroy`` needs the delete permission of every model the delete cascades to, as Django's admin asks.

    DRF's ``DjangoModelPermissions`` checks the model's own permission only, so deleting an author
    whose books are ``on_delete=CASCADE`` removes books from a user who may not delete books.
    Compose it with the resource's other classes: ``[IsAuthenticatedOrReadOnly, CascadeDeletePermissions]``.
    Other actions pass.
    """

    async def has_permission(self, scope: Scope, action: str, resource: ModelResource) -> bool:
        model_cls = getattr(resource, "model", None)
        if action != "destroy" or model_cls is None:
            return True
        perms = [f"{model._meta.app_label}.delete_{model._meta.model_name}" for model in cascaded_models(model_cls)]
        if not perms:
            return True
        user = await resolve_user(scope)
        return bool(user.is_authenticated and await database_sync_to_async(user.has_perms)(perms))


async def check_permissions(
    permission_classes: Iterable[PermissionClass], scope: Scope, action: str, resource: ModelResource
) -> None:
    """Raise ``PermissionDenied`` with the first denying permission's ``message``, like DRF's view."""
    for permission_class in permission_classes:
        permission = permission_class()
        if not await _call(permission.has_permission, scope, action, resource):
            raise PermissionDenied(detail=permission.message)


async def check_connect(permission_classes: Iterable[PermissionClass], scope: Scope) -> bool:
    """Whether every permission accepts the handshake; the consumer closes it otherwise."""
    for permission_class in permission_classes:
        if not await _call(permission_class().can_connect, scope):
            return False
    return True

