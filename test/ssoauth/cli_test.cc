// Runs the real `stgw` binary: every LTPA vector through `stgw token verify` (verdict, exit
// code, user, realm, expiry from its JSON), and the keys/mint/verify commands end to end.

#include <gtest/gtest.h>

#include <map>

#include "test/ssoauth/test_support.h"

namespace stgw::ssoauth {
namespace {

using nlohmann::json;
using testing::ProcessResult;
using testing::TempDir;

ProcessResult stgw(std::vector<std::string> args, std::string_view input = {}) {
  args.insert(args.begin(), STGW_BIN);
  return testing::run_process(args, input);
}

int exit_code_for(const std::string& verdict) {
  return verdict == "valid" ? 0 : verdict == "expired" ? 3 : 4;
}

// Runs verify and checks the JSON against the vector's gateway fields.
void expect_cli_verdict(const json& vector, std::vector<std::string> args, bool domino) {
  SCOPED_TRACE(vector["id"].get<std::string>());
  args.insert(args.begin(), {"token", "verify"});
  args.push_back("--at");
  args.push_back(std::to_string(vector["now_unix"].get<std::int64_t>()));
  if (vector.contains("expiration_difference_allowed_ms"))
    args.push_back("--expiry-diff-ms=" +
                   std::to_string(vector["expiration_difference_allowed_ms"].get<int>()));
  args.push_back(vector["token"]);
  ProcessResult r = stgw(args);
  std::string expected = vector["gateway_verdict"];
  EXPECT_EQ(r.exit_code, exit_code_for(expected)) << r.out << r.err;
  json out = json::parse(r.out, nullptr, false);
  ASSERT_FALSE(out.is_discarded()) << r.out;
  for (const char* field :
       {"verdict", "format", "user", "realm", "access_id", "expires_unix_ms", "reason"})
    EXPECT_TRUE(out.contains(field)) << field;
  EXPECT_EQ(out["verdict"], expected);
  if (expected == "valid") {
    EXPECT_EQ(out["user"], vector["gateway_user"]);
    EXPECT_EQ(out["realm"], vector["gateway_realm"]); // null for Domino
    EXPECT_TRUE(out["reason"].is_null());
    EXPECT_TRUE(out["expires_unix_ms"].is_number());
    EXPECT_EQ(out["access_id"].is_null(), domino);
  } else {
    EXPECT_TRUE(out["reason"].is_string());
  }
}

class CliVectorsTest : public ::testing::Test {
protected:
  // Writes a key set of a vector file (text and password) and returns the --keys arguments.
  std::vector<std::string> key_args(const json& file, const std::string& name) {
    auto it = written_.find(name);
    if (it == written_.end()) {
      const json& k = file["key_sets"][name];
      std::string keys = dir_.write(name + ".keys", k["ltpa_keys_file"].get<std::string>());
      std::string password = dir_.write(name + ".pw", k["password"].get<std::string>() + "\n");
      it = written_
               .emplace(name, std::vector<std::string>{"--keys", keys, "--password-file", password})
               .first;
    }
    return it->second;
  }
  TempDir dir_;
  std::map<std::string, std::vector<std::string>> written_;
};

TEST_F(CliVectorsTest, LtpaToken2VectorsThroughTokenVerify) {
  json file = testing::load_vector_file("websphere-ltpatoken2.json");
  ASSERT_FALSE(file["vectors"].empty());
  for (const json& vector : file["vectors"]) {
    auto args = key_args(file, vector["key_set"]);
    args.insert(args.end(), {"--format", "ltpa2"});
    expect_cli_verdict(vector, args, false);
  }
}

TEST_F(CliVectorsTest, LtpaToken2VectorsWithAutoFormat) {
  json file = testing::load_vector_file("websphere-ltpatoken2.json");
  for (const json& vector : file["vectors"])
    expect_cli_verdict(vector, key_args(file, vector["key_set"]), false);
}

TEST_F(CliVectorsTest, WebSphereV1VectorsThroughTokenVerify) {
  json file = testing::load_vector_file("websphere-ltpatoken-v1.json");
  ASSERT_FALSE(file["vectors"].empty());
  for (const json& vector : file["vectors"]) {
    auto args = key_args(file, vector["key_set"]);
    args.insert(args.end(), {"--format", "ltpa1"});
    expect_cli_verdict(vector, args, false);
  }
}

TEST_F(CliVectorsTest, DominoVectorsThroughTokenVerify) {
  json file = testing::load_vector_file("domino-ltpatoken.json");
  ASSERT_FALSE(file["vectors"].empty());
  for (const json& vector : file["vectors"]) {
    std::string id = vector["secret_key_id"];
    std::string secret =
        dir_.write(id + ".secret", file["keys"][id]["LTPA_DominoSecret_base64"].get<std::string>());
    expect_cli_verdict(vector, {"--domino-secret-file", secret, "--format", "domino"}, true);
    expect_cli_verdict(vector, {"--domino-secret-file", secret}, true); // auto
  }
}

class CliTest : public ::testing::Test {
protected:
  void SetUp() override {
    password_ = dir_.write("pw", "Pa55 w\xC3\xB6rd!\n");
    keys_ = (dir_.path() / "ltpa.keys").string();
    ProcessResult r = stgw({"keys", "generate", "--out", keys_, "--password-file", password_,
                            "--realm", "ldap.example.com:389"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  std::string mint(std::vector<std::string> extra) {
    std::vector<std::string> args = {"token",           "mint",   "--keys", keys_,
                                     "--password-file", password_};
    args.insert(args.end(), extra.begin(), extra.end());
    ProcessResult r = stgw(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out.find('\n'), r.out.size() - 1); // the cookie value alone on one line
    return r.out.substr(0, r.out.size() - 1);
  }
  json verify(std::vector<std::string> extra, int expected_exit, std::string_view input = {}) {
    std::vector<std::string> args = {"token", "verify",          "--keys",
                                     keys_,   "--password-file", password_};
    args.insert(args.end(), extra.begin(), extra.end());
    ProcessResult r = stgw(args, input);
    EXPECT_EQ(r.exit_code, expected_exit) << r.out << r.err;
    return json::parse(r.out, nullptr, false);
  }
  TempDir dir_;
  std::string password_;
  std::string keys_;
};

TEST_F(CliTest, GenerateInspectMintVerifyRoundTrip) {
  ProcessResult inspect = stgw({"keys", "inspect", "--keys", keys_, "--password-file", password_});
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  EXPECT_NE(inspect.out.find("realm: ldap.example.com:389"), std::string::npos);
  EXPECT_NE(inspect.out.find("version: 1.0"), std::string::npos);
  EXPECT_NE(inspect.out.find("RSA-1024"), std::string::npos);
  EXPECT_NE(inspect.out.find("public key sha256: "), std::string::npos);
  EXPECT_EQ(inspect.out.find("Pa55"), std::string::npos);

  std::string name = "cn=J\xC3\xB6rg:$%\\|,o=x";
  std::string v2 =
      mint({"--user", name, "--ttl", "1h", "--attr", "groups=a", "--attr", "groups=b"});
  json out = verify({v2}, 0);
  EXPECT_EQ(out["verdict"], "valid");
  EXPECT_EQ(out["format"], "ltpa2");
  EXPECT_EQ(out["user"], name);
  EXPECT_EQ(out["realm"], "ldap.example.com:389");
  EXPECT_EQ(out["access_id"], "user:ldap.example.com:389/" + name);

  std::string v1 = mint({"--user", "user:other:1/bob", "--format", "ltpa1", "--at", "1700000000"});
  out = verify({"--format", "ltpa1", "--at", "1700003600", v1}, 0);
  EXPECT_EQ(out["user"], "bob");
  EXPECT_EQ(out["realm"], "other:1");
  EXPECT_EQ(out["expires_unix_ms"], 1700007200000);
  out = verify({"--at", "1700007201", v1}, 3);
  EXPECT_EQ(out["verdict"], "expired");
  EXPECT_EQ(out["reason"], "expired");
  EXPECT_EQ(out["user"], "bob");
  verify({"--at", "1700007201", "--skew", "2s", v1}, 0);
  out = verify({"--realm", "ldap.example.com:389", "--at", "1700003600", v1}, 4);
  EXPECT_EQ(out["reason"], "realm_mismatch");
  EXPECT_TRUE(out["user"].is_null());

  out = verify({"-"}, 0, "  " + v2 + "\n");
  EXPECT_EQ(out["verdict"], "valid");
}

TEST_F(CliTest, DominoMintAndVerify) {
  std::string secret = dir_.write("domino.secret", "AAECAwQFBgcICQoLDA0ODxAREhM=\n");
  ProcessResult mint =
      stgw({"token", "mint", "--domino-secret-file", secret, "--user", "CN=J\xC3\xB6rg/O=Acme",
            "--format", "domino", "--at", "1700000000", "--ttl", "90m"});
  ASSERT_EQ(mint.exit_code, 0) << mint.err;
  std::string token = mint.out.substr(0, mint.out.size() - 1);
  ProcessResult r =
      stgw({"token", "verify", "--domino-secret-file", secret, "--at", "1700000100", token});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  json out = json::parse(r.out);
  EXPECT_EQ(out["user"], "CN=J\xC3\xB6rg/O=Acme");
  EXPECT_EQ(out["format"], "domino");
  EXPECT_TRUE(out["realm"].is_null());
  EXPECT_EQ(out["expires_unix_ms"], 1700005400000);
  r = stgw({"token", "verify", "--domino-secret-file", secret, "--at", "1699999999", token});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_EQ(json::parse(r.out)["reason"], "not_yet_valid");
}

TEST_F(CliTest, RotationWithRepeatedKeyOptions) {
  std::string old_keys = keys_;
  std::string token = mint({"--user", "alice"});
  std::string password2 = dir_.write("pw2", "second\n");
  std::string keys2 = (dir_.path() / "new.keys").string();
  ASSERT_EQ(
      stgw({"keys", "generate", "--out", keys2, "--password-file", password2, "--realm", "R2"})
          .exit_code,
      0);
  ProcessResult both = stgw({"token", "verify", "--keys", keys2, "--password-file", password2,
                             "--keys", old_keys, "--password-file", password_, token});
  EXPECT_EQ(both.exit_code, 0) << both.out << both.err;
  ProcessResult only_new =
      stgw({"token", "verify", "--keys", keys2, "--password-file", password2, token});
  EXPECT_EQ(only_new.exit_code, 4);
  EXPECT_EQ(json::parse(only_new.out)["reason"], "unknown_key");
}

TEST_F(CliTest, UsageAndKeyFileErrorsExitTwoWithoutSecrets) {
  EXPECT_EQ(stgw({"keys", "generate", "--out", keys_, "--password-file", password_, "--realm", "R"})
                .exit_code,
            2);
  std::string wrong = dir_.write("wrong", "nope\n");
  ProcessResult bad_pw = stgw({"token", "verify", "--keys", keys_, "--password-file", wrong, "x"});
  EXPECT_EQ(bad_pw.exit_code, 2);
  EXPECT_NE(bad_pw.err.find("cannot decrypt ltpa.keys: wrong password or damaged file"),
            std::string::npos);
  EXPECT_EQ(bad_pw.err.find("nope"), std::string::npos);
  EXPECT_TRUE(bad_pw.out.empty());
  EXPECT_EQ(stgw({"token", "verify", "--keys", keys_, "x"}).exit_code, 2);
  EXPECT_EQ(stgw({"token", "verify", "x"}).exit_code, 2);
  EXPECT_EQ(stgw({"token", "verify", "--keys", keys_, "--password-file", password_, "--format",
                  "jwt", "x"})
                .exit_code,
            2);
  EXPECT_EQ(
      stgw({"token", "verify", "--keys", keys_, "--password-file", password_, "--at", "soon", "x"})
          .exit_code,
      2);
  EXPECT_EQ(
      stgw({"token", "verify", "--keys", keys_, "--password-file", password_, "--skew", "5", "x"})
          .exit_code,
      2);
  EXPECT_EQ(stgw({"token", "verify", "--keys", keys_, "--password-file", password_}).exit_code, 2);
  EXPECT_EQ(stgw({"token", "verify", "--keys", keys_, "--password-file", password_, "-"}).exit_code,
            2);
  EXPECT_EQ(stgw({"token", "verify", "--keys", (dir_.path() / "none").string(), "--password-file",
                  password_, "x"})
                .exit_code,
            2);
  EXPECT_EQ(stgw({"token", "mint", "--keys", keys_, "--password-file", password_, "--user", "a",
                  "--ttl", "0s"})
                .exit_code,
            2);
  EXPECT_EQ(stgw({"token", "mint", "--user", "a", "--format", "domino"}).exit_code, 2);
  ProcessResult garbage =
      stgw({"token", "verify", "--keys", keys_, "--password-file", password_, "not a token"});
  EXPECT_EQ(garbage.exit_code, 4);
  EXPECT_EQ(json::parse(garbage.out)["reason"], "malformed");
}

} // namespace
} // namespace stgw::ssoauth
