#pragma once

// A reference-counted handle on an OpenSSL EVP_PKEY. Copies share the key (EVP_PKEY_up_ref);
// an EVP_PKEY may be used from several threads at once as long as each uses its own context.

#include <openssl/evp.h>

#include <utility>

namespace stgw::ssoauth {

class EvpPkey {
public:
  EvpPkey() = default;
  // Takes ownership of |key| (one reference).
  explicit EvpPkey(EVP_PKEY* key) noexcept : key_(key) {}
  EvpPkey(const EvpPkey& other) noexcept : key_(other.key_) {
    if (key_)
      EVP_PKEY_up_ref(key_);
  }
  EvpPkey(EvpPkey&& other) noexcept : key_(std::exchange(other.key_, nullptr)) {}
  EvpPkey& operator=(EvpPkey other) noexcept {
    std::swap(key_, other.key_);
    return *this;
  }
  ~EvpPkey() { EVP_PKEY_free(key_); }

  EVP_PKEY* get() const noexcept { return key_; }
  explicit operator bool() const noexcept { return key_ != nullptr; }

private:
  EVP_PKEY* key_ = nullptr;
};

} // namespace stgw::ssoauth
