// The pinned recipe for every piece of the Pulumi engine (see toolchain/README.md for why each one
// is pinned where it is). Changing anything here changes the cache key of that piece.

/** Bump when the build steps in ensure.mjs change in a way that should invalidate every cache entry. */
export const RECIPE_REVISION = 1;

const sdkVersionFlag = "github.com/pulumi/pulumi/sdk/v3/go/common/version.Version";

export const PIECES = {
  /** Module paths whose pinned pseudo-versions are not in the checksum database (see README). */
  nosumdb: ["github.com/pulumi/pulumi-kubernetes/provider/v4"],

  /** The CLI: must equal the @pulumi/pulumi npm version (ensure.mjs checks). */
  cli: {
    name: "pulumi",
    version: "3.259.0",
    wrapper: "pulumi",
    main: "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi",
    binary: "pulumi",
    ldflags: `-X ${sdkVersionFlag}=v3.259.0`,
  },

  /**
   * The Node.js language host. Since 2023 it is its own Go module, which the module proxy here does
   * not serve at any version; v3.68.0 is the newest sdk/v3 release the proxy serves that still
   * contains it as a package. The CLI falls back for every RPC added since (checked in
   * test/integration/engine.test.ts, which runs real previews and updates through it).
   */
  languageHost: {
    name: "pulumi-language-nodejs",
    version: "3.68.0",
    wrapper: "language-nodejs",
    main: "github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs",
    binary: "pulumi-language-nodejs",
    ldflags: `-X ${sdkVersionFlag}=v3.68.0`,
  },
};

/**
 * Resource plugins, keyed by the npm SDK package whose `pulumi.version` they must equal. A plugin is
 * built only when its npm package is installed (a dependency of the program).
 */
export const PLUGINS = [
  {
    name: "kubernetes",
    npm: "@pulumi/kubernetes",
    // The module proxy serves one commit of provider/v4 near a release: f47bc2d6 (2026-01-15), the
    // day before the v4.25.0 tag. Built and stamped as 4.25.0 to pair with @pulumi/kubernetes 4.25.0.
    version: "4.25.0",
    module: "github.com/pulumi/pulumi-kubernetes/provider/v4",
    moduleVersion: "v4.0.0-20260115033456-f47bc2d6f199",
    moduleSum: "h1:j2bphCf7c2YhnBrhwht2f3TNRRgcMImltUlAgzxr9H4=",
    goModEdits: [
      // Upstream points the SDK at ../sdk (not in the module zip); use the published SDK it names.
      ["-dropreplace", "github.com/pulumi/pulumi-kubernetes/sdk/v4"],
    ],
    generate: [
      // Produces schema-embed.json and terraform-mapping-embed.json (gitignored upstream).
      { dir: "cmd/pulumi-resource-kubernetes", args: ["run", "generate.go"], env: { VERSION: "4.25.0" } },
    ],
    main: "./cmd/pulumi-resource-kubernetes",
    binary: "pulumi-resource-kubernetes",
    ldflags: "-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=4.25.0",
  },
  {
    name: "command",
    npm: "@pulumi/command",
    version: "1.2.1",
    // Commit of v1.2.1. The module proxy here refuses it (provider modules have no tags of their own).
    module: "github.com/pulumi/pulumi-command/provider",
    moduleVersion: "v0.0.0-20260303235922-7f3eb6f3b77c",
    moduleSum: "",
    main: "./cmd/pulumi-resource-command",
    binary: "pulumi-resource-command",
    ldflags: "-X github.com/pulumi/pulumi-command/provider/pkg/version.Version=v1.2.1",
  },
  {
    name: "random",
    npm: "@pulumi/random",
    version: "4.21.1",
    // Commit of v4.21.1. The module proxy here refuses it.
    module: "github.com/pulumi/pulumi-random/provider/v4",
    moduleVersion: "v4.0.0-20260722185042-f2d8b029d0f7",
    moduleSum: "",
    main: "./cmd/pulumi-resource-random",
    binary: "pulumi-resource-random",
    ldflags: "-X github.com/pulumi/pulumi-random/provider/v4/version.Version=4.21.1",
  },
];

/**
 * npm SDK packages of the program whose resource plugin is deliberately NOT built here, each with
 * why. `ensure.mjs` names them and moves on; any other dependency that carries a resource plugin
 * must have a recipe in `PLUGINS` or an entry here, or it fails. Programs run by the tests with the
 * real engine leave out what needs these plugins (test/harness/pulumi.ts says so in its output);
 * a real `pulumi up` installs the plugin the SDK names (README: Frontend).
 */
