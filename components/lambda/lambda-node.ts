/**
 * Facts about Lambda Cloud machines that can be checked before any request: the node classes with
 * their instance types, CPU architecture and hourly rate, the regions, and the rules a launch must
 * follow. Pure; the stack's config schema and the dynamic providers both use these.
 */

/** CPU architecture of a node (Kubernetes' `kubernetes.io/arch` values). */
export type LambdaArch = "amd64" | "arm64";

export interface LambdaNodeClassFacts {
  /** Lambda Cloud instance types of this class; the first is the default. */
  readonly instanceTypes: readonly [string, ...string[]];
  readonly arch: LambdaArch;
  /** The plan's hourly rate in USD (the cost estimate uses it). */
  readonly hourlyRate: number;
  readonly gpuMemoryGib: number;
}

/** The spec's GPU node classes. GH200 (Grace Hopper) is the only arm64 one. */
export const LAMBDA_NODE_CLASSES = {
  gh200: { instanceTypes: ["gpu_1x_gh200"], arch: "arm64", hourlyRate: 1.85, gpuMemoryGib: 96 },
  a100: { instanceTypes: ["gpu_1x_a100", "gpu_1x_a100_sxm4"], arch: "amd64", hourlyRate: 1.1, gpuMemoryGib: 40 },
  a6000: { instanceTypes: ["gpu_1x_a6000"], arch: "amd64", hourlyRate: 0.65, gpuMemoryGib: 48 },
  rtx6000: { instanceTypes: ["gpu_1x_rtx6000"], arch: "amd64", hourlyRate: 0.8, gpuMemoryGib: 24 },
} as const satisfies Record<string, LambdaNodeClassFacts>;

export type LambdaNodeClass = keyof typeof LAMBDA_NODE_CLASSES;
export const LAMBDA_NODE_CLASS_NAMES = Object.keys(LAMBDA_NODE_CLASSES) as LambdaNodeClass[];

/**
 * Lambda Cloud region names known to this code. A region Lambda adds later is refused until it is
 * added here: a typo must fail before anything is rented, not after a round trip.
 * @see https://docs.lambda.ai/public-cloud/on-demand/
 */
export const LAMBDA_REGIONS = [
  "us-east-1",
  "us-east-2",
  "us-east-3",
  "us-west-1",
  "us-west-2",
  "us-west-3",
  "us-south-1",
  "us-south-2",
  "us-south-3",
  "us-midwest-1",
  "europe-central-1",
  "asia-south-1",
  "asia-northeast-1",
  "asia-northeast-2",
  "me-west-1",
] as const;

/** A machine image: by id, or the latest image of a family. Absent: the latest Lambda Stack. */
export type LambdaImage = { readonly id: string } | { readonly family: string };

/** Cloud-init user data limit of the launch API. */
export const USER_DATA_MAX_BYTES = 1024 * 1024;
/** Instance name limit of the launch API. */
export const INSTANCE_NAME_MAX = 64;

/** The instance type a node of this class launches as unless one is given. */
export function defaultInstanceType(cls: LambdaNodeClass): string {
  return LAMBDA_NODE_CLASSES[cls].instanceTypes[0];
}

/**
 * The architecture an image family is built for, when its name says so (`…-arm64`, `…-x86_64`);
 * undefined for families that serve both (Lambda Stack picks the build matching the instance type).
 */
export function imageFamilyArch(family: string): LambdaArch | undefined {
  if (/(^|[-_.])(arm64|aarch64)($|[-_.])/i.test(family)) return "arm64";
  if (/(^|[-_.])(x86[-_]?64|amd64)($|[-_.])/i.test(family)) return "amd64";
  return undefined;
}

/** What a Lambda machine needs, as checked before any request. */
export interface LambdaMachineSpec {
  readonly nodeClass: string;
  readonly region: string;
  readonly instanceType?: string;
  readonly image?: LambdaImage;
  readonly name?: string;
  readonly userData?: string;
}

/** One problem with a machine: the field, what is wrong, and the fix. */
export interface LambdaProblem {
  readonly field: "nodeClass" | "region" | "instanceType" | "image" | "name" | "userData";
  readonly message: string;
  readonly fix: string;
}

/** Every problem with a machine spec, before any request. Pure. */
export function validateLambdaMachine(m: LambdaMachineSpec): LambdaProblem[] {
  const problems: LambdaProblem[] = [];
  const facts = (LAMBDA_NODE_CLASSES as Record<string, LambdaNodeClassFacts>)[m.nodeClass];
  if (!facts) {
    problems.push({
      field: "nodeClass",
      message: `unknown node class "${m.nodeClass}"`,
      fix: `use one of ${LAMBDA_NODE_CLASS_NAMES.join(", ")}`,
    });
  }
  if (!(LAMBDA_REGIONS as readonly string[]).includes(m.region)) {
    problems.push({
      field: "region",
      message: `unknown Lambda Cloud region "${m.region}"`,
      fix: `use one of ${LAMBDA_REGIONS.join(", ")} (a new region goes into LAMBDA_REGIONS in components/lambda/lambda-node.ts)`,
    });
  }
  if (facts && m.instanceType !== undefined && !facts.instanceTypes.includes(m.instanceType)) {
    const owner = LAMBDA_NODE_CLASS_NAMES.find((c) =>
      (LAMBDA_NODE_CLASSES[c].instanceTypes as readonly string[]).includes(m.instanceType!),
    );
    problems.push({
      field: "instanceType",
      message: owner
        ? `"${m.instanceType}" is a ${owner} instance type, not ${m.nodeClass}`
        : `unknown instance type "${m.instanceType}" for class ${m.nodeClass}`,
      fix: `use ${facts.instanceTypes.map((t) => `"${t}"`).join(" or ")}, or leave it out for the class default`,
    });
  }
  if (facts && m.image && "family" in m.image) {
    const arch = imageFamilyArch(m.image.family);
    if (arch && arch !== facts.arch) {
      problems.push({
        field: "image",
        message: `image family "${m.image.family}" is built for ${arch}, but a ${m.nodeClass} node is ${facts.arch}`,
        fix: `use a ${facts.arch} (or multi-architecture) image family, or leave image out for the latest Lambda Stack`,
      });
    }
  }
  if (m.name !== undefined && (m.name.length === 0 || m.name.length > INSTANCE_NAME_MAX)) {
    problems.push({
      field: "name",
      message: `instance name "${m.name}" must be 1 to ${INSTANCE_NAME_MAX} characters`,
      fix: "use a shorter node name",
    });
  }
  if (m.userData !== undefined && Buffer.byteLength(m.userData, "utf8") > USER_DATA_MAX_BYTES) {
    problems.push({
      field: "userData",
      message: `user data is ${Buffer.byteLength(m.userData, "utf8")} bytes, over the 1 MB limit`,
      fix: "ship large files another way (e.g. a remote copy after boot)",
    });
  }
  return problems;
}

/** The architecture of a node class (GH200: arm64). */
export function nodeClassArch(cls: LambdaNodeClass): LambdaArch {
  return LAMBDA_NODE_CLASSES[cls].arch;
}
