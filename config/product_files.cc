#include "config/product_files.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <climits>

#include <nlohmann/json.hpp>
#include <pugixml.hpp>

namespace stgw::config {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

std::string_view trim(std::string_view text) {
  const auto space = [](unsigned char c) { return std::isspace(c) != 0; };
  while (!text.empty() && space(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && space(text.back()))
    text.remove_suffix(1);
  return text;
}

// Splits on '\n', dropping a trailing '\r' (files edited on Windows servers).
std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (line.ends_with('\r'))
      line.remove_suffix(1);
    lines.push_back(line);
    if (nl == std::string_view::npos)
      break;
    text.remove_prefix(nl + 1);
  }
  return lines;
}

} // namespace

// ---- notes.ini

const Setting* NotesIni::find(std::string_view key) const {
  for (const Setting& s : settings)
    if (iequals(s.key, key))
      return &s;
  return nullptr;
}

std::vector<const Setting*> NotesIni::find_all(std::string_view key) const {
  std::vector<const Setting*> out;
  for (const Setting& s : settings)
    if (iequals(s.key, key))
      out.push_back(&s);
  return out;
}

NotesIni parse_notes_ini(std::string_view text) {
  NotesIni ini;
  int number = 0;
  for (std::string_view line : split_lines(text)) {
    ++number;
    line = trim(line);
    if (line.empty() || line.front() == ';' || line.front() == '#' || line.front() == '[')
      continue;
    const auto eq = line.find('=');
    if (eq == std::string_view::npos || eq == 0)
      continue;
    ini.settings.push_back(
        {std::string(trim(line.substr(0, eq))), std::string(trim(line.substr(eq + 1))), number});
  }
  return ini;
}

// ---- Java properties

const Setting* Properties::find(std::string_view key) const {
  for (auto it = settings.rbegin(); it != settings.rend(); ++it)
    if (it->key == key)
      return &*it;
  return nullptr;
}

namespace {

// Joins continuation lines: a line ending in an odd number of backslashes continues on the next
// line, whose leading whitespace is dropped.
struct LogicalLine {
  std::string text;
  int line = 0;
};

std::vector<LogicalLine> logical_lines(std::string_view text) {
  std::vector<LogicalLine> out;
  bool continuing = false;
  int number = 0;
  for (std::string_view raw : split_lines(text)) {
    ++number;
    std::string_view line = continuing ? trim(raw) : raw;
    if (!continuing) {
      const std::string_view body = trim(line);
      if (body.empty() || body.front() == '#' || body.front() == '!')
        continue;
      out.push_back({"", number});
      line = body;
    }
    std::size_t slashes = 0;
    while (slashes < line.size() && line[line.size() - 1 - slashes] == '\\')
      ++slashes;
    continuing = (slashes % 2) == 1;
    if (continuing)
      line.remove_suffix(1);
    out.back().text.append(line);
  }
  return out;
}

void append_utf8(std::string& out, unsigned code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

// Unescapes one key or value; |stop_at_separator| ends a key at an unescaped '=', ':' or
// whitespace. Returns the index after what was consumed.
std::size_t unescape(std::string_view text, std::size_t pos, bool stop_at_separator,
                     std::string& out) {
  while (pos < text.size()) {
    const char c = text[pos];
    if (stop_at_separator && (c == '=' || c == ':' || c == ' ' || c == '\t' || c == '\f'))
      return pos;
    if (c != '\\' || pos + 1 >= text.size()) {
      out += c;
      ++pos;
      continue;
    }
    const char e = text[pos + 1];
    pos += 2;
    switch (e) {
      case 't':
        out += '\t';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 'f':
        out += '\f';
        break;
      case 'u': {
        unsigned code = 0;
        auto [end, ec] = std::from_chars(text.data() + pos,
                                         text.data() + std::min(text.size(), pos + 4), code, 16);
        if (ec == std::errc() && end == text.data() + pos + 4) {
          append_utf8(out, code);
          pos += 4;
        } else {
          out += 'u'; // malformed \u: keep the letter, as lenient readers do
        }
        break;
      }
      default:
        out += e;
        break;
    }
  }
  return pos;
}

} // namespace

Properties parse_properties(std::string_view text) {
  Properties props;
  for (const LogicalLine& logical : logical_lines(text)) {
    const std::string_view line = logical.text;
    Setting setting;
    setting.line = logical.line;
    std::size_t pos = unescape(line, 0, true, setting.key);
    while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t' || line[pos] == '\f'))
      ++pos;
    if (pos < line.size() && (line[pos] == '=' || line[pos] == ':'))
      ++pos;
    while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t' || line[pos] == '\f'))
      ++pos;
    unescape(line, pos, false, setting.value);
    props.settings.push_back(std::move(setting));
  }
  return props;
}

// ---- LotusConnections-config.xml

namespace {

// Element names are compared without their namespace prefix: files use "sloc:" by convention,
// but the prefix is whatever the root element declares.
std::string_view local_name(const char* name) {
  std::string_view view(name);
  const auto colon = view.find(':');
  return colon == std::string_view::npos ? view : view.substr(colon + 1);
}

pugi::xml_node child_named(pugi::xml_node parent, std::string_view name) {
  for (pugi::xml_node child : parent.children())
    if (child.type() == pugi::node_element && local_name(child.name()) == name)
      return child;
  return {};
}

std::optional<std::string> attribute(pugi::xml_node node, const char* name) {
  if (!node)
    return std::nullopt;
  pugi::xml_attribute attr = node.attribute(name);
  if (!attr)
    return std::nullopt;
  return std::string(attr.value());
}

int line_of(std::string_view text, std::ptrdiff_t offset) {
  offset = std::clamp<std::ptrdiff_t>(offset, 0, static_cast<std::ptrdiff_t>(text.size()));
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + offset, '\n'));
}

