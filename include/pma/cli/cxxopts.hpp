#pragma once

// Repeatable options are never split on commas: values such as
// "linux/amd64,linux/arm64@x=ssh://…" must arrive whole; we split where a
// comma list is documented.
#define CXXOPTS_VECTOR_DELIMITER '\0'
#include <cxxopts.hpp>
