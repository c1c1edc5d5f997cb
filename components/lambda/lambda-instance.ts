import * as pulumi from "@pulumi/pulumi";

import {
  failureCode,
  lambdaClient,
  lambdaError,
  renderCapacityError,
  type LambdaApi,
  type LambdaCalls,
  type LambdaFailure,
  type LambdaInstanceJson,
} from "./client";
import {
  adoptionMismatch,
  changedLaunchFields,
  checkInstanceSpec,
  findOwnInstance,
  GONE_STATUSES,
  launchRequest,
  waitVerdict,
  UNKNOWN,
  type InstanceSpec,
  type LambdaTag,
} from "./instance-plan";
import { LAMBDA_NODE_CLASSES, type LambdaArch, type LambdaImage } from "./lambda-node";
import { backoffMs, DEFAULT_RETRY } from "./rate-limit";

export interface LambdaInstanceArgs {
  /** The API endpoint and key (stored as a secret). */
  readonly api: pulumi.Input<LambdaApi>;
  /** Instance name (at most 64 characters); a lost launch is found again by it and the owner tag. */
  readonly name: pulumi.Input<string>;
  /** Node class (`gh200`, `a100`, `a6000`, `rtx6000`): checked against the instance type and image. */
  readonly nodeClass: pulumi.Input<string>;
  /** Lambda Cloud instance type, e.g. `gpu_1x_gh200`. @see https://docs.lambda.ai/public-cloud/on-demand/ */
  readonly instanceType: pulumi.Input<string>;
  /** Region name, e.g. `us-east-1`. */
  readonly region: pulumi.Input<string>;
  /** Name of the registered SSH key (a LambdaSshKey's `name`). */
  readonly sshKeyName: pulumi.Input<string>;
  /** Owner tag value. @default "<project>/<stack>" */
  readonly owner?: pulumi.Input<string>;
  /** Machine image. @default the latest Lambda Stack */
  readonly image?: pulumi.Input<LambdaImage>;
  /** Hostname inside the instance. */
  readonly hostname?: pulumi.Input<string>;
  /** cloud-init user data (at most 1 MB). */
  readonly userData?: pulumi.Input<string>;
  /** Extra tags (the owner tag is always added). */
  readonly tags?: pulumi.Input<readonly LambdaTag[]>;
  /** Firewall ruleset ids. */
  readonly firewallRulesetIds?: pulumi.Input<readonly string[]>;
  /** File systems to attach (at most one). */
  readonly fileSystemNames?: pulumi.Input<readonly string[]>;
  /** How long `create` waits for `active`. @default 1200 */
  readonly activeTimeoutSeconds?: pulumi.Input<number>;
}

export interface LambdaInstanceInputs extends InstanceSpec {
  api: LambdaApi;
  activeTimeoutSeconds: number;
}

