#include "gateway/cli/demo_sso.h"

#include <fstream>
#include <sys/stat.h>

#include "ssoauth/ltpa2_token.h"
#include "ssoauth/ltpa_keys.h"
#include "ssoauth/user_data.h"

namespace stgw::cli {
namespace {

constexpr std::string_view kRealm = "defaultWIMFileBasedRealm";
constexpr std::string_view kUser = "uid=demo.user,ou=people,dc=example,dc=com";
constexpr std::int64_t kTokenLifetimeMs = 12LL * 3600 * 1000;

bool write_private(const std::string& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  chmod(path.c_str(), 0600);
  out << text;
  return static_cast<bool>(out);
}

std::string random_password() {
  std::ifstream random("/dev/urandom", std::ios::binary);
  std::string password;
  constexpr char kAlphabet[] = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  for (int i = 0; i < 20; ++i)
    password.push_back(
        kAlphabet[static_cast<unsigned char>(random.get()) % (sizeof kAlphabet - 1)]);
  return password;
}

} // namespace

std::expected<DemoSso, std::string> prepare_demo_sso(const std::string& folder) {
  std::string password = random_password();
  auto file = ssoauth::generate_ltpa_keys_file(password, kRealm);
  if (!file)
    return std::unexpected(std::string(ssoauth::describe(file.error())));
  auto keys = ssoauth::parse_ltpa_keys(*file, password);
  if (!keys)
    return std::unexpected(std::string(ssoauth::describe(keys.error())));
  auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  ssoauth::AttributeList attributes = {{"u", {ssoauth::make_access_id(kRealm, kUser)}}};
  auto token = ssoauth::ltpa2::mint(*keys, attributes, now_ms + kTokenLifetimeMs);
  if (!token)
    return std::unexpected("cannot mint the demo token");
  if (!write_private(folder + "/ltpa.keys", *file) ||
      !write_private(folder + "/ltpa.password", password + "\n") ||
      !write_private(folder + "/ltpatoken2.txt", *token))
    return std::unexpected("cannot write the demo keys into " + folder);
  DemoSso sso;
  sso.user = std::string(kUser);
  sso.token = *token;
  sso.toml = "[sso]\ndomain = \".localhost\"\n\n[[sso.keys]]\nfile = \"ltpa.keys\"\n"
             "password_file = \"ltpa.password\"\nrealm = \"" +
             std::string(kRealm) + "\"\n";
  return sso;
}

} // namespace stgw::cli
