"""``compiled_writes``: which generated writes compile, and that a compiled write answers exactly what executing
its document answers: ``GQL_CHANNELS["COMPILED_READS"] = "compare"`` completes the returned object through
graphql-core too, on Hypothesis users (unicode, nulls, refused usernames); and a bad write's envelope, and what
it leaves in the database, are the same with the switch on and off."""

from __future__ import annotations

import datetime
import logging
from typing import Any

import pytest
import strawberry
import strawberry_django
from asgiref.sync import sync_to_async
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.urls import path
from graphql import GraphQLError
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from strawberry import auto
from strawberry.extensions import FieldExtension
from strawberry.permission import BasePermission
from strawberry.schema.config import StrawberryConfig
from strawberry.types import Info
from strawberry_django.mutations import mutations
from strawberry_django.mutations.fields import DjangoCreateMutation
from strawberry_django.optimizer import DjangoOptimizerExtension
from strawberry_django.permissions import IsAuthenticated

from example_project.consumers import ArticleConsumer, LegacyConsumer
from example_project.demo.models import Article
from gql_channels import ActionConsumer, Resource
from gql_channels.compiled_writes import compile_write
from gql_channels.context import LegacyContext
from gql_channels.execution import execute_compiled_write, execute_sync
from gql_channels.testing import ActionCommunicator

from .conftest import HUNG
from .test_compiled import compiled_of, refused_differences


def compiled_writes_of(consumer: Any) -> dict[str, set[str]]:
    return compiled_of(consumer, "compiled_writes")


def test_the_example_compiles_its_plain_writes() -> None:
    compiled = compiled_writes_of(LegacyConsumer)
    # update and partial_update run one document, so one plan.
    assert compiled["articles/"] == compiled["articles/<str:pk>/"] == {"create", "update", "destroy"}
    # HasPerm and RelatedKeysLimiter on the book mutations, IsAuthenticated and OperationInfo on the authors'.
    assert compiled["books/"] == compiled["books/<str:pk>/"] == compiled["authors/"] == set()
    assert compiled_writes_of(ArticleConsumer)[""] == {"create", "update", "destroy"}


# --- a schema of nullable and validated columns, and what must not compile ---------------------------


@strawberry_django.type(User)
class UserType:
    id: auto
    username: auto
    first_name: auto
    last_login: auto  # nullable
    is_staff: auto


@strawberry_django.type(Group)
class GroupType:
    id: auto


@strawberry_django.type(User)
class GroupedUserType:
    id: auto
    groups: list[GroupType]


@strawberry_django.input(User)
class UserInput:
    username: auto
    first_name: auto
    is_staff: auto
    last_login: auto


@strawberry_django.partial(User)
class UserPartial:
    id: auto
    username: auto
    first_name: auto
    is_staff: auto
    last_login: auto


@strawberry.input
class UserKey:
    id: strawberry.ID


class LoggedCreate(DjangoCreateMutation):
    """A resolver of its own: only executing the document runs it as the schema says."""

    def resolver(self, source: Any, info: Any, args: list[Any], kwargs: dict[str, Any]) -> Any:
        return super().resolver(source, info, args, kwargs)


@strawberry.type
class Query:
    user: UserType = strawberry_django.field()


@strawberry.type
class Mutation:
    create_user: UserType = mutations.create(UserInput)
    update_user: UserType = mutations.update(UserPartial)
    delete_user: UserType = mutations.delete(UserKey)
    guarded_create: UserType = mutations.create(UserInput, extensions=[IsAuthenticated()])
    checked_create: UserType = mutations.create(UserInput, handle_django_errors=True)
    grouped_create: GroupedUserType = mutations.create(UserInput)
    logged_create: UserType = LoggedCreate(UserInput)


class AsyncOnly(FieldExtension):
    """An extension with no synchronous ``resolve``: a write's thread cannot run it."""

    async def resolve_async(self, next_: Any, source: Any, info: Any, **kwargs: Any) -> Any:
        return await next_(source, info, **kwargs)


