# rota: build, test and run the rotation scheduler.
#
#   make run     the whole dev stack: Temporal dev server + worker + example config
#   make build   bin/rota (the CLI) and bin/rota-worker
#   make test    lint, then unit, workflow, replay and real-server integration tests
#   make lint    gofmt, go vet, staticcheck, go mod tidy -diff, no committed binaries, workflowcheck
#   make bench   every Go benchmark once, then the rotation lab over bench/ (writes bench/results.md; outputs in bench/out/)
#   make replay  replay the rotations of a running server (TEMPORAL_ADDRESS) against this code
#   make readme  run every sh block of README.md against the make run stack
#   make clean   remove the built binaries (keeps bin/temporal and the dev data)
#   make distclean  also remove bin/ and .data/ (the dev server's database)
#
# Everything is installed into ./bin with `go install`: only Go is needed.

SHELL            := /bin/bash
GO               ?= go
BIN              := $(CURDIR)/bin
TEMPORAL_VERSION := v1.5.1
WORKFLOWCHECK_VERSION := v0.6.0
STATICCHECK_VERSION := v0.8.2
TEMPORAL         := $(BIN)/temporal
WORKFLOWCHECK    := $(BIN)/workflowcheck
STATICCHECK      := $(BIN)/staticcheck

.PHONY: all build run temporal test unit integration replay readme lint fmt clean distclean help bench

all: build

help:
	@sed -n 's/^#   //p' Makefile

build:
	$(GO) build -o $(BIN)/rota ./cmd/starter
	$(GO) build -o $(BIN)/rota-worker ./cmd/worker

# The pinned Temporal CLI (dev server and admin commands); built once.
$(TEMPORAL):
	@echo "building the pinned Temporal CLI $(TEMPORAL_VERSION) (the dev server of make run and the integration tests) into bin/temporal:"
	@echo "about 5 minutes on a fresh machine, once; later runs reuse it"
	GOBIN=$(BIN) $(GO) install github.com/temporalio/cli/cmd/temporal@$(TEMPORAL_VERSION)

$(WORKFLOWCHECK):
	GOBIN=$(BIN) $(GO) install go.temporal.io/sdk/contrib/tools/workflowcheck@$(WORKFLOWCHECK_VERSION)

$(STATICCHECK):
	GOBIN=$(BIN) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

temporal: $(TEMPORAL)

# Ctrl-C stops everything scripts/run.sh started.
run: $(TEMPORAL)
	@exec ./scripts/run.sh

# The integration test (./integration) needs bin/temporal; it skips without it.
# `make integration` also runs the load command at N = 3 (bench/load).
test: lint $(TEMPORAL)
	$(GO) test -count=1 -timeout 15m ./...

unit:
	$(GO) test -short ./...

integration: $(TEMPORAL)
	ROTA_INTEGRATION=1 $(GO) test -count=1 -v -timeout 10m ./integration/ ./bench/load/

# The benchmark set (README, "The benchmark set"): every Go benchmark run
# once (-benchtime 1x: the large ones take a second or more an iteration),
# the small ones again for a second each so their per-op figures mean
# something, then the rotation lab over bench/scenarios and bench/events
# under fair, queue and lottery. Outputs go to bench/out/ (ignored by git);
# the results table to bench/results.md (committed). About 3 minutes.
BENCH_SMALL := Slots|IndexAt|Balance100k|RenderRotationYear|ServeRotationFeed
bench:
	@mkdir -p bench/out
	set -o pipefail; $(GO) test -run '^$$' -bench . -benchtime 1x -benchmem ./... 2>&1 | tee bench/out/go-bench.txt
	set -o pipefail; $(GO) test -run '^$$' -bench '$(BENCH_SMALL)' -benchmem ./internal/calendar/ ./internal/report/ ./internal/feed/ ./web/ 2>&1 | tee bench/out/go-bench-small.txt
	set -o pipefail; $(GO) run ./bench/lab -out bench/results.md -json bench/out/lab -gobench bench/out/go-bench.txt,bench/out/go-bench-small.txt 2>&1 | tee bench/out/lab.txt
	@echo "wrote bench/results.md; outputs in bench/out/"

# Every sh block of the README, against the stack make run starts (it is
# started and stopped; TEMPORAL_PORT and TEMPORAL_UI_PORT move it).
readme: $(TEMPORAL)
	@./scripts/readme-check.sh

# Before deploying a worker: the running rotations' histories must replay
# (docs/versioning.md). TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and the
# credentials come from the environment.
replay:
	ROTA_REPLAY_SERVER=1 $(GO) test -count=1 -v -run '^TestReplayServer$$' ./workflows/

lint: $(WORKFLOWCHECK) $(STATICCHECK)
	@out=$$(gofmt -l $$(git ls-files -co --exclude-standard '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	@bin=$$(comm -23 <(git ls-files | grep -v '^docs/.*\.png$$' | sort) <(git grep -I -l '' | sort)); \
	  if [ -n "$$bin" ]; then echo "binary files are committed (build output belongs in bin/, ignored; only docs/*.png images are):"; echo "$$bin"; exit 1; fi
	@$(GO) mod tidy -diff || { echo "go.mod/go.sum are not tidy: run go mod tidy"; exit 1; }
	$(GO) vet ./...
	$(STATICCHECK) ./...
	$(WORKFLOWCHECK) ./workflows/...

fmt:
	gofmt -w $$(git ls-files -co --exclude-standard '*.go')

clean:
	rm -f $(BIN)/rota $(BIN)/rota-worker

distclean:
	rm -rf $(BIN) .data
