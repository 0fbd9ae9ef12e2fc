# syntax=docker/dockerfile:1
# The rota worker (and the rota CLI beside it) for docker-compose.yml or any
# container platform:
#   docker build -t rota .
#   docker run --rm -e TEMPORAL_ADDRESS=temporal:7233 rota
#   docker run --rm -e TEMPORAL_ADDRESS=temporal:7233 --entrypoint rota rota list

FROM golang:1.26 AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOFLAGS=-trimpath
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    go build -ldflags="-s -w" -o /out/rota-worker ./cmd/worker && \
    go build -ldflags="-s -w" -o /out/rota ./cmd/starter && \
    mkdir -p /out/var/lib/rota/feeds

# distroless/static: CA certificates and time zones, no shell, runs as
# nonroot (uid 65532). rota embeds the time zone database as well.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/rota-worker /out/rota /usr/local/bin/
# The feeds' directory, owned by nonroot (a volume mounted here starts so).
COPY --from=build --chown=65532:65532 /out/var/lib/rota /var/lib/rota
USER nonroot:nonroot
ENV TEMPORAL_ADDRESS=temporal:7233 TEMPORAL_NAMESPACE=default ROTA_FEED_BUCKET=file:///var/lib/rota/feeds
EXPOSE 8090
ENTRYPOINT ["/usr/local/bin/rota-worker"]
