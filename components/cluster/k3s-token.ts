/**
 * A generated k3s join token: random bytes from node's crypto, created once and kept in state as a
 * secret, so it is stable across runs (the server token encrypts the datastore's bootstrap data and
 * cannot change later). A dynamic resource because `@pulumi/random`'s plugin cannot be built here.
 * @see https://docs.k3s.io/cli/token
 */
import * as pulumi from "@pulumi/pulumi";

/** Bytes of randomness per token (hex-encoded: twice as many characters). */
export const DEFAULT_TOKEN_BYTES = 32;

interface TokenInputs {
  bytes: number;
}
interface TokenOutputs extends TokenInputs {
  value: string;
}

/** Problems with a token's inputs (empty when valid). Pure. */
export function validateTokenInputs(bytes: unknown): string[] {
  if (typeof bytes !== "number" || !Number.isInteger(bytes) || bytes < 16 || bytes > 128) {
    return ["bytes must be an integer from 16 to 128"];
  }
  return [];
}

const provider: pulumi.dynamic.ResourceProvider<TokenInputs, TokenOutputs> = {
  // eslint-disable-next-line @typescript-eslint/require-await
  async check(_olds, news) {
    return {
      inputs: news,
      failures: validateTokenInputs(news.bytes).map((reason) => ({ property: "bytes", reason })),
    };
  },
  async create(inputs) {
    // Loaded here: the provider's closure is serialized into state.
    const { randomBytes, randomUUID } = await import("node:crypto");
    return { id: randomUUID(), outs: { bytes: inputs.bytes, value: randomBytes(inputs.bytes).toString("hex") } };
  },
  // eslint-disable-next-line @typescript-eslint/require-await
  async diff(_id, olds, news) {
    const changed = olds.bytes !== news.bytes;
    // Only a different length makes a new token; nothing else can change it.
    return { changes: changed, replaces: changed ? ["bytes"] : [], deleteBeforeReplace: false };
  },
  // eslint-disable-next-line @typescript-eslint/require-await
  async read(id, props) {
    return { id, props };
  },
};

export interface K3sTokenArgs {
  /** Random bytes. @default DEFAULT_TOKEN_BYTES */
  readonly bytes?: number;
}

export class K3sToken extends pulumi.dynamic.Resource {
  /** The token (secret). */
  declare public readonly value: pulumi.Output<string>;

  constructor(name: string, args: K3sTokenArgs = {}, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      { bytes: args.bytes ?? DEFAULT_TOKEN_BYTES, value: undefined },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["value"] }),
      "sophia-cluster",
      "K3sToken",
    );
  }
}
