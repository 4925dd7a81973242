#include <pma/cli/main.hpp>

int
main(int argc, char** argv)
{
  return pma::cli::main(argc, argv);
}
