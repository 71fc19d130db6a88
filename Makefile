# ims-operator. `make demo` and `make test` work on a fresh machine: everything they need is
# built from the Go module proxy into bin/ (ignored by git).

# The manager image: `make image-push deploy IMAGE=<registry>/ims-operator:<tag>` (IMG works too).
IMG ?= ims-operator:latest
IMAGE ?= $(IMG)
BIN := $(CURDIR)/bin
# Every Go build here is static and path-free, as the manager's (hack/build-manager.sh): tests,
# vet, tools and the manager then share compiled packages (cgo and -trimpath are part of a
# package's build ID), so a cold `make test` compiles the operator's dependencies once, not once
# for the image and again for the tests. GOFLAGS keeps the environment's (and `go env -w`'s).
export CGO_ENABLED := 0
export GOFLAGS := $(strip $(filter-out -trimpath,$(shell go env GOFLAGS)) -trimpath)
CONTROL_PLANE := $(BIN)/k8s
NODE_BIN := $(BIN)/node
KUBECTL := $(CONTROL_PLANE)/kubectl
HELM := $(BIN)/helm
# Stamped into the binary (--help prints it) and the image's labels.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
PLATFORMS ?= linux/amd64 linux/arm64
# Where `make image` writes the image's OCI layout (the node tests write their own elsewhere).
IMAGE_LAYOUT ?= $(BIN)/image
CONTROLLER_GEN := go tool controller-gen
GOTEST_FLAGS ?=
# api/ is a module of its own (api/go.mod), replaced into this one: controller-gen reaches it by
# import path, go test from inside it.
API_PACKAGES := github.com/imagecatalog/ims-operator/api/...
GEN_PATHS := ./...;$(API_PACKAGES)

.PHONY: all
all: build

##@ General

.PHONY: help
help: ## Show the targets.
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make <target>\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  %-16s %s\n", $$1, $$2 } /^##@/ { printf "\n%s\n", substr($$0, 5) } ' $(MAKEFILE_LIST)

##@ Development

.PHONY: manifests
manifests: ## Generate CRDs and RBAC from the markers in api/ and controllers/, and the chart's copies.
	$(CONTROLLER_GEN) rbac:roleName=manager-role crd paths="$(GEN_PATHS)" output:crd:artifacts:config=config/crd/bases output:rbac:artifacts:config=config/rbac
	go run ./hack/keyless-role
	go run ./hack/chartgen chart

.PHONY: chart
chart: ## Regenerate dist/chart's CRDs, RBAC and PrometheusRule from config/ (after a rebase, too).
	go run ./hack/chartgen chart

.PHONY: generate
generate: ## Generate DeepCopy methods from the markers in api/.
	$(CONTROLLER_GEN) object paths="$(API_PACKAGES)"

.PHONY: fmt
fmt: ## go fmt (both modules).
	go fmt ./...
	cd api && go fmt ./...

.PHONY: vet
vet: ## go vet (both modules).
	go vet ./...
	cd api && go vet ./...

# golangci-lint is a tool of a module of its own (hack/tools/go.mod): as a tool of the root
# module it would raise the operator's golang.org/x/tools, x/mod, x/sync and x/sys versions.
GOLANGCI_LINT := go tool -modfile=$(CURDIR)/hack/tools/go.mod golangci-lint
# kube-api-linter's own build of golangci-lint (the same golangci-lint with the linter built in),
# pinned beside it; it checks the API types against the Kubernetes API conventions.
KUBE_API_LINTER := go tool -modfile=$(CURDIR)/hack/tools/go.mod golangci-lint-kube-api-linter

.PHONY: lint
lint: ## Run golangci-lint (v2, pinned in hack/tools/go.mod; config .golangci.yml) on both modules, and kube-api-linter on api/.
	$(GOLANGCI_LINT) run ./...
	cd api && $(GOLANGCI_LINT) run ./...
	cd api && $(KUBE_API_LINTER) run --config $(CURDIR)/.golangci-kube-api-linter.yml ./...

