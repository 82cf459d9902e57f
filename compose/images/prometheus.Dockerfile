# Air-gapped equivalent of prom/prometheus. Debian's bookworm (2.42) and trixie (2.53) builds
# leave Consul service discovery out, and meshdev's Prometheus finds every sidecar through Consul
# (consul_sd_configs), so this takes bullseye's build (2.24), which has it: `prometheus` and
# `promtool` binaries and web assets only, through a throwaway apt state so the image's own sources
# stay trixie-only. Runs as nobody in /prometheus, like the upstream image.
ARG BASE_IMAGE=meshdev/debian:trixie
FROM ${BASE_IMAGE} AS fetch
LABEL dev.meshdev.build-stage=fetch
ARG DEBIAN_MIRROR
RUN test -n "${DEBIAN_MIRROR}" \
 && mkdir -p /apt/lists/partial /apt/cache/archives/partial /fetch \
 && echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${DEBIAN_MIRROR} bullseye main" > /apt/sources.list \
 && O="-o Dir::Etc::SourceList=/apt/sources.list -o Dir::Etc::SourceParts=- -o Dir::State::Lists=/apt/lists -o Dir::Cache=/apt/cache -o APT::Sandbox::User=root" \
 && apt-get $O update \
 && cd /fetch && apt-get $O download prometheus \
 && dpkg -x prometheus_*.deb /fetch/root \
 && mkdir -p /fetch/root/usr/share/prometheus \
 && printf 'scrape_configs:\n  - job_name: probe\n    consul_sd_configs: [{server: "consul:8500"}]\n' > /tmp/probe.yml \
 && /fetch/root/usr/bin/promtool check config /tmp/probe.yml

FROM ${BASE_IMAGE}
COPY --from=fetch /fetch/root/usr/bin/prometheus /fetch/root/usr/bin/promtool /usr/local/bin/
COPY --from=fetch /fetch/root/usr/share/prometheus /usr/share/prometheus
RUN mkdir -p /prometheus /etc/prometheus && chown nobody:nogroup /prometheus
USER nobody
WORKDIR /prometheus
EXPOSE 9090
VOLUME ["/prometheus"]
ENTRYPOINT ["prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]