@strawberry.type
class GuardedMutation(Mutation):
    async_guarded_create: UserType = mutations.create(UserInput, extensions=[AsyncOnly()])


user_schema = strawberry.Schema(query=Query, mutation=GuardedMutation, extensions=[DjangoOptimizerExtension])
users = Resource(retrieve="user", create="createUser", update="updateUser", destroy="deleteUser")
#: Creates through a field extension (IsAuthenticated): Strawberry's resolver of the field runs it.
guarded = Resource(create="guardedCreate")


class UserConsumer(ActionConsumer):
    schema = user_schema
    routepatterns = [path("users/", users), path("users/<str:pk>/", users), path("guarded/", guarded)]


def test_what_does_not_compile() -> None:
    every = {"create", "update", "destroy"}
    assert compiled_writes_of(UserConsumer) == {"users/": every, "users/<str:pk>/": every, "guarded/": {"create"}}
    for field in ("checkedCreate", "groupedCreate", "loggedCreate", "asyncGuardedCreate"):
        operation = Resource(create=field).bind(user_schema).operations["create"]
        assert compile_write(user_schema, operation) is None, field


# --- the differential ----------------------------------------------------------------------------------

names = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=20)
logins = st.sampled_from([None, "2026-01-02T03:04:05Z", "2026-06-30T23:59:59.999999+02:00"])


@pytest.mark.django_db(transaction=True)
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    made=st.lists(st.tuples(names, names, st.booleans(), logins), min_size=1, max_size=4),
    renamed=names,
    login=logins,
)
@example(made=[("ada", "Ada", True, None), ("ada", "twice", False, None), ("b c", "", False, None)], renamed="é", login=None)
async def test_compiled_writes_answer_what_execution_answers(
    made: list[tuple[str, str, bool, str | None]], renamed: str, login: str | None,
    caplog: pytest.LogCaptureFixture, settings: Any,
) -> None:
    settings.GQL_CHANNELS = {"COMPILED_READS": "compare"}
    await sync_to_async(User.objects.all().delete)()
    signed_in = ActionCommunicator(UserConsumer.as_asgi(), "/ws/")
    signed_in.scope["user"] = await sync_to_async(User.objects.create)(username="signed in")
    with caplog.at_level(logging.ERROR):
        async with ActionCommunicator(UserConsumer.as_asgi(), "/ws/") as client, signed_in:
            for username, first_name, staff, last_login in made:
                data = {"username": username, "first_name": first_name, "is_staff": staff, "last_login": last_login}
                created = await client.request("create", "users/", data, timeout=HUNG)
                assert created["status"] in (201, 400), created  # a username Django's validators refuse: 400
                if created["status"] != 201:
                    continue
                route = f"users/{created['data']['id']}/"
                patched = await client.request("partial_update", route, {"first_name": renamed, "last_login": login}, timeout=HUNG)
                assert patched["status"] == 200 and patched["data"]["first_name"] == renamed, patched
                replaced = await client.request("update", route, {**data, "username": f"{username[:10]}-2"}, timeout=HUNG)
                assert replaced["status"] in (200, 400), replaced
                guarded_data = {**data, "username": f"{username[:10]}-g"}
                reply = await signed_in.request("create", "guarded/", guarded_data, timeout=HUNG)
                assert reply["status"] in (201, 400), reply
            left = await sync_to_async(list)(User.objects.values_list("pk", flat=True))
            for pk in left[:1]:
                assert (await client.request("destroy", f"users/{pk}/", timeout=HUNG))["status"] == 204
    assert refused_differences(caplog, "write") == []


