# triton-monitoring: the Day 6 stack (Triton + Prometheus + Grafana) as re-runnable steps.
# `make help` lists the targets. Step scripts are bundled once into dist/ so each starts fast.
# VERBOSE=1 (make all VERBOSE=1) makes every step show each docker command and HTTP request it runs.

SHELL := /bin/bash
.DEFAULT_GOAL := help
# Steps depend on each other's side effects (containers), never run them in parallel.
.NOTPARALLEL:

NODE := node
TSX := $(NODE) --import tsx
STEP := $(NODE) --enable-source-maps
ARGS ?=
# One id per make invocation: a notice every step of `make all` would give (BIND_ADDRESS exposing
# the stack) is given once per run. Inherited, so a make called from make shares it.
ifeq ($(strip $(TM_RUN)),)
TM_RUN := $(shell date +%s%N)
endif
export TM_RUN

# prometheus/ too: 03-prometheus bundles the typed config it renders prometheus.yml and rules.yml from.
SOURCES := $(shell find scripts prometheus -name '*.ts' 2>/dev/null)
BUILT := dist/.built
DEPS := node_modules/.package-lock.json

.PHONY: help all up down doctor network triton prometheus alertmanager grafana token datasource dashboard load verify report \
        alerts alert-drill images dashboards kubernetes model test mutation clone-test bench publish build typecheck lint format system clean

help: ## List the targets
	@grep -hE '^[a-z][a-zA-Z_-]*:.*## ' $(MAKEFILE_LIST) | \
	  awk 'BEGIN {FS = ":.*## "} {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'
	@echo '  VERBOSE=1 shows each docker command and HTTP request a step runs; ARGS="..." passes flags to a step'

all: network triton prometheus grafana token datasource dashboard load verify alertmanager ## Everything, from nothing to a verified dashboard (re-runnable)

up: network triton prometheus alertmanager ## Network, Triton, Prometheus and Alertmanager

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

images: $(DEPS) ## Build local test images; prints TRITON_IMAGE=... lines for eval
	@$(TSX) test/images/build.ts
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
$(BUILT): $(SOURCES) build.ts $(DEPS)
	@$(TSX) build.ts && touch $@

# Only the lock file decides: an edit to package.json's scripts must not reinstall node_modules.
# npm's report goes to stderr: `eval "$(make -s images)"` reads stdout.
$(DEPS): package-lock.json
	@npm ci --no-audit --no-fund --loglevel=error >&2 && touch $@

clean: ## Remove build output (not the state folder with secrets)
	rm -rf dist
