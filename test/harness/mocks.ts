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

/**
 * What a server would add to a resource's state (outputs the inputs do not carry), for resources a
 * test needs to answer, e.g. a remote command's `stdout`.
 */
export type MockOutputs = (type: string, name: string, inputs: Record<string, unknown>) => Record<string, unknown>;

/** What k3s writes to `/etc/rancher/k3s/k3s.yaml` (fixture credentials), for the kubeconfig fetch. */
export const FIXTURE_K3S_YAML = [
  "apiVersion: v1",
  "clusters:",
  "- cluster: { certificate-authority-data: Q0E=, server: 'https://127.0.0.1:6443' }",
  "  name: default",
  "contexts: [{ context: { cluster: default, user: default }, name: default }]",
  "current-context: default",
  "kind: Config",
  "users: [{ name: default, user: { client-key-data: S0VZLWZpeHR1cmU= } }]",
].join("\n");

export async function setupMocks(
  stack = "test",
  outputs?: MockOutputs,
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
        return { id: `${args.name}-id`, state: { ...inputs, ...outputs?.(args.type, args.name, inputs) } };
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
