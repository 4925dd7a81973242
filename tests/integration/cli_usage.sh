# The command line itself: help, typos, version, formats. No lab needed.

TEST "unknown command gets a suggestion and exit 2"
pma hots
expect_rc 2
expect_err "unknown command 'hots', did you mean 'hosts'?"

TEST "unknown option gets a suggestion and exit 2"
pma hosts --hots x
expect_rc 2
expect_err "unknown option '--hots' for 'podman-multiarch hosts', did you mean '--host'?"

TEST "unknown global option"
pma --hepl
expect_rc 2
expect_err "did you mean '--help'?"

TEST "--version and help"
pma --version
expect_rc 0
expect_out "podman-multiarch version "
pma --help
expect_rc 0
expect_out "hosts"
expect_out "version"
pma hosts --help
expect_rc 0
expect_out "--ssh-accept-new-host-keys"
expect_out "Examples:"

TEST "bad --format and bad duration are usage errors"
pma hosts --host unix:///nonexistent.sock --format yaml
expect_rc 2
expect_err "invalid --format 'yaml' (one of: table, json)"
pma hosts check --host unix:///nonexistent.sock --connect-timeout 5parsecs
expect_rc 2
expect_err "invalid duration '5parsecs' for --connect-timeout"

TEST "bad --log-level"
pma hosts --log-level chatty
expect_rc 2
expect_err "invalid --log-level 'chatty'"

TEST "hosts with no configuration at all is the local socket"
pma hosts --format json
expect_rc 0
expect_json '.hosts | length == 1 and .[0].name == "local" and (.[0].url | test("^unix:///run/podman/podman.sock$|podman/podman.sock$"))'

TEST "CONTAINER_HOST selects a host and tcp:// warns about plain text"
CONTAINER_HOST=tcp://127.0.0.1:1 pma hosts check
expect_rc 1
expect_err "crosses the network unencrypted"
expect_err "host 127.0.0.1:1: cannot connect to 127.0.0.1:1"