export const UNBUILT_PLUGINS = [
  {
    name: "vercel",
    npm: "@pulumiverse/vercel",
    reason:
      "the Go module proxy refuses every version of github.com/pulumiverse/pulumi-vercel/provider, and the " +
      "Terraform provider it bridges is served only at a release none of the npm SDKs was generated from " +
      "(toolchain/README.md); the frontend is proven under Pulumi mocks instead",
  },
];

const kubeVersionFlags = ["k8s.io/component-base/version", "k8s.io/client-go/pkg/version"]
  .flatMap((pkg) => [
    `-X ${pkg}.gitVersion=v1.33.13`,
    `-X ${pkg}.gitMajor=1`,
    `-X ${pkg}.gitMinor=33`,
    `-X ${pkg}.gitTreeState=clean`,
    `-X ${pkg}.buildDate=1970-01-01T00:00:00Z`,
  ])
  .join(" ");

/**
 * Local servers and tools, built on request (`ensure.mjs --with <group>[,<group>]`), exported to the env file as `env`.
 * `kube`: a Kubernetes API server at the minor of the pinned k3s (v1.33), and the etcd release that
 * Kubernetes version is built against.
 */
export const SERVERS = {
  /** gitleaks, for the repository's secret scan (test/integration/secret-scan.test.ts). */
  gitleaks: [
    {
      name: "gitleaks",
      version: "8.30.1",
      wrapper: "gitleaks",
      main: "github.com/zricethezav/gitleaks/v8",
      binary: "gitleaks",
      ldflags: "-X github.com/zricethezav/gitleaks/v8/version.Version=v8.30.1",
      env: "SOPHIA_GITLEAKS",
    },
  ],
  /** actionlint, for linting the delivery workflows (test/integration/workflows.test.ts). */
  actionlint: [
    {
      name: "actionlint",
      version: "1.7.11",
      wrapper: "actionlint",
      main: "github.com/rhysd/actionlint/cmd/actionlint",
      binary: "actionlint",
      ldflags: "-X github.com/rhysd/actionlint.version=v1.7.11",
      env: "SOPHIA_ACTIONLINT",
    },
  ],
  /**
   * SeaweedFS, the S3-compatible object store of the disaster-recovery drill
   * (test/integration/dr-drill.test.ts). Upstream tags releases as `4.53`, not semver, so the module
   * proxy serves it only by pseudo-version: this is the commit it resolves `@latest` to (4.53).
   */
  seaweedfs: [
    {
      name: "seaweedfs",
      version: "4.53",
      wrapper: "seaweedfs",
      main: "github.com/seaweedfs/seaweedfs/weed",
      binary: "weed",
      ldflags: "-X github.com/seaweedfs/seaweedfs/weed/util/version.COMMIT=7506e5f9",
      env: "SOPHIA_SEAWEEDFS",
    },
  ],
  /**
   * Helm, for rendering the third-party charts with our values (test/integration/charts-render.test.ts).
   * The upstream Makefile's ldflags: without the Kubernetes version (that of its client-go, v0.36 →
   * 1.36), Helm defaults to Kubernetes v1.20.0 and charts with a `kubeVersion` constraint refuse it.
   */
  helm: [
    {
      name: "helm",
      version: "3.21.4",
      wrapper: "helm",
      main: "helm.sh/helm/v3/cmd/helm",
      binary: "helm",
      ldflags: [
        "-w -s",
        "-X helm.sh/helm/v3/internal/version.version=v3.21.4",
        "-X helm.sh/helm/v3/internal/version.metadata=",
        "-X helm.sh/helm/v3/internal/version.gitTreeState=clean",
        ...["pkg/lint/rules", "pkg/chartutil"].flatMap((pkg) => [
          `-X helm.sh/helm/v3/${pkg}.k8sVersionMajor=1`,
          `-X helm.sh/helm/v3/${pkg}.k8sVersionMinor=36`,
        ]),
      ].join(" "),
      env: "SOPHIA_HELM",
    },
  ],
  /**
   * kubectl at the API server's version, for the cluster rehearsal (test/integration/cluster-rehearsal.test.ts):
   * the node scripts drain, delete and label nodes with it on the test hosts.
   */
  kubectl: [
    {
      name: "kubectl",
      version: "1.33.13",
      wrapper: "kubectl",
      main: "k8s.io/kubernetes/cmd/kubectl",
      binary: "kubectl",
      ldflags: kubeVersionFlags,
      env: "SOPHIA_KUBECTL",
    },
  ],
  /**
   * promtool (Prometheus 3.16.0, Go module v0.316.0), for checking and unit-testing the alert rules
   * (test/integration/alert-rules.test.ts).
   */
  promtool: [
    {
      name: "promtool",
      version: "3.16.0",
      wrapper: "promtool",
      main: "github.com/prometheus/prometheus/cmd/promtool",
      binary: "promtool",
      ldflags: "-X github.com/prometheus/common/version.Version=3.16.0",
      env: "SOPHIA_PROMTOOL",
    },
  ],
  /** Weaviate for the dev stack and the collection tests (reports its version from its embedded API spec). */
  weaviate: [
    {
      name: "weaviate-server",
      version: "1.35.2",
      wrapper: "weaviate",
      main: "github.com/weaviate/weaviate/cmd/weaviate-server",
      binary: "weaviate-server",
      ldflags: "",
      env: "SOPHIA_WEAVIATE",
    },
  ],
  kube: [
    {
      name: "kube-apiserver",
      version: "1.33.13",
      wrapper: "kube-apiserver",
      main: "k8s.io/kubernetes/cmd/kube-apiserver",
      binary: "kube-apiserver",
      // Clients (the Kubernetes provider among them) reject servers that report v0.0.
      ldflags: kubeVersionFlags,
      env: "SOPHIA_KUBE_APISERVER",
    },
    {
      name: "etcd",
      version: "3.5.21",
      wrapper: "etcd",
      main: ".",
      binary: "etcd",
      ldflags: "-X go.etcd.io/etcd/api/v3/version.GitSHA=release-3.5.21",
      env: "SOPHIA_ETCD",
    },
  ],
};

