/**
 * Pulumi mocks for unit tests: every registration is recorded, every invoke throws (a component that
 * calls the cloud in a unit test is a bug), and `settled()` waits until registrations stop.
 */
import * as pulumi from "@pulumi/pulumi";

export interface Registration {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
  /** The `import` ID, when the resource is adopted rather than created. */
  readonly importId?: string;
  /** The provider reference (`<urn>::<id>`), when an explicit provider is given. */
  readonly provider?: string;
}

export async function setupMocks(
  stack = "test",
): Promise<{ registered: Registration[]; settled: () => Promise<void> }> {
  const registered: Registration[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        const inputs = args.inputs as Record<string, unknown>;
        registered.push({
          type: args.type,
          name: args.name,
          inputs,
          ...(args.id ? { importId: args.id } : {}),
          ...(args.provider ? { provider: args.provider } : {}),
        });
        return { id: `${args.name}-id`, state: inputs };
      },
      call: (args) => {
        throw new Error(`unmocked invoke ${args.token}`);
      },
    },
    "sophia-infra",
    stack,
    false,
  );
  const settled = async () => {
    let last = -1;
    let stable = 0;
    for (let i = 0; i < 200 && stable < 5; i++) {
      await new Promise((r) => setTimeout(r, 5));
      stable = registered.length === last ? stable + 1 : 0;
      last = registered.length;
    }
  };
  return { registered, settled };
}
