package pglocal

import (
	"context"
	"testing"
)

// TestStartAttachRestart covers the life of a data dir: first start (initdb), a second
// process attaching to the running server, and a restart on the existing data.
func TestStartAttachRestart(t *testing.T) {
	if _, err := FindBinDir(); err != nil {
		t.Skip(err)
	}
	ctx := context.Background()
	dir := t.TempDir() + "/data"
	s1, err := Start(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if s1.Attached() {
		t.Fatal("first start should own the server")
	}
	s2, err := Start(ctx, dir)
	if err != nil {
		t.Fatalf("second start on a running data dir: %v", err)
	}
	if !s2.Attached() || s2.Port != s1.Port {
		t.Fatalf("second start = port %d attached %v, want to attach to %d", s2.Port, s2.Attached(), s1.Port)
	}
	s2.Stop() // must not stop the owner's server
	if !ready(ctx, s1) {
		t.Fatal("an attached Stop stopped the owner's server")
	}
	s1.Stop()
	s3, err := Start(ctx, dir)
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	defer s3.Stop()
	if s3.Attached() || !ready(ctx, s3) {
		t.Fatal("restart did not start its own server")
	}
}
