#pragma once

// WebSphere/Liberty `ltpa.keys` exports (SPEC §2): reading, unwrapping with the key password,
// and generating new files that WebSphere can import. Key material is never logged or put in
// error text; KeyError values describe what is wrong without quoting the file.

#include <array>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "ssoauth/evp_pkey.h"

namespace stgw::ssoauth {

enum class KeyError {
  FileUnreadable,     // the file cannot be opened or read
  FileTooLarge,       // larger than any real key file (1 MiB)
  EmptyPassword,      // the password file's first line is empty
  Syntax,             // not a properties file, or a key value is not base64
  MissingProperty,    // version, 3DESKey or PublicKey is absent
  UnsupportedVersion, // version other than 1.0, or a FIPS 140-3 SharedKey file (SPEC §2.6)
  WrongPassword,      // the 3DES key or the private key do not decrypt to valid key material
  BadPublicKey,       // public key blob is not 132 bytes of RSA-1024 with e = 65537
  KeyMismatch,        // the private key's p·q differs from the public modulus
  BadDominoSecret,    // a Domino secret file is not base64 of exactly 20 bytes
  InvalidRealm,       // generation: realm empty, not printable, or containing '/'
  CryptoFailure,      // OpenSSL failed (out of memory, missing provider)
};

// One line of English without secrets. WrongPassword is exactly
// "cannot decrypt ltpa.keys: wrong password or damaged file".
std::string_view describe(KeyError error);

// One imported key file. Copies share the EVP_PKEY objects (reference counted); each copy
// wipes its shared key when destroyed.
struct LtpaKeySet {
  std::string realm;         // com.ibm.websphere.ltpa.Realm, unescaped (e.g. "ldaphost:389")
  std::string version;       // "1.0"
  std::string creation_date; // informational, as written by the exporter
  std::array<std::uint8_t, 24>
      shared_key{};                   // 3DES key; its first 16 bytes are LtpaToken2's AES key
  EvpPkey public_key;                 // RSA-1024, e = 65537
  std::optional<EvpPkey> private_key; // only needed to mint tokens
  std::string public_key_blob;        // IBM layout: 00 || n[128] || 01 00 01

  LtpaKeySet() = default;
  LtpaKeySet(const LtpaKeySet&) = default;
  LtpaKeySet(LtpaKeySet&&) = default;
  LtpaKeySet& operator=(const LtpaKeySet&) = default;
  LtpaKeySet& operator=(LtpaKeySet&&) = default;
  ~LtpaKeySet();

  // SHA-256 over the DER SubjectPublicKeyInfo, lower-case hex: the same value as
  // `openssl pkey -pubin -outform DER | sha256sum`. Safe to print.
  std::string public_key_sha256_hex() const;
  int key_bits() const;
};

// Reads |path| (at most 1 MiB) and calls parse_ltpa_keys.
std::expected<LtpaKeySet, KeyError> load_ltpa_keys_file(const std::string& path,
                                                        std::string_view password);

// Parses the text of an export and unwraps it with |password| (its UTF-8 bytes; SPEC §2.2).
// Requires version 1.0, a 24-byte shared key, a valid public key and, when present, a private
// key whose p·q equals the public modulus. Never throws; any input gives a result or an error.
std::expected<LtpaKeySet, KeyError> parse_ltpa_keys(std::string_view file_text,
                                                    std::string_view password);

// The first line of |path| without its line break; EmptyPassword when that is empty.
std::expected<std::string, KeyError> read_password_file(const std::string& path);

// Generates RSA-1024 (e = 65537) and a random 3DES key and returns the text of a new export,
// encrypted with |password|, in the layout WebSphere writes (SPEC §2).
std::expected<std::string, KeyError> generate_ltpa_keys_file(std::string_view password,
                                                             std::string_view realm);

// Whole small file (key file, password file, Domino secret) into memory; FileTooLarge above 1 MiB.
std::expected<std::string, KeyError> read_key_material_file(const std::string& path);

} // namespace stgw::ssoauth
