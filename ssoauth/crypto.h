#pragma once

// Thin wrappers over the OpenSSL primitives the LTPA formats need. Algorithm objects are
// fetched once per process and the per-call contexts are per thread, so no call here takes
// a lock or allocates after warm-up; every function may be called from any thread.
// Failures (including OpenSSL errors) come back as nullopt/false, never as exceptions.

#include <openssl/bn.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "ssoauth/evp_pkey.h"

namespace stgw::ssoauth::crypto {

using Sha1Digest = std::array<std::uint8_t, 20>;
using Sha256Digest = std::array<std::uint8_t, 32>;

// SHA-1 of a || b (b may be empty), e.g. Domino's token || secret. nullopt only when OpenSSL
// itself fails, which callers treat as a failed verification.
std::optional<Sha1Digest> sha1(std::string_view a, std::string_view b = {});
std::optional<Sha256Digest> sha256(std::string_view a, std::string_view b = {});

// Compares in time that depends only on the length.
bool constant_time_equal(const std::uint8_t* a, const std::uint8_t* b, std::size_t size);

// 3DES-EDE (K1||K2||K3) in ECB mode with PKCS#5 padding. Decryption returns nullopt when the
// length is not a positive multiple of 8 or the padding is wrong (wrong key or tampering).
using Des3Key = std::span<const std::uint8_t, 24>;
using Aes128Key = std::span<const std::uint8_t, 16>;
std::optional<std::string> des3_ecb_encrypt(Des3Key key, std::string_view plain);
std::optional<std::string> des3_ecb_decrypt(Des3Key key, std::string_view cipher);

// AES-128-CBC with PKCS#5/7 padding; LtpaToken2 uses the key as IV (SPEC §2.5).
std::optional<std::string> aes128_cbc_encrypt(Aes128Key key, Aes128Key iv, std::string_view plain);
std::optional<std::string> aes128_cbc_decrypt(Aes128Key key, Aes128Key iv, std::string_view cipher);

bool random_bytes(std::uint8_t* out, std::size_t size);

// Raw RSA public operation m = s^e mod n for one key, with the Montgomery context computed
// once. The token formats compare m against the encoding they expect ("encode and compare",
// RFC 8017 §8.2.2), which is as strict as RSA_verify and avoids building an EVP_PKEY_CTX per
// token. Immutable after construction; apply() is safe from many threads.
class RsaPublicOp {
public:
  RsaPublicOp() = default;
  // Extracts n and e from an RSA key; check ok() afterwards.
  explicit RsaPublicOp(const EvpPkey& key);

  bool ok() const { return n_ != nullptr; }
  std::size_t modulus_bytes() const { return modulus_bytes_; }
  const BIGNUM* modulus() const { return n_.get(); }

  // |signature| must be modulus_bytes() long and numerically below n; |out| receives
  // modulus_bytes() big-endian bytes. False on any violation.
  bool apply(const std::uint8_t* signature, std::size_t size, std::uint8_t* out) const;
  // out = n - m, same length rules; used by ISO/IEC 9796-1, which accepts m or n - m.
  bool complement(const std::uint8_t* m, std::uint8_t* out) const;

private:
  struct BnFree {
    void operator()(BIGNUM* b) const { BN_free(b); }
  };
  struct MontFree {
    void operator()(BN_MONT_CTX* m) const { BN_MONT_CTX_free(m); }
  };
  std::unique_ptr<BIGNUM, BnFree> n_;
  std::unique_ptr<BIGNUM, BnFree> e_;
  std::unique_ptr<BN_MONT_CTX, MontFree> mont_;
  std::size_t modulus_bytes_ = 0;
};

// Raw RSA private operation (no padding) with |key|; |in| must be the modulus length.
std::optional<std::string> rsa_private_raw(const EvpPkey& key, std::string_view in);

// PKCS#1 v1.5 signature with SHA-1 over |message| (SHA1withRSA).
std::optional<std::string> rsa_sign_sha1(const EvpPkey& key, std::string_view message);

} // namespace stgw::ssoauth::crypto
