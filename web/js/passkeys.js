// Passkeys (WebAuthn): adding one to the signed-in account, and signing in with one tap. The
// server (webauthn-rs) sends its options as JSON with base64url strings where the browser wants
// bytes, and takes the browser's answer back the same way; the conversion is done here by hand,
// so browsers without PublicKeyCredential.parseCreationOptionsFromJSON work too.

import { api } from './api.js';
import { t } from './i18n.js';

/** base64url (with or without padding) to bytes. */
export function fromBase64url(text) {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes.buffer;
}

/** Bytes (an ArrayBuffer or a view) to base64url without padding. */
export function toBase64url(buffer) {
  const bytes = buffer instanceof ArrayBuffer ? new Uint8Array(buffer) : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Whether this browser can make and use passkeys at all. */
export function browserHasPasskeys() {
  return Boolean(window.PublicKeyCredential && navigator.credentials && window.isSecureContext);
}

/** The options as the browser wants them: no nulls (a null where a word is expected is refused). */
function withoutNulls(value) {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => [k, withoutNulls(v)]));
  }
  return value;
}

function descriptors(list) {
  return (list || []).map((credential) => ({ ...credential, id: fromBase64url(credential.id) }));
}

/**
 * Adds a passkey to the signed-in account: the device asks for the fingerprint, face or screen
 * lock. Resolves with the passkey as listed ({id, name, created_at, last_used_at}).
 */
export async function addPasskey(name) {
  const { ceremony, options } = await api('POST', '/passkeys/options');
  const publicKey = withoutNulls(options.publicKey);
  publicKey.challenge = fromBase64url(publicKey.challenge);
  publicKey.user = { ...publicKey.user, id: fromBase64url(publicKey.user.id) };
  publicKey.excludeCredentials = descriptors(publicKey.excludeCredentials);
  const credential = await navigator.credentials.create({ publicKey });
  const response = credential.response;
  return api('POST', '/passkeys', {
    ceremony,
    name: name || undefined,
    credential: {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      response: {
        attestationObject: toBase64url(response.attestationObject),
        clientDataJSON: toBase64url(response.clientDataJSON),
        transports: typeof response.getTransports === 'function' ? response.getTransports() : undefined,
      },
      extensions: credential.getClientExtensionResults(),
    },
  });
}

/**
 * Signs in with a passkey on this device (or a phone nearby): nothing is typed, the device shows
 * the family's accounts it has a passkey for. Resolves like signing in with a password.
 */
export async function signInWithPasskey() {
  const { ceremony, options } = await api('POST', '/auth/passkey/options');
  // options.mediation is for the browser's autofill ("conditional") sign-in; here a button asks.
  const publicKey = withoutNulls(options.publicKey);
  publicKey.challenge = fromBase64url(publicKey.challenge);
  publicKey.allowCredentials = descriptors(publicKey.allowCredentials);
  const credential = await navigator.credentials.get({ publicKey });
  const response = credential.response;
  return api('POST', '/auth/passkey', {
    ceremony,
    credential: {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      response: {
        authenticatorData: toBase64url(response.authenticatorData),
        clientDataJSON: toBase64url(response.clientDataJSON),
        signature: toBase64url(response.signature),
        userHandle: response.userHandle ? toBase64url(response.userHandle) : undefined,
      },
      extensions: credential.getClientExtensionResults(),
    },
  });
}

/**
 * What went wrong while signing in with a passkey (`doing` = 'signIn') or adding one ('add'), in
 * plain words; null when it is not a passkey matter (then the api's own explanation is used).
 */
export function passkeyProblem(err, doing) {
  switch (err && err.name) {
    // Cancelled, timed out, or no passkey on this device: the browser does not say which.
    case 'NotAllowedError': case 'AbortError': return doing === 'add' ? t('passkeyAddCancelled') : t('passkeySignInCancelled');
    case 'InvalidStateError': return t('passkeyAlreadyHere');
    case 'NotSupportedError': case 'SecurityError': return t('passkeyNotHere');
    default: break;
  }
  if (err && err.code === 'sign_in_refused') return t('passkeyRefused');
  if (err && err.code === 'passkey_refused') return t('passkeyNotAdded');
  if (err && err.code === 'passkey_exists') return t('passkeyAlreadyHere');
  return null;
}
