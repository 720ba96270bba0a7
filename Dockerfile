# Spool server image: `spool serve` over a pool volume, as a non-root user.
#
#   docker build --platform linux/amd64 -t spool .
#   docker run ... spool              (see docs/serving.md, "Running in a container")
#
# The image starts safely: it listens on 0.0.0.0:9700 inside the container (the only way a
# published port reaches it), so spool serve's own rules apply: a non-loopback server that
# accepts writes needs a token file AND TLS. The baked-in /etc/spool/server.json points at
# /etc/spool/secrets/{token.txt,cert.pem,key.pem}; until the operator provides them (a volume,
# a bind mount or secrets, e.g. written by `docker run ... spool init --dir /etc/spool/secrets`)
# the server refuses to start (NotFound, exit 3) instead of serving without authentication.
#
# Base images are pinned by tag only. Digest pinning was not possible where this file was
# written: there was no container engine to resolve a digest and build against it. To pin,
# append @sha256:... to both FROM lines (`docker buildx imagetools inspect node:20-bookworm`).
#
# linux/amd64 only: the CLI tarball carries a prebuilt linux-x64 glibc addon of @spool/core.
#
# Lint: dockerfile-utils 0.16.3 and dockerfilelint 1.8.0 report nothing. Not built here: no
# container engine on the machine it was written on.

# ---- build: install, build and pack the workspace -------------------------------------------
# node:20-bookworm has python3, make and g++ for the native addon (node-gyp).
FROM node:20-bookworm AS build

WORKDIR /src
# The whole repository (minus .dockerignore): pnpm needs every workspace package.json and the
# lockfile, and the build needs the sources, so there is no smaller layer to cache first.
COPY . .
RUN npx -y pnpm@10.34.8 install --frozen-lockfile \
 && npx -y pnpm@10.34.8 build \
 && node scripts/release.mjs pack --out /out \
 && ls -l /out

# ---- runtime ---------------------------------------------------------------------------------
FROM node:20-bookworm-slim AS runtime

LABEL org.opencontainers.image.title="spool" \
      org.opencontainers.image.description="Spool server: persistent, bounded, inspectable JSON message channels over HTTP (spool serve)" \
      org.opencontainers.image.documentation="docs/serving.md" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.base.name="docker.io/library/node:20-bookworm-slim"

# Only the CLI tarball (spool-<version>.tgz; it bundles @spool/core, @spool/client,
# @spool/server and @spool/http-server). The glob skips the other packages' tarballs.
COPY --from=build /out/spool-[0-9]*.tgz /tmp/spool/

# Install as root into /usr/local (bin: /usr/local/bin/spool), then drop npm's cache.
# /var/lib/spool: the pool directory; /etc/spool/secrets: where the token, certificate and key
# go. Both belong to the `node` user of the base image (uid 1000, gid 1000) so a fresh named
# volume mounted there inherits that owner and mode 0700.
RUN npm install -g --omit=dev /tmp/spool/spool-[0-9]*.tgz \
 && npm cache clean --force \
 && rm -rf /tmp/spool /root/.npm \
 && spool --version \
 && install -d -o 1000 -g 1000 -m 0700 /var/lib/spool /etc/spool/secrets \
 && printf '%s\n' \
      '{' \
      '  "host": "0.0.0.0",' \
      '  "port": 9700,' \
      '  "allowNonLoopback": true,' \
      '  "tokenFile": "secrets/token.txt",' \
      '  "tlsCert": "secrets/cert.pem",' \
      '  "tlsKey": "secrets/key.pem"' \
      '}' > /etc/spool/server.json \
 && chmod 0644 /etc/spool/server.json

# Flags > environment > this file: SPOOL_SERVER_* variables and flags after the image name
# override its values; mount another file over /etc/spool/server.json to replace it.
ENV SPOOL_DIR=/var/lib/spool \
    SPOOL_SERVER_CONFIG=/etc/spool/server.json \
    NODE_ENV=production

VOLUME ["/var/lib/spool"]

# Numeric, so that Kubernetes' runAsNonRoot can verify it: 1000:1000 is `node` in node images.
USER 1000:1000
WORKDIR /var/lib/spool

EXPOSE 9700

# No curl in the slim image: node's fetch. It tries HTTPS and plain HTTP (the server speaks
# one of them, depending on the configuration) and skips certificate checks: it only asks
# 127.0.0.1 inside the container for {"ok":true}, and /healthz needs no token. No
# --start-period: the server binds within a second, long before the first check at 30 s (and
# dockerfilelint 1.8.0 rejects that option: its option pattern --\w+ stops at the hyphen).
HEALTHCHECK --interval=30s --timeout=5s --retries=3 \
  CMD ["node", "--no-warnings", "-e", "process.env.NODE_TLS_REJECT_UNAUTHORIZED='0';const p=process.env.SPOOL_SERVER_PORT||9700;Promise.any(['https','http'].map((s)=>fetch(s+'://127.0.0.1:'+p+'/healthz',{signal:AbortSignal.timeout(4000)}).then((r)=>{if(!r.ok)throw new Error(String(r.status));}))).then(()=>process.exit(0),()=>process.exit(1));"]

# spool serve shuts down gracefully on the first SIGTERM (--shutdown-grace-ms, default 5 s);
# stop with a longer timeout than that (docker's default is 10 s; `docker run --stop-timeout`).
STOPSIGNAL SIGTERM

# `docker run IMAGE` serves; `docker run IMAGE check` is `spool serve check` and
# `docker run IMAGE init --dir /etc/spool/secrets --host NAME` is `spool serve init`.
ENTRYPOINT ["/usr/local/bin/spool", "serve"]
CMD []
