/**
 * No credential as a plaintext input. The policy SDK hands the pack every value unwrapped, secret or
 * not, so the pack cannot ask whether a value is a Pulumi secret; it enforces where credentials may
 * appear instead, which is what keeps them out of objects anyone with read access can see:
 *  - a Kubernetes object other than a Secret carries no credential-named field with a literal value
 *    (a ConfigMap key `password`, chart values `adminPassword: …`);
 *  - a container's credential-named environment variable comes from `valueFrom` (a Secret), never
 *    from `value`;
 *  - no resource outside a Secret holds a value shaped like a credential (private keys, cloud,
 *    GitHub and Slack tokens, Pulumi access tokens, URLs with a password).
 * That credentials which must be program inputs are Pulumi secrets is checked where they are read
 * (the config schema) and proven by the tests that search the state for fixture secrets.
 */
import { containersOf, isObject, podSpecOf, type Resource } from "../kubernetes";
import { resourcePolicy } from "./resource-policy";

/** Field-name endings that hold a credential (compared lower-case, without `-`, `_` and `.`). */
const CREDENTIAL_NAME_ENDINGS = [
  "password",
  "passwd",
  "token",
  "apikey",
  "secretkey",
  "accesskey",
  "privatekey",
  "clientsecret",
  "webhookurl",
];
/** Whole field names that hold a credential. */
const CREDENTIAL_NAMES = ["secret", "credentials", "passphrase"];

export function isCredentialName(name: string): boolean {
  const n = name.toLowerCase().replace(/[-_.]/g, "");
  return CREDENTIAL_NAMES.includes(n) || CREDENTIAL_NAME_ENDINGS.some((e) => n.endsWith(e));
}

/** Credential shapes, named for the message. */
const CREDENTIAL_SHAPES: readonly { name: string; pattern: RegExp }[] = [
  { name: "a private key", pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
  { name: "an AWS access key", pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { name: "a GitHub token", pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})\b/ },
  { name: "a Slack token", pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/ },
  { name: "a Slack webhook URL", pattern: /hooks\.slack\.com\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]{8,}/ },
  { name: "a Pulumi access token", pattern: /\bpul-[a-f0-9]{40}\b/ },
  // scheme://user:password@host, unless the password is a variable reference ($(VAR) or ${VAR}).
  { name: "a URL with a password", pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:(?![$][({])[^\s/@]+@/i },
];

/** The name of the credential shape `value` has, or undefined. */
export function credentialShape(value: string): string | undefined {
  return CREDENTIAL_SHAPES.find((s) => s.pattern.test(value))?.name;
}

/**
 * A property of `value`, or `unknown` when the policy SDK throws on reading it: it does for a value
 * not known until the update (a preview of inputs computed from other resources), where there is
 * nothing literal to check now; the update checks it.
 */
function known(value: Record<string | number, unknown>, k: string | number): { value: unknown } | undefined {
  try {
    return { value: value[k] };
  } catch {
    return undefined;
  }
}

/** Every string inside `value` with its path. */
function strings(value: unknown, path: string, out: { path: string; key: string; value: string }[], key = "") {
  if (typeof value === "string") out.push({ path, key, value });
  else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v = known(value as unknown as Record<number, unknown>, i);
      if (v) strings(v.value, `${path}[${i}]`, out, key);
    }
  } else if (isObject(value)) {
    for (const k of Object.keys(value)) {
      const v = known(value, k);
      if (v) strings(v.value, path ? `${path}.${k}` : k, out, k);
    }
  }
  return out;
}

/**
 * The credentials the program itself must hold, because it uses them (they cannot live in a
 * Kubernetes Secret): the SSH key our remote commands log in with (`components/remote`), and the same
 * key in the stack config every dynamic provider receives. Each is read with `requireSecret`, and
 * test/integration/remote.test.ts and cluster-rehearsal.test.ts search the state for it; allowed only
 * on these paths of program-level (not Kubernetes) resources.
 */
export const PROGRAM_CREDENTIAL_PATHS: readonly string[] = [
  "connection.privateKey",
  "connection.proxy.privateKey",
  "sophia-infra:sshPrivateKey",
];

export function checkNoPlaintextCredentials(r: Resource): string[] {
  // A Secret is where a credential belongs (the Kubernetes provider marks its data secret).
  if (r.type === "kubernetes:core/v1:Secret") return [];
  const out: string[] = [];
  const isKubernetesObject = r.type.startsWith("kubernetes:");
  for (const s of strings(r.props, "", [])) {
    if (!isKubernetesObject && PROGRAM_CREDENTIAL_PATHS.includes(s.path)) continue;
    const shape = credentialShape(s.value);
    if (shape) {
      out.push(`${s.path} holds ${shape}; keep it in a Secret and reference the Secret`);
    } else if (isKubernetesObject && s.value !== "" && isCredentialName(s.key)) {
      out.push(
        `${s.path} is a credential-named field with a literal value; keep the value in a Secret and reference it`,
      );
    }
  }
  const spec = podSpecOf(r);
  if (spec) {
    for (const { where, container } of containersOf(spec)) {
      for (const e of container.env ?? []) {
        if (typeof e.name === "string" && isCredentialName(e.name) && e.value !== undefined && e.value !== "") {
          out.push(`${where} sets ${e.name} inline; take it from a Secret (env[].valueFrom.secretKeyRef)`);
        }
      }
    }
  }
  return out;
}

export const noPlaintextCredentials = resourcePolicy(
  "no-plaintext-credentials",
  "No credential as a plaintext input: credentials live in Secrets and are referenced from there.",
  checkNoPlaintextCredentials,
);
