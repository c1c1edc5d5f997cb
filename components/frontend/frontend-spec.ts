/**
 * The Vercel frontend's pure parts: its settings type, the rules they must follow
 * (`validateFrontend`), the Vercel inputs built from them, the import IDs that adopt an existing
 * project, and the DNS records the registrar needs for its domains.
 */
import { getDomain } from "tldts";

/** Vercel's deployment environments a variable can be present on. */
export const VERCEL_TARGETS = ["production", "preview", "development"] as const;
export type VercelTarget = (typeof VERCEL_TARGETS)[number];

/**
 * Vercel's documented record targets for a domain served by a project: an apex domain gets an A
 * record to Vercel's anycast address, a subdomain a CNAME to Vercel's CNAME target. The project's
 * Domains page may show a project-specific value instead; Vercel keeps answering on these.
 * @see https://vercel.com/docs/domains/set-up-custom-domain
 */
export const VERCEL_APEX_ADDRESS = "76.76.21.21";
export const VERCEL_CNAME_TARGET = "cname.vercel-dns.com";

/** One environment variable of the project. */
export interface FrontendVariableSpec {
  /** Variable name (`VITE_*` is compiled into the browser bundle). */
  readonly key: string;
  /** Plain value when known here; undefined when it comes from a secret. */
  readonly value?: string;
  /** Vercel never shows a sensitive value again after it is set; required for credentials. */
  readonly sensitive: boolean;
  /** Deployment environments it is present on. */
  readonly targets: readonly VercelTarget[];
}

/** What `validateFrontend` checks: the settings of one stack's frontend. */
export interface FrontendSpec {
  /** The stack's base domain; every frontend domain lies within it. */
  readonly stackDomain: string;
  /** Hosts the gateway serves (`api.<domain>`, …); a frontend domain must not take one. */
  readonly gatewayHosts: readonly string[];
  readonly domains: readonly string[];
  readonly variables: readonly FrontendVariableSpec[];
  /** An existing project this stack takes over instead of creating one. */
  readonly adopt?: {
    readonly projectId: string;
    /** Domains already on that project (imported, not added). */
    readonly domains: readonly string[];
    /** Variables already on that project, by key: their Vercel variable IDs. */
    readonly variables: Readonly<Record<string, string>>;
  };
}

/** A problem with the settings; `path` is relative to the frontend's settings (e.g. `domains.1`). */
export interface FrontendProblem {
  readonly path: string;
  readonly message: string;
  readonly fix: string;
}

/** Variables the component sets itself from the stack (never from config). */
export const RESERVED_VARIABLES = ["VITE_API_URL", "VITE_ENVIRONMENT"] as const;

/** Variable-name endings that name a credential (compared upper-case, without `_`). */
const CREDENTIAL_NAME_ENDINGS = ["TOKEN", "SECRET", "PASSWORD", "PASSWD", "APIKEY", "PRIVATEKEY", "ACCESSKEY", "DSN"];

/** Value shapes of common credentials, named for the message. */
const CREDENTIAL_SHAPES: readonly { readonly name: string; readonly pattern: RegExp }[] = [
  { name: "a private key", pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
  { name: "an AWS access key", pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { name: "a GitHub token", pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})\b/ },
  { name: "a Slack token", pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/ },
  { name: "a Stripe secret key", pattern: /\b[sr]k_(?:live|test)_[A-Za-z0-9]{16,}/ },
  { name: "a JSON Web Token", pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+/ },
  { name: "a Pulumi access token", pattern: /\bpul-[a-f0-9]{40}\b/ },
  { name: "a URL with a password", pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:[^\s/@]+@/i },
];

/** Why a variable looks like a credential (its name or its value), or undefined. */
export function credentialReason(key: string, value: string | undefined): string | undefined {
  const name = key.toUpperCase().replace(/_/g, "");
  const ending = CREDENTIAL_NAME_ENDINGS.find((e) => name.endsWith(e));
  if (ending) return `its name ends in ${ending}`;
  const shape = value === undefined ? undefined : CREDENTIAL_SHAPES.find((s) => s.pattern.test(value));
  return shape ? `its value is ${shape.name}` : undefined;
}

/** True when `domain` is `base` or lies under it. */
function within(domain: string, base: string): boolean {
  return domain === base || domain.endsWith(`.${base}`);
}

/**
 * Every rule the frontend's settings must follow, all problems at once. Pure: the config schema
 * calls it before anything is registered, and the component relies on it having passed.
 */
