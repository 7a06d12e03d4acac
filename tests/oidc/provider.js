// A real OpenID Connect provider for Consult's tests (npm oidc-provider), two "tenants"
// on two free localhost ports, so a test can log in through the one an organisation
// trusts and be refused through the other. Its development login form takes the account
// name as login (any password); the accounts are below.
//
//   CLIENT_ID, CLIENT_SECRET, REDIRECT_URI   the Consult client registered at both
// Prints one line of JSON, {"tenant_a": issuer, "tenant_b": issuer}, once both listen.
import http from 'node:http';

import Provider from 'oidc-provider';

const ACCOUNTS = {
  lid: { email: 'lid@gemeente-a.example.org', email_verified: true, name: 'Lid van Gemeente A' },
  onbevestigd: { email: 'onbevestigd@gemeente-a.example.org', email_verified: false, name: 'Onbevestigd' },
  onbekend: { email: 'onbekend@gemeente-a.example.org', email_verified: true, name: 'Onbekend' },
  nieuw: { email: 'nieuw@gemeente-a.example.org', email_verified: true, name: 'Nieuw Lid' },
};

function configuration() {
  return {
    clients: [{
      client_id: process.env.CLIENT_ID,
      client_secret: process.env.CLIENT_SECRET,
      redirect_uris: [process.env.REDIRECT_URI],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    // The scope's claims in the ID token itself, as Entra ID and Keycloak do.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
    async findAccount(_ctx, id) {
      const account = ACCOUNTS[id];
      if (!account) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, ...account }) };
    },
  };
}

function listen() {
  return new Promise((resolve) => {
    const server = http.createServer();
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

const issuers = {};
for (const tenant of ['tenant_a', 'tenant_b']) {
  const server = await listen();
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, configuration());
  server.on('request', provider.callback());
  issuers[tenant] = issuer;
}
process.stdout.write(`${JSON.stringify(issuers)}\n`);
