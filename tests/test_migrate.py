"""``gql_channels_migrate``: the generated schema and consumers, golden files of small serializers, the to-dos.

Golden files are ``snapshots/migrate_<case>_{schema,consumers}.py`` (``UPDATE_SNAPSHOTS=1`` rewrites
them); every generated module is imported too, which builds the schema and binds the consumers'
routes (``Resource.bind`` raises ``ImproperlyConfigured`` on a misconfigured field).
"""

from __future__ import annotations

import os
from io import StringIO
from pathlib import Path

import pytest
import strawberry
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import path, re_path
from djangochannelsrestframework import permissions as dcrf_permissions
from djangochannelsrestframework.decorators import action
from djangochannelsrestframework.generics import GenericAsyncAPIConsumer
from djangochannelsrestframework.mixins import ListModelMixin, UpdateModelMixin
from djangochannelsrestframework.observer import model_observer
from rest_framework import permissions as drf_permissions
from rest_framework import serializers
from rest_framework.pagination import CursorPagination, LimitOffsetPagination
from rest_framework_channels import generics
from rest_framework_channels.consumers import AsyncAPIConsumer
from rest_framework_channels.decorators import async_action
from rest_framework_channels.permissions import IsOwner
from strawberry_django.optimizer import DjangoOptimizerExtension

from example_project.demo.models import Article, Author, Book, Tag
from gql_channels import ActionConsumer
from gql_channels.migration.codegen import Module
from gql_channels.migration.permissions import PermissionWriter
from gql_channels.migration.serializers import inspect_serializer
from gql_channels.migration.writer import write_migration

from tests.dcrf_app import models as dcrf_models
from tests.dcrf_app import serializers as dcrf_serializers

from .migration_helpers import DCRF_CONSUMERS, PUBLISH_STUB, import_package, migrate

SNAPSHOTS = Path(__file__).parent / "snapshots"


# --- small serializers, each behind a list/create and a retrieve/update/destroy route -------------------


class ArticleFieldsSerializer(serializers.ModelSerializer):
    """``fields`` in an order of its own: the resource keeps it (``fields=``)."""

    class Meta:
        model = Article
        fields = ["title", "id"]


class BookExcludeSerializer(serializers.ModelSerializer):
    """``exclude``: a foreign key and a many-to-many, typed with the related serializers' types."""

    class Meta:
        model = Book
        exclude = ["created_at"]


class AuthorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Author
        fields = "__all__"


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["id", "name"]


class BookReadOnlySerializer(serializers.ModelSerializer):
    """``read_only_fields``: rendered, never in the inputs."""

    class Meta:
        model = Book
        fields = "__all__"
        read_only_fields = ["title", "tags"]


class BookExtraKwargsSerializer(serializers.ModelSerializer):
    """``extra_kwargs``: required where the model has a default, write-only, read-only, not required."""

    class Meta:
        model = Book
        fields = ["id", "title", "pages", "published", "author"]
        extra_kwargs = {
            "pages": {"required": True},
            "published": {"write_only": True},
            "author": {"read_only": True},
            "title": {"required": False},
        }


class ItemPagination(LimitOffsetPagination):
    default_limit = 5
    max_limit = 20


def _consumer(name: str, serializer: type, *extra: type) -> type:
    """An rfc consumer serving ``serializer`` on ``items/`` and ``items/<int:pk>/`` (``extra`` on more routes)."""
    model = serializer.Meta.model
    here = {"__module__": __name__}
    handlers = [
        type(f"{name}List", (generics.ListCreateAPIActionHandler,), {**here, "serializer_class": serializer,
             "queryset": model.objects.all(), "pagination_class": ItemPagination}),
        type(f"{name}Detail", (generics.RetrieveUpdateDestroyAPIActionHandler,), {**here, "serializer_class": serializer,
             "queryset": model.objects.all()}),
    ]
    routes = [path("items/", handlers[0].as_aaah()), path("items/<int:pk>/", handlers[1].as_aaah())]
    for number, other in enumerate(extra):
        handler = type(f"{name}Other{number}", (generics.RetrieveAPIActionHandler,),
                       {**here, "serializer_class": other, "queryset": other.Meta.model.objects.all()})
        routes.append(re_path(rf"^other{number}/(?P<pk>\d+)/$", handler.as_aaah()))
    return type(name, (AsyncAPIConsumer,), {**here, "routepatterns": routes})


