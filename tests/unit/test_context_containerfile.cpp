#include <pma/context/containerfile.hpp>

#include <doctest/doctest.h>

using pma::context::base_images;

TEST_SUITE_BEGIN("context");

TEST_CASE("context::base_images")
{
  const char* containerfile = R"(# syntax=docker/dockerfile:1
ARG BASE=quay.io/acme/base:1
ARG TOOLS_REGISTRY
FROM --platform=$BUILDPLATFORM ${TOOLS_REGISTRY:-ghcr.io}/tools/go:1.22 AS build
RUN make
FROM build AS test
FROM $BASE
COPY --from=build /out /out
COPY --from=docker.io/library/busybox:1 /bin/busybox /bin/
COPY --from=0 /x /x
FROM \
  scratch
FROM alpine:3
)";
  CHECK(base_images(containerfile, {}) == std::vector<std::string>{"docker.io/library/alpine",
                                                                   "docker.io/library/busybox", "ghcr.io/tools/go",
                                                                   "quay.io/acme/base"});
  CHECK(base_images(containerfile, {{"BASE", "127.0.0.1:45443/lab/busybox"}, {"TOOLS_REGISTRY", "reg.example"}}) ==
        std::vector<std::string>{"127.0.0.1:45443/lab/busybox", "docker.io/library/alpine", "docker.io/library/busybox",
                                 "reg.example/tools/go"});
}

TEST_CASE("context::base_images: ARG after FROM, flags and case")
{
  const std::string containerfile = R"(# a comment
ARG BASE=alpine:3
FROM --platform=$BUILDPLATFORM ${BASE} As Builder
ARG LATE=ignored/image
FROM ${MISSING:-busybox}
COPY --chown=0:0 --from=builder /a /a
add --from=quay.io/x/y:1 /b /b
FROM $LATE
)";
  CHECK(base_images(containerfile, {}) ==
        std::vector<std::string>{"docker.io/library/alpine", "docker.io/library/busybox", "quay.io/x/y"});
}

TEST_SUITE_END();
