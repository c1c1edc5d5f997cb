import * as pulumi from "@pulumi/pulumi";
import { utils } from "ssh2";

import { failureCode, lambdaClient, type LambdaApi, type LambdaFailure, type LambdaSshKeyJson } from "./client";
import { UNKNOWN } from "./instance-plan";

/**
 * The OpenSSH public key line (`<type> <base64>`) of an OpenSSH or PEM private key, derived with
 * ssh2's key parser. Throws a message that never contains the key. Pure.
 */
export function publicKeyFromPrivate(privateKey: string, passphrase?: string): string {
  const key = utils.parseKey(privateKey, passphrase);
  if (key instanceof Error) {
    throw new Error(
      `the SSH private key could not be parsed (${key.message}); it must be an OpenSSH or PEM private key`,
    );
  }
  if (!key.isPrivateKey()) throw new Error("the SSH private key is a public key; give the private key");
  return `${key.type} ${key.getPublicSSH().toString("base64")}`;
}

/** `<type> <base64>` of a public key line, without its comment. Pure. */
export function publicKeyIdentity(line: string): string {
  return line.trim().split(/\s+/).slice(0, 2).join(" ");
}

export interface LambdaSshKeyArgs {
  /** The API endpoint and key (stored as a secret). */
  readonly api: pulumi.Input<LambdaApi>;
  /** Key name in the account (at most 64 characters), what launches refer to. */
  readonly name: pulumi.Input<string>;
  /** OpenSSH public key line (derive it with `publicKeyFromPrivate`; the private key never leaves the program). */
  readonly publicKey: pulumi.Input<string>;
}

export interface LambdaSshKeyInputs {
  api: LambdaApi;
  name: string;
  publicKey: string;
}

export interface LambdaSshKeyOutputs extends LambdaSshKeyInputs {
  keyId: string;
}

function matching(keys: readonly LambdaSshKeyJson[], name: string): LambdaSshKeyJson | undefined {
  return keys.find((k) => k.name === name);
}

export const lambdaSshKeyProvider: pulumi.dynamic.ResourceProvider<LambdaSshKeyInputs, LambdaSshKeyOutputs> = {
  async check(_olds, news) {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    if ((news.api as unknown) !== UNKNOWN && !news.api?.apiKey) {
      failures.push({
        property: "api",
        reason: `Lambda SSH key ${news.name}: no Lambda Cloud API key; set ${news.api?.apiKeySource ?? "the API key"}`,
      });
    }
    if (!news.name || (news.name !== UNKNOWN && news.name.length > 64)) {
      failures.push({ property: "name", reason: `Lambda SSH key name must be 1 to 64 characters` });
    }
    if (news.publicKey !== UNKNOWN && !/^(ssh-|ecdsa-)\S+ [A-Za-z0-9+/=]+/.test(news.publicKey ?? "")) {
      failures.push({
        property: "publicKey",
        reason: `Lambda SSH key ${news.name}: publicKey is not an OpenSSH public key line`,
      });
    }
    return Promise.resolve({ inputs: news, failures });
  },

  async diff(_id, olds, news) {
    const replaces: string[] = [];
    if (olds.name !== news.name) replaces.push("name");
    if (publicKeyIdentity(olds.publicKey) !== publicKeyIdentity(news.publicKey)) replaces.push("publicKey");
    return Promise.resolve({
      changes: replaces.length > 0 || JSON.stringify(olds.api) !== JSON.stringify(news.api),
      replaces,
      // Names are unique in the account: the same name can only be registered again after the delete.
      deleteBeforeReplace: olds.name === news.name,
    });
  },

  async create(inputs) {
    const what = `Lambda SSH key ${inputs.name}`;
    const lambda = await lambdaClient(inputs.api, what);
    const adopt = (k: LambdaSshKeyJson) => {
      if (publicKeyIdentity(k.public_key) !== publicKeyIdentity(inputs.publicKey)) {
        throw new Error(
          `${what}: the account already has a key with this name and another public key; delete it in the Lambda Cloud dashboard or choose another name`,
        );
      }
      return { id: k.id, outs: { ...inputs, keyId: k.id } };
    };
    const existing = matching(await lambda.listSshKeys(), inputs.name);
    if (existing) return adopt(existing);
    try {
      const k = await lambda.addSshKey(inputs.name, inputs.publicKey);
      return { id: k.id, outs: { ...inputs, keyId: k.id } };
    } catch (err) {
      // No answer: the key may have been added; look before reporting.
      if ((err as { lambda?: LambdaFailure }).lambda?.network === undefined) throw err;
      const added = matching(await lambda.listSshKeys(), inputs.name);
      if (added) return adopt(added);
      throw err;
    }
  },

  async read(id, props) {
    if (!props?.api) throw new Error(`Lambda SSH key ${id}: read needs the state's API connection`);
    const lambda = await lambdaClient(props.api, `Lambda SSH key ${props.name}`);
    const k = (await lambda.listSshKeys()).find((key) => key.id === id);
    if (!k) return { id: undefined as unknown as string, props };
    return { id, props: { ...props, name: k.name, publicKey: k.public_key, keyId: k.id } };
  },

  async update(_id, olds, news) {
    return Promise.resolve({ outs: { ...news, keyId: olds.keyId } });
  },

  async delete(id, props) {
    const lambda = await lambdaClient(props.api, `Lambda SSH key ${props.name}`);
    try {
      await lambda.deleteSshKey(id);
    } catch (err) {
      if (failureCode(err) === "global/object-does-not-exist") return;
      throw err;
    }
  },
};

/**
 * An SSH public key registered in the Lambda Cloud account, which launches name. A key with the same
 * name and public key is adopted; one with another public key is an error.
 * @see https://docs.lambda.ai/api/cloud
 */
export class LambdaSshKey extends pulumi.dynamic.Resource {
  declare public readonly name: pulumi.Output<string>;
  declare public readonly keyId: pulumi.Output<string>;
  declare public readonly publicKey: pulumi.Output<string>;

  constructor(name: string, args: LambdaSshKeyArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      lambdaSshKeyProvider,
      name,
      { api: pulumi.secret(args.api), name: args.name, publicKey: args.publicKey, keyId: undefined },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["api"] }),
      "sophia-lambda",
      "LambdaSshKey",
    );
  }
}
