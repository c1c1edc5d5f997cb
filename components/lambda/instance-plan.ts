/**
 * The pure decisions behind LambdaInstance: what a launch sends, which live instance is ours, what a
 * change replaces, what a status means. No I/O; tested without mocks.
 */
import type { LambdaInstanceJson, LambdaLaunchRequest } from "./client";
import { validateLambdaMachine, type LambdaImage, type LambdaProblem } from "./lambda-node";

/** A tag on an instance (Lambda Cloud 1.10.0). */
export interface LambdaTag {
  readonly key: string;
  readonly value: string;
}

/** The tag key that marks an instance as this program's (its value: `<project>/<stack>`). */
export const OWNER_TAG = "sophia-infra-stack";

/** What a LambdaInstance declares (everything but the API connection). */
export interface InstanceSpec {
  /** Instance name, also how a lost launch is found again. */
  readonly name: string;
  readonly nodeClass: string;
  readonly instanceType: string;
  readonly region: string;
  readonly sshKeyName: string;
  /** `<project>/<stack>`: the owner tag's value. */
  readonly owner: string;
  readonly image?: LambdaImage;
  readonly hostname?: string;
  readonly userData?: string;
  readonly tags?: readonly LambdaTag[];
  readonly firewallRulesetIds?: readonly string[];
  readonly fileSystemNames?: readonly string[];
}

/** The launch request for a spec: exactly one instance, our owner tag first. Pure. */
export function launchRequest(s: InstanceSpec): LambdaLaunchRequest {
  const tags = [{ key: OWNER_TAG, value: s.owner }, ...(s.tags ?? []).filter((t) => t.key !== OWNER_TAG)];
  return {
    region_name: s.region,
    instance_type_name: s.instanceType,
    ssh_key_names: [s.sshKeyName],
    quantity: 1,
    name: s.name,
    tags,
    ...(s.fileSystemNames?.length ? { file_system_names: [...s.fileSystemNames] } : {}),
    ...(s.hostname ? { hostname: s.hostname } : {}),
    ...(s.image ? { image: { ...s.image } } : {}),
    ...(s.userData ? { user_data: s.userData } : {}),
    ...(s.firewallRulesetIds?.length ? { firewall_rulesets: s.firewallRulesetIds.map((id) => ({ id })) } : {}),
  };
}

/**
 * Statuses of an instance that is gone or going: never adopted, replaced after refresh. (An array,
 * not a Set: the providers' closures are serialized, and a captured Set does not survive that.)
 */
export const GONE_STATUSES: readonly string[] = ["terminating", "terminated", "preempted"];

/**
 * The live instance this spec already launched, if any: same name, our owner tag, not gone. This is
 * how a launch whose response was lost is found instead of renting a second machine. Pure.
 */
export function findOwnInstance(live: readonly LambdaInstanceJson[], s: InstanceSpec): LambdaInstanceJson | undefined {
  return live.find(
    (i) =>
      i.name === s.name &&
      !GONE_STATUSES.includes(i.status) &&
      (i.tags ?? []).some((t) => t.key === OWNER_TAG && t.value === s.owner),
  );
}

/**
 * Why an instance found by name cannot be adopted (another type or region than declared), or
 * undefined when it matches. Pure.
 */
export function adoptionMismatch(i: LambdaInstanceJson, s: InstanceSpec): string | undefined {
  const diffs: string[] = [];
  if (i.instance_type && i.instance_type.name !== s.instanceType) {
    diffs.push(`instance type ${i.instance_type.name} (declared ${s.instanceType})`);
  }
  if (i.region && i.region.name !== s.region) diffs.push(`region ${i.region.name} (declared ${s.region})`);
  return diffs.length ? diffs.join(", ") : undefined;
}

/** Input fields that only take effect at launch: changing one replaces the instance. */
export const REPLACE_KEYS = [
  "name",
  "nodeClass",
  "instanceType",
  "region",
  "sshKeyName",
  "owner",
  "image",
  "hostname",
  "userData",
  "tags",
  "firewallRulesetIds",
  "fileSystemNames",
] as const satisfies readonly (keyof InstanceSpec)[];

/** The launch fields that differ between two specs (what `diff` replaces on). Pure. */
export function changedLaunchFields(olds: Partial<InstanceSpec>, news: Partial<InstanceSpec>): string[] {
  const norm = (v: unknown) => JSON.stringify(v ?? null);
  return REPLACE_KEYS.filter((k) => norm(olds[k]) !== norm(news[k]));
}

/** What a status means while waiting for `active`. Pure. */
export function waitVerdict(status: string | undefined): "ready" | "wait" | "failed" {
  if (status === "active") return "ready";
  if (status === undefined || GONE_STATUSES.includes(status)) return "failed";
  // booting, and unhealthy (which a booting instance passes through), are waited out until the timeout.
  return "wait";
}

/** The Pulumi dynamic-provider placeholder for a value not known during preview. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

const known = (v: unknown) => v !== UNKNOWN;

/** Check failures for a spec, before any request: each with the input it concerns. Pure. */
export function checkInstanceSpec(s: Partial<InstanceSpec>): { property: string; reason: string }[] {
  const failures: { property: string; reason: string }[] = [];
  for (const k of ["name", "nodeClass", "instanceType", "region", "sshKeyName", "owner"] as const) {
    if (s[k] === undefined || s[k] === "") failures.push({ property: k, reason: `${k} is required` });
  }
  if (failures.length) return failures;
  const problems: LambdaProblem[] = validateLambdaMachine({
    nodeClass: s.nodeClass!,
    region: known(s.region) ? s.region! : "us-east-1",
    ...(known(s.instanceType) ? { instanceType: s.instanceType } : {}),
    ...(s.image && known(s.image) ? { image: s.image } : {}),
    ...(known(s.name) ? { name: s.name } : {}),
    ...(s.userData !== undefined && known(s.userData) ? { userData: s.userData } : {}),
  });
  const what = known(s.name) ? `Lambda instance ${s.name}` : "Lambda instance";
  for (const p of problems) {
    failures.push({ property: p.field, reason: `${what}: ${p.message}; fix: ${p.fix}` });
  }
  return failures;
}
