#include "ssoauth/crypto.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include <climits>

namespace stgw::ssoauth::crypto {
namespace {

// Fetching by name takes a lock inside OpenSSL 3, so each algorithm is fetched once and kept
// for the life of the process (deliberately never freed).
struct Algorithms {
  EVP_MD* sha1 = EVP_MD_fetch(nullptr, "SHA1", nullptr);
  EVP_MD* sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  EVP_CIPHER* des3_ecb = EVP_CIPHER_fetch(nullptr, "DES-EDE3-ECB", nullptr);
  EVP_CIPHER* aes128_cbc = EVP_CIPHER_fetch(nullptr, "AES-128-CBC", nullptr);
};

const Algorithms& algorithms() {
  static const Algorithms instance;
  return instance;
}

// Contexts reused by every call on this thread; they never leave the thread.
struct ThreadScratch {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  EVP_CIPHER_CTX* cipher = EVP_CIPHER_CTX_new();
  BN_CTX* bn = BN_CTX_new();
  ThreadScratch() = default;
  ThreadScratch(const ThreadScratch&) = delete;
  ThreadScratch& operator=(const ThreadScratch&) = delete;
  ~ThreadScratch() {
    EVP_MD_CTX_free(md);
    EVP_CIPHER_CTX_free(cipher);
    BN_CTX_free(bn);
  }
};

ThreadScratch& scratch() {
  thread_local ThreadScratch instance;
  return instance;
}

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

template <std::size_t N>
std::optional<std::array<std::uint8_t, N>> digest(const EVP_MD* md, std::string_view a,
                                                  std::string_view b) {
  std::array<std::uint8_t, N> out{};
  EVP_MD_CTX* ctx = scratch().md;
  unsigned int size = 0;
  if (md == nullptr || ctx == nullptr || !EVP_DigestInit_ex2(ctx, md, nullptr) ||
      !EVP_DigestUpdate(ctx, a.data(), a.size()) ||
      (!b.empty() && !EVP_DigestUpdate(ctx, b.data(), b.size())) ||
      !EVP_DigestFinal_ex(ctx, out.data(), &size) || size != N) {
    ERR_clear_error();
    return std::nullopt;
  }
  return out;
}

std::optional<std::string> run_cipher(const EVP_CIPHER* cipher, bool encrypt,
                                      const std::uint8_t* key, const std::uint8_t* iv,
                                      std::string_view in) {
  EVP_CIPHER_CTX* ctx = scratch().cipher;
  if (cipher == nullptr || ctx == nullptr || in.size() > INT_MAX / 2)
    return std::nullopt;
  int block = EVP_CIPHER_get_block_size(cipher);
  if (!encrypt && (in.empty() || in.size() % static_cast<std::size_t>(block) != 0))
    return std::nullopt;
  if (!EVP_CipherInit_ex2(ctx, cipher, key, iv, encrypt ? 1 : 0, nullptr)) {
    ERR_clear_error();
    return std::nullopt;
  }
  EVP_CIPHER_CTX_set_padding(ctx, 1);
  std::string out(in.size() + static_cast<std::size_t>(block), '\0');
  int first = 0;
  int last = 0;
  auto* dst = reinterpret_cast<unsigned char*>(out.data());
  if (!EVP_CipherUpdate(ctx, dst, &first, bytes(in), static_cast<int>(in.size())) ||
      !EVP_CipherFinal_ex(ctx, dst + first, &last)) {
    ERR_clear_error(); // a padding failure is an expected outcome, not an error to keep
    return std::nullopt;
  }
  out.resize(static_cast<std::size_t>(first + last));
  return out;
}

} // namespace

std::optional<Sha1Digest> sha1(std::string_view a, std::string_view b) {
  return digest<20>(algorithms().sha1, a, b);
}

std::optional<Sha256Digest> sha256(std::string_view a, std::string_view b) {
  return digest<32>(algorithms().sha256, a, b);
}

bool constant_time_equal(const std::uint8_t* a, const std::uint8_t* b, std::size_t size) {
  return CRYPTO_memcmp(a, b, size) == 0;
}

std::optional<std::string> des3_ecb_encrypt(Des3Key key, std::string_view plain) {
  return run_cipher(algorithms().des3_ecb, true, key.data(), nullptr, plain);
}

std::optional<std::string> des3_ecb_decrypt(Des3Key key, std::string_view cipher) {
  return run_cipher(algorithms().des3_ecb, false, key.data(), nullptr, cipher);
}

std::optional<std::string> aes128_cbc_encrypt(Aes128Key key, Aes128Key iv, std::string_view plain) {
  return run_cipher(algorithms().aes128_cbc, true, key.data(), iv.data(), plain);
}

std::optional<std::string> aes128_cbc_decrypt(Aes128Key key, Aes128Key iv,
                                              std::string_view cipher) {
  return run_cipher(algorithms().aes128_cbc, false, key.data(), iv.data(), cipher);
}

bool random_bytes(std::uint8_t* out, std::size_t size) {
  return size <= INT_MAX && RAND_bytes(out, static_cast<int>(size)) == 1;
}

RsaPublicOp::RsaPublicOp(const EvpPkey& key) {
  if (!key || EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA)
    return;
  BIGNUM* n = nullptr;
  BIGNUM* e = nullptr;
  if (!EVP_PKEY_get_bn_param(key.get(), OSSL_PKEY_PARAM_RSA_N, &n) ||
      !EVP_PKEY_get_bn_param(key.get(), OSSL_PKEY_PARAM_RSA_E, &e)) {
    BN_free(n);
    BN_free(e);
    ERR_clear_error();
    return;
  }
  std::unique_ptr<BIGNUM, BnFree> n_owner(n);
  std::unique_ptr<BIGNUM, BnFree> e_owner(e);
  std::unique_ptr<BN_MONT_CTX, MontFree> mont(BN_MONT_CTX_new());
  BN_CTX* ctx = scratch().bn;
  if (!mont || ctx == nullptr || !BN_MONT_CTX_set(mont.get(), n, ctx)) {
    ERR_clear_error();
    return;
  }
  modulus_bytes_ = static_cast<std::size_t>(BN_num_bytes(n));
  e_ = std::move(e_owner);
  mont_ = std::move(mont);
  n_ = std::move(n_owner);
}

bool RsaPublicOp::apply(const std::uint8_t* signature, std::size_t size, std::uint8_t* out) const {
  if (!ok() || size != modulus_bytes_)
    return false;
  BN_CTX* ctx = scratch().bn;
  if (ctx == nullptr)
    return false;
  BN_CTX_start(ctx);
  BIGNUM* s = BN_CTX_get(ctx);
  BIGNUM* m = BN_CTX_get(ctx);
  bool ok =
      m != nullptr && BN_bin2bn(signature, static_cast<int>(size), s) != nullptr &&
      BN_cmp(s, n_.get()) < 0 && BN_mod_exp_mont(m, s, e_.get(), n_.get(), ctx, mont_.get()) &&
      BN_bn2binpad(m, out, static_cast<int>(modulus_bytes_)) == static_cast<int>(modulus_bytes_);
  BN_CTX_end(ctx);
  if (!ok)
    ERR_clear_error();
  return ok;
}

bool RsaPublicOp::complement(const std::uint8_t* m_bytes, std::uint8_t* out) const {
  if (!ok())
    return false;
  BN_CTX* ctx = scratch().bn;
  if (ctx == nullptr)
    return false;
  BN_CTX_start(ctx);
  BIGNUM* m = BN_CTX_get(ctx);
  BIGNUM* r = BN_CTX_get(ctx);
  bool ok =
      r != nullptr && BN_bin2bn(m_bytes, static_cast<int>(modulus_bytes_), m) != nullptr &&
      BN_cmp(m, n_.get()) < 0 && BN_sub(r, n_.get(), m) &&
      BN_bn2binpad(r, out, static_cast<int>(modulus_bytes_)) == static_cast<int>(modulus_bytes_);
  BN_CTX_end(ctx);
  if (!ok)
    ERR_clear_error();
  return ok;
}

std::optional<std::string> rsa_private_raw(const EvpPkey& key, std::string_view in) {
  if (!key)
    return std::nullopt;
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new(key.get(), nullptr), &EVP_PKEY_CTX_free);
  std::string out(static_cast<std::size_t>(EVP_PKEY_get_size(key.get())), '\0');
  std::size_t size = out.size();
  if (!ctx || EVP_PKEY_sign_init(ctx.get()) <= 0 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_NO_PADDING) <= 0 ||
      EVP_PKEY_sign(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &size, bytes(in),
                    in.size()) <= 0) {
    ERR_clear_error();
    return std::nullopt;
  }
  out.resize(size);
  return out;
}

std::optional<std::string> rsa_sign_sha1(const EvpPkey& key, std::string_view message) {
  if (!key)
    return std::nullopt;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  std::size_t size = 0;
  if (!ctx ||
      EVP_DigestSignInit_ex(ctx.get(), nullptr, "SHA1", nullptr, nullptr, key.get(), nullptr) <=
          0 ||
      EVP_DigestSign(ctx.get(), nullptr, &size, bytes(message), message.size()) <= 0) {
    ERR_clear_error();
    return std::nullopt;
  }
  std::string out(size, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &size, bytes(message),
                     message.size()) <= 0) {
    ERR_clear_error();
    return std::nullopt;
  }
  out.resize(size);
  return out;
}

} // namespace stgw::ssoauth::crypto
