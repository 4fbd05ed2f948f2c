#!/bin/sh
# Temporal's persistence schema on PostgreSQL, set up with the official admin-tools image's temporal-sql-tool.
# Idempotent: `create` tolerates an existing database, `update-schema` applies only what is missing.
set -eu
HOST=${POSTGRES_SEEDS:-postgres}
USER=${POSTGRES_USER:?}
export SQL_PASSWORD=${POSTGRES_PWD:?}
tool() { temporal-sql-tool --plugin postgres12 --ep "$HOST" -u "$USER" -p 5432 "$@"; }

until nc -z "$HOST" 5432; do echo "waiting for PostgreSQL at $HOST:5432"; sleep 2; done
for db in temporal temporal_visibility; do
  tool --db "$db" create || true
done
tool --db temporal setup-schema -v 0.0 || true
tool --db temporal update-schema -d /etc/temporal/schema/postgresql/v12/temporal/versioned
tool --db temporal_visibility setup-schema -v 0.0 || true
tool --db temporal_visibility update-schema -d /etc/temporal/schema/postgresql/v12/visibility/versioned
echo "Temporal schema ready"
