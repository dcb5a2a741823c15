# syntax=docker/dockerfile:1.7
# embedflow's orchestrator image: the `embedflow` CLI (serve, gang-worker, ...) on a JRE.
# Build from the repository root:
#   docker build -f k8s/images/orchestrator.Dockerfile -t embedflow/orchestrator:0.1.0 .
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -B -q -DskipTests -pl orchestrator -am package dependency:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory=/out/lib \
 && cp orchestrator/target/orchestrator-*.jar /out/lib/ \
 && rm -f /out/lib/*-tests.jar

FROM eclipse-temurin:17-jre
COPY --from=build /out/lib/ /opt/embedflow/lib/
# the launcher: DJL offline (no call home at class load), the JDK opens Flink's client classes need
COPY <<'SH' /usr/local/bin/embedflow
#!/bin/sh
exec java ${JAVA_OPTS:-} \
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED \
  --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED \
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED \
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED \
  -Dai.djl.offline=true -DOPT_OUT_TRACKING=true \
  -cp '/opt/embedflow/lib/*' io.embedflow.orchestrator.cli.Main "$@"
SH
RUN chmod 0755 /usr/local/bin/embedflow \
 && groupadd --gid 10001 embedflow && useradd --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin embedflow
ENV OPT_OUT_TRACKING=true PYTORCH_VERSION=2.7.1 PYTORCH_FLAVOR=cpu MALLOC_ARENA_MAX=2 \
    EMBEDFLOW_HOME=/var/lib/embedflow DJL_CACHE_DIR=/var/cache/embedflow/djl
USER 10001:10001
ENTRYPOINT ["embedflow"]
