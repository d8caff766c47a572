"""``permissions``: DRF-style classes against real users, composition, sync/async hooks, Channels auth."""

from __future__ import annotations

import threading
from types import SimpleNamespace
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.auth import AuthMiddlewareStack, UserLazyObject
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured, SynchronousOnlyOperation
from django.db.models import Model
from django.test import Client
from django.utils.functional import SimpleLazyObject

from example_project.demo.models import Article, Author, Book, Tag
from gql_channels.exceptions import PermissionDenied, exception_handler
from gql_channels.permissions import (
    AllowAny,
    BasePermission,
    CascadeDeletePermissions,
    DjangoModelPermissions,
    IsAdminUser,
    IsAuthenticated,
    cascaded_models,
    check_connect,
    check_permissions,
    resolve_user,
)

pytestmark = pytest.mark.django_db(transaction=True)

DEFAULT_MESSAGE = "You do not have permission to perform this action."
ARTICLES = SimpleNamespace(model=Article)
BOOKS = SimpleNamespace(model=Book)
#: Every legacy action and the one Django permission it needs.
ACTION_CODENAMES = {
    "list": "view",
    "retrieve": "view",
    "create": "add",
    "update": "change",
    "partial_update": "change",
    "destroy": "delete",
}
KINDS = ("missing", "anonymous", "user", "staff")


def grant(user: Any, model: type[Model], *actions: str) -> Any:
    """Give ``user`` the ``<action>_<model>`` permissions; return a fresh copy (no stale perm cache)."""
    content_type = ContentType.objects.get_for_model(model)
    for action in actions:
        codename = f"{action}_{model._meta.model_name}"
        user.user_permissions.add(Permission.objects.get(codename=codename, content_type=content_type))
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def users(django_user_model: Any) -> dict[str, Any]:
    return {
        "missing": None,
        "anonymous": AnonymousUser(),
        "user": django_user_model.objects.create_user("alice", password="pw"),
        "staff": django_user_model.objects.create_user("sam", password="pw", is_staff=True),
    }


def scope_of(user: Any) -> dict[str, Any]:
    return {} if user is None else {"type": "websocket", "user": user}


async def allowed(permission_class: Any, user: Any, action: str = "list", resource: Any = ARTICLES) -> bool:
    try:
        await check_permissions([permission_class], scope_of(user), action, resource)
    except PermissionDenied:
        return False
    return True


# --- resolving the user ---------------------------------------------------------------------------


async def test_resolve_user_defaults_to_anonymous() -> None:
    assert isinstance(await resolve_user({}), AnonymousUser)
    assert isinstance(await resolve_user({"user": None}), AnonymousUser)


async def test_resolve_user_unwraps_channels_lazy_user(users: dict[str, Any]) -> None:
    lazy = UserLazyObject()
    lazy._wrapped = users["user"]  # what AuthMiddleware.resolve_scope does
    assert await resolve_user({"user": lazy}) is users["user"]


async def test_resolve_user_loads_a_lazy_user_off_the_event_loop(users: dict[str, Any], django_user_model: Any) -> None:
    pk = users["user"].pk
    lazy = SimpleLazyObject(lambda: django_user_model.objects.get(pk=pk))
    with pytest.raises(SynchronousOnlyOperation):  # evaluated on the loop, it would fail
        SimpleLazyObject(lambda: django_user_model.objects.get(pk=pk)).is_authenticated  # noqa: B018
    resolved = await resolve_user({"user": lazy})
    assert type(resolved) is django_user_model and resolved.pk == pk


# --- built-in classes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("permission_class", "expected"),
    [
        (AllowAny, {"missing": True, "anonymous": True, "user": True, "staff": True}),
        (IsAuthenticated, {"missing": False, "anonymous": False, "user": True, "staff": True}),
        (IsAdminUser, {"missing": False, "anonymous": False, "user": False, "staff": True}),
    ],
)
@pytest.mark.parametrize("kind", KINDS)
async def test_user_classes(users: dict[str, Any], permission_class: Any, expected: dict, kind: str) -> None:
    user = users[kind]
    assert await allowed(permission_class, user) is expected[kind]
    assert await allowed(permission_class, user, "my_custom_action") is expected[kind]
    # Built-in classes accept the handshake: legacy clients expect a per-message 403.
    assert await check_connect([permission_class], scope_of(user))


