//go:build pprof

package main

import (
	"net/http"
	_ "net/http/pprof" // the profiling handlers, on their own address only
	"os"
)

// A binary built with -tags pprof serves net/http/pprof on LCRM_PPROF_ADDR (default
// 127.0.0.1:6060), apart from the app's port, for profiling a load run; release builds
// have none of it.
func init() {
	addr := os.Getenv("LCRM_PPROF_ADDR")
	if addr == "" {
		addr = "127.0.0.1:6060"
	}
	go func() { _ = http.ListenAndServe(addr, nil) }()
}
