# Air-gapped equivalent of hashicorp/consul: the real agent from Debian bullseye's `consul` package
# (1.8.7; not in bookworm or trixie). Only the binary is taken (it needs nothing but glibc), through
# a throwaway apt state so the image's own sources stay trixie-only.
ARG BASE_IMAGE=meshdev/debian:trixie
FROM ${BASE_IMAGE} AS fetch
LABEL dev.meshdev.build-stage=fetch
ARG DEBIAN_MIRROR
RUN test -n "${DEBIAN_MIRROR}" \
 && mkdir -p /apt/lists/partial /apt/cache/archives/partial /fetch \
 && echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${DEBIAN_MIRROR} bullseye main" > /apt/sources.list \
 && O="-o Dir::Etc::SourceList=/apt/sources.list -o Dir::Etc::SourceParts=- -o Dir::State::Lists=/apt/lists -o Dir::Cache=/apt/cache -o APT::Sandbox::User=root" \
 && apt-get $O update \
 && cd /fetch && apt-get $O download consul \
 && dpkg -x consul_*.deb /fetch/root \
 && /fetch/root/usr/bin/consul version

FROM ${BASE_IMAGE}
COPY --from=fetch /fetch/root/usr/bin/consul /usr/local/bin/consul
RUN mkdir -p /consul/data
EXPOSE 8500
ENTRYPOINT ["consul"]
CMD ["agent", "-dev", "-client", "0.0.0.0"]