async def test_is_admin_user_requires_authentication() -> None:
    stub = SimpleNamespace(is_authenticated=False, is_staff=True)
    assert not await allowed(IsAdminUser, stub)


@pytest.mark.parametrize(("action", "codename"), ACTION_CODENAMES.items())
async def test_model_permissions_need_exactly_the_mapped_permission(
    users: dict[str, Any], action: str, codename: str
) -> None:
    holder = await sync_to_async(grant)(users["user"], Article, codename)
    assert await allowed(DjangoModelPermissions, holder, action)
    others = {"view", "add", "change", "delete"} - {codename}
    lacking = await sync_to_async(grant)(users["staff"], Article, *others)
    assert not await allowed(DjangoModelPermissions, lacking, action)
    assert not await allowed(DjangoModelPermissions, holder, action, BOOKS)  # per model


async def test_model_permissions_create_is_add_and_destroy_is_delete(users: dict[str, Any]) -> None:
    changer = await sync_to_async(grant)(users["user"], Book, "change")
    assert not await allowed(DjangoModelPermissions, changer, "create", BOOKS)
    assert not await allowed(DjangoModelPermissions, changer, "destroy", BOOKS)
    adder_deleter = await sync_to_async(grant)(users["staff"], Book, "add", "delete")
    assert await allowed(DjangoModelPermissions, adder_deleter, "create", BOOKS)
    assert await allowed(DjangoModelPermissions, adder_deleter, "destroy", BOOKS)


def test_cascaded_models_are_what_a_delete_removes_too() -> None:
    assert cascaded_models(Author) == [Book]  # Book.author is on_delete=CASCADE
    # Many-to-many links go with a book or a tag, but they are rows of no model anyone has a permission on.
    assert cascaded_models(Book) == cascaded_models(Tag) == cascaded_models(Article) == []


async def test_cascade_delete_permissions_need_the_cascaded_models_delete_permission(users: dict[str, Any]) -> None:
    authors = SimpleNamespace(model=Author)
    for action in ACTION_CODENAMES:
        if action != "destroy":  # only deletes cascade
            assert await allowed(CascadeDeletePermissions, users["user"], action, authors)
    for kind in KINDS:
        assert not await allowed(CascadeDeletePermissions, users[kind], "destroy", authors)
    author_deleter = await sync_to_async(grant)(users["user"], Author, "delete")
    assert not await allowed(CascadeDeletePermissions, author_deleter, "destroy", authors)
    book_deleter = await sync_to_async(grant)(users["staff"], Book, "delete")
    assert await allowed(CascadeDeletePermissions, book_deleter, "destroy", authors)
    # Nothing cascades from a book: its own permission is DjangoModelPermissions' concern.
    assert await allowed(CascadeDeletePermissions, users["anonymous"], "destroy", BOOKS)


@pytest.mark.parametrize("kind", ["missing", "anonymous"])
async def test_model_permissions_deny_anonymous(users: dict[str, Any], kind: str) -> None:
    for action in ACTION_CODENAMES:
        assert not await allowed(DjangoModelPermissions, users[kind], action)


async def test_model_permissions_deny_unmapped_custom_actions(django_user_model: Any) -> None:
    root = await sync_to_async(django_user_model.objects.create_superuser)("root", password="pw")
    assert all([await allowed(DjangoModelPermissions, root, action) for action in ACTION_CODENAMES])
    assert not await allowed(DjangoModelPermissions, root, "publish")


async def test_model_permissions_perms_map_is_overridable(users: dict[str, Any]) -> None:
    class PublishPermissions(DjangoModelPermissions):
        perms_map = {**DjangoModelPermissions.perms_map, "publish": ["%(app_label)s.change_%(model_name)s"]}

    changer = await sync_to_async(grant)(users["user"], Article, "change")
    assert await allowed(PublishPermissions, changer, "publish")
    assert not await allowed(DjangoModelPermissions, changer, "publish")
    assert DjangoModelPermissions().get_required_permissions("destroy", Article) == ["demo.delete_article"]


async def test_model_permissions_accept_the_handshake(users: dict[str, Any]) -> None:
    assert await check_connect([DjangoModelPermissions], scope_of(None))


@pytest.mark.parametrize("resource", [SimpleNamespace(model=None), SimpleNamespace()])
async def test_model_permissions_without_model_are_misconfigured(users: dict[str, Any], resource: Any) -> None:
    with pytest.raises(ImproperlyConfigured, match="model"):
        await check_permissions([DjangoModelPermissions], scope_of(users["user"]), "list", resource)


