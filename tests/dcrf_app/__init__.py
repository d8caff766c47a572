"""A djangochannelsrestframework 1.3.0 app, as a team wrote one, for the migration tests to migrate.

Books (a foreign key to an author, a many-to-many to tags), tags (a slug primary key) and authors,
each served by ``GenericAsyncAPIConsumer`` s with every mixin: list, paginated, streamed, retrieve,
create, update, patch, delete, ``ObserverModelInstanceMixin``, and an ``@action``.
"""
