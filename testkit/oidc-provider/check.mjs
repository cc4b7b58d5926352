// Self-check: starts `node server.mjs --port 0`, signs in over plain HTTP
// (Node's fetch, redirects followed and cookies carried by hand), and checks
// the ID tokens with jose the way picup must. Run: `node check.mjs` / `npm test`.

import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';

import * as jose from 'jose';

const SECRET = 'picup-test-secret';
const REGISTERED_REDIRECT = 'http://localhost:8123/api/v1/auth/oidc/family/callback';
// Not registered: accepted because it is an http loopback URI (any port).
const LOOPBACK_REDIRECT = 'http://127.0.0.1:45678/api/v1/auth/oidc/family/callback';
const SCOPE = 'openid email profile';

let server;
let serverStderr = '';
let issuer;
let discovery;
let jwks;

// ------------------------------------------------------------------ helpers

class CookieJar {
  #cookies = new Map(); // name -> { value, path }

  store(response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';').map((part) => part.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      let path = '/';
      let expired = value === '';
      for (const attribute of attributes) {
        const [key, val = ''] = attribute.split('=');
        if (key.toLowerCase() === 'path') path = val;
        if (key.toLowerCase() === 'expires' && Date.parse(val) <= Date.now()) expired = true;
        if (key.toLowerCase() === 'max-age' && Number(val) <= 0) expired = true;
      }
      if (expired) this.#cookies.delete(name);
      else this.#cookies.set(name, { value, path });
    }
  }

  header(url) {
    const { pathname } = new URL(url);
    return [...this.#cookies]
      .filter(([, { path }]) => pathname === path || pathname.startsWith(path.endsWith('/') ? path : `${path}/`))
      .map(([name, { value }]) => `${name}=${value}`)
      .join('; ');
  }
}

async function request(jar, url, init = {}) {
  const headers = new Headers(init.headers);
  const cookie = jar.header(url);
  if (cookie) headers.set('cookie', cookie);
  const response = await fetch(url, { ...init, headers, redirect: 'manual' });
  jar.store(response);
  return response;
}

function location(response, base) {
  assert.ok([302, 303].includes(response.status), `expected a redirect, got ${response.status}`);
  return new URL(response.headers.get('location'), base).href;
}

function pkcePair() {
  const verifier = crypto.randomBytes(32).toString('base64url');
  const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge };
}

function authorizationUrl(params) {
  const url = new URL(discovery.authorization_endpoint);
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined) url.searchParams.set(key, value);
  }
  return url.href;
}

// The whole browserless sign-in: returns the redirect_uri's query and the
// sequence of requests made, for the README.
async function signIn({
  clientId = 'picup', login = 'alice', redirectUri = REGISTERED_REDIRECT, jar = new CookieJar(),
} = {}) {
  const state = crypto.randomBytes(16).toString('base64url');
  const nonce = crypto.randomBytes(16).toString('base64url');
  const { verifier, challenge } = pkcePair();
  const steps = [];

  // 1. GET the authorization URL -> 303 to the login page.
  let url = authorizationUrl({
    client_id: clientId,
    response_type: 'code',
    scope: SCOPE,
    redirect_uri: redirectUri,
    state,
    nonce,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  let response = await request(jar, url);
  steps.push(`GET ${new URL(url).pathname} -> ${response.status}`);
  url = location(response, url);

  // 2. GET the login page: a form with prompt/login/password.
  response = await request(jar, url);
  steps.push(`GET ${new URL(url).pathname} -> ${response.status}`);
  assert.equal(response.status, 200);
  const html = await response.text();
  const form = html.match(/<form\b[^>]*>/)?.[0] ?? '';
  assert.match(form, /method="post"/, 'login form found');
  const action = form.match(/action="([^"]+)"/)?.[1];
  assert.equal(action, new URL(url).pathname, 'the form posts back to /interaction/:uid');
  for (const field of ['name="login"', 'name="password"']) {
    assert.ok(html.includes(field), `login form has ${field}`);
  }

  // 3. POST the form -> 303 back to /auth/:uid.
  url = new URL(action, url).href;
  response = await request(jar, url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ login, password: 'anything' }),
  });
  steps.push(`POST ${new URL(url).pathname} -> ${response.status}`);
  url = location(response, url);

  // 4. GET /auth/:uid -> 303 to redirect_uri?code=...&state=...&iss=...
  response = await request(jar, url);
  steps.push(`GET ${new URL(url).pathname} -> ${response.status}`);
  url = location(response, url);
  assert.ok(url.startsWith(`${redirectUri}?`), `redirected to the redirect_uri: ${url}`);
  const query = new URL(url).searchParams;
  return {
    code: query.get('code'), state, returnedState: query.get('state'), iss: query.get('iss'),
    nonce, verifier, redirectUri, steps, jar,
  };
}

