#include <pma/output/table.hpp>

#include <algorithm>

namespace pma::output {

size_t
display_width(const std::string& text)
{
  return static_cast<size_t>(std::count_if(
      text.begin(), text.end(), [](const char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

Table::Table(std::vector<std::string> headers)
  : m_headers(std::move(headers))
{
}

void
Table::add_row(std::vector<std::string> cells)
{
  cells.resize(m_headers.size());
  m_rows.push_back(std::move(cells));
}

std::string
Table::render() const
{
  std::vector<size_t> widths(m_headers.size());
  for (size_t i = 0; i < m_headers.size(); ++i) {
    widths[i] = display_width(m_headers[i]);
    for (const auto& row : m_rows) {
      widths[i] = std::max(widths[i], display_width(row[i]));
    }
  }
  std::string out;
  const auto emit = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t i = 0; i < cells.size(); ++i) {
      line += cells[i];
      if (i + 1 < cells.size()) {
        line.append(widths[i] - display_width(cells[i]) + 2, ' ');
      }
    }
    while (!line.empty() && line.back() == ' ') {
      line.pop_back();
    }
    out += line + "\n";
  };
  emit(m_headers);
  for (const auto& row : m_rows) {
    emit(row);
  }
  return out;
}

} // namespace pma::output
