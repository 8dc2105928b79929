#include "ssoauth/ltpa_keys.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>

#include "ssoauth/codec.h"
#include "ssoauth/crypto.h"
#include "ssoauth/properties.h"

namespace stgw::ssoauth {
namespace {

constexpr std::size_t kMaxFileBytes = 1 << 20;
constexpr std::size_t kModulusBytes = 128;           // RSA-1024
constexpr std::size_t kPublicBlobBytes = 132;        // 00 || n || e
constexpr std::size_t kPrimeFieldBytes = 65;         // 00 || 64-byte prime
constexpr std::size_t kLegacyPrivateBlobBytes = 133; // e(3) p(65) q(65), "R3.02" layout
constexpr std::uint8_t kExponent[3] = {0x01, 0x00, 0x01};

constexpr std::string_view kPropVersion = "com.ibm.websphere.ltpa.version";
constexpr std::string_view kPropSharedKey = "com.ibm.websphere.ltpa.3DESKey";
constexpr std::string_view kPropFipsSharedKey = "com.ibm.websphere.ltpa.SharedKey";
constexpr std::string_view kPropPrivateKey = "com.ibm.websphere.ltpa.PrivateKey";
constexpr std::string_view kPropPublicKey = "com.ibm.websphere.ltpa.PublicKey";
constexpr std::string_view kPropRealm = "com.ibm.websphere.ltpa.Realm";
constexpr std::string_view kPropCreationDate = "com.ibm.websphere.CreationDate";
constexpr std::string_view kPropCreationHost = "com.ibm.websphere.CreationHost";

struct BnFree {
  void operator()(BIGNUM* b) const { BN_clear_free(b); }
};
using Bn = std::unique_ptr<BIGNUM, BnFree>;
struct BnCtxFree {
  void operator()(BN_CTX* c) const { BN_CTX_free(c); }
};

// Wipes a buffer that held key material when it goes out of scope.
class Wipe {
public:
  explicit Wipe(std::string& s) : s_(s) {}
  Wipe(const Wipe&) = delete;
  Wipe& operator=(const Wipe&) = delete;
  ~Wipe() { OPENSSL_cleanse(s_.data(), s_.size()); }

private:
  std::string& s_;
};

Bn bn_from(std::string_view bytes) {
  return Bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                      static_cast<int>(bytes.size()), nullptr));
}

// The key-encryption key: SHA-1(password) || 00000000 (SPEC §2.2).
std::optional<std::array<std::uint8_t, 24>> make_kek(std::string_view password) {
  auto digest = crypto::sha1(password);
  if (!digest)
    return std::nullopt;
  std::array<std::uint8_t, 24> kek{};
  std::copy(digest->begin(), digest->end(), kek.begin());
  OPENSSL_cleanse(digest->data(), digest->size());
  return kek;
}

std::optional<std::string> decode_property(const std::string& value) {
  // Exporters never wrap, but a copy through an editor may leave blanks at the end.
  std::string_view v = value;
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t'))
    v.remove_suffix(1);
  return base64_decode_strict(v);
}

std::expected<EvpPkey, KeyError>
build_rsa_key(const BIGNUM* n, const BIGNUM* e, const BIGNUM* d = nullptr,
              const BIGNUM* p = nullptr, const BIGNUM* q = nullptr, const BIGNUM* dp = nullptr,
              const BIGNUM* dq = nullptr, const BIGNUM* qinv = nullptr) {
  std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)> bld(OSSL_PARAM_BLD_new(),
                                                                      &OSSL_PARAM_BLD_free);
  bool is_private = d != nullptr;
  if (!bld || !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e) ||
      (is_private &&
       (!OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_D, d) ||
        !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_FACTOR1, p) ||
        !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_FACTOR2, q) ||
        !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_EXPONENT1, dp) ||
        !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_EXPONENT2, dq) ||
        !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_COEFFICIENT1, qinv)))) {
    ERR_clear_error();
    return std::unexpected(KeyError::CryptoFailure);
  }
  std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)> params(OSSL_PARAM_BLD_to_param(bld.get()),
                                                                 &OSSL_PARAM_free);
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr), &EVP_PKEY_CTX_free);
  EVP_PKEY* key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
      EVP_PKEY_fromdata(ctx.get(), &key, is_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
                        params.get()) <= 0) {
    ERR_clear_error();
    return std::unexpected(KeyError::CryptoFailure);
  }
  return EvpPkey(key);
}

