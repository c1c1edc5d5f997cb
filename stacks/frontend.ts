/**
 * The frontend layer (spec section 9): the Vercel project for the product's `frontend/` app, wired to
 * the stack's API endpoint and its Vercel credentials.
 */
import type * as pulumi from "@pulumi/pulumi";

import { Frontend } from "../components/frontend";
import type { StackConfig } from "./config/stack-config";

/** The frontend for these settings, or undefined when `frontend.mode` is skip. */
export function frontendLayer(
  config: StackConfig,
  apiUrl: string,
  opts?: pulumi.ComponentResourceOptions,
): Frontend | undefined {
  const s = config.settings;
  if (s.frontend.mode !== "vercel") return undefined;
  const f = s.frontend;
  return new Frontend(
    "frontend",
    {
      environment: s.environment,
      apiUrl,
      apiToken: config.requireSecret("vercelApiToken"),
      team: config.requireSecret("vercelTeam"),
      projectName: f.projectName,
      gitRepository: f.gitRepository,
      productionBranch: f.productionBranch,
      rootDirectory: f.rootDirectory,
      buildCommand: f.buildCommand,
      installCommand: f.installCommand,
      outputDirectory: f.outputDirectory,
      nodeVersion: f.nodeVersion,
      domains: f.domains,
      // Config values are plaintext, so none is a credential (the config rules refuse one).
      variables: f.variables.map((v) => ({ key: v.key, value: v.value, sensitive: false, targets: v.targets })),
      ...(f.adopt ? { adopt: f.adopt } : {}),
    },
    opts,
  );
}
