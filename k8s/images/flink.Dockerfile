# syntax=docker/dockerfile:1.7
# embedflow's Flink image: Flink 2.3 with the pipeline jar, the GPU driver plugin and DJL in lib/.
# Build from the repository root:
#   docker build -f k8s/images/flink.Dockerfile -t embedflow/flink:0.1.0 .
#   docker build -f k8s/images/flink.Dockerfile -t embedflow/flink:0.1.0-cu124 \
#       --build-arg MAVEN_PROFILE=-Pcuda \
#       --build-arg LIBTORCH=ai.djl.pytorch:pytorch-native-cu124:2.5.1:jar:linux-x86_64 .
ARG FLINK_IMAGE=flink:2.3.0-java17

FROM maven:3.9-eclipse-temurin-17 AS build
# empty: DJL 0.36 with libtorch 2.7.1 for CPUs; -Pcuda: DJL 0.33 for libtorch 2.5.1 on CUDA 12.4 (docs/gpu.md)
ARG MAVEN_PROFILE=
ARG LIBTORCH=ai.djl.pytorch:pytorch-native-cpu:2.7.1:jar:linux-x86_64
WORKDIR /src
COPY . .
# the job jar (-job), the plain jar (the GPU driver plugin), and DJL's jars without libtorch, which
# comes next for the build chosen above
RUN mvn -B -q ${MAVEN_PROFILE} -DskipTests -pl pipelines/flink -am package dependency:copy-dependencies \
        -DincludeScope=runtime -DincludeGroupIds=ai.djl,ai.djl.pytorch,ai.djl.huggingface \
        -DexcludeArtifactIds=pytorch-native-cpu -DoutputDirectory=/out/lib \
 && mvn -B -q dependency:copy -Dartifact=${LIBTORCH} -DoutputDirectory=/out/lib \
 && cp pipelines/flink/target/pipelines-flink-*-job.jar /out/embedflow-pipelines-flink-job.jar \
 && cp $(ls pipelines/flink/target/pipelines-flink-*.jar | grep -v -- '-job.jar$') /out/embedflow-gpu.jar

FROM ${FLINK_IMAGE}
# parent-first (classloader.parent-first-patterns.additional: ai.djl.): libtorch loads once per JVM
COPY --from=build --chown=9999:9999 /out/lib/ /opt/flink/lib/
# Flink finds external resource drivers only as plugins, each in a folder of its own
COPY --from=build --chown=9999:9999 /out/embedflow-gpu.jar /opt/flink/plugins/embedflow-gpu/
COPY --from=build --chown=9999:9999 /out/embedflow-pipelines-flink-job.jar /opt/flink/usrlib/
RUN mkdir -p /opt/flink/djl-cache && chown 9999:9999 /opt/flink/djl-cache
# the image's flink user, by number, so that runAsNonRoot can verify it
USER 9999:9999
