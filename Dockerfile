# stgw container image: the same Debian 12 packages and build steps as scripts/install-deps.sh
# and scripts/build.sh. Run with the configuration mounted:
#   docker run -v /etc/stgw:/etc/stgw:ro -p 443:8443 stgw
FROM debian:12 AS build
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      build-essential cmake ninja-build pkg-config git ca-certificates \
      libevent-dev libnghttp2-dev libssl-dev libboost-dev libtomlplusplus-dev prometheus-cpp-dev \
      libicu-dev libcli11-dev libfmt-dev libgtest-dev libgmock-dev libbenchmark-dev \
      libpugixml-dev nlohmann-json3-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTGW_BUILD_BENCHMARKS=OFF \
    && cmake --build build --target stgw stps-sim

FROM debian:12-slim
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      libevent-2.1-7 libevent-openssl-2.1-7 libevent-pthreads-2.1-7 libnghttp2-14 libssl3 \
      libtomlplusplus3 libprometheus-cpp-core1.0 libicu72 libfmt9 libpugixml1v5 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin stgw
COPY --from=build /src/build/gateway/cli/stgw /usr/local/bin/stgw
COPY --from=build /src/build/loadtest/stps_sim/stps-sim /usr/local/bin/stps-sim
COPY config/gateway.example.toml /etc/stgw/gateway.example.toml
USER stgw
EXPOSE 8443 9901
ENTRYPOINT ["/usr/local/bin/stgw", "serve"]
CMD ["-c", "/etc/stgw/gateway.toml"]
