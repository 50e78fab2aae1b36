# syntax=docker/dockerfile:1
#
# Three images from one file (see docs/deploy.md and docs/gpu.md):
#   docker build --target cpu -t tfjs-training-service:cpu .   (the default target)
#   docker build --target gpu -t tfjs-training-service:gpu .   (WebGPU through Dawn on the GPU's Vulkan driver)
#   docker build --target gpu-tensorflow -t tfjs-training-service:gpu-tensorflow .   (optional: tfjs-node-gpu, CUDA 11.2)
#
# GPU (WebGPU): the `webgpu` package ships Dawn's prebuilt dawn.node, which needs glibc >= 2.34, so this
# image is Debian bookworm, not the CUDA 11.2 image (Ubuntu 20.04, glibc 2.31). It holds no GPU driver:
# NVIDIA's Container Toolkit mounts the host driver's Vulkan library when the container asks for the
# `graphics` capability (NVIDIA_DRIVER_CAPABILITIES below, and the compose `gpu` profile's device request);
# the image brings the Vulkan loader and the ICD file that points the loader at it.
#
# Node.js 22 LTS, not 24: @tensorflow/tfjs-node 4.22.0 (the latest release) calls util.isNullOrUndefined,
# which Node 23 removed, so every native op throws on Node >= 23 (tensorflow/tfjs#8609). The check
# below runs a real op, so a base image with a newer Node fails the build instead of failing in production.
#
# GPU through tfjs-node-gpu (optional, target gpu-tensorflow): tfjs-node-gpu 4.x bundles libtensorflow 2.9.1, built against
# CUDA 11.2 and cuDNN 8.1, and its install downloads libtensorflow from storage.googleapis.com.
#
# Install scripts: the project's package.json `allowScripts` approves only a few packages (the Prisma
# engines download is denied: migrations are applied by the app and the client is committed). The npm
# bundled with Node 22 (npm 10) ignores `allowScripts`, so every stage installs with --ignore-scripts and
# then runs the scripts of exactly the approved packages with `npm rebuild`, the same on npm 10 and 11.
# Of the two native TensorFlow packages, each image keeps only its own.

ARG NODE_IMAGE=node:22-bookworm-slim
ARG CUDA_IMAGE=nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04

# The official Node.js build, reused for the CUDA image so that both images run the same Node.
FROM ${NODE_IMAGE} AS node

# ---------------------------------------------------------------------------------------------------
# The web dashboard (ui/): built with the dev tools (Vite), only its static files go into the images.
FROM ${NODE_IMAGE} AS ui
ENV npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
WORKDIR /app
COPY package.json package-lock.json ./
COPY stubs ./stubs
RUN npm ci --ignore-scripts
COPY ui ui
COPY src/core src/core
COPY src/schemas src/schemas
COPY src/sdk src/sdk
RUN npm run build:ui
# TypeScript compiled once here (tsc -> dist/), so containers start without compiling at run time.
FROM ${NODE_IMAGE} AS build
ENV npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
WORKDIR /app
COPY package.json package-lock.json ./
COPY stubs ./stubs
RUN npm ci --ignore-scripts --omit=optional
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY prisma ./prisma
RUN npm run build

# ---------------------------------------------------------------------------------------------------
# GPU: Node.js on NVIDIA's CUDA 11.2 + cuDNN 8 runtime (Ubuntu 20.04, glibc 2.31; Node 22 needs >= 2.28).
FROM ${CUDA_IMAGE} AS cuda-node
ENV DEBIAN_FRONTEND=noninteractive
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules /usr/local/lib/node_modules
COPY --from=node /usr/local/include/node /usr/local/include/node
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && groupadd --gid 1000 node \
 && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \
 && node --version && npm --version

FROM cuda-node AS deps-gpu
ARG TFJS_PACKAGE=@tensorflow/tfjs-node-gpu
ARG TFJS_OTHER=@tensorflow/tfjs-node
# Build tools only for node-pre-gyp's fallback (compiling the binding when no prebuilt one matches).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
ENV npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false npm_config_nodedir=/usr/local
WORKDIR /app
COPY package.json package-lock.json ./
# A local stand-in package the lockfile links to (see package.json `overrides` and the README).
COPY stubs ./stubs
# hadolint ignore=SC2046
RUN npm ci --omit=dev --ignore-scripts \
 && npm rebuild --foreground-scripts $(node -e 'const [want, other] = process.argv.slice(1); const a = require("./package.json").allowScripts || {}; const ok = Object.keys(a).filter((k) => a[k] === true).map((k) => k.replace(/(.)@.*$/, "$1")); console.log([...new Set([want, ...ok])].filter((k) => k !== other).join(" "))' "$TFJS_PACKAGE" "$TFJS_OTHER") \
 && rm -rf "node_modules/$TFJS_OTHER" \
 && node -e 'const tf = require(process.argv[1]); if (tf.getBackend() !== "tensorflow") throw new Error("backend is " + tf.getBackend()); const s = tf.tensor([1, 2, 3]).add(1).sum().dataSync()[0]; if (s !== 9) throw new Error("sum([2, 3, 4]) gave " + s); console.log(process.argv[1], "loaded, backend", tf.getBackend());' "$TFJS_PACKAGE"

