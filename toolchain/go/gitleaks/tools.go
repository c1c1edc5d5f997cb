//go:build tools

package tools

import _ "github.com/zricethezav/gitleaks/v8"
