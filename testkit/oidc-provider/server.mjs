// A real OpenID Connect provider (node-oidc-provider, OpenID Certified) for
// picup's OIDC sign-in tests. See README.md beside this file.
//
//   node server.mjs --port 0 [--redirect-uri URI]... [--strict-redirect-uris] [--exit-with-stdin]
//
// Prints one line of JSON to stdout once it listens: {"issuer":"http://127.0.0.1:PORT"}
// Everything else (oidc-provider's development warnings) goes to stderr.

import * as crypto from 'node:crypto';
import * as http from 'node:http';
import { parseArgs } from 'node:util';

import Provider, { errors } from 'oidc-provider';
import * as jose from 'jose';

const CLIENT_SECRET = 'picup-test-secret';
const DEFAULT_REDIRECT_URI = 'http://localhost:8123/api/v1/auth/oidc/family/callback';
const ACCOUNT_EMAIL_DOMAIN = 'family.example';

// ---------------------------------------------------------------- arguments

function usage(message) {
  process.stderr.write(`${message}\nusage: node server.mjs [--port PORT] [--redirect-uri URI]... [--strict-redirect-uris] [--exit-with-stdin]\n`);
  process.exit(2);
}

let args;
try {
  ({ values: args } = parseArgs({
    options: {
      port: { type: 'string', default: process.env.OIDC_PORT ?? '0' },
      'redirect-uri': { type: 'string', multiple: true, default: [] },
      'strict-redirect-uris': { type: 'boolean', default: false },
      'exit-with-stdin': { type: 'boolean', default: false },
    },
    strict: true,
  }));
} catch (err) {
  usage(err.message);
}

const port = Number(args.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) usage(`invalid --port ${args.port}`);

const redirectUris = [
  ...args['redirect-uri'],
  ...(process.env.OIDC_REDIRECT_URIS ?? '').split(/[\s,]+/).filter(Boolean),
];
if (redirectUris.length === 0) redirectUris.push(DEFAULT_REDIRECT_URI);
const anyLoopbackRedirect = !args['strict-redirect-uris'];

// ---------------------------------------------------------------- exit promptly

for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
  process.on(signal, () => process.exit(0));
}
if (args['exit-with-stdin']) {
  // The parent holds our stdin pipe; when it dies (even by SIGKILL) we follow.
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
  process.stdin.resume();
}

// ---------------------------------------------------------------- signing keys

function generateSigningKey(alg) {
  const { privateKey } = alg === 'RS256'
    ? crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
    : crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' });
  const kid = `${alg.toLowerCase()}-${crypto.randomBytes(6).toString('hex')}`;
  return { kid, alg, privateKey, jwk: { ...jwk, kid, alg, use: 'sig' } };
}

// The first key of each type is the one oidc-provider signs with.
const signingKeys = [generateSigningKey('RS256'), generateSigningKey('ES256')];
const signingKeyByKid = new Map(signingKeys.map((key) => [key.kid, key]));

// ---------------------------------------------------------------- accounts

function claimsFor(login) {
  return {
    sub: login,
    email: `${login}@${ACCOUNT_EMAIL_DOMAIN}`,
    email_verified: true,
    name: login.charAt(0).toUpperCase() + login.slice(1),
  };
}

async function findAccount(_ctx, sub) {
  if (typeof sub !== 'string' || sub.length === 0) return undefined;
  return {
    accountId: sub,
    async claims() {
      return claimsFor(sub);
    },
  };
}

// ---------------------------------------------------------------- pages

