"""The catalogue of kinds over HTTP: ``/api/v1/kinds``.

A kind is a quantity a series measures (load, generation, price ...): its unit, and how values
of several nodes combine (``sum`` for extensive quantities, ``mean`` for intensive ones). Every
stored value and rollup was read that way, so a kind that series use keeps its unit and
aggregation and cannot be deleted (409); ``load`` is the kind of every node's default series and
is never deleted. Migration 0007 ships the defaults.
"""