@pytest.mark.django_db(transaction=True)
async def test_a_difference_is_refused(settings: Any, caplog: pytest.LogCaptureFixture) -> None:
    """The switch can fail: a compiled write that read another attribute is a 500, logged."""
    settings.GQL_CHANNELS = {"COMPILED_READS": "compare"}
    binding = UserConsumer.compiled_routes.binding(users)
    (plan,) = (plan for plan in binding.compiled_writes.values() if plan.operation.action == "create")
    reads = plan.reads
    wrong = tuple(
        type(read)(read.key, (lambda user, info: user.last_name) if read.key == "first_name" else read.read,
                   read.serialize, read.nullable)
        for read in reads
    )
    object.__setattr__(plan, "reads", wrong)  # frozen: plans never change while serving
    try:
        with caplog.at_level(logging.ERROR):
            async with ActionCommunicator(UserConsumer.as_asgi(), "/ws/") as client:
                reply = await client.request("create", "users/", {"username": "ada", "first_name": "Ada"}, timeout=HUNG)
        assert reply["status"] == 500
        assert refused_differences(caplog, "write")
        assert not await User.objects.filter(username="ada").aexists()  # refused inside the write's transaction
    finally:
        object.__setattr__(plan, "reads", reads)


#: Writes a client gets wrong, and right: (action, route, data).
WRITES: list[tuple[str, str, Any]] = [
    ("create", "users/", {"username": "ada", "first_name": "Ada", "last_login": "2026-01-02T03:04:05Z"}),
    ("create", "users/", {"username": "taken"}),  # unique: full_clean's query
    ("create", "users/", {"username": "b c"}),  # the username validator
    ("create", "users/", {"username": "x" * 151}),
    ("create", "users/", {"first_name": "no username"}),
    ("create", "users/", {"username": "when", "last_login": "not a date"}),
    ("create", "users/", {"username": "staff", "is_staff": "sometimes"}),
    ("create", "users/", {"username": None}),
    ("partial_update", "users/424242/", {"first_name": "Grace"}),
    ("partial_update", "users/424242/", {"username": "b c"}),
    ("update", "users/424242/", {"first_name": "no username"}),
    ("partial_update", "users/999/", {"first_name": "gone"}),
    ("destroy", "users/999/", None),
    ("destroy", "users/424242/", None),
    ("partial_update", "users/424242/", {"first_name": "destroyed"}),
    ("create", "guarded/", {"username": "guarded"}),  # IsAuthenticated: this client is anonymous
]


@pytest.mark.django_db(transaction=True)
async def test_bad_writes_answer_and_leave_the_same_compiled_and_executed(settings: Any) -> None:
    seen: dict[bool, tuple[list[dict[str, Any]], list[tuple[Any, ...]]]] = {}
    for compiled in (False, True):
        settings.GQL_CHANNELS = {"COMPILED_READS": compiled}
        await sync_to_async(User.objects.all().delete)()
        await sync_to_async(User.objects.create)(pk=424242, username="taken")
        replies = []
        async with ActionCommunicator(UserConsumer.as_asgi(), "/ws/") as client:
            for action, route, data in WRITES:
                reply = await client.request(action, route, *([data] if data is not None else []), timeout=HUNG)
                if isinstance(reply["data"], dict) and "id" in reply["data"] and reply["data"]["id"] != 424242:
                    assert isinstance(reply["data"].pop("id"), int)  # a new row's key: the next the database gives
                replies.append(reply)
        rows = await sync_to_async(list)(User.objects.order_by("username").values_list("username", "first_name", "is_staff"))
        seen[compiled] = replies, rows
    assert seen[True] == seen[False]
    statuses = [reply["status"] for reply in seen[True][0]]
    assert statuses == [201, 400, 400, 400, 400, 400, 400, 400, 200, 400, 400, 404, 404, 204, 404, 403], seen[True][0]
    assert seen[True][1] == [("ada", "Ada", False)]


