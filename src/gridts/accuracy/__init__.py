"""``GET /api/v1/accuracy``: how good the forecasts were, at several leads, at every level.

The point of keeping every revision: for each target, the value known ``lead`` before it is
compared with the final value, node by node or on a region's / grid's totals.
"""
