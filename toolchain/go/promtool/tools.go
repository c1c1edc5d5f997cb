//go:build tools

// Pins promtool (Prometheus's rule checker and rule unit-test runner) for the alert-rule tests.
package tools

import _ "github.com/prometheus/prometheus/cmd/promtool"
