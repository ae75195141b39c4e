package pglocal

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
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
	if s1.Attached() || !s1.Created {
		t.Fatalf("first start: attached %v created %v, want to own a new cluster", s1.Attached(), s1.Created)
	}
	s2, err := Start(ctx, dir)
	if err != nil {
		t.Fatalf("second start on a running data dir: %v", err)
	}
	if !s2.Attached() || s2.Port != s1.Port || s2.Created {
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

// TestPasswordRequired attacks a private server as another local program would: without
// the password, with a wrong one, over TCP and over the unix socket. Only the URL the
// server hands out gets in. A data folder made by older versions (trust, no password
// file) is secured on its next start and keeps its data.
func TestPasswordRequired(t *testing.T) {
	bin, err := FindBinDir()
	if err != nil {
		t.Skip(err)
	}
	ctx := context.Background()
	cred, err := credential()
	if err != nil {
		t.Fatal(err)
	}
	fresh := t.TempDir() + "/fresh"
	old := t.TempDir() + "/old"
	if err := os.MkdirAll(old, 0o700); err != nil {
		t.Fatal(err)
	}
	if cred != nil {
		if err := os.Chown(old, int(cred.Uid), int(cred.Gid)); err != nil {
			t.Fatal(err)
		}
		if err := openParents(old); err != nil {
			t.Fatal(err)
		}
	}
	if err := initdb(bin, old, cred, ""); err != nil { // what older versions made
		t.Fatal(err)
	}
	cases := []struct {
		name, dir   string
		wantCreated bool
	}{
		{"new data folder", fresh, true},
		{"trust data folder of an older version", old, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := Start(ctx, c.dir)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Stop()
			if s.Created != c.wantCreated {
				t.Errorf("Created = %v, want %v", s.Created, c.wantCreated)
			}
			if _, err := s.exec(ctx, s.URL("postgres"), "CREATE TABLE IF NOT EXISTS kept (n int)"); err != nil {
				t.Fatalf("the URL lcrm uses: %v", err)
			}
			sock := filepath.Join(s.DataDir, "sock")
			for name, url := range map[string]string{
				"tcp, no password":    fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", s.Port),
				"tcp, wrong password": fmt.Sprintf("postgres://postgres:nope@127.0.0.1:%d/postgres?sslmode=disable", s.Port),
				"tcp, other user":     fmt.Sprintf("postgres://nobody@127.0.0.1:%d/postgres?sslmode=disable", s.Port),
				"socket, no password": fmt.Sprintf("host=%s port=%d user=postgres dbname=postgres", sock, s.Port),
			} {
				if _, err := s.exec(ctx, url, "SELECT 1"); err == nil {
					t.Errorf("%s: connected, want refused", name)
				}
			}
			st, err := os.Stat(filepath.Join(s.DataDir, PasswordFile))
			if err != nil || st.Mode().Perm() != 0o600 {
				t.Errorf("password file: %v %v, want mode 0600", st, err)
			}
			hba, _ := os.ReadFile(filepath.Join(s.DataDir, "pg_hba.conf"))
			if trusts(string(hba)) {
				t.Errorf("pg_hba.conf still trusts:\n%s", hba)
			}
			s.Stop()
			// A restart: the same password, the data kept, no longer "created".
			s2, err := Start(ctx, c.dir)
			if err != nil {
				t.Fatal(err)
			}
			defer s2.Stop()
			if _, err := s2.exec(ctx, s2.URL("postgres"), "SELECT count(*) FROM kept"); err != nil || s2.Created {
				t.Errorf("after a restart: %v, created %v", err, s2.Created)
			}
		})
	}
}

// exec runs one statement on a new connection to url.
func (s *Server) exec(ctx context.Context, url, sql string) (pgconn.CommandTag, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	defer conn.Close(ctx)
	return conn.Exec(ctx, sql)
}
