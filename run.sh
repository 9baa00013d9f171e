#!/usr/bin/env bash
# Runs the Sluice gateway: makes sure Redis and PostgreSQL are running, builds the jar when the
# sources are newer, then starts it in the foreground. Arguments go to the gateway
# (e.g. ./run.sh --config my.yaml); settings come from config/gateway.yaml and SLUICE_* variables.
set -euo pipefail
cd "$(dirname "$0")"

scripts/ensure-backends.sh
jar=gateway/target/sluice-gateway.jar
if [ ! -f "$jar" ] || [ -n "$(find pom.xml gateway/pom.xml gateway/src/main -newer "$jar" -print -quit)" ]; then
  echo "[run] building $jar" >&2
  mvn -B -q -DskipTests -Dspotless.check.skip=true package
fi
exec java -XX:+ExitOnOutOfMemoryError -jar "$jar" "$@"
