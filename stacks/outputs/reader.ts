/**
 * A typed reader of `pulumi stack output --json` for other tooling: checks the contract version,
 * validates every output against the contract, and reports secrets read without `--show-secrets`
 * as redacted instead of passing the placeholder on as a value.
 *
 *   const outputs = readStackOutputs(JSON.parse(stdout), { showSecrets: false });
 *   if (outputs.secrets.kubeconfig.redacted) …
 */
import { OUTPUTS_CONTRACT_VERSION, SECRET_OUTPUTS, stackOutputsSchema, type StackOutputs } from "./contract";

/** What the CLI prints for a secret output without `--show-secrets`. */
export const REDACTED_PLACEHOLDER = "[secret]";

type SecretName = (typeof SECRET_OUTPUTS)[number];
export type SecretValue<T> = { readonly redacted: true } | { readonly redacted: false; readonly value: T };

export interface ReadOutputs {
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
  if (version !== OUTPUTS_CONTRACT_VERSION) {
    throw new StackOutputsError(
      version === undefined
        ? `stack outputs carry no contractVersion; this reader reads contract version ${OUTPUTS_CONTRACT_VERSION} (is this a sophia-infra stack?)`
        : `stack outputs use contract version ${JSON.stringify(version)}; this reader reads version ${OUTPUTS_CONTRACT_VERSION}: update the reader or read an up-to-date stack`,
    );
  }
  const redacted = new Set<string>();
  const candidate: Record<string, unknown> = { ...raw };
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
    values,
    secrets: { kubeconfig: redacted.has("kubeconfig") ? { redacted: true } : { redacted: false, value: kubeconfig } },
  };
}
