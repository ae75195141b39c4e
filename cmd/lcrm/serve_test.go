package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServeDemo runs the README's first command for real: the built binary, no
// DATABASE_URL (so a private PostgreSQL), --demo, then health, readiness, the public API,
// an API key made by the CLI, and a clean shutdown on SIGTERM.
func TestServeDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "lcrm")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	port := freePort(t)
	envv := append(os.Environ(), "DATABASE_URL=", "LCRM_DATA_DIR="+filepath.Join(dir, "data"), "LCRM_JOBS=false",
		"LCRM_METRICS_TOKEN=smoke-metrics")

	cmd := exec.Command(bin, "serve", "--demo", "--addr", fmt.Sprintf("127.0.0.1:%d", port))
	cmd.Env = envv
	logs, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var logText strings.Builder
	go func() {
		sc := bufio.NewScanner(logs)
		for sc.Scan() {
			logText.WriteString(sc.Text() + "\n")
		}
	}()
	defer cmd.Process.Kill()
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(3 * time.Minute)
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready in time; logs:\n%s", logText.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, path := range []string{"/healthz"} {
		if code, _ := get(t, base+path); code != 200 {
			t.Errorf("GET %s = %d", path, code)
		}
	}
	// /metrics only with the token from LCRM_METRICS_TOKEN.
	if code, _ := get(t, base+"/metrics"); code != 404 {
		t.Errorf("GET /metrics without the token = %d, want 404", code)
	}
	mreq, _ := http.NewRequest("GET", base+"/metrics", nil)
	mreq.Header.Set("Authorization", "Bearer smoke-metrics")
	if resp, err := http.DefaultClient.Do(mreq); err != nil || resp.StatusCode != 200 {
		t.Errorf("GET /metrics with the token: %v %v", err, resp)
	} else {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(body), "http_request") {
			t.Errorf("GET /metrics with the token: no metrics in %.200s", body)
		}
	}
	if code, _ := get(t, base+"/api/v1/track/SD000000000000"); code != 404 {
		t.Errorf("unknown number = %d, want 404", code)
	}

	// A second terminal: the CLI attaches to the server's private PostgreSQL.
	key := exec.Command(bin, "apikey", "create", "smoke")
	key.Env = envv
	out, err := key.Output()
	if err != nil || !strings.HasPrefix(string(out), "lcrm_") {
		t.Fatalf("apikey create while serving: %v %q", err, out)
	}
	req, _ := http.NewRequest("GET", base+"/api/v1/shipments/SD000000000000", nil)
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(out)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 { // the key works (401 otherwise); the number is unknown
		t.Errorf("authorised lookup = %d, want 404", resp.StatusCode)
	}

	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve exited with %v; logs:\n%s", err, logText.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop on SIGTERM")
	}
	// A restart reuses the data dir and its data.
	cmd2 := exec.Command(bin, "serve", "--demo", "--addr", fmt.Sprintf("127.0.0.1:%d", port))
	cmd2.Env = envv
	if err := cmd2.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd2.Process.Signal(syscall.SIGTERM); cmd2.Wait() }()
	for i := 0; ; i++ {
		if code, _ := get(t, base+"/readyz"); code == 200 {
			break
		}
		if i > 300 {
			t.Fatal("restart not ready")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func get(t *testing.T, url string) (int, map[string]any) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	json.Unmarshal(b, &m)
	return resp.StatusCode, m
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
