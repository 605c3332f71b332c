"""What every read shares: its parameters, the entities it selects, and how rows are fetched.

Where a read request goes: Litestar parses the query string; ``filters.provide_filters`` checks
the range and the node/region/grid filters once (a Litestar dependency every read controller
asks for), ``levels.provide_selection`` folds a rollup's or accuracy's ``level`` and ``id`` into
them; the resource's ``service`` builds its named SQL (``sql/queries/<resource>/``) and
``rows.fetch_rows`` runs it straight into msgspec Structs, which Litestar encodes with msgspec.
Refused parameters raise ``gridts.errors`` exceptions, answered by ``gridts.http_errors``.
"""
