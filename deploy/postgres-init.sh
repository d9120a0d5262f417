#!/usr/bin/env bash
# First start of the PostgreSQL volume: brandradar's team state gets its own role and database
# beside Airflow's metadata database (the password comes from .env through the environment).
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
     -v pw="$STATE_DB_PASSWORD" <<'SQL'
CREATE ROLE brandradar LOGIN PASSWORD :'pw';
CREATE DATABASE brandradar OWNER brandradar;
SQL