FROM cuda-node AS gpu-tensorflow
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data \
    TFJS_BACKEND=tensorflow \
    TF_FORCE_GPU_ALLOW_GROWTH=true \
    TF_CPP_MIN_LOG_LEVEL=1 \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility
WORKDIR /app
RUN mkdir -p /data/datasets /datasets && chown -R node:node /data /datasets
COPY --from=deps-gpu /app/node_modules ./node_modules
COPY . .
COPY --from=build /app/dist ./dist
COPY --from=ui /app/ui/dist ./ui/dist
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=90s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "--enable-source-maps", "dist/src/main.js"]
CMD ["all"]

# ---------------------------------------------------------------------------------------------------
# CPU: Debian bookworm slim with the official Node.js 22 build and tfjs-node (libtensorflow 2.9.1 CPU).
FROM ${NODE_IMAGE} AS deps-cpu
ARG TFJS_PACKAGE=@tensorflow/tfjs-node
ARG TFJS_OTHER=@tensorflow/tfjs-node-gpu
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
ENV npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false npm_config_nodedir=/usr/local
WORKDIR /app
COPY package.json package-lock.json ./
# A local stand-in package the lockfile links to (see package.json `overrides` and the README).
COPY stubs ./stubs
# hadolint ignore=SC2046
RUN npm ci --omit=dev --ignore-scripts \
 && npm rebuild --foreground-scripts $(node -e 'const [want, other] = process.argv.slice(1); const a = require("./package.json").allowScripts || {}; const ok = Object.keys(a).filter((k) => a[k] === true).map((k) => k.replace(/(.)@.*$/, "$1")); console.log([...new Set([want, ...ok])].filter((k) => k !== other).join(" "))' "$TFJS_PACKAGE" "$TFJS_OTHER") \
 && rm -rf "node_modules/$TFJS_OTHER" \
 && node -e 'const tf = require(process.argv[1]); if (tf.getBackend() !== "tensorflow") throw new Error("backend is " + tf.getBackend()); const s = tf.tensor([1, 2, 3]).add(1).sum().dataSync()[0]; if (s !== 9) throw new Error("sum([2, 3, 4]) gave " + s); console.log(process.argv[1], "loaded, backend", tf.getBackend());' "$TFJS_PACKAGE"

# ---------------------------------------------------------------------------------------------------
# GPU through WebGPU: the CPU image's packages (tfjs-node too: `auto` falls back to it, then wasm), plus the
# Vulkan loader. TFJS_BACKEND=webgpu: a container that finds no GPU adapter fails at start rather than
# training on the CPU (no software Vulkan driver is installed, so no fallback adapter can be found).
FROM ${NODE_IMAGE} AS gpu
RUN apt-get update \
 && apt-get install -y --no-install-recommends libvulkan1 libglvnd0 libegl1 libgl1 libx11-6 libxext6 \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /etc/vulkan/icd.d \
 && printf '{"file_format_version":"1.0.0","ICD":{"library_path":"libGLX_nvidia.so.0","api_version":"1.3"}}\n' > /etc/vulkan/icd.d/nvidia_icd.json
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data \
    TFJS_BACKEND=webgpu \
    TF_CPP_MIN_LOG_LEVEL=1 \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility,graphics
WORKDIR /app
RUN mkdir -p /data/datasets /datasets && chown -R node:node /data /datasets
COPY --from=deps-cpu /app/node_modules ./node_modules
COPY . .
COPY --from=build /app/dist ./dist
COPY --from=ui /app/ui/dist ./ui/dist
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=90s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "--enable-source-maps", "dist/src/main.js"]
CMD ["all"]

# The default target (last stage).
FROM ${NODE_IMAGE} AS cpu
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data \
    TFJS_BACKEND=auto \
    TF_CPP_MIN_LOG_LEVEL=1
WORKDIR /app
RUN mkdir -p /data/datasets /datasets && chown -R node:node /data /datasets
COPY --from=deps-cpu /app/node_modules ./node_modules
COPY . .
COPY --from=build /app/dist ./dist
COPY --from=ui /app/ui/dist ./ui/dist
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "--enable-source-maps", "dist/src/main.js"]
CMD ["all"]
