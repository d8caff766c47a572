"""strawberry-django lookup inputs safe to offer any client.

strawberry-django's ``lookups=True`` gives text fields ``StrFilterLookup``, whose ``regex`` and
``iRegex`` run the client's pattern in the database. On SQLite that is Python's ``re`` inside the
server process, holding the GIL: ``.*.*.*.*.*.*.*.*.*☃`` over a few thousand rows stalls every
client, on every protocol, for seconds. Annotate such fields with ``TextFilterLookup`` instead.
"""

from __future__ import annotations

import strawberry
from strawberry_django import BaseFilterLookup
from strawberry_django.fields.filter_order import filter_field

__all__ = ["TextFilterLookup"]

_SKIP = "Filter will be skipped on `null` value"


@strawberry.input(description="strawberry-django's StrFilterLookup without the regular expression lookups.")
class TextFilterLookup(BaseFilterLookup[str]):
    i_exact: str | None = filter_field(description=f"Case-insensitive exact match. {_SKIP}")
    contains: str | None = filter_field(description=f"Case-sensitive containment test. {_SKIP}")
    i_contains: str | None = filter_field(description=f"Case-insensitive containment test. {_SKIP}")
    starts_with: str | None = filter_field(description=f"Case-sensitive starts-with. {_SKIP}")
    i_starts_with: str | None = filter_field(description=f"Case-insensitive starts-with. {_SKIP}")
    ends_with: str | None = filter_field(description=f"Case-sensitive ends-with. {_SKIP}")
    i_ends_with: str | None = filter_field(description=f"Case-insensitive ends-with. {_SKIP}")
