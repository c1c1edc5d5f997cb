//go:build tools

// Pins actionlint (the GitHub Actions workflow linter) for the workflow tests.
package tools

import _ "github.com/rhysd/actionlint/cmd/actionlint"