async function exchange({
  clientId = 'picup', code, verifier, redirectUri = REGISTERED_REDIRECT, auth = 'basic', secret = SECRET,
}) {
  const body = new URLSearchParams({
    grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier,
  });
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };
  if (auth === 'basic') {
    headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;
  } else {
    body.set('client_id', clientId);
    body.set('client_secret', secret);
  }
  const response = await fetch(discovery.token_endpoint, { method: 'POST', headers, body });
  return { status: response.status, body: await response.json() };
}

// What picup must do with an ID token: signature against the JWKS, iss, aud,
// exp (jose), then the nonce.
async function verifyIdToken(idToken, {
  audience, nonce, issuer: expectedIssuer = issuer, currentDate,
}) {
  const { payload, protectedHeader } = await jose.jwtVerify(idToken, jwks, {
    issuer: expectedIssuer, audience, currentDate, algorithms: ['RS256', 'ES256'],
  });
  if (payload.nonce !== nonce) {
    const err = new Error('nonce mismatch');
    err.code = 'NONCE_MISMATCH';
    throw err;
  }
  return { payload, protectedHeader };
}

async function idTokenFor(clientId) {
  const flow = await signIn({ clientId });
  const { status, body } = await exchange({ clientId, code: flow.code, verifier: flow.verifier });
  assert.equal(status, 200, JSON.stringify(body));
  assert.equal(typeof body.id_token, 'string');
  return { ...flow, idToken: body.id_token, tokens: body };
}

function assertRsaHeader(idToken) {
  const header = jose.decodeProtectedHeader(idToken);
  assert.equal(header.alg, 'RS256');
  const rsaKey = discovery.jwks.keys.find((key) => key.kty === 'RSA');
  assert.equal(header.kid, rsaKey.kid, 'same kid as the provider\'s RS256 key');
}

// ------------------------------------------------------------------ server

before(async () => {
  server = spawn(process.execPath, [
    new URL('server.mjs', import.meta.url).pathname, '--port', '0',
    '--redirect-uri', REGISTERED_REDIRECT, '--exit-with-stdin',
  ], { stdio: ['pipe', 'pipe', 'pipe'] });
  server.stderr.on('data', (chunk) => { serverStderr += chunk; });
  const lines = createInterface({ input: server.stdout });
  const [line] = await Promise.race([
    once(lines, 'line'),
    once(server, 'exit').then(([code]) => { throw new Error(`server exited ${code}: ${serverStderr}`); }),
    new Promise((_, reject) => {
      setTimeout(() => reject(new Error(`no issuer line: ${serverStderr}`)), 10_000).unref();
    }),
  ]);
  ({ issuer } = JSON.parse(line));
  assert.match(issuer, /^http:\/\/127\.0\.0\.1:\d+$/);
  discovery = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
  discovery.jwks = await (await fetch(discovery.jwks_uri)).json();
  jwks = jose.createLocalJWKSet(discovery.jwks);
});

after(async () => {
  if (server && server.exitCode === null) {
    const exited = once(server, 'exit');
    server.kill('SIGTERM');
    await exited;
  }
});

// ------------------------------------------------------------------ checks