FieldsConsumer = _consumer("FieldsConsumer", ArticleFieldsSerializer)
ExcludeConsumer = _consumer("ExcludeConsumer", BookExcludeSerializer, AuthorSerializer, TagSerializer)
ReadOnlyConsumer = _consumer("ReadOnlyConsumer", BookReadOnlySerializer)
ExtraKwargsConsumer = _consumer("ExtraKwargsConsumer", BookExtraKwargsSerializer)
GOLDEN = {"fields": FieldsConsumer, "exclude": ExcludeConsumer, "read_only": ReadOnlyConsumer, "extra_kwargs": ExtraKwargsConsumer}


def check_snapshot(name: str, text: str) -> None:
    """Compare with ``snapshots/<name>.py``; ``UPDATE_SNAPSHOTS=1`` rewrites it."""
    snapshot = SNAPSHOTS / f"{name}.py"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        snapshot.write_text(text)
    assert snapshot.read_text() == text, f"{snapshot.name} differs; rerun with UPDATE_SNAPSHOTS=1 if intended"


@pytest.mark.parametrize("case", list(GOLDEN))
def test_golden_code_of_small_serializers(case: str, tmp_path: Path) -> None:
    migration = write_migration([GOLDEN[case]])
    check_snapshot(f"migrate_{case}_schema", migration.schema)
    check_snapshot(f"migrate_{case}_consumers", migration.consumers)
    migrate(tmp_path, f"golden_{case}", f"{__name__}.{GOLDEN[case].__name__}")
    schema_module, consumers = import_package(tmp_path, f"golden_{case}")
    assert isinstance(schema_module.schema, strawberry.Schema)
    assert DjangoOptimizerExtension in schema_module.schema.extensions
    new = getattr(consumers, GOLDEN[case].__name__)
    assert issubclass(new, ActionConsumer) and new.compiled_routes is not None


def test_fields_follow_the_serializer() -> None:
    """The flags are DRF's own, with ``fields``/``exclude``/``read_only_fields``/``extra_kwargs`` applied."""
    spec = inspect_serializer(BookExtraKwargsSerializer)
    flags = {f.name: (f.readable, f.writable, f.required) for f in spec.fields}
    assert flags == {
        "id": (True, False, False), "title": (True, True, False), "pages": (True, True, True),
        "published": (False, True, False), "author": (True, False, False),
    }
    assert [f.name for f in inspect_serializer(BookExcludeSerializer).fields] == ["id", "title", "pages", "published", "author", "tags"]
    assert inspect_serializer(ArticleFieldsSerializer).rendered == ("title", "id")


# --- what is not translated is said, and the code still builds ------------------------------------


class NestedSerializer(serializers.ModelSerializer):
    author = AuthorSerializer(read_only=True)
    word_count = serializers.SerializerMethodField()
    headline = serializers.CharField(source="title", read_only=True)
    pages = serializers.IntegerField(min_value=10)

    class Meta:
        model = Book
        fields = ["id", "title", "pages", "author", "word_count", "headline"]

    def get_word_count(self, book: Book) -> int:
        return len(book.title.split())


class NotAModelSerializer(serializers.Serializer):
    name = serializers.CharField()


class BookPermissions(drf_permissions.DjangoModelPermissions):
    perms_map = {**drf_permissions.DjangoModelPermissions.perms_map, "PUBLISH": ["%(app_label)s.change_%(model_name)s"]}


