# syntax=docker/dockerfile:1
# One image with the three binaries (picup-api, picup-thumbnailer, picup-worker); Kubernetes picks
# the command. The api beside Redis serves HTTP only, so it is built without the standalone
# feature and links no media library (only picup-thumbnailer decodes). Build: docker build -t picup:VERSION .
#
# No HEALTHCHECK: the same image runs three programs, and only the api listens for HTTP;
# Kubernetes probes /healthz and /readyz (k8s/base/api.yaml).
#checkov:skip=CKV_DOCKER_2:health is checked by Kubernetes probes, per program (see above)

FROM rust:1.95-slim-bookworm AS build
# The C libraries the thumbnailer links (libjpeg-turbo, libheif, FFmpeg) and clang for FFmpeg's bindings.
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential pkg-config clang libclang-dev libturbojpeg0-dev \
      libheif-dev libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libswresample-dev libavfilter-dev \
      libavdevice-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --profile production --locked -p picup-thumbnailer -p picup-worker \
 && cargo build --profile production --locked -p picup-api --no-default-features \
 && install -D -m 0755 -t /out target/production/picup-api target/production/picup-thumbnailer target/production/picup-worker
# Amazon RDS's certificate authorities, so the api verifies the database's certificate
# (DATABASE_URL ...?sslmode=verify-full&sslrootcert=/etc/ssl/certs/rds-global-bundle.pem).
RUN apt-get update && apt-get install -y --no-install-recommends curl ca-certificates && rm -rf /var/lib/apt/lists/* \
 && curl --fail --silent --show-error --location --proto '=https' \
      -o /out/rds-global-bundle.pem https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem

FROM debian:bookworm-slim
# Runtime libraries only; the ffmpeg program makes browser-playable copies of videos.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tini libturbojpeg0 libheif1 ffmpeg \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /nonexistent --shell /usr/sbin/nologin picup
COPY --from=build /out/picup-api /out/picup-thumbnailer /out/picup-worker /usr/local/bin/
COPY --from=build /out/rds-global-bundle.pem /etc/ssl/certs/rds-global-bundle.pem
COPY web/index.html web/app.css /srv/picup/web/
COPY web/js /srv/picup/web/js
COPY web/vendor /srv/picup/web/vendor
ENV PICUP_WEB_DIR=/srv/picup/web \
    PICUP_HTTP_ADDR=0.0.0.0:8080 \
    PICUP_METRICS_ADDR=0.0.0.0:9464 \
    PICUP_DATA_DIR=/tmp/picup \
    PICUP_LOG_JSON=true
USER 10001:10001
EXPOSE 8080 9464
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["picup-api", "serve"]
