// A Containerfile read for what it pulls (the images its credentials are for).
#include <pma/context/containerfile.hpp>
#include <pma/oci/reference.hpp>
#include <pma/util/strings.hpp>

#include <cctype>
#include <set>

namespace pma::context {

namespace {

std::string
substitute(const std::string& text, const std::map<std::string, std::string>& vars)
{
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$' || i + 1 == text.size()) {
      out += text[i];
      continue;
    }
    std::string name;
    std::string fallback;
    if (text[i + 1] == '{') {
      const size_t close = text.find('}', i + 2);
      if (close == std::string::npos) {
        out += text.substr(i);
        break;
      }
      name = text.substr(i + 2, close - i - 2);
      if (const size_t dash = name.find(":-"); dash != std::string::npos) {
        fallback = name.substr(dash + 2);
        name.resize(dash);
      }
      i = close;
    } else {
      size_t end = i + 1;
      while (end < text.size() && (std::isalnum(static_cast<unsigned char>(text[end])) != 0 || text[end] == '_')) {
        ++end;
      }
      name = text.substr(i + 1, end - i - 1);
      i = end - 1;
    }
    const auto it = vars.find(name);
    out += it != vars.end() && !it->second.empty() ? it->second : fallback;
  }
  return out;
}

// What `image` (a FROM operand) means to podman: no registry means docker.io.
std::string
normalized_image(const std::string& image)
{
  const auto ref = oci::ImageRef::parse_normalized(image);
  return ref ? ref->name() : image;
}

} // namespace

std::vector<BaseReference>
base_references(const std::string_view containerfile, const std::map<std::string, std::string>& build_args,
                const std::map<std::string, std::string>& automatic)
{
  // Logical lines: join "\" continuations, drop comments.
  std::vector<std::string> lines;
  std::string current;
  for (const auto& raw : util::split(containerfile, '\n')) {
    const std::string_view line = util::trim(raw);
    if (current.empty() && line.starts_with('#')) {
      continue;
    }
    if (line.ends_with('\\')) {
      current += std::string(line.substr(0, line.size() - 1)) + " ";
      continue;
    }
    lines.push_back(current + std::string(line));
    current.clear();
  }
  std::map<std::string, std::string> vars = automatic;
  std::set<std::string> stages;
  std::set<BaseReference> images;
  bool seen_from = false;
  const auto add_image = [&](const std::string& raw_image, const std::string& platform) {
    std::string image = substitute(raw_image, vars);
    if (image.empty() || image == "scratch" || stages.contains(util::to_lower(image))) {
      return;
    }
    images.insert({std::move(image), raw_image, platform.empty() ? "" : substitute(platform, vars)});
  };
  for (const auto& line : lines) {
    std::vector<std::string> words;
    for (auto& word : util::split(line, ' ')) {
      if (!util::trim(word).empty()) {
        words.emplace_back(util::trim(word));
      }
    }
    if (words.empty()) {
      continue;
    }
    const std::string instruction = util::to_lower(words[0]);
    if (instruction == "arg" && !seen_from) {
      for (size_t i = 1; i < words.size(); ++i) {
        const size_t eq = words[i].find('=');
        const std::string name = words[i].substr(0, eq);
        const auto given = build_args.find(name);
        vars[name] = given != build_args.end() ? given->second
                     : eq != std::string::npos ? words[i].substr(eq + 1)
                                               : std::string();
      }
    } else if (instruction == "from") {
      seen_from = true;
      size_t i = 1;
      std::string platform;
      for (; i < words.size() && words[i].starts_with("--"); ++i) {
        if (words[i].starts_with("--platform=")) {
          platform = words[i].substr(11);
        }
      }
      if (i < words.size()) {
        add_image(words[i], platform);
      }
      if (i + 2 < words.size() && util::to_lower(words[i + 1]) == "as") {
        stages.insert(util::to_lower(words[i + 2]));
      }
    } else if (instruction == "copy" || instruction == "add") {
      for (size_t i = 1; i < words.size() && words[i].starts_with("--"); ++i) {
        if (words[i].starts_with("--from=")) {
          const std::string from = words[i].substr(7);
          if (from.find_first_not_of("0123456789") != std::string::npos) {
            add_image(from, "");
          }
        }
      }
    }
  }
  return {images.begin(), images.end()};
}

std::vector<std::string>
base_images(const std::string_view containerfile, const std::map<std::string, std::string>& build_args)
{
  std::set<std::string> names;
  for (const auto& reference : base_references(containerfile, build_args)) {
    names.insert(normalized_image(reference.text));
  }
  return {names.begin(), names.end()};
}

} // namespace pma::context
