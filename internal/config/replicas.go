package config

import (
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"
)

// DefaultReplicaMaxLag is how far behind the primary a read replica may be and still
// serve reads (LCRM_REPLICA_MAX_LAG).
const DefaultReplicaMaxLag = 5 * time.Second

// loadReplicas reads LCRM_REPLICA_URL (comma-separated postgres:// URLs of streaming
// standbys of DATABASE_URL's server) and LCRM_REPLICA_MAX_LAG.
func (c *Config) loadReplicas() error {
	c.ReplicaURLs = nil
	for _, u := range strings.Split(os.Getenv("LCRM_REPLICA_URL"), ",") {
		if u = strings.TrimSpace(u); u == "" {
			continue
		}
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "postgres" && p.Scheme != "postgresql") || p.Host == "" {
			return fmt.Errorf("config: LCRM_REPLICA_URL: each entry must be a postgres:// URL")
		}
		c.ReplicaURLs = append(c.ReplicaURLs, u)
	}
	if len(c.ReplicaURLs) > 0 && c.DatabaseURL == "" {
		return fmt.Errorf("config: LCRM_REPLICA_URL needs DATABASE_URL (the replicas' primary)")
	}
	d, err := time.ParseDuration(env("LCRM_REPLICA_MAX_LAG", DefaultReplicaMaxLag.String()))
	if err != nil || d <= 0 {
		return fmt.Errorf("config: LCRM_REPLICA_MAX_LAG must be a positive duration such as 5s")
	}
	c.ReplicaMaxLag = d
	return nil
}

// maskURLs is maskURL of each of urls, comma-separated; "(unset)" for none.
func maskURLs(urls []string) string {
	if len(urls) == 0 {
		return "(unset: every read on the primary)"
	}
	out := make([]string, len(urls))
	for i, u := range urls {
		out[i] = maskURL(u)
	}
	return strings.Join(out, ",")
}