int column_of(std::string_view text, std::ptrdiff_t offset) {
  offset = std::clamp<std::ptrdiff_t>(offset, 0, static_cast<std::ptrdiff_t>(text.size()));
  const auto nl = text.substr(0, offset).rfind('\n');
  return static_cast<int>(nl == std::string_view::npos ? offset + 1 : offset - nl);
}

struct ServiceReferenceFinder : pugi::xml_tree_walker {
  pugi::xml_node found;
  bool for_each(pugi::xml_node& node) override {
    if (node.type() == pugi::node_element && local_name(node.name()) == "serviceReference" &&
        std::string_view(node.attribute("serviceName").value()) == "sametimeProxy") {
      found = node;
      return false;
    }
    return true;
  }
};

} // namespace

std::expected<std::optional<SametimeProxyReference>, std::string>
find_sametime_proxy_reference(std::string_view xml) {
  pugi::xml_document doc;
  const pugi::xml_parse_result result = doc.load_buffer(xml.data(), xml.size());
  if (!result)
    return std::unexpected(
        "not well-formed XML at line " + std::to_string(line_of(xml, result.offset)) + ", column " +
        std::to_string(column_of(xml, result.offset)) + ": " + result.description());
  if (!doc.document_element())
    return std::unexpected(std::string("no root element"));
  ServiceReferenceFinder finder;
  doc.traverse(finder);
  if (!finder.found)
    return std::optional<SametimeProxyReference>{};
  const pugi::xml_node node = finder.found;
  SametimeProxyReference ref;
  ref.line = line_of(xml, node.offset_debug());
  ref.enabled = attribute(node, "enabled");
  ref.ssl_enabled = attribute(node, "ssl_enabled");
  ref.is_connect_client = attribute(node, "isConnectClient");
  const pugi::xml_node href = child_named(node, "href");
  const pugi::xml_node static_node = child_named(href, "static");
  ref.static_href = attribute(static_node, "href");
  ref.static_ssl_href = attribute(static_node, "ssl_href");
  ref.interservice_href = attribute(child_named(href, "interService"), "href");
  return ref;
}

