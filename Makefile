# TaskPilot developer tasks. Run `make` to list them.
.DEFAULT_GOAL := help

BIN     := bin/taskpilot
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.buildVersion=$(VERSION)

# RUN_ARGS is the taskpilot command line that `make run` uses.
RUN_ARGS ?= serve

# golangci-lint is pinned and built from the Go module proxy on first use
# (a few minutes once, then cached). Override to use an installed binary:
# make lint GOLANGCI_LINT=golangci-lint
GOLANGCI_LINT_VERSION := v2.15.0
GOLANGCI_LINT ?= go run github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)

# Benchmarks: make bench BENCH=ListTasks BENCHTIME=2s
BENCH      ?= .
BENCHTIME  ?= 1s
BENCH_PKGS := ./mcpserver/... ./models/store/... ./chatserver/...

# Fuzz targets, as package:target:inputs (-fuzz takes one target per run);
# make test runs each on that many new inputs, a few seconds each: a fixed
# number rather than a duration, because go test -fuzztime=5s fails with
# "context deadline exceeded" when the time runs out during a slow input.
# The server targets are slower (each input is a request to a real server
# on both databases). FUZZTIME=30s overrides the counts with a duration for
# a longer run. Inputs that fail are saved under the package's
# testdata/fuzz/ and then run as plain tests by go test. The first run
# builds instrumented binaries (minutes, once; then cached).
FUZZTIME     ?=
FUZZ_TARGETS := ./chatserver/chatkit:FuzzParseRequest:20000x ./chatserver:FuzzChatKit:300x ./chatserver:FuzzREST:300x ./mcpserver:FuzzToolArguments:3000x

# An example DSN for test-postgres; create the database first:
# psql -h 127.0.0.1 -U postgres -c 'create database tp_dev'
PG_DSN_EXAMPLE := postgres://postgres@127.0.0.1:5432/tp_dev?sslmode=disable

.PHONY: help
help: ## Show this list of targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

.PHONY: build
build: ## Build bin/taskpilot (VERSION from git describe)
	go build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/taskpilot

.PHONY: run
run: ## Run the MCP and chat servers locally (RUN_ARGS, default serve; SQLite in ./data)
	@mkdir -p data
	go run -ldflags "$(LDFLAGS)" ./cmd/taskpilot $(RUN_ARGS)

.PHONY: test
test: ## Run every test with the race detector (PostgreSQL only if TASKPILOT_TEST_POSTGRES_DSN is set), then make fuzz
	go test -race -count=1 ./...
	@$(MAKE) --no-print-directory fuzz

.PHONY: fuzz
fuzz: ## Run each fuzz target on a fixed number of inputs (FUZZTIME=30s for a timed run): no input may answer a 5xx or an internal error
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; rest=$${t#*:}; name=$${rest%%:*}; n=$${rest#*:}; \
		ft=$${n}; [ -z "$(FUZZTIME)" ] || ft="$(FUZZTIME)"; \
		echo "go test -fuzz $$name -fuzztime $$ft $$pkg"; \
		go test -run '^$$' -fuzz "^$$name$$" -fuzztime "$$ft" "$$pkg"; \
	done

.PHONY: test-postgres
test-postgres: ## Run the store tests against PostgreSQL too (needs TASKPILOT_TEST_POSTGRES_DSN)
	@test -n "$$TASKPILOT_TEST_POSTGRES_DSN" || { \
		echo "set TASKPILOT_TEST_POSTGRES_DSN, e.g. $(PG_DSN_EXAMPLE)" >&2; exit 1; }
	TASKPILOT_REQUIRE_POSTGRES=1 go test -race -count=1 ./models/store/...

.PHONY: conformance
conformance: ## Run the official MCP conformance suite against taskpilot mcp (installs Node 22 once)
	.ci/conformance.sh

.PHONY: browser
browser: ## Run the browser tests (headless Chromium + Playwright against taskpilot serve; installs them once)
	.ci/browser/run.sh

.PHONY: bench
bench: ## Run the Go benchmarks (ns/op, B/op, allocs/op: MCP tool calls, list_tasks at 100k, chat turns, open streams)
	go test -run '^$$' -bench '$(BENCH)' -benchtime $(BENCHTIME) -benchmem $(BENCH_PKGS)

.PHONY: golden
golden: ## Rewrite the golden files under testdata/ (then review the diff)
	UPDATE_GOLDEN=1 go test -count=1 ./...

.PHONY: cover
cover: ## Print total test coverage (writes cover.out)
	go test -count=1 -coverprofile=cover.out ./...
	go tool cover -func=cover.out | tail -n 1

.PHONY: vet
vet: ## go vet and a gofmt check (fast, no downloads)
	go vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

.PHONY: lint
lint: ## Run the pinned golangci-lint with .golangci.yml
	$(GOLANGCI_LINT) run ./...

.PHONY: fmt
fmt: ## Format the code (gofmt + goimports through golangci-lint)
	$(GOLANGCI_LINT) fmt ./...

.PHONY: tidy
tidy: ## go mod tidy, and fail if it changed go.mod or go.sum
	go mod tidy
	git diff --exit-code go.mod go.sum

.PHONY: check
check: vet lint test ## vet, lint and test: run before you push

.PHONY: ci
ci: ## Run what CI runs (.ci/run: make test with PostgreSQL, then make conformance)
	bash .ci/run

.PHONY: clean
clean: ## Remove build and coverage output
	rm -rf bin cover.out
