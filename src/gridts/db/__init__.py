"""Database plumbing shared by every resource.

The pool, the connection dependency, named queries, the schema files and the Alembic migrations
that apply them.
"""
