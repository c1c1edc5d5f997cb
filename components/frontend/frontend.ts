import * as pulumi from "@pulumi/pulumi";
import * as vercel from "@pulumiverse/vercel";

import {
  childName,
  frontendDnsRecords,
  importIds,
  type FrontendSpec,
  type RegistrarRecord,
  type VercelTarget,
} from "./frontend-spec";

/** An environment variable of the project. */
export interface FrontendVariable {
  readonly key: string;
  /** A credential must be a Pulumi secret and `sensitive`. */
  readonly value: pulumi.Input<string>;
  /**
   * Vercel stores it write-only (never shown again); required for a credential.
   * @see https://vercel.com/docs/environment-variables/sensitive-environment-variables
   */
  readonly sensitive: boolean;
  /** Deployment environments it is present on. */
  readonly targets: readonly VercelTarget[];
}

export interface FrontendArgs {
  /** `VITE_ENVIRONMENT` of every deployment (`production`, `staging`). */
  readonly environment: string;
  /** `VITE_API_URL`: the backend API's public URL, as the stack's `endpoints.api` output has it. */
  readonly apiUrl: pulumi.Input<string>;
  /**
   * Vercel API token (a secret) for the explicit provider.
   * @see https://vercel.com/docs/rest-api#creating-an-access-token
   */
  readonly apiToken: pulumi.Input<string>;
  /** Team slug or ID the project belongs to (a secret). */
  readonly team: pulumi.Input<string>;
  /** Vercel project name. */
  readonly projectName: string;
  /** GitHub repository (`owner/name`) linked to the project: pushes deploy, pull requests get previews. */
  readonly gitRepository: string;
  /** Branch whose pushes deploy to production. @default "main" */
  readonly productionBranch?: string;
  /** The app's directory in the repository. @default "frontend" */
  readonly rootDirectory?: string;
  /**
   * Framework preset. @default "vite"
   * @see https://vercel.com/docs/frameworks/vite
   */
  readonly framework?: string;
  /** @default "npm run build" */
  readonly buildCommand?: string;
  /** @default "npm ci" */
  readonly installCommand?: string;
  /** Build output, relative to `rootDirectory`. @default "dist" */
  readonly outputDirectory?: string;
  /** Node.js major for builds. @default "22.x" */
  readonly nodeVersion?: string;
  /** Custom domains of the project (validated by `validateFrontend`). */
  readonly domains: readonly string[];
  /** More variables besides `VITE_API_URL` and `VITE_ENVIRONMENT`. @default [] */
  readonly variables?: readonly FrontendVariable[];
  /**
   * Take over an existing project (and its listed domains and variables) with the `import` resource
   * option, so the first update adopts it instead of creating a duplicate. @default none
   * @see https://www.pulumi.com/docs/iac/concepts/options/import/
   */
  readonly adopt?: FrontendSpec["adopt"];
}

/** Targets of the variables the program sets: production and pull-request previews. */
const DEPLOYED: readonly VercelTarget[] = ["production", "preview"];

/**
 * The React + Vite frontend on Vercel: a project linked to the product repository (previews for pull
 * requests), its custom domains and its environment variables, through an explicit Vercel provider.
 * @see https://www.pulumi.com/registry/packages/vercel/
 */
export class Frontend extends pulumi.ComponentResource {
  /** The Vercel project's ID. */
  public readonly projectId: pulumi.Output<string>;
  /** `https://<domain>` for each custom domain. */
  public readonly urls: string[];
  /** The records the registrar needs for the custom domains. */
  public readonly dnsRecords: RegistrarRecord[];

  constructor(name: string, args: FrontendArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sophia:frontend:Frontend", name, {}, opts);
    const adopt = args.adopt;
    const provider = new vercel.Provider(
      `${name}-vercel`,
      { apiToken: pulumi.secret(args.apiToken), team: pulumi.secret(args.team) },
      { parent: this },
    );
    const child = { parent: this, provider };

    const project = new vercel.Project(
      `${name}-project`,
      {
        name: args.projectName,
        framework: args.framework ?? "vite",
        rootDirectory: args.rootDirectory ?? "frontend",
        buildCommand: args.buildCommand ?? "npm run build",
        installCommand: args.installCommand ?? "npm ci",
        outputDirectory: args.outputDirectory ?? "dist",
        nodeVersion: args.nodeVersion ?? "22.x",
        gitRepository: { type: "github", repo: args.gitRepository, productionBranch: args.productionBranch ?? "main" },
        previewDeploymentsDisabled: false,
      },
      { ...child, ...(adopt ? { import: importIds.project(adopt.projectId) } : {}) },
    );
    this.projectId = project.id;

    for (const domain of args.domains) {
      new vercel.ProjectDomain(
        childName(name, "domain", domain),
        { projectId: project.id, domain },
        {
          ...child,
          ...(adopt?.domains.includes(domain) ? { import: importIds.domain(adopt.projectId, domain) } : {}),
        },
      );
    }

    const variables: FrontendVariable[] = [
      { key: "VITE_API_URL", value: args.apiUrl, sensitive: false, targets: DEPLOYED },
      { key: "VITE_ENVIRONMENT", value: args.environment, sensitive: false, targets: DEPLOYED },
      ...(args.variables ?? []),
    ];
    for (const v of variables) {
      const variableId = adopt?.variables[v.key];
      new vercel.ProjectEnvironmentVariable(
        childName(name, "env", v.key),
        {
          projectId: project.id,
          key: v.key,
          value: v.sensitive ? pulumi.secret(v.value) : v.value,
          sensitive: v.sensitive,
          targets: [...v.targets],
          comment: "managed by sophia-infra",
        },
        {
          ...child,
          // Vercel refuses a second variable with the same key and target (ENV_ALREADY_EXISTS), so a
          // replacement must delete the old one first.
          deleteBeforeReplace: true,
          ...(adopt && variableId ? { import: importIds.variable(adopt.projectId, variableId) } : {}),
        },
      );
    }

    this.urls = args.domains.map((d) => `https://${d}`);
    this.dnsRecords = frontendDnsRecords(args.domains);
    this.registerOutputs({ projectId: this.projectId, urls: this.urls });
  }
}