// 00 || n[128] || 01 00 01 (SPEC §2.4); anything else is refused.
std::expected<EvpPkey, KeyError> parse_public_blob(std::string_view blob) {
  if (blob.size() != kPublicBlobBytes || blob[0] != 0 ||
      (static_cast<unsigned char>(blob[1]) & 0x80) == 0 ||
      blob.substr(1 + kModulusBytes) !=
          std::string_view(reinterpret_cast<const char*>(kExponent), 3))
    return std::unexpected(KeyError::BadPublicKey);
  Bn n = bn_from(blob.substr(1, kModulusBytes));
  Bn e = bn_from(blob.substr(1 + kModulusBytes));
  if (!n || !e)
    return std::unexpected(KeyError::CryptoFailure);
  return build_rsa_key(n.get(), e.get());
}

// IBM "LTPAFormat" private blob (SPEC §2.3). IBM ignores the stored d and recomputes it from
// p, q and e, and so do we; the fixed 65-byte prime fields mean RSA-1024 only.
std::expected<EvpPkey, KeyError> parse_private_blob(std::string_view blob, const BIGNUM* public_n) {
  std::string_view rest;
  if (blob.size() == kLegacyPrivateBlobBytes) {
    rest = blob;
  } else if (blob.size() > kLegacyPrivateBlobBytes) {
    auto u = [&](std::size_t i) {
      return static_cast<std::uint32_t>(static_cast<unsigned char>(blob[i]));
    };
    std::uint32_t d_len = u(0) << 24 | u(1) << 16 | u(2) << 8 | u(3);
    // d < n, so at most 128 bytes plus Java's sign byte.
    if (d_len == 0 || d_len > kModulusBytes + 1 ||
        static_cast<std::uint64_t>(d_len) + 4 + kLegacyPrivateBlobBytes != blob.size())
      return std::unexpected(KeyError::WrongPassword);
    rest = blob.substr(4 + d_len);
  } else {
    return std::unexpected(KeyError::WrongPassword);
  }
  if (rest.substr(0, 3) != std::string_view(reinterpret_cast<const char*>(kExponent), 3))
    return std::unexpected(KeyError::WrongPassword);
  Bn e = bn_from(rest.substr(0, 3));
  Bn p = bn_from(rest.substr(3, kPrimeFieldBytes));
  Bn q = bn_from(rest.substr(3 + kPrimeFieldBytes, kPrimeFieldBytes));
  std::unique_ptr<BN_CTX, BnCtxFree> ctx(BN_CTX_secure_new());
  Bn n(BN_new()), d(BN_new()), dp(BN_new()), dq(BN_new()), qinv(BN_new()), p1(BN_new()),
      q1(BN_new()), phi(BN_new());
  if (!e || !p || !q || !ctx || !n || !d || !dp || !dq || !qinv || !p1 || !q1 || !phi)
    return std::unexpected(KeyError::CryptoFailure);
  if (BN_cmp(p.get(), BN_value_one()) <= 0 || BN_cmp(q.get(), BN_value_one()) <= 0)
    return std::unexpected(KeyError::WrongPassword);
  if (!BN_mul(n.get(), p.get(), q.get(), ctx.get()))
    return std::unexpected(KeyError::CryptoFailure);
  if (BN_cmp(n.get(), public_n) != 0)
    return std::unexpected(KeyError::KeyMismatch);
  if (BN_cmp(p.get(), q.get()) < 0)
    std::swap(p, q); // IBM's setRSAKey keeps p > q
  if (!BN_sub(p1.get(), p.get(), BN_value_one()) || !BN_sub(q1.get(), q.get(), BN_value_one()) ||
      !BN_mul(phi.get(), p1.get(), q1.get(), ctx.get()) ||
      !BN_mod_inverse(d.get(), e.get(), phi.get(), ctx.get()) ||
      !BN_mod(dp.get(), d.get(), p1.get(), ctx.get()) ||
      !BN_mod(dq.get(), d.get(), q1.get(), ctx.get()) ||
      !BN_mod_inverse(qinv.get(), q.get(), p.get(), ctx.get())) {
    ERR_clear_error();
    return std::unexpected(KeyError::KeyMismatch); // e not invertible: the primes are not a key
  }
  return build_rsa_key(n.get(), e.get(), d.get(), p.get(), q.get(), dp.get(), dq.get(), qinv.get());
}

