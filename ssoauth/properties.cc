#include "ssoauth/properties.h"

#include <cstdint>

namespace stgw::ssoauth {
namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\f';
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | cp >> 6);
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | cp >> 12);
    out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | cp >> 18);
    out += static_cast<char>(0x80 | (cp >> 12 & 0x3F));
    out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::optional<std::uint32_t> parse_hex4(std::string_view s) {
  if (s.size() < 4)
    return std::nullopt;
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    char c = s[i];
    int d = (c >= '0' && c <= '9')   ? c - '0'
            : (c >= 'a' && c <= 'f') ? c - 'a' + 10
            : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                     : -1;
    if (d < 0)
      return std::nullopt;
    v = v << 4 | static_cast<std::uint32_t>(d);
  }
  return v;
}

// Undoes the escapes of one key or value and converts ISO-8859-1 to UTF-8.
std::optional<std::string> unescape(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(raw[i]);
    if (c != '\\') {
      append_utf8(out, c);
      continue;
    }
    if (++i == raw.size())
      break; // a lone trailing backslash is dropped, as Java does
    char e = raw[i];
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
        auto unit = parse_hex4(raw.substr(i + 1));
        if (!unit)
          return std::nullopt;
        i += 4;
        std::uint32_t cp = *unit;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          // A high surrogate must be followed by an escaped low surrogate.
          if (i + 2 >= raw.size() || raw[i + 1] != '\\' || raw[i + 2] != 'u')
            return std::nullopt;
          auto low = parse_hex4(raw.substr(i + 3));
          if (!low || *low < 0xDC00 || *low > 0xDFFF)
            return std::nullopt;
          i += 6;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (*low - 0xDC00);
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          return std::nullopt;
        }
        append_utf8(out, cp);
        break;
      }
      default:
        append_utf8(out, static_cast<unsigned char>(e));
    }
  }
  return out;
}

// True when |line| ends with an odd number of backslashes, i.e. a continuation.
bool continues(std::string_view line) {
  std::size_t count = 0;
  for (auto it = line.rbegin(); it != line.rend() && *it == '\\'; ++it)
    ++count;
  return count % 2 == 1;
}

// Splits the text into natural lines (\n, \r or \r\n).
std::vector<std::string_view> natural_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\n' && text[i] != '\r')
      continue;
    lines.push_back(text.substr(start, i - start));
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n')
      ++i;
    start = i + 1;
  }
  if (start < text.size())
    lines.push_back(text.substr(start));
  return lines;
}

std::string_view trim_leading_blanks(std::string_view s) {
  while (!s.empty() && is_blank(s.front()))
    s.remove_prefix(1);
  return s;
}

} // namespace

std::optional<Properties> Properties::parse(std::string_view text) {
  Properties props;
  auto lines = natural_lines(text);
  for (std::size_t n = 0; n < lines.size(); ++n) {
    std::string_view first = trim_leading_blanks(lines[n]);
    if (first.empty() || first.front() == '#' || first.front() == '!')
      continue;
    std::string logical(first);
    while (continues(logical)) {
      logical.pop_back();
      if (++n == lines.size())
        break;
      logical += trim_leading_blanks(lines[n]);
    }
    // The key ends at the first unescaped '=', ':' or blank.
    std::size_t k = 0;
    while (k < logical.size()) {
      char c = logical[k];
      if (c == '\\') {
        k += 2;
        continue;
      }
      if (c == '=' || c == ':' || is_blank(c))
        break;
      ++k;
    }
    k = std::min(k, logical.size());
    std::string_view rest = std::string_view(logical).substr(k);
    rest = trim_leading_blanks(rest);
    if (!rest.empty() && (rest.front() == '=' || rest.front() == ':'))
      rest.remove_prefix(1);
    rest = trim_leading_blanks(rest);
    auto key = unescape(std::string_view(logical).substr(0, k));
    auto value = unescape(rest);
    if (!key || !value)
      return std::nullopt;
    props.entries_.emplace_back(std::move(*key), std::move(*value));
  }
  return props;
}

const std::string* Properties::find(std::string_view key) const {
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it)
    if (it->first == key)
      return &it->second;
  return nullptr;
}

std::string escape_property_value(std::string_view utf8_value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  auto unicode_escape = [&](std::uint32_t unit) {
    out += "\\u";
    for (int shift = 12; shift >= 0; shift -= 4)
      out += kHex[unit >> shift & 0xF];
  };
  for (std::size_t i = 0; i < utf8_value.size();) {
    unsigned char c = static_cast<unsigned char>(utf8_value[i]);
    if (c < 0x80) {
      ++i;
      switch (c) {
        case '\\':
        case '=':
        case ':':
        case '#':
        case '!':
          out += '\\';
          out += static_cast<char>(c);
          continue;
        case '\t':
          out += "\\t";
          continue;
        case '\n':
          out += "\\n";
          continue;
        case '\r':
          out += "\\r";
          continue;
        case '\f':
          out += "\\f";
          continue;
        case ' ':
          if (out.empty())
            out += '\\';
          out += ' ';
          continue;
        default:
          if (c < 0x20 || c == 0x7F)
            unicode_escape(c);
          else
            out += static_cast<char>(c);
          continue;
      }
    }
    // Decode one UTF-8 sequence; invalid bytes are written as their Latin-1 code point.
    std::uint32_t cp = c;
    std::size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    if (len > 1 && i + len <= utf8_value.size()) {
      cp = c & (0xFF >> (len + 1));
      for (std::size_t k = 1; k < len; ++k)
        cp = cp << 6 | (static_cast<unsigned char>(utf8_value[i + k]) & 0x3F);
    } else {
      len = 1;
    }
    i += len;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      unicode_escape(0xD800 + (cp >> 10));
      unicode_escape(0xDC00 + (cp & 0x3FF));
    } else {
      unicode_escape(cp);
    }
  }
  return out;
}

} // namespace stgw::ssoauth
