#include "loadtest/stps_sim/text_util.h"

#include <array>
#include <cstdint>

namespace stgw::stps_sim {
namespace {

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

// Length of the valid UTF-8 sequence starting at s[0], or 0 when it is not one (overlongs,
// surrogates and code points above U+10FFFF are invalid).
std::size_t utf8_sequence_length(std::string_view s) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  auto cont = [&](std::size_t i) { return i < s.size() && (byte(i) & 0xC0) == 0x80; };
  unsigned char b0 = byte(0);
  if (b0 >= 0xC2 && b0 <= 0xDF)
    return cont(1) ? 2 : 0;
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    if (!cont(1) || !cont(2))
      return 0;
    if (b0 == 0xE0 && byte(1) < 0xA0)
      return 0; // overlong
    if (b0 == 0xED && byte(1) >= 0xA0)
      return 0; // surrogate
    return 3;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3))
      return 0;
    if (b0 == 0xF0 && byte(1) < 0x90)
      return 0; // overlong
    if (b0 == 0xF4 && byte(1) >= 0x90)
      return 0; // above U+10FFFF
    return 4;
  }
  return 0;
}

void append_escaped_byte(std::string& out, unsigned char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\u00";
  out += kHex[c >> 4];
  out += kHex[c & 0xF];
}

} // namespace

std::optional<std::string_view> find_cookie(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    auto semi = header.find(';');
    std::string_view pair = trim_ows(header.substr(0, semi));
    header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
    auto eq = pair.find('=');
    if (eq == std::string_view::npos)
      continue;
    if (trim_ows(pair.substr(0, eq)) == name)
      return trim_ows(pair.substr(eq + 1));
  }
  return std::nullopt;
}

bool has_ltpa_cookie(std::string_view cookie_header) {
  for (std::string_view name : {"LtpaToken", "LtpaToken2"}) {
    auto value = find_cookie(cookie_header, name);
    if (value && !value->empty() && *value != "\"\"")
      return true;
  }
  return false;
}

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  for (std::size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      std::size_t n = utf8_sequence_length(text.substr(i));
      if (n == 0) {
        append_escaped_byte(out, c);
        ++i;
      } else {
        out.append(text.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          append_escaped_byte(out, c);
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
}

std::string json_string(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  append_json_string(out, text);
  return out;
}

std::string_view content_type_for(std::string_view path) {
  struct Entry {
    std::string_view suffix;
    std::string_view type;
  };
  static constexpr std::array<Entry, 9> kTypes{{
      {".js", "application/javascript; charset=UTF-8"},
      {".css", "text/css; charset=UTF-8"},
      {".html", "text/html; charset=UTF-8"},
      {".htm", "text/html; charset=UTF-8"},
      {".jsp", "text/html; charset=UTF-8"},
      {".json", "application/json"},
      {".png", "image/png"},
      {".gif", "image/gif"},
      {".txt", "text/plain; charset=UTF-8"},
  }};
  for (const auto& entry : kTypes) {
    if (path.ends_with(entry.suffix))
      return entry.type;
  }
  auto slash = path.rfind('/');
  bool has_extension =
      path.find('.', slash == std::string_view::npos ? 0 : slash) != std::string_view::npos;
  // Directory-like paths (/stwebclient/, /stwebclient/buildinfo) are pages in STPS.
  return has_extension ? std::string_view("application/octet-stream")
                       : std::string_view("text/html; charset=UTF-8");
}

} // namespace stgw::stps_sim
