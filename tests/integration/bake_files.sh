# bake's release files through the real binary: --print of our format and of
# a compose file modelled on docker/awesome-compose's react-java-mysql, -f
# overrides and --set, and the errors of bad files (exit 2, FILE:LINE:COL).
# No podman host is needed: --print contacts none (the only host given does
# not exist), so this scenario runs without the lab too.

rel=$T/release
mkdir -p "$rel/base" "$rel/tools" "$rel/ci"
printf 'FROM scratch\n' >"$rel/base/Containerfile"
printf 'FROM base\n' >"$rel/Containerfile"
printf 'token\n' >"$rel/npmrc"
cat >"$rel/podman-multiarch.bake.yaml" <<'EOF'
variables:
  REGISTRY: quay.io/acme
  TAG: "1.4"
groups:
  default: [app, tools]
  all: [base, app, tools]
targets:
  base:
    context: base
    file: Containerfile
    platforms: [linux/amd64, linux/arm64]
    tags: ["${REGISTRY}/base:${TAG}"]
  app:
    contexts: {base: "target:base"}
    platforms: [linux/amd64, linux/arm64]
    args: {VERSION: "${TAG}"}
    secrets: ["id=npm,src=npmrc"]
    network: host
    tags: ["${REGISTRY}/app:${TAG}"]
  tools:
    matrix: {variant: [slim, full]}
    context: tools
    args: {VARIANT: "${variant}"}
    tags: ["${REGISTRY}/tools:${TAG}-${variant}"]
    required: false
EOF
nohost=(--host "nowhere=unix://$T/no-such.sock")

TEST "bake --print: the default file and group, each dependency before its dependents"
pushd "$rel" >/dev/null || exit 1
pma bake --print "${nohost[@]}"
popd >/dev/null || exit 1
expect_rc 0
expect_json '.target | keys_unsorted == ["base", "app", "tools-slim", "tools-full"]'
expect_json '.group.default.targets == ["app", "tools"] and .group.tools.targets == ["tools-slim", "tools-full"]'
expect_json '.target.app.dependsOn == ["base"] and .target.app.contexts.base == "target:base"'
expect_json '.target.base.tags == ["quay.io/acme/base:1.4"] and .target.base.platforms == ["linux/amd64", "linux/arm64"]'
expect_json '.target["tools-full"].args.VARIANT == "full" and .target["tools-full"].required == false'
expect_json '.target.app.options.network == ["host"] and .target.app.secrets[0].id == "npm"'
expect_json '.target.base.context == "base" and .target.app.context == "."' # as the file is named: here

TEST "bake --print from another directory: paths are relative to the file"
pma bake --print -f "$rel/podman-multiarch.bake.yaml" app
expect_rc 0
expect_json '(.target | keys_unsorted) == ["base", "app"]'
jq -e --arg d "$rel" '.target.base.context == ($d + "/base")' "$T/out" >/dev/null || fail "base context is not $rel/base"

TEST "bake: the environment overrides a variable; -f overrides and --set apply in order"
cat >"$rel/ci/ci.yaml" <<'EOF'
targets:
  app:
    tags: ["${REGISTRY}/app:ci"]
    args: {BUILD: "7"}
EOF
REGISTRY=registry.example.com/team pma bake --print -f "$rel/podman-multiarch.bake.yaml" -f "$rel/ci/ci.yaml" \
  --set '*.args.BY=set' --set 'base.platforms=linux/amd64' --set app.platforms=linux/amd64 app
expect_rc 0
expect_json '.target.app.tags == ["registry.example.com/team/app:ci"]'
expect_json '.target.app.args == {"BUILD": "7", "BY": "set", "VERSION": "1.4"}'
expect_json '.target.base.platforms == ["linux/amd64"] and .target.base.args.BY == "set"'
expect_json '.files | length == 2'

TEST "bake --print of a compose file as it is (awesome-compose's react-java-mysql)"
app=$T/react-java-mysql
mkdir -p "$app/backend" "$app/frontend" "$app/db"
printf 'FROM scratch\n' >"$app/backend/Dockerfile"
printf 'FROM scratch AS development\n' >"$app/frontend/Dockerfile"
printf 'secret\n' >"$app/db/password.txt"
printf 'IMAGE_TAG=1.4\n' >"$app/.env"
cat >"$app/compose.yaml" <<'EOF'
services:
  backend:
    image: quay.io/acme/react-java-mysql-backend:${IMAGE_TAG}
    build: backend
    restart: always
    secrets:
      - db-password
    environment:
      MYSQL_HOST: db
    networks:
      - react-spring
      - spring-mysql
    depends_on:
      db:
        condition: service_healthy
  db:
    # We use a mariadb image which supports both amd64 & arm64 architecture
    image: mariadb:10.6.4-focal
    environment:
      - MYSQL_DATABASE=example
      - MYSQL_ROOT_PASSWORD_FILE=/run/secrets/db-password
    restart: always
    healthcheck:
      test: ["CMD", "mysqladmin", "ping", "-h", "127.0.0.1", "--silent"]
      interval: 3s
      retries: 5
      start_period: 30s
    secrets:
      - db-password
    volumes:
      - db-data:/var/lib/mysql
    networks:
      - spring-mysql
    expose:
      - 3306
      - 33060
  frontend:
    image: quay.io/acme/react-java-mysql-frontend:${IMAGE_TAG}
    build:
      context: frontend
      target: development
      platforms: [linux/amd64, linux/arm64]
      secrets: [db-password]
    ports:
      - 3000:3000
    volumes:
      - ./frontend/src:/code/src
      - /project/node_modules
    networks:
      - react-spring
    depends_on:
      - backend
