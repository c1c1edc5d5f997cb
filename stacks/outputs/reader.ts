/**
 * A typed reader of `pulumi stack output --json` for other tooling: checks the contract version,
 * validates every output against the contract, and reports secrets read without `--show-secrets`
 * as redacted instead of passing the placeholder on as a value.
 *
 *   const outputs = readStackOutputs(JSON.parse(stdout), { showSecrets: false });
 *   if (outputs.secrets.kubeconfig.redacted) …
 *
 * Outputs of contract version 1 (written before the frontend existed) are read as the current
 * version: their DNS records were the gateway's, and they had no frontend.
 */
import {
  GATEWAY_ADDRESSES_NEEDED,
  OUTPUTS_CONTRACT_VERSION,
  SECRET_OUTPUTS,
  stackOutputsSchema,
  type StackOutputs,
} from "./contract";

/** What the CLI prints for a secret output without `--show-secrets`. */
export const REDACTED_PLACEHOLDER = "[secret]";

type SecretName = (typeof SECRET_OUTPUTS)[number];
export type SecretValue<T> = { readonly redacted: true } | { readonly redacted: false; readonly value: T };

export interface ReadOutputs {
  /** The contract version the stack wrote (older versions are upgraded to the current shape). */
  readonly version: number;
  /** Every non-secret output, validated. */
  readonly values: Omit<StackOutputs, SecretName>;
  /** Secret outputs: their value with `--show-secrets`, otherwise marked redacted. */
  readonly secrets: { readonly [K in SecretName]: SecretValue<StackOutputs[K]> };
}

export class StackOutputsError extends Error {
  override readonly name = "StackOutputsError";
}

export function readStackOutputs(json: unknown, opts: { showSecrets: boolean }): ReadOutputs {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new StackOutputsError("stack outputs: expected the JSON object `pulumi stack output --json` prints");
  }
  const raw = json as Record<string, unknown>;
  const version = raw["contractVersion"];
  if (version !== OUTPUTS_CONTRACT_VERSION && version !== 1) {
    throw new StackOutputsError(
      version === undefined
        ? `stack outputs carry no contractVersion; this reader reads contract version ${OUTPUTS_CONTRACT_VERSION} (is this a sophia-infra stack?)`
        : `stack outputs use contract version ${JSON.stringify(version)}; this reader reads versions 1 and ${OUTPUTS_CONTRACT_VERSION}: update the reader or read an up-to-date stack`,
    );
  }
  const redacted = new Set<string>();
  const candidate: Record<string, unknown> = version === 1 ? fromVersion1(raw) : { ...raw };
  for (const key of SECRET_OUTPUTS) {
    if (raw[key] === REDACTED_PLACEHOLDER) {
      if (opts.showSecrets) {
        throw new StackOutputsError(`stack output ${key} is redacted although --show-secrets was expected`);
      }
      redacted.add(key);
      candidate[key] = null; // validated as absent
    }
  }
  const parsed = stackOutputsSchema.safeParse(candidate);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new StackOutputsError(
      `stack outputs do not match contract version ${OUTPUTS_CONTRACT_VERSION}:\n  ${problems.join("\n  ")}`,
    );
  }
  const { kubeconfig, ...values } = parsed.data;
  return {
    version,
    values,
    secrets: { kubeconfig: redacted.has("kubeconfig") ? { redacted: true } : { redacted: false, value: kubeconfig } },
  };
}

/** Version 1 outputs in the current shape: gateway records gain `target` and `needs`; no frontend. */
function fromVersion1(raw: Record<string, unknown>): Record<string, unknown> {
  const records = raw["dnsRecords"];
  return {
    ...raw,
    contractVersion: OUTPUTS_CONTRACT_VERSION,
    dnsRecords: Array.isArray(records)
      ? records.map((r: unknown) => {
          if (typeof r !== "object" || r === null) return r;
          const values = (r as { values?: unknown }).values;
          const complete = Array.isArray(values) && values.length > 0;
          return { ...r, target: "gateway", needs: complete ? null : GATEWAY_ADDRESSES_NEEDED };
        })
      : records,
    frontendUrls: [],
  };
}