Bn modulus_of(const EvpPkey& key) {
  BIGNUM* n = nullptr;
  if (!EVP_PKEY_get_bn_param(key.get(), OSSL_PKEY_PARAM_RSA_N, &n))
    ERR_clear_error();
  return Bn(n);
}

std::expected<std::array<std::uint8_t, 24>, KeyError> unwrap_shared_key(const std::string& value,
                                                                        crypto::Des3Key kek) {
  auto wrapped = decode_property(value);
  if (!wrapped)
    return std::unexpected(KeyError::Syntax);
  auto plain = crypto::des3_ecb_decrypt(kek, *wrapped);
  if (!plain)
    return std::unexpected(KeyError::WrongPassword);
  Wipe wipe(*plain);
  if (plain->size() != 24)
    return std::unexpected(KeyError::WrongPassword);
  std::array<std::uint8_t, 24> key{};
  std::copy(plain->begin(), plain->end(), key.begin());
  return key;
}

std::string java_date_string(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::size_t n = std::strftime(buf, sizeof buf, "%a %b %d %H:%M:%S UTC %Y", &tm);
  return std::string(buf, n);
}

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0')
    return "localhost";
  return buf;
}

// BigInteger.toByteArray(): minimal big-endian two's complement of a positive number.
std::string java_byte_array(const BIGNUM* b) {
  std::string out(static_cast<std::size_t>(BN_num_bytes(b)), '\0');
  BN_bn2bin(b, reinterpret_cast<unsigned char*>(out.data()));
  if (out.empty() || (static_cast<unsigned char>(out[0]) & 0x80))
    out.insert(out.begin(), '\0');
  return out;
}

std::string fixed_bytes(const BIGNUM* b, std::size_t size) {
  std::string out(size, '\0');
  BN_bn2binpad(b, reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(size));
  return out;
}

bool valid_realm(std::string_view realm) {
  if (realm.empty() || realm.find('/') != std::string_view::npos)
    return false;
  for (unsigned char c : realm)
    if (c < 0x20 || c == 0x7F)
      return false;
  return true;
}

} // namespace

std::string_view describe(KeyError error) {
  switch (error) {
    case KeyError::FileUnreadable:
      return "cannot read the file";
    case KeyError::FileTooLarge:
      return "file is too large to be a key file";
    case KeyError::EmptyPassword:
      return "the password file's first line is empty";
    case KeyError::Syntax:
      return "not a valid ltpa.keys file: malformed property or base64 value";
    case KeyError::MissingProperty:
      return "not a valid ltpa.keys file: com.ibm.websphere.ltpa.version, 3DESKey or PublicKey is "
             "missing";
    case KeyError::UnsupportedVersion:
      return "unsupported ltpa.keys format: only version 1.0 with a 3DESKey is supported (not FIPS "
             "140-3 "
             "SharedKey files)";
    case KeyError::WrongPassword:
      return "cannot decrypt ltpa.keys: wrong password or damaged file";
    case KeyError::BadPublicKey:
      return "ltpa.keys public key is not a 132-byte RSA-1024 key with exponent 65537";
    case KeyError::KeyMismatch:
      return "ltpa.keys private key does not match its public key";
    case KeyError::BadDominoSecret:
      return "not a Domino secret: expected the base64 LTPA_DominoSecret of 20 bytes";
    case KeyError::InvalidRealm:
      return "realm must be non-empty printable text without '/'";
    case KeyError::CryptoFailure:
      return "OpenSSL failed while processing key material";
  }
  return "unknown key error";
}

LtpaKeySet::~LtpaKeySet() {
  OPENSSL_cleanse(shared_key.data(), shared_key.size());
}

std::string LtpaKeySet::public_key_sha256_hex() const {
  if (!public_key)
    return {};
  unsigned char* der = nullptr;
  int size = i2d_PUBKEY(public_key.get(), &der);
  if (size <= 0) {
    ERR_clear_error();
    return {};
  }
  auto digest = crypto::sha256(
      std::string_view(reinterpret_cast<const char*>(der), static_cast<std::size_t>(size)));
  OPENSSL_free(der);
  if (!digest)
    return {};
  return hex_encode(
      std::string_view(reinterpret_cast<const char*>(digest->data()), digest->size()));
}

