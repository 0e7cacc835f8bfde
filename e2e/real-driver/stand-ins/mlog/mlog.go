// Package mlog stands in for monis.app/mlog, which the Go module proxy on our CI machines does not
// serve. The driver package we test (pkg/secrets-store) calls only mlog.Fatal, and only when its CSI
// gRPC server fails to start, which these tests never do.
package mlog

import (
	"fmt"
	"os"
)

// Fatal prints err and exits, as a fatal log call does.
func Fatal(err error, keysAndValues ...any) {
	fmt.Fprintln(os.Stderr, append([]any{"fatal:", err}, keysAndValues...)...)
	os.Exit(1)
}
