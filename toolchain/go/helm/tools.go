//go:build tools

// Pins Helm, for rendering the third-party charts with our values in the tests
// (test/integration/charts-render.test.ts). Test-only: never part of the main job.
package tools

import _ "helm.sh/helm/v3/cmd/helm"
