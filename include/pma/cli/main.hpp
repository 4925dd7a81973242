#pragma once

namespace pma::cli {

// The whole program; returns the exit status (podman-multiarch(1), EXIT STATUS).
int main(int argc, const char* const* argv);

} // namespace pma::cli
