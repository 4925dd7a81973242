#pragma once

namespace pma::cli {

// The whole program; returns the exit status (DESIGN.md "Exit codes").
int main(int argc, const char* const* argv);

} // namespace pma::cli
