"""Migrating consumers of the old libraries: read them, write the gql_channels code, prove the replies equal.

``manage.py gql_channels_migrate`` reads rest_framework_channels and djangochannelsrestframework
consumers (``legacy``; their serializers: ``serializers``), decides the names and root fields
(``plan``) and writes a strawberry-django schema (``schema_code``) and the ``ActionConsumer`` s
serving it (``consumer_code``, ``permissions``), as a person would write them (``codegen``;
``writer`` puts it together). ``manage.py gql_channels_compare`` replays recorded messages through
an old and a new consumer (``replay``) and compares their replies by the contracts' rules
(``comparison``); ``gql_channels.recording`` records them in production.

Only these modules import the old libraries and Django REST framework, and only when a command
runs: they are migration-time tools (the ``migrate`` extra), never runtime dependencies.
"""
