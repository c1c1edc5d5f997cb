//go:build tools

package tools

import _ "github.com/weaviate/weaviate/cmd/weaviate-server"