/**
 * Named sets of groups for `--with`. `main` is what `scripts/up.sh` needs (the dev stack's local
 * servers and the manifests the program reads); `test` adds the tools only the tests use, so the
 * main job never builds them.
 */
export const GROUP_SETS = {
  main: ["kube", "weaviate", "manifests"],
  test: ["kube", "weaviate", "manifests", "gitleaks", "actionlint", "seaweedfs", "helm", "kubectl", "promtool"],
};

/**
 * Upstream manifests, fetched through the Go module proxy (checksum-verified: the checksum database,
 * or `sum` for a module missing from it) and copied to `<cache>/manifests/<name>-<version>/`.
 * `files` maps an output name to a path in the module; `dirs` copies every YAML file of a directory;
 * `dropTemplateLines` removes a chart's `{{- if … }}` / `{{- end }}` guard lines around plain YAML.
 * Requested with `--with manifests`.
 */
export const MANIFESTS = [
  {
    // The operator's official install manifest (CRDs, RBAC, webhooks, Deployment): installed as is.
    name: "cloudnative-pg",
    module: "github.com/cloudnative-pg/cloudnative-pg",
    version: "v1.30.0",
    files: { "cnpg.yaml": "releases/cnpg-1.30.0.yaml" },
  },
  // CRD schemas our custom resources are validated against (the charts install the same CRDs).
  {
    name: "cert-manager-crds",
    module: "github.com/cert-manager/cert-manager",
    version: "v1.21.2",
    dirs: ["deploy/crds"],
  },
  { name: "gateway-api-crds", module: "sigs.k8s.io/gateway-api", version: "v1.6.1", dirs: ["config/crd/standard"] },
  {
    name: "envoy-gateway-crds",
    module: "github.com/envoyproxy/gateway",
    version: "v1.9.1",
    dirs: ["charts/gateway-crds-helm/templates/generated"],
    dropTemplateLines: true,
  },
  {
    name: "prometheus-operator-crds",
    module: "github.com/prometheus-operator/prometheus-operator",
    version: "v0.89.0",
    dirs: ["example/prometheus-operator-crd"],
  },
  {
    name: "barman-cloud-crds",
    module: "github.com/cloudnative-pg/plugin-barman-cloud",
    version: "v0.15.0",
    // Not in the checksum database: the module hash is pinned here instead.
    sum: "h1:gNVytrzzYUE08wxLDrjfJqy1FPPSFkMe1OEr4s4pVI0=",
    dirs: ["config/crd/bases"],
  },
];