int LtpaKeySet::key_bits() const {
  return public_key ? EVP_PKEY_get_bits(public_key.get()) : 0;
}

std::expected<std::string, KeyError> read_key_material_file(const std::string& path) {
  // Not "regular file only": a password may come from a pipe (--password-file <(...)).
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    return std::unexpected(KeyError::FileUnreadable);
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return std::unexpected(KeyError::FileUnreadable);
  std::string text;
  char buf[4096];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxFileBytes) {
      OPENSSL_cleanse(text.data(), text.size());
      return std::unexpected(KeyError::FileTooLarge);
    }
  }
  if (in.bad())
    return std::unexpected(KeyError::FileUnreadable);
  return text;
}

std::expected<LtpaKeySet, KeyError> load_ltpa_keys_file(const std::string& path,
                                                        std::string_view password) {
  auto text = read_key_material_file(path);
  if (!text)
    return std::unexpected(text.error());
  return parse_ltpa_keys(*text, password);
}

std::expected<LtpaKeySet, KeyError> parse_ltpa_keys(std::string_view file_text,
                                                    std::string_view password) {
  auto props = Properties::parse(file_text);
  if (!props)
    return std::unexpected(KeyError::Syntax);
  const std::string* version = props->find(kPropVersion);
  const std::string* shared = props->find(kPropSharedKey);
  const std::string* pub = props->find(kPropPublicKey);
  if (version && *version != "1.0")
    return std::unexpected(KeyError::UnsupportedVersion);
  if (!shared && props->find(kPropFipsSharedKey))
    return std::unexpected(KeyError::UnsupportedVersion);
  if (!version || !shared || !pub)
    return std::unexpected(KeyError::MissingProperty);

  auto kek = make_kek(password);
  if (!kek)
    return std::unexpected(KeyError::CryptoFailure);
  struct KekWipe {
    std::array<std::uint8_t, 24>& k;
    ~KekWipe() { OPENSSL_cleanse(k.data(), k.size()); }
  } kek_wipe{*kek};

  LtpaKeySet keys;
  keys.version = *version;
  if (const std::string* realm = props->find(kPropRealm))
    keys.realm = *realm;
  if (const std::string* date = props->find(kPropCreationDate))
    keys.creation_date = *date;

  auto shared_key = unwrap_shared_key(*shared, *kek);
  if (!shared_key)
    return std::unexpected(shared_key.error());
  keys.shared_key = *shared_key;
  OPENSSL_cleanse(shared_key->data(), shared_key->size());

  auto pub_blob = decode_property(*pub);
  if (!pub_blob)
    return std::unexpected(KeyError::Syntax);
  auto public_key = parse_public_blob(*pub_blob);
  if (!public_key)
    return std::unexpected(public_key.error());
  keys.public_key = std::move(*public_key);
  keys.public_key_blob = std::move(*pub_blob);

  if (const std::string* priv = props->find(kPropPrivateKey)) {
    auto wrapped = decode_property(*priv);
    if (!wrapped)
      return std::unexpected(KeyError::Syntax);
    auto blob = crypto::des3_ecb_decrypt(*kek, *wrapped);
    if (!blob)
      return std::unexpected(KeyError::WrongPassword);
    Wipe wipe(*blob);
    Bn n = modulus_of(keys.public_key);
    if (!n)
      return std::unexpected(KeyError::CryptoFailure);
    auto private_key = parse_private_blob(*blob, n.get());
    if (!private_key)
      return std::unexpected(private_key.error());
    keys.private_key = std::move(*private_key);
  }
  return keys;
}

std::expected<std::string, KeyError> read_password_file(const std::string& path) {
  auto text = read_key_material_file(path);
  if (!text)
    return std::unexpected(text.error());
  Wipe wipe(*text);
  std::string_view first = *text;
  first = first.substr(0, first.find('\n'));
  if (!first.empty() && first.back() == '\r')
    first.remove_suffix(1);
  if (first.empty())
    return std::unexpected(KeyError::EmptyPassword);
  return std::string(first);
}

