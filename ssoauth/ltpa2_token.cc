#include "ssoauth/ltpa2_token.h"

#include <array>
#include <cstring>

#include "ssoauth/codec.h"
#include "ssoauth/utf8.h"

namespace stgw::ssoauth::ltpa2 {
namespace {

// DER DigestInfo prefix for SHA-1 (RFC 8017 §9.2 note 1).
constexpr std::uint8_t kSha1DigestInfo[] = {0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2B, 0x0E,
                                            0x03, 0x02, 0x1A, 0x05, 0x00, 0x04, 0x14};
constexpr std::size_t kMaxModulusBytes = 512;

crypto::Aes128Key aes_key(const LtpaKeySet& keys) {
  return crypto::Aes128Key(keys.shared_key.data(), 16);
}

// EMSA-PKCS1-v1_5 encoding of |digest| for a |k|-byte modulus; compared in full against the
// RSA output, which admits no trailing data or alternative encodings.
bool pkcs1_sha1_matches(const std::uint8_t* em, std::size_t k, const crypto::Sha1Digest& digest) {
  constexpr std::size_t tail = sizeof kSha1DigestInfo + 20;
  if (k < tail + 11)
    return false;
  std::array<std::uint8_t, kMaxModulusBytes> expected{};
  expected[0] = 0x00;
  expected[1] = 0x01;
  std::memset(expected.data() + 2, 0xFF, k - tail - 3);
  expected[k - tail - 1] = 0x00;
  std::memcpy(expected.data() + k - tail, kSha1DigestInfo, sizeof kSha1DigestInfo);
  std::memcpy(expected.data() + k - 20, digest.data(), 20);
  return crypto::constant_time_equal(expected.data(), em, k);
}

bool signature_matches(const PreparedKeySet& key_set, std::string_view signature,
                       std::string_view body) {
  std::size_t k = key_set.rsa.modulus_bytes();
  if (signature.size() != k || k > kMaxModulusBytes)
    return false;
  auto inner = crypto::sha1(body);
  if (!inner)
    return false;
  auto outer =
      crypto::sha1(std::string_view(reinterpret_cast<const char*>(inner->data()), inner->size()));
  std::array<std::uint8_t, kMaxModulusBytes> em{};
  return outer &&
         key_set.rsa.apply(reinterpret_cast<const std::uint8_t*>(signature.data()), k, em.data()) &&
         pkcs1_sha1_matches(em.data(), k, *outer);
}

// True when text[i] follows an odd number of backslashes.
bool is_escaped(std::string_view text, std::size_t i) {
  std::size_t count = 0;
  while (i > count && text[i - count - 1] == '\\')
    ++count;
  return count % 2 == 1;
}

struct Fields {
  std::string_view body;
  std::optional<std::string_view> outer_expiry; // absent in the two-field form
  std::string_view signature_b64;
};

// body % expiry % signature, or body % signature (SPEC §5.1). The signature is found at the
// last '%', the expiry at the last unescaped '%' before it, as Liberty scans from the end.
std::optional<Fields> split_fields(std::string_view plain) {
  std::size_t sig_sep = plain.rfind('%');
  if (sig_sep == std::string_view::npos)
    return std::nullopt;
  Fields f;
  f.signature_b64 = plain.substr(sig_sep + 1);
  std::string_view head = plain.substr(0, sig_sep);
  for (std::size_t i = head.size(); i-- > 0;) {
    if (head[i] == '%' && !is_escaped(head, i)) {
      f.body = head.substr(0, i);
      f.outer_expiry = head.substr(i + 1);
      return f;
    }
  }
  f.body = head;
  return f;
}

// Everything after a successful decryption with |key_set|.
TokenCheck check_plaintext(std::string_view plain, const PreparedKeySet& key_set,
                           const TimePolicy& policy, std::int64_t now_ms) {
  TokenCheck result{TokenFormat::Ltpa2, AuthFailure::Malformed, std::nullopt};
  if (plain.find('\0') != std::string_view::npos || !is_valid_utf8(plain))
    return result;
  auto fields = split_fields(plain);
  if (!fields)
    return result;
  auto signature = base64_decode_strict(fields->signature_b64);
  auto attributes = parse_user_data(fields->body);
  if (!signature || !attributes)
    return result;

  // The signed "expire" attribute (its last value) is authoritative; the unsigned outer copy
  // is used only when there is none (SPEC §5.4).
  std::optional<std::int64_t> inner;
  std::optional<std::int64_t> outer;
  if (const auto* values = find_attribute(*attributes, "expire")) {
    inner = parse_decimal_ms(values->back());
    if (!inner)
      return result;
  }
  if (fields->outer_expiry) {
    outer = parse_decimal_ms(*fields->outer_expiry);
    if (!outer)
      return result;
  }
  if (!inner && !outer)
    return result;
  if (inner && outer && policy.expiry_diff_tolerance_ms >= 0 &&
      (*inner > *outer ? *inner - *outer : *outer - *inner) > policy.expiry_diff_tolerance_ms)
    return result;

  if (!signature_matches(key_set, *signature, serialize_user_data(*attributes))) {
    result.failure = AuthFailure::BadSignature;
    return result;
  }

  const std::string& access_id = find_attribute(*attributes, "u")->front();
  auto parts = split_access_id(access_id);
  if (!parts || has_control_characters(access_id))
    return result;
  std::int64_t expires = inner ? *inner : *outer;
  result.identity = Identity{std::move(parts->name), std::move(parts->realm), access_id, expires,
                             TokenFormat::Ltpa2};
  if (!key_set.expected_realm.empty() && result.identity->realm != key_set.expected_realm)
    result.failure = AuthFailure::RealmMismatch;
  else if (now_ms > expires + policy.clock_skew_ms)
    result.failure = AuthFailure::Expired;
  else
    result.failure.reset();
  return result;
}

} // namespace

TokenCheck verify(std::string_view ciphertext, std::span<const PreparedKeySet> key_sets,
                  const TimePolicy& policy, std::int64_t now_ms) {
  TokenCheck best{TokenFormat::Ltpa2, AuthFailure::UnknownKey, std::nullopt};
  if (ciphertext.empty() || ciphertext.size() % 16 != 0) {
    best.failure = AuthFailure::Malformed;
    return best;
  }
  for (const PreparedKeySet& key_set : key_sets) {
    // Always the IV of the key being tried, never a cached one (SPEC §5.4, Liberty's bug).
    auto plain =
        crypto::aes128_cbc_decrypt(aes_key(key_set.keys), aes_key(key_set.keys), ciphertext);
    if (!plain)
      continue;
    TokenCheck check = check_plaintext(*plain, key_set, policy, now_ms);
    // An authentic token belongs to this key set: other key sets cannot change the answer.
    if (check.identity)
      return check;
    keep_better(best, std::move(check));
  }
  return best;
}

std::optional<std::string> sign_body(const LtpaKeySet& keys, std::string_view body) {
  if (!keys.private_key)
    return std::nullopt;
  auto digest = crypto::sha1(body);
  if (!digest)
    return std::nullopt;
  return crypto::rsa_sign_sha1(
      *keys.private_key,
      std::string_view(reinterpret_cast<const char*>(digest->data()), digest->size()));
}

std::optional<std::string> seal(const LtpaKeySet& keys, std::string_view plaintext) {
  auto cipher = crypto::aes128_cbc_encrypt(aes_key(keys), aes_key(keys), plaintext);
  if (!cipher)
    return std::nullopt;
  return base64_encode(*cipher);
}

std::optional<std::string> mint(const LtpaKeySet& keys, AttributeList attributes,
                                std::int64_t expires_ms) {
  std::string expiry = std::to_string(expires_ms);
  attributes.push_back(Attribute{"expire", {expiry}});
  std::string body = serialize_user_data(attributes);
  auto signature = sign_body(keys, body);
  if (!signature)
    return std::nullopt;
  // Liberty writes the same expiry inside (signed) and outside (SPEC §7, minting).
  return seal(keys, body + "%" + expiry + "%" + base64_encode(*signature));
}

} // namespace stgw::ssoauth::ltpa2
