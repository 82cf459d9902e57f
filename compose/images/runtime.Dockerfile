# The one image for everything JavaScript: sidecar, demo services and load generator, all in the
# bundle esbuild builds on the host (`npm run build`): no npm and no node_modules in the image.
# NODE_IMAGE is the pinned official node image, or meshdev/node:<version> in air-gapped mode; both have bash,
# which the Compose healthchecks use (/dev/tcp).
ARG NODE_IMAGE=node:26-bookworm-slim
FROM ${NODE_IMAGE}
WORKDIR /opt/meshdev
COPY dist/runtime/ /opt/meshdev/
ENV NODE_ENV=production
ENTRYPOINT ["node", "/opt/meshdev/meshdev-runtime.mjs"]
