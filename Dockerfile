# syntax=docker/dockerfile:1
#
# Sluice gateway image.
#
#   docker build -t sluice-gateway .
#   docker run --rm -p 8080:8080 \
#     -e SLUICE_REDIS_URL=redis://:password@redis:6379 \
#     -e SLUICE_PG_URL=postgresql://sluice:sluice@postgres:5432/sluice \
#     -e SLUICE_ADMIN_TOKEN=... -e SLUICE_MASTER_KEY=... sluice-gateway
#
# Extra JVM options (GC logging, a heap dump path, ...) go in JAVA_TOOL_OPTIONS: the JVM reads it
# itself, so the ENTRYPOINT can stay in exec form.

# ---------------------------------------------------------------------------------------------
# Build stage: Maven + JDK 17.
# ---------------------------------------------------------------------------------------------
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /build

# Poms first, on their own: the dependency download below is cached as a layer and only re-runs
# when a pom changes, not on every source edit. The load-tests pom is needed because the parent
# lists it as a module, even though only the gateway is built here.
COPY pom.xml ./
COPY gateway/pom.xml gateway/
COPY load-tests/pom.xml load-tests/
RUN mvn -B -ntp -pl gateway -am dependency:go-offline

# go-offline misses a few artifacts resolved only during the build (some plugin dependencies), so
# the package step keeps network access rather than running with -o.
COPY gateway/src gateway/src
# The API document, served at /openapi.json: the build copies it into the jar.
COPY docs/openapi.yaml docs/
RUN mvn -B -ntp -pl gateway -am -DskipTests package

# ---------------------------------------------------------------------------------------------
# Runtime stage: JRE only.
# ---------------------------------------------------------------------------------------------
FROM eclipse-temurin:17-jre

LABEL org.opencontainers.image.title="sluice-gateway" \
      org.opencontainers.image.description="Reactive multi-tenant message gateway"

# curl for the HEALTHCHECK. Newer Temurin images dropped curl from the base, so install it
# explicitly instead of relying on it being there.
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*

# Fixed, non-root uid/gid so volume permissions and Kubernetes runAsUser/runAsNonRoot are
# predictable. No home directory and no login shell: the process needs neither.
RUN groupadd --system --gid 10001 sluice \
    && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin sluice

WORKDIR /app

# Owned by root and read-only for the gateway: it never writes next to its own jar or config.
# Vert.x writes its file cache under java.io.tmpdir (/tmp); with a read-only root filesystem,
# mount a writable /tmp.
COPY --from=build /build/gateway/target/sluice-gateway.jar /app/sluice-gateway.jar
COPY config/gateway.yaml /app/config/gateway.yaml

# Defaults for a container; secrets (SLUICE_ADMIN_TOKEN, SLUICE_MASTER_KEY) and backend URLs are
# supplied at run time, never baked into the image.
ENV SLUICE_HTTP_PORT=8080 \
    SLUICE_LOG_FORMAT=json

USER 10001:10001

EXPOSE 8080

# Liveness only (the process serves HTTP); readiness (/health/ready, 503 while Redis or
# PostgreSQL is unreachable) is for load balancers and orchestrators, which must not restart the
# container because a backend is down. Shell form so that SLUICE_HTTP_PORT is expanded.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD curl -fsS --max-time 2 -o /dev/null "http://127.0.0.1:${SLUICE_HTTP_PORT:-8080}/health/live" || exit 1

# Exec form: java is PID 1 and receives SIGTERM directly, so the gateway's graceful shutdown
# (stop accepting, drain in-flight requests) runs on `docker stop`.
#   MaxRAMPercentage=75        heap sized from the container memory limit, leaving a quarter for
#                              metaspace, thread stacks and Netty's direct buffers
#   ExitOnOutOfMemoryError     a JVM that ran out of heap is not trusted to keep serving; exit
#                              and let the orchestrator restart it
#   UseG1GC                    explicit: below 2 CPUs or 1792 MB the JVM would pick SerialGC,
#                              whose full pauses stall every event loop
ENTRYPOINT ["java", \
            "-XX:MaxRAMPercentage=75", \
            "-XX:+ExitOnOutOfMemoryError", \
            "-XX:+UseG1GC", \
            "-jar", "/app/sluice-gateway.jar", \
            "--config", "/app/config/gateway.yaml"]
