"""The grid -> region -> node hierarchy over HTTP: ``/api/v1/grids``, ``/regions``, ``/nodes``.

Names are unique within their parent (409 otherwise); a parent must exist (422 naming the field).
Nothing holding measures disappears or moves by accident: deleting a grid or region with
children, or a node with measures, is a 409, and only ``DELETE /nodes/{id}?cascade=true``
deletes a node together with its measures (and queues the rollups' refresh over them).
A grid has an IANA time zone (its local days); a node answers with its default series' id.
"""