volumes:
  db-data: {}
secrets:
  db-password:
    file: db/password.txt
networks:
  react-spring: {}
  spring-mysql: {}
EOF
pushd "$app" >/dev/null || exit 1
pma bake --print "${nohost[@]}"
popd >/dev/null || exit 1
expect_rc 0
expect_json '.group.default.targets == ["backend", "frontend"] and (.target | keys_unsorted) == ["backend", "frontend"]'
expect_json '.target.backend.tags == ["quay.io/acme/react-java-mysql-backend:1.4"]'
expect_json '.target.frontend.target == "development" and .target.frontend.platforms == ["linux/amd64", "linux/arm64"]'
expect_json '.target.frontend.secrets[0].id == "db-password" and (.target.frontend.secrets[0].file | endswith("/db/password.txt"))'
expect_json '.target.backend.context == "backend" and .target.frontend.context == "frontend"'
pma bake --print -f "$app/compose.yaml" --set '*.tags=quay.io/acme/x:1' frontend
expect_rc 0
expect_json '(.target | keys_unsorted) == ["frontend"] and .target.frontend.tags == ["quay.io/acme/x:1"]'

TEST "bad files: exit 2 with FILE:LINE:COL, and the name probably meant"
bad=$T/bad
mkdir -p "$bad"
# bad_file NAME TEXT MESSAGE [NAMES…]: bake --print -f NAME exits 2 with MESSAGE.
bad_file() {
  local name=$1 text=$2 message=$3
  shift 3
  printf '%s' "$text" >"$bad/$name"
  pma bake --print -f "$bad/$name" "${nohost[@]}" "$@"
  expect_rc 2
  expect_err "$message"
}
bad_file typo.yaml $'targets:\n  app:\n    platfroms: [linux/amd64]\n' \
  "$bad/typo.yaml:3:5: unknown key 'platfroms' in target app, did you mean 'platforms'?"
bad_file buildx.yaml $'targets:\n  app:\n    dockerfile: Containerfile\n' \
  "$bad/buildx.yaml:3:5: unknown key 'dockerfile' in target app, did you mean 'file'?"
bad_file undefined.yaml $'variables:\n  REGISTRY: quay.io/acme\ntargets:\n  app:\n    tags: ["${REGISTY}/app:1"]\n' \
  "$bad/undefined.yaml:5:12: undefined variable 'REGISTY', did you mean 'REGISTRY'?" app
bad_file cycle.yaml $'targets:\n  a:\n    contexts: {b: "target:b"}\n    tags: [quay.io/acme/a:1]\n  b:\n    contexts: {a: "target:a"}\n    tags: [quay.io/acme/b:1]\n' \
  "targets build FROM each other in a cycle: a → b → a" a
bad_file syntax.yaml $'targets:\n  app: [unclosed\n' "$bad/syntax.yaml:3:1: "
bad_file notags.yaml $'targets:\n  app: {}\n' "$bad/notags.yaml:2:3: target app has no tags: where would its list go?" app
bad_file value.yaml $'targets:\n  app:\n    tags: [quay.io/acme/app:1]\n    memory: lots\n' \
  "$bad/value.yaml:4:13: --memory 'lots': not a size (e.g. 512m, 2g)" app
bad_file compose.yaml $'services:\n  web:\n    biuld: .\n' \
  "$bad/compose.yaml:3:5: unknown key 'biuld' in service web, did you mean 'build'?"
pma bake --print -f "$rel/podman-multiarch.bake.yaml" tols
expect_rc 2
expect_err "no target or group 'tols', did you mean 'tools'?"
pma bake --print -f "$rel/podman-multiarch.bake.yaml" --set 'app.platfrom=linux/amd64'
expect_rc 2
expect_err "--set 'app.platfrom=linux/amd64': unknown key 'platfrom', did you mean 'platforms'?"
pma bake --print -f "$T/absent.yaml"
expect_rc 2
expect_err "release file $T/absent.yaml: no such file"
pushd "$T" >/dev/null || exit 1
pma bake --print
popd >/dev/null || exit 1
expect_rc 2
expect_err "no release file here (looked for podman-multiarch.bake.yaml, compose.yaml, compose.yml"

TEST "bake --help and completion know the command and the targets of the file"
pma bake --help
expect_rc 0
expect_out "--set TARGET.KEY=VALUE"
expect_out "Examples:"
"$PMA_BIN" __complete bake -f "$rel/podman-multiarch.bake.yaml" t >"$T/out" 2>"$T/err"
expect_out "tools"
expect_out "tools-slim"
