package pglocal

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
)

// StartStandby makes a streaming standby of s in dataDir with PostgreSQL's own tools and
// starts it on port (a free one when 0): `pg_basebackup -R -X stream` copies the cluster and writes
// standby.signal and primary_conninfo, then postgres replays the primary's WAL as it
// streams in (hot standby: read-only queries are served). A dataDir that already holds
// the standby is started again as it is, so a stopped standby catches up from where it
// was. The standby has the primary's roles, so the same password.
//
// The private server's pg_hba.conf has replication lines (initdb writes them; hbaConf
// keeps them) and wal_level is replica by default, so the primary needs no change. The
// base backup is read by the server's user: when that is not the user running lcrm, the
// password file is handed to it first (it is the superuser's password of a cluster
// whose every file that user already owns).
func (s *Server) StartStandby(ctx context.Context, dataDir string, port int) (*Server, error) {
	bin, err := FindBinDir()
	if err != nil {
		return nil, err
	}
	if dataDir, err = filepath.Abs(dataDir); err != nil {
		return nil, fmt.Errorf("pglocal: standby: %w", err)
	}
	cred, err := credential()
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(dataDir, "standby.signal")); err != nil {
		if err := s.baseBackup(ctx, bin, dataDir, cred); err != nil {
			return nil, err
		}
	}
	sockDir := filepath.Join(dataDir, "sock")
	if err := os.MkdirAll(sockDir, 0o700); err != nil {
		return nil, fmt.Errorf("pglocal: standby socket dir: %w", err)
	}
	if cred != nil {
		if err := os.Chown(sockDir, int(cred.Uid), int(cred.Gid)); err != nil {
			return nil, fmt.Errorf("pglocal: standby socket dir: %w", err)
		}
	}
	os.Remove(filepath.Join(dataDir, "postmaster.pid")) // left by a killed run
	if port == 0 {
		if port, err = freePort(); err != nil {
			return nil, err
		}
	}
	return launch(ctx, bin, dataDir, sockDir, port, cred, s.password)
}

// baseBackup copies the running cluster into dataDir as a standby.
func (s *Server) baseBackup(ctx context.Context, bin, dataDir string, cred *syscall.Credential) error {
	if err := os.MkdirAll(filepath.Dir(dataDir), 0o755); err != nil {
		return fmt.Errorf("pglocal: standby: %w", err)
	}
	if cred != nil {
		if err := openParents(dataDir); err != nil {
			return err
		}
		// The walsender reads every file of the data folder, this one included.
		if err := os.Chown(filepath.Join(s.DataDir, PasswordFile), int(cred.Uid), int(cred.Gid)); err != nil {
			return fmt.Errorf("pglocal: standby: %w", err)
		}
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return fmt.Errorf("pglocal: standby: %w", err)
		}
		if err := os.Chown(dataDir, int(cred.Uid), int(cred.Gid)); err != nil {
			return fmt.Errorf("pglocal: standby: %w", err)
		}
	}
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "pg_basebackup"),
		"-h", "127.0.0.1", "-p", strconv.Itoa(s.Port), "-U", "postgres",
		"-D", dataDir, "-R", "-X", "stream", "-c", "fast", "--no-sync")
	// PGPASSWORD rather than the command line (ps shows arguments); -R writes it into
	// primary_conninfo, so the standby reconnects after either side restarts.
	cmd.Env = append(os.Environ(), "PGPASSWORD="+s.password)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pglocal: pg_basebackup: %w\n%s", err, lastLines(string(out), 15))
	}
	return nil
}