describe('picup test OIDC provider', () => {
  test('discovery document', () => {
    assert.equal(discovery.issuer, issuer);
    assert.deepEqual(discovery.response_types_supported, ['code']);
    assert.deepEqual(discovery.code_challenge_methods_supported, ['S256']);
    assert.deepEqual(discovery.scopes_supported, ['openid', 'email', 'profile']);
    assert.ok(discovery.token_endpoint_auth_methods_supported.includes('client_secret_basic'));
    assert.ok(discovery.token_endpoint_auth_methods_supported.includes('client_secret_post'));
    assert.deepEqual(discovery.id_token_signing_alg_values_supported.sort(), ['ES256', 'RS256']);
    assert.deepEqual(discovery.jwks.keys.map((key) => `${key.kty}/${key.alg}`).sort(), ['EC/ES256', 'RSA/RS256']);
    for (const key of discovery.jwks.keys) assert.equal(key.d, undefined, 'no private parts in the JWKS');
  });

  test('code flow with PKCE, state and nonce for client picup', async () => {
    const flow = await signIn({ login: 'alice' });
    console.log(`# login sequence: ${flow.steps.join(', ')}`);
    assert.deepEqual(flow.steps.map((step) => step.replace(/\/[A-Za-z0-9_-]{10,} /, '/:uid ')), [
      'GET /auth -> 303', 'GET /interaction/:uid -> 200', 'POST /interaction/:uid -> 303', 'GET /auth/:uid -> 303',
    ]);
    assert.ok(flow.code);
    assert.equal(flow.returnedState, flow.state);
    assert.equal(flow.iss, issuer, 'RFC 9207 iss in the authorization response');

    const { status, body } = await exchange({ code: flow.code, verifier: flow.verifier });
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.token_type, 'Bearer');
    const { payload, protectedHeader } = await verifyIdToken(body.id_token, { audience: 'picup', nonce: flow.nonce });
    assert.equal(protectedHeader.alg, 'RS256');
    assert.equal(payload.sub, 'alice');
    assert.equal(payload.email, 'alice@family.example');
    assert.equal(payload.email_verified, true);
    assert.equal(payload.name, 'Alice');

    const userinfo = await (await fetch(discovery.userinfo_endpoint, {
      headers: { authorization: `Bearer ${body.access_token}` },
    })).json();
    assert.deepEqual(userinfo, {
      sub: 'alice', email: 'alice@family.example', email_verified: true, name: 'Alice',
    });

    // Replayed code: refused.
    const replay = await exchange({ code: flow.code, verifier: flow.verifier });
    assert.equal(replay.status, 400);
    assert.equal(replay.body.error, 'invalid_grant');

    // Same browser again: the session cookie skips the login form.
    const again = authorizationUrl({
      client_id: 'picup', response_type: 'code', scope: SCOPE, redirect_uri: REGISTERED_REDIRECT,
      state: 's2', nonce: 'n2', code_challenge: pkcePair().challenge, code_challenge_method: 'S256',
    });
    const response = await request(flow.jar, again);
    assert.match(location(response, again), /^http:\/\/localhost:8123\/api\/v1\/auth\/oidc\/family\/callback\?code=.*&state=s2/);
  });

  test('any http loopback redirect_uri, client_secret_post, ES256 client', async () => {
    const flow = await signIn({ clientId: 'picup-es256', login: 'bob', redirectUri: LOOPBACK_REDIRECT });
    const { status, body } = await exchange({
      clientId: 'picup-es256', code: flow.code, verifier: flow.verifier, redirectUri: LOOPBACK_REDIRECT, auth: 'post',
    });
    assert.equal(status, 200, JSON.stringify(body));
    const { payload, protectedHeader } = await verifyIdToken(body.id_token, { audience: 'picup-es256', nonce: flow.nonce });
    assert.equal(protectedHeader.alg, 'ES256');
    assert.equal(payload.sub, 'bob');
    assert.equal(payload.name, 'Bob');
  });

  test('refusals: no PKCE, wrong verifier, wrong secret, foreign redirect_uri', async () => {
    const jar = new CookieJar();
    // No code_challenge: error sent back to the redirect_uri.
    let url = authorizationUrl({
      client_id: 'picup', response_type: 'code', scope: SCOPE, redirect_uri: REGISTERED_REDIRECT, state: 'x', nonce: 'y',
    });
    let response = await request(jar, url);
    let query = new URL(location(response, url)).searchParams;
    assert.equal(query.get('error'), 'invalid_request');
    assert.match(query.get('error_description'), /PKCE/);

    // A redirect_uri that is neither registered nor loopback: no redirect at all.
    url = authorizationUrl({
      client_id: 'picup', response_type: 'code', scope: SCOPE, redirect_uri: 'https://evil.example/cb',
      state: 'x', nonce: 'y', code_challenge: pkcePair().challenge, code_challenge_method: 'S256',
    });
    response = await request(jar, url);
    assert.equal(response.status, 400);
    assert.match(await response.text(), /invalid_redirect_uri/);

    const flow = await signIn();
    const badSecret = await exchange({ code: flow.code, verifier: flow.verifier, secret: 'wrong' });
    assert.equal(badSecret.status, 401);
    assert.equal(badSecret.body.error, 'invalid_client');
    const badVerifier = await exchange({ code: flow.code, verifier: pkcePair().verifier });
    assert.equal(badVerifier.status, 400);
    assert.equal(badVerifier.body.error, 'invalid_grant');
  });

  test('login page: empty login re-shows the form, Cancel returns access_denied', async () => {
    const jar = new CookieJar();
    const url = authorizationUrl({
      client_id: 'picup', response_type: 'code', scope: SCOPE, redirect_uri: REGISTERED_REDIRECT,
      state: 'cancelled', nonce: 'n', code_challenge: pkcePair().challenge, code_challenge_method: 'S256',
    });
    const loginPage = location(await request(jar, url), url);
    let response = await request(jar, loginPage, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ login: '', password: '' }),
    });
    assert.equal(response.status, 400);
    assert.match(await response.text(), /id="error"/);

    response = await request(jar, `${loginPage}/abort`);
    const resume = location(response, loginPage);
    const back = new URL(location(await request(jar, resume), resume));
    assert.equal(`${back.origin}${back.pathname}`, REGISTERED_REDIRECT);
    assert.equal(back.searchParams.get('error'), 'access_denied');
    assert.equal(back.searchParams.get('state'), 'cancelled');
  });

  describe('misbehaving clients: the ID token fails for exactly one reason', () => {
    test('picup-tampered: bad signature, claims fine', async () => {
      const { idToken, nonce } = await idTokenFor('picup-tampered');
      assertRsaHeader(idToken);
      await assert.rejects(verifyIdToken(idToken, { audience: 'picup-tampered', nonce }), jose.errors.JWSSignatureVerificationFailed);
      const claims = jose.decodeJwt(idToken);
      assert.equal(claims.iss, issuer);
      assert.equal(claims.aud, 'picup-tampered');
      assert.equal(claims.nonce, nonce);
      assert.ok(claims.exp > Date.now() / 1000);
    });

    test('picup-wrong-audience: aud "someone-else"', async () => {
      const { idToken, nonce } = await idTokenFor('picup-wrong-audience');
      assertRsaHeader(idToken);
      await assert.rejects(
        verifyIdToken(idToken, { audience: 'picup-wrong-audience', nonce }),
        (err) => err instanceof jose.errors.JWTClaimValidationFailed && err.claim === 'aud',
      );
      await verifyIdToken(idToken, { audience: 'someone-else', nonce });
    });

    test('picup-expired: exp an hour ago', async () => {
      const { idToken, nonce } = await idTokenFor('picup-expired');
      assertRsaHeader(idToken);
      await assert.rejects(
        verifyIdToken(idToken, { audience: 'picup-expired', nonce }),
        (err) => err instanceof jose.errors.JWTExpired && err.claim === 'exp',
      );
      const { exp, iat } = jose.decodeJwt(idToken);
      const now = Date.now() / 1000;
      assert.ok(exp < now - 3500 && iat < now - 3500, 'exp and iat about an hour ago');
      await verifyIdToken(idToken, { audience: 'picup-expired', nonce, currentDate: new Date((exp - 10) * 1000) });
    });

    test('picup-wrong-issuer: iss "http://evil.example"', async () => {
      const { idToken, nonce } = await idTokenFor('picup-wrong-issuer');
      assertRsaHeader(idToken);
      await assert.rejects(
        verifyIdToken(idToken, { audience: 'picup-wrong-issuer', nonce }),
        (err) => err instanceof jose.errors.JWTClaimValidationFailed && err.claim === 'iss',
      );
      await verifyIdToken(idToken, { audience: 'picup-wrong-issuer', nonce, issuer: 'http://evil.example' });
    });

    test('picup-wrong-nonce: another nonce', async () => {
      const { idToken, nonce } = await idTokenFor('picup-wrong-nonce');
      assertRsaHeader(idToken);
      await assert.rejects(
        verifyIdToken(idToken, { audience: 'picup-wrong-nonce', nonce }),
        (err) => err.code === 'NONCE_MISMATCH',
      );
      const claims = jose.decodeJwt(idToken);
      assert.ok(claims.nonce && claims.nonce !== nonce);
      await verifyIdToken(idToken, { audience: 'picup-wrong-nonce', nonce: claims.nonce });
    });
  });
});