class OwnBooks(generics.RetrieveUpdateDestroyAPIActionHandler):
    serializer_class = NestedSerializer
    queryset = Book.objects.filter(published=True)
    lookup_field = "title"
    permission_classes = [IsOwner, drf_permissions.IsAuthenticated | drf_permissions.IsAdminUser, BookPermissions]

    def get_queryset(self):
        return super().get_queryset().filter(pages__gt=0)

    @async_action()
    def publish(self, *args, **kwargs):
        return None, 200


class ArticleCursor(CursorPagination):
    page_size = 10


class CursorArticles(generics.ListAPIActionHandler):
    serializer_class = ArticleFieldsSerializer
    queryset = Article.objects.all()
    pagination_class = ArticleCursor
    permission_classes = [drf_permissions.DjangoModelPermissions]


class Plain(generics.RetrieveAPIActionHandler):
    serializer_class = NotAModelSerializer
    queryset = Article.objects.all()


class TodoConsumer(AsyncAPIConsumer):
    permission_classes = [drf_permissions.IsAuthenticatedOrReadOnly]
    routepatterns = [
        path("books/<str:title>/", OwnBooks.as_aaah()),
        path("articles/", CursorArticles.as_aaah()),
        path("plain/<int:pk>/", Plain.as_aaah()),
    ]


class HasAuthor(dcrf_permissions.BasePermission):
    async def has_permission(self, scope, consumer, action, **kwargs) -> bool:
        return True


class TodoDcrfConsumer(UpdateModelMixin, ListModelMixin, GenericAsyncAPIConsumer):
    """On the DCRF app's models: the observer connects signals, which no other test should meet."""

    serializer_class = dcrf_serializers.AuthorSerializer
    queryset = dcrf_models.Author.objects.all()
    permission_classes = [HasAuthor, drf_permissions.IsAuthenticated]

    @model_observer(dcrf_models.Author)
    async def author_activity(self, message, observer=None, **kwargs):
        await self.send_json(message)

    @action()
    async def rename(self, pk, name, request_id=None, **kwargs):
        return {"pk": pk, "name": name}, 200


def test_what_is_not_translated_is_listed_printed_and_the_code_still_builds(tmp_path: Path) -> None:
    output = migrate(tmp_path, "todo_app", f"{__name__}.TodoConsumer", f"{__name__}.TodoDcrfConsumer")
    schema_text = (tmp_path / "todo_app" / "schema.py").read_text()
    consumers_text = (tmp_path / "todo_app" / "consumers.py").read_text()
    expected = [
        "NestedSerializer.author: nested AuthorSerializer: rendered as the related key",
        "NestedSerializer.word_count: SerializerMethodField `get_word_count`",
        "NestedSerializer.headline: CharField(source='title')",
        "NestedSerializer.pages: declared IntegerField(min_value=10)",
        "Plain: NotAModelSerializer is not a ModelSerializer",
        "OwnBooks.queryset is not Book.objects.all()",
        "OwnBooks.get_queryset is overridden",
        "OwnBooks.lookup_field = 'title' is not the primary key",
        "OwnBooks.publish: custom action `publish` becomes the stub mutation publishNested",
        "CursorArticles: CursorPagination is not translated",
        "permission rest_framework_channels.permissions.IsOwner",
        "DjangoModelPermissions: translated to gql_channels' class of that name",
        "TodoDcrfConsumer served `update` only",
        "TodoDcrfConsumer updates but does not create",
        "TodoDcrfConsumer.author_activity is an observer",
        "TodoDcrfConsumer.rename: custom action `rename` becomes the stub mutation renameAuthor",
        f"permission {__name__}.HasAuthor",
        "IsAuthenticatedOrReadOnly: rest_framework_channels 0.0.7 asked DRF's permission classes with a DRF Request",
        "IsAuthenticated: djangochannelsrestframework also asked DRF's permission classes at the handshake",
    ]
    for todo in expected:
        assert todo in output, todo
        assert todo in schema_text and todo in consumers_text, todo
    schema_module, consumers = import_package(tmp_path, "todo_app")
    assert consumers.TodoConsumer.compiled_routes is not None and consumers.TodoDcrfConsumer.dialect == "djangochannelsrestframework"
    # The stubs: a permission that denies, mutations that say they are not ported.
    assert "class IsOwner(BasePermission):" in consumers_text and "return False" in consumers_text
    assert "IsAuthenticated | IsAdminUser," in consumers_text
    assert 'raise NotImplementedError("TodoDcrfConsumer.rename is not ported yet")' in schema_text
    assert "def rename_author(self, name: JSON, pk: strawberry.ID | None = None) -> JSON:" in schema_text
    # DRF's method-keyed perms_map, re-keyed by action as the old library asked it (create as PUT...).
    assert '"create": ["%(app_label)s.change_%(model_name)s"]' in consumers_text
    assert '"publish": ["%(app_label)s.change_%(model_name)s"]' in consumers_text
    assert consumers.BookPermissions.perms_map["retrieve"] == []


