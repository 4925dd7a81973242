#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdlib>

// The tests see none of the caller's settings for the code under test: a package
// build exports SOURCE_DATE_EPOCH, a CI runner GITHUB_ACTIONS, a developer
// CONTAINER_HOST. A test that wants one sets it itself.
int
main(int argc, char** argv)
{
  for (const char* name : {"SOURCE_DATE_EPOCH", "GITHUB_ACTIONS", "GITLAB_CI", "CLICOLOR_FORCE", "NO_COLOR",
                           "CONTAINERS_CONF", "CONTAINERS_CONF_OVERRIDE", "CONTAINER_CONNECTION", "CONTAINER_HOST",
                           "CONTAINER_PASSPHRASE", "CONTAINER_SSHKEY", "DOCKER_CONFIG", "PODMAN_CONNECTIONS_CONF",
                           "PODMAN_MULTIARCH_CONFIG", "REGISTRY_AUTH_FILE"}) {
    unsetenv(name);
  }
  return doctest::Context(argc, argv).run();
}
