# ims-operator. `make demo` and `make test` work on a fresh machine: everything they need is
# built from the Go module proxy into bin/ (ignored by git).

IMG ?= ims-operator:latest
BIN := $(CURDIR)/bin
CONTROL_PLANE := $(BIN)/k8s
KUBECTL := $(CONTROL_PLANE)/kubectl
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
manifests: ## Generate CRDs and RBAC from the markers in api/ and controllers/.
	$(CONTROLLER_GEN) rbac:roleName=manager-role crd paths="$(GEN_PATHS)" output:crd:artifacts:config=config/crd/bases output:rbac:artifacts:config=config/rbac

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

.PHONY: control-plane
control-plane: ## Build etcd, kube-apiserver, kube-controller-manager and kubectl into bin/k8s (first time ~6 min).
	@hack/build-control-plane.sh

.PHONY: test
test: control-plane vet ## Run every test: unit, fuzz seeds, generated-file checks, envtest integration, the demo.
	cd api && go test $(GOTEST_FLAGS) ./...
	KUBEBUILDER_ASSETS=$(CONTROL_PLANE) IMS_OPERATOR_REQUIRE_INTEGRATION=1 go test $(GOTEST_FLAGS) -timeout 20m ./...

.PHONY: bench
bench: ## Run the benchmarks.
	go test -run '^$$' -bench . -benchmem ./...

.PHONY: bench-mirror
bench-mirror: control-plane build ## Mirror figures: the operator against client-go on one control plane (N=1,000 and 10,000, K=10 queries, churn); takes minutes.
	go run ./hack/bench-mirror $(ARGS)

.PHONY: fuzz
fuzz: ## Fuzz response decoding and query encoding for a while each (FUZZTIME=30s).
	go test -run '^$$' -fuzz FuzzDecodeImages -fuzztime $${FUZZTIME:-30s} ./internal/ims/
	go test -run '^$$' -fuzz FuzzQueryValues -fuzztime $${FUZZTIME:-30s} ./internal/ims/

##@ Build

.PHONY: build
build: ## Build the manager and the IMS simulator into bin/.
	go build -o $(BIN)/manager .
	go build -o $(BIN)/ims-simulator ./cmd/ims-simulator

.PHONY: run
run: ## Run the manager against the cluster of the current kubeconfig.
	go run . $(ARGS)

.PHONY: demo
demo: ## Run the whole operator locally: control plane, IMS simulator, manager, samples (DEMO_ONCE=1 exits).
	@hack/demo.sh

.PHONY: docker-build
docker-build: ## Build the manager image (needs a Docker engine).
	docker build -t $(IMG) .

##@ Deployment

.PHONY: install
install: control-plane ## Install the CRDs into the cluster of the current kubeconfig.
	$(KUBECTL) apply --server-side -k config/crd

.PHONY: uninstall
uninstall: control-plane ## Remove the CRDs (and so every ImageQuery and CloudImage).
	$(KUBECTL) delete --ignore-not-found -k config/crd

.PHONY: deploy
deploy: control-plane ## Deploy the operator (CRDs, RBAC, manager) with image $(IMG).
	$(KUBECTL) kustomize config/default | sed 's|image: ims-operator:latest|image: $(IMG)|' | $(KUBECTL) apply --server-side -f -

.PHONY: undeploy
undeploy: control-plane ## Remove the operator.
	$(KUBECTL) delete --ignore-not-found -k config/default
