"""A legacy write's model validation, as DRF's ``ModelSerializer`` validated it.

strawberry-django's mutations run ``Model.full_clean()``; DRF never did: it validated the fields a client
sent, with the serializer fields' rules (``coercion`` checks those before anything runs). While a legacy
write runs (``drf_validation()``), ``clean_fields`` of the written model's instance therefore leaves out:

- the fields the client did not send (a row stored with a blank ``note`` can still be updated), and
- the sent fields holding an empty value (``None``, ``""``, ``[]``, ``{}``): DRF's serializer fields already
  judged those (``allow_null``, ``allow_blank``), where ``full_clean`` answers "This field cannot be
  blank." for ``null`` on a ``null=True`` field without ``blank=True``, or ``{}`` in a ``JSONField``
  (no validator runs on an empty value anyway).

Model ``clean()``, constraints and uniqueness still run. One more difference is reworded:
uniqueness in DRF's words: ``UniqueValidator`` said "gadget with this uid already exists." where
  ``full_clean`` says "Gadget with this Uid already exists." (``unique_message``).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models

#: The model a legacy write runs for, and the names of the fields its client sent.
_legacy_write: ContextVar[tuple[type[models.Model], frozenset[str]] | None] = ContextVar(
    "gql_channels_legacy_write", default=None
)


@contextmanager
def drf_validation(model: type[models.Model] | None, sent: frozenset[str]) -> Iterator[None]:
    """Inside, ``model`` 's ``full_clean`` checks the fields in ``sent`` (but empty values), as DRF did."""
    if model is None:
        yield
        return
    _install()
    token = _legacy_write.set((model, sent))
    try:
        yield
    finally:
        _legacy_write.reset(token)


def _install() -> None:
    """Wrap ``Model.clean_fields`` once; outside ``drf_validation()`` it is Django's own."""
    clean_fields = models.Model.clean_fields
    if getattr(clean_fields, "_gql_channels", False):
        return

    @functools.wraps(clean_fields)
    def legacy_clean_fields(self: models.Model, exclude: Any = None) -> None:
        write = _legacy_write.get()
        if write is not None and isinstance(self, write[0]):
            left_out = {
                f.name for f in self._meta.concrete_fields
                if f.name not in write[1] or getattr(self, f.attname) in f.empty_values
            }
            exclude = {*(exclude or ()), *left_out}
        clean_fields(self, exclude)

    legacy_clean_fields._gql_channels = True  # type: ignore[attr-defined]
    models.Model.clean_fields = legacy_clean_fields  # type: ignore[method-assign]


def unique_message(model: type[models.Model], field_name: str) -> str | None:
    """DRF's ``UniqueValidator`` message for ``field_name`` (the model field's own ``unique`` message)."""
    try:
        field = model._meta.get_field(field_name)
    except FieldDoesNotExist:
        return None
    message = getattr(field, "error_messages", {}).get("unique")
    if not message or not isinstance(field, models.Field):
        return None
    return str(message) % {"model_name": model._meta.verbose_name, "field_label": field.verbose_name}


def drf_words(error: DjangoValidationError) -> DjangoValidationError:
    """``error`` with its uniqueness messages reworded as DRF's ``UniqueValidator`` wrote them."""
    if not hasattr(error, "error_dict"):
        return error
    reworded: dict[str, list[Any]] = {}
    for field, errors in error.error_dict.items():
        reworded[field] = []
        for item in errors:
            params = item.params or {}
            check = params.get("unique_check", ())
            model = params.get("model_class")
            message = unique_message(model, check[0]) if item.code == "unique" and model and len(check) == 1 else None
            reworded[field].append(DjangoValidationError(message, code="unique") if message else item)
    return DjangoValidationError(reworded)
