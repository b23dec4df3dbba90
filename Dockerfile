# Production image: the built site + the playground server + kubectl for the terminal. Hosted mode points the
# server at a cluster (--kubeconfig FILE, or `--kubeconfig in-cluster` as deploy/ does); without one it runs the
# embedded sandbox. Several replicas share PostgreSQL through PLAYGROUND_DATABASE_URL (the `pg` npm package:
# nothing else to install; ca-certificates lets the URL ask for sslmode=verify-full).
# test/deploy/dockerfile.test.ts holds this file to its promises (there is no Docker engine on the test machines).

# --- build: dependencies (native ones compiled here), the site, then only the runtime dependencies kept ---
FROM node:20-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# --- runtime ---
FROM node:20-bookworm-slim
# kubectl from the Kubernetes project's own package repository (Debian has no kubectl package; its
# kubernetes-client is 1.20), pinned to one release. apt checks the repository's signed Release file and the
# package's SHA-256 in it; the installed binary is then checked against the SHA-256 the project publishes for the
# same release (https://dl.k8s.io/release/v${KUBECTL_VERSION}/bin/linux/<arch>/kubectl.sha256): the packages
# install that very binary unchanged (kubernetes/release cmd/krel/templates/latest/kubectl/kubectl.spec).
# To move to another release, change the version, the package revision and both checksums together.
ARG KUBECTL_VERSION=1.32.4
ARG KUBECTL_PACKAGE_REVISION=1.1
ARG KUBECTL_SHA256_AMD64=10d739e9af8a59c9e7a730a2445916e04bc9cbb44bc79d22ce460cd329fa076c
ARG KUBECTL_SHA256_ARM64=c6f96d0468d6976224f5f0d81b65e1a63b47195022646be83e49d38389d572c2
# Set by BuildKit for the platform being built; the classic builder leaves it empty (amd64).
ARG TARGETARCH
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends bubblewrap ca-certificates curl gnupg; \
    minor="v${KUBECTL_VERSION%.*}"; \
    install -d -m 0755 /etc/apt/keyrings; \
    curl -fsSL "https://pkgs.k8s.io/core:/stable:/${minor}/deb/Release.key" | gpg --dearmor -o /etc/apt/keyrings/kubernetes-apt-keyring.gpg; \
    echo "deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] https://pkgs.k8s.io/core:/stable:/${minor}/deb/ /" > /etc/apt/sources.list.d/kubernetes.list; \
    apt-get update; \
    apt-get install -y --no-install-recommends "kubectl=${KUBECTL_VERSION}-${KUBECTL_PACKAGE_REVISION}"; \
    apt-mark hold kubectl; \
    case "${TARGETARCH:-amd64}" in \
      amd64) kubectl_sha256="${KUBECTL_SHA256_AMD64}" ;; \
      arm64) kubectl_sha256="${KUBECTL_SHA256_ARM64}" ;; \
      *) echo "no published kubectl checksum pinned for ${TARGETARCH}" >&2; exit 1 ;; \
    esac; \
    echo "${kubectl_sha256}  /usr/bin/kubectl" | sha256sum --check --strict; \
    kubectl version --client | grep -F "v${KUBECTL_VERSION}"; \
    apt-get purge -y curl gnupg; \
    apt-get autoremove -y; \
    rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Owned by root, read-only for the server's user: deploy/ also mounts the root filesystem read-only.
COPY --from=build /app /app
RUN install -d -o node -g node -m 0700 /data
# Listening on every interface needs the Host names clients use (DNS-rebinding guard): set
# PLAYGROUND_ALLOWED_HOSTS to the public name(s), comma-separated; behind a TLS-terminating proxy also set
# PLAYGROUND_TRUST_PROXY=1. The terminal's kubectl runs in bubblewrap where the runtime allows user
# namespaces, and as this unprivileged user in a private directory otherwise (the server log says which).
ENV HOST=0.0.0.0 PORT=8080 PLAYGROUND_DATA_DIR=/data PLAYGROUND_ALLOWED_HOSTS=localhost,127.0.0.1 PLAYGROUND_GENERATOR_LIMITS=session
VOLUME /data
EXPOSE 8080
# The image's `node` user (uid 1000), as deploy/server.yaml's runAsUser says.
USER 1000:1000
CMD ["node", "bin/playground.js", "up"]
# The same image is the load generator of a hosted benchmark: a Job pod runs
#   node bin/playground.js generator        (LOADGEN_SPEC in its environment; results on stdout)