@pytest.mark.django_db(transaction=True)
async def test_the_examples_compiled_writes_answer_what_execution_answers(
    settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.GQL_CHANNELS = {"COMPILED_READS": "compare"}
    with caplog.at_level(logging.ERROR):
        async with ActionCommunicator(LegacyConsumer.as_asgi(), "/ws/") as client:
            created = await client.request("create", "articles/", {"title": "Ünïcode ✓", "content": "⁂\t"}, timeout=HUNG)
            assert created["status"] == 201, created
            route = f"articles/{created['data']['id']}/"
            assert (await client.request("partial_update", route, {"title": "t"}, timeout=HUNG))["status"] == 200
            assert (await client.request("update", route, {"title": "u", "content": "c"}, timeout=HUNG))["status"] == 200
            assert (await client.request("destroy", route, timeout=HUNG))["status"] == 204
    assert refused_differences(caplog, "write") == []
    assert not await Article.objects.aexists()


# --- what the resolver sees, and errors, compiled and executed -------------------------------------------


class PeekingInfo(Info):
    """The schema's own ``info_class``: the resolver gets one, compiled or executed."""


peeked: list[tuple[str, str, Any]] = []


class PeekingCreate(DjangoCreateMutation):
    """strawberry-django's resolver, with a ``create()`` of its own that looks at its info and may fail."""

    def create(self, data: dict[str, Any], *, info: Any) -> Any:
        peeked.append((type(info).__name__, type(info.variable_values).__name__, info.input_extensions))
        if data.get("first_name") == "invalid":
            raise DjangoValidationError("%(what)s is invalid", params={"what": "it"})
        if data.get("first_name") == "located":
            raise GraphQLError("located elsewhere", path=["elsewhere"], extensions={"code": "X"})
        if data.get("first_name") == "group":
            return Group(pk=1, name="not a user")
        return super().create(data, info=info)


class Deny(BasePermission):
    message = "not you"
    error_extensions = {"code": "DENIED"}

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return False


@strawberry_django.type(User)
class StrictUserType:
    id: auto
    username: auto
    last_login: datetime.datetime  # non-null, though the column is nullable


@strawberry.type
class PeekingMutation:
    peeking_create: UserType = PeekingCreate(UserInput)
    strict_create: StrictUserType = mutations.create(UserInput)
    denied_create: UserType = mutations.create(UserInput, permission_classes=[Deny])


peeking_schema = strawberry.Schema(
    query=Query, mutation=PeekingMutation, extensions=[DjangoOptimizerExtension],
    config=StrawberryConfig(info_class=PeekingInfo),
)


def outcome(field: str, data: dict[str, Any], compiled: bool, fields: list[str] | None) -> tuple[Any, list[tuple[Any, ...]]]:
    """The result of one write, compiled or executed, rolled back: its data and its errors in full."""
    operation = Resource(create=field, fields=fields).bind(peeking_schema).operations["create"]
    plan = compile_write(peeking_schema, operation)
    assert plan is not None, field
    variables = {"data": data}
    with transaction.atomic():
        if compiled:
            result = execute_compiled_write(peeking_schema, plan, variables, LegacyContext())
        else:
            result = execute_sync(
                peeking_schema, operation.source, operation.document, variables, LegacyContext(),
                operation_type=operation.operation_type, plain=operation.plain_readers, optimize=False,
            )
        transaction.set_rollback(True)
    errors = [
        (e.message, e.path, e.locations, type(e.original_error), e.extensions) for e in result.errors or ()
    ]
    return result.data, errors


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "first_name", "fields"),
    [
        ("peekingCreate", "fine", None),
        ("peekingCreate", "invalid", None),  # a Django ValidationError's message, as graphql-core words it
        ("peekingCreate", "located", None),  # a GraphQLError with a path of its own stays as it is
        ("peekingCreate", "group", None),  # another type, without the selected attributes
        ("peekingCreate", "group", ["id"]),  # another type with them: graphql-core's is_type_of error
        ("strictCreate", "fine", None),  # a null where the type says non-null: graphql-core's error, at the field
        ("deniedCreate", "fine", None),  # permission_classes: Strawberry's own resolver runs them
    ],
)
def test_the_resolver_sees_and_errors_read_as_executed(field: str, first_name: str, fields: list[str] | None) -> None:
    data = {"username": "ada", "firstName": first_name}
    peeked.clear()
    compiled = outcome(field, data, True, fields)
    executed = outcome(field, data, False, fields)
    assert compiled == executed
    assert peeked[:1] == peeked[1:] and (field != "peekingCreate" or peeked[0] == ("PeekingInfo", "dict", None))
