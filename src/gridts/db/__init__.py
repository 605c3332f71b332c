"""Database plumbing shared by every resource: pool, named queries, migrations, errors."""
