"""Series over HTTP: ``/api/v1/series``.

A series is one quantity of one node: a kind from the catalogue (``gridts.kinds``, which gives
its unit and aggregation) and an optional subtype (the fuel of a generation series, say); at
most one series per node, kind and subtype (409 otherwise). Every node has a default series
(kind ``load``, no subtype) made with the node and deleted only with it. A series that holds
measures keeps its node, kind and subtype and is not deleted (409): its revisions and every
rollup over them were stored under that meaning.
"""