.PHONY: control-plane
control-plane: ## Build etcd, kube-apiserver, kube-controller-manager and kubectl into bin/k8s (first time ~6 min).
	@hack/build-control-plane.sh

.PHONY: node
node: ## Build kubelet, kube-scheduler and kube-proxy into bin/node, for the node tests (first time ~6 min).
	@hack/build-control-plane.sh node

.PHONY: helm
helm: ## Build Helm into bin/helm from the Go module proxy (first time ~4 min).
	@hack/build-helm.sh

.PHONY: notification-controller
notification-controller: ## Build Flux's notification-controller (and copy its CRDs and RBAC) into bin/flux, for test/flux (first time a few minutes).
	@hack/build-notification-controller.sh

# promtool at hack/promql's Prometheus pin, without service discovery (which it does not need
# for `promtool test rules`, and which is most of its build). go build is incremental.
.PHONY: promtool
promtool: ## Build Prometheus' promtool into bin/promtool (first time a few minutes).
	cd hack/promql && GOWORK=off GOFLAGS=-mod=readonly go build -tags remove_all_sd \
	  -o $(BIN)/promtool github.com/prometheus/prometheus/cmd/promtool

.PHONY: helm-lint
helm-lint: helm ## Lint the chart with its default values and with every value set.
	$(HELM) lint --strict dist/chart
	$(HELM) lint --strict dist/chart -f dist/testdata/values-everything.yaml

.PHONY: test
test: control-plane ## Run lint and every test: unit, fuzz seeds, generated files, envtest integration, the chart, the image, the demo, a 3-minute soak, the node tests.
	@BIN=$(BIN) CONTROL_PLANE=$(CONTROL_PLANE) NODE_BIN=$(NODE_BIN) MAKE="$(MAKE)" hack/test.sh $(GOTEST_FLAGS)

# The chaos soak: SOAK is the time of chaos (any Go duration), SOAK_SEED replays a run's seed
# (printed at its start and in its summary), SOAK_TIMEOUT bounds the whole run.
SOAK ?= 10m
SOAK_SEED ?=
SOAK_TIMEOUT ?= 3h

.PHONY: soak
soak: control-plane ## Chaos soak (SOAK=10m, SOAK_SEED=n to replay): 50 queries, catalog churn, IMS faults, API server/etcd/manager disruptions, invariants audited.
	SOAK=$(SOAK) SOAK_SEED=$(SOAK_SEED) KUBEBUILDER_ASSETS=$(CONTROL_PLANE) IMS_OPERATOR_REQUIRE_INTEGRATION=1 \
	  go test -count=1 -v -timeout $(SOAK_TIMEOUT) -run '^TestSoak$$' ./test/soak/

# The node tests (test/node): the manager's image as Pods under a real kubelet, installed by the
# chart. They need root; they install containerd, runc, the CNI plugins and iptables from
# Debian when missing. IMS_OPERATOR_NODE_KEEP=1 keeps the node's folder (logs) after a pass.
.PHONY: test-node
test-node: control-plane node helm ## Run the node tests alone (root; a few minutes).
	KUBEBUILDER_ASSETS=$(CONTROL_PLANE) IMS_OPERATOR_NODE_BIN=$(NODE_BIN) IMS_OPERATOR_REQUIRE_NODE=1 \
	  go test $(GOTEST_FLAGS) -timeout 20m ./test/node/

.PHONY: bench
bench: ## Run the benchmarks.
	go test -run '^$$' -bench . -benchmem ./...

.PHONY: bench-mirror
bench-mirror: control-plane build ## Mirror figures: the operator against client-go on one control plane (N=1,000 and 10,000, K=10 queries, churn; SCALE=100 adds the scale figure); takes minutes.
	go run ./hack/bench-mirror $(if $(SCALE),-scale $(SCALE)) $(ARGS)

