# Roster. `make run` serves the demo; `make test` runs the whole suite.
GO      ?= go
HTMX    ?= 2.0.11
ADDR    ?= 127.0.0.1:8080
TESTDB  := .data/test-postgres

.PHONY: run test build generate check screenshots htmx clean fuzz

# FUZZTIME is how many inputs `make fuzz` tries on each fuzz test; `make
# test` tries FUZZTIME_TEST on each after the other tests. Counts, not
# durations: with a duration, Go 1.26's fuzz coordinator can report
# "context deadline exceeded" as a failure when a worker is still busy as
# the time runs out on a loaded machine (go.dev/issue/75804, fixed in Go
# 1.27); a count has no deadline to race.
FUZZTIME      ?= 1000000x
FUZZTIME_TEST ?= 50000x

## run: the app with demo data, on a private PostgreSQL it starts itself
run:
	ADDR=$(ADDR) $(GO) run ./cmd/roster dev

## test: the whole suite (store, handler and browser tests) on a private test cluster
test: node_modules/axe-core/axe.min.js
	@mkdir -p test-output; status=0; \
	$(GO) test -count=1 -timeout 20m -artifacts -outputdir=$(CURDIR)/test-output ./... || status=$$?; \
	if [ -z "$$TEST_DATABASE_URL" ]; then $(GO) run ./cmd/roster db stop -dir $(TESTDB) >/dev/null 2>&1 || true; fi; \
	$(MAKE) --no-print-directory fuzz FUZZTIME=$(FUZZTIME_TEST) || status=$$?; \
	exit $$status

## fuzz: every fuzz test of the repository (found by name), FUZZTIME inputs each (default 1,000,000); fails on a crash
fuzz:
	@set -e; for pkg in $$(grep -rl --include='*_test.go' '^func Fuzz' cmd internal web | xargs -n1 dirname | sort -u); do \
		for fn in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$pkg/*_test.go | sed 's/^func //' | sort -u); do \
			echo "fuzz: $$fn in ./$$pkg for $(FUZZTIME)"; \
			$(GO) test ./$$pkg -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME); \
		done; \
	done

node_modules/axe-core/axe.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

## build: the roster binary in bin/
build:
	$(GO) build -o bin/roster ./cmd/roster

## generate: regenerate templ components
generate:
	$(GO) tool templ generate

## check: generated code current, gofmt clean, go vet clean
check:
	$(GO) tool templ generate
	@git diff --exit-code -- '*_templ.go' || (echo "generated templ files are stale: run make generate" && exit 1)
	@test -z "$$(git ls-files --others --exclude-standard -- '*_templ.go')" || (echo "new generated templ files are not committed" && exit 1)
	@test -z "$$(gofmt -l cmd internal web migrations)" || (gofmt -l cmd internal web migrations && echo "gofmt: files above need formatting" && exit 1)
	$(GO) vet ./...

## screenshots: regenerate docs/screenshots from the running demo (start `make run` first)
screenshots:
	$(GO) run ./cmd/screenshots -url http://$(ADDR) -out docs/screenshots

## htmx: refresh the vendored htmx (pinned 2.0.x) from the npm package
htmx:
	@tmp=$$(mktemp -d); cd $$tmp && npm pack --silent htmx.org@$(HTMX) >/dev/null && tar xzf htmx.org-$(HTMX).tgz; \
	cp $$tmp/package/dist/htmx.min.js $(CURDIR)/web/static/htmx.min.js; echo $(HTMX) > $(CURDIR)/web/static/HTMX_VERSION; \
	rm -rf $$tmp; echo "htmx $(HTMX) vendored into web/static"

## clean: stop the private clusters and remove their data
clean:
	-$(GO) run ./cmd/roster db stop -dir .data/postgres
	-$(GO) run ./cmd/roster db stop -dir $(TESTDB)
	rm -rf .data bin test-output

## bench: a million people in one account, measured through the real server (BENCH_USERS=N, BENCH_QUICK=1 for a quick run; see docs/PERFORMANCE.md)
.PHONY: bench
bench:
	$(GO) run ./cmd/bench $(BENCH_FLAGS)

## soak: the fault and load tests at full length: 200 clients for 60 s, six database outages of 8 s, SIGTERM during a 100,000-row upload (make test runs them shortened)
.PHONY: soak
soak:
	@status=0; ROSTER_SOAK=1 $(GO) test -count=1 -timeout 30m -run 'TestFault|TestLoad' -v ./cmd/roster/ || status=$$?; \
	if [ -z "$$TEST_DATABASE_URL" ]; then $(GO) run ./cmd/roster db stop -dir $(TESTDB) >/dev/null 2>&1 || true; fi; \
	exit $$status
