# For those with a Docker engine; `make image` builds the same image without one. Both build the
# binary with hack/build-manager.sh (static, -trimpath, stripped, version-stamped), so the
# binaries match.
FROM golang:1.26 AS builder
ARG TARGETOS
ARG TARGETARCH
ARG VERSION=dev

WORKDIR /workspace
# Cache the module downloads before copying the sources.
COPY go.mod go.sum ./
COPY api/go.mod api/go.sum api/
RUN go mod download

COPY *.go ./
COPY api/ api/
COPY controllers/ controllers/
COPY internal/ internal/
COPY hack/build-manager.sh hack/

RUN GOOS=${TARGETOS:-linux} GOARCH=${TARGETARCH} hack/build-manager.sh manager "${VERSION}"

# A static binary (CA roots embedded) on distroless, as the non-root user 65532.
FROM gcr.io/distroless/static:nonroot
ARG VERSION=dev
LABEL org.opencontainers.image.source="https://github.com/imagecatalog/ims-operator" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.title="ims-operator"
WORKDIR /
COPY --from=builder /workspace/manager .
USER 65532:65532

ENTRYPOINT ["/manager"]