# --- composition ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("composed", "expected"),
    [
        (IsAuthenticated & IsAdminUser, {"missing": False, "anonymous": False, "user": False, "staff": True}),
        (IsAdminUser | AllowAny, {"missing": True, "anonymous": True, "user": True, "staff": True}),
        (~IsAuthenticated, {"missing": True, "anonymous": True, "user": False, "staff": False}),
        (~IsAuthenticated | IsAdminUser, {"missing": True, "anonymous": True, "user": False, "staff": True}),
        (IsAuthenticated & ~IsAdminUser, {"missing": False, "anonymous": False, "user": True, "staff": False}),
        (~(IsAuthenticated & ~IsAdminUser), {"missing": True, "anonymous": True, "user": False, "staff": True}),
    ],
)
@pytest.mark.parametrize("kind", KINDS)
async def test_composition_applies_to_both_hooks(users: dict[str, Any], composed: Any, expected: dict, kind: str) -> None:
    assert await allowed(composed, users[kind]) is expected[kind]
    assert await check_connect([composed], scope_of(users[kind]))


class Recording(BasePermission):
    """Counts instantiations and calls, so tests see per-check instances and short-circuiting."""

    created = 0
    calls: list[str] = []

    def __init__(self) -> None:
        type(self).created += 1

    async def has_permission(self, scope: Any, action: str, resource: Any) -> bool:
        self.calls.append(action)
        return True


async def test_composition_short_circuits_and_instantiates_per_check() -> None:
    Recording.created, Recording.calls = 0, []
    await check_permissions([AllowAny | Recording], {}, "list", ARTICLES)
    assert Recording.calls == []
    await check_permissions([~AllowAny | Recording, Recording], {}, "retrieve", ARTICLES)
    assert Recording.calls == ["retrieve", "retrieve"]
    assert Recording.created == 3


async def test_and_reports_the_message_of_the_operand_that_denied(users: dict[str, Any]) -> None:
    class StaffOnly(IsAdminUser):
        message = "Staff only."

    with pytest.raises(PermissionDenied) as denied:
        await check_permissions([IsAuthenticated & StaffOnly], scope_of(users["user"]), "list", ARTICLES)
    assert denied.value.detail == "Staff only."
    with pytest.raises(PermissionDenied) as denied:
        await check_permissions([StaffOnly | IsAdminUser], scope_of(users["user"]), "list", ARTICLES)
    assert denied.value.detail == DEFAULT_MESSAGE


# --- user-written hooks --------------------------------------------------------------------------


class LoggedInToConnect(BasePermission):
    """Refuses the handshake itself to anonymous users (built-in classes answer 403 per message)."""

    async def can_connect(self, scope: Any) -> bool:
        return bool((await resolve_user(scope)).is_authenticated)


class SyncHasArticles(BasePermission):
    """A sync hook doing ORM queries: it only works if it runs in a thread."""

    message = "No articles yet."
    threads: set[int] = set()

    def has_permission(self, scope: Any, action: str, resource: Any) -> bool:
        self.threads.add(threading.get_ident())
        return resource.model.objects.exists()

    def can_connect(self, scope: Any) -> bool:
        self.threads.add(threading.get_ident())
        return Article.objects.exists()


class AsyncUsernameIsAlice(BasePermission):
    message = "Only Alice."
    threads: set[int] = set()

    async def has_permission(self, scope: Any, action: str, resource: Any) -> bool:
        self.threads.add(threading.get_ident())
        return (await resolve_user(scope)).get_username() == "alice"

    async def can_connect(self, scope: Any) -> bool:
        self.threads.add(threading.get_ident())
        return await Article.objects.filter(title="alice").aexists()


async def test_sync_hooks_run_in_a_thread() -> None:
    SyncHasArticles.threads = set()
    with pytest.raises(PermissionDenied, match="No articles yet."):
        await check_permissions([SyncHasArticles], {}, "list", ARTICLES)
    assert not await check_connect([SyncHasArticles], {})
    await sync_to_async(Article.objects.create)(title="alice", content="")
    await check_permissions([SyncHasArticles], {}, "list", ARTICLES)
    assert await check_connect([SyncHasArticles], {})
    assert threading.get_ident() not in SyncHasArticles.threads


