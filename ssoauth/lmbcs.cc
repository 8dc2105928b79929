#include "ssoauth/lmbcs.h"

#include <unicode/ucnv.h>
#include <unicode/ucnv_err.h>
#include <unicode/ustring.h>

#include <climits>
#include <vector>

namespace stgw::ssoauth {
namespace {

// ICU converters are not thread-safe, so each thread opens its own, once.
class ThreadConverter {
public:
  ThreadConverter() {
    UErrorCode status = U_ZERO_ERROR;
    converter_ = ucnv_open("LMBCS-1", &status);
    if (U_FAILURE(status)) {
      converter_ = nullptr;
      return;
    }
    // Refuse malformed input instead of substituting U+FFFD / SUB: a name we cannot decode
    // exactly must not turn into a different, valid-looking name.
    status = U_ZERO_ERROR;
    ucnv_setToUCallBack(converter_, UCNV_TO_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &status);
    status = U_ZERO_ERROR;
    ucnv_setFromUCallBack(converter_, UCNV_FROM_U_CALLBACK_STOP, nullptr, nullptr, nullptr,
                          &status);
  }
  ThreadConverter(const ThreadConverter&) = delete;
  ThreadConverter& operator=(const ThreadConverter&) = delete;
  ~ThreadConverter() {
    if (converter_)
      ucnv_close(converter_);
  }
  UConverter* get() {
    if (converter_)
      ucnv_reset(converter_);
    return converter_;
  }

private:
  UConverter* converter_ = nullptr;
};

UConverter* converter() {
  thread_local ThreadConverter instance;
  return instance.get();
}

} // namespace

std::optional<std::string> lmbcs_to_utf8(std::string_view lmbcs) {
  UConverter* conv = converter();
  if (conv == nullptr || lmbcs.size() > INT_MAX / 4)
    return std::nullopt;
  // One LMBCS byte never yields more than one UTF-16 unit, so the input length bounds the output.
  std::vector<UChar> units(lmbcs.size() + 1);
  UErrorCode status = U_ZERO_ERROR;
  int32_t n = ucnv_toUChars(conv, units.data(), static_cast<int32_t>(units.size()), lmbcs.data(),
                            static_cast<int32_t>(lmbcs.size()), &status);
  if (U_FAILURE(status) || status == U_STRING_NOT_TERMINATED_WARNING)
    return std::nullopt;
  std::string out(static_cast<std::size_t>(n) * 3 + 1, '\0');
  int32_t written = 0;
  status = U_ZERO_ERROR;
  u_strToUTF8(out.data(), static_cast<int32_t>(out.size()), &written, units.data(), n, &status);
  if (U_FAILURE(status))
    return std::nullopt;
  out.resize(static_cast<std::size_t>(written));
  return out;
}

std::optional<std::string> utf8_to_lmbcs(std::string_view utf8) {
  UConverter* conv = converter();
  if (conv == nullptr || utf8.size() > INT_MAX / 4)
    return std::nullopt;
  std::vector<UChar> units(utf8.size() + 1);
  int32_t n = 0;
  UErrorCode status = U_ZERO_ERROR;
  u_strFromUTF8(units.data(), static_cast<int32_t>(units.size()), &n, utf8.data(),
                static_cast<int32_t>(utf8.size()), &status);
  if (U_FAILURE(status))
    return std::nullopt;
  // At most three LMBCS bytes per UTF-16 unit (group 0x14 + two bytes).
  std::string out(static_cast<std::size_t>(n) * 3 + 1, '\0');
  status = U_ZERO_ERROR;
  int32_t written =
      ucnv_fromUChars(conv, out.data(), static_cast<int32_t>(out.size()), units.data(), n, &status);
  if (U_FAILURE(status))
    return std::nullopt;
  out.resize(static_cast<std::size_t>(written));
  return out;
}

} // namespace stgw::ssoauth