export interface LambdaInstanceOutputs extends LambdaInstanceInputs {
  instanceId: string;
  ip: string;
  privateIp: string | null;
  status: string;
  arch: LambdaArch;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Progress for the person running `up`; the engine shows it under the resource. */
function progress(message: string): void {
  void pulumi.log.info(message);
}

function outputsOf(inputs: LambdaInstanceInputs, i: LambdaInstanceJson): LambdaInstanceOutputs {
  return {
    ...inputs,
    instanceId: i.id,
    ip: i.ip ?? "",
    privateIp: i.private_ip ?? null,
    status: i.status,
    arch: (LAMBDA_NODE_CLASSES as Record<string, { arch: LambdaArch }>)[inputs.nodeClass]?.arch ?? "amd64",
  };
}

/**
 * The instance this spec stands for: one already launched (a lost launch response, or a create that
 * timed out), else a new launch. Launches that fail without an answer are retried only after looking
 * again, so at most one machine is rented.
 */
async function adoptOrLaunch(lambda: LambdaCalls, inputs: LambdaInstanceInputs, what: string): Promise<string> {
  const retry = { ...DEFAULT_RETRY, ...inputs.api.retry };
  for (let attempt = 1; ; attempt++) {
    const own = findOwnInstance(await lambda.listInstances(), inputs);
    if (own) {
      const mismatch = adoptionMismatch(own, inputs);
      if (mismatch) {
        throw new Error(
          `${what}: instance ${own.id} with this name and owner tag already exists with ${mismatch}; terminate it or change the declaration to match`,
        );
      }
      progress(
        `${what}: found instance ${own.id} (${own.status}) launched earlier; using it instead of launching another`,
      );
      return own.id;
    }
    try {
      const ids = await lambda.launch(launchRequest(inputs));
      if (!ids[0]) throw new Error(`${what}: launch returned no instance id`);
      progress(`${what}: launched instance ${ids[0]} (${inputs.instanceType} in ${inputs.region})`);
      return ids[0];
    } catch (err) {
      const code = failureCode(err);
      if (code === "instance-operations/launch/insufficient-capacity") {
        const types = await lambda.listInstanceTypes().catch(() => undefined);
        const f = (err as { lambda: LambdaFailure }).lambda;
        throw lambdaError(renderCapacityError(what, inputs.instanceType, inputs.region, types), f);
      }
      const f = (err as { lambda?: LambdaFailure }).lambda;
      // No answer, or the API failed on its side: the launch may or may not have happened.
      const uncertain = f?.network !== undefined || (f?.status ?? 0) >= 500 || code?.startsWith("provider/") === true;
      if (!uncertain || attempt >= retry.attempts) throw err;
      progress(`${what}: launch outcome unknown (${(err as Error).message}); looking for the instance before retrying`);
      await sleep(backoffMs(attempt, retry));
    }
  }
}

async function waitFor(
  lambda: LambdaCalls,
  id: string,
  what: string,
  timeoutSeconds: number,
  pollMs: number,
  goal: "active" | "terminated",
): Promise<LambdaInstanceJson | undefined> {
  const started = Date.now();
  let lastReport = started;
  for (;;) {
    const i = await lambda.getInstance(id);
    if (goal === "terminated") {
      if (!i || i.status === "terminated") return i;
    } else {
      const verdict = waitVerdict(i?.status);
      if (verdict === "ready") return i;
      if (verdict === "failed") {
        throw new Error(
          `${what}: instance ${id} became ${i?.status ?? "missing"} while booting; run up again to launch a new one`,
        );
      }
    }
    const elapsed = Math.round((Date.now() - started) / 1000);
    if (elapsed >= timeoutSeconds) {
      throw new Error(
        goal === "active"
          ? `${what}: instance ${id} is still ${i?.status} after ${timeoutSeconds} s; it stays rented: the next up waits for it again (found by name), or terminate it in the Lambda Cloud dashboard`
          : `${what}: instance ${id} is still ${i?.status} after ${timeoutSeconds} s of terminating; check the Lambda Cloud dashboard`,
      );
    }
    if (Date.now() - lastReport >= 30_000) {
      progress(`${what}: ${i?.status ?? "?"} for ${elapsed} s (waiting for ${goal}, up to ${timeoutSeconds} s)`);
      lastReport = Date.now();
    }
    await sleep(pollMs);
  }
}

export const lambdaInstanceProvider: pulumi.dynamic.ResourceProvider<LambdaInstanceInputs, LambdaInstanceOutputs> = {
  // Everything that can be wrong without asking the API fails here, before anything is rented.
  async check(_olds, news) {
    const failures = checkInstanceSpec(news);
    if ((news.api as unknown) !== UNKNOWN && !news.api?.apiKey) {
      failures.push({
        property: "api",
        reason: `Lambda instance ${news.name}: no Lambda Cloud API key; set ${news.api?.apiKeySource ?? "the API key"}`,
      });
    }
    return Promise.resolve({ inputs: { ...news, activeTimeoutSeconds: news.activeTimeoutSeconds ?? 1200 }, failures });
  },

  async diff(_id, olds, news) {
    const replaces = changedLaunchFields(olds, news);
    const other =
      JSON.stringify(olds.api) !== JSON.stringify(news.api) || olds.activeTimeoutSeconds !== news.activeTimeoutSeconds;
    return Promise.resolve({
      changes: replaces.length > 0 || other,
      replaces,
      // The name identifies the instance (and one machine is rented per node): the old one goes first.
      deleteBeforeReplace: true,
    });
  },

  async create(inputs) {
    const what = `Lambda instance ${inputs.name}`;
    const lambda = await lambdaClient(inputs.api, what);
    const id = await adoptOrLaunch(lambda, inputs, what);
    const pollMs = inputs.api.pollIntervalMs ?? 5000;
    const live = await waitFor(lambda, id, what, inputs.activeTimeoutSeconds, pollMs, "active");
    progress(`${what}: active at ${live!.ip}`);
    return { id, outs: outputsOf(inputs, live!) };
  },

  // Refresh: an instance that was terminated or preempted leaves the state, so the next up launches
  // a new one (and everything that depends on it, such as the k3s bootstrap, runs again).
  async read(id, props) {
    if (!props?.api) throw new Error(`Lambda instance ${id}: read needs the state's API connection`);
    const what = `Lambda instance ${props.name}`;
    const lambda = await lambdaClient(props.api, what);
    const i = await lambda.getInstance(id);
    if (!i || GONE_STATUSES.includes(i.status)) {
      void pulumi.log.warn(`${what}: instance ${id} is ${i?.status ?? "gone"}; the next up launches a new one`);
      return { id: undefined as unknown as string, props: props };
    }
    return { id, props: outputsOf(props, i) };
  },

  async update(_id, olds, news) {
    return Promise.resolve({
      outs: { ...olds, ...news, instanceId: olds.instanceId, ip: olds.ip, privateIp: olds.privateIp },
    });
  },

  async delete(id, props) {
    const what = `Lambda instance ${props.name}`;
    const lambda = await lambdaClient(props.api, what);
    try {
      await lambda.terminate([id]);
    } catch (err) {
      const f = (err as { lambda?: LambdaFailure }).lambda;
      if (f?.status !== 404 && failureCode(err) !== "global/object-does-not-exist") throw err;
      return;
    }
    progress(`${what}: terminating instance ${id}`);
    await waitFor(lambda, id, what, 600, props.api.pollIntervalMs ?? 5000, "terminated");
  },
};

/**
 * A Lambda Cloud instance (dynamic provider over our typed client). Launch-time fields replace the
 * instance (the old one is terminated first); `create` waits for `active`; refresh drops a terminated
 * or preempted instance from the state so the next `up` launches a new one.
 * @see https://docs.lambda.ai/api/cloud
 */
export class LambdaInstance extends pulumi.dynamic.Resource {
  declare public readonly instanceId: pulumi.Output<string>;
  /** Public IPv4 address. */
  declare public readonly ip: pulumi.Output<string>;
  declare public readonly privateIp: pulumi.Output<string | null>;
  declare public readonly status: pulumi.Output<string>;
  declare public readonly arch: pulumi.Output<LambdaArch>;
  declare public readonly instanceType: pulumi.Output<string>;
  declare public readonly region: pulumi.Output<string>;

  constructor(name: string, args: LambdaInstanceArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      lambdaInstanceProvider,
      name,
      {
        api: pulumi.secret(args.api),
        name: args.name,
        nodeClass: args.nodeClass,
        instanceType: args.instanceType,
        region: args.region,
        sshKeyName: args.sshKeyName,
        owner: args.owner ?? `${pulumi.getProject()}/${pulumi.getStack()}`,
        image: args.image,
        hostname: args.hostname,
        userData: args.userData,
        tags: args.tags,
        firewallRulesetIds: args.firewallRulesetIds,
        fileSystemNames: args.fileSystemNames,
        activeTimeoutSeconds: args.activeTimeoutSeconds,
        instanceId: undefined,
        ip: undefined,
        privateIp: undefined,
        status: undefined,
        arch: undefined,
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["api"] }),
      "sophia-lambda",
      "LambdaInstance",
    );
  }
}
