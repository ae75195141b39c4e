package config

import (
	"strings"
	"testing"
	"time"
)

func TestReplicaSettings(t *testing.T) {
	for _, tc := range []struct {
		name, urls, lag, db string
		want                []string
		wantLag             time.Duration
		err                 string
	}{
		{name: "unset", wantLag: DefaultReplicaMaxLag},
		{name: "two", db: "postgres://p/db", urls: " postgres://a:1/db , postgresql://b/db,", lag: "2s",
			want: []string{"postgres://a:1/db", "postgresql://b/db"}, wantLag: 2 * time.Second},
		{name: "no primary", urls: "postgres://a/db", err: "needs DATABASE_URL"},
		{name: "not a URL", db: "postgres://p/db", urls: "host=a", err: "postgres:// URL"},
		{name: "bad lag", lag: "soon", err: "LCRM_REPLICA_MAX_LAG"},
		{name: "zero lag", lag: "0s", err: "LCRM_REPLICA_MAX_LAG"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("LCRM_REPLICA_URL", tc.urls)
			t.Setenv("LCRM_REPLICA_MAX_LAG", tc.lag)
			c := &Config{DatabaseURL: tc.db}
			err := c.loadReplicas()
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || strings.Join(c.ReplicaURLs, " ") != strings.Join(tc.want, " ") || c.ReplicaMaxLag != tc.wantLag {
				t.Fatalf("= %q %v, %v; want %q %v", c.ReplicaURLs, c.ReplicaMaxLag, err, tc.want, tc.wantLag)
			}
		})
	}
	if got := maskURLs([]string{"postgres://u:secret@a/db", "postgres://b/db"}); strings.Contains(got, "secret") || !strings.Contains(got, "b/db") {
		t.Fatalf("maskURLs = %q", got)
	}
}
