import * as pulumi from "@pulumi/pulumi";

import type { LambdaApi } from "./client";
import type { LambdaTag } from "./instance-plan";
import { LambdaInstance } from "./lambda-instance";
import {
  defaultInstanceType,
  nodeClassArch,
  type LambdaArch,
  type LambdaImage,
  type LambdaNodeClass,
} from "./lambda-node";
import { LambdaSshKey, publicKeyFromPrivate } from "./lambda-ssh-key";

/** One machine to rent. */
export interface LambdaNodeArgs {
  /** Node name: the instance name and the stable key of its child resource. */
  readonly name: string;
  readonly nodeClass: LambdaNodeClass;
  /** Region name. @see LAMBDA_REGIONS */
  readonly region: string;
  /** @default the class's default type (e.g. `gpu_1x_gh200`) */
  readonly instanceType?: string;
  /** @default the latest Lambda Stack */
  readonly image?: LambdaImage;
  readonly userData?: pulumi.Input<string>;
  readonly tags?: readonly LambdaTag[];
  readonly firewallRulesetIds?: readonly string[];
}

export interface LambdaNodesArgs {
  /** The API endpoint and key (secret). */
  readonly api: pulumi.Input<LambdaApi>;
  /** The nodes' SSH private key (secret); only its public half is registered. */
  readonly sshPrivateKey: pulumi.Input<string>;
  /** Name of the SSH key in the account. @default "<project>-<stack>" */
  readonly sshKeyName?: string;
  readonly nodes: readonly LambdaNodeArgs[];
  /** How long each launch may take to become active. @default 1200 */
  readonly activeTimeoutSeconds?: number;
}

/** What the k3s layer needs of a launched node. */
export interface LambdaNodeAddress {
  readonly address: pulumi.Output<string>;
  readonly privateAddress: pulumi.Output<string | null>;
  readonly arch: LambdaArch;
  readonly instanceId: pulumi.Output<string>;
}

/**
 * The Lambda Cloud machines of a stack: the stack's SSH key registered once, and one instance per
 * node, each launched with that key. Exposes each node's address and architecture.
 */
export class LambdaNodes extends pulumi.ComponentResource {
  public readonly sshKey: LambdaSshKey;
  public readonly instances: Readonly<Record<string, LambdaInstance>>;
  public readonly nodes: Readonly<Record<string, LambdaNodeAddress>>;

  constructor(name: string, args: LambdaNodesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sophia:lambda:LambdaNodes", name, {}, opts);
    const publicKey = pulumi.output(args.sshPrivateKey).apply((k) => publicKeyFromPrivate(k));
    this.sshKey = new LambdaSshKey(
      `${name}-ssh-key`,
      {
        api: args.api,
        name: args.sshKeyName ?? `${pulumi.getProject()}-${pulumi.getStack()}`,
        // The public half is not a secret; unwrapping keeps it readable in the plan.
        publicKey: pulumi.unsecret(publicKey),
      },
      { parent: this },
    );
    const instances: Record<string, LambdaInstance> = {};
    const nodes: Record<string, LambdaNodeAddress> = {};
    for (const n of args.nodes) {
      const instance = new LambdaInstance(
        `${name}-${n.name}`,
        {
          api: args.api,
          name: n.name,
          nodeClass: n.nodeClass,
          instanceType: n.instanceType ?? defaultInstanceType(n.nodeClass),
          region: n.region,
          sshKeyName: this.sshKey.name,
          ...(n.image ? { image: n.image } : {}),
          ...(n.userData !== undefined ? { userData: n.userData } : {}),
          ...(n.tags ? { tags: n.tags } : {}),
          ...(n.firewallRulesetIds ? { firewallRulesetIds: n.firewallRulesetIds } : {}),
          ...(args.activeTimeoutSeconds !== undefined ? { activeTimeoutSeconds: args.activeTimeoutSeconds } : {}),
        },
        // Instances are billed by the hour: a replacement terminates the old one first.
        { parent: this, deleteBeforeReplace: true },
      );
      instances[n.name] = instance;
      nodes[n.name] = {
        address: instance.ip,
        privateAddress: instance.privateIp,
        arch: nodeClassArch(n.nodeClass),
        instanceId: instance.instanceId,
      };
    }
    this.instances = instances;
    this.nodes = nodes;
    this.registerOutputs({ sshKeyName: this.sshKey.name });
  }
}
