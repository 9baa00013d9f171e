#!/usr/bin/env bash
# Runs every test (unit and integration, against the real local Redis and PostgreSQL), after
# making sure both are running. Extra arguments go to Maven (e.g. ./test.sh -Dtest=ConfigLoaderTest).
set -euo pipefail
cd "$(dirname "$0")"

scripts/ensure-backends.sh --for-tests
exec mvn -B verify "$@"