// ---- profile_full.json

bool ThemeProfile::has_module(std::string_view id) const {
  return std::find(module_ids.begin(), module_ids.end(), id) != module_ids.end();
}

std::expected<ThemeProfile, std::string> parse_theme_profile(std::string_view json) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(json);
  } catch (const nlohmann::json::parse_error& e) {
    return std::unexpected("not valid JSON at byte " + std::to_string(e.byte));
  }
  if (!doc.is_object())
    return std::unexpected(std::string("the profile is not a JSON object"));
  ThemeProfile profile;
  auto it = doc.find("moduleIDs");
  if (it == doc.end() || !it->is_array())
    return profile;
  profile.has_module_ids = true;
  for (const auto& id : *it)
    if (id.is_string())
      profile.module_ids.push_back(id.get<std::string>());
  return profile;
}

// ---- limits.conf

namespace {

std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  while (pos < line.size()) {
    while (pos < line.size() && std::isspace(static_cast<unsigned char>(line[pos])))
      ++pos;
    const std::size_t start = pos;
    while (pos < line.size() && !std::isspace(static_cast<unsigned char>(line[pos])))
      ++pos;
    if (pos > start)
      out.push_back(line.substr(start, pos - start));
  }
  return out;
}

} // namespace

LimitsConf parse_limits_conf(std::string_view text) {
  LimitsConf conf;
  int number = 0;
  for (std::string_view line : split_lines(text)) {
    ++number;
    line = line.substr(0, line.find('#'));
    const auto parts = fields(line);
    if (parts.empty())
      continue;
    const std::string where = "line " + std::to_string(number) + ": ";
    if (parts.size() != 4) {
      conf.problems.push_back(where + "expected <domain> <type> <item> <value>");
      continue;
    }
    LimitEntry entry{std::string(parts[0]), std::string(parts[1]), std::string(parts[2]),
                     std::string(parts[3]), std::nullopt,          number};
    if (entry.type != "soft" && entry.type != "hard" && entry.type != "-") {
      conf.problems.push_back(where + "type \"" + entry.type + "\" is not soft, hard or -");
      continue;
    }
    const std::string_view value = parts[3];
    if (value != "unlimited" && value != "infinity" && value != "-1") {
      std::int64_t n = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc() || end != value.data() + value.size() || n < 0) {
        conf.problems.push_back(where + "value \"" + std::string(value) + "\" is not a number");
        continue;
      }
      entry.number = n;
    }
    conf.entries.push_back(std::move(entry));
  }
  return conf;
}

EffectiveLimit effective_limit(const LimitsConf& conf, std::string_view user,
                               const std::vector<std::string>& groups, std::string_view item) {
  // Ranks as in pam_limits: lower is stronger; a line replaces an earlier one of equal or
  // weaker rank.
  constexpr int kNone = INT_MAX;
  int soft_rank = kNone;
  int hard_rank = kNone;
  EffectiveLimit out;
  const bool root = user == "root";
  for (const LimitEntry& e : conf.entries) {
    if (e.item != item)
      continue;
    int rank = kNone;
    if (e.domain == user) {
      rank = 0;
    } else if (!root && e.domain.starts_with('@') &&
               std::find(groups.begin(), groups.end(), e.domain.substr(1)) != groups.end()) {
      rank = 1;
    } else if (!root && e.domain == "*") {
      rank = 2;
    }
    if (rank == kNone)
      continue;
    const std::int64_t value = e.number.value_or(INT64_MAX);
    if ((e.type == "soft" || e.type == "-") && rank <= soft_rank) {
      soft_rank = rank;
      out.soft = value;
      out.soft_line = e.line;
    }
    if ((e.type == "hard" || e.type == "-") && rank <= hard_rank) {
      hard_rank = rank;
      out.hard = value;
      out.hard_line = e.line;
    }
  }
  return out;
}

} // namespace stgw::config
