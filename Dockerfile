# caravan container image. Build from the repository root:
#   docker build -t caravan:0.1.0 .
# Runtime layout (the app reads ./application.properties and ./routes relative to its working directory):
#   /app/caravan.jar  /app/lib/*.jar  /app/application.properties  /app/routes/
# Every setting is overridable by an environment variable (caravan.datasource.url -> CARAVAN_DATASOURCE_URL).

# ---- build: thin jar + target/lib (Class-Path manifest) ----
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /build
COPY pom.xml ./
COPY src ./src
COPY application.properties ./
COPY routes ./routes
RUN mvn -B -ntp -Pproduction -Dmaven.test.skip=true package

# ---- runtime: JRE only ----
FROM eclipse-temurin:17-jre
# A fixed numeric non-root user, so Kubernetes runAsNonRoot can verify it. The files below stay owned by root
# and are only readable by the app: the image works with a read-only root filesystem (writes go to /tmp).
RUN groupadd --system --gid 10001 caravan \
 && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home --shell /usr/sbin/nologin caravan
WORKDIR /app
COPY --from=build /build/target/lib/ ./lib/
COPY --from=build /build/target/caravan.jar ./caravan.jar
COPY --from=build /build/application.properties ./application.properties
COPY --from=build /build/routes/ ./routes/

# production: no in-process demo source/API/target; point CARAVAN_DATASOURCE_URL at PostgreSQL
# (the default in application.properties is H2 under ./data, which is not writable in this image).
ENV CARAVAN_MODE=production \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"

# 8080 business HTTP, 9876 management (/health, /health/live, /health/ready open; /observe/metrics authenticated when on)
EXPOSE 8080 9876
USER 10001:10001
# exec form: java is PID 1 and receives SIGTERM, so camel-main shuts down gracefully (camel.main.shutdownTimeout)
ENTRYPOINT ["java", "-jar", "caravan.jar"]
