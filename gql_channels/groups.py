"""Channel-layer group names built from what clients send (route kwargs, primary keys)."""

from __future__ import annotations

import hashlib
import re

#: What channel layers accept as a group name: ASCII letters, digits, ``-_.``, under 100 characters.
_GROUP_NAME = re.compile(r"^[a-zA-Z0-9_.\-]{1,99}$")


def group_safe(name: str) -> str:
    """``name`` if a channel layer takes it as a group name, else a stable hash of it (the same in every process)."""
    if _GROUP_NAME.match(name):
        return name
    return f"gql_channels.h{hashlib.sha1(name.encode(errors='surrogatepass')).hexdigest()}"
