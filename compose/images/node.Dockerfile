# Air-gapped equivalent of node:20-bookworm-slim: Node.js from Debian trixie's own package, on the
# local debootstrap base (no registry needed; apt reaches the Debian mirror over plain HTTP).
ARG BASE_IMAGE=meshdev/debian:trixie
FROM ${BASE_IMAGE}
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && node --version | grep -q '^v20\.' \
 && command -v bash
CMD ["node"]
