// Package pglocal starts a private PostgreSQL server from the binaries installed on the
// machine, so `lcrm serve` and the tests need nothing but those binaries.
//
// The server listens on 127.0.0.1 at a free port and on a private unix socket directory,
// keeps its data folder across runs, and dies with its parent (Pdeathsig). initdb and
// postgres refuse to run as root, so when the current user is root both run as the
// unprivileged "postgres" system user (or LCRM_PG_USER).
//
// Every connection needs the superuser's password (scram-sha-256), so another local user
// cannot reach the data through 127.0.0.1. The password is made at initdb and kept in the
// data folder (PasswordFile, mode 0600, owned by the user running lcrm); URL carries it. A
// data folder made by older versions (trust authentication, no password file) gets a
// password and the same rules on its next start.
package pglocal

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
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

// PasswordFile is the file in the data folder holding the superuser's password.
const PasswordFile = "lcrm-password"

// Server is a running private PostgreSQL server.
type Server struct {
	DataDir string
	Port    int
	// Created is true when this start initialised the data folder (it had no cluster).
	Created  bool
	password string
	cmd      *exec.Cmd
	done     chan struct{}
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
	created := false
	if _, err := os.Stat(filepath.Join(dataDir, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		pw, err := newPassword()
		if err != nil {
			return nil, err
		}
		if err := initdb(bin, dataDir, cred, pw); err != nil {
			return nil, err
		}
		if err := writePassword(dataDir, pw); err != nil {
			return nil, err
		}
		created = true
	}
	password, err := readPassword(dataDir)
	if err != nil {
		return nil, err
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
	if s, ok := attach(ctx, dataDir, password); ok {
		return s, s.secure(ctx)
	}
	s, err := launch(ctx, bin, dataDir, sockDir, port, cred, password)
	if err != nil {
		return nil, err
	}
	s.Created = created
	if err := s.secure(ctx); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// launch runs postgres on dataDir and waits until it answers queries.
func launch(ctx context.Context, bin, dataDir, sockDir string, port int, cred *syscall.Credential, password string) (*Server, error) {
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
	s := &Server{DataDir: dataDir, Port: port, password: password, cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); close(s.done) }()
	if err := s.waitReady(ctx, 30*time.Second); err != nil {
		s.Stop()
		return nil, fmt.Errorf("%w\n%s", err, lastLines(logBuf.String(), 15))
	}
	return s, nil
}

// initdb makes a cluster whose superuser "postgres" has password pw and where every
// connection must give it (scram-sha-256). An empty pw makes the trust cluster of older
// versions (kept for the upgrade test).
func initdb(bin, dataDir string, cred *syscall.Credential, pw string) error {
	args := []string{"-D", dataDir, "-U", "postgres", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"}
	if pw == "" {
		args = append(args, "--auth=trust")
	} else {
		// initdb reads the password from a file the server's user can read; it lives in
		// a private temporary folder only while initdb runs.
		tmp, err := os.MkdirTemp("", "lcrm-initdb-")
		if err != nil {
			return fmt.Errorf("pglocal: initdb: %w", err)
		}
		defer os.RemoveAll(tmp)
		pwFile := filepath.Join(tmp, "pw")
		if err := os.WriteFile(pwFile, []byte(pw+"\n"), 0o600); err != nil {
			return fmt.Errorf("pglocal: initdb: %w", err)
		}
		if cred != nil {
			for _, p := range []string{tmp, pwFile} {
				if err := os.Chown(p, int(cred.Uid), int(cred.Gid)); err != nil {
					return fmt.Errorf("pglocal: initdb: %w", err)
				}
			}
		}
		args = append(args, "--auth=scram-sha-256", "--pwfile="+pwFile)
	}
	cmd := exec.Command(filepath.Join(bin, "initdb"), args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pglocal: initdb: %w\n%s", err, lastLines(string(out), 15))
	}
	return nil
}

// newPassword is a random superuser password (URL-safe).
func newPassword() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("pglocal: password: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// writePassword stores pw in the data folder, readable by this process's user only. It is
// written to a temporary file and renamed, so a crash never leaves half a password.
func writePassword(dataDir, pw string) error {
	path := filepath.Join(dataDir, PasswordFile)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(pw+"\n"), 0o600); err != nil {
		return fmt.Errorf("pglocal: write password: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("pglocal: write password: %w", err)
	}
	return nil
}

// readPassword returns the stored password, making one for a data folder of an older
// version that has none (secure then gives it to the superuser).
func readPassword(dataDir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dataDir, PasswordFile))
	if errors.Is(err, os.ErrNotExist) {
		pw, err := newPassword()
		if err != nil {
			return "", err
		}
		return pw, writePassword(dataDir, pw)
	}
	if err != nil {
		return "", fmt.Errorf("pglocal: read password: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// hbaConf is the client authentication of a private server: a password for every
// connection, on the socket and on 127.0.0.1 alike.
const hbaConf = `# Written by lcrm (package pglocal): every connection gives the password.
# TYPE  DATABASE  USER  ADDRESS       METHOD
local   all       all                 scram-sha-256
host    all       all   127.0.0.1/32  scram-sha-256
host    all       all   ::1/128       scram-sha-256
local   replication all               scram-sha-256
host    replication all 127.0.0.1/32  scram-sha-256
`

// secure upgrades a cluster of an older version, which trusted every local connection:
// when pg_hba.conf still trusts, it gives the superuser the stored password, writes
// hbaConf and reloads. It does nothing on a cluster already secured. The steps can be
// repeated: a crash between them is finished at the next start.
func (s *Server) secure(ctx context.Context) error {
	hba := filepath.Join(s.DataDir, "pg_hba.conf")
	b, err := os.ReadFile(hba)
	if err != nil {
		return fmt.Errorf("pglocal: read pg_hba.conf: %w", err)
	}
	if !trusts(string(b)) {
		return nil
	}
	conn, err := pgx.Connect(ctx, s.URL("postgres"))
	if err != nil {
		return fmt.Errorf("pglocal: secure: %w", err)
	}
	defer conn.Close(ctx)
	// ALTER ROLE takes no parameters; the password is hex, quoted as a literal.
	if _, err := conn.Exec(ctx, `SET password_encryption = 'scram-sha-256'`); err != nil {
		return fmt.Errorf("pglocal: secure: %w", err)
	}
	if _, err := conn.Exec(ctx, "ALTER ROLE postgres PASSWORD '"+s.password+"'"); err != nil {
		return fmt.Errorf("pglocal: secure: set password: %w", err)
	}
	// Write in place: the file keeps its owner (the server's user).
	if err := os.WriteFile(hba, []byte(hbaConf), 0o600); err != nil {
		return fmt.Errorf("pglocal: secure: write pg_hba.conf: %w", err)
	}
	var ok bool
	if err := conn.QueryRow(ctx, `SELECT pg_reload_conf()`).Scan(&ok); err != nil || !ok {
		return fmt.Errorf("pglocal: secure: reload: %v %w", ok, err)
	}
	return nil
}

// trusts reports whether a pg_hba.conf lets any connection in without a password.
func trusts(hba string) bool {
	for _, line := range strings.Split(hba, "\n") {
		f := strings.Fields(line)
		if len(f) > 0 && !strings.HasPrefix(f[0], "#") && f[len(f)-1] == "trust" {
			return true
		}
	}
	return false
}

// attach returns the server already running on dataDir, if there is one that answers.
func attach(ctx context.Context, dataDir, password string) (*Server, bool) {
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
	s := &Server{DataDir: dataDir, Port: port, password: password, attached: true}
	return s, port > 0 && ready(ctx, s)
}

// Attached reports whether this process uses a server another process started.
func (s *Server) Attached() bool { return s.attached }

// URL returns a connection string for database name on this server, with the password.
func (s *Server) URL(database string) string {
	return fmt.Sprintf("postgres://postgres:%s@127.0.0.1:%d/%s?sslmode=disable", s.password, s.Port, database)
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
