// A real OpenID Connect provider (panva/oidc-provider) standing in for the national
// identity's single sign-on in the tests: `node tests/oidc/provider.mjs PORT REDIRECT_URI`.
// Code flow with PKCE required; a citizen signs in on its development pages with their
// 12-digit ID as login (any password) and is given name, phone and `id_number` claims.
import Provider from "oidc-provider";

const [port, redirect] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;
const names = { "066190001234": "Hoàng Thị Mai" };

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: "motcua",
      client_secret: "motcua-test-client-secret",
      redirect_uris: [redirect],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_post",
    },
  ],
  pkce: { required: () => true },
  scopes: ["openid", "profile", "phone", "vneid"],
  claims: { openid: ["sub"], profile: ["name"], phone: ["phone_number"], vneid: ["id_number"] },
  // The claims the scopes grant travel in the ID token itself.
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ["motcua-test-provider-cookies"] },
  findAccount: async (ctx, id) => ({
    accountId: id,
    claims: async () => ({
      sub: id,
      name: names[id] || `Công dân ${id}`,
      phone_number: "0912345678",
      id_number: id,
    }),
  }),
});
provider.listen(Number(port), "127.0.0.1");