def test_permission_classes_translate_by_name_and_composition() -> None:
    module, todos = Module(""), []
    writer = PermissionWriter(module, todos)
    composed = drf_permissions.IsAuthenticated & ~drf_permissions.IsAdminUser
    assert writer.expressions([drf_permissions.AllowAny], library="rest_framework_channels") == []
    assert writer.expressions([composed, dcrf_permissions.IsAuthenticated], library="djangochannelsrestframework") == [
        "IsAuthenticated & ~IsAdminUser", "IsAuthenticated",
    ]
    from gql_channels.permissions import IsAuthenticatedOrReadOnly

    assert writer.expressions([IsAuthenticatedOrReadOnly], library="rest_framework_channels") == ["IsAuthenticatedOrReadOnly"]
    # DCRF asked DRF's classes at the handshake too: the two that refuse anonymous clients say so.
    assert [todo.split(":")[0] for todo in todos] == ["IsAuthenticated", "IsAdminUser"]


def test_the_repository_apps_migrate_into_modules_that_import(migrated: Path) -> None:
    """benchmarks/drf_app.py and the DCRF test app: schemas build, consumers bind, same class names."""
    drf_schema, drf = import_package(migrated, "migrated_drf")
    assert [str(route.pattern) for route in drf.DrfConsumer.routepatterns] == [
        r"^test_child_route/(?P<pk>[-\w]+)/$", "test_child_route/", "articles/",
    ]
    assert drf.ArticlePagination.page_size == 10 and drf.ArticlePagination.max_page_size == 100
    dcrf_schema, dcrf = import_package(migrated, "migrated_dcrf")
    for name in DCRF_CONSUMERS:
        consumer = getattr(dcrf, name)
        assert consumer.dialect == "djangochannelsrestframework" and consumer.compiled_routes is not None
    assert dcrf.TagPagination.default_limit == 2 and dcrf.TagPagination.max_limit == 5
    sdl = dcrf_schema.schema.as_str()
    assert "authorChanged(pk: ID!): ModelEvent!" in sdl and "publishBook(pk: ID = null): JSON!" in sdl
    assert PUBLISH_STUB not in (migrated / "migrated_dcrf" / "schema.py").read_text()  # ported by the fixture


def test_the_command_refuses_to_overwrite_and_what_it_cannot_read(tmp_path: Path) -> None:
    migrate(tmp_path, "once", f"{__name__}.FieldsConsumer")
    with pytest.raises(CommandError, match="pass --force"):
        migrate(tmp_path, "once", f"{__name__}.FieldsConsumer")
    call_command("gql_channels_migrate", f"{__name__}.FieldsConsumer", "--output", str(tmp_path / "once"),
                 "--force", stdout=StringIO())
    with pytest.raises(CommandError, match="neither a rest_framework_channels"):
        migrate(tmp_path, "other", "example_project.consumers.LegacyConsumer")
    with pytest.raises(CommandError, match="Cannot import"):
        migrate(tmp_path, "other", "no.such.Consumer")
