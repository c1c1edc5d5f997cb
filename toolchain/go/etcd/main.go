// The etcd server: its release's etcdmain entry point, built from the published server module (the
// etcd root module has local replace directives, so it cannot be built from the module proxy).
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
