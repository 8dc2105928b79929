#include "ssoauth/utf8.h"

#include <cstdint>

namespace stgw::ssoauth {
namespace {

// Decodes the code point at |i| of valid UTF-8 and advances |i|.
std::uint32_t next_code_point(std::string_view s, std::size_t& i) {
  unsigned char c = static_cast<unsigned char>(s[i++]);
  if (c < 0x80)
    return c;
  int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : 1;
  std::uint32_t cp = c & (0x3F >> extra);
  for (int k = 0; k < extra && i < s.size(); ++k)
    cp = cp << 6 | (static_cast<unsigned char>(s[i++]) & 0x3F);
  return cp;
}

// The UTF-16 code unit at position |unit| (0 or 1) of a code point.
std::uint32_t utf16_unit(std::uint32_t cp, int unit) {
  if (cp < 0x10000)
    return cp;
  cp -= 0x10000;
  return unit == 0 ? 0xD800 + (cp >> 10) : 0xDC00 + (cp & 0x3FF);
}

} // namespace

bool is_valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    int extra;
    std::uint32_t min;
    if (c >= 0xC2 && c <= 0xDF) {
      extra = 1;
      min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2;
      min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3;
      min = 0x10000;
    } else {
      return false;
    }
    if (i + static_cast<std::size_t>(extra) >= text.size())
      return false;
    std::uint32_t cp = c & (0x3F >> extra);
    for (int k = 1; k <= extra; ++k) {
      unsigned char cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xC0) != 0x80)
        return false;
      cp = cp << 6 | (cc & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += static_cast<std::size_t>(extra) + 1;
  }
  return true;
}

bool has_control_characters(std::string_view text) {
  for (unsigned char c : text)
    if (c < 0x20 || c == 0x7F)
      return true;
  return false;
}

int compare_utf16(std::string_view a, std::string_view b) {
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < a.size() && j < b.size()) {
    unsigned char ca = static_cast<unsigned char>(a[i]);
    unsigned char cb = static_cast<unsigned char>(b[j]);
    if (ca < 0x80 && cb < 0x80) {
      if (ca != cb)
        return ca < cb ? -1 : 1;
      ++i;
      ++j;
      continue;
    }
    std::uint32_t pa = next_code_point(a, i);
    std::uint32_t pb = next_code_point(b, j);
    for (int unit = 0; unit < 2; ++unit) {
      std::uint32_t ua = utf16_unit(pa, unit);
      std::uint32_t ub = utf16_unit(pb, unit);
      if (ua != ub)
        return ua < ub ? -1 : 1;
      if (pa < 0x10000 || pb < 0x10000)
        break; // equal BMP units mean equal code points
    }
  }
  if (i < a.size())
    return 1;
  if (j < b.size())
    return -1;
  return 0;
}

} // namespace stgw::ssoauth
