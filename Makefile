# triton-monitoring: the Day 6 stack (Triton + Prometheus + Grafana) as re-runnable steps.
# `make help` lists the targets. Step scripts are bundled once into dist/ so each starts fast.
# VERBOSE=1 (make all VERBOSE=1) makes every step show each docker command and HTTP request it runs.
# DEBUG=1 makes a step that meets an unexpected error print its stack trace, mapped to the TypeScript.

SHELL := /bin/bash
.DEFAULT_GOAL := help
NODE := node
TSX := $(NODE) --import tsx
# This make process (the parent of $(shell)) holds the stack's lock for every step it runs, so
# the steps of one run share it while another run waits (scripts/lib/state/lock.ts). Set on the
# steps' command lines only: a test run by `make test` is not part of any stack run.
MAKE_PID := $(shell echo $$PPID)
# Source maps only with DEBUG=1, the one time a stack trace is printed (a bug's report): reading
# them costs every step ~20 ms at start, and a step's own failures print a cause and a fix, no trace.
STEP := TM_LOCK_OWNER=$(MAKE_PID) TM_LOCK_NAME='make $(MAKECMDGOALS)' $(NODE)$(if $(DEBUG), --enable-source-maps)
ARGS ?=
# One id per make invocation: a notice every step of `make all` would give (BIND_ADDRESS exposing
# the stack) is given once per run. Inherited, so a make called from make shares it.
ifeq ($(strip $(TM_RUN)),)
TM_RUN := $(shell date +%s%N)
endif
export TM_RUN

# make all / make up: each step starts as soon as the steps it needs are done. Triton, Grafana and
# Alertmanager need only the network, so Grafana's steps overlap Triton's start and Prometheus's
# first scrape. Prometheus follows Triton: it waits for the targets 02-triton lists, and a list
# changed under it (make up with another TRITON_REPLICAS) would have it wait for the old one. The
# load follows Prometheus: a load that ends before the first scrape leaves no increase to see.
# Each step's lines come out together, under its heading, when it ends (--output-sync); colors
# stay if make's are on a terminal. Any other goal runs its steps one after another, alone, as before.
ifneq ($(filter all up,$(MAKECMDGOALS)),)
MAKEFLAGS += --jobs=4 --output-sync=target
ifeq ($(shell [ -t 2 ] && echo tty),tty)
export FORCE_COLOR := 1
endif
triton grafana alertmanager: network
prometheus: triton
token: grafana
datasource: token
dashboard: datasource
load: prometheus
verify: prometheus dashboard load
else
.NOTPARALLEL:
endif

# prometheus/ too: 03-prometheus bundles the typed config it renders prometheus.yml and rules.yml from.
SOURCES := $(shell find scripts prometheus -name '*.ts' 2>/dev/null)
BUILT := dist/.built
DEPS := node_modules/.package-lock.json

.PHONY: help all up down summary doctor check network triton prometheus alertmanager grafana token datasource dashboard load verify report \
        alerts alert-drill images generate dashboards kubernetes model test mutation clone-test bench publish build typecheck lint format system clean

help: $(BUILT) ## List the targets
	@$(NODE) dist/scripts/help.mjs $(firstword $(MAKEFILE_LIST))

all: network triton prometheus grafana token datasource dashboard load verify alertmanager ## Everything, from nothing to a verified dashboard (re-runnable)
	@$(STEP) dist/scripts/summary.mjs

up: network triton prometheus alertmanager ## Network, Triton, Prometheus and Alertmanager

summary: $(BUILT) ## The steps of the last run in the tutorial's order, each with its result and time
	@$(STEP) dist/scripts/summary.mjs
doctor: $(BUILT) ## Check what make all needs first: engine, images, GPU, disk, ports, state folder, Node.js
	@$(STEP) dist/scripts/doctor.mjs $(ARGS)
network: $(BUILT) ## Step 1: create the Docker network
	@$(STEP) dist/scripts/01-network.mjs $(ARGS)
triton: $(BUILT) ## Step 2: run Triton serving models/ and wait until the model is ready
	@$(STEP) dist/scripts/02-triton.mjs $(ARGS)
prometheus: $(BUILT) ## Step 3: run Prometheus scraping Triton and wait for the target to be up
	@$(STEP) dist/scripts/03-prometheus.mjs $(ARGS)
grafana: $(BUILT) ## Step 4: run Grafana with a generated admin password
	@$(STEP) dist/scripts/04-grafana.mjs $(ARGS)
token: $(BUILT) ## Step 5: service account and token (stored masked, mode 0600)
	@$(STEP) dist/scripts/05-token.mjs $(ARGS)
