# syntax=docker/dockerfile:1.7
# GeoGuide images. Two targets:
#   docker build --target cpu -t registry.example.com/geoguide:0.1.0-cpu .
#   docker build --target gpu -t registry.example.com/geoguide:0.1.0-gpu .
# Both run as a non-root user, work with a read-only root filesystem (writes go to /tmp and the
# mounted model registry), and carry the default model in /app/models.

ARG NODE_IMAGE=node:20.20.2-bookworm-slim
ARG CUDA_IMAGE=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu22.04

# ---- dependencies (CPU): onnxruntime-node's CPU binaries ship inside the package -------------
# (.npmrc tells its install script to download nothing, as on a developer's machine)
FROM ${NODE_IMAGE} AS deps-cpu
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund --ignore-scripts

# ---- dependencies (GPU): the install script fetches the CUDA 12 execution provider -----------
# ONNXRUNTIME_NODE_INSTALL=cuda12 asks for it explicitly (it wins over .npmrc's "skip").
FROM ${NODE_IMAGE} AS deps-gpu
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund --ignore-scripts \
 && ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node --foreground-scripts

# ---- application files --------------------------------------------------------------------
FROM scratch AS app
COPY deno.json README.md /app/
COPY proto /app/proto
COPY src /app/src
COPY models /app/models

# ---- GloVe word vectors converted once into the compact binary the text encoder reads -------
FROM deps-cpu AS glove
COPY --from=app /app /app
RUN /app/node_modules/.bin/deno run -A /app/src/text/glove_convert.ts /app/.cache

# ---- what both runtimes carry under /app besides node_modules: sources, models, GloVe cache ---
FROM app AS runtime-files
COPY --from=glove /app/.cache /app/.cache

# ---- CPU runtime ----------------------------------------------------------------------------
# The two runtimes differ only in their base image and node_modules (and the GPU one's Node
# binary): a stage has one base, so the user, settings and entrypoint below stand in both.
FROM ${NODE_IMAGE} AS cpu
RUN groupadd -g 10001 geoguide && useradd -u 10001 -g geoguide -s /usr/sbin/nologin geoguide
WORKDIR /app
ENV NODE_ENV=production DENO_DIR=/tmp/deno GEOGUIDE_MODELS=/app/models \
    GEOGUIDE_CACHE_DIR=/app/.cache
COPY --from=deps-cpu /app/node_modules /app/node_modules
COPY --from=runtime-files /app /app
USER 10001:10001
EXPOSE 50051 8080
ENTRYPOINT ["/app/node_modules/.bin/deno", "run", "-A", "/app/src/cli.ts"]
CMD ["serve"]

# ---- GPU runtime: CUDA 12 + cuDNN 9 base, Node copied in ---------------------------------------
FROM ${NODE_IMAGE} AS node-bin
FROM ${CUDA_IMAGE} AS gpu
RUN groupadd -g 10001 geoguide && useradd -u 10001 -g geoguide -s /usr/sbin/nologin geoguide
WORKDIR /app
ENV NODE_ENV=production DENO_DIR=/tmp/deno GEOGUIDE_MODELS=/app/models \
    GEOGUIDE_CACHE_DIR=/app/.cache
COPY --from=node-bin /usr/local/bin/node /usr/local/bin/node
COPY --from=deps-gpu /app/node_modules /app/node_modules
COPY --from=runtime-files /app /app
USER 10001:10001
EXPOSE 50051 8080
ENTRYPOINT ["/app/node_modules/.bin/deno", "run", "-A", "/app/src/cli.ts"]
CMD ["serve"]