# The scale figure alone: SCALE namespaces (100: 100,000 CloudImages from 1,000 ImageQueries),
# each mirroring the whole 1,000-image catalog; half an hour on 2 cores.
.PHONY: bench-scale
bench-scale: control-plane build ## Scale figures alone: SCALE (100) namespaces × 1,000 images × 10 queries on one manager; about half an hour.
	go run ./hack/bench-mirror -sizes 0 -k 0 -scale $(or $(SCALE),100) $(ARGS)

.PHONY: fuzz
fuzz: ## Fuzz response decoding and query encoding for a while each (FUZZTIME=30s).
	go test -run '^$$' -fuzz FuzzDecodeImages -fuzztime $${FUZZTIME:-30s} ./internal/ims/
	go test -run '^$$' -fuzz FuzzQueryValues -fuzztime $${FUZZTIME:-30s} ./internal/ims/

##@ Build

.PHONY: build
build: ## Build the manager and the IMS simulator into bin/.
	hack/build-manager.sh $(BIN)/manager $(VERSION)
	go build -o $(BIN)/ims-simulator ./cmd/ims-simulator

.PHONY: run
run: ## Run the manager against the cluster of the current kubeconfig.
	go run . $(ARGS)

.PHONY: demo
demo: ## Run the whole operator locally: control plane, IMS simulator, manager, samples (DEMO_ONCE=1 exits).
	@hack/demo.sh

.PHONY: image
image: ## Build the manager image for $(PLATFORMS) without Docker, into the OCI layout bin/image.
	@mkdir -p $(IMAGE_LAYOUT)-build
	@set -e; bins=; for p in $(PLATFORMS); do \
	  out=$(IMAGE_LAYOUT)-build/manager-$${p%/*}-$${p#*/}; \
	  echo ">> manager for $$p"; GOOS=$${p%/*} GOARCH=$${p#*/} hack/build-manager.sh $$out $(VERSION); \
	  bins="$$bins $$p=$$out"; \
	done; \
	cd hack/image && GOWORK=off GOFLAGS=-mod=readonly go run . build -version $(VERSION) \
	  -revision "$$(git rev-parse HEAD 2>/dev/null)" -out $(IMAGE_LAYOUT) $$bins
	@echo ">> $(IMAGE_LAYOUT): OCI image layout ($(PLATFORMS)), version $(VERSION)"

.PHONY: image-push
image-push: image ## Push bin/image to IMAGE=<registry>/ims-operator:<tag> (credentials of `docker login`).
	cd hack/image && GOWORK=off GOFLAGS=-mod=readonly go run . push -layout $(IMAGE_LAYOUT) $(IMAGE)

.PHONY: docker-build
docker-build: ## Build the manager image with a Docker engine (make image needs none).
	docker build --build-arg VERSION=$(VERSION) -t $(IMAGE) .

##@ Deployment

.PHONY: install
install: control-plane ## Install the CRDs into the cluster of the current kubeconfig.
	$(KUBECTL) apply --server-side -k config/crd

.PHONY: uninstall
uninstall: control-plane ## Remove the CRDs (and so every ImageQuery and CloudImage).
	$(KUBECTL) delete --ignore-not-found -k config/crd

.PHONY: deploy
deploy: control-plane ## Deploy the operator (CRDs, RBAC, manager) with image $(IMAGE).
	$(KUBECTL) kustomize config/default | sed 's|image: ims-operator:latest|image: $(IMAGE)|' | $(KUBECTL) apply --server-side -f -

.PHONY: build-installer
build-installer: control-plane ## Write dist/install.yaml (CRDs first, then config/default) with image $(IMAGE).
	$(KUBECTL) kustomize config/default | sed 's|image: ims-operator:latest|image: $(IMAGE)|' | go run ./hack/chartgen installer > dist/install.yaml

.PHONY: undeploy
undeploy: control-plane ## Remove the operator.
	$(KUBECTL) delete --ignore-not-found -k config/default