std::expected<std::string, KeyError> generate_ltpa_keys_file(std::string_view password,
                                                             std::string_view realm) {
  if (password.empty())
    return std::unexpected(KeyError::EmptyPassword);
  if (!valid_realm(realm))
    return std::unexpected(KeyError::InvalidRealm);
  EvpPkey rsa(EVP_RSA_gen(1024));
  if (!rsa) {
    ERR_clear_error();
    return std::unexpected(KeyError::CryptoFailure);
  }
  BIGNUM *n_raw = nullptr, *d_raw = nullptr, *p_raw = nullptr, *q_raw = nullptr;
  bool got = EVP_PKEY_get_bn_param(rsa.get(), OSSL_PKEY_PARAM_RSA_N, &n_raw) &&
             EVP_PKEY_get_bn_param(rsa.get(), OSSL_PKEY_PARAM_RSA_D, &d_raw) &&
             EVP_PKEY_get_bn_param(rsa.get(), OSSL_PKEY_PARAM_RSA_FACTOR1, &p_raw) &&
             EVP_PKEY_get_bn_param(rsa.get(), OSSL_PKEY_PARAM_RSA_FACTOR2, &q_raw);
  Bn n(n_raw), d(d_raw), p(p_raw), q(q_raw);
  if (!got || BN_num_bytes(n.get()) != static_cast<int>(kModulusBytes) ||
      BN_num_bytes(p.get()) >= static_cast<int>(kPrimeFieldBytes) ||
      BN_num_bytes(q.get()) >= static_cast<int>(kPrimeFieldBytes)) {
    ERR_clear_error();
    return std::unexpected(KeyError::CryptoFailure);
  }
  if (BN_cmp(p.get(), q.get()) < 0)
    std::swap(p, q); // IBM files carry the larger prime first

  std::string d_bytes = java_byte_array(d.get());
  Wipe wipe_d(d_bytes);
  std::string blob;
  Wipe wipe_blob(blob);
  std::uint32_t d_len = static_cast<std::uint32_t>(d_bytes.size());
  for (int shift = 24; shift >= 0; shift -= 8)
    blob += static_cast<char>(d_len >> shift & 0xFF);
  blob += d_bytes;
  blob.append(reinterpret_cast<const char*>(kExponent), 3);
  std::string p_bytes = fixed_bytes(p.get(), kPrimeFieldBytes);
  std::string q_bytes = fixed_bytes(q.get(), kPrimeFieldBytes);
  Wipe wipe_p(p_bytes), wipe_q(q_bytes);
  blob += p_bytes;
  blob += q_bytes;

  std::string public_blob = std::string(1, '\0') + fixed_bytes(n.get(), kModulusBytes);
  public_blob.append(reinterpret_cast<const char*>(kExponent), 3);

  std::string shared(24, '\0');
  Wipe wipe_shared(shared);
  if (!crypto::random_bytes(reinterpret_cast<std::uint8_t*>(shared.data()), shared.size()))
    return std::unexpected(KeyError::CryptoFailure);
  auto kek = make_kek(password);
  if (!kek)
    return std::unexpected(KeyError::CryptoFailure);
  auto wrapped_shared = crypto::des3_ecb_encrypt(*kek, shared);
  auto wrapped_private = crypto::des3_ecb_encrypt(*kek, blob);
  OPENSSL_cleanse(kek->data(), kek->size());
  if (!wrapped_shared || !wrapped_private)
    return std::unexpected(KeyError::CryptoFailure);

  std::string date = java_date_string(std::time(nullptr));
  auto line = [](std::string_view key, std::string_view value) {
    return std::string(key) + "=" + escape_property_value(value) + "\n";
  };
  std::string text = "#IBM WebSphere Application Server key file\n#" + date + "\n";
  text += line(kPropCreationDate, date);
  text += line(kPropVersion, "1.0");
  text += line(kPropSharedKey, base64_encode(*wrapped_shared));
  text += line(kPropCreationHost, host_name());
  text += line(kPropPrivateKey, base64_encode(*wrapped_private));
  text += line(kPropRealm, realm);
  text += line(kPropPublicKey, base64_encode(public_blob));
  return text;
}

} // namespace stgw::ssoauth
