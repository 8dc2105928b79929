// The portal-profile target: adds wp_sametime_proxy to a theme profile's moduleIDs.
//
// Administrators diff and version these files, so the edit is made in the text: the new id goes
// after the last element of the top-level "moduleIDs" array with the spacing the array already
// uses, and every other byte stays. The edited text is then parsed and compared with the same
// edit made on the parsed document; if a profile is unusual enough that the two differ
// (duplicate keys, an escaped key name), the parsed document is written out instead.

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "config/render.h"

namespace stgw::config {

namespace {

constexpr std::string_view kModule = "wp_sametime_proxy";

class Scanner {
public:
  explicit Scanner(std::string_view text) : text_(text) {}

  std::size_t pos() const { return pos_; }
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void skip_ws() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r'))
      ++pos_;
  }
  bool consume(char c) {
    skip_ws();
    if (peek() != c)
      return false;
    ++pos_;
    return true;
  }
  // Returns the raw text between the quotes (escapes not decoded).
  std::optional<std::string_view> string() {
    skip_ws();
    if (peek() != '"')
      return std::nullopt;
    const std::size_t start = ++pos_;
    while (pos_ < text_.size() && text_[pos_] != '"')
      pos_ += text_[pos_] == '\\' ? 2 : 1;
    if (pos_ >= text_.size())
      return std::nullopt;
    return text_.substr(start, pos_++ - start);
  }
  // Skips one value of any kind; the text was already validated by the JSON parser.
  bool value() {
    skip_ws();
    const char c = peek();
    if (c == '"')
      return string().has_value();
    if (c != '{' && c != '[') {
      while (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '}' &&
             text_[pos_] != ']' && !std::isspace(static_cast<unsigned char>(text_[pos_])))
        ++pos_;
      return true;
    }
    int depth = 0;
    while (pos_ < text_.size()) {
      const char d = text_[pos_];
      if (d == '"') {
        if (!string())
          return false;
        continue;
      }
      ++pos_;
      if (d == '{' || d == '[')
        ++depth;
      if ((d == '}' || d == ']') && --depth == 0)
        return true;
    }
    return false;
  }

private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

// The text edit; nullopt when the layout is not the simple one it understands.
std::optional<std::string> insert_in_text(std::string_view text) {
  Scanner s(text);
  if (!s.consume('{'))
    return std::nullopt;
  while (true) {
    auto key = s.string();
    if (!key || !s.consume(':'))
      return std::nullopt;
    if (*key != "moduleIDs") {
      if (!s.value())
        return std::nullopt;
      if (s.consume(','))
        continue;
      return std::nullopt;
    }
    if (!s.consume('['))
      return std::nullopt;
    const std::size_t open = s.pos();
    s.skip_ws();
    const std::string quoted = "\"" + std::string(kModule) + "\"";
    if (s.peek() == ']')
      return std::string(text.substr(0, open)) + quoted + std::string(text.substr(open));
    // The spacing before the first element, reused before the new one.
    const std::string_view spacing = text.substr(open, s.pos() - open);
    std::size_t last_end = 0;
    do {
      if (!s.value())
        return std::nullopt;
      last_end = s.pos();
    } while (s.consume(','));
    if (!s.consume(']'))
      return std::nullopt;
    return std::string(text.substr(0, last_end)) + "," + std::string(spacing) + quoted +
           std::string(text.substr(last_end));
  }
}

} // namespace

std::expected<std::string, RenderFailure> add_sametime_module(std::string_view profile_json) {
  nlohmann::ordered_json doc;
  try {
    doc = nlohmann::ordered_json::parse(profile_json);
  } catch (const nlohmann::json::parse_error& e) {
    return std::unexpected(
        RenderFailure{RenderError::BadInput, "not valid JSON at byte " + std::to_string(e.byte)});
  }
  auto it = doc.is_object() ? doc.find("moduleIDs") : doc.end();
  if (it == doc.end() || !it->is_array())
    return std::unexpected(RenderFailure{RenderError::BadInput,
                                         "not a theme profile: no top-level \"moduleIDs\" array"});
  for (const auto& id : *it)
    if (id.is_string() && id.get_ref<const std::string&>() == kModule)
      return std::string(profile_json);
  it->push_back(kModule);
  if (auto edited = insert_in_text(profile_json)) {
    try {
      if (nlohmann::ordered_json::parse(*edited) == doc)
        return *edited;
    } catch (const nlohmann::json::parse_error&) {
      // Falls through to writing the parsed document.
    }
  }
  return doc.dump(4) + "\n";
}

} // namespace stgw::config
