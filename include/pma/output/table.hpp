#pragma once

#include <string>
#include <vector>

namespace pma::output {

// A plain text table: columns padded to their widest cell, two spaces apart,
// the last column not padded (like podman's tables).
class Table {
public:
  explicit Table(std::vector<std::string> headers);

  void add_row(std::vector<std::string> cells);
  std::string render() const;

private:
  std::vector<std::string> m_headers;
  std::vector<std::vector<std::string>> m_rows;
};

// Display width of UTF-8 `text` (code points; our cells hold no wide glyphs).
size_t display_width(const std::string& text);

} // namespace pma::output