export function validateFrontend(spec: FrontendSpec): FrontendProblem[] {
  const problems: FrontendProblem[] = [];
  const add = (path: string, message: string, fix: string) => problems.push({ path, message, fix });

  const seenDomains = new Set<string>();
  spec.domains.forEach((domain, i) => {
    if (seenDomains.has(domain)) add(`domains.${i}`, `lists ${domain} twice`, "list each domain once");
    seenDomains.add(domain);
    if (!within(domain, spec.stackDomain)) {
      add(
        `domains.${i}`,
        `is ${domain}, outside the stack's domain ${spec.stackDomain}`,
        `use ${spec.stackDomain} or a name under it (or change sophia-infra:domain)`,
      );
    } else if (spec.gatewayHosts.includes(domain)) {
      add(
        `domains.${i}`,
        `is ${domain}, a host the gateway serves`,
        `pick a name other than ${spec.gatewayHosts.join(", ")}`,
      );
    }
  });

  const seenKeys = new Set<string>();
  spec.variables.forEach((v, i) => {
    const at = `variables.${i}`;
    if (seenKeys.has(v.key)) add(`${at}.key`, `sets ${v.key} twice`, "keep one entry per variable");
    seenKeys.add(v.key);
    if ((RESERVED_VARIABLES as readonly string[]).includes(v.key)) {
      add(`${at}.key`, `is ${v.key}, which the program sets from the stack`, "remove this entry");
    }
    if (v.targets.length === 0) add(`${at}.targets`, "is empty", 'list at least one of "production", "preview"');
    const reason = credentialReason(v.key, v.value);
    if (reason && !v.sensitive) {
      add(
        `${at}`,
        `(${v.key}) looks like a credential (${reason}) but is not marked sensitive`,
        "keep credentials out of config values; a credential must be a sensitive variable whose value is a secret",
      );
    }
    if (v.sensitive && v.targets.includes("development")) {
      add(`${at}.targets`, "includes development, where Vercel refuses sensitive variables", "remove development");
    }
    if (v.sensitive && v.key.startsWith("VITE_")) {
      add(
        `${at}.key`,
        `is ${v.key}: Vite compiles VITE_ variables into the public bundle, so a sensitive one would be published`,
        "give the credential a name without the VITE_ prefix (build time only)",
      );
    }
  });

  if (spec.adopt) {
    if (!/^prj_[A-Za-z0-9]+$/.test(spec.adopt.projectId)) {
      add(
        "adopt.projectId",
        `is ${JSON.stringify(spec.adopt.projectId)}, not a Vercel project ID`,
        "copy the ID (prj_…) from the project's Settings page",
      );
    }
    spec.adopt.domains.forEach((d, i) => {
      if (!spec.domains.includes(d)) {
        add(`adopt.domains.${i}`, `is ${d}, which is not in domains`, "adopt only domains this stack manages");
      }
    });
    const managed = new Set<string>([...RESERVED_VARIABLES, ...spec.variables.map((v) => v.key)]);
    for (const key of Object.keys(spec.adopt.variables)) {
      if (!managed.has(key)) {
        add(`adopt.variables.${key}`, "is not a variable this stack manages", `adopt only ${[...managed].join(", ")}`);
      }
    }
  }
  return problems;
}

/** A record the registrar must hold for the platform to answer at `name`. */
export interface RegistrarRecord {
  readonly name: string;
  readonly type: "A" | "AAAA" | "CNAME";
  readonly ttl: number;
  readonly values: readonly string[];
  /** What serves the name: `vercel` (the frontend) or `gateway` (the cluster's ingress). */
  readonly target: "vercel" | "gateway";
  /** What is still missing before the record can be created, or null when `values` are complete. */
  readonly needs: string | null;
}

/** True when `domain` is a registrable domain (a zone apex, where a CNAME is not allowed). */
export function isApexDomain(domain: string): boolean {
  return getDomain(domain) === domain;
}

/** The registrar's records for the frontend's domains: apex → A to Vercel, subdomain → CNAME. */
export function frontendDnsRecords(domains: readonly string[]): RegistrarRecord[] {
  return domains.map((name) =>
    isApexDomain(name)
      ? { name, type: "A", ttl: 300, values: [VERCEL_APEX_ADDRESS], target: "vercel", needs: null }
      : { name, type: "CNAME", ttl: 300, values: [VERCEL_CNAME_TARGET], target: "vercel", needs: null },
  );
}

/** Import IDs for adopting an existing project (the provider's team is set, so no team prefix). */
export const importIds = {
  project: (projectId: string) => projectId,
  domain: (projectId: string, domain: string) => `${projectId}/${domain}`,
  variable: (projectId: string, variableId: string) => `${projectId}/${variableId}`,
};

/** Child resource names: stable keys (the domain, the variable name), never list positions. */
export function childName(name: string, kind: "domain" | "env", key: string): string {
  return `${name}-${kind}-${key.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
}
