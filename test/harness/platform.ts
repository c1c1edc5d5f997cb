/**
 * The platform-services and applications layers of a stack, registered under Pulumi mocks on a
 * provider with no cluster, each namespace named as itself: what the layers' unit tests inspect.
 */
import * as pulumi from "@pulumi/pulumi";

import type { StackConfig } from "../../stacks/config/load";
import { setupMocks, type Registration } from "./mocks";

const NAMESPACES = [
  "sophia-apps",
  "sophia-mcp",
  "sophia-data",
  "cnpg-system",
  "cert-manager",
  "ingress",
  "gpu-operator",
  "monitoring",
];

/** Every registration of the two layers for `config()` (called once the mocks are set). */
export async function mockedPlatform(config: () => StackConfig): Promise<Registration[]> {
  const mocks = await setupMocks("production");
  // Imported after the mocks are set: the SDK reads them when the modules load.
  const k8s = await import("@pulumi/kubernetes");
  const { platformServices } = await import("../../stacks/platform-services");
  const { applications } = await import("../../stacks/applications");
  const c = config();
  const provider = new k8s.Provider("kubernetes", {});
  const namespaces = Object.fromEntries(NAMESPACES.map((n) => [n, pulumi.output(n)]));
  const services = platformServices(c, provider, namespaces);
  applications(
    c,
    provider,
    namespaces,
    services,
    pulumi.secret({ url: "https://w.example", apiKey: "k", headers: {} }),
  );
  await mocks.settled();
  return mocks.registered;
}
