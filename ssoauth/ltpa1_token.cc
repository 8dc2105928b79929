#include "ssoauth/ltpa1_token.h"

#include <openssl/bn.h>

#include <array>

#include "ssoauth/codec.h"
#include "ssoauth/utf8.h"

namespace stgw::ssoauth::ltpa1 {
namespace {

constexpr std::size_t kMaxModulusBytes = 512;
// ISO/IEC 9796-1 shadow permutation π.
constexpr std::uint8_t kShadow[16] = {0xE, 0x3, 0x5, 0x8, 0x9, 0x4, 0x2, 0xF,
                                      0x0, 0xD, 0xB, 0x6, 0x7, 0xA, 0xC, 0x1};

bool is_escaped(std::string_view text, std::size_t i) {
  std::size_t count = 0;
  while (i > count && text[i - count - 1] == '\\')
    ++count;
  return count % 2 == 1;
}

std::size_t rfind_unescaped_percent(std::string_view text) {
  for (std::size_t i = text.size(); i-- > 0;)
    if (text[i] == '%' && !is_escaped(text, i))
      return i;
  return std::string_view::npos;
}

// ISO 9796-1 accepts the signature s or n - s, so the recovered m may be IR or n - IR.
bool signature_matches(const PreparedKeySet& key_set, std::string_view signature,
                       std::string_view user_data) {
  std::size_t k = key_set.rsa.modulus_bytes();
  if (signature.size() != k || k > kMaxModulusBytes)
    return false;
  auto digest = crypto::sha1(user_data);
  if (!digest)
    return false;
  std::string ir = iso9796_representative(*digest, BN_num_bits(key_set.rsa.modulus()));
  if (ir.size() != k)
    return false;
  std::array<std::uint8_t, kMaxModulusBytes> m{};
  std::array<std::uint8_t, kMaxModulusBytes> n_minus_m{};
  if (!key_set.rsa.apply(reinterpret_cast<const std::uint8_t*>(signature.data()), k, m.data()) ||
      !key_set.rsa.complement(m.data(), n_minus_m.data()))
    return false;
  const auto* expected = reinterpret_cast<const std::uint8_t*>(ir.data());
  bool direct = crypto::constant_time_equal(m.data(), expected, k);
  bool complement = crypto::constant_time_equal(n_minus_m.data(), expected, k);
  return direct || complement;
}

TokenCheck check_plaintext(std::string_view plain, const PreparedKeySet& key_set,
                           const TimePolicy& policy, std::int64_t now_ms) {
  TokenCheck result{TokenFormat::Ltpa1, AuthFailure::Malformed, std::nullopt};
  // Amlen refuses NUL after decryption; our vectors carry UTF-8 user data.
  if (plain.find('\0') != std::string_view::npos || !is_valid_utf8(plain))
    return result;
  std::size_t sig_sep = rfind_unescaped_percent(plain);
  if (sig_sep == std::string_view::npos)
    return result;
  std::size_t exp_sep = rfind_unescaped_percent(plain.substr(0, sig_sep));
  if (exp_sep == std::string_view::npos)
    return result;
  std::string_view user_data = plain.substr(0, exp_sep);
  auto expires = parse_decimal_ms(plain.substr(exp_sep + 1, sig_sep - exp_sep - 1));
  auto signature = base64_decode_strict(plain.substr(sig_sep + 1));
  if (!expires || !signature)
    return result;

  if (!signature_matches(key_set, *signature, user_data)) {
    result.failure = AuthFailure::BadSignature;
    return result;
  }
  auto attributes = parse_user_data(user_data);
  if (!attributes)
    return result;
  const std::string& access_id = find_attribute(*attributes, "u")->front();
  auto parts = split_access_id(access_id);
  if (!parts || has_control_characters(access_id))
    return result;
  result.identity = Identity{std::move(parts->name), std::move(parts->realm), access_id, *expires,
                             TokenFormat::Ltpa1};
  if (!key_set.expected_realm.empty() && result.identity->realm != key_set.expected_realm)
    result.failure = AuthFailure::RealmMismatch;
  else if (now_ms > *expires + policy.clock_skew_ms)
    result.failure = AuthFailure::Expired;
  else
    result.failure.reset();
  return result;
}

} // namespace

std::string iso9796_representative(const crypto::Sha1Digest& digest, int modulus_bits) {
  int kb = modulus_bits - 1;
  if (kb < 16 * 8 || kb % 8 == 0)
    return {};
  std::size_t t = static_cast<std::size_t>((kb + 7) / 8);
  constexpr std::size_t kLen = 20;
  std::string out(t, '\0');
  auto* o = reinterpret_cast<std::uint8_t*>(out.data());
  for (std::size_t i = 0; i < t / 2; ++i) {
    std::uint8_t m = digest[kLen - 1 - (i % kLen)];
    o[t - 1 - 2 * i] = m;
    o[t - 2 - 2 * i] = static_cast<std::uint8_t>(kShadow[m >> 4] << 4 | kShadow[m & 0xF]);
  }
  o[t - 2 * kLen] ^= 0x01; // marks where the message starts
  int r = kb % 8;
  o[0] = static_cast<std::uint8_t>((o[0] & ((1 << r) - 1)) | (1 << ((r - 1) % 8)));
  o[t - 1] = static_cast<std::uint8_t>(o[t - 1] << 4 | 0x6);
  return out;
}

TokenCheck verify(std::string_view ciphertext, std::span<const PreparedKeySet> key_sets,
                  const TimePolicy& policy, std::int64_t now_ms) {
  TokenCheck best{TokenFormat::Ltpa1, AuthFailure::UnknownKey, std::nullopt};
  if (ciphertext.empty() || ciphertext.size() % 8 != 0) {
    best.failure = AuthFailure::Malformed;
    return best;
  }
  for (const PreparedKeySet& key_set : key_sets) {
    auto plain = crypto::des3_ecb_decrypt(key_set.keys.shared_key, ciphertext);
    if (!plain)
      continue;
    TokenCheck check = check_plaintext(*plain, key_set, policy, now_ms);
    if (check.identity)
      return check;
    keep_better(best, std::move(check));
  }
  return best;
}

std::optional<std::string> sign_user_data(const LtpaKeySet& keys, std::string_view user_data) {
  if (!keys.private_key)
    return std::nullopt;
  crypto::RsaPublicOp rsa(keys.public_key);
  auto digest = crypto::sha1(user_data);
  if (!rsa.ok() || !digest)
    return std::nullopt;
  std::string ir = iso9796_representative(*digest, BN_num_bits(rsa.modulus()));
  if (ir.size() != rsa.modulus_bytes())
    return std::nullopt;
  auto s = crypto::rsa_private_raw(*keys.private_key, ir);
  if (!s || s->size() != rsa.modulus_bytes())
    return std::nullopt;
  std::string n_minus_s(s->size(), '\0');
  if (!rsa.complement(reinterpret_cast<const std::uint8_t*>(s->data()),
                      reinterpret_cast<std::uint8_t*>(n_minus_s.data())))
    return std::nullopt;
  // Equal-length big-endian strings compare like the numbers they hold.
  return n_minus_s < *s ? n_minus_s : *s;
}

std::optional<std::string> seal(const LtpaKeySet& keys, std::string_view plaintext) {
  auto cipher = crypto::des3_ecb_encrypt(keys.shared_key, plaintext);
  if (!cipher)
    return std::nullopt;
  return base64_encode(*cipher);
}

std::optional<std::string> mint(const LtpaKeySet& keys, const AttributeList& attributes,
                                std::int64_t expires_ms) {
  std::string user_data = serialize_user_data(attributes);
  auto signature = sign_user_data(keys, user_data);
  if (!signature)
    return std::nullopt;
  return seal(keys, user_data + "%" + std::to_string(expires_ms) + "%" + base64_encode(*signature));
}

} // namespace stgw::ssoauth::ltpa1