datasource: $(BUILT) ## Step 6: Prometheus datasource by a fixed uid
	@$(STEP) dist/scripts/06-datasource.mjs $(ARGS)
dashboard: $(BUILT) ## Step 7: import the exported dashboard
	@$(STEP) dist/scripts/07-dashboard.mjs $(ARGS)
load: $(BUILT) ## Step 8: send inference load and report latency and accuracy
	@$(STEP) dist/scripts/08-load.mjs $(ARGS)
verify: $(BUILT) ## Step 9: check target, QPS and latency through Grafana
	@$(STEP) dist/scripts/09-verify.mjs $(ARGS)
alertmanager: $(BUILT) ## Step 10: Alertmanager for Prometheus's alerts; a webhook with ALERT_WEBHOOK_URL=...
	@$(STEP) dist/scripts/10-alertmanager.mjs $(ARGS)
check: $(BUILT) ## Grade a stack built by hand, the tutorial's steps as a checklist (ARGS="--step 4", --json, --junit FILE)
	@$(STEP) dist/scripts/check.mjs $(ARGS)
report: $(BUILT) ## Write report/index.html: the run, the load, charts, targets and alerts in one offline file
	@$(STEP) dist/scripts/report.mjs $(ARGS)
alerts: $(BUILT) ## Firing and silenced alerts in Alertmanager, as a table (ARGS=--json)
	@$(STEP) dist/scripts/alerts.mjs $(ARGS)
alert-drill: $(BUILT) ## Stop Triton, watch TritonTargetDown fire and reach the webhook, start it, watch it resolve
	@$(STEP) dist/scripts/alert-drill.mjs $(ARGS)
down: $(BUILT) ## Remove the containers and the network (data volumes only with ARGS=--volumes)
	@$(STEP) dist/scripts/down.mjs $(ARGS)
publish: $(BUILT) ## Publish the exported dashboard to the GitHub release TAG=...
	@$(STEP) dist/scripts/publish.mjs --tag "$(TAG)" $(ARGS)

images: system $(DEPS) ## Build local test images; prints TRITON_IMAGE=... lines for eval
	@$(TSX) test/images/build.ts
generate: $(DEPS) ## Regenerate every generated source file: dashboards/*.json, prometheus/*.yml, kubernetes/
	@$(TSX) dashboards/export.ts
	@$(TSX) prometheus/generate.ts
	@$(TSX) kubernetes/generate.ts
dashboards: $(DEPS) ## Export the typed dashboards to JSON under dashboards/
	@$(TSX) dashboards/export.ts
kubernetes: $(DEPS) ## Write the Kubernetes manifests under kubernetes/ (ARGS="--release <kps release> --gpus 1")
	@$(TSX) kubernetes/generate.ts $(ARGS)
model: $(DEPS) ## Re-train models/mnist_mlp (deterministic: same bytes every time)
	@$(TSX) models/train.ts

test: system lint $(BUILT) ## Lint, then run every test suite (installs Docker, Prometheus and Chromium when missing)
	@$(TSX) test/run.ts $(T)
mutation: $(DEPS) ## Mutation score per module (StrykerJS; not part of test): M=mask,config picks modules
	@M="$(M)" $(TSX) test/mutation/run.ts
clone-test: ## Clone the committed HEAD into an empty temp folder; plain npm ci, make images, make test there
	@bash test/clone-test.sh
bench: system $(BUILT) ## Benchmarks, each as a ratio against a peer measured in the same run
	@$(TSX) test/bench/run.ts $(B)
typecheck: $(DEPS) ## Type-check everything (strict)
	@npm run -s typecheck
lint: $(DEPS) ## Formatter check, linter (Biome) and type check; `make format` fixes what it can
	@npm run -s lint
format: $(DEPS) ## Format and apply the linter's safe fixes (Biome)
	@npm run -s format

system: ## Install and start what tests need: Docker engine, Prometheus, promtool, Alertmanager, amtool, Chromium
	@bash test/setup/system.sh

build: $(BUILT) ## Bundle the step scripts into dist/
$(BUILT): $(SOURCES) locales/zh-CN.json build.ts $(DEPS)
	@$(TSX) build.ts && touch $@

# Only the lock file decides: an edit to package.json's scripts must not reinstall node_modules.
# npm's report goes to stderr: `eval "$(make -s images)"` reads stdout.
$(DEPS): package-lock.json
	@npm ci --no-audit --no-fund --loglevel=error >&2 && touch $@

clean: ## Remove build output (not the state folder with secrets)
	rm -rf dist