async def test_async_hooks_run_on_the_event_loop(users: dict[str, Any]) -> None:
    AsyncUsernameIsAlice.threads = set()
    await check_permissions([AsyncUsernameIsAlice], scope_of(users["user"]), "list", ARTICLES)
    with pytest.raises(PermissionDenied, match="Only Alice."):
        await check_permissions([AsyncUsernameIsAlice], scope_of(users["staff"]), "list", ARTICLES)
    assert not await check_connect([AsyncUsernameIsAlice], {})
    await sync_to_async(Article.objects.create)(title="alice", content="")
    assert await check_connect([AsyncUsernameIsAlice], {})
    assert AsyncUsernameIsAlice.threads == {threading.get_ident()}


async def test_sync_and_async_hooks_compose(users: dict[str, Any]) -> None:
    await sync_to_async(Article.objects.create)(title="alice", content="")
    scope = scope_of(users["user"])
    await check_permissions([SyncHasArticles & AsyncUsernameIsAlice], scope, "list", ARTICLES)
    with pytest.raises(PermissionDenied, match="No articles yet."):
        await check_permissions([AsyncUsernameIsAlice & SyncHasArticles], scope, "list", BOOKS)
    assert await check_connect([SyncHasArticles & ~IsAdminUser], scope)
    assert not await check_connect([SyncHasArticles & LoggedInToConnect], {})
    assert await check_connect([~SyncHasArticles], {})  # negation leaves the handshake open


async def test_sync_hook_may_return_an_awaitable() -> None:
    class Deferred(BasePermission):
        def has_permission(self, scope: Any, action: str, resource: Any) -> Any:
            return Article.objects.aexists()

    with pytest.raises(PermissionDenied):
        await check_permissions([Deferred], {}, "list", ARTICLES)


# --- check_permissions / check_connect ------------------------------------------------------------


async def test_check_permissions_raises_the_first_denial_as_a_legacy_403(users: dict[str, Any]) -> None:
    class MustBeStaff(IsAdminUser):
        message = "Only staff may do that."

    scope = scope_of(users["user"])
    await check_permissions([], scope, "destroy", ARTICLES)
    await check_permissions([AllowAny, IsAuthenticated], scope, "destroy", ARTICLES)
    with pytest.raises(PermissionDenied) as denied:
        await check_permissions([IsAuthenticated, MustBeStaff, DjangoModelPermissions], scope, "destroy", ARTICLES)
    assert exception_handler(denied.value) == (403, ["Only staff may do that."])
    with pytest.raises(PermissionDenied) as denied:
        await check_permissions([DjangoModelPermissions, MustBeStaff], scope, "destroy", ARTICLES)
    assert exception_handler(denied.value) == (403, [DEFAULT_MESSAGE])


async def test_check_connect(users: dict[str, Any]) -> None:
    assert await check_connect([], {})
    assert await check_connect([AllowAny, IsAuthenticated, IsAdminUser], scope_of(users["user"]))
    assert await check_connect([LoggedInToConnect], scope_of(users["user"]))
    assert not await check_connect([AllowAny, LoggedInToConnect], scope_of(users["anonymous"]))


# --- Channels' AuthMiddlewareStack ----------------------------------------------------------------


class AuthenticatedEcho(AsyncWebsocketConsumer):
    """Accepts logged-in users only and greets them by name."""

    async def connect(self) -> None:
        if not await check_connect([LoggedInToConnect], self.scope):
            await self.close()
            return
        await self.accept()
        await self.send(text_data=(await resolve_user(self.scope)).get_username())


async def test_auth_middleware_session_user_is_resolved(django_user_model: Any) -> None:
    user = await sync_to_async(django_user_model.objects.create_user)("alice", password="pw")
    client = Client()
    await sync_to_async(client.force_login)(user)
    key = client.cookies["sessionid"].value
    app = AuthMiddlewareStack(AuthenticatedEcho.as_asgi())

    communicator = WebsocketCommunicator(app, "/ws/", headers=[(b"cookie", f"sessionid={key}".encode())])
    connected, _ = await communicator.connect()
    assert connected
    assert await communicator.receive_from() == "alice"
    await communicator.disconnect()

    anonymous = WebsocketCommunicator(app, "/ws/")
    connected, _ = await anonymous.connect()
    assert not connected
    await anonymous.disconnect()
