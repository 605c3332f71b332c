#!/bin/sh
# Run once by the database image's entrypoint when it creates the cluster (compose.yaml mounts it
# into /docker-entrypoint-initdb.d): let the replica service stream WAL and take its base backup.
# The image's own pg_hba.conf has "host all all all scram-sha-256", which does not match the
# "replication" pseudo-database, so without this line pg_basebackup is refused.
set -e
echo "host replication postgres all scram-sha-256" >> "$PGDATA/pg_hba.conf"
