-- Wakes every refresher listening on the channel; delivered only if the transaction commits.
SELECT pg_notify(%(channel)s, '')
