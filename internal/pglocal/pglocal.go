// Package pglocal starts a private PostgreSQL server from the binaries installed on the
// machine, so `lcrm serve` and the tests need nothing but those binaries.
//
// The server listens on 127.0.0.1 at a free port and on a private unix socket directory,
// keeps its data folder across runs, and dies with its parent (Pdeathsig). initdb and
// postgres refuse to run as root, so when the current user is root both run as the
// unprivileged "postgres" system user (or LCRM_PG_USER).
package pglocal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrNoBinaries means no PostgreSQL server binaries were found on this machine.
var ErrNoBinaries = errors.New("pglocal: no PostgreSQL server binaries found (install them: apt-get install postgresql, or set DATABASE_URL)")

// Server is a running private PostgreSQL server.
type Server struct {
	DataDir string
	Port    int
	cmd     *exec.Cmd
	done    chan struct{}
	// attached is true when another lcrm process owns the server and this one only uses it.
	attached bool
}

// FindBinDir returns the folder holding initdb and postgres: $PATH first, then
// `pg_config --bindir`, then the newest /usr/lib/postgresql/*/bin.
func FindBinDir() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		// PATH may hold symlinks (/usr/local/bin/initdb): use the folder they point into,
		// where postgres and its helper programs sit together.
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		dir := filepath.Dir(p)
		if _, err := os.Stat(filepath.Join(dir, "postgres")); err == nil {
			return dir, nil
		}
	}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		dir := strings.TrimSpace(string(out))
		if _, err := os.Stat(filepath.Join(dir, "initdb")); err == nil {
			return dir, nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, dir := range dirs {
		if _, err := os.Stat(filepath.Join(dir, "initdb")); err == nil {
			return dir, nil
		}
	}
	return "", ErrNoBinaries
}

func versionOf(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

// Start initialises dataDir when it is empty and starts a server on it. The caller must
// call Stop; the server also dies when this process dies.
func Start(ctx context.Context, dataDir string) (*Server, error) {
	bin, err := FindBinDir()
	if err != nil {
		return nil, err
	}
	dataDir, err = filepath.Abs(dataDir)
	if err != nil {
		return nil, fmt.Errorf("pglocal: %w", err)
	}
	cred, err := credential()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("pglocal: create data dir: %w", err)
	}
	if cred != nil {
		if err := os.Chown(dataDir, int(cred.Uid), int(cred.Gid)); err != nil {
			return nil, fmt.Errorf("pglocal: chown data dir: %w", err)
		}
		// The unprivileged user must be able to reach the data dir through its parents.
		if err := openParents(dataDir); err != nil {
			return nil, err
		}
	}
	if _, err := os.Stat(filepath.Join(dataDir, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		if err := initdb(bin, dataDir, cred); err != nil {
			return nil, err
		}
	}
	// Sockets live in a private folder inside the data dir, owned by the server's user.
	sockDir := filepath.Join(dataDir, "sock")
	if err := os.MkdirAll(sockDir, 0o700); err != nil {
		return nil, fmt.Errorf("pglocal: socket dir: %w", err)
	}
	if cred != nil {
		if err := os.Chown(sockDir, int(cred.Uid), int(cred.Gid)); err != nil {
			return nil, fmt.Errorf("pglocal: chown socket dir: %w", err)
		}
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	// Another lcrm process (say `serve`) may already run the server on this data dir: use
	// it rather than fail on its lock. A stale pid file from a killed run is removed.
	if s, ok := attach(ctx, dataDir); ok {
		return s, nil
	}
	cmd := exec.Command(filepath.Join(bin, "postgres"),
		"-D", dataDir, "-p", strconv.Itoa(port), "-k", sockDir,
		"-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200",
		"-c", "shared_buffers=256MB", "-c", "fsync=on")
	var logBuf bytes.Buffer
	cmd.Stdout = &logBuf
	cmd.Stderr = &logBuf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM, Credential: cred, Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("pglocal: start postgres: %w", err)
	}
	s := &Server{DataDir: dataDir, Port: port, cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); close(s.done) }()
	if err := s.waitReady(ctx, 30*time.Second); err != nil {
		s.Stop()
		return nil, fmt.Errorf("%w\n%s", err, lastLines(logBuf.String(), 15))
	}
	return s, nil
}

func initdb(bin, dataDir string, cred *syscall.Credential) error {
	cmd := exec.Command(filepath.Join(bin, "initdb"), "-D", dataDir, "-U", "postgres",
		"--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pglocal: initdb: %w\n%s", err, lastLines(string(out), 15))
	}
	return nil
}

// attach returns the server already running on dataDir, if there is one that answers.
func attach(ctx context.Context, dataDir string) (*Server, bool) {
	pidFile := filepath.Join(dataDir, "postmaster.pid")
	b, err := os.ReadFile(pidFile)
	if err != nil {
		return nil, false
	}
	lines := strings.Split(string(b), "\n")
	pid, _ := strconv.Atoi(strings.TrimSpace(lines[0]))
	if pid <= 0 || syscall.Kill(pid, 0) != nil {
		os.Remove(pidFile)
		return nil, false
	}
	if len(lines) < 4 {
		return nil, false
	}
	port, _ := strconv.Atoi(strings.TrimSpace(lines[3]))
	s := &Server{DataDir: dataDir, Port: port, attached: true}
	return s, port > 0 && ready(ctx, s)
}

// Attached reports whether this process uses a server another process started.
func (s *Server) Attached() bool { return s.attached }

// URL returns a connection string for database name on this server.
func (s *Server) URL(database string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.Port, database)
}

// Stop shuts the server down with a fast shutdown and waits for it to exit.
func (s *Server) Stop() {
	if s == nil || s.attached || s.cmd == nil || s.cmd.Process == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-s.done:
	case <-time.After(15 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
}

func (s *Server) waitReady(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return errors.New("pglocal: postgres exited during start-up")
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", s.Port), 200*time.Millisecond)
		if err == nil {
			c.Close()
			if ready(ctx, s) {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("pglocal: postgres did not become ready in time")
}

// ready checks that the server accepts queries, not just TCP (it listens before recovery ends).
func ready(ctx context.Context, s *Server) bool {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.URL("postgres"))
	if err != nil {
		return false
	}
	conn.Close(ctx)
	return true
}

func credential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	name := os.Getenv("LCRM_PG_USER")
	if name == "" {
		name = "postgres"
	}
	u, err := user.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("pglocal: running as root needs an unprivileged user %q to run postgres (create it or set LCRM_PG_USER): %w", name, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// openParents makes every parent of dir traversable (o+x) so the postgres user can reach it.
func openParents(dir string) error {
	for p := filepath.Dir(dir); p != "/" && p != "."; p = filepath.Dir(p) {
		st, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("pglocal: %w", err)
		}
		if st.Mode().Perm()&0o001 == 0 {
			if err := os.Chmod(p, st.Mode().Perm()|0o011); err != nil {
				return fmt.Errorf("pglocal: make %s traversable for postgres: %w", p, err)
			}
		}
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pglocal: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
