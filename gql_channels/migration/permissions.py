"""Translate the old ``permission_classes`` into ``gql_channels.permissions`` code.

DRF's ``AllowAny``, ``IsAuthenticated``, ``IsAdminUser``, ``IsAuthenticatedOrReadOnly``,
``DjangoModelPermissions`` and ``DjangoModelPermissionsOrAnonReadOnly`` (and the old libraries'
own ``AllowAny``/``IsAuthenticated``) become the gql_channels classes of the same names, composed
with ``&``, ``|`` and ``~`` as they were. A subclass of one of them that only sets attributes is
written again over the gql_channels class (its ``perms_map`` re-keyed from HTTP methods to
actions). Classes already speaking gql_channels' interface (``has_permission(scope, action,
resource)``, ``can_connect(scope)``) are imported as they are. Anything else gets a stub that
denies, and a to-do: the old ``has_permission(scope, consumer, action, **kwargs)`` cannot be
called the new way without knowing what it reads.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from typing import Any

from .codegen import Module, assign, comment, dictionary, docstring, literal, wrap
from .legacy import DCRF, RFC

PERMISSIONS = "gql_channels.permissions"
_SAME_NAMES = (
    "AllowAny", "IsAuthenticated", "IsAdminUser", "IsAuthenticatedOrReadOnly", "DjangoModelPermissions",
    "DjangoModelPermissionsOrAnonReadOnly",
)
_KNOWN = {("rest_framework.permissions", name): name for name in _SAME_NAMES} | {
    (module, name): name
    for module in ("rest_framework_channels.permissions", "djangochannelsrestframework.permissions")
    for name in ("AllowAny", "IsAuthenticated")
}
_MODEL_PERMISSIONS = ("DjangoModelPermissions", "DjangoModelPermissionsOrAnonReadOnly")
#: How both old libraries named an action to DRF permissions: ``request.method`` (others: the action upper-cased).
_METHODS = {"create": "PUT", "update": "PATCH", "list": "GET", "retrieve": "GET"}
#: gql_channels' action names -> what a DCRF client sent (rest_framework_channels used DRF's names).
_DCRF_WIRE = {"partial_update": "patch", "destroy": "delete"}
_STANDARD = ("list", "retrieve", "create", "update", "partial_update", "destroy")


class PermissionWriter:
    """Writes the permission expressions of one consumers module, each class defined once."""

    def __init__(self, module: Module, todos: list[str]) -> None:
        self.module = module
        self.todos = todos
        self.definitions: dict[Any, str] = {}

    def expressions(self, entries: Iterable[Any], *, library: str, custom_actions: Iterable[str] = ()) -> list[str]:
        """The ``permission_classes`` list items for ``entries``; nothing for an ``AllowAny`` alone (the default)."""
        entries = list(entries)
        if all(_KNOWN.get((getattr(e, "__module__", None), getattr(e, "__name__", None))) == "AllowAny" for e in entries):
            return []
        return [self.expression(entry, library=library, custom_actions=tuple(custom_actions)) for entry in entries]

    def expression(self, entry: Any, *, library: str, custom_actions: tuple[str, ...] = (), nested: bool = False) -> str:
        operator = getattr(entry, "operator_class", None)
        if operator is not None and hasattr(entry, "op1_class"):
            operands = [getattr(entry, name) for name in ("op1_class", "op2_class") if hasattr(entry, name)]
            parts = [self.expression(op, library=library, custom_actions=custom_actions, nested=True) for op in operands]
            symbol = {"AND": " & ", "OR": " | "}.get(operator.__name__)
            text = f"~{parts[0]}" if symbol is None else symbol.join(parts)
            return f"({text})" if nested and symbol else text
        if not isinstance(entry, type):
            return self._stub(entry, f"{entry!r} is not a class")
        if library == RFC and _is_drf(entry):
            self.todos.append(_ANONYMOUS_NOTE.format(name=entry.__qualname__))
        if library == DCRF and _is_drf(entry) and entry.__name__ not in _ANONYMOUS_HEAD:
            self.todos.append(_HANDSHAKE_NOTE.format(name=entry.__qualname__))
        known = _KNOWN.get((entry.__module__, entry.__name__))
        if known is not None:
            if known in _MODEL_PERMISSIONS:
                self.todos.append(_MODEL_PERMISSIONS_NOTE.format(name=known))
            return self.module.use(PERMISSIONS, known)
        from gql_channels.permissions import BasePermission

        if issubclass(entry, BasePermission):
            return self.module.use(entry.__module__, entry.__name__)
        if entry not in self.definitions:
            self.definitions[entry] = self._subclass(entry, library, custom_actions) or self._stub(entry)
        return self.definitions[entry]

    def _subclass(self, cls: type, library: str, custom_actions: tuple[str, ...]) -> str | None:
        """A subclass of a known class that only sets attributes, written over the gql_channels class."""
        base = next((k for k in cls.__mro__[1:] if (k.__module__, k.__name__) in _KNOWN), None)
        if base is None:
            return None
        own = [k for k in cls.__mro__[: cls.__mro__.index(base)]]
        attributes: dict[str, Any] = {}
        for klass in reversed(own):
            for name, value in vars(klass).items():
                if name.startswith("__"):
                    continue
                if inspect.isfunction(value) or isinstance(value, classmethod | staticmethod | property):
                    return None
                attributes[name] = value
        gql_base = self.module.use(PERMISSIONS, _KNOWN[(base.__module__, base.__name__)])
        lines = [f"class {cls.__name__}({gql_base}):"]
        lines.append(docstring(f"Translated from {cls.__module__}.{cls.__qualname__} (over {base.__qualname__}).", indent=1))
        if attributes:
            lines.append("")
        for name, value in attributes.items():
            if name == "perms_map":
                lines.append(comment(
                    f"{library} asked DRF with HTTP methods ({_methods_note(library)}); gql_channels asks "
                    "with actions, so the map is keyed by action, each entry what its method needed.", indent=1,
                ))
                lines.append("    " + dictionary(_perms_by_action(value, library, custom_actions), indent=1, prefix=f"{name} = "))
                continue
            lines.append(assign(name, literal(value), indent=1))
        self.module.add("\n".join(lines))
        return cls.__name__

    def _stub(self, cls: Any, why: str | None = None) -> str:
        name = getattr(cls, "__name__", "Permission")
        label = f"{getattr(cls, '__module__', '?')}.{getattr(cls, '__qualname__', name)}"
        self.todos.append(
            f"permission {label}: {why or 'its interface is not gql_channels’'}; the stub {name} denies "
            "every action until has_permission(scope, action, resource) is written."
        )
        base = self.module.use(PERMISSIONS, "BasePermission")
        scope = self.module.use(PERMISSIONS, "Scope")
        resource = self.module.use(PERMISSIONS, "ModelResource")
        self.module.add("\n".join([
            f"class {name}({base}):",
            docstring(
                f"To do: translate {label}.\n\nThe old class answered has_permission(scope, consumer_or_handler, action, "
                "**kwargs)\n(and has_object_permission, which gql_channels does not call). Denies until then.",
                indent=1,
            ),
            "",
            "    " + wrap("async def has_permission(", ["self", f"scope: {scope}", "action: str", f"resource: {resource}"],
                         ") -> bool:", indent=1),
            "        return False",
        ]))
        return name


_MODEL_PERMISSIONS_NOTE = (
    "{name}: translated to gql_channels' class of that name, which asks for view_/add_/change_/delete_ "
    "per action. The old libraries asked DRF with HTTP methods: create needed change_ (PUT), list and "
    "retrieve only a login (GET), and actions DRF's perms_map lacks (partial_update and destroy under "
    "rest_framework_channels, custom actions) were answered 405. Compare with users holding each permission."
)


_ANONYMOUS_NOTE = (
    "{name}: rest_framework_channels 0.0.7 asked DRF's permission classes with a DRF Request it gave no "
    "authenticators, whose user is always anonymous: {name} refused signed-in clients what it refuses "
    "anonymous ones. The gql_channels class sees the connection's user; gql_channels_compare shows the "
    "replies this changes (a signed-in client's writes, for instance)."
)


#: DRF classes that let an anonymous HEAD through: they never refused a DCRF handshake.
_ANONYMOUS_HEAD = frozenset({"AllowAny", "IsAuthenticatedOrReadOnly", "DjangoModelPermissionsOrAnonReadOnly"})
_HANDSHAKE_NOTE = (
    "{name}: djangochannelsrestframework also asked DRF's permission classes at the handshake (as a HEAD "
    "request), so a class refusing it refused the connection; gql_channels' class accepts the handshake and "
    "answers each message (403). Write a can_connect(scope) if connections must be refused."
)


def _is_drf(cls: type) -> bool:
    from rest_framework.permissions import BasePermission as DRFPermission

    return issubclass(cls, DRFPermission)


def _methods_note(library: str) -> str:
    wire = lambda action: _DCRF_WIRE.get(action, action) if library == DCRF else action  # noqa: E731
    return ", ".join(f"{wire(a)} as {_METHODS.get(wire(a), wire(a).upper())}" for a in _STANDARD)


def _perms_by_action(perms_map: dict[str, list[str]], library: str, custom_actions: tuple[str, ...]) -> dict[str, list[str]]:
    """DRF's method-keyed ``perms_map`` -> gql_channels' action-keyed one, each action what its method got."""
    translated = {}
    for action in (*_STANDARD, *custom_actions):
        wire = _DCRF_WIRE.get(action, action) if library == DCRF else action
        method = _METHODS.get(wire, wire.upper())
        if method in perms_map:
            translated[action] = list(perms_map[method])
    return translated
