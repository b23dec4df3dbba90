# Production image: the built site + the playground server (+ kubectl for the terminal, from the Kubernetes
# project's own package repository: Debian has no kubectl package). Hosted mode points the server at a cluster
# (--kubeconfig FILE, or `--kubeconfig in-cluster` as deploy/ does); without one it runs the embedded sandbox.
FROM node:20-bookworm-slim
ARG KUBERNETES_MINOR=v1.32
RUN apt-get update \
 && apt-get install -y --no-install-recommends bubblewrap ca-certificates curl gnupg python3 make g++ \
 && mkdir -p /etc/apt/keyrings \
 && curl -fsSL "https://pkgs.k8s.io/core:/stable:/${KUBERNETES_MINOR}/deb/Release.key" | gpg --dearmor -o /etc/apt/keyrings/kubernetes-apt-keyring.gpg \
 && echo "deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] https://pkgs.k8s.io/core:/stable:/${KUBERNETES_MINOR}/deb/ /" > /etc/apt/sources.list.d/kubernetes.list \
 && apt-get update \
 && apt-get install -y --no-install-recommends kubectl \
 && apt-get purge -y curl gnupg && apt-get autoremove -y \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund
COPY . .
RUN npm run build
# Listening on every interface needs the Host names clients use (DNS-rebinding guard): set
# PLAYGROUND_ALLOWED_HOSTS to the public name(s), comma-separated; behind a TLS-terminating proxy also set
# PLAYGROUND_TRUST_PROXY=1. The terminal's kubectl runs in bubblewrap where the runtime allows user
# namespaces, and as this unprivileged user in a private directory otherwise (the server log says which).
ENV HOST=0.0.0.0 PORT=8080 PLAYGROUND_DATA_DIR=/data PLAYGROUND_ALLOWED_HOSTS=localhost,127.0.0.1 PLAYGROUND_GENERATOR_LIMITS=session
VOLUME /data
EXPOSE 8080
USER node
CMD ["node", "bin/playground.js", "up"]
# The same image is the load generator of a hosted benchmark: a Job pod runs
#   node bin/playground.js generator        (LOADGEN_SPEC in its environment; results on stdout)