function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// Self-contained HTML: no scripts, no external resources.
function page(title, body) {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body{font-family:sans-serif;max-width:22rem;margin:2rem auto;padding:0 1rem}
label{display:block;margin:.75rem 0}input{display:block;width:100%;box-sizing:border-box;padding:.4rem}
button{padding:.4rem 1rem;margin:.5rem .5rem 0 0}.error{color:#b00}
</style>
</head>
<body>
${body}
</body>
</html>
`;
}

function loginPage({ uid, clientId, loginHint = '', error }) {
  return page('Sign-in', `<h1>Sign-in</h1>
<p>to <strong id="client">${escapeHtml(clientId)}</strong> &mdash; picup's test provider: any login, any password.</p>
${error ? `<p class="error" id="error">${escapeHtml(error)}</p>` : ''}
<form id="login-form" method="post" action="/interaction/${escapeHtml(uid)}" autocomplete="off">
<input type="hidden" name="prompt" value="login">
<label>Login <input id="login" type="text" name="login" required autofocus value="${escapeHtml(loginHint)}"></label>
<label>Password <input id="password" type="password" name="password"></label>
<button id="submit" type="submit">Sign-in</button>
</form>
<p><a id="cancel" href="/interaction/${escapeHtml(uid)}/abort">Cancel</a></p>`);
}

// ---------------------------------------------------------------- interactions

const INTERACTION_PATH = /^\/interaction\/([A-Za-z0-9_-]+)(\/abort)?$/;
const MAX_FORM_BYTES = 64 * 1024;

async function readForm(req) {
  let size = 0;
  const chunks = [];
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw Object.assign(new Error('form too large'), { status: 413 });
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function send(res, status, html) {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(html);
}

// Consent is normally never asked (loadExistingGrant grants it); should a
// client ask for prompt=consent, it is granted here without a page.
async function grantConsent(provider, req, res, details) {
  const { prompt: { details: missing }, params, session } = details;
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  if (missing.missingResourceScopes) {
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes)) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
  }
  await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, {
    mergeWithLastSubmission: true,
  });
}

// GET  /interaction/:uid        the login page (or consent, granted at once)
// POST /interaction/:uid        login=<name>&password=<anything> -> 303 /auth/:uid
// GET  /interaction/:uid/abort  -> 303 /auth/:uid -> redirect_uri?error=access_denied
async function interactionRoutes(provider, req, res) {
  const match = INTERACTION_PATH.exec(new URL(req.url, 'http://x').pathname);
  if (!match) return false;
  const [, uid, abort] = match;
  try {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) {
      send(res, 400, page('Error', '<h1>Error</h1><p>This sign-in is not the one in progress.</p>'));
    } else if (abort && req.method === 'GET') {
      await provider.interactionFinished(req, res, {
        error: 'access_denied', error_description: 'End-User aborted interaction',
      }, { mergeWithLastSubmission: false });
    } else if (details.prompt.name === 'consent' && (req.method === 'GET' || req.method === 'POST')) {
      await grantConsent(provider, req, res, details);
    } else if (details.prompt.name !== 'login') {
      send(res, 501, page('Error', `<h1>Error</h1><p>Unsupported prompt ${escapeHtml(details.prompt.name)}.</p>`));
    } else if (req.method === 'GET' && !abort) {
      send(res, 200, loginPage({ uid, clientId: details.params.client_id, loginHint: details.params.login_hint }));
    } else if (req.method === 'POST' && !abort) {
      const form = await readForm(req);
      const login = form.get('login') ?? '';
      if (login.trim() === '') {
        send(res, 400, loginPage({ uid, clientId: details.params.client_id, error: 'Enter a login.' }));
      } else {
        await provider.interactionFinished(req, res, { login: { accountId: login } }, {
          mergeWithLastSubmission: false,
        });
      }
    } else {
      res.setHeader('Allow', abort ? 'GET' : 'GET, POST');
      send(res, 405, page('Error', '<h1>Method not allowed</h1>'));
    }
  } catch (err) {
    if (err instanceof errors.SessionNotFound) {
      send(res, 400, page('Error', `<h1>Error</h1><p>No sign-in in progress here (expired, or its cookie was not sent): ${escapeHtml(err.error_description ?? err.message)}</p>`));
    } else {
      process.stderr.write(`oidc-provider interaction error: ${err.stack ?? err}\n`);
      if (!res.headersSent) send(res, err.status ?? 500, page('Error', `<h1>Error</h1><p>${escapeHtml(err.message)}</p>`));
      else res.destroy();
    }
  }
  return true;
}

// ---------------------------------------------------------------- misbehaving clients

const EVIL_ISSUER = 'http://evil.example';
const WRONG_AUDIENCE = 'someone-else';

function decodeSegment(segment) {
  return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
}

// Re-signs a JWT with the provider's own key (same kid, same alg, same
// protected header) after `change` has altered its claims.
async function resign(jwt, change) {
  const [headerB64, payloadB64] = jwt.split('.');
  const header = decodeSegment(headerB64);
  const payload = decodeSegment(payloadB64);
  const key = signingKeyByKid.get(header.kid);
  if (!key) throw new Error(`id_token signed with unknown kid ${header.kid}`);
  change(payload);
  return new jose.CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader(header)
    .sign(key.privateKey);
}

// Changes one character in the middle of the signature (never the last
// character, whose low bits may be padding that decoders ignore).
function tamperSignature(jwt) {
  const lastDot = jwt.lastIndexOf('.');
  const signature = jwt.slice(lastDot + 1);
  const i = Math.floor(signature.length / 2);
  const replacement = signature[i] === 'A' ? 'B' : 'A';
  return `${jwt.slice(0, lastDot + 1)}${signature.slice(0, i)}${replacement}${signature.slice(i + 1)}`;
}

const MISBEHAVIOURS = {
  'picup-tampered': async (idToken) => tamperSignature(idToken),
  'picup-wrong-audience': (idToken) => resign(idToken, (claims) => {
    claims.aud = WRONG_AUDIENCE;
  }),
  'picup-expired': (idToken) => resign(idToken, (claims) => {
    // Issued 65 minutes ago, expired an hour ago (5 minute lifetime).
    const now = Math.floor(Date.now() / 1000);
    claims.iat = now - 3600 - 300;
    claims.exp = now - 3600;
  }),
  'picup-wrong-issuer': (idToken) => resign(idToken, (claims) => {
    claims.iss = EVIL_ISSUER;
  }),
  'picup-wrong-nonce': (idToken) => resign(idToken, (claims) => {
    claims.nonce = `not-your-nonce-${crypto.randomBytes(8).toString('base64url')}`;
  }),
};

// ---------------------------------------------------------------- clients

function client(clientId, extra = {}) {
  return {
    client_id: clientId,
    client_secret: CLIENT_SECRET,
    client_name: clientId,
    redirect_uris: redirectUris,
    response_types: ['code'],
    grant_types: ['authorization_code'],
    // client_secret_post is accepted as well for a client registered with
    // client_secret_basic (oidc-provider treats the two as one secret).
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'RS256',
    allow_any_loopback_redirect_uri: anyLoopbackRedirect,
    ...extra,
  };
}

const clients = [
  client('picup'),
  client('picup-es256', { id_token_signed_response_alg: 'ES256' }),
  ...Object.keys(MISBEHAVIOURS).map((clientId) => client(clientId)),
];

// ---------------------------------------------------------------- provider

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function isLoopbackHttpUri(value) {
  const url = URL.parse(value);
  return !!url && url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)
    && url.hash === '' && !url.username && !url.password;
}

function configuration() {
  return {
    clients,
    findAccount,
    jwks: { keys: signingKeys.map((key) => key.jwk) },
    cookies: {
      // Development keys: this provider only ever runs in tests.
      keys: ['picup-test-oidc-provider-insecure-cookie-key'],
    },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name'],
    },
    scopes: ['openid', 'email', 'profile'],
    // Put the scope's claims (email, name) in the ID token too, not only at userinfo.
    conformIdTokenClaims: false,
    responseTypes: ['code'],
    pkce: { required: () => true },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
    enabledJWA: { idTokenSigningAlgValues: ['RS256', 'ES256'] },
    extraClientMetadata: {
      properties: ['allow_any_loopback_redirect_uri'],
      validator(_ctx, key, value) {
        if (key === 'allow_any_loopback_redirect_uri' && value !== undefined && typeof value !== 'boolean') {
          throw new errors.InvalidClientMetadata('allow_any_loopback_redirect_uri must be a boolean');
        }
      },
    },
    features: {
      // Our own login page (interactionRoutes below) instead of devInteractions,
      // whose pages load web fonts from the internet.
      devInteractions: { enabled: false },
      userinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          ctx.body = page('Sign-out', `<h1>Sign out of ${escapeHtml(ctx.host)}?</h1>${form}
<button id="logout" autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
<button id="stay" type="submit" form="op.logoutForm">No, stay signed in</button>`);
        },
        async postLogoutSuccessSource(ctx) {
          ctx.body = page('Signed out', '<h1>Signed out</h1><p>You are signed out.</p>');
        },
      },
    },
    interactions: {
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
    },
    async renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = page('Error', `<h1>Error</h1>${Object.entries(out)
        .map(([key, value]) => `<p><strong>${escapeHtml(key)}</strong>: <span id="${escapeHtml(key)}">${escapeHtml(value)}</span></p>`)
        .join('')}`);
    },
    // First-party clients: consent is granted without asking.
    async loadExistingGrant(ctx) {
      const { oidc } = ctx;
      const grantId = oidc.result?.consent?.grantId || oidc.session.grantIdFor(oidc.client.clientId);
      let grant = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
      if (!grant) {
        grant = new oidc.provider.Grant({ clientId: oidc.client.clientId, accountId: oidc.session.accountId });
      }
      grant.addOIDCScope([...oidc.requestParamOIDCScopes].join(' '));
      const claims = [...oidc.requestParamClaims];
      if (claims.length) grant.addOIDCClaims(claims);
      await grant.save();
      return grant;
    },
    clientBasedCORS: () => true,
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 120,
      IdToken: 3600,
      Interaction: 3600,
      Session: 86400,
      Grant: 86400,
    },
  };
}

// Listen first (port 0 picks a free port), then build the provider for that issuer.
let handler = (_req, res) => {
  res.statusCode = 503;
  res.end();
};
const server = http.createServer((req, res) => handler(req, res));
server.on('error', (err) => {
  process.stderr.write(`oidc-provider: ${err.message}\n`);
  process.exit(1);
});
server.listen(port, '127.0.0.1', async () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, configuration());

  const { redirectUriAllowed } = provider.Client.prototype;
  provider.Client.prototype.redirectUriAllowed = function loopbackRedirectUriAllowed(value) {
    if (this.allow_any_loopback_redirect_uri === true && isLoopbackHttpUri(value)) return true;
    return redirectUriAllowed.call(this, value);
  };

  provider.use(async (ctx, next) => {
    await next();
    if (ctx.oidc?.route !== 'token' || ctx.status !== 200) return;
    const misbehave = MISBEHAVIOURS[ctx.oidc.client?.clientId];
    if (misbehave && typeof ctx.body?.id_token === 'string') {
      ctx.body = { ...ctx.body, id_token: await misbehave(ctx.body.id_token) };
    }
  });

  provider.on('server_error', (_ctx, err) => {
    process.stderr.write(`oidc-provider server_error: ${err.stack ?? err}\n`);
  });

  // Static clients are validated lazily: validate them now, before announcing.
  for (const { client_id: clientId } of clients) {
    try {
      if (!await provider.Client.find(clientId)) throw new Error('not found');
    } catch (err) {
      process.stderr.write(`oidc-provider: client ${clientId} is invalid: ${err.error_description ?? err.message}\n`);
      process.exit(1);
    }
  }

  const callback = provider.callback();
  handler = (req, res) => {
    interactionRoutes(provider, req, res).then((handled) => {
      if (!handled) callback(req, res);
    });
  };
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});
